// Long-polling fetches without a polling loop. A fetch that found too little parks on a shard's
// fetch_waiters until its max_wait passes or an append wakes it: on the shard owning all of its
// partitions when one does (the append's wake then stays on that shard), else on the shard of
// its connection. The shard owning a partition remembers which shards have fetches waiting on
// it (partition_manager::watch) and, after an append, wakes its own parked fetches at once and
// sends every other watching shard one wake message; a wake message already on its way is not
// sent again (it wakes everything parked when it arrives, and the woken fetches read again).
//
// A woken fetch is put straight on the shard's ready queue: no ring operation per park (one
// timer, sleeping until the earliest deadline, serves every parked fetch of the shard). An
// append's own wake queues the fetch ahead of the append's acknowledgement, so the consumer's
// response goes out first, as Redis answers a blocked XREAD before the XADD.
//
// Bounds: a connection has one request in flight (Kafka's order), so a shard parks at most one
// fetch per connection it serves, and connections are bounded by max.connections and the
// descriptor limit. The timer's linear scan for the earliest deadline, once per
// deadline passed, is no worse than the linear wake_all every append already does.
//
// @locality owning shard (park_until, wake_all); wake messages cross shards.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <vector>

#include "core/reactor.h"
#include "core/task.h"

namespace laminar::broker {

class fetch_waiters {
public:
    using clock = std::chrono::steady_clock;

    // Suspends the calling fetch until wake_all(), `deadline`, or the shard beginning to stop;
    // not at all if a wake_all() came after wakes() read `seen` (an append while the fetch was
    // reading: its watch is spent, and no later append would wake it).
    class [[nodiscard]] park_operation {
    public:
        park_operation(fetch_waiters& waiters, clock::time_point deadline,
                       std::uint64_t seen) noexcept
            : _waiters(waiters), _deadline(deadline), _seen(seen) {}
        bool await_ready() const noexcept {
            return _waiters._wakes != _seen || reactor::current().stopping() ||
                   clock::now() >= _deadline;
        }
        void await_suspend(std::coroutine_handle<> handle) {
            _handle = handle;
            _waiters.add(*this);
        }
        void await_resume() const noexcept {}

    private:
        friend class fetch_waiters;
        fetch_waiters& _waiters;
        clock::time_point _deadline;
        std::uint64_t _seen;
        std::coroutine_handle<> _handle;
    };

    // How many wake_all() calls so far: read before a fetch's read pass, given to park_until.
    std::uint64_t wakes() const noexcept { return _wakes; }
    park_operation park_until(clock::time_point deadline, std::uint64_t seen) noexcept {
        return {*this, deadline, seen};
    }
    // Schedules every parked fetch; the number woken.
    std::size_t wake_all();
    std::size_t parked() const noexcept { return _parked.size(); }

private:
    void add(park_operation& parked);
    // Sleeps until the earliest deadline of the parked fetches and wakes those past theirs;
    // ends when none is parked.
    task<void> run_timer();

    std::vector<park_operation*> _parked;
    std::uint64_t _wakes = 0;
    bool _timer_running = false;
    cancel_token* _timer_wake = nullptr;  // the timer's sleep, while it sleeps
    clock::time_point _timer_deadline{};
};

// One per (owner shard, target shard): the message an owner sends to wake the target's fetches.
struct wake_message : cross_shard_message {
    std::atomic<bool> in_flight{false};
};

}  // namespace laminar::broker
