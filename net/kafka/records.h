// The records inside a magic-2 record batch (core/record_batch.h owns the 61-byte header and its
// CRC). Parsing treats the batch as hostile: every length is checked against the bytes left,
// record and header counts cannot exceed the bytes that could hold them, decompression has an
// output cap, and the batch must hold exactly records_count records with no bytes after them.
// The builder makes batches for tests, the CLI and the bench; the broker never rebuilds batches
// on the produce or fetch path.
//
// Record layout (Kafka's DefaultRecord): length varint | attributes int8 | timestamp_delta
// varlong | offset_delta varint | key_length varint, key | value_length varint, value |
// header_count varint | headers (key_length varint, key | value_length varint, value).
// -1 lengths are null (key, value, header value; never a header key).
//
// Locality: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/compression.h"
#include "core/record_batch.h"
#include "net/kafka/wire.h"

namespace laminar::kafka {

struct record_header {
    std::string key;
    std::optional<bytes> value;
    bool operator==(const record_header&) const = default;
};

struct record {
    std::int8_t attributes = 0;
    std::int64_t timestamp_delta = 0;
    std::int32_t offset_delta = 0;
    std::optional<bytes> key;
    std::optional<bytes> value;
    std::vector<record_header> headers;
    bool operator==(const record&) const = default;
};

struct parsed_batch {
    record_batch_header header;
    std::vector<record> records;
};

// Bounds the parse of one batch; the defaults suit tests and tools.
struct record_parse_limits {
    std::size_t batch_bytes_max = 64 * 1024 * 1024;
    std::size_t decompressed_bytes_max = 64 * 1024 * 1024;
};

// Validates the batch at the start of `bytes` (core's validate_record_batch: length, magic, CRC;
// its failures become corrupt_records) and parses its records.
codec_result<parsed_batch> parse_record_batch(std::span<const std::byte> bytes,
                                              const record_parse_limits& limits = {});

// Parses the records of a batch already validated (`batch` spans exactly header.total_bytes()).
codec_result<std::vector<record>> parse_records(std::span<const std::byte> batch,
                                                const record_batch_header& header,
                                                std::size_t decompressed_bytes_max);

// Control records (transaction markers and KRaft's own): the key is version int16 + type int16.
enum class control_record_type : std::int16_t {
    abort = 0,
    commit = 1,
    leader_change = 2,
    snapshot_header = 3,
    snapshot_footer = 4,
};
struct control_record_key {
    std::int16_t version = 0;
    control_record_type type = control_record_type::abort;
};
// A transaction marker's value: version int16 + coordinator_epoch int32.
struct end_transaction_marker {
    std::int16_t version = 0;
    std::int32_t coordinator_epoch = 0;
};
codec_result<control_record_key> parse_control_record_key(std::span<const std::byte> key);
codec_result<end_transaction_marker> parse_end_transaction_marker(
    std::span<const std::byte> value);
// The transaction marker a control batch's records are: its one record is a COMMIT or ABORT
// with a readable value. nullopt for any other control batch.
struct transaction_marker {
    bool commit = false;
    std::int32_t coordinator_epoch = 0;
};
std::optional<transaction_marker> transaction_marker_of(std::span<const record> records);
// The record of a transaction marker (commit or abort), for a control batch.
record make_transaction_marker(control_record_type type, std::int32_t coordinator_epoch);

struct record_batch_options {
    std::int64_t base_offset = 0;
    std::int32_t partition_leader_epoch = -1;
    std::int64_t base_timestamp = 0;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    std::int32_t base_sequence = -1;
    compression_codec codec = compression_codec::none;
    timestamp_type time_type = timestamp_type::create_time;
    bool transactional = false;
    bool control = false;
};

// Builds a batch from records (their offset and timestamp deltas as given; last_offset_delta
// and max_timestamp from the largest), compressing the records with options.codec and
// computing the CRC. invalid_value for no records or a compression failure.
codec_result<bytes> build_record_batch(const record_batch_options& options,
                                       std::span<const record> records);

}  // namespace laminar::kafka
