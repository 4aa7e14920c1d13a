// libFuzzer target for the checks a produced batch passes before the append
// (broker/batch_checks.h): a client's bytes go through check_produced_batch, then the record
// rules and check_batch_records, which may rewrite the max timestamp and CRC. Whatever the input,
// none may crash or read out of bounds, and a batch they accept must still be one valid batch
// whose max timestamp (on a CreateTime topic) is its records'. Each input is tried as it is and
// with its length and CRC recomputed (otherwise the CRC check stops nearly every mutation); the
// first byte picks the topic's rules.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "broker/batch_checks.h"
#include "core/assert.h"
#include "core/endian.h"

namespace laminar::broker {
namespace {

constexpr std::int64_t now_ms = 1'796'000'000'000;

void check(kafka::bytes batch, std::uint8_t rules_byte) {
    const std::optional<kafka::bytes> records(std::move(batch));
    std::string message;
    if (check_produced_batch(records, 9, 1 << 20, message) != kafka_error::none) return;
    auto bytes = *records;
    const record_rules rules{.compacted = (rules_byte & 1) != 0,
                             .log_append_time = (rules_byte & 2) != 0,
                             .before_max_ms = (rules_byte & 4) != 0 ? 3'600'000 : INT64_MAX,
                             .after_max_ms = (rules_byte & 8) != 0 ? 60'000 : INT64_MAX};
    const auto header = read_record_batch_header(bytes);
    LAMINAR_ASSERT(header);
    std::vector<kafka::batch_index_and_error_message> errors;
    const record_check record_rules_check{
        .rules = rules, .now_ms = now_ms, .partition = "t-0", .errors = &errors};
    const auto* check = records_need_checks(rules, *header) ? &record_rules_check : nullptr;
    if (check_batch_records(bytes, !rules.log_append_time, check, message) != kafka_error::none) {
        return;
    }
    // Accepted: still one valid batch (the rewrite kept the CRC right), its records readable.
    std::string again;
    LAMINAR_ASSERT(check_produced_batch(bytes, 9, 1 << 20, again) == kafka_error::none);
    const auto max = max_record_timestamp(bytes);
    LAMINAR_ASSERT(max);
    if (!rules.log_append_time) {
        const auto stamped = read_record_batch_header(bytes);
        LAMINAR_ASSERT(stamped->max_timestamp == *max);
        LAMINAR_ASSERT(stamped->time_type() == timestamp_type::create_time);
    }
}

void fuzz(std::span<const std::byte> input) {
    if (input.empty()) return;
    const auto rules_byte = static_cast<std::uint8_t>(input[0]);
    input = input.subspan(1);
    check(kafka::bytes(input.begin(), input.end()), rules_byte);
    if (input.size() < record_batch_layout::header_bytes) return;
    kafka::bytes fixed(input.begin(), input.end());
    store_be<std::int32_t>(fixed.data() + record_batch_layout::batch_length,
                           static_cast<std::int32_t>(fixed.size() - 12));
    store_be<std::int8_t>(fixed.data() + record_batch_layout::magic, record_batch_magic);
    store_be<std::uint32_t>(fixed.data() + record_batch_layout::crc,
                            compute_record_batch_crc(fixed));
    check(std::move(fixed), rules_byte);
}

}  // namespace
}  // namespace laminar::broker

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    laminar::broker::fuzz(std::as_bytes(std::span(data, size)));
    return 0;
}
