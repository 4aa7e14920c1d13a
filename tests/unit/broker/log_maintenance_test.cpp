// The broker's log maintenance on a real partition_manager: retention removes old segments of a
// delete-policy topic (the log start offset advances) and leaves compact-only topics alone,
// interval-policy logs (flush.ms) are synced by the tick, and close_all stops the loop first.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "../storage/compaction_test_util.h"
#include "log_maintenance_test_util.h"

namespace laminar::broker {
namespace {

using storage::testing::keyed_batch;
using storage::testing::make_batch;
using storage::testing::read_everything;
using storage::testing::run_on_reactor;
using storage::testing::temporary_directory;
using testing::image_with_topics;
using testing::now_ms;
using testing::sleep_ms;

using opened_partition = result<storage::partition_log*, partition_errc>;

// Partition 0 of topics `first` and `second` from `partitions`; both are expected to open.
task<std::pair<opened_partition, opened_partition>> get_both(partition_manager& partitions,
                                                             const ctl::metadata_image& image,
                                                             std::string_view first,
                                                             std::string_view second) {
    auto first_log = co_await partitions.get(image, std::string(first), 0);
    auto second_log = co_await partitions.get(image, std::string(second), 0);
    EXPECT_TRUE(first_log && second_log);
    co_return std::pair{std::move(first_log), std::move(second_log)};
}

TEST(log_maintenance, retention_removes_old_segments_of_delete_topics_only) {
    temporary_directory dir;
    const std::map<std::string, std::string> small{{"retention.ms", "1000"},
                                                   {"segment.bytes", "300"}};
    auto compact = small;
    compact["cleanup.policy"] = "compact";
    auto image = image_with_topics({{"expiring", small}, {"kept", compact}});
    partition_manager partitions(dir.path(), 0, 1);
    log_maintenance_settings settings;
    settings.retention_check_interval_ms = 50;
    settings.cleaner_enable = false;
    auto body = [&]() -> task<void> {
        auto [expiring, kept] = co_await get_both(partitions, image, "expiring", "kept");
        if (!expiring || !kept) co_return;
        // Timestamps well past retention.ms: every segment but the active one may go.
        const std::int64_t old = now_ms() - 60'000;
        for (int i = 0; i < 20; ++i) {
            for (auto* log : {*expiring, *kept}) {
                auto batch = make_batch(1, 100, old, static_cast<std::uint64_t>(i));
                auto appended = co_await log->append(batch);
                EXPECT_TRUE(appended);
            }
        }
        const auto segments_before = (*expiring)->segment_count();
        EXPECT_GT(segments_before, 5u);
        EXPECT_EQ((*expiring)->log_start_offset(), 0);
        partitions.start_maintenance(settings);
        const auto& counters = partitions.maintenance()->counters();
        for (int i = 0; i < 50 && counters.segments_expired < segments_before - 1; ++i) {
            co_await sleep_ms(20);
        }
        EXPECT_EQ((*expiring)->segment_count(), 1u);
        EXPECT_EQ((*expiring)->log_start_offset(), (*expiring)->active_segment().base_offset());
        EXPECT_GT((*expiring)->log_start_offset(), 0);
        // A read from before the start offset is out of range, as ListOffsets earliest moved.
        auto early = co_await (*expiring)->read(0, 1 << 20);
        EXPECT_FALSE(early);
        EXPECT_EQ((*kept)->segment_count(), segments_before);  // compact only: no retention
        EXPECT_EQ((*kept)->log_start_offset(), 0);
        EXPECT_GE(partitions.maintenance()->counters().retention_passes, 1u);
        EXPECT_EQ(partitions.maintenance()->counters().segments_expired, segments_before - 1);
        co_await partitions.close_all();
    };
    run_on_reactor(body);
}

TEST(log_maintenance, flush_ms_syncs_interval_logs_and_leaves_others) {
    temporary_directory dir;
    auto image = image_with_topics({{"interval", {{"flush.ms", "50"}}}, {"lazy", {}}});
    partition_manager partitions(dir.path(), 0, 1);
    log_maintenance_settings settings;
    settings.cleaner_enable = false;
    auto body = [&]() -> task<void> {
        auto [interval, lazy] = co_await get_both(partitions, image, "interval", "lazy");
        if (!interval || !lazy) co_return;
        partitions.start_maintenance(settings);
        for (auto* log : {*interval, *lazy}) {
            auto batch = make_batch(3, 64, now_ms(), 1);
            auto appended = co_await log->append(batch);
            EXPECT_TRUE(appended);
        }
        const auto interval_syncs = (*interval)->fdatasync_count();
        const auto lazy_syncs = (*lazy)->fdatasync_count();
        const auto& counters = partitions.maintenance()->counters();
        for (int i = 0; i < 50 && counters.interval_flushes == 0; ++i) {
            co_await sleep_ms(20);
        }
        EXPECT_GT((*interval)->fdatasync_count(), interval_syncs);
        EXPECT_GE(partitions.maintenance()->counters().interval_flushes, 1u);
        // Nothing new appended: a later tick does not sync again.
        const auto settled = (*interval)->fdatasync_count();
        co_await sleep_ms(300);
        EXPECT_EQ((*interval)->fdatasync_count(), settled);
        EXPECT_EQ((*lazy)->fdatasync_count(), lazy_syncs);
        co_await partitions.close_all();
    };
    run_on_reactor(body);
}

TEST(log_maintenance, a_dropped_topic_mid_pass_is_skipped_and_close_all_stops_the_loop) {
    temporary_directory dir;
    auto image = image_with_topics({{"gone", {{"retention.ms", "1000"}, {"segment.bytes", "300"}}}});
    partition_manager partitions(dir.path(), 0, 1);
    log_maintenance_settings settings;
    settings.retention_check_interval_ms = 10;
    auto body = [&]() -> task<void> {
        auto gone = co_await partitions.get(image, "gone", 0);
        EXPECT_TRUE(gone);
        if (!gone) co_return;
        for (int i = 0; i < 10; ++i) {
            auto batch = make_batch(1, 100, now_ms() - 60'000, 1);
            (void)co_await (*gone)->append(batch);
        }
        partitions.start_maintenance(settings);
        co_await sleep_ms(5);
        co_await partitions.drop_removed(ctl::metadata_image{});  // the topic is deleted
        EXPECT_EQ(partitions.open_logs(), 0u);
        co_await sleep_ms(250);  // ticks run over no logs
        co_await partitions.close_all();
        EXPECT_FALSE(std::filesystem::exists(dir.path() + "/gone-0"));
    };
    run_on_reactor(body);
}

TEST(log_maintenance, the_cleaner_compacts_dirty_compacted_logs_within_its_tick_budget) {
    temporary_directory dir;
    auto image = image_with_topics(
        {{"table", {{"cleanup.policy", "compact"}, {"segment.bytes", "400"}}}});
    partition_manager partitions(dir.path(), 0, 1);
    log_maintenance_settings settings;
    settings.cleaner_backoff_ms = 50;
    settings.cleaner_tick_bytes_max = 4096;  // a few segments per tick: the pass spans ticks
    auto body = [&]() -> task<void> {
        auto table = co_await partitions.get(image, "table", 0);
        EXPECT_TRUE(table);
        if (!table) co_return;
        for (int i = 0; i < 200; ++i) {
            const std::string key = "key" + std::to_string(i % 4);
            const std::string value = "value" + std::to_string(i);
            auto batch = keyed_batch({{key, value}}, now_ms());
            auto appended = co_await (*table)->append(batch);
            EXPECT_TRUE(appended);
        }
        const auto before = (*table)->size_bytes();
        partitions.start_maintenance(settings);
        const auto& counters = partitions.maintenance()->counters();
        for (int i = 0; i < 200 && counters.compactions == 0; ++i) co_await sleep_ms(20);
        EXPECT_GE(counters.compactions, 1u);
        EXPECT_GT(counters.bytes_cleaned, settings.cleaner_tick_bytes_max);  // several ticks
        EXPECT_LT((*table)->size_bytes(), before / 4);
        auto back = co_await read_everything(**table);
        EXPECT_TRUE(back.valid);
        std::map<std::string, std::string> seen;
        for (const auto& record : back.records) seen[*record.key] = *record.value;
        const std::map<std::string, std::string> latest{
            {"key0", "value196"}, {"key1", "value197"}, {"key2", "value198"},
            {"key3", "value199"}};
        EXPECT_EQ(seen, latest);
        co_await partitions.close_all();
    };
    run_on_reactor(body);
}

// `count` records, one batch each, to both logs: key<i % keys>, value<i>, at `timestamp`.
task<void> append_to_both(storage::partition_log& first, storage::partition_log& second,
                          int count, int keys, std::int64_t timestamp) {
    for (int i = 0; i < count; ++i) {
        const std::string key = "key" + std::to_string(i % keys);
        for (auto* log : {&first, &second}) {
            auto batch = keyed_batch({{key, "value" + std::to_string(i)}}, timestamp);
            auto appended = co_await log->append(batch);
            EXPECT_TRUE(appended);
        }
    }
}

TEST(log_maintenance, a_log_past_max_compaction_lag_is_cleaned_below_its_dirty_ratio) {
    temporary_directory dir;
    auto image = image_with_topics({{"lagging", {{"cleanup.policy", "compact"},
                                                 {"segment.bytes", "400"},
                                                 {"min.cleanable.dirty.ratio", "1.0"},
                                                 {"max.compaction.lag.ms", "1000"}}},
                                    {"patient", {{"cleanup.policy", "compact"},
                                                 {"segment.bytes", "400"},
                                                 {"min.cleanable.dirty.ratio", "1.0"}}}});
    partition_manager partitions(dir.path(), 0, 1);
    log_maintenance_settings settings;
    settings.cleaner_backoff_ms = 50;
    auto body = [&]() -> task<void> {
        auto [lagging, patient] = co_await get_both(partitions, image, "lagging", "patient");
        if (!lagging || !patient) co_return;
        // Distinct keys: all kept, a clean part stays after the first clean.
        co_await append_to_both(**lagging, **patient, 60, 60, now_ms() - 60'000);
        // Cleaned once: from then on new dirty segments are below the ratio of 1.0.
        for (auto* log : {*lagging, *patient}) {
            storage::cleaner_budget budget;
            storage::compaction_options forced;
            forced.force = true;
            EXPECT_TRUE(co_await log->compact(forced, budget));
            for (int i = 0; i < 20; ++i) {
                auto batch = keyed_batch({{"key0", "again"}}, now_ms() - 60'000);
                auto appended = co_await log->append(batch);
                EXPECT_TRUE(appended);
            }
            EXPECT_LT(log->dirty_ratio(), 1.0);
        }
        const auto patient_offset = (*patient)->cleaner_offset();
        const auto lagging_offset = (*lagging)->cleaner_offset();
        partitions.start_maintenance(settings);
        const auto& counters = partitions.maintenance()->counters();
        for (int i = 0; i < 100 && counters.compactions == 0; ++i) co_await sleep_ms(20);
        co_await sleep_ms(200);
        EXPECT_GE(counters.compactions, 1u);
        EXPECT_GT((*lagging)->cleaner_offset(), lagging_offset);
        EXPECT_EQ((*patient)->cleaner_offset(), patient_offset);  // no max.compaction.lag.ms
        co_await partitions.close_all();
    };
    run_on_reactor(body);
}

// A batch whose CRC no longer matches (flipped on disk after it was written) in an inactive
// segment: the pass fails, the partition is marked uncleanable (once, not retried), keeps
// serving and taking appends, and another compacted log is still cleaned.
TEST(log_maintenance, a_clean_that_fails_on_bad_data_marks_the_partition_uncleanable) {
    temporary_directory dir;
    const std::map<std::string, std::string> compacted{{"cleanup.policy", "compact"},
                                                       {"segment.bytes", "400"}};
    auto image = image_with_topics({{"broken", compacted}, {"healthy", compacted}});
    partition_manager partitions(dir.path(), 0, 1);
    log_maintenance_settings settings;
    settings.cleaner_backoff_ms = 20;
    auto body = [&]() -> task<void> {
        auto [broken, healthy] = co_await get_both(partitions, image, "broken", "healthy");
        if (!broken || !healthy) co_return;
        co_await append_to_both(**broken, **healthy, 40, 4, now_ms());
        // Flip a byte of the value of the second segment's first batch (inside the CRC).
        const auto& second = *(*broken)->segments()[1];
        const int fd = ::open(second.log_path().c_str(), O_WRONLY | O_CLOEXEC);
        EXPECT_GE(fd, 0);
        const char flipped = 'X';
        EXPECT_EQ(::pwrite(fd, &flipped, 1, 70), 1);
        ::close(fd);
        partitions.start_maintenance(settings);
        const auto& counters = partitions.maintenance()->counters();
        for (int i = 0; i < 100 && (counters.uncleanable_partitions == 0 ||
                                    (*healthy)->cleaner_offset() == 0);
             ++i) {
            co_await sleep_ms(20);
        }
        co_await sleep_ms(200);  // several backoffs: the broken log is not tried again
        EXPECT_EQ(counters.uncleanable_partitions, 1u);
        EXPECT_EQ(counters.compaction_failures, 1u);
        EXPECT_GT((*healthy)->cleaner_offset(), 0);
        const auto& failure = (*broken)->last_compaction_failure();
        EXPECT_EQ(failure.error, storage::errc::corrupt_log);
        EXPECT_EQ(failure.segment_base, second.base_offset());
        EXPECT_EQ(failure.offset, second.base_offset());
        EXPECT_EQ(failure.position, 0u);
        EXPECT_FALSE((*broken)->failed());
        auto batch = keyed_batch({{"key0", "after"}}, now_ms());
        EXPECT_TRUE(co_await (*broken)->append(batch));
        auto first = co_await (*broken)->read(0, 1 << 20);
        EXPECT_TRUE(first && first->range.length > 0);
        co_await partitions.close_all();
    };
    run_on_reactor(body);
}

}  // namespace
}  // namespace laminar::broker
