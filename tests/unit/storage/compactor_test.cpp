// Compaction of a partition log (storage/compactor.cpp): each rule on its own, compressed
// batches, crash points mid-swap, reads in flight, the cleaner offset checkpoint, and a model
// test (random keys, values and tombstones, appends interleaved with cleans, reopens).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "compaction_test_util.h"
#include "storage/batch_records.h"

namespace laminar::storage::testing {
namespace {

constexpr std::int64_t start_ms = 1'700'000'000'000;
constexpr std::int64_t hour_ms = 3'600'000;

log_options compact_options(const std::string& dir, const log_clock* clock) {
    auto options = options_in(dir, clock);
    options.config.segment_bytes = 200;  // about one batch per segment
    options.config.cleanup_compact = true;
    options.config.cleanup_delete = false;
    options.config.retention_ms = -1;
    return options;
}

// Arguments are views (trivially destructible): call sites pass literals inside co_await.
task<void> append_record(partition_log& log, std::string_view key,
                         std::optional<std::string_view> value, std::int64_t timestamp) {
    std::optional<std::string> value_text;
    if (value) value_text = std::string(*value);
    auto batch = keyed_batch({{std::string(key), value_text}}, timestamp);
    auto appended = co_await log.append(batch);
    EXPECT_TRUE(appended);
}

// k0..k<count - 1>, one batch each, at start_ms.
task<void> append_distinct_keys(partition_log& log, int count) {
    for (int i = 0; i < count; ++i) {
        const auto key = "k" + std::to_string(i);
        co_await append_record(log, key, "v", start_ms);
    }
}

// `count` records of `key`, values "0".."<count - 1>", one batch each, at start_ms.
task<void> append_values(partition_log& log, std::string_view key, int count) {
    for (int i = 0; i < count; ++i) {
        const auto value = std::to_string(i);
        co_await append_record(log, key, value, start_ms);
    }
}

task<compaction_report> compact_now(partition_log& log, bool force = true) {
    cleaner_budget budget;
    compaction_options options;
    options.force = force;
    auto report = co_await log.compact(options, budget);
    EXPECT_TRUE(report);
    co_return report ? *report : compaction_report{};
}

// Every record the log serves with its timestamp (base timestamp + delta) and its batch header.
struct stamped_record {
    std::int64_t offset = 0;
    std::int64_t timestamp = 0;
    bool tombstone = false;
    record_batch_header batch;
};
task<std::vector<stamped_record>> stamped_records(const partition_log& log) {
    std::vector<stamped_record> out;
    for (const auto& segment : log.segments()) {
        const auto bytes = read_file(segment->log_path());
        std::span<const std::byte> rest(bytes.data(), std::min<std::size_t>(bytes.size(),
                                                                            segment->size_bytes()));
        std::vector<std::byte> scratch;
        std::vector<record_entry> entries;
        while (!rest.empty()) {
            auto header = validate_record_batch(rest, 1 << 20);
            EXPECT_TRUE(header);
            if (!header) co_return out;
            auto records = batch_records_bytes(rest.first(header->total_bytes()), *header, scratch);
            EXPECT_TRUE(records && parse_batch_records(*records, *header, entries));
            for (const auto& entry : entries) {
                out.push_back({entry.offset, header->base_timestamp + entry.timestamp_delta,
                               entry.tombstone, *header});
            }
            rest = rest.subspan(header->total_bytes());
        }
    }
    co_return out;
}

std::vector<std::string> files_with(const std::string& dir, std::string_view suffix) {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        if (name.ends_with(suffix)) found.push_back(name);
    }
    return found;
}

TEST(batch_records, parse_and_rebuild_keep_header_fields_and_fix_the_crc) {
    for (auto codec : {compression_codec::none, compression_codec::gzip, compression_codec::snappy,
                       compression_codec::lz4, compression_codec::zstd}) {
        auto batch = keyed_batch({{"a", "1"}, {"b", std::nullopt}, {std::nullopt, "3"}, {"c", "4"}},
                                 start_ms, codec, 42);
        set_base_offset(batch, 100);
        auto header = validate_record_batch(batch, batch.size());
        ASSERT_TRUE(header);
        std::vector<std::byte> scratch;
        std::vector<record_entry> entries;
        auto records = batch_records_bytes(batch, *header, scratch);
        ASSERT_TRUE(records);
        ASSERT_TRUE(parse_batch_records(*records, *header, entries));
        ASSERT_EQ(entries.size(), 4u);
        EXPECT_EQ(entries[1].offset, 101);
        EXPECT_TRUE(entries[1].tombstone);
        EXPECT_EQ(entries[2].key_length, -1);
        std::vector<record_entry> kept{entries[1], entries[3]};
        std::vector<std::byte> rebuilt;
        ASSERT_TRUE(rebuild_batch(batch, *header, *records, kept, rebuilt));
        auto again = validate_record_batch(rebuilt, rebuilt.size());
        ASSERT_TRUE(again) << to_string(codec);
        EXPECT_EQ(again->base_offset, 100);
        EXPECT_EQ(again->last_offset_delta, 3);
        EXPECT_EQ(again->records_count, 2);
        EXPECT_EQ(again->producer_id, 42);
        EXPECT_EQ(again->attributes, header->attributes);
        EXPECT_EQ(again->max_timestamp, header->max_timestamp);
        auto records_again = batch_records_bytes(rebuilt, *again, scratch);
        ASSERT_TRUE(records_again);
        ASSERT_TRUE(parse_batch_records(*records_again, *again, entries));
        ASSERT_EQ(entries.size(), 2u);
        EXPECT_EQ(entries[0].offset, 101);
        EXPECT_EQ(entries[1].offset, 103);
        EXPECT_EQ(text_of(*records_again, entries[1].key_begin, entries[1].key_length), "c");
    }
}

TEST(batch_records, a_delete_horizon_keeps_every_record_timestamp) {
    for (auto codec : {compression_codec::none, compression_codec::zstd}) {
        // Every record at start_ms (delta 0): afterwards the deltas are start_ms - horizon.
        auto batch = keyed_batch({{"a", "1"}, {"b", std::nullopt}, {"c", "3"}}, start_ms, codec);
        auto header = validate_record_batch(batch, batch.size());
        ASSERT_TRUE(header);
        std::vector<std::byte> scratch;
        std::vector<record_entry> entries;
        auto records = batch_records_bytes(batch, *header, scratch);
        ASSERT_TRUE(records && parse_batch_records(*records, *header, entries));
        EXPECT_FALSE(delete_horizon_of(*header));
        const std::int64_t horizon = start_ms + 86'400'000;
        std::vector<std::byte> rebuilt;
        ASSERT_TRUE(rebuild_batch(batch, *header, *records, entries, rebuilt, horizon));
        auto again = validate_record_batch(rebuilt, rebuilt.size());  // the CRC was redone
        ASSERT_TRUE(again) << to_string(codec);
        EXPECT_EQ(delete_horizon_of(*again), horizon);
        EXPECT_EQ(again->base_timestamp, horizon);
        EXPECT_EQ(again->max_timestamp, header->max_timestamp);
        EXPECT_EQ(again->compression(), codec);
        EXPECT_EQ(again->attributes & ~record_batch_attributes::delete_horizon, header->attributes);
        std::vector<record_entry> rebuilt_entries;
        auto rebuilt_records = batch_records_bytes(rebuilt, *again, scratch);
        ASSERT_TRUE(rebuilt_records && parse_batch_records(*rebuilt_records, *again,
                                                           rebuilt_entries));
        ASSERT_EQ(rebuilt_entries.size(), 3u);
        for (std::size_t i = 0; i < 3; ++i) {
            EXPECT_EQ(again->base_timestamp + rebuilt_entries[i].timestamp_delta, start_ms);
            EXPECT_EQ(rebuilt_entries[i].offset, entries[i].offset);
            EXPECT_EQ(rebuilt_entries[i].tombstone, entries[i].tombstone);
        }
    }
}

TEST(batch_records, malformed_records_are_corrupt_not_a_crash) {
    auto batch = keyed_batch({{"key", "value"}}, start_ms);
    auto header = validate_record_batch(batch, batch.size());
    ASSERT_TRUE(header);
    std::vector<record_entry> entries;
    std::span<const std::byte> records(batch.data() + layout::header_bytes,
                                       batch.size() - layout::header_bytes);
    for (std::size_t cut = 0; cut < records.size(); ++cut) {
        EXPECT_FALSE(parse_batch_records(records.first(cut), *header, entries));
    }
    auto wrong_count = *header;
    wrong_count.records_count = 2;
    EXPECT_FALSE(parse_batch_records(records, wrong_count, entries));
    std::vector<std::byte> garbage(records.begin(), records.end());
    garbage[0] = std::byte{0xff};  // a length varint that never ends within the bytes
    EXPECT_FALSE(parse_batch_records(garbage, *header, entries));
}

// A pass stopped at `point` as if the process died there: the log is failed (the caller drops
// it without close(), as a killed process would).
task<void> compact_and_crash(partition_log& log, cleaner_crash_point point) {
    cleaner_budget budget;
    compaction_options crashing;
    crashing.force = true;
    crashing.crash_at = point;
    auto report = co_await log.compact(crashing, budget);
    EXPECT_FALSE(report);
    EXPECT_TRUE(log.failed());
}

// After reopening from a crash: no temporary file is left, the log reads back whole and serves
// the latest value of every key.
task<read_back> read_after_crash(const partition_log& log, const std::string& partition_dir,
                                 const std::map<std::string, std::string>& latest) {
    EXPECT_TRUE(files_with(partition_dir, cleaned_suffix).empty());
    EXPECT_TRUE(files_with(partition_dir, swap_suffix).empty());
    auto back = co_await read_everything(log);
    EXPECT_TRUE(back.valid);
    std::map<std::string, std::string> seen;
    for (const auto& record : back.records) {
        if (record.key) seen[*record.key] = *record.value;
    }
    EXPECT_EQ(seen, latest);
    co_return back;
}

// A log under compact_options in a fresh directory, on a manual clock. with_log(test) opens the
// log with `options`, runs `test` on it and closes it (a test that failed the log on purpose,
// as a crash would, leaves it unclosed); call it again to reopen.
class compactor : public ::testing::Test {
protected:
    temporary_directory dir;
    manual_clock clock{start_ms};
    log_options options = compact_options(dir.path(), &clock);

