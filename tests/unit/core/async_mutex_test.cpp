#include "core/async_mutex.h"

#include <vector>

#include <gtest/gtest.h>

namespace laminar {
namespace {

using namespace std::chrono_literals;

TEST(async_mutex, serializes_critical_sections_across_awaits_in_arrival_order) {
    auto shard = std::move(*reactor::create({}));
    async_mutex mutex;
    std::vector<int> trace;
    int inside = 0;
    auto worker = [&](int id) -> task<void> {
        auto held = co_await mutex.lock();
        EXPECT_EQ(inside, 0);
        ++inside;
        trace.push_back(id);
        co_await io::sleep_for(1ms);  // the section spans an await
        --inside;
    };
    auto main = [&]() -> task<void> {
        for (int id = 0; id < 5; ++id) reactor::current().spawn(worker(id));
        co_await io::sleep_for(30ms);
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
    EXPECT_EQ(trace, (std::vector<int>{0, 1, 2, 3, 4}));
    EXPECT_FALSE(mutex.locked());
}

}  // namespace
}  // namespace laminar
