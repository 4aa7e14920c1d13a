// Waits for a group of tasks on one shard to finish: add() before spawning each, done() when it
// ends, co_await wait() to resume once the count is back to zero. Lets an owner keep the state its
// spawned tasks use alive until the last one has finished.
//
// @locality owning shard.
#pragma once

#include <coroutine>
#include <cstddef>

#include "core/assert.h"
#include "core/reactor.h"

namespace laminar {

class wait_group {
public:
    wait_group() = default;
    wait_group(const wait_group&) = delete;
    wait_group& operator=(const wait_group&) = delete;
    ~wait_group() { LAMINAR_ASSERT(_count == 0 && !_waiter); }

    void add(std::size_t count = 1) noexcept { _count += count; }
    void done() noexcept {
        LAMINAR_ASSERT(_count > 0);
        if (--_count == 0 && _waiter) {
            reactor::current().schedule(_waiter);
            _waiter = {};
        }
    }
    std::size_t count() const noexcept { return _count; }

    struct wait_operation {
        wait_group& group;
        bool await_ready() const noexcept { return group._count == 0; }
        void await_suspend(std::coroutine_handle<> waiter) noexcept {
            LAMINAR_ASSERT(!group._waiter);
            group._waiter = waiter;
        }
        void await_resume() const noexcept {}
    };
    wait_operation wait() noexcept { return {*this}; }

private:
    std::size_t _count = 0;
    std::coroutine_handle<> _waiter;
};

}  // namespace laminar
