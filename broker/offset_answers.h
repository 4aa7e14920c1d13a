// The answers of OffsetForLeaderEpoch and ListOffsets by timestamp and MAX_TIMESTAMP, from what
// the log holds.
// Pure functions, unit-tested; the handlers fetch their inputs on the partition's owner.
//
// @locality any shard.
#pragma once

#include <cstdint>
#include <optional>

#include "net/kafka/records.h"
#include "storage/partition_log.h"
#include "storage/segment.h"

namespace laminar::broker {

struct epoch_end {
    std::int32_t epoch = -1;
    std::int64_t end_offset = -1;
    bool operator==(const epoch_end&) const = default;
};

// Kafka's leader epoch cache answer (LeaderEpochFileCache.endOffsetFor) with the cache made of
// the epochs the batches carry plus the current leader epoch: the current epoch ends at the log
// end; an older one ends where the first batch of a later epoch starts, answered with the largest
// known epoch at or below it (the requested one when none is known); an unknown later epoch, or
// -1, gives (-1, -1).
epoch_end end_offset_for_epoch(std::int32_t requested, std::int32_t current,
                               std::int64_t log_start_offset, std::int64_t log_end_offset,
                               const storage::epoch_scan& scan);

// The offset of the first record of `batch` whose timestamp is the batch's max timestamp (Kafka
// 3.8+'s offset for MAX_TIMESTAMP, KAFKA-16310; LogAppendTime batches: their first record).
// A batch whose records do not parse gives its last offset (Kafka 3.7's answer).
std::int64_t offset_of_max_timestamp(std::span<const std::byte> batch);

// ListOffsets by timestamp inside the batch the log found (the first whose max timestamp is >=
// `timestamp`): the first record at or above `log_start_offset` whose timestamp is >= `timestamp`,
// with that record's timestamp, as Kafka's FileRecords.searchForTimestamp answers (a batch holds
// several records: its base offset would hand a consumer records from before the time).
// LogAppendTime records carry the batch's max timestamp. nullopt when no record of the batch
// qualifies or its records do not parse.
std::optional<storage::timestamp_lookup> first_record_at_or_after(std::span<const std::byte> batch,
                                                                  std::int64_t timestamp,
                                                                  std::int64_t log_start_offset);

}  // namespace laminar::broker