    std::string partition_dir() const { return options.data_dir + "/events-3"; }

    template <typename Test>
    void with_log(Test& test) {
        auto body = [&]() -> task<void> {
            auto opened = co_await partition_log::open(options);
            EXPECT_TRUE(opened);
            if (!opened) co_return;
            co_await test(**opened);
            if (!(*opened)->failed()) {
                EXPECT_TRUE(co_await (*opened)->close());
            }
        };
        run_on_reactor(body);
    }
};

TEST_F(compactor, keeps_the_latest_record_per_key_and_never_the_active_segment) {
    // c0 (offset 3) stays: its later record is in the active segment, not mapped.
    const std::vector<read_record> expected{
        {3, "c", "c0"}, {4, "b", "b1"}, {5, "a", "a2"}, {6, "c", "c1"}};
    auto test = [&](partition_log& log) -> task<void> {
        const std::vector<std::pair<std::string, std::string>> writes{
            {"a", "a0"}, {"b", "b0"}, {"a", "a1"}, {"c", "c0"}, {"b", "b1"}, {"a", "a2"},
            {"c", "c1"}};
        for (const auto& [key, value] : writes) co_await append_record(log, key, value, start_ms);
        const auto active_base = log.active_segment().base_offset();
        EXPECT_EQ(active_base, 6);  // the last write is alone in the active segment
        auto report = co_await compact_now(log);
        EXPECT_TRUE(report.ran);
        EXPECT_EQ(report.clean_offset, active_base);
        EXPECT_EQ(log.cleaner_offset(), active_base);
        auto back = co_await read_everything(log);
        EXPECT_TRUE(back.valid);
        EXPECT_EQ(back.records, expected);
        EXPECT_EQ(report.records_removed, 3u);
        EXPECT_EQ(log.log_end_offset(), 7);
        // Nothing dirty: a second pass does nothing.
        auto again = co_await compact_now(log);
        EXPECT_FALSE(again.ran);
    };
    with_log(test);
    auto reopened = [&](partition_log& log) -> task<void> {
        EXPECT_EQ(log.cleaner_offset(), 6);
        auto after = co_await read_everything(log);
        EXPECT_EQ(after.records, expected);
    };
    with_log(reopened);
}

TEST_F(compactor, tombstones_stay_until_delete_retention_ms_then_go) {
    options.config.delete_retention_ms = hour_ms;
    auto test = [&](partition_log& log) -> task<void> {
        co_await append_record(log, "k", "v0", start_ms);
        co_await append_record(log, "k", std::nullopt, start_ms);
        co_await append_record(log, "other", "x", start_ms);
        co_await compact_now(log);
        auto back = co_await read_everything(log);
        const std::vector<read_record> with_tombstone{{1, "k", std::nullopt}, {2, "other", "x"}};
        EXPECT_EQ(back.records, with_tombstone);
        clock.advance(2 * hour_ms);
        co_await append_record(log, "late", "y", clock.now_ms());  // makes the pass dirty again
        co_await append_record(log, "later", "z", clock.now_ms());
        auto report = co_await compact_now(log);
        EXPECT_EQ(report.tombstones_removed, 1u);
        back = co_await read_everything(log);
        const std::vector<read_record> expected{{2, "other", "x"}, {3, "late", "y"},
                                                {4, "later", "z"}};
        EXPECT_EQ(back.records, expected);
        EXPECT_EQ(log.log_start_offset(), 2);  // the emptied first segment went
    };
    with_log(test);
}

TEST_F(compactor, honours_min_compaction_lag_and_the_dirty_ratio) {
    options.config.min_compaction_lag_ms = hour_ms;
    options.config.segment_bytes = 100;  // one batch per segment
    auto test = [&](partition_log& log) -> task<void> {
        co_await append_distinct_keys(log, 4);
        EXPECT_EQ(log.segment_count(), 4u);
        // Every record is younger than the lag: nothing is cleanable.
        EXPECT_EQ(log.dirty_ratio(), 0.0);
        auto report = co_await compact_now(log);
        EXPECT_FALSE(report.ran);
        EXPECT_EQ(log.cleaner_offset(), 0);
        clock.advance(2 * hour_ms);
        EXPECT_EQ(log.dirty_ratio(), 1.0);
        report = co_await compact_now(log, false);
        EXPECT_TRUE(report.ran);
        EXPECT_EQ(log.cleaner_offset(), 3);
        auto back = co_await read_everything(log);
        EXPECT_EQ(back.records.size(), 4u);  // distinct keys
        // One new dirty segment out of four cleanable: below the default ratio of 0.5.
        co_await append_record(log, "k0", "again", clock.now_ms() - 2 * hour_ms);
        EXPECT_DOUBLE_EQ(log.dirty_ratio(), 0.25);
        report = co_await compact_now(log, false);
        EXPECT_FALSE(report.ran);
    };
    with_log(test);
}

TEST_F(compactor, keyless_records_go_and_control_batches_stay) {
    options.config.segment_bytes = 1 << 20;
    options.config.segment_ms = 1000;
    auto test = [&](partition_log& log) -> task<void> {
        auto mixed = keyed_batch({{std::nullopt, "free"}, {"k", "v"}}, start_ms);
        EXPECT_TRUE(co_await log.append(mixed));
        auto control = keyed_batch({{"\0\0\0\0", "\0\0\0\0\0\0"}}, start_ms,
                                   compression_codec::none, 7,
                                   record_batch_attributes::control |
                                       record_batch_attributes::transactional);
        EXPECT_TRUE(co_await log.append(control));
        clock.advance(hour_ms);  // past segment.ms: the next append rolls
        co_await append_record(log, "active", "a", start_ms);
        EXPECT_EQ(log.segment_count(), 2u);
        co_await compact_now(log);
        auto back = co_await read_everything(log);
        const std::vector<read_record> expected{{1, "k", "v"}, {3, "active", "a"}};
        EXPECT_EQ(back.records, expected);
        EXPECT_EQ(back.batches.size(), 3u);
        EXPECT_TRUE(back.batches.size() == 3 && back.batches[1].is_control());
    };
    with_log(test);
}

TEST_F(compactor, batches_whose_records_do_not_parse_stay_whole) {
    auto test = [&](partition_log& log) -> task<void> {
        // Written while the topic was not compacted: valid batch, random record bytes.
        auto garbage = make_batch(1, 40, start_ms, 9);
        EXPECT_TRUE(co_await log.append(garbage));
        for (int i = 0; i < 4; ++i) co_await append_record(log, "k", "v", start_ms);
        auto report = co_await compact_now(log);
        EXPECT_TRUE(report.ran);
        EXPECT_GT(report.records_removed, 0u);
        auto first = co_await log.read(0, 1 << 20);
        EXPECT_TRUE(first);
        if (first) {
            auto bytes = bytes_of(first->range);
            bytes.resize(std::min(bytes.size(), garbage.size()));
            set_base_offset(garbage, 0);
            EXPECT_EQ(bytes, garbage);
        }
    };
    with_log(test);
}

TEST_F(compactor, compressed_batches_are_rewritten_with_their_codec) {
    options.config.segment_bytes = 1 << 20;
    options.config.segment_ms = 1000;
    auto test = [&](partition_log& log) -> task<void> {
        const std::vector<compression_codec> codecs{compression_codec::gzip,
                                                    compression_codec::snappy,
                                                    compression_codec::lz4,
                                                    compression_codec::zstd};
        for (std::size_t i = 0; i < codecs.size(); ++i) {
            const auto n = std::to_string(i);
            auto batch = keyed_batch({{"shared", "s" + n}, {"own" + n, "o" + n}}, start_ms,
                                     codecs[i]);
            EXPECT_TRUE(co_await log.append(batch));
        }
        clock.advance(hour_ms);
        co_await append_record(log, "active", "a", clock.now_ms());
        auto report = co_await compact_now(log);
        EXPECT_EQ(report.records_removed, 3u);  // "shared" of the first three batches
        auto back = co_await read_everything(log);
        EXPECT_TRUE(back.valid);
        const std::vector<read_record> expected{{1, "own0", "o0"}, {3, "own1", "o1"},
                                                {5, "own2", "o2"}, {6, "shared", "s3"},
                                                {7, "own3", "o3"}, {8, "active", "a"}};
        EXPECT_EQ(back.records, expected);
        EXPECT_EQ(back.batches.size(), 5u);
        for (std::size_t i = 0; i < codecs.size() && back.batches.size() == 5; ++i) {
            EXPECT_EQ(back.batches[i].compression(), codecs[i]);
            EXPECT_EQ(back.batches[i].last_offset_delta, 1);  // offsets kept, not renumbered
        }
    };
    with_log(test);
}

TEST_F(compactor, reads_in_flight_keep_the_old_segment) {
    auto test = [&](partition_log& log) -> task<void> {
        co_await append_values(log, "k", 4);
        auto before = co_await log.read(0, 1 << 20);
        EXPECT_TRUE(before);
        const auto old_bytes = bytes_of(before->range);
        EXPECT_FALSE(old_bytes.empty());
        co_await compact_now(log);
        EXPECT_EQ(bytes_of(before->range), old_bytes);  // the replaced file is still open
    };
    with_log(test);
}

// Stops the cleaner at each crash point, then reopens: the log is whole (every latest record
// per key is there, nothing torn) and no temporary file is left.
TEST_F(compactor, a_crash_mid_clean_leaves_a_consistent_log) {
    int round = 0;
    for (auto point : {cleaner_crash_point::after_cleaned, cleaner_crash_point::after_swap,
                       cleaner_crash_point::after_replace}) {
        options.data_dir = dir.path() + "/" + std::to_string(round++);
        std::map<std::string, std::string> latest;
        auto crash = [&](partition_log& log) -> task<void> {
            for (int i = 0; i < 12; ++i) {
                const auto key = "k" + std::to_string(i % 3);
                const auto value = "v" + std::to_string(i);
                co_await append_record(log, key, value, start_ms);
                latest[key] = value;
            }
            co_await compact_and_crash(log, point);
        };
        with_log(crash);
        auto reopened = [&](partition_log& log) -> task<void> {
            auto back = co_await read_after_crash(log, partition_dir(), latest);
            if (point != cleaner_crash_point::after_cleaned) {
                EXPECT_NE(back.records.front().offset, 0);  // the first swap was completed
            }
            // The next pass finishes the job.
            co_await compact_now(log);
            back = co_await read_everything(log);
            EXPECT_TRUE(back.valid);
            EXPECT_EQ(back.records.size(), 5u);  // latest of 0..9 per key, and the active 10, 11
        };
        with_log(reopened);
    }
}

TEST_F(compactor, the_budget_paces_reads_and_stop_ends_the_pass) {
    auto test = [&](partition_log& log) -> task<void> {
        co_await append_values(log, "k", 6);
        cleaner_budget budget(0);
        compaction_options forced;
        forced.force = true;
        bool finished = false;
        auto pass = [&]() -> task<void> {
            auto report = co_await log.compact(forced, budget);
            EXPECT_FALSE(report);  // stopped
            finished = true;
        };
        reactor::current().spawn(pass());
        for (int i = 0; i < 3; ++i) co_await io::yield();
        EXPECT_FALSE(finished);  // waiting for budget
        budget.refill(1);        // one read, then waits again
        for (int i = 0; i < 3; ++i) co_await io::yield();
        EXPECT_FALSE(finished);
        budget.stop();
        for (int i = 0; i < 200 && !finished; ++i) {
            (void)co_await io::sleep_for(std::chrono::milliseconds(1));
        }
        EXPECT_TRUE(finished);
        auto back = co_await read_everything(log);
        EXPECT_EQ(back.records.size(), 6u);  // nothing swapped
    };
    with_log(test);
}

// A batch whose append rolls into its own segment: the clock moves past segment.ms (1 s in the
// tests that use it) first. (Built outside co_await: g++ 12 mishandles temporaries there.)
std::vector<std::byte> own_segment_batch(manual_clock& clock,
                                         const std::vector<test_record>& records,
                                         compression_codec codec = compression_codec::none,
                                         std::int64_t producer_id = -1,
                                         std::int16_t attributes = 0) {
    clock.advance(1000);
    return keyed_batch(records, clock.now_ms(), codec, producer_id, attributes);
}

TEST_F(compactor, max_compaction_lag_cleans_below_the_dirty_ratio) {
    options.config.max_compaction_lag_ms = hour_ms;
    options.config.segment_bytes = 100;  // one batch per segment
    auto test = [&](partition_log& log) -> task<void> {
        co_await append_distinct_keys(log, 4);
        auto report = co_await compact_now(log, false);  // dirty ratio 1
        EXPECT_TRUE(report.ran);
        EXPECT_EQ(report.max_compaction_delay_ms, 0);
        co_await append_record(log, "k0", "again", start_ms);
        EXPECT_DOUBLE_EQ(log.dirty_ratio(), 0.25);  // below 0.5
        auto delay = co_await log.max_compaction_delay_ms();
        EXPECT_EQ(delay ? *delay : -1, 0);
        report = co_await compact_now(log, false);
        EXPECT_FALSE(report.ran);
        clock.advance(hour_ms + 60'000);  // the earliest dirty record is a minute past the lag
        delay = co_await log.max_compaction_delay_ms();
        EXPECT_EQ(delay ? *delay : -1, 60'000);
        report = co_await compact_now(log, false);
        EXPECT_TRUE(report.ran);
        EXPECT_EQ(report.max_compaction_delay_ms, 60'000);
        EXPECT_EQ(log.cleaner_offset(), 4);
        delay = co_await log.max_compaction_delay_ms();
        EXPECT_EQ(delay ? *delay : -1, 0);  // nothing dirty is left before the active segment
    };
    with_log(test);
}

TEST_F(compactor, the_active_segment_rolls_at_max_compaction_lag) {
    options.config.max_compaction_lag_ms = hour_ms;
    options.config.segment_bytes = 1 << 20;
    auto test = [&](partition_log& log) -> task<void> {
        co_await append_record(log, "a", "1", clock.now_ms());
        clock.advance(hour_ms / 2);
        co_await append_record(log, "b", "2", clock.now_ms());
        EXPECT_EQ(log.segment_count(), 1u);
        clock.advance(hour_ms / 2);  // the first append is max.compaction.lag.ms old
        co_await append_record(log, "c", "3", clock.now_ms());
        EXPECT_EQ(log.segment_count(), 2u);
        EXPECT_EQ(log.active_segment().base_offset(), 2);
        EXPECT_GT(log.dirty_ratio(), 0.0);  // the rolled segment can be cleaned
    };
    with_log(test);
    // A delete-only topic with the same setting rolls at segment.ms only.
    options.data_dir = dir.path() + "/delete";
    options.config.cleanup_compact = false;
    options.config.cleanup_delete = true;
    auto not_compacted = [&](partition_log& log) -> task<void> {
        co_await append_record(log, "a", "1", clock.now_ms());
        clock.advance(2 * hour_ms);
        co_await append_record(log, "b", "2", clock.now_ms());
        EXPECT_EQ(log.segment_count(), 1u);
    };
    with_log(not_compacted);
}

// KIP-534: the first clean that keeps a tombstone (or the marker of a transaction with no data
// left) gives its batch a delete horizon; a clean after the horizon drops them.
TEST_F(compactor, tombstones_and_markers_get_a_delete_horizon_then_go) {
    options.config.delete_retention_ms = hour_ms;
    options.config.segment_ms = 1000;
    const auto transactional = record_batch_attributes::transactional;
    const auto marker = static_cast<std::int16_t>(record_batch_attributes::control |
                                                  transactional);
    const test_record commit{std::string("\0\0\0\1", 4), std::string("\0\0\0\0\0\0", 6)};
    auto test = [&](partition_log& log) -> task<void> {
        struct written {
            std::vector<test_record> records;
            compression_codec codec = compression_codec::none;
            std::int64_t producer_id = -1;
            std::int16_t attributes = 0;
        };
        const std::vector<written> writes{
            {{{"k", "v0"}}},                                              // 0
            {{{"k", std::nullopt}, {"j", "x"}}, compression_codec::lz4},  // 1, 2
            {{{"t", "1"}}, compression_codec::none, 9, transactional},    // 3
            {{commit}, compression_codec::none, 9, marker},               // 4: commits 3
            {{commit}, compression_codec::none, 11, marker}};             // 5: no data
        for (const auto& each : writes) {
            auto batch = own_segment_batch(clock, each.records, each.codec, each.producer_id,
                                           each.attributes);
            EXPECT_TRUE(co_await log.append(batch));
        }
        const auto before = co_await stamped_records(log);
        auto active = own_segment_batch(clock, {{"active", "a"}});                  // 6
        EXPECT_TRUE(co_await log.append(active));
        const std::int64_t first_clean_ms = clock.now_ms();
        auto report = co_await compact_now(log);
        EXPECT_EQ(report.records_removed, 1u);  // k=v0
        EXPECT_EQ(report.horizons_set, 2u);     // the tombstone's batch and producer 11's marker
        auto after = co_await stamped_records(log);
        EXPECT_EQ(after.size(), 6u);  // 1..6
        for (const auto& record : after) {
            const auto was = std::find_if(before.begin(), before.end(), [&](const auto& old) {
                return old.offset == record.offset;
            });
            if (was != before.end()) {
                EXPECT_EQ(record.timestamp, was->timestamp) << record.offset;
            }
            const bool flagged = record.offset == 1 || record.offset == 2 || record.offset == 5;
            EXPECT_EQ(delete_horizon_of(record.batch).has_value(), flagged) << record.offset;
            if (flagged) {
                EXPECT_EQ(*delete_horizon_of(record.batch), first_clean_ms + hour_ms);
            }
        }
        auto back = co_await read_everything(log);
        EXPECT_TRUE(back.valid);  // CRCs redone
        // Before the horizon: the tombstone and the marker stay, and are not rewritten again.
        clock.advance(hour_ms / 2);
        auto later = own_segment_batch(clock, {{"later", "b"}});
        EXPECT_TRUE(co_await log.append(later));
        report = co_await compact_now(log);
        EXPECT_EQ(report.records_removed, 0u);
        EXPECT_EQ(report.horizons_set, 0u);
        const auto kept = co_await stamped_records(log);
        EXPECT_EQ(kept.size(), 7u);
        // Past it: both go; producer 9's marker stays while its transaction has data.
        clock.advance(hour_ms);
        auto last = own_segment_batch(clock, {{"last", "c"}});
        EXPECT_TRUE(co_await log.append(last));
        report = co_await compact_now(log);
        EXPECT_EQ(report.tombstones_removed, 1u);
        EXPECT_EQ(report.markers_removed, 1u);
        std::vector<std::int64_t> offsets;
        const auto remaining = co_await stamped_records(log);
        for (const auto& record : remaining) offsets.push_back(record.offset);
        const std::vector<std::int64_t> expected{2, 3, 4, 6, 7, 8};
        EXPECT_EQ(offsets, expected);
    };
    with_log(test);
}

// One forced pass told of the log's transactions.
task<compaction_report> compact_knowing(partition_log& log, std::int64_t stable_end,
                                        std::vector<aborted_transaction> aborted) {
    cleaner_budget budget;
    compaction_options options;
    options.force = true;
    options.stable_end = stable_end;
    options.aborted = std::move(aborted);
    auto report = co_await log.compact(options, budget);
    EXPECT_TRUE(report);
    co_return report ? *report : compaction_report{};
}

// key -> value of every data record the log serves, the later offset winning.
task<std::map<std::string, std::string>> latest_values(const partition_log& log) {
    auto back = co_await read_everything(log);
    EXPECT_TRUE(back.valid);
    std::map<std::string, std::string> latest;
    for (const auto& record : back.records) {
        if (record.key && record.value) latest[*record.key] = *record.value;
    }
    co_return latest;
}

std::vector<std::int64_t> offsets_of(const std::vector<stamped_record>& records) {
    std::vector<std::int64_t> offsets;
    for (const auto& record : records) offsets.push_back(record.offset);
    return offsets;
}

const auto transactional = record_batch_attributes::transactional;
const auto marker_attributes =
    static_cast<std::int16_t>(record_batch_attributes::control | transactional);
const test_record commit_record{std::string("\0\0\0\1", 4), std::string("\0\0\0\0\0\0", 6)};
const test_record abort_record{std::string("\0\0\0\0", 4), std::string("\0\0\0\0\0\0", 6)};

// One batch to append in its own segment: plain (producer -1), transactional or a marker.
struct planned_batch {
    std::vector<test_record> records;
    std::int64_t producer = -1;
    std::int16_t attributes = 0;
};

// Appends each batch in its own segment (the clock steps a second before each).
task<void> append_each(partition_log& log, manual_clock& clock,
                       const std::vector<planned_batch>& batches) {
    for (const auto& each : batches) {
        auto batch = own_segment_batch(clock, each.records, compression_codec::none, each.producer,
                                       each.attributes);
        EXPECT_TRUE(co_await log.append(batch));
    }
}

// Kafka's cleaner drops an aborted transaction's batches and maps none of their keys: the value
// a transaction aborted never replaces the committed one before it. Its marker stays for the
// pass that read its data, then gets a delete horizon, then goes.
TEST_F(compactor, aborted_transactions_go_and_never_hide_a_committed_value) {
    options.config.delete_retention_ms = hour_ms;
    options.config.segment_ms = 1000;
    auto test = [&](partition_log& log) -> task<void> {
        const std::vector<planned_batch> first{
            {{{"k", "v0"}}, 9, transactional},               // 0
            {{commit_record}, 9, marker_attributes},         // 1: commits 0
            {{{"k", "v1"}, {"m", "m1"}}, 9, transactional},  // 2, 3
            {{abort_record}, 9, marker_attributes},          // 4: aborts 2-3
            {{{"j", "x"}}},                                  // 5
            {{{"active", "a"}}}};                            // 6
        co_await append_each(log, clock, first);
        const std::vector<aborted_transaction> aborted{{9, 2, 4}};
        auto report = co_await compact_knowing(log, unbounded_stable_offset, aborted);
        EXPECT_EQ(report.records_removed, 2u);
        EXPECT_EQ(report.horizons_set, 0u);  // both markers' data was read by this pass
        const std::map<std::string, std::string> expected{{"k", "v0"}, {"j", "x"}, {"active", "a"}};
        EXPECT_EQ(co_await latest_values(log), expected);
        const std::vector<std::int64_t> after_first{0, 1, 4, 5, 6};
        EXPECT_EQ(offsets_of(co_await stamped_records(log)), after_first);
        // The abort marker's transaction has nothing left: a horizon; the commit keeps k=v0.
        const std::vector<planned_batch> later{{{{"later", "b"}}}};  // 7
        co_await append_each(log, clock, later);
        report = co_await compact_knowing(log, unbounded_stable_offset, aborted);
        EXPECT_EQ(report.records_removed, 0u);
        EXPECT_EQ(report.horizons_set, 1u);
        clock.advance(hour_ms);
        const std::vector<planned_batch> last{{{{"last", "c"}}}};  // 8
        co_await append_each(log, clock, last);
        report = co_await compact_knowing(log, unbounded_stable_offset, aborted);
        EXPECT_EQ(report.markers_removed, 1u);
        const std::vector<std::int64_t> at_end{0, 1, 5, 6, 7, 8};
        EXPECT_EQ(offsets_of(co_await stamped_records(log)), at_end);
    };
    with_log(test);
}

// Nothing at or above the last stable offset is mapped or cleaned: a value in a transaction
// still open may yet be aborted, so the committed value before it must stay.
TEST_F(compactor, an_open_transaction_is_never_cleaned) {
    options.config.segment_ms = 1000;
    auto test = [&](partition_log& log) -> task<void> {
        const std::vector<planned_batch> first{{{{"k", "v0"}}},                    // 0
                                               {{{"k", "v1"}}, 9, transactional},  // 1: open
                                               {{{"k", "v2"}}},                    // 2
                                               {{{"active", "a"}}}};               // 3
        co_await append_each(log, clock, first);
        EXPECT_DOUBLE_EQ(log.dirty_ratio(1), 1.0);
        EXPECT_EQ(log.dirty_ratio(0), 0.0);  // the first segment holds the LSO itself
        const std::vector<aborted_transaction> none;
        auto report = co_await compact_knowing(log, 1, none);
        EXPECT_EQ(report.records_removed, 0u);
        EXPECT_EQ(report.clean_offset, 1);
        const std::vector<std::int64_t> untouched{0, 1, 2, 3};
        EXPECT_EQ(offsets_of(co_await stamped_records(log)), untouched);
        // The transaction aborts: its value goes, and k=v2 (not transactional) wins.
        const std::vector<planned_batch> second{{{abort_record}, 9, marker_attributes},  // 4
                                                {{{"k", "v3"}}, 10, transactional},      // 5: open
                                                {{{"tail", "t"}}}};                      // 6
        co_await append_each(log, clock, second);
        const std::vector<aborted_transaction> aborted{{9, 1, 4}};
        report = co_await compact_knowing(log, 5, aborted);
        EXPECT_EQ(report.records_removed, 2u);  // k=v0, k=v1
        EXPECT_EQ(report.clean_offset, 5);
        const std::vector<std::int64_t> cleaned{2, 3, 4, 5, 6};
        EXPECT_EQ(offsets_of(co_await stamped_records(log)), cleaned);
        // Producer 10 commits: its k=v3 now supersedes k=v2.
        const std::vector<planned_batch> third{{{commit_record}, 10, marker_attributes},  // 7
                                               {{{"end", "e"}}}};                         // 8
        co_await append_each(log, clock, third);
        report = co_await compact_knowing(log, 9, aborted);
        EXPECT_EQ(report.records_removed, 1u);  // k=v2
        const std::map<std::string, std::string> expected{
            {"k", "v3"}, {"active", "a"}, {"tail", "t"}, {"end", "e"}};
        EXPECT_EQ(co_await latest_values(log), expected);
    };
    with_log(test);
}

TEST_F(compactor, small_cleaned_segments_are_grouped_up_to_segment_bytes) {
    options.config.segment_ms = 1000;
    auto test = [&](partition_log& log) -> task<void> {
        for (int i = 0; i < 10; ++i) {
            const auto key = "k" + std::to_string(i);
            auto batch = own_segment_batch(clock, {{key, "v"}});
            EXPECT_TRUE(co_await log.append(batch));
        }
        EXPECT_EQ(log.segment_count(), 10u);
        const auto segment_size = log.segments().front()->size_bytes();
        // Three segments fit in segment.bytes, four do not: nine inactive ones, three groups.
        auto smaller = log.config();
        smaller.segment_bytes = 3 * segment_size + 1;
        EXPECT_TRUE(log.reconfigure(smaller));
        const auto before = co_await read_everything(log);
        auto report = co_await compact_now(log);
        EXPECT_TRUE(report.ran);
        EXPECT_EQ(report.records_removed, 0u);
        EXPECT_EQ(report.segments_rewritten, 3u);
        EXPECT_EQ(report.segments_removed, 6u);
        EXPECT_EQ(log.segment_count(), 4u);
        std::vector<std::int64_t> bases;
        for (const auto& segment : log.segments()) bases.push_back(segment->base_offset());
        EXPECT_EQ(bases, (std::vector<std::int64_t>{0, 3, 6, 9}));
        EXPECT_EQ(files_with(partition_dir(), ".log").size(), 4u);
        EXPECT_EQ(files_with(partition_dir(), ".index").size(), 4u);
        auto after = co_await read_everything(log);
        EXPECT_TRUE(after.valid);
        EXPECT_EQ(after.records, before.records);
        // Reads by offset inside a group find their batch through the new index.
        auto middle = co_await log.read(7, 1);
        EXPECT_TRUE(middle && middle->first_offset == 7);
    };
    with_log(test);
    auto reopened = [&](partition_log& log) -> task<void> {
        EXPECT_EQ(log.segment_count(), 4u);
        auto back = co_await read_everything(log);
        EXPECT_TRUE(back.valid);
        EXPECT_EQ(back.records.size(), 10u);
    };
    with_log(reopened);
}

// A crash at each point of a group's swap: reopening finishes or discards it. The group holds
// twelve keyed segments and a keyless one whose record goes, so the .swap's offsets end before
// that last member: left by a crash, it stays with its old record (consistent, less clean).
TEST_F(compactor, a_crash_mid_swap_of_a_group_leaves_a_consistent_log) {
    options.config.segment_ms = 1000;
    options.config.segment_bytes = 4000;  // the fourteen segments are one group
    int round = 0;
    for (auto point : {cleaner_crash_point::after_cleaned, cleaner_crash_point::after_swap,
                       cleaner_crash_point::after_members_removed,
                       cleaner_crash_point::after_replace}) {
        SCOPED_TRACE("crash point " + std::to_string(static_cast<int>(point)));
        options.data_dir = dir.path() + "/" + std::to_string(round++);
        std::map<std::string, std::string> latest;
        auto crash = [&](partition_log& log) -> task<void> {
            for (int i = 0; i < 12; ++i) {
                const auto key = "k" + std::to_string(i % 3);
                const auto value = "v" + std::to_string(i);
                auto batch = own_segment_batch(clock, {{key, value}});
                EXPECT_TRUE(co_await log.append(batch));
                latest[key] = value;
            }
            auto keyless = own_segment_batch(clock, {{std::nullopt, "keyless"}});
            EXPECT_TRUE(co_await log.append(keyless));
            auto active = own_segment_batch(clock, {{"active", "a"}});
            EXPECT_TRUE(co_await log.append(active));
            latest["active"] = "a";
            co_await compact_and_crash(log, point);
        };
        with_log(crash);
        auto reopened = [&](partition_log& log) -> task<void> {
            auto back = co_await read_after_crash(log, partition_dir(), latest);
            // Before the swap: as written. After it, before the members went: the group, the
            // keyless segment (not covered by the .swap's offsets), the active one. After:
            // the group and the active one.
            const std::size_t segments = point == cleaner_crash_point::after_cleaned ? 14
                                         : point == cleaner_crash_point::after_swap  ? 3
                                                                                     : 2;
            EXPECT_EQ(log.segment_count(), segments);
            co_await compact_now(log);
            back = co_await read_everything(log);
            EXPECT_TRUE(back.valid);
            std::vector<std::int64_t> offsets;
            for (const auto& record : back.records) offsets.push_back(record.offset);
            EXPECT_EQ(offsets, (std::vector<std::int64_t>{9, 10, 11, 13}));
            EXPECT_EQ(log.segment_count(), 2u);
        };
        with_log(reopened);
    }
}

// What the model knows of the log: every record appended, and for tombstones the time of the
// first clean that covered them (it set their delete horizon), or that may have (a pass that
// crashed part-way).
struct compaction_model {
    std::vector<read_record> appended;
    std::map<std::int64_t, std::int64_t> tombstone_covered_ms;
    std::map<std::int64_t, std::int64_t> tombstone_maybe_covered_ms;
    std::int64_t last_clean_ms = -1;    // the last pass that completed
    std::int64_t last_attempt_ms = -1;  // the last pass, completed or crashed
    std::int64_t delete_retention_ms = 0;

    void cover(std::map<std::int64_t, std::int64_t>& covered, std::int64_t below,
               std::int64_t now_ms) {
        for (const auto& record : appended) {
            if (!record.value && record.offset < below) covered.try_emplace(record.offset, now_ms);
        }
    }
    void cleaned(std::int64_t cleaner_offset, std::int64_t now_ms) {
        last_clean_ms = last_attempt_ms = now_ms;
        cover(tombstone_covered_ms, cleaner_offset, now_ms);
        cover(tombstone_maybe_covered_ms, cleaner_offset, now_ms);
    }
    // A pass over the segments below `active_base` stopped by a crash.
    void crashed(std::int64_t active_base, std::int64_t now_ms) {
        last_attempt_ms = now_ms;
        cover(tombstone_maybe_covered_ms, active_base, now_ms);
    }
    // A completed pass ran at or after the tombstone's horizon: it is gone.
    bool tombstone_must_be_gone(std::int64_t offset) const {
        auto covered = tombstone_covered_ms.find(offset);
        return covered != tombstone_covered_ms.end() &&
               last_clean_ms >= covered->second + delete_retention_ms;
    }
    // A pass (maybe crashed) ran at or after the earliest horizon it may have.
    bool tombstone_may_be_gone(std::int64_t offset) const {
        auto covered = tombstone_maybe_covered_ms.find(offset);
        return covered != tombstone_maybe_covered_ms.end() &&
               last_attempt_ms >= covered->second + delete_retention_ms;
    }

    // Every record served was appended with the same content; a record below the cleaner
    // offset is served only if it is the latest of its key there, and a tombstone there only
    // before its horizon; every latest record of a key is served (a tombstone until a clean
    // after its horizon).
    void check(const read_back& back, std::int64_t cleaner_offset) const {
        std::map<std::int64_t, const read_record*> by_offset;
        std::map<std::string, std::int64_t> latest;
        std::map<std::string, std::int64_t> latest_cleaned;
        for (const auto& record : appended) {
            by_offset[record.offset] = &record;
            latest[*record.key] = record.offset;
            if (record.offset < cleaner_offset) latest_cleaned[*record.key] = record.offset;
        }
        std::set<std::int64_t> served;
        for (const auto& record : back.records) {
            served.insert(record.offset);
            auto found = by_offset.find(record.offset);
            EXPECT_NE(found, by_offset.end());
            if (found == by_offset.end()) continue;
            EXPECT_EQ(record, *found->second);
            if (record.offset >= cleaner_offset) continue;
            EXPECT_EQ(latest_cleaned[*record.key], record.offset)
                << "a shadowed record is served at " << record.offset;
            if (!record.value) {
                EXPECT_FALSE(tombstone_must_be_gone(record.offset))
                    << "a tombstone past its horizon is served at " << record.offset;
            }
        }
        for (const auto& [key, offset] : latest) {
            if (by_offset[offset]->value || !tombstone_may_be_gone(offset)) {
                EXPECT_TRUE(served.contains(offset)) << key << " at " << offset;
            }
        }
    }
};

std::uint32_t model_seed() {
    // LAMINAR_TEST_SEED=<seed> replays a run.
    const char* fixed = std::getenv("LAMINAR_TEST_SEED");
    return fixed != nullptr ? static_cast<std::uint32_t>(std::strtoul(fixed, nullptr, 10))
                            : std::random_device{}();
}

// Random keys, values and tombstones; appends interleaved with clock steps (small segments
// rolled by segment.ms, which the cleaner groups; tombstone horizons passing), cleans, cleans
// that crash at a random point of a swap (then a restart), and reopens; after each step the
// log is checked against compaction_model.
TEST_F(compactor, model_of_random_appends_cleans_and_reopens) {
    const auto seed = model_seed();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::printf("compactor model seed %u\n", seed);
    options.config.segment_bytes = 400;
    options.config.segment_ms = 20 * 60'000;
    options.config.delete_retention_ms = hour_ms;
    compaction_report totals;
    auto body = [&]() -> task<void> {
        std::mt19937 random(seed);
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        std::unique_ptr<partition_log> log = std::move(*opened);
        compaction_model model;
        model.delete_retention_ms = hour_ms;
        int crashes = 0;
        for (int step = 0; step < 400; ++step) {
            const auto action = random() % 20;
            if (action < 14) {
                const int count = 1 + static_cast<int>(random() % 3);
                std::vector<test_record> records;
                for (int i = 0; i < count; ++i) {
                    const auto key = "key" + std::to_string(random() % 12);
                    std::optional<std::string> value;
                    if (random() % 5 != 0) {
                        value = "v" + std::to_string(step) + "." + std::to_string(i);
                    }
                    records.push_back({key, value});
                }
                const auto codec = static_cast<compression_codec>(random() % 5);
                auto batch = keyed_batch(records, clock.now_ms(), codec);
                auto done = co_await log->append(batch);
                EXPECT_TRUE(done);
                if (!done) co_return;
                for (std::size_t i = 0; i < records.size(); ++i) {
                    model.appended.push_back({done->base_offset + static_cast<std::int64_t>(i),
                                              records[i].key, records[i].value});
                }
            } else if (action < 16 || (action < 17 && random() % 2 == 0)) {
                auto report = co_await compact_now(*log);
                if (report.ran) model.cleaned(log->cleaner_offset(), clock.now_ms());
                totals.records_removed += report.records_removed;
                totals.tombstones_removed += report.tombstones_removed;
                totals.horizons_set += report.horizons_set;
                totals.segments_merged += report.segments_merged;
            } else if (action < 17) {
                // A pass that dies at a random point of a swap, then a restart.
                const auto point = static_cast<cleaner_crash_point>(1 + random() % 4);
                model.crashed(log->active_segment().base_offset(), clock.now_ms());
                cleaner_budget budget;
                compaction_options crashing;
                crashing.force = true;
                crashing.crash_at = point;
                auto report = co_await log->compact(crashing, budget);
                if (!report) {
                    ++crashes;
                    log.reset();  // as a killed process: no close()
                }
                if (log) {
                    EXPECT_TRUE(co_await log->close());
                }
                auto again = co_await partition_log::open(options);
                EXPECT_TRUE(again);
                if (!again) co_return;
                log = std::move(*again);
            } else if (action < 18) {
                clock.advance(random() % (30 * 60'000));
            } else if (action < 19) {
                clock.advance(random() % (2 * hour_ms));
            } else {
                EXPECT_TRUE(co_await log->close());
                auto again = co_await partition_log::open(options);
                EXPECT_TRUE(again);
                if (!again) co_return;
                log = std::move(*again);
            }
            auto back = co_await read_everything(*log);
            EXPECT_TRUE(back.valid);
            model.check(back, log->cleaner_offset());
            if (::testing::Test::HasFailure()) co_return;
        }
        EXPECT_TRUE(co_await log->close());
        std::printf("%d passes crashed part-way\n", crashes);
    };
    run_on_reactor(body);
    std::printf("removed %llu records (%llu tombstones), set %llu horizons, merged %llu segments\n",
                static_cast<unsigned long long>(totals.records_removed),
                static_cast<unsigned long long>(totals.tombstones_removed),
                static_cast<unsigned long long>(totals.horizons_set),
                static_cast<unsigned long long>(totals.segments_merged));
    EXPECT_GT(totals.records_removed, 100u);  // the cleans did clean
    EXPECT_GT(totals.horizons_set, 0u);
    EXPECT_GT(totals.segments_merged, 0u);
}

// What the transaction model knows of the log: every data record with its transaction (-1:
// not transactional), every transaction with its first offset, its marker and its outcome.
struct transaction_model {
    struct transaction {
        std::int64_t producer = -1;
        std::int64_t first_offset = 0;
        std::int64_t marker_offset = -1;  // -1: still open
        bool aborted = false;
    };
    std::vector<read_record> appended;
    std::map<std::int64_t, std::size_t> transaction_of;  // offset -> index in transactions
    std::vector<transaction> transactions;
    std::map<std::int64_t, std::size_t> open;  // producer -> its open transaction

    bool open_at(std::int64_t offset) const {
        auto found = transaction_of.find(offset);
        return found != transaction_of.end() && transactions[found->second].marker_offset < 0;
    }
    bool aborted_at(std::int64_t offset) const {
        auto found = transaction_of.find(offset);
        return found != transaction_of.end() && transactions[found->second].aborted;
    }
    // What the broker's producer state would tell the cleaner.
    compaction_options options() const {
        compaction_options out;
        out.force = true;
        for (const auto& [producer, index] : open) {
            out.stable_end = std::min(out.stable_end, transactions[index].first_offset);
        }
        for (const auto& txn : transactions) {
            if (txn.aborted)
                out.aborted.push_back({txn.producer, txn.first_offset, txn.marker_offset});
        }
        return out;
    }

    // Every record served was appended with the same content; below the cleaner offset no
    // aborted record is served and a served record is the latest of its key that was not
    // aborted; the latest record of each key outside aborted and open transactions is served,
    // and so is every record of an open transaction; a marker is served while a record of its
    // transaction is.
    void check(const read_back& back, std::int64_t cleaner_offset) const {
        std::map<std::int64_t, const read_record*> by_offset;
        std::map<std::string, std::int64_t> latest_decided;
        std::map<std::string, std::int64_t> latest_cleaned;
        for (const auto& record : appended) {
            by_offset[record.offset] = &record;
            if (aborted_at(record.offset)) continue;
            if (!open_at(record.offset)) latest_decided[*record.key] = record.offset;
            if (record.offset < cleaner_offset) latest_cleaned[*record.key] = record.offset;
        }
        std::set<std::int64_t> served;
        for (const auto& record : back.records) {
            served.insert(record.offset);
            auto found = by_offset.find(record.offset);
            EXPECT_NE(found, by_offset.end());
            if (found == by_offset.end()) continue;
            EXPECT_EQ(record, *found->second);
            if (record.offset >= cleaner_offset) continue;
            EXPECT_FALSE(aborted_at(record.offset))
                << "an aborted record below the cleaner offset is served at " << record.offset;
            EXPECT_FALSE(open_at(record.offset))
                << "an open transaction below the cleaner offset at " << record.offset;
            EXPECT_EQ(latest_cleaned[*record.key], record.offset)
                << "a shadowed record is served at " << record.offset;
        }
        for (const auto& [key, offset] : latest_decided) {
            EXPECT_TRUE(served.contains(offset)) << key << " at " << offset;
        }
        std::set<std::int64_t> markers;
        for (const auto& batch : back.batches) {
            if (batch.is_control()) markers.insert(batch.base_offset);
        }
        for (const auto& [offset, index] : transaction_of) {
            const auto& txn = transactions[index];
            if (txn.marker_offset < 0) {
                EXPECT_TRUE(served.contains(offset)) << "open transaction record at " << offset;
            } else if (served.contains(offset)) {
                EXPECT_TRUE(markers.contains(txn.marker_offset))
                    << "the marker at " << txn.marker_offset << " went before its record at "
                    << offset;
            }
        }
    }
};

// Random plain records and transactions of three producers (committed, aborted, left open)
// with cleans told of the last stable offset and the aborted transactions (as the broker tells
// them), cleans that crash part-way, reopens and clock steps (delete horizons of markers
// passing); after each step the log is checked against transaction_model. At the end every
// transaction is closed and the markers' horizons pass: aborted records and empty
// transactions' markers are gone.
TEST_F(compactor, model_of_random_transactions_cleans_and_reopens) {
    const auto seed = model_seed();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::printf("compactor transaction model seed %u\n", seed);
    options.config.segment_bytes = 400;
    options.config.segment_ms = 20 * 60'000;
    options.config.delete_retention_ms = hour_ms;
    compaction_report totals;
    auto body = [&]() -> task<void> {
        std::mt19937 random(seed);
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        std::unique_ptr<partition_log> log = std::move(*opened);
        transaction_model model;
        auto add = [&](std::vector<std::byte>& batch) -> task<std::int64_t> {
            auto done = co_await log->append(batch);
            EXPECT_TRUE(done);
            co_return done ? done->base_offset : -1;
        };
        auto clean = [&]() -> task<void> {
            cleaner_budget budget;
            const auto knowing = model.options();
            auto report = co_await log->compact(knowing, budget);
            EXPECT_TRUE(report);
            if (!report) co_return;
            totals.records_removed += report->records_removed;
            totals.markers_removed += report->markers_removed;
            totals.horizons_set += report->horizons_set;
        };
        auto end_transaction = [&](std::int64_t producer, bool abort) -> task<void> {
            auto batch = keyed_batch({abort ? abort_record : commit_record}, clock.now_ms(),
                                     compression_codec::none, producer, marker_attributes);
            const auto offset = co_await add(batch);
            auto& txn = model.transactions[model.open.at(producer)];
            txn.marker_offset = offset;
            txn.aborted = abort;
            model.open.erase(producer);
        };
        for (int step = 0; step < 400; ++step) {
            const auto action = random() % 20;
            if (action < 12) {
                // Plain records (action < 6) or a batch of one producer's transaction.
                const std::int64_t producer =
                    action < 6 ? -1 : static_cast<std::int64_t>(1 + random() % 3);
                std::vector<test_record> records;
                const int count = 1 + static_cast<int>(random() % 3);
                for (int i = 0; i < count; ++i) {
                    records.push_back({"key" + std::to_string(random() % 8),
                                       "v" + std::to_string(step) + "." + std::to_string(i)});
                }
                const auto codec = static_cast<compression_codec>(random() % 5);
                auto batch = keyed_batch(records, clock.now_ms(), codec, producer,
                                         producer < 0 ? 0 : transactional);
                const auto base = co_await add(batch);
                if (base < 0) co_return;
                if (producer >= 0 && !model.open.contains(producer)) {
                    model.open[producer] = model.transactions.size();
                    model.transactions.push_back({producer, base});
                }
                for (std::size_t i = 0; i < records.size(); ++i) {
                    const auto offset = base + static_cast<std::int64_t>(i);
                    model.appended.push_back({offset, records[i].key, records[i].value});
                    if (producer >= 0) model.transaction_of[offset] = model.open.at(producer);
                }
            } else if (action < 14) {
                if (model.open.empty()) continue;
                auto chosen = model.open.begin();
                std::advance(chosen, static_cast<long>(random() % model.open.size()));
                co_await end_transaction(chosen->first, random() % 2 == 0);
            } else if (action < 16) {
                co_await clean();
            } else if (action < 17) {
                const auto point = static_cast<cleaner_crash_point>(1 + random() % 4);
                cleaner_budget budget;
                auto crashing = model.options();
                crashing.crash_at = point;
                auto report = co_await log->compact(crashing, budget);
                if (!report) log.reset();  // as a killed process: no close()
                if (log) {
                    EXPECT_TRUE(co_await log->close());
                }
                auto again = co_await partition_log::open(options);
                EXPECT_TRUE(again);
                if (!again) co_return;
                log = std::move(*again);
            } else if (action < 18) {
                clock.advance(random() % (30 * 60'000));
            } else if (action < 19) {
                clock.advance(random() % (2 * hour_ms));
            } else {
                EXPECT_TRUE(co_await log->close());
                auto again = co_await partition_log::open(options);
                EXPECT_TRUE(again);
                if (!again) co_return;
                log = std::move(*again);
            }
            auto back = co_await read_everything(*log);
            EXPECT_TRUE(back.valid);
            model.check(back, log->cleaner_offset());
            if (::testing::Test::HasFailure()) co_return;
        }
        // Every transaction ends; three rounds of (a roll past the log end, a clean, the
        // horizon passing): one drops the aborted data, the next gives empty transactions'
        // markers a horizon, the last removes them.
        while (!model.open.empty()) {
            co_await end_transaction(model.open.begin()->first, true);
        }
        for (int round = 0; round < 3; ++round) {
            clock.advance(2 * hour_ms);
            auto batch = keyed_batch({{"roll", "r"}}, clock.now_ms());
            const auto offset = co_await add(batch);
            model.appended.push_back({offset, "roll", "r"});
            co_await clean();
        }
        auto back = co_await read_everything(*log);
        EXPECT_TRUE(back.valid);
        model.check(back, log->cleaner_offset());
        for (const auto& record : back.records) {
            EXPECT_FALSE(model.aborted_at(record.offset)) << record.offset;
        }
        std::size_t markers = 0;
        for (const auto& batch : back.batches) markers += batch.is_control() ? 1 : 0;
        std::size_t with_data = 0;  // committed transactions with a record left
        std::set<std::int64_t> served;
        for (const auto& record : back.records) served.insert(record.offset);
        for (std::size_t index = 0; index < model.transactions.size(); ++index) {
            for (const auto& [offset, owner] : model.transaction_of) {
                if (owner == index && served.contains(offset)) {
                    ++with_data;
                    break;
                }
            }
        }
        EXPECT_EQ(markers, with_data);  // the markers of empty transactions went
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
    std::printf("%zu removed records, %zu removed markers, %zu horizons\n",
                static_cast<std::size_t>(totals.records_removed),
                static_cast<std::size_t>(totals.markers_removed),
                static_cast<std::size_t>(totals.horizons_set));
    EXPECT_GT(totals.records_removed, 50u);
    EXPECT_GT(totals.markers_removed, 0u);
}

}  // namespace
}  // namespace laminar::storage::testing
