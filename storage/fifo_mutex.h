// A coroutine mutex that grants the lock in the order it was asked for, so appends to one log
// take offsets in call order even when some of them suspend on I/O. Waiters are linked through
// their awaiters, which live in the waiting coroutines' frames: no allocation.
//
// @locality owning shard (not thread-safe; waking goes through reactor::current()).
#pragma once

#include <coroutine>

#include "core/assert.h"
#include "core/reactor.h"

namespace laminar::storage {

class fifo_mutex {
public:
    class [[nodiscard]] lock_operation {
    public:
        explicit lock_operation(fifo_mutex& mutex) noexcept : _mutex(mutex) {}
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
        void await_resume() const noexcept {}

    private:
        friend class fifo_mutex;
        fifo_mutex& _mutex;
        std::coroutine_handle<> _waiter;
        lock_operation* _next = nullptr;
    };

    fifo_mutex() = default;
    fifo_mutex(const fifo_mutex&) = delete;
    fifo_mutex& operator=(const fifo_mutex&) = delete;
    ~fifo_mutex() { LAMINAR_ASSERT(_head == nullptr); }

    // co_await lock(); ... unlock();
    lock_operation lock() noexcept { return lock_operation(*this); }
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
    bool locked() const noexcept { return _locked; }

private:
    lock_operation* _head = nullptr;
    lock_operation* _tail = nullptr;
    bool _locked = false;
};

// Unlocks on scope exit.
class fifo_lock_guard {
public:
    explicit fifo_lock_guard(fifo_mutex& mutex) noexcept : _mutex(&mutex) {}
    fifo_lock_guard(const fifo_lock_guard&) = delete;
    fifo_lock_guard& operator=(const fifo_lock_guard&) = delete;
    ~fifo_lock_guard() {
        if (_mutex) _mutex->unlock();
    }

private:
    fifo_mutex* _mutex;
};

}  // namespace laminar::storage
