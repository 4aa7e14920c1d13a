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

kafka_error check_not_control(const record_batch_header& header, std::string_view partition,
                              std::string& message) {
    if (!header.is_control()) return kafka_error::none;
    message = "Clients are not allowed to write control records in topic partition " +
              std::string(partition);
    return kafka_error::invalid_record;
}

bool records_need_checks(const record_rules& rules, const record_batch_header& header) noexcept {
    return rules.compacted || header.time_type() == timestamp_type::log_append_time ||
           (!rules.log_append_time &&
            (rules.before_max_ms != INT64_MAX || rules.after_max_ms != INT64_MAX));
}

namespace {

// Java's long arithmetic, which Kafka's checks and messages use: wraps instead of overflowing.
std::int64_t java_sub(std::int64_t a, std::int64_t b) {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}

// LogValidator.recordHasInvalidTimestamp.
bool outside_bounds(std::int64_t timestamp, std::int64_t now_ms, const record_rules& rules) {
    const std::int64_t behind = java_sub(now_ms, timestamp);
    return behind > rules.before_max_ms || java_sub(0, behind) > rules.after_max_ms;
}

// One record's error, or nullopt: validateKey, then validateTimestamp.
std::optional<std::pair<kafka_error, std::string>> record_error(
    const record_batch_header& header, const storage::record_entry& record, std::int64_t now_ms,
    const record_rules& rules, std::string_view partition) {
    if (rules.compacted && record.key_length < 0) {
        return std::pair{kafka_error::invalid_record,
                         "Compacted topic cannot accept message without key in topic partition " +
                             std::string(partition)};
    }
    const std::int64_t timestamp = wrapping_add(header.base_timestamp, record.timestamp_delta);
    if (!rules.log_append_time && timestamp != -1) {
        if (!outside_bounds(timestamp, now_ms, rules)) return std::nullopt;
        return std::pair{kafka_error::invalid_timestamp,
                         "Timestamp " + std::to_string(timestamp) + " of message with offset " +
                             std::to_string(record.offset) +
                             " is out of range. The timestamp should be within [" +
                             std::to_string(java_sub(now_ms, rules.before_max_ms)) + ", " +
                             std::to_string(wrapping_add(now_ms, rules.after_max_ms)) + "]"};
    }
    if (header.time_type() != timestamp_type::log_append_time) return std::nullopt;
    // Kafka names the record with Java's DefaultRecord.toString (offset, timestamp, sizes).
    return std::pair{kafka_error::invalid_timestamp,
                     "Invalid timestamp type in message DefaultRecord(offset=" +
                         std::to_string(record.offset) + ", timestamp=" +
                         std::to_string(timestamp) +
                         "). Producer should not set timestamp type to LogAppendTime."};
}

// A compressed batch's records decompress into a per-thread buffer, kept for the next batch
// unless one inflated it past this.
constexpr std::size_t scratch_bytes_kept = 4u << 20;
constexpr std::size_t records_kept = 16384;  // entries of the parsed-record list, likewise

// Reads a batch's records into `records` (decompressed into `scratch`), or gives the error Kafka
// gives records it cannot read: CORRUPT_MESSAGE when a compressed batch does not inflate;
// INVALID_RECORD (its InvalidRecordException) when the records do not parse, whatever the codec.
// The parse also holds the offset deltas to rising values in [0, last offset delta], which with
// check_produced_batch's dense count means 0, 1, 2, ...: Kafka requires that of compressed
// batches, Laminar of every batch, since a consumer takes each record's offset from its delta.
kafka_error read_records(std::span<const std::byte> batch, const record_batch_header& header,
                         std::vector<std::byte>& scratch,
                         std::vector<storage::record_entry>& records, std::string& message) {
    auto bytes = storage::batch_records_bytes(batch, header, scratch);
    if (!bytes) {
        message = "The records of the batch cannot be read";
        return kafka_error::corrupt_message;
    }
    if (!storage::parse_batch_records(*bytes, header, records)) {
        message = "Found invalid record structure: the batch's " +
                  std::to_string(header.records_count) + " records do not parse in its " +
                  std::to_string(bytes->size()) + " bytes of records";
        return kafka_error::invalid_record;
    }
    return kafka_error::none;
}

// LogValidator.processRecordErrors: the summary the partition's error_message carries.
std::string summary_of(bool any_timestamp,
                       const std::vector<kafka::batch_index_and_error_message>& errors) {
    if (any_timestamp) return "One or more records have been rejected due to invalid timestamp";
    std::string shown;
    for (std::size_t at = 0; at < std::min<std::size_t>(errors.size(), 3); ++at) {
        if (at > 0) shown += ", ";
        shown += "RecordError(batchIndex=" + std::to_string(errors[at].batch_index) +
                 ", message='" + errors[at].batch_index_error_message.value_or("") + "')";
    }
    return "One or more records have been rejected due to " + std::to_string(errors.size()) +
           " record errors in total, and only showing the first three errors at most: [" +
           shown + "]";
}

}  // namespace

