// The broker's recovery-point step (laminar.log.recovery.checkpoint.interval.ms): a log under
// flush none with appends past its recovery point is synced and its point moved by the
// maintenance task; with the key at 0 nothing moves it. laminar.log.recovery.checkpoint.bytes
// moves it before the interval once the log has that much past it.
#include <chrono>
#include <random>

#include <gtest/gtest.h>

#include "../storage/storage_test_util.h"
#include "log_maintenance_test_util.h"

namespace laminar::broker {
namespace {

using storage::testing::make_batch;
using storage::testing::run_on_reactor;
using storage::testing::temporary_directory;
using testing::image_with_topics;
using testing::now_ms;
using testing::sleep_ms;

void check_recovery_step(std::int64_t interval_ms, std::uint64_t bytes_max = 0) {
    temporary_directory dir;
    auto image = image_with_topics({{"lazy", {}}});
    partition_manager partitions(dir.path(), 0, 1);
    log_maintenance_settings settings;
    settings.cleaner_enable = false;
    settings.recovery_checkpoint_interval_ms = interval_ms;
    settings.recovery_checkpoint_bytes = bytes_max;
    // Due by time only when the interval is short; by bytes when the 5 batches exceed bytes_max.
    const bool moves = (interval_ms > 0 && interval_ms < 1000) || bytes_max > 0;
    auto body = [&]() -> task<void> {
        auto lazy = co_await partitions.get(image, "lazy", 0);
        EXPECT_TRUE(lazy);
        if (!lazy) co_return;
        auto* log = *lazy;
        EXPECT_EQ(storage::flush_policy_of(log->config()), storage::flush_policy::none);
        partitions.start_maintenance(settings);
        for (int i = 0; i < 5; ++i) {
            auto batch = make_batch(3, 64, now_ms(), static_cast<std::uint64_t>(i));
            auto appended = co_await log->append(batch);
            EXPECT_TRUE(appended);
        }
        const auto syncs = log->fdatasync_count();
        const auto& counters = partitions.maintenance()->counters();
        for (int i = 0; i < 40 && counters.recovery_checkpoints == 0; ++i) co_await sleep_ms(20);
        if (moves) {
            EXPECT_EQ(counters.recovery_checkpoints, 1u);
            EXPECT_EQ(log->bytes_past_recovery_point(), 0u);
            EXPECT_EQ(log->recovery_point(), 15);
            EXPECT_EQ(log->recovery_checkpoint_count(), 1u);
            EXPECT_EQ(log->fdatasync_count(), syncs + 1);
            // Nothing new: later ticks neither sync nor checkpoint.
            co_await sleep_ms(300);
            EXPECT_EQ(log->fdatasync_count(), syncs + 1);
            EXPECT_EQ(log->recovery_checkpoint_count(), 1u);
        } else {
            EXPECT_EQ(counters.recovery_checkpoints, 0u);
            EXPECT_EQ(log->recovery_point(), 0);
            EXPECT_EQ(log->fdatasync_count(), syncs);
        }
        EXPECT_EQ(counters.recovery_checkpoint_failures, 0u);
        co_await partitions.close_all();
    };
    run_on_reactor(body);
}

TEST(log_recovery_checkpoint, the_step_syncs_and_moves_the_recovery_point) {
    check_recovery_step(100);
}

TEST(log_recovery_checkpoint, zero_turns_the_step_off) { check_recovery_step(0); }

TEST(log_recovery_checkpoint, bytes_past_the_point_move_it_before_the_interval) {
    check_recovery_step(3600 * 1000, 500);  // 5 batches of 61 + 64 bytes
}

TEST(log_recovery_checkpoint, a_long_interval_without_the_bytes_trigger_waits) {
    check_recovery_step(3600 * 1000, 0);
}

}  // namespace
}  // namespace laminar::broker
