// Compaction settings, pacing and results shared by the cleaner (compactor.cpp, members of
// partition_log) and its owner (the broker's log maintenance).
//
// What is honoured (Kafka's topic configs): cleanup.policy compact / compact,delete (the owner
// calls compact() only for those), min.cleanable.dirty.ratio (dirty bytes / cleanable bytes
// below it: nothing to do, unless max.compaction.lag.ms is exceeded), min.compaction.lag.ms
// (segments holding a record younger than it are not cleaned), max.compaction.lag.ms (a log
// whose earliest dirty record is older than it is cleaned whatever its ratio; the active
// segment of a compacted log rolls at that age so it becomes cleanable), delete.retention.ms
// (the delete horizon a clean gives a batch holding a tombstone or a marker; KIP-534),
// segment.bytes (consecutive cleaned segments whose sizes sum to at most it are written into
// one; Kafka's groupSegmentsBySize).
//
// @locality owning shard of the log.
#pragma once

#include <algorithm>
#include <coroutine>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/reactor.h"
#include "core/task.h"
#include "storage/errc.h"

namespace laminar::storage {

// First offset not yet cleaned (Kafka's cleaner-offset-checkpoint, here one per partition dir).
inline constexpr std::string_view cleaner_offset_file = "cleaner-offset-checkpoint";
inline constexpr std::string_view cleaned_suffix = ".log.cleaned";
inline constexpr std::string_view swap_suffix = ".log.swap";

// Paces the cleaner's reads: the owner refills it each tick; a read that finds it spent waits
// for the next refill (so one tick reads at most the refill plus one chunk). Unlimited when
// constructed without a bound (tests, tools).
class cleaner_budget {
public:
    static constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();
    explicit cleaner_budget(std::uint64_t bytes = unlimited) noexcept : _available(bytes) {}
    cleaner_budget(const cleaner_budget&) = delete;
    cleaner_budget& operator=(const cleaner_budget&) = delete;

    void refill(std::uint64_t bytes) noexcept {
        _available = bytes;
        resume();
    }
    // The owner is stopping: the waiting read (and every later one) gives up.
    void stop() noexcept {
        _stopped = true;
        resume();
    }
    bool stopped() const noexcept { return _stopped; }

    struct spend_operation {
        cleaner_budget& budget;
        std::uint64_t bytes;
        bool await_ready() const noexcept { return budget._stopped || budget._available > 0; }
        void await_suspend(std::coroutine_handle<> waiter) noexcept { budget._waiter = waiter; }
        // false: stopped, do not read.
        bool await_resume() noexcept {
            if (budget._stopped) return false;
            if (budget._available != unlimited) {
                budget._available -= std::min(budget._available, bytes);
            }
            return true;
        }
    };
    spend_operation spend(std::uint64_t bytes) noexcept { return {*this, bytes}; }

private:
    void resume() noexcept {
        if (_waiter) reactor::current().schedule(std::exchange(_waiter, {}));
    }
    std::uint64_t _available;
    bool _stopped = false;
    std::coroutine_handle<> _waiter;
};

// Where a test makes the cleaner stop as if the process died there (the log is then failed and
// must be reopened): after the cleaned file is written and synced, after it is renamed to
// .swap, after the group's later segments were unlinked (a group of one has none), after the
// .swap replaced the old .log (before indexes and checkpoint).
enum class cleaner_crash_point : std::uint8_t {
    none,
    after_cleaned,
    after_swap,
    after_members_removed,
    after_replace
};

// A transaction aborted on the partition, as the log's owner knows it (the broker's producer
// state; Kafka's aborted transaction index): the producer's transactional batches from
// first_offset up to last_offset (its ABORT marker) are aborted data.
struct aborted_transaction {
    std::int64_t producer_id = -1;
    std::int64_t first_offset = 0;
    std::int64_t last_offset = 0;
};

// No last stable offset: a log without transactions (tests, tools) is cleanable up to its
// active segment.
inline constexpr std::int64_t unbounded_stable_offset = std::numeric_limits<std::int64_t>::max();

struct compaction_options {
    bool force = false;  // clean even below min.cleanable.dirty.ratio
    // The last stable offset (the first offset of the oldest open transaction, else the high
    // watermark): a segment holding it or anything above it is not cleanable (Kafka's
    // firstUncleanableOffset), so an open transaction's records are never mapped or removed.
    std::int64_t stable_end = unbounded_stable_offset;
    // Every aborted transaction with a batch below stable_end, in any order: their batches are
    // removed and map no key, so an aborted value never replaces a committed one.
    std::vector<aborted_transaction> aborted;
    // Bound of the key -> latest offset map (key bytes plus a per-entry overhead); the dirty
    // range mapped in one pass ends at the segment where it is reached (at least one segment).
    std::uint64_t map_bytes_max = 64ull << 20;
    cleaner_crash_point crash_at = cleaner_crash_point::none;
};

struct compaction_report {
    bool ran = false;           // a pass cleaned (false: nothing cleanable or below the ratio)
    double dirty_ratio = 0;
    std::uint64_t bytes_read = 0;
    std::uint64_t bytes_written = 0;
    std::uint64_t records_removed = 0;
    std::uint64_t tombstones_removed = 0;
    std::uint64_t markers_removed = 0;     // transaction markers past their delete horizon
    std::uint64_t horizons_set = 0;        // batches given a delete horizon (KIP-534)
    std::uint64_t segments_rewritten = 0;  // cleaned segments written (one per group)
    std::uint64_t segments_removed = 0;    // source segments gone (emptied, or merged in a group)
    std::uint64_t segments_merged = 0;     // of those, merged into the first of their group
    std::int64_t clean_offset = 0;  // the cleaner offset checkpoint after the pass
    // How far past max.compaction.lag.ms the earliest dirty record was (0: not past it).
    std::int64_t max_compaction_delay_ms = 0;
};

// The cleaner's key -> latest offset map over the mapped segments (compactor.cpp).
struct offset_map;
// Which batches the pass removes as aborted data (compactor.cpp).
class aborted_batches;

// Where a pass failed on the log's data or an I/O error (the owner names it when it marks the
// partition uncleanable): the segment, the byte position in it and the offset the cleaner
// expected there (the one after the last good batch).
struct compaction_failure {
    errc error = errc::ok;
    std::int64_t segment_base = -1;
    std::uint64_t position = 0;
    std::int64_t offset = -1;
};

// open(): completes the swap a crash interrupted of the cleaned group whose first segment is
// `base` (see compactor.cpp): the group's later segments (those whose base is below the .swap's
// last offset + 1) are unlinked and dropped from `segment_bases` (sorted), then the .swap
// replaces <base>.log, whose stale indexes go. A .swap without its <base>.log is deleted. The
// caller syncs the directory.
task<status> complete_cleaned_swap(const std::string& dir, std::int64_t base,
                                   std::vector<std::int64_t>& segment_bases);

}  // namespace laminar::storage
