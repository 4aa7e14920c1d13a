// The Kafka record batch (magic 2) at the level both storage and the wire codec need: the 61-byte
// header, validation of a batch as received (lengths, magic, CRC32C), and the fields a broker
// rewrites in place. Records inside a batch are the codec's business (net/kafka).
//
// Layout (big-endian), Kafka's DefaultRecordBatch:
//   0 base_offset i64 | 8 batch_length i32 (bytes after this field) | 12 partition_leader_epoch
//   i32 | 16 magic i8 | 17 crc u32 (CRC32C of bytes 21..end) | 21 attributes i16 |
//   23 last_offset_delta i32 | 27 base_timestamp i64 | 35 max_timestamp i64 | 43 producer_id i64 |
//   51 producer_epoch i16 | 53 base_sequence i32 | 57 records_count i32 | 61 records...
// The CRC does not cover base_offset, batch_length or partition_leader_epoch, so a broker assigns
// offsets and stamps the epoch without recomputing it. LogAppendTime changes attributes and
// max_timestamp, which the CRC covers, so stamping it recomputes the CRC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/compression.h"
#include "core/result.h"

namespace laminar {

namespace record_batch_layout {
inline constexpr std::size_t base_offset = 0;
inline constexpr std::size_t batch_length = 8;
inline constexpr std::size_t partition_leader_epoch = 12;
inline constexpr std::size_t magic = 16;
inline constexpr std::size_t crc = 17;
inline constexpr std::size_t attributes = 21;
inline constexpr std::size_t last_offset_delta = 23;
inline constexpr std::size_t base_timestamp = 27;
inline constexpr std::size_t max_timestamp = 35;
inline constexpr std::size_t producer_id = 43;
inline constexpr std::size_t producer_epoch = 51;
inline constexpr std::size_t base_sequence = 53;
inline constexpr std::size_t records_count = 57;
inline constexpr std::size_t header_bytes = 61;
// batch_length counts from partition_leader_epoch on.
inline constexpr std::size_t length_field_end = 12;
}  // namespace record_batch_layout

inline constexpr std::int8_t record_batch_magic = 2;

namespace record_batch_attributes {
inline constexpr std::int16_t compression_mask = 0x07;
inline constexpr std::int16_t log_append_time = 0x08;
inline constexpr std::int16_t transactional = 0x10;
inline constexpr std::int16_t control = 0x20;
inline constexpr std::int16_t delete_horizon = 0x40;
}  // namespace record_batch_attributes

enum class timestamp_type : std::uint8_t { create_time = 0, log_append_time = 1 };

// Two's-complement addition for fields a hostile batch may set near the int64 limits (base
// offset + delta, base timestamp + delta): defined behaviour, and the same bits Java computes.
constexpr std::int64_t wrapping_add(std::int64_t a, std::int64_t b) noexcept {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

struct record_batch_header {
    std::int64_t base_offset = 0;
    std::int32_t batch_length = 0;
    std::int32_t partition_leader_epoch = -1;
    std::int8_t magic = record_batch_magic;
    std::uint32_t crc = 0;
    std::int16_t attributes = 0;
    std::int32_t last_offset_delta = 0;
    std::int64_t base_timestamp = 0;
    std::int64_t max_timestamp = 0;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    std::int32_t base_sequence = -1;
    std::int32_t records_count = 0;

    std::size_t total_bytes() const noexcept {
        return record_batch_layout::length_field_end + static_cast<std::size_t>(batch_length);
    }
    std::int64_t last_offset() const noexcept {
        return wrapping_add(base_offset, last_offset_delta);
    }
    compression_codec compression() const noexcept {
        return static_cast<compression_codec>(attributes &
                                              record_batch_attributes::compression_mask);
    }
    timestamp_type time_type() const noexcept {
        return (attributes & record_batch_attributes::log_append_time)
                   ? timestamp_type::log_append_time
                   : timestamp_type::create_time;
    }
    bool is_transactional() const noexcept {
        return attributes & record_batch_attributes::transactional;
    }
    bool is_control() const noexcept { return attributes & record_batch_attributes::control; }
};

// Reads the header fields. Needs at least header_bytes; checks nothing else.
result<record_batch_header> read_record_batch_header(std::span<const std::byte> bytes);

// How a batch failed validation; the broker maps these to Kafka error codes.
enum class batch_error : std::uint8_t {
    truncated,       // fewer bytes than the header or than batch_length claims
    bad_length,      // batch_length below the header size or above the allowed maximum
    bad_magic,       // magic other than 2 (old message formats are not accepted)
    bad_crc,         // CRC32C mismatch
    bad_count,       // records_count or last_offset_delta negative
    bad_compression, // compression bits 5-7
};
std::string_view to_string(batch_error error) noexcept;

// Validates the one batch at the start of `bytes` (its header and CRC; not the records) and
// returns its header. bytes may extend past the batch; batch_bytes_max bounds total_bytes().
result<record_batch_header, batch_error> validate_record_batch(std::span<const std::byte> bytes,
                                                               std::size_t batch_bytes_max);

// What a produced batch must also satisfy (Kafka's LogValidator): at least one record and offsets
// dense (records_count == last_offset_delta + 1). Batches read back from a compacted log may have
// gaps, so this is not part of validate_record_batch.
status check_produced_batch_offsets(const record_batch_header& header);

// Rewrites fields outside the CRC.
void set_base_offset(std::span<std::byte> batch, std::int64_t base_offset) noexcept;
void set_partition_leader_epoch(std::span<std::byte> batch, std::int32_t epoch) noexcept;
// Marks the batch LogAppendTime with max_timestamp = append_time_ms and recomputes the CRC.
void set_log_append_time(std::span<std::byte> batch, std::int64_t append_time_ms) noexcept;
// Marks the batch CreateTime with `max_timestamp` and recomputes the CRC.
void set_create_time(std::span<std::byte> batch, std::int64_t max_timestamp) noexcept;
// Sets max_timestamp (CreateTime batches: the largest record timestamp) and recomputes the CRC.
void set_max_timestamp(std::span<std::byte> batch, std::int64_t max_timestamp) noexcept;
// CRC32C over bytes [attributes, end) of a whole batch.
std::uint32_t compute_record_batch_crc(std::span<const std::byte> batch) noexcept;

}  // namespace laminar
