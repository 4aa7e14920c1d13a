// A one-shot reply on one shard: a coroutine co_awaits the slot and resumes (through the
// reactor's run queue) once someone calls complete(value), or at once if that already happened.
// nullopt is a reply too ("no answer": the caller was abandoned, e.g. on stop).
//
// @locality owning shard.
#pragma once

#include <coroutine>
#include <optional>
#include <utility>

#include "core/reactor.h"

namespace laminar {

template <typename T>
class reply_slot {
public:
    reply_slot() = default;
    reply_slot(const reply_slot&) = delete;
    reply_slot& operator=(const reply_slot&) = delete;

    bool await_ready() const noexcept { return _done; }
    void await_suspend(std::coroutine_handle<> handle) noexcept { _resume = handle; }
    std::optional<T>& await_resume() noexcept { return _reply; }

    void complete(std::optional<T> value) {
        _reply = std::move(value);
        _done = true;
        if (_resume) {
            reactor::current().schedule(std::exchange(_resume, {}));
        }
    }

private:
    std::optional<T> _reply;
    bool _done = false;
    std::coroutine_handle<> _resume;
};

}  // namespace laminar
