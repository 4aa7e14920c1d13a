// Per-log settings, with Kafka's topic config names, and the clock seam. Read once into this plain
// struct by the broker (config lookups are not for the hot path).
#pragma once

#include <cstdint>
#include <string>

#include "core/record_batch.h"

namespace laminar::storage {

// Where the log reads the time: tests and the simulator pass their own.
class log_clock {
public:
    virtual ~log_clock() = default;
    virtual std::int64_t now_ms() const noexcept = 0;  // wall clock, ms since the epoch
};
const log_clock& system_log_clock() noexcept;

struct log_config {
    std::uint64_t segment_bytes = 1ull << 30;         // segment.bytes
    std::int64_t segment_ms = 7ll * 24 * 3600 * 1000;  // segment.ms
    std::uint32_t index_interval_bytes = 4096;       // index.interval.bytes
    // Preallocation extent (fallocate ahead of the write head); never a whole segment up front.
    // The largest step: a segment's reservations start at 64 KiB and double up to this.
    std::uint64_t preallocate_extent_bytes = 16ull << 20;
    std::uint32_t max_message_bytes = 1048588;       // max.message.bytes (one batch)
    timestamp_type message_timestamp_type = timestamp_type::create_time;
    // flush.messages: 1 is "every batch" (group commit, appends return once durable); 0 or a
    // large value with flush_ms 0 is "none" (page cache). flush.ms: 0 means no time trigger.
    std::uint64_t flush_messages = 0;
    std::int64_t flush_ms = 0;
    std::int64_t retention_ms = 7ll * 24 * 3600 * 1000;  // retention.ms, -1: unlimited
    std::int64_t retention_bytes = -1;                   // retention.bytes, -1: unlimited
    // cleanup.policy: "delete" sets cleanup_delete, "compact" cleanup_compact, both for
    // "compact,delete". Retention removes segments only with cleanup_delete (as Kafka).
    bool cleanup_delete = true;
    bool cleanup_compact = false;
    std::int64_t delete_retention_ms = 86400000;   // delete.retention.ms (tombstones kept)
    double min_cleanable_dirty_ratio = 0.5;        // min.cleanable.dirty.ratio
    std::int64_t min_compaction_lag_ms = 0;        // min.compaction.lag.ms
    // max.compaction.lag.ms (Kafka's default: Long.MAX_VALUE, never)
    std::int64_t max_compaction_lag_ms = INT64_MAX;
};

enum class flush_policy : std::uint8_t { none, interval, every_batch };
inline flush_policy flush_policy_of(const log_config& config) noexcept {
    if (config.flush_messages == 1) return flush_policy::every_batch;
    if (config.flush_messages > 1 || config.flush_ms > 0) return flush_policy::interval;
    return flush_policy::none;
}

struct log_options {
    std::string data_dir;   // the log dir; the partition lives in <data_dir>/<topic>-<partition>/
    std::string topic;
    std::int32_t partition = 0;
    log_config config;
    const log_clock* clock = nullptr;  // null: system_log_clock(); must outlive the log
};

}  // namespace laminar::storage
