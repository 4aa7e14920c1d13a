#include "broker/offset_answers.h"

#include <algorithm>

namespace laminar::broker {

epoch_end end_offset_for_epoch(std::int32_t requested, std::int32_t current,
                               std::int64_t log_start_offset, std::int64_t log_end_offset,
                               const storage::epoch_scan& scan) {
    if (requested < 0 || requested > current) return {};
    if (requested == current) return {current, log_end_offset};
    // The next epoch starts at the first batch above the requested one; with none, the current
    // epoch started at the log end (its leader has appended nothing yet).
    const std::int64_t next_start =
        scan.above ? std::max(scan.above->header.base_offset, log_start_offset) : log_end_offset;
    const std::int32_t floor = scan.floor_epoch >= 0 ? scan.floor_epoch : requested;
    return {floor, next_start};
}

std::int64_t offset_of_max_timestamp(std::span<const std::byte> batch) {
    auto parsed = kafka::parse_record_batch(batch);
    if (!parsed) {
        auto header = read_record_batch_header(batch);
        return header ? header->last_offset() : -1;
    }
    const auto& header = parsed->header;
    if (header.time_type() == timestamp_type::log_append_time) return header.base_offset;
    for (const auto& each : parsed->records) {
        if (wrapping_add(header.base_timestamp, each.timestamp_delta) == header.max_timestamp) {
            return wrapping_add(header.base_offset, each.offset_delta);
        }
    }
    return header.last_offset();
}

std::optional<storage::timestamp_lookup> first_record_at_or_after(std::span<const std::byte> batch,
                                                                  std::int64_t timestamp,
                                                                  std::int64_t log_start_offset) {
    auto parsed = kafka::parse_record_batch(batch);
    if (!parsed) return std::nullopt;
    const auto& header = parsed->header;
    const bool append_time = header.time_type() == timestamp_type::log_append_time;
    for (const auto& each : parsed->records) {
        const std::int64_t offset = wrapping_add(header.base_offset, each.offset_delta);
        const std::int64_t at = append_time
                                    ? header.max_timestamp
                                    : wrapping_add(header.base_timestamp, each.timestamp_delta);
        if (at >= timestamp && offset >= log_start_offset) {
            return storage::timestamp_lookup{offset, at};
        }
    }
    return std::nullopt;
}

}  // namespace laminar::broker
