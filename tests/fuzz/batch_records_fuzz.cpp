// libFuzzer target for the cleaner's record-level parse of a batch (storage/batch_records.h):
// segment bytes are read back from disk, so no input may crash it or read out of bounds.
// The input is taken twice: as a whole batch (header validated, CRC fixed up first so the
// records are reached; compressed bodies are decompressed) and as the records bytes of a
// plain batch whose records_count is the input's first byte. Whatever parses is rebuilt with
// every other record kept and must parse again to the same keys; and again with a delete
// horizon, which must keep every record's timestamp.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "core/assert.h"
#include "core/endian.h"
#include "core/record_batch.h"
#include "storage/batch_records.h"

namespace laminar {
namespace {

namespace layout = record_batch_layout;

void rebuild_and_check(std::span<const std::byte> batch, const record_batch_header& header,
                       std::span<const std::byte> records,
                       const std::vector<storage::record_entry>& entries,
                       std::optional<std::int64_t> horizon) {
    std::vector<storage::record_entry> kept;
    for (std::size_t i = 0; i < entries.size(); i += 2) kept.push_back(entries[i]);
    if (kept.empty()) return;
    std::vector<std::byte> rebuilt;
    if (!storage::rebuild_batch(batch, header, records, kept, rebuilt, horizon)) return;
    auto again = validate_record_batch(rebuilt, rebuilt.size());
    LAMINAR_ASSERT(again.has_value());
    LAMINAR_ASSERT(again->records_count == static_cast<std::int32_t>(kept.size()));
    std::vector<std::byte> scratch;
    auto body = storage::batch_records_bytes(rebuilt, *again, scratch);
    LAMINAR_ASSERT(body.has_value());
    std::vector<storage::record_entry> parsed;
    LAMINAR_ASSERT(storage::parse_batch_records(*body, *again, parsed).has_value());
    LAMINAR_ASSERT(parsed.size() == kept.size());
    if (horizon) LAMINAR_ASSERT(storage::delete_horizon_of(*again) == horizon);
    for (std::size_t i = 0; i < kept.size(); ++i) {
        LAMINAR_ASSERT(parsed[i].offset == kept[i].offset);
        LAMINAR_ASSERT(parsed[i].key_length == kept[i].key_length);
        // A delete horizon moves the base timestamp, never a record's timestamp.
        LAMINAR_ASSERT(wrapping_add(again->base_timestamp, parsed[i].timestamp_delta) ==
                       wrapping_add(header.base_timestamp, kept[i].timestamp_delta));
        if (kept[i].key_length > 0) {
            auto left = storage::record_key(records, kept[i]);
            auto right = storage::record_key(*body, parsed[i]);
            LAMINAR_ASSERT(std::memcmp(left.data(), right.data(), left.size()) == 0);
        }
    }
}

void as_whole_batch(std::span<const std::byte> input) {
    if (input.size() < layout::header_bytes) return;
    std::vector<std::byte> batch(input.begin(), input.end());
    store_be<std::int32_t>(batch.data() + layout::batch_length,
                           static_cast<std::int32_t>(batch.size() - layout::length_field_end));
    store_be<std::int8_t>(batch.data() + layout::magic, record_batch_magic);
    store_be<std::uint32_t>(batch.data() + layout::crc, compute_record_batch_crc(batch));
    auto header = validate_record_batch(batch, batch.size());
    if (!header) return;
    std::vector<std::byte> scratch;
    auto records = storage::batch_records_bytes(batch, *header, scratch);
    if (!records) return;
    std::vector<storage::record_entry> entries;
    if (!storage::parse_batch_records(*records, *header, entries)) return;
    rebuild_and_check(batch, *header, *records, entries, std::nullopt);
    rebuild_and_check(batch, *header, *records, entries,
                      wrapping_add(header->base_timestamp, 86'400'000));
}

void as_records(std::span<const std::byte> input) {
    if (input.empty()) return;
    record_batch_header header;
    header.records_count = static_cast<std::int32_t>(input[0]) % 16;
    header.last_offset_delta = 64;
    header.base_offset = 1000;
    const auto records = input.subspan(1);
    std::vector<storage::record_entry> entries;
    if (!storage::parse_batch_records(records, header, entries)) return;
    LAMINAR_ASSERT(entries.size() == static_cast<std::size_t>(header.records_count));
    for (const auto& entry : entries) {
        LAMINAR_ASSERT(entry.begin < entry.end && entry.end <= records.size());
        if (entry.key_length >= 0) {
            LAMINAR_ASSERT(entry.key_begin + static_cast<std::size_t>(entry.key_length) <=
                           entry.end);
        }
    }
    std::vector<std::byte> batch(layout::header_bytes);
    batch.insert(batch.end(), records.begin(), records.end());
    auto* p = batch.data();
    store_be<std::int64_t>(p + layout::base_offset, header.base_offset);
    store_be<std::int32_t>(p + layout::batch_length,
                           static_cast<std::int32_t>(batch.size() - layout::length_field_end));
    store_be<std::int8_t>(p + layout::magic, record_batch_magic);
    store_be<std::int32_t>(p + layout::last_offset_delta, header.last_offset_delta);
    store_be<std::int32_t>(p + layout::records_count, header.records_count);
    rebuild_and_check(batch, header, records, entries, std::nullopt);
    rebuild_and_check(batch, header, records, entries, 1'700'000'000'000);
}

}  // namespace
}  // namespace laminar

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
    laminar::as_whole_batch(input);
    laminar::as_records(input);
    return 0;
}
