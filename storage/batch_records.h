// The records inside one record batch (magic 2), as the cleaner needs them: where each record
// starts and ends, its offset, whether it has a key and what it is, and whether its value is
// null (a tombstone); and a batch rebuilt from a subset of its records.
//
// Record layout (Kafka's DefaultRecord): length varint (bytes after it) | attributes i8 |
// timestamp_delta varlong | offset_delta varint | key_length varint (-1: null) | key |
// value_length varint (-1: null) | value | headers_count varint | headers (key_length varint,
// key, value_length varint (-1: null), value each). Varints are zig-zag, as in protobuf.
//
// The bytes come from disk (CRC-checked, but a bug or a hostile writer before us may have put
// anything there): every parse is bounded, a malformed record is errc::corrupt_log, never a
// crash or a read out of bounds (fuzzed by tests/fuzz/batch_records_fuzz.cpp).
//
// A rebuilt batch keeps the original header (base offset, last offset delta, timestamps,
// producer id/epoch/base sequence, attributes, leader epoch): the kept records' bytes are copied
// unchanged (their deltas stay relative to the same base), recompressed with the batch's codec;
// records_count, batch_length and the CRC32C are recomputed. Offsets inside the batch may then
// have gaps, as in Kafka after compaction. A batch given a delete horizon changes its attributes
// and base timestamp too (and its records' timestamp deltas to match).
//
// @locality any thread (pure functions over the given bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/record_batch.h"
#include "storage/errc.h"

namespace laminar::storage {

// Most bytes a batch's records may decompress to (bounds decompression bombs).
inline constexpr std::size_t batch_records_bytes_max = 64u << 20;

struct record_entry {
    std::int64_t offset = 0;
    std::size_t begin = 0;  // within the records bytes: from the length varint
    std::size_t end = 0;    // one past the record
    std::size_t attributes_at = 0;    // the record's attributes byte (after the length)
    std::size_t after_timestamp = 0;  // one past the timestamp delta varlong
    std::int64_t timestamp_delta = 0;
    std::size_t key_begin = 0;
    std::int32_t key_length = -1;  // -1: no key
    bool tombstone = false;        // null value
};

// The records bytes of a validated batch: the bytes after the header, decompressed into
// `scratch` when the batch is compressed.
result<std::span<const std::byte>> batch_records_bytes(std::span<const std::byte> batch,
                                                       const record_batch_header& header,
                                                       std::vector<std::byte>& scratch);

// Parses exactly header.records_count records filling the records bytes; `out` is replaced.
status parse_batch_records(std::span<const std::byte> records, const record_batch_header& header,
                           std::vector<record_entry>& out);

// The key bytes of a record that has one.
inline std::span<const std::byte> record_key(std::span<const std::byte> records,
                                             const record_entry& entry) noexcept {
    return records.subspan(entry.key_begin, static_cast<std::size_t>(entry.key_length));
}

// The delete horizon of a batch (KIP-534): attribute bit 6 set by a cleaner that kept a tombstone
// or a transaction marker in it; the base timestamp then holds the horizon (ms since the epoch)
// and the records' timestamp deltas are relative to it. nullopt when the flag is clear.
inline std::optional<std::int64_t> delete_horizon_of(const record_batch_header& header) noexcept {
    if ((header.attributes & record_batch_attributes::delete_horizon) == 0) return std::nullopt;
    return header.base_timestamp;
}

// Appends to `out` the batch holding only `kept` (a non-empty subset of the parsed records, in
// order) of `batch`. With `delete_horizon_ms` the batch gets the delete horizon flag and that
// base timestamp, and each kept record's timestamp delta is rewritten so that its timestamp
// (base + delta) is unchanged; the max timestamp stays.
status rebuild_batch(std::span<const std::byte> batch, const record_batch_header& header,
                     std::span<const std::byte> records, std::span<const record_entry> kept,
                     std::vector<std::byte>& out,
                     std::optional<std::int64_t> delete_horizon_ms = std::nullopt);

}  // namespace laminar::storage
