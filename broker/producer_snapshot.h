// A producer snapshot's bytes: what a partition knows of its producers and transactions as of
// an offset (Kafka's <offset>.snapshot, in a format of our own), so that a restart replays only
// the log past it. The parse accepts any input (fuzzed: tests/fuzz/producer_snapshot_fuzz.cpp):
// damaged bytes give nullopt, never a crash or a huge allocation.
//
// Layout (big-endian): magic u32, version u16, offset i64, producer count u32, aborted count
// u32; each producer: id i64, epoch i16, coordinator epoch i32, open transaction's first offset
// i64 (-1: none), last marker's timestamp i64 (-1: a batch came after it), batch count u8 (at
// most 5), then its batches oldest first: first sequence i32, last sequence i32, base offset
// i64, max timestamp i64; each aborted transaction: producer id, first offset, last offset, LSO
// (i64 each), by last offset; then a CRC32C u32 of everything before it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace laminar::broker {

// A transaction aborted on this partition, as Kafka's transaction index keeps it (AbortedTxn).
struct aborted_txn {
    std::int64_t producer_id = -1;
    std::int64_t first_offset = 0;
    std::int64_t last_offset = 0;         // the ABORT marker
    std::int64_t last_stable_offset = 0;  // the LSO once the marker was written
    bool operator==(const aborted_txn&) const = default;
};

inline constexpr std::uint32_t producer_snapshot_magic = 0x4c50534e;  // "LPSN"
inline constexpr std::uint16_t producer_snapshot_version = 1;
inline constexpr std::size_t producer_snapshot_batches_max = 5;

struct snapshot_batch {
    std::int32_t first_sequence = 0;
    std::int32_t last_sequence = 0;
    std::int64_t base_offset = 0;
    std::int64_t max_timestamp = -1;
    bool operator==(const snapshot_batch&) const = default;
};

struct snapshot_producer {
    std::int64_t producer_id = -1;
    std::int16_t epoch = -1;
    std::int32_t coordinator_epoch = -1;
    std::int64_t txn_first_offset = -1;
    std::int64_t marker_timestamp = -1;
    std::vector<snapshot_batch> batches;  // oldest first
    bool operator==(const snapshot_producer&) const = default;
};

struct producer_snapshot {
    std::int64_t offset = 0;  // the state after every batch below it, none at or above
    std::vector<snapshot_producer> producers;
    std::vector<aborted_txn> aborted;  // by last offset
    bool operator==(const producer_snapshot&) const = default;
};

std::vector<std::byte> encode_producer_snapshot(const producer_snapshot& snapshot);
// nullopt unless the bytes are a whole snapshot whose CRC holds and whose contents are
// consistent: unique producer ids, batches and transactions wholly below its offset, at most 5
// batches a producer, aborted transactions in order.
std::optional<producer_snapshot> decode_producer_snapshot(std::span<const std::byte> bytes);

}  // namespace laminar::broker
