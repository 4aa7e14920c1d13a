// A mutex for coroutines on one shard: lock() suspends the caller until the holder unlocks, and
// the lock is granted in the order it was asked for (appends to a log take offsets in call order
// even when some of them suspend on I/O). Waiters are linked through their awaiters, which live
// in the waiting coroutines' frames: no allocation. For sequences that must not interleave across
// awaits (validate, append, apply), never for the per-record hot path.
//
// @locality owning shard (not thread-safe; waking goes through reactor::current()).
#pragma once

#include <coroutine>
#include <utility>

#include "core/assert.h"
#include "core/reactor.h"

namespace laminar {

class async_mutex {
public:
    // Unlocks when destroyed.
    class [[nodiscard]] guard {
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

    class [[nodiscard]] lock_operation {
    public:
        explicit lock_operation(async_mutex& mutex) noexcept : _mutex(mutex) {}
        bool await_ready() noexcept {
            if (_mutex._locked) return false;
            _mutex._locked = true;
            return true;
        }
        void await_suspend(std::coroutine_handle<> waiter) noexcept {
            _waiter = waiter;
            if (_mutex._tail) _mutex._tail->_next = this;
            else _mutex._head = this;
            _mutex._tail = this;
        }
        guard await_resume() const noexcept { return guard(&_mutex); }

    private:
        friend class async_mutex;
        async_mutex& _mutex;
        std::coroutine_handle<> _waiter;
        lock_operation* _next = nullptr;
    };

    async_mutex() = default;
    async_mutex(const async_mutex&) = delete;
    async_mutex& operator=(const async_mutex&) = delete;
    ~async_mutex() { LAMINAR_ASSERT(_head == nullptr); }

    // auto held = co_await mutex.lock();  (unlocks when `held` goes)
    lock_operation lock() noexcept { return lock_operation(*this); }
    bool locked() const noexcept { return _locked; }

private:
    // Hands the lock to the oldest waiter (it stays locked), or releases it.
    void unlock() noexcept {
        LAMINAR_ASSERT(_locked);
        if (_head == nullptr) {
            _locked = false;
            return;
        }
        lock_operation* next = _head;
        _head = next->_next;
        if (_head == nullptr) _tail = nullptr;
        reactor::current().schedule(next->_waiter);
    }

    lock_operation* _head = nullptr;
    lock_operation* _tail = nullptr;
    bool _locked = false;
};

}  // namespace laminar
