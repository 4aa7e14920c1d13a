// libFuzzer target for record batches: produced batches come from clients and replicated ones
// from peers, so validation and record parsing must survive any input, with decompression
// capped. The CRC check would stop nearly every mutated input, so each input is tried twice:
// as it is, and with its CRC (and batch length) recomputed so the records parser is reached.
// A batch that parses is rebuilt uncompressed and must parse back to the same records.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/assert.h"
#include "core/endian.h"
#include "net/kafka/records.h"

namespace laminar::kafka {
namespace {

constexpr record_parse_limits limits{1024 * 1024, 1024 * 1024};

void check_parsed(const parsed_batch& batch) {
    for (const record& item : batch.records) {
        if (batch.header.is_control() && item.key) (void)parse_control_record_key(*item.key);
        if (batch.header.is_control() && item.value) {
            (void)parse_end_transaction_marker(*item.value);
        }
    }
    if (batch.records.empty()) return;
    record_batch_options options;
    options.base_offset = batch.header.base_offset;
    options.base_timestamp = batch.header.base_timestamp;
    auto rebuilt = build_record_batch(options, batch.records);
    LAMINAR_ASSERT(rebuilt);
    auto again = parse_record_batch(*rebuilt, limits);
    LAMINAR_ASSERT(again);
    LAMINAR_ASSERT(again->records == batch.records);
}

void fuzz(std::span<const std::byte> input) {
    if (auto parsed = parse_record_batch(input, limits)) check_parsed(*parsed);
    if (input.size() < record_batch_layout::header_bytes) return;
    std::vector<std::byte> fixed(input.begin(), input.end());
    store_be<std::int32_t>(fixed.data() + record_batch_layout::batch_length,
                           static_cast<std::int32_t>(fixed.size() - 12));
    store_be<std::int8_t>(fixed.data() + record_batch_layout::magic, record_batch_magic);
    store_be<std::uint32_t>(fixed.data() + record_batch_layout::crc,
                            compute_record_batch_crc(fixed));
    if (auto parsed = parse_record_batch(fixed, limits)) check_parsed(*parsed);
}

}  // namespace
}  // namespace laminar::kafka

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    laminar::kafka::fuzz(std::as_bytes(std::span(data, size)));
    return 0;
}
