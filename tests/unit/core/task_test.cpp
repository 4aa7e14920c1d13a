#include "core/task.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "core/reactor.h"

namespace laminar {
namespace {

std::unique_ptr<reactor> make_reactor() {
    auto made = reactor::create(reactor_options{});
    if (!made) std::abort();
    return std::move(*made);
}

// The stack addresses a task's frames run at, so a test can see the stack grow.
struct stack_span {
    std::uintptr_t lowest = UINTPTR_MAX;
    std::uintptr_t highest = 0;
    void note() noexcept {
        const auto at = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
        lowest = std::min(lowest, at);
        highest = std::max(highest, at);
    }
    std::uintptr_t bytes() const noexcept { return highest - lowest; }
};

task<std::uint64_t> ready_value(std::uint64_t value, stack_span& span) {
    span.note();
    co_return value;
}

// The asan preset (-O1) does not turn symmetric transfer into a tail call: when every awaited
// task finished by transferring back to its awaiter, each await of this loop nested two frames
// and a million of them overflowed the stack.
TEST(task, a_million_awaits_of_ready_tasks_keep_the_stack_flat) {
    constexpr std::uint64_t awaits = 1'500'000;
    stack_span span;
    auto loop = [&]() -> task<std::uint64_t> {
        std::uint64_t sum = 0;
        for (std::uint64_t i = 0; i < awaits; ++i) sum += co_await ready_value(i, span);
        co_return sum;
    };
    EXPECT_EQ(run_synchronously(loop()), awaits * (awaits - 1) / 2);
    // Every child ran at the same depth (a few frames of slack for the first call's setup).
    EXPECT_LT(span.bytes(), 4096u);
}

task<std::uint64_t> two_ready_values(std::uint64_t value, stack_span& span) {
    const std::uint64_t first = co_await ready_value(value, span);
    const std::uint64_t second = co_await ready_value(value + 1, span);
    co_return first + second;
}

TEST(task, nested_ready_tasks_return_their_values_in_order) {
    constexpr std::uint64_t awaits = 300'000;
    stack_span span;
    std::vector<std::uint64_t> seen;
    auto loop = [&]() -> task<void> {
        for (std::uint64_t i = 0; i < awaits; ++i) {
            seen.push_back(co_await two_ready_values(i, span));
        }
    };
    run_synchronously(loop());
    ASSERT_EQ(seen.size(), awaits);
    for (std::uint64_t i = 0; i < awaits; ++i) ASSERT_EQ(seen[i], 2 * i + 1) << i;
    EXPECT_LT(span.bytes(), 4096u);
}

task<std::unique_ptr<int>> boxed(int value) { co_return std::make_unique<int>(value); }

TEST(task, move_only_values_come_back_from_a_ready_task) {
    auto outer = []() -> task<int> {
        auto first = co_await boxed(7);
        auto second = co_await boxed(35);
        co_return *first + *second;
    };
    EXPECT_EQ(run_synchronously(outer()), 42);
}

// A child that suspends hands its value back when resumed later, by the reactor; children that
// do not suspend continue their awaiter at once. The mix is drawn from a seeded generator.
task<std::uint64_t> value_maybe_after_yield(std::uint64_t value, bool suspend, int& depth) {
    ++depth;
    if (suspend) co_await io::yield();
    --depth;
    co_return value;
}

TEST(task, suspending_and_ready_children_mixed_on_a_reactor) {
    const auto seed = std::random_device{}();
    std::printf("seed %u\n", seed);
    SCOPED_TRACE(seed);
    std::mt19937 random(seed);
    constexpr std::uint64_t awaits = 200'000;
    std::vector<bool> suspends(awaits);
    std::uint64_t suspending = 0;
    for (std::uint64_t i = 0; i < awaits; ++i) {
        suspends[i] = random() % 8 == 0;
        suspending += suspends[i];
    }
    auto shard = make_reactor();
    std::uint64_t sum = 0;
    int depth = 0;
    bool finished = false;
    auto loop = [&]() -> task<void> {
        for (std::uint64_t i = 0; i < awaits; ++i) {
            sum += co_await value_maybe_after_yield(i, suspends[i], depth);
            EXPECT_EQ(depth, 0) << "resumed before the child finished, await " << i;
        }
        finished = true;
        reactor::current().request_stop();
    };
    shard->spawn(loop());
    shard->run();
    EXPECT_TRUE(finished);
    EXPECT_EQ(sum, awaits * (awaits - 1) / 2);
    EXPECT_EQ(shard->live_tasks(), 0u);
    EXPECT_GT(suspending, 0u);
}

// A spawned task that never suspends finishes inside its first turn and is counted out.
TEST(task, a_spawned_task_that_never_suspends_finishes) {
    auto shard = make_reactor();
    stack_span span;
    std::uint64_t sum = 0;
    auto work = [&]() -> task<void> {
        for (std::uint64_t i = 0; i < 1000; ++i) sum += co_await ready_value(i, span);
    };
    auto stopper = []() -> task<void> {
        co_await io::yield();
        reactor::current().request_stop();
    };
    shard->spawn(work());
    shard->spawn(stopper());
    shard->run();
    EXPECT_EQ(sum, 999u * 1000u / 2);
    EXPECT_EQ(shard->live_tasks(), 0u);
}

}  // namespace
}  // namespace laminar
