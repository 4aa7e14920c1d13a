#include "broker/batch_checks.h"

#include <algorithm>
#include <vector>

#include "core/record_batch.h"
#include "storage/batch_records.h"

namespace laminar::broker {

namespace {

// ProduceRequest.validateRecords (run by KafkaApis before the log sees the batch): Kafka refuses
// a zstd batch in a request below v7 before any check of the batch's size or contents.
bool zstd_before_v7(std::span<const std::byte> records, std::int16_t produce_version) {
    if (produce_version >= produce_version_zstd_min) return false;
    if (records.size() < record_batch_layout::header_bytes) return false;
    const auto header = read_record_batch_header(records);
    return header && header->magic == record_batch_magic &&
           header->compression() == compression_codec::zstd;
}

}  // namespace

kafka_error check_produced_batch(const std::optional<kafka::bytes>& records,
                                 std::int16_t produce_version, std::int64_t max_message_bytes,
                                 std::string& message) {
    if (!records || records->empty()) {
        message = "Produce requests must have at least one record batch per partition";
        return kafka_error::invalid_record;
    }
    if (zstd_before_v7(*records, produce_version)) {
        message = "Produce requests with version " + std::to_string(produce_version) +
                  " are not allowed to use ZStandard compression";
        return kafka_error::unsupported_compression_type;
    }
    if (static_cast<std::int64_t>(records->size()) > max_message_bytes + 12) {
        message = "The record batch is larger than max.message.bytes";
        return kafka_error::message_too_large;
    }
    auto header = validate_record_batch(*records, records->size());
    if (!header) {
        message = std::string(to_string(header.error()));
        switch (header.error()) {
        case batch_error::bad_magic:
        case batch_error::bad_count: return kafka_error::invalid_record;
        default: return kafka_error::corrupt_message;
        }
    }
    if (header->total_bytes() != records->size()) {
        message = "Produce requests must carry exactly one record batch per partition";
        return kafka_error::invalid_record;
    }
    if (!check_produced_batch_offsets(*header)) {
        message = "Inconsistent batch offset range and record count";
        return kafka_error::invalid_record;
    }
    return kafka_error::none;
}

kafka_error check_compacted_keys(std::span<const std::byte> batch, std::string& message) {
    const auto header = read_record_batch_header(batch);  // validated by check_produced_batch
    std::vector<std::byte> scratch;
    std::vector<storage::record_entry> records;
    auto bytes = storage::batch_records_bytes(batch, *header, scratch);
    if (!bytes || !storage::parse_batch_records(*bytes, *header, records)) {
        message = "The records of the batch cannot be read";
        return kafka_error::corrupt_message;
    }
    for (const auto& record : records) {
        if (record.key_length < 0) {
            message = "Compacted topic cannot accept message without key";
            return kafka_error::invalid_record;
        }
    }
    return kafka_error::none;
}

std::optional<std::int64_t> max_record_timestamp(std::span<const std::byte> batch) {
    const auto header = read_record_batch_header(batch);
    if (!header) return std::nullopt;
    std::vector<std::byte> scratch;
    std::vector<storage::record_entry> records;
    auto bytes = storage::batch_records_bytes(batch, *header, scratch);
    if (!bytes || !storage::parse_batch_records(*bytes, *header, records)) return std::nullopt;
    // Kafka starts from NO_TIMESTAMP (-1) and keeps the largest record timestamp above it.
    std::int64_t largest = -1;
    for (const auto& record : records) {
        largest = std::max(largest, wrapping_add(header->base_timestamp, record.timestamp_delta));
    }
    return largest;
}

kafka_error correct_max_timestamp(std::span<std::byte> batch, std::string& message) {
    const auto header = read_record_batch_header(batch);  // validated by check_produced_batch
    if (header->time_type() != timestamp_type::create_time ||
        header->max_timestamp >= header->base_timestamp) {
        return kafka_error::none;
    }
    const auto largest = max_record_timestamp(batch);
    if (!largest) {
        message = "The records of the batch cannot be read";
        return kafka_error::corrupt_message;
    }
    if (*largest != header->max_timestamp) set_max_timestamp(batch, *largest);
    return kafka_error::none;
}

bool fetch_refuses_codec(std::string_view effective_compression_type,
                         std::int16_t fetch_version) noexcept {
    return fetch_version < fetch_version_zstd_min && effective_compression_type == "zstd";
}

}  // namespace laminar::broker
