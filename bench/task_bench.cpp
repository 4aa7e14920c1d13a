// What a co_await of a task costs (core/task.h): a task that finishes without suspending (a
// page-cache read on the fetch path's walks), the same two levels deep, and one that suspends
// once (a turn of a reactor's ready queue) so the suspending path is measured too. Each figure is
// per awaited task, its coroutine frame's allocation included. Prints figures; never fails.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>

#include "core/reactor.h"
#include "core/task.h"

namespace laminar {
namespace {

task<std::uint64_t> ready_value(std::uint64_t value) { co_return value; }

task<std::uint64_t> await_ready_values(std::uint64_t count) {
    std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < count; ++i) sum += co_await ready_value(i);
    co_return sum;
}

// Two levels: each middle task awaits two ready ones, as find_offset awaits reads.
task<std::uint64_t> two_ready_values(std::uint64_t value) {
    const std::uint64_t first = co_await ready_value(value);
    const std::uint64_t second = co_await ready_value(value + 1);
    co_return first + second;
}

task<std::uint64_t> await_nested_values(std::uint64_t count) {
    std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < count; ++i) sum += co_await two_ready_values(i);
    co_return sum;
}

constexpr std::uint64_t awaits_per_run = 1000;

void await_ready_task(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(run_synchronously(await_ready_values(awaits_per_run)));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * awaits_per_run));
}
BENCHMARK(await_ready_task);

// Items: the outer awaits (each is three tasks).
void await_nested_ready_tasks(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(run_synchronously(await_nested_values(awaits_per_run)));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * awaits_per_run));
}
BENCHMARK(await_nested_ready_tasks);

task<std::uint64_t> value_after_yield(std::uint64_t value) {
    co_await io::yield();
    co_return value;
}

task<void> await_yielding_values(std::uint64_t count, std::uint64_t& sum) {
    for (std::uint64_t i = 0; i < count; ++i) sum += co_await value_after_yield(i);
    reactor::current().request_stop();
}

void await_suspending_task(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        auto made = reactor::create(reactor_options{});
        if (!made) std::abort();
        auto shard = std::move(*made);
        std::uint64_t sum = 0;
        state.ResumeTiming();
        shard->spawn(await_yielding_values(awaits_per_run, sum));
        shard->run();
        benchmark::DoNotOptimize(sum);
        state.PauseTiming();
        shard.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * awaits_per_run));
}
BENCHMARK(await_suspending_task);

}  // namespace
}  // namespace laminar

BENCHMARK_MAIN();
