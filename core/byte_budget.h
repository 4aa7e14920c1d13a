// A shard's budget of bytes held in flight (request frames read but not yet answered), as Kafka's
// queued.max.request.bytes bounds the memory of queued requests: a reader reserves a frame's size
// before it reads the frame's body, and gives it back once the request is answered. When the bytes
// are not free the reader waits (its socket is not read meanwhile, so TCP flow control holds the
// client back); waiters are served in arrival order, so a large frame is not starved by small
// ones. A reservation larger than the whole budget is granted when nothing else is held (one
// socket.request.max.bytes frame must always pass).
//
// Waiting polls every poll_interval while the budget is exhausted (only then), so a waiter can be
// cancelled by the connection's stop token like any I/O.
//
// @locality owning shard (not thread-safe).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>

#include "core/assert.h"
#include "core/reactor.h"
#include "core/result.h"
#include "core/task.h"

namespace laminar {

class byte_budget {
public:
    static constexpr std::chrono::milliseconds poll_interval{2};

    // total 0: unbounded (reservations always succeed at once).
    explicit byte_budget(std::size_t total) noexcept : _total(total) {}
    byte_budget(const byte_budget&) = delete;
    byte_budget& operator=(const byte_budget&) = delete;
    ~byte_budget() { LAMINAR_ASSERT(_waiting.empty()); }

    // Reserves `bytes`, waiting while they are not free; errc::cancelled if `cancel` fires first.
    task<status> acquire(std::size_t bytes, cancel_token* cancel) {
        if (_waiting.empty() && fits(bytes)) {
            _held += bytes;
            co_return status{};
        }
        const std::uint64_t ticket = _next_ticket++;
        _waiting.insert(ticket);
        ++_waits;
        while (!(*_waiting.begin() == ticket && fits(bytes))) {
            auto pause = io::sleep_for(poll_interval);
            if (cancel != nullptr) {
                (void)co_await std::move(pause).with_cancel(*cancel);
            } else {
                (void)co_await pause;
            }
            if (cancel != nullptr && cancel->cancelled()) {
                _waiting.erase(ticket);
                co_return fail(errc::cancelled);
            }
        }
        _waiting.erase(ticket);
        _held += bytes;
        co_return status{};
    }

    void release(std::size_t bytes) noexcept {
        LAMINAR_ASSERT(bytes <= _held);
        _held -= bytes;
    }

    std::size_t total() const noexcept { return _total; }
    std::size_t held() const noexcept { return _held; }
    std::size_t waiting() const noexcept { return _waiting.size(); }
    // Reservations that had to wait (a measure of memory pressure).
    std::uint64_t waits() const noexcept { return _waits; }

private:
    bool fits(std::size_t bytes) const noexcept {
        return _total == 0 || _held + bytes <= _total || _held == 0;
    }

    std::size_t _total;
    std::size_t _held = 0;
    std::uint64_t _next_ticket = 0;
    std::uint64_t _waits = 0;
    std::set<std::uint64_t> _waiting;
};

}  // namespace laminar