namespace {

// The max timestamp Kafka gives a CreateTime batch: it starts from NO_TIMESTAMP (-1) and keeps
// the largest record timestamp above it.
std::int64_t largest_timestamp(const record_batch_header& header,
                               const std::vector<storage::record_entry>& records) {
    std::int64_t largest = -1;
    for (const auto& record : records) {
        largest = std::max(largest, wrapping_add(header.base_timestamp, record.timestamp_delta));
    }
    return largest;
}

// Collects the record errors of a batch's parsed records; the error of the batch, if any.
kafka_error record_errors(const record_batch_header& header,
                          const std::vector<storage::record_entry>& records,
                          const record_check& check, std::string& message) {
    auto& errors = *check.errors;
    bool any_timestamp = false;
    for (std::size_t index = 0; index < records.size(); ++index) {
        auto failed =
            record_error(header, records[index], check.now_ms, check.rules, check.partition);
        if (!failed) continue;
        any_timestamp = any_timestamp || failed->first == kafka_error::invalid_timestamp;
        errors.push_back({static_cast<std::int32_t>(index), std::move(failed->second)});
    }
    if (errors.empty()) return kafka_error::none;
    message = summary_of(any_timestamp, errors);
    return any_timestamp ? kafka_error::invalid_timestamp : kafka_error::invalid_record;
}

}  // namespace

kafka_error check_batch_records(std::span<std::byte> batch, bool create_time,
                                const record_check* check, std::string& message) {
    const auto header = read_record_batch_header(batch);  // validated by check_produced_batch
    thread_local std::vector<std::byte> scratch;  // capacities kept per shard thread
    thread_local std::vector<storage::record_entry> records;
    auto outcome = read_records(batch, *header, scratch, records, message);
    if (outcome == kafka_error::none && check != nullptr) {
        outcome = record_errors(*header, records, *check, message);
    }
    if (outcome == kafka_error::none && create_time) {  // LogAppendTime: stamped by the append
        const std::int64_t largest = largest_timestamp(*header, records);
        if (header->time_type() == timestamp_type::log_append_time) {
            // Kafka's setMaxTimestamp(CREATE_TIME, ...): the topic's type, the records' maximum.
            set_create_time(batch, largest);
        } else if (largest != header->max_timestamp) {
            set_max_timestamp(batch, largest);
        }
    }
    if (scratch.capacity() > scratch_bytes_kept) std::vector<std::byte>().swap(scratch);
    if (records.capacity() > records_kept) std::vector<storage::record_entry>().swap(records);
    return outcome;
}

std::optional<std::int64_t> max_record_timestamp(std::span<const std::byte> batch) {
    const auto header = read_record_batch_header(batch);
    if (!header) return std::nullopt;
    std::vector<std::byte> scratch;
    std::vector<storage::record_entry> records;
    auto bytes = storage::batch_records_bytes(batch, *header, scratch);
    if (!bytes || !storage::parse_batch_records(*bytes, *header, records)) return std::nullopt;
    return largest_timestamp(*header, records);
}

bool fetch_refuses_codec(std::string_view effective_compression_type,
                         std::int16_t fetch_version) noexcept {
    return fetch_version < fetch_version_zstd_min && effective_compression_type == "zstd";
}

}  // namespace laminar::broker
