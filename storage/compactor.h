// Compaction settings, pacing and results shared by the cleaner (compactor.cpp, members of
// partition_log) and its owner (the broker's log maintenance).
//
// What is honoured (Kafka's topic configs): cleanup.policy compact / compact,delete (the owner
// calls compact() only for those), min.cleanable.dirty.ratio (dirty bytes / cleanable bytes
// below it: nothing to do), min.compaction.lag.ms (segments holding a record younger than it
// are not cleaned), delete.retention.ms (a tombstone goes once the max timestamp of its
// segment is older than it). Not honoured: max.compaction.lag.ms, segment grouping (each
// segment is rewritten into one segment; a segment left empty is removed).
//
// @locality owning shard of the log.
#pragma once

#include <algorithm>
#include <coroutine>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include "core/reactor.h"

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
// .swap, after the .swap replaced the old .log (before indexes and checkpoint).
enum class cleaner_crash_point : std::uint8_t { none, after_cleaned, after_swap, after_replace };

struct compaction_options {
    bool force = false;  // clean even below min.cleanable.dirty.ratio
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
    std::uint64_t segments_rewritten = 0;
    std::uint64_t segments_removed = 0;
    std::int64_t clean_offset = 0;  // the cleaner offset checkpoint after the pass
};

}  // namespace laminar::storage
