#include "core/byte_budget.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace laminar {
namespace {

// A reservation a test drives: records when it resumes and how.
struct waiter {
    waiter(const char* name_, std::size_t bytes_, cancel_token* cancel_ = nullptr)
        : name(name_), bytes(bytes_), cancel(cancel_) {}
    const char* name;
    std::size_t bytes;
    cancel_token* cancel;
    bool resumed = false;
    status outcome = fail(errc::io_error);
};

task<void> reserve(byte_budget& budget, waiter& self, std::vector<std::string>& resumed) {
    auto operation = budget.acquire(self.bytes, self.cancel);
    auto reserved = co_await operation;
    EXPECT_FALSE(self.resumed) << self.name << " resumed twice";
    self.resumed = true;
    self.outcome = reserved;
    resumed.emplace_back(self.name);
}

// Lets everything scheduled so far run (woken waiters resume in the ready phase).
task<void> settle() {
    for (int i = 0; i < 3; ++i) co_await io::yield();
}

// Runs `script` on a fresh shard and stops it when the script ends.
template <typename Script>
void run_script(Script& script) {
    auto shard = std::move(*reactor::create({}));
    auto main = [&]() -> task<void> {
        co_await script();
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
}

TEST(byte_budget, grants_at_once_while_the_bytes_are_free) {
    byte_budget budget(100);
    std::vector<std::string> resumed;
    waiter first{"first", 60}, second{"second", 40};
    auto script = [&]() -> task<void> {
        co_await reserve(budget, first, resumed);
        co_await reserve(budget, second, resumed);
        EXPECT_EQ(budget.held(), 100u);
        EXPECT_EQ(budget.waits(), 0u);
        budget.release(100);
    };
    run_script(script);
    EXPECT_TRUE(first.outcome && second.outcome);
    EXPECT_EQ(budget.held(), 0u);
}

// Waiters are granted in arrival order as release() frees bytes, and a small one that would fit
// does not overtake a larger one ahead of it.
TEST(byte_budget, release_wakes_waiters_in_arrival_order) {
    byte_budget budget(100);
    std::vector<std::string> resumed;
    waiter large{"large", 60}, medium{"medium", 50}, small{"small", 10};
    auto script = [&]() -> task<void> {
        auto hold = budget.acquire(100, nullptr);
        auto held = co_await hold;
        EXPECT_TRUE(held);
        for (waiter* each : {&large, &medium, &small}) {
            reactor::current().spawn(reserve(budget, *each, resumed));
        }
        co_await settle();
        EXPECT_TRUE(resumed.empty());
        EXPECT_EQ(budget.waiting(), 3u);

        budget.release(100);  // 60 fits; 60 + 50 does not, and 10 waits behind 50
        co_await settle();
        EXPECT_EQ(resumed, (std::vector<std::string>{"large"}));
        EXPECT_EQ(budget.held(), 60u);
        EXPECT_EQ(budget.waiting(), 2u);

        budget.release(60);
        co_await settle();
        EXPECT_EQ(resumed, (std::vector<std::string>{"large", "medium", "small"}));
        EXPECT_EQ(budget.held(), 60u);
        EXPECT_EQ(budget.waiting(), 0u);
        budget.release(60);
    };
    run_script(script);
    EXPECT_TRUE(large.outcome && medium.outcome && small.outcome);
    EXPECT_EQ(budget.waits(), 3u);
    EXPECT_EQ(budget.held(), 0u);
}

// A frame larger than the whole budget waits until nothing is held, then passes alone; what
// came after it waits for it.
TEST(byte_budget, a_reservation_larger_than_the_budget_passes_alone) {
    byte_budget budget(100);
    std::vector<std::string> resumed;
    waiter huge{"huge", 500}, small{"small", 10};
    auto script = [&]() -> task<void> {
        auto hold = budget.acquire(30, nullptr);
        auto held = co_await hold;
        EXPECT_TRUE(held);
        reactor::current().spawn(reserve(budget, huge, resumed));
        reactor::current().spawn(reserve(budget, small, resumed));
        co_await settle();
        EXPECT_TRUE(resumed.empty());

        budget.release(30);
        co_await settle();
        EXPECT_EQ(resumed, (std::vector<std::string>{"huge"}));
        EXPECT_EQ(budget.held(), 500u);

        budget.release(500);
        co_await settle();
        EXPECT_EQ(resumed, (std::vector<std::string>{"huge", "small"}));
        budget.release(10);
    };
    run_script(script);
    EXPECT_TRUE(huge.outcome && small.outcome);
    EXPECT_EQ(budget.held(), 0u);
}

// Cancelled while waiting, a waiter resumes at once with errc::cancelled, holds nothing and
// leaves the list; with no release ever coming, it still resumes (and only once).
TEST(byte_budget, cancelling_a_waiter_resumes_it_without_bytes) {
    byte_budget budget(100);
    std::vector<std::string> resumed;
    cancel_token token;
    waiter blocked{"blocked", 50, &token};
    auto script = [&]() -> task<void> {
        auto hold = budget.acquire(80, nullptr);
        auto held = co_await hold;
        EXPECT_TRUE(held);
        reactor::current().spawn(reserve(budget, blocked, resumed));
        co_await settle();
        EXPECT_EQ(budget.waiting(), 1u);

        token.cancel();
        co_await settle();
        EXPECT_EQ(resumed, (std::vector<std::string>{"blocked"}));
        EXPECT_EQ(blocked.outcome.error(), errc::cancelled);
        EXPECT_EQ(budget.waiting(), 0u);
        EXPECT_EQ(budget.held(), 80u);
        budget.release(80);
        co_await settle();
        EXPECT_EQ(budget.held(), 0u);
    };
    run_script(script);
    EXPECT_EQ(resumed.size(), 1u);
}

// Cancelling the waiter at the head lets those behind it that fit go at once; a later release
// neither resumes the cancelled one again nor loses the others.
TEST(byte_budget, cancelling_the_head_waiter_lets_the_next_ones_through) {
    byte_budget budget(100);
    std::vector<std::string> resumed;
    cancel_token token;
    waiter head{"head", 50, &token}, fits{"fits", 10}, later{"later", 60};
    auto script = [&]() -> task<void> {
        auto hold = budget.acquire(80, nullptr);
        auto held = co_await hold;
        EXPECT_TRUE(held);
        for (waiter* each : {&head, &fits, &later}) {
            reactor::current().spawn(reserve(budget, *each, resumed));
        }
        co_await settle();
        EXPECT_EQ(budget.waiting(), 3u);

        token.cancel();  // 10 fits beside the 80 held; 60 does not
        co_await settle();
        EXPECT_EQ(resumed, (std::vector<std::string>{"head", "fits"}));
        EXPECT_EQ(budget.held(), 90u);
        EXPECT_EQ(budget.waiting(), 1u);

        budget.release(80);
        co_await settle();
        EXPECT_EQ(resumed, (std::vector<std::string>{"head", "fits", "later"}));
        EXPECT_EQ(budget.held(), 70u);
        budget.release(70);
    };
    run_script(script);
    EXPECT_EQ(head.outcome.error(), errc::cancelled);
    EXPECT_TRUE(fits.outcome && later.outcome);
    EXPECT_EQ(budget.held(), 0u);
}

// Granted by a release, then cancelled before it ran: it reports the cancel and its bytes go
// back (to the next waiter); a token cancelled beforehand fails at once without waiting.
TEST(byte_budget, a_waiter_cancelled_after_its_grant_gives_the_bytes_back) {
    byte_budget budget(100);
    std::vector<std::string> resumed;
    cancel_token token, cancelled_before;
    cancelled_before.cancel();
    waiter granted{"granted", 70, &token}, next{"next", 60}, too_late{"too_late", 1,
                                                                     &cancelled_before};
    auto script = [&]() -> task<void> {
        auto hold = budget.acquire(100, nullptr);
        auto held = co_await hold;
        EXPECT_TRUE(held);
        reactor::current().spawn(reserve(budget, granted, resumed));
        reactor::current().spawn(reserve(budget, next, resumed));
        co_await settle();

        budget.release(100);  // grants 70 (60 more does not fit)
        token.cancel();       // before the granted waiter has run
        co_await settle();
        EXPECT_EQ(resumed, (std::vector<std::string>{"granted", "next"}));
        EXPECT_EQ(budget.held(), 60u);

        co_await reserve(budget, too_late, resumed);
        EXPECT_EQ(too_late.outcome.error(), errc::cancelled);
        EXPECT_EQ(budget.held(), 60u);
        budget.release(60);
    };
    run_script(script);
    EXPECT_EQ(granted.outcome.error(), errc::cancelled);
    EXPECT_TRUE(next.outcome);
    EXPECT_EQ(budget.held(), 0u);
}

// The connection's stop token: a reactor stopping cancels waiters registered with cancel_on_stop.
TEST(byte_budget, a_stopping_shard_cancels_its_waiters) {
    byte_budget budget(10);
    std::vector<std::string> resumed;
    auto shard = std::move(*reactor::create({}));
    cancel_token stop;
    shard->cancel_on_stop(stop);
    waiter blocked{"blocked", 5, &stop};
    auto main = [&]() -> task<void> {
        auto hold = budget.acquire(10, nullptr);
        auto held = co_await hold;
        EXPECT_TRUE(held);
        reactor::current().spawn(reserve(budget, blocked, resumed));
        co_await settle();
        reactor::current().request_stop();
        co_await io::sleep_for(std::chrono::milliseconds(1));
        budget.release(10);
    };
    shard->spawn(main());
    shard->run();
    EXPECT_EQ(resumed, (std::vector<std::string>{"blocked"}));
    EXPECT_EQ(blocked.outcome.error(), errc::cancelled);
    EXPECT_EQ(budget.held(), 0u);
    EXPECT_EQ(budget.waiting(), 0u);
}

}  // namespace
}  // namespace laminar
