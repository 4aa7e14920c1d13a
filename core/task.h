// Coroutine tasks for the shard runtime. A task<T> is lazy: it starts when awaited (or spawned on a
// reactor) and resumes its awaiter by symmetric transfer when it finishes, so chains of awaits do
// not grow the stack. Tasks do not throw: an exception escaping one is a bug (on_internal_error).
//
// @locality a task runs on the shard that started it, and only there.
//
// g++ 12 destroys temporaries with non-trivial destructors twice when they appear inside a
// co_await expression (GCC bug 100611): write `endpoint e{...}; co_await f(e);`, never
// `co_await f(endpoint{...})` or `co_await f({"host", port})` with a std::string inside.
// It also copies an awaiter reached through a lambda coroutine's capture (`co_await *captured`)
// into the frame, so await_suspend runs on the copy: await locals, parameters or members, or
// give such awaiters pointer semantics.
#pragma once

#include <coroutine>
#include <optional>
#include <utility>

#include "core/assert.h"

namespace laminar {

template <typename T>
class task;

namespace detail {

struct task_promise_base {
    std::coroutine_handle<> continuation;

    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <typename Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
            auto next = self.promise().continuation;
            return next ? next : std::noop_coroutine();
        }
        void await_resume() const noexcept {}
    };

    std::suspend_always initial_suspend() const noexcept { return {}; }
    final_awaiter final_suspend() const noexcept { return {}; }
    void unhandled_exception() const noexcept { on_internal_error("exception escaped a task"); }
};

template <typename T>
struct task_promise : task_promise_base {
    std::optional<T> value;
    task<T> get_return_object() noexcept;
    template <typename U>
    void return_value(U&& result) {
        value.emplace(std::forward<U>(result));
    }
    T take() { return std::move(*value); }
};

template <>
struct task_promise<void> : task_promise_base {
    task<void> get_return_object() noexcept;
    void return_void() const noexcept {}
    void take() const noexcept {}
};

}  // namespace detail

template <typename T = void>
class [[nodiscard]] task {
public:
    using promise_type = detail::task_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;

    task() noexcept = default;
    explicit task(handle_type handle) noexcept : _handle(handle) {}
    task(task&& other) noexcept : _handle(std::exchange(other._handle, {})) {}
    task& operator=(task&& other) noexcept {
        if (this != &other) {
            destroy();
            _handle = std::exchange(other._handle, {});
        }
        return *this;
    }
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    ~task() { destroy(); }

    bool valid() const noexcept { return static_cast<bool>(_handle); }
    bool done() const noexcept { return _handle && _handle.done(); }

    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) noexcept {
        _handle.promise().continuation = awaiter;
        return _handle;
    }
    T await_resume() { return _handle.promise().take(); }

    // For the reactor and tests: hand over the coroutine without running it.
    handle_type release() noexcept { return std::exchange(_handle, {}); }

private:
    void destroy() noexcept {
        if (_handle) {
            _handle.destroy();
            _handle = {};
        }
    }

    handle_type _handle;
};

namespace detail {

template <typename T>
task<T> task_promise<T>::get_return_object() noexcept {
    return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}

inline task<void> task_promise<void>::get_return_object() noexcept {
    return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}

}  // namespace detail

// Runs a task to completion on the calling thread, for tests of code that never suspends on I/O.
// Aborts if the task suspends without finishing (it needed a reactor).
template <typename T>
T run_synchronously(task<T> work) {
    auto handle = work.release();
    handle.resume();
    LAMINAR_ASSERT(handle.done());
    if constexpr (std::is_void_v<T>) {
        handle.destroy();
    } else {
        T value = handle.promise().take();
        handle.destroy();
        return value;
    }
}

}  // namespace laminar
