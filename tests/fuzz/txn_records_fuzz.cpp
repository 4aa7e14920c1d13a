// libFuzzer target for the __transaction_state record decoders: the partition is replayed from
// disk at startup (and may have been written by Kafka), so damaged bytes must give an error,
// never a crash, an out-of-bounds read or a huge allocation. Whatever decodes must survive a
// re-encode in the same version and decode to the same fields.
#include <cstddef>
#include <cstdint>
#include <span>

#include "broker/txn_records.h"
#include "core/assert.h"

using namespace laminar::broker::txn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
    if (auto key = decode_txn_log_key(input)) {
        auto again = decode_txn_log_key(encode_txn_log_key(*key));
        LAMINAR_ASSERT(again && *again == *key);
    }
    const std::int16_t version =
        size >= 2 ? static_cast<std::int16_t>((data[0] << 8) | data[1]) : -1;
    if (auto value = decode_txn_log_value(input)) {
        auto again = decode_txn_log_value(encode_txn_log_value(*value, version));
        LAMINAR_ASSERT(again && *again == *value);
        (void)state_name(static_cast<txn_state>(value->transaction_status));
    }
    return 0;
}
