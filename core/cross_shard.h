// submit_to(shard, work): run `work` on another shard and await its result, with no allocation
// and no lock. The request travels as a cross_shard_message living in the caller's coroutine
// frame: it is pushed on the caller->target SPSC queue, the target runs the work (a plain
// callable, or one returning task<T> that the target spawns), then pushes the same message back
// on the target->caller queue, where the caller resumes.
//
// @locality call from a shard (a thread running a reactor wired by a runtime).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "core/reactor.h"

namespace laminar {

namespace detail {

template <typename T>
struct is_task : std::false_type {};
template <typename T>
struct is_task<task<T>> : std::true_type {};

template <typename T>
struct task_value {
    using type = T;
};
template <typename T>
struct task_value<task<T>> {
    using type = T;
};

// What awaiting submit_to(work) yields: work's return type, or T when work returns task<T>.
template <typename Work>
struct work_result {
    using type = typename task_value<std::invoke_result_t<Work&>>::type;
};

// Holds T, or nothing for void.
template <typename T>
struct result_slot {
    std::optional<T> value;
    template <typename Work>
    void run(Work& work) {
        value.emplace(work());
    }
    T take() { return std::move(*value); }
};
template <>
struct result_slot<void> {
    template <typename Work>
    void run(Work& work) {
        work();
    }
    void take() {}
};

}  // namespace detail

template <typename Work>
class [[nodiscard]] submit_to_operation : private cross_shard_message {
public:
    using value_type = typename detail::work_result<Work>::type;

    submit_to_operation(unsigned target, Work&& work)
        : _target(target), _work(std::forward<Work>(work)) {}
    submit_to_operation(const submit_to_operation&) = delete;
    submit_to_operation& operator=(const submit_to_operation&) = delete;

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> waiter) {
        _waiter = waiter;
        _origin_reactor = &reactor::current();
        _origin = _origin_reactor->shard_id();
        handler = &on_target;
        _origin_reactor->send_message(_target, *this);
    }
    value_type await_resume() { return _result.take(); }

private:
    static void on_target(cross_shard_message& message) {
        auto& self = static_cast<submit_to_operation&>(message);
        if constexpr (detail::is_task<std::invoke_result_t<Work&>>::value) {
            reactor::current().spawn(run_remote(self));
        } else {
            self._result.run(self._work);
            self.reply();
        }
    }

    static task<void> run_remote(submit_to_operation& self) {
        if constexpr (std::is_void_v<value_type>) {
            co_await self._work();
        } else {
            self._result.value.emplace(co_await self._work());
        }
        self.reply();
    }

    void reply() {
        handler = &on_origin;
        reactor::current().send_message(_origin, *this);
    }

    static void on_origin(cross_shard_message& message) {
        auto& self = static_cast<submit_to_operation&>(message);
        self._waiter.resume();
    }

    unsigned _target;
    unsigned _origin = 0;
    reactor* _origin_reactor = nullptr;
    std::coroutine_handle<> _waiter;
    std::decay_t<Work> _work;
    detail::result_slot<value_type> _result;
};

// Runs work() on shard `target` and resumes the caller with its result. Work may return T, void,
// or task<T>. The work must not capture anything the target shard may not touch.
//
// g++ 12 destroys a temporary lambda in a co_await expression twice (GCC bug 100611), so work
// with captures that need destruction (a std::string, a vector) must be a named variable:
//   auto work = [name] { ... };  co_await submit_to(shard, work);
// The static_assert turns the crash into a compile error.
template <typename Work>
submit_to_operation<Work> submit_to(unsigned target, Work&& work) {
    static_assert(std::is_lvalue_reference_v<Work> ||
                      std::is_trivially_destructible_v<std::remove_cvref_t<Work>>,
                  "name the work lambda before co_await submit_to(...) (GCC bug 100611)");
    return submit_to_operation<Work>(target, std::forward<Work>(work));
}

}  // namespace laminar
