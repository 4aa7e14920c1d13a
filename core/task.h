// Coroutine tasks for the shard runtime. A task<T> is lazy: it starts when awaited (or spawned on a
// reactor). Tasks do not throw: an exception escaping one is a bug (on_internal_error).
//
// Awaiting a task starts it with a plain call (resume) from the awaiter's await_suspend, and the
// stack stays flat both ways a task can end:
// - it finishes inside that call, without having suspended (a read the page cache served): its
//   final suspend returns to the call, and the awaiter continues with no transfer at all, so a
//   loop of a million such awaits runs at one depth;
// - it suspended (I/O in the ring) and finishes later, resumed by the reactor: its final suspend
//   resumes the awaiter by symmetric transfer, so chains of awaits do not grow the stack where
//   the compiler makes the transfer a tail call (-O2). Where it does not (the asan preset's -O1),
//   the depth is still bounded by the nesting of awaits, not by how many a loop made.
// A transfer from a task that finished at once would nest a frame per await at -O1: a loop of
// page-cache reads (view -> walk -> find_offset -> read) overflowed the stack that way. The
// price: a running task is a frame above its awaiter's, as a called function is, so the stack
// grows with how deeply awaits nest (a handful of levels here; no task awaits itself).
//
// @locality a task runs on the shard that started it, and only there: which of the two ways it
//           ended is a plain field of its promise, written and read on that shard (a task handed
//           to another shard through a queue, before it started, is started there).
//
// g++ 12 destroys temporaries with non-trivial destructors twice when they appear inside a
// co_await expression (GCC bug 100611): write `endpoint e{...}; co_await f(e);`, never
// `co_await f(endpoint{...})` or `co_await f({"host", port})` with a std::string inside.
// It also copies an awaiter reached through a lambda coroutine's capture (`co_await *captured`)
// into the frame, so await_suspend runs on the copy: await locals, parameters or members, or
// give such awaiters pointer semantics.
#pragma once

#include <coroutine>
#include <cstdint>
#include <optional>
#include <utility>

#include "core/assert.h"

namespace laminar {

template <typename T>
class task;

namespace detail {

// Where a task's final suspend goes.
enum class task_start : std::uint8_t {
    detached,         // resumed by the reactor or run_synchronously, or suspended since it was
                      // started: the final suspend transfers to the continuation, if any
    starting,         // inside its awaiter's await_suspend, which is still on the stack
    finished_inline,  // finished inside that call: the awaiter continues without a transfer
};

struct task_promise_base {
    std::coroutine_handle<> continuation;
    task_start start = task_start::detached;

    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <typename Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
            auto& promise = self.promise();
            if (promise.start == task_start::starting) {
                promise.start = task_start::finished_inline;
                return std::noop_coroutine();  // back to the awaiter's resume() call
            }
            auto next = promise.continuation;
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
    // Runs the task until it finishes or first suspends; false (the awaiter goes on at once) if
    // it finished, the awaiter's frame resumed by the task's final suspend otherwise.
    bool await_suspend(std::coroutine_handle<> awaiter) noexcept {
        auto& promise = _handle.promise();
        promise.continuation = awaiter;
        promise.start = detail::task_start::starting;
        _handle.resume();
        if (promise.start == detail::task_start::finished_inline) return false;
        promise.start = detail::task_start::detached;
        return true;
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
