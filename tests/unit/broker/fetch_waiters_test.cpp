// Parked fetches (broker/fetch_waiters.h): woken by wake_all straight from the ready queue, or
// by their own deadline through the shard's one timer, or by the shard beginning to stop.
#include "broker/fetch_waiters.h"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "core/reactor.h"
#include "core/wait_group.h"
#include "storage/testing/log_testing.h"

namespace laminar::broker {
namespace {

using clock = fetch_waiters::clock;
using std::chrono::milliseconds;
using storage::testing::run_on_new_reactor;

// Parks on `waiters` until `deadline`; records how long it was parked and in what order it woke.
task<void> park(fetch_waiters& waiters, clock::time_point deadline, int id,
                std::vector<int>& order, std::vector<milliseconds>& parked_for,
                wait_group& done) {
    const auto started = clock::now();
    co_await waiters.park_until(deadline, waiters.wakes());
    order.push_back(id);
    parked_for[static_cast<std::size_t>(id)] =
        std::chrono::duration_cast<milliseconds>(clock::now() - started);
    done.done();
}

TEST(fetch_waiters, wake_all_resumes_every_parked_fetch_before_its_deadline) {
    fetch_waiters waiters;
    std::vector<int> order;
    std::vector<milliseconds> parked_for(3);
    std::size_t woken = 0;
    auto body = [&]() -> task<void> {
        wait_group done;
        const auto deadline = clock::now() + std::chrono::seconds(10);
        for (int id = 0; id < 3; ++id) {
            done.add();
            reactor::current().spawn(park(waiters, deadline, id, order, parked_for, done));
        }
        while (waiters.parked() < 3) co_await io::yield();
        woken = waiters.wake_all();
        EXPECT_EQ(waiters.parked(), 0u);
        co_await done.wait();
    };
    ASSERT_TRUE(run_on_new_reactor(body));
    EXPECT_EQ(woken, 3u);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));  // in the order they parked
    for (auto each : parked_for) EXPECT_LT(each, milliseconds(5000));
}

TEST(fetch_waiters, each_fetch_wakes_at_its_own_deadline_even_one_earlier_than_the_timers) {
    fetch_waiters waiters;
    std::vector<int> order;
    std::vector<milliseconds> parked_for(3);
    auto body = [&]() -> task<void> {
        wait_group done;
        const auto now = clock::now();
        done.add();
        reactor::current().spawn(park(waiters, now + milliseconds(3000), 0, order, parked_for,
                                      done));
        while (waiters.parked() < 1) co_await io::yield();
        // The timer now sleeps until 3 s; these must not wait that long.
        done.add();
        reactor::current().spawn(park(waiters, now + milliseconds(200), 1, order, parked_for,
                                      done));
        done.add();
        reactor::current().spawn(park(waiters, now + milliseconds(50), 2, order, parked_for,
                                      done));
        co_await done.wait();
    };
    ASSERT_TRUE(run_on_new_reactor(body));
    EXPECT_EQ(order, (std::vector<int>{2, 1, 0}));
    EXPECT_GE(parked_for[2], milliseconds(45));
    EXPECT_LT(parked_for[2], milliseconds(1000));
    EXPECT_GE(parked_for[1], milliseconds(195));
    EXPECT_LT(parked_for[1], milliseconds(2000));
    EXPECT_GE(parked_for[0], milliseconds(2995));
}

TEST(fetch_waiters, a_deadline_already_past_does_not_park) {
    fetch_waiters waiters;
    bool resumed = false;
    auto body = [&]() -> task<void> {
        co_await waiters.park_until(clock::now() - milliseconds(1), waiters.wakes());
        resumed = true;
        EXPECT_EQ(waiters.parked(), 0u);
    };
    ASSERT_TRUE(run_on_new_reactor(body));
    EXPECT_TRUE(resumed);
}

TEST(fetch_waiters, a_stopping_shard_wakes_its_parked_fetches) {
    fetch_waiters waiters;
    std::vector<int> order;
    std::vector<milliseconds> parked_for(1);
    wait_group done;
    const auto started = clock::now();
    auto body = [&]() -> task<void> {
        done.add();
        reactor::current().spawn(park(waiters, clock::now() + std::chrono::seconds(30), 0, order,
                                      parked_for, done));
        while (waiters.parked() < 1) co_await io::yield();
        // The body ends: the reactor begins to stop with the fetch still parked.
    };
    ASSERT_TRUE(run_on_new_reactor(body));
    EXPECT_EQ(order, (std::vector<int>{0}));
    // At once: not at the reactor's drain deadline (5 s), which would cancel the timer anyway.
    EXPECT_LT(clock::now() - started, std::chrono::seconds(1));
}

// A wake between a fetch's read pass and its park (an append to a partition it had read while it
// waited on another) is not lost: the park returns at once, and the fetch reads again.
TEST(fetch_waiters, a_wake_during_the_read_pass_keeps_the_fetch_from_parking) {
    fetch_waiters waiters;
    milliseconds parked_for{};
    auto body = [&]() -> task<void> {
        const std::uint64_t seen = waiters.wakes();
        EXPECT_EQ(waiters.wake_all(), 0u);  // nothing parked yet: the wake only counts
        const auto started = clock::now();
        co_await waiters.park_until(started + std::chrono::seconds(5), seen);
        parked_for = std::chrono::duration_cast<milliseconds>(clock::now() - started);
        EXPECT_EQ(waiters.parked(), 0u);
    };
    ASSERT_TRUE(run_on_new_reactor(body));
    EXPECT_LT(parked_for, milliseconds(100));
}

}  // namespace
}  // namespace laminar::broker
