// A mutex for coroutines on one shard: lock() suspends the caller until the holder unlocks, and
// waiters are served in arrival order. For sequences that must not interleave across awaits
// (validate, append to a log, apply), never for the per-record hot path.
//
// @locality owning shard.
#pragma once

#include <coroutine>
#include <deque>

#include "core/assert.h"
#include "core/reactor.h"

namespace laminar {

class async_mutex {
public:
    class guard {
    public:
        explicit guard(async_mutex* owner) noexcept : _owner(owner) {}
        guard(guard&& other) noexcept : _owner(std::exchange(other._owner, nullptr)) {}
        guard(const guard&) = delete;
        guard& operator=(const guard&) = delete;
        guard& operator=(guard&&) = delete;
        ~guard() {
            if (_owner) _owner->unlock();
        }

    private:
        async_mutex* _owner;
    };

    struct lock_operation {
        async_mutex& mutex;
        bool await_ready() noexcept {
            if (mutex._locked) return false;
            mutex._locked = true;
            return true;
        }
        void await_suspend(std::coroutine_handle<> waiter) { mutex._waiters.push_back(waiter); }
        guard await_resume() noexcept { return guard(&mutex); }
    };

    // co_await mutex.lock() yields a guard that unlocks when destroyed.
    lock_operation lock() noexcept { return {*this}; }
    bool locked() const noexcept { return _locked; }

private:
    void unlock() {
        LAMINAR_ASSERT(_locked);
        if (_waiters.empty()) {
            _locked = false;
            return;
        }
        // Ownership passes straight to the next waiter, which resumes on the next tick.
        auto next = _waiters.front();
        _waiters.pop_front();
        reactor::current().schedule(next);
    }

    bool _locked = false;
    std::deque<std::coroutine_handle<>> _waiters;
};

}  // namespace laminar
