// libFuzzer target for the __consumer_offsets record decoders: the partition is replayed from
// disk at startup (and may have been written by Kafka), so damaged bytes must give an error,
// never a crash, an out-of-bounds read or a huge allocation. Whatever decodes must survive a
// re-encode in the same version and decode to the same fields.
#include <cstddef>
#include <cstdint>
#include <span>

#include "broker/group_records.h"
#include "core/assert.h"

using namespace laminar::broker::groups;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
    if (auto key = decode_key(input)) {
        auto encoded = key->kind == record_key_kind::offset_commit
                           ? encode_offset_commit_key(key->group, key->topic, key->partition)
                           : encode_group_metadata_key(key->group);
        auto again = decode_key(encoded);
        LAMINAR_ASSERT(again && again->group == key->group && again->topic == key->topic &&
                       again->partition == key->partition && again->kind == key->kind);
    }
    const std::int16_t version =
        size >= 2 ? static_cast<std::int16_t>((data[0] << 8) | data[1]) : -1;
    if (auto offset = decode_offset_commit_value(input)) {
        auto again = decode_offset_commit_value(encode_offset_commit_value(*offset, version));
        LAMINAR_ASSERT(again && *again == *offset);
    }
    if (auto group = decode_group_metadata_value(input)) {
        auto again = decode_group_metadata_value(encode_group_metadata_value(*group, version));
        LAMINAR_ASSERT(again && *again == *group);
    }
    (void)decode_subscription_topics(input);
    (void)java_string_hash(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
