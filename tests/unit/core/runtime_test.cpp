#include "core/runtime.h"

#include <atomic>
#include <vector>

#include <gtest/gtest.h>

#include "core/cross_shard.h"

namespace laminar {
namespace {

using namespace std::chrono_literals;

runtime_options options_for(unsigned shards, idle_strategy idle = idle_strategy::sleep,
                            std::size_t queue_capacity = 1024) {
    runtime_options options;
    options.shard_count = shards;
    options.reactor.idle = idle;
    options.queue_capacity = queue_capacity;
    return options;
}

TEST(runtime, every_shard_runs_its_main_on_its_own_thread) {
    runtime shards(options_for(3));
    std::atomic<unsigned> started{0};
    std::vector<unsigned> seen_id(3, 99);
    auto main = [&](unsigned shard) -> task<void> {
        seen_id[shard] = reactor::current().shard_id();
        ++started;
        if (started == 3) {
            for (unsigned target = 0; target < 3; ++target) {
                co_await submit_to(target, [] { reactor::current().request_stop(); });
            }
        }
    };
    ASSERT_TRUE(shards.start(main));
    shards.wait();
    EXPECT_EQ(seen_id, (std::vector<unsigned>{0, 1, 2}));
}

TEST(runtime, submit_to_runs_plain_and_task_work_on_the_target) {
    for (auto idle : {idle_strategy::sleep, idle_strategy::backoff, idle_strategy::spin}) {
        runtime shards(options_for(2, idle));
        std::atomic<bool> checked{false};
        auto main = [&](unsigned shard) -> task<void> {
            if (shard != 0) co_return;
            unsigned ran_on = co_await submit_to(1, [] { return reactor::current().shard_id(); });
            EXPECT_EQ(ran_on, 1u);
            auto slow = co_await submit_to(1, []() -> task<int> {
                co_await io::sleep_for(1ms);
                co_return static_cast<int>(reactor::current().shard_id()) + 40;
            });
            EXPECT_EQ(slow, 41);
            co_await submit_to(1, [] {});  // void work
            unsigned self = co_await submit_to(0, [] { return reactor::current().shard_id(); });
            EXPECT_EQ(self, 0u);
            checked = true;
            co_await submit_to(1, [] { reactor::current().request_stop(); });
            reactor::current().request_stop();
        };
        ASSERT_TRUE(shards.start(main));
        shards.wait();
        EXPECT_TRUE(checked) << to_string(idle);
    }
}

TEST(runtime, overflowing_queues_keep_every_message_in_order) {
    // Queue capacity 2 and 500 concurrent requests: most wait in the overflow list.
    runtime shards(options_for(2, idle_strategy::sleep, 2));
    std::vector<int> order;
    std::atomic<int> finished{0};
    auto sender = [&](int index) -> task<void> {
        co_await submit_to(1, [&order, index] { order.push_back(index); });
        ++finished;
    };
    auto main = [&](unsigned shard) -> task<void> {
        if (shard != 0) co_return;
        for (int i = 0; i < 500; ++i) reactor::current().spawn(sender(i));
        while (finished < 500) co_await io::sleep_for(100us);
        co_await submit_to(1, [] { reactor::current().request_stop(); });
        reactor::current().request_stop();
    };
    ASSERT_TRUE(shards.start(main));
    shards.wait();
    ASSERT_EQ(order.size(), 500u);
    for (int i = 0; i < 500; ++i) EXPECT_EQ(order[i], i);
}

TEST(runtime, stop_waits_for_cross_shard_requests_in_flight) {
    runtime shards(options_for(2));
    std::atomic<bool> reply_arrived{false};
    auto main = [&](unsigned shard) -> task<void> {
        if (shard == 0) {
            // Shard 1 is asked to stop first but must still serve this request.
            int value = co_await submit_to(1, []() -> task<int> {
                co_await io::sleep_for(20ms);
                co_return 7;
            });
            reply_arrived = value == 7;
        }
        co_return;
    };
    ASSERT_TRUE(shards.start(main));
    std::this_thread::sleep_for(2ms);
    shards.request_stop();
    shards.wait();
    EXPECT_TRUE(reply_arrived);
}

TEST(runtime, thread_init_runs_on_each_shard_thread) {
    auto options = options_for(2);
    std::atomic<unsigned> initialised{0};
    options.thread_init = [&](unsigned) { ++initialised; };
    runtime shards(std::move(options));
    auto main = [&](unsigned) -> task<void> {
        reactor::current().request_stop();
        co_return;
    };
    ASSERT_TRUE(shards.start(main));
    shards.wait();
    EXPECT_EQ(initialised.load(), 2u);
}

TEST(runtime, many_round_trips_between_many_shards) {
    constexpr unsigned shard_count = 4;
    runtime shards(options_for(shard_count));
    std::atomic<unsigned> done{0};
    auto main = [&](unsigned shard) -> task<void> {
        long sum = 0;
        for (int i = 0; i < 2000; ++i) {
            unsigned target = (shard + 1 + i) % shard_count;
            sum += co_await submit_to(target, [i] { return i; });
        }
        EXPECT_EQ(sum, 1999L * 2000 / 2);
        if (++done == shard_count) {
            for (unsigned target = 0; target < shard_count; ++target) {
                co_await submit_to(target, [] { reactor::current().request_stop(); });
            }
        }
    };
    ASSERT_TRUE(shards.start(main));
    shards.wait();
    EXPECT_EQ(done.load(), shard_count);
}

}  // namespace
}  // namespace laminar
