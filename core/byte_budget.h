// A shard's budget of bytes held in flight (request frames read but not yet answered), as Kafka's
// queued.max.request.bytes bounds the memory of queued requests: a reader reserves a frame's size
// before it reads the frame's body, and gives it back once the request is answered. When the bytes
// are not free the reader waits (its socket is not read meanwhile, so TCP flow control holds the
// client back); waiters are served in arrival order, so a large frame is not starved by small
// ones. A reservation larger than the whole budget is granted when nothing else is held (one
// socket.request.max.bytes frame must always pass).
//
// Waiters queue in a list linked through their awaiters (in the waiting coroutines' frames: no
// allocation); release() grants the oldest ones whose bytes now fit and schedules them on the
// shard. A waiter hooks its cancel token while it waits: cancelling takes it out of the list
// (those behind it may then fit) and it resumes with errc::cancelled, holding nothing.
//
// @locality owning shard (not thread-safe; waking goes through reactor::current()).
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>

#include "core/assert.h"
#include "core/reactor.h"
#include "core/result.h"

namespace laminar {

class byte_budget {
public:
    // Awaits a reservation: status{} once the bytes are held, errc::cancelled if the token fires
    // first (or had fired), and then nothing is held. Await it as a named local (a temporary in a
    // co_await expression is destroyed twice by g++ 12, see task.h); it cannot move once made.
    class [[nodiscard]] acquire_operation : private cancel_hook {
    public:
        acquire_operation(byte_budget& budget, std::size_t bytes, cancel_token* cancel) noexcept
            : cancel_hook{&cancelled_while_waiting},
              _budget(budget),
              _bytes(bytes),
              _cancel(cancel) {}
        acquire_operation(const acquire_operation&) = delete;
        acquire_operation& operator=(const acquire_operation&) = delete;
        // Destroyed unresumed (its coroutine torn down with its reactor): leaves the list, and
        // gives back bytes granted to it.
        ~acquire_operation() {
            if (_state == state::waiting) {
                _budget.unlink(*this);
                if (_cancel != nullptr) _cancel->unhook(*this);
            } else if (_state == state::granted) {
                _budget._held -= _bytes;
            }
        }

        bool await_ready() noexcept {
            if (_cancel != nullptr && _cancel->cancelled()) {
                _state = state::cancelled;
                return true;
            }
            if (_budget._head != nullptr || !_budget.fits(_bytes)) return false;
            _budget._held += _bytes;
            _state = state::granted;
            return true;
        }
        void await_suspend(std::coroutine_handle<> waiter) noexcept {
            _waiter = waiter;
            _state = state::waiting;
            _budget.link(*this);
            if (_cancel != nullptr) _cancel->hook(*this);
        }
        status await_resume() noexcept {
            LAMINAR_ASSERT(_state == state::granted || _state == state::cancelled);
            if (_state == state::granted && _cancel != nullptr && _cancel->cancelled()) {
                // Granted, then cancelled before it ran: the caller stops, so the bytes go back.
                _state = state::cancelled;
                _budget.release(_bytes);
            }
            if (_state == state::cancelled) return fail(errc::cancelled);
            _state = state::taken;
            return status{};
        }

    private:
        friend class byte_budget;
        enum class state : std::uint8_t { created, waiting, granted, taken, cancelled };

        // Through the token: on the owning shard, while this waits in the list.
        static void cancelled_while_waiting(cancel_hook& hook) noexcept {
            auto& self = static_cast<acquire_operation&>(hook);
            LAMINAR_ASSERT(self._state == state::waiting);
            self._budget.unlink(self);
            self._state = state::cancelled;
            reactor::current().schedule(self._waiter);
            self._budget.grant_waiters();  // those behind it may fit now
        }

        byte_budget& _budget;
        std::size_t _bytes;
        cancel_token* _cancel;
        std::coroutine_handle<> _waiter;
        acquire_operation* _previous = nullptr;
        acquire_operation* _next = nullptr;
        state _state = state::created;
    };

    // total 0: unbounded (reservations always succeed at once).
    explicit byte_budget(std::size_t total) noexcept : _total(total) {}
    byte_budget(const byte_budget&) = delete;
    byte_budget& operator=(const byte_budget&) = delete;
    ~byte_budget() { LAMINAR_ASSERT(_head == nullptr); }

    // Reserves `bytes`, waiting (behind earlier waiters) while they are not free.
    //   auto reserve = budget.acquire(bytes, &token);
    //   if (auto reserved = co_await reserve; !reserved) ...
    acquire_operation acquire(std::size_t bytes, cancel_token* cancel) noexcept {
        return acquire_operation(*this, bytes, cancel);
    }

    // Gives back bytes and grants the oldest waiters that now fit.
    void release(std::size_t bytes) noexcept {
        LAMINAR_ASSERT(bytes <= _held);
        _held -= bytes;
        grant_waiters();
    }

    std::size_t total() const noexcept { return _total; }
    std::size_t held() const noexcept { return _held; }
    std::size_t waiting() const noexcept { return _waiting; }
    // Reservations that had to wait (a measure of memory pressure).
    std::uint64_t waits() const noexcept { return _waits; }

private:
    bool fits(std::size_t bytes) const noexcept {
        return _total == 0 || _held + bytes <= _total || _held == 0;
    }

    void link(acquire_operation& waiter) noexcept {
        waiter._previous = _tail;
        waiter._next = nullptr;
        if (_tail != nullptr) _tail->_next = &waiter;
        else _head = &waiter;
        _tail = &waiter;
        ++_waiting;
        ++_waits;
    }

    void unlink(acquire_operation& waiter) noexcept {
        if (waiter._previous != nullptr) waiter._previous->_next = waiter._next;
        else _head = waiter._next;
        if (waiter._next != nullptr) waiter._next->_previous = waiter._previous;
        else _tail = waiter._previous;
        waiter._previous = waiter._next = nullptr;
        --_waiting;
    }

    // In arrival order, stopping at the first that does not fit (no overtaking).
    void grant_waiters() noexcept {
        while (_head != nullptr && fits(_head->_bytes)) {
            acquire_operation& granted = *_head;
            unlink(granted);
            _held += granted._bytes;
            granted._state = acquire_operation::state::granted;
            if (granted._cancel != nullptr) granted._cancel->unhook(granted);
            reactor::current().schedule(granted._waiter);
        }
    }

    std::size_t _total;
    std::size_t _held = 0;
    std::size_t _waiting = 0;
    std::uint64_t _waits = 0;
    acquire_operation* _head = nullptr;
    acquire_operation* _tail = nullptr;
};

}  // namespace laminar
