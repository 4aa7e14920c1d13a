// The log's answers for OffsetForLeaderEpoch (walks over the batches' leader epochs) and
// ListOffsets MAX_TIMESTAMP (the first batch holding the largest timestamp), across segment
// rolls, and new settings taking effect on an open log.
#include <gtest/gtest.h>

#include "tests/unit/storage/storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

std::vector<std::byte> batch_in_epoch(std::int32_t epoch, std::int64_t timestamp,
                                      std::uint64_t seed) {
    auto batch = make_batch(2, 300, timestamp, seed);
    set_partition_leader_epoch(batch, epoch);
    return batch;
}

TEST(log_queries, leader_epoch_walks_find_the_next_epoch_across_segments) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 1000;  // about two batches a segment
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        // Offsets 0-5 in epoch 0 (three batches), 6-9 in epoch 2, 10-11 unstamped (-1 never
        // counts), 12-13 in epoch 5.
        for (std::int32_t epoch : {0, 0, 0, 2, 2, -1, 5}) {
            auto batch = batch_in_epoch(epoch, 1000, static_cast<std::uint64_t>(epoch + 10));
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_GT(log->segment_count(), 2u);
        auto zero = co_await log->scan_leader_epochs(0);
        EXPECT_TRUE(zero);
        EXPECT_EQ(zero->floor_epoch, 0);
        EXPECT_TRUE(zero->above && zero->above->header.base_offset == 6);
        auto one = co_await log->scan_leader_epochs(1);
        EXPECT_TRUE(one && one->floor_epoch == 0 && one->above &&
                    one->above->header.base_offset == 6);
        auto three = co_await log->scan_leader_epochs(3);
        EXPECT_TRUE(three && three->floor_epoch == 2 && three->above &&
                    three->above->header.base_offset == 12);
        auto later = co_await log->scan_leader_epochs(7);
        EXPECT_TRUE(later && later->floor_epoch == 5 && !later->above);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST(log_queries, max_timestamp_batch_is_the_first_holding_it) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 1000;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        auto empty = co_await log->batch_with_max_timestamp();
        EXPECT_TRUE(empty && !*empty);
        for (std::int64_t timestamp : {100, 900, 300, 900, 200}) {
            auto batch = make_batch(2, 300, timestamp, static_cast<std::uint64_t>(timestamp));
            EXPECT_TRUE(co_await log->append(batch));
        }
        auto found = co_await log->batch_with_max_timestamp();
        EXPECT_TRUE(found && *found);
        if (found && *found) {
            auto header = read_record_batch_header(**found);
            EXPECT_TRUE(header && header->base_offset == 2 && header->max_timestamp == 900);
            EXPECT_EQ((*found)->size(), header->total_bytes());
        }
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST(log_queries, reconfigure_applies_to_the_next_append) {
    temporary_directory dir;
    auto log = open_log(options_in(dir.path()));
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        for (std::uint64_t i = 0; i < 3; ++i) {
            auto batch = make_batch(1, 400, 1, i);
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_EQ(log->segment_count(), 1u);
        auto smaller = log->config();
        smaller.segment_bytes = 500;
        EXPECT_TRUE(log->reconfigure(smaller));
        auto next = make_batch(1, 400, 1, 9);
        EXPECT_TRUE(co_await log->append(next));
        EXPECT_EQ(log->segment_count(), 2u);
        auto broken = log->config();
        broken.segment_bytes = 10;  // smaller than a batch header
        EXPECT_EQ(log->reconfigure(broken).error(), errc::invalid_argument);
        EXPECT_EQ(log->config().segment_bytes, 500u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

}  // namespace
}  // namespace laminar::storage
