// Compaction of a partition log (storage/compactor.cpp): each rule on its own, compressed
// batches, crash points mid-swap, reads in flight, the cleaner offset checkpoint, and a model
// test (random keys, values and tombstones, appends interleaved with cleans, reopens).
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

task<compaction_report> compact_now(partition_log& log, bool force = true) {
    cleaner_budget budget;
    compaction_options options;
    options.force = force;
    auto report = co_await log.compact(options, budget);
    EXPECT_TRUE(report);
    co_return report ? *report : compaction_report{};
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
        for (int i = 0; i < 4; ++i) {
            const auto key = "k" + std::to_string(i);
            co_await append_record(log, key, "v", start_ms);
        }
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
        for (int i = 0; i < 4; ++i) {
            const auto value = std::to_string(i);
            co_await append_record(log, "k", value, start_ms);
        }
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
            cleaner_budget budget;
            compaction_options crashing;
            crashing.force = true;
            crashing.crash_at = point;
            auto report = co_await log.compact(crashing, budget);
            EXPECT_FALSE(report);
            EXPECT_TRUE(log.failed());  // dropped without close(), as a killed process
        };
        with_log(crash);
        auto reopened = [&](partition_log& log) -> task<void> {
            EXPECT_TRUE(files_with(partition_dir(), cleaned_suffix).empty());
            EXPECT_TRUE(files_with(partition_dir(), swap_suffix).empty());
            auto back = co_await read_everything(log);
            EXPECT_TRUE(back.valid);
            std::map<std::string, std::string> seen;
            for (const auto& record : back.records) seen[*record.key] = *record.value;
            EXPECT_EQ(seen, latest);
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
        for (int i = 0; i < 6; ++i) {
            const auto value = std::to_string(i);
            co_await append_record(log, "k", value, start_ms);
        }
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

// Random keys, values and tombstones; appends interleaved with cleans and reopens. After each
// clean, the cleaned part holds exactly the model's latest record per key among records below
// the cleaner offset that are not shadowed later, and the rest is untouched.
TEST_F(compactor, model_of_random_appends_cleans_and_reopens) {
    const auto seed = std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::printf("compactor model seed %u\n", seed);
    auto body = [&]() -> task<void> {
        std::mt19937 random(seed);
        options.config.segment_bytes = 400;
        options.config.delete_retention_ms = hour_ms;
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        std::unique_ptr<partition_log> log = std::move(*opened);
        // Every record ever appended, by offset.
        std::vector<read_record> appended;
        std::uint64_t removed = 0;
        for (int step = 0; step < 300; ++step) {
            const auto action = random() % 20;
            if (action < 15) {
                const int count = 1 + static_cast<int>(random() % 3);
                std::vector<test_record> records;
                for (int i = 0; i < count; ++i) {
                    const auto key = "key" + std::to_string(random() % 12);
                    std::optional<std::string> value;
                    if (random() % 5 != 0) value = "v" + std::to_string(step) + "." +
                                                   std::to_string(i);
                    records.push_back({key, value});
                }
                const auto codec = static_cast<compression_codec>(random() % 5);
                auto batch = keyed_batch(records, clock.now_ms(), codec);
                auto done = co_await log->append(batch);
                EXPECT_TRUE(done);
                if (!done) co_return;
                for (int i = 0; i < count; ++i) {
                    appended.push_back({done->base_offset + i, records[static_cast<std::size_t>(i)].key,
                                        records[static_cast<std::size_t>(i)].value});
                }
            } else if (action < 18) {
                auto report = co_await compact_now(*log);
                removed += report.records_removed;
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
            // Check: every record served was appended with the same content; every latest
            // record of a key (not a tombstone) is served; a record below the cleaner offset
            // is served only if it is the latest of its key within the mapped range.
            std::map<std::int64_t, const read_record*> by_offset;
            for (const auto& record : appended) by_offset[record.offset] = &record;
            std::map<std::string, std::int64_t> latest;
            std::map<std::string, std::int64_t> latest_cleaned;  // below the cleaner offset
            for (const auto& record : appended) {
                latest[*record.key] = record.offset;
                if (record.offset < log->cleaner_offset()) {
                    latest_cleaned[*record.key] = record.offset;
                }
            }
            for (const auto& record : back.records) {
                auto found = by_offset.find(record.offset);
                EXPECT_NE(found, by_offset.end());
                if (found == by_offset.end()) continue;
                EXPECT_EQ(record, *found->second);
                if (record.offset < log->cleaner_offset()) {
                    EXPECT_EQ(latest_cleaned[*record.key], record.offset)
                        << "a shadowed record is served at " << record.offset;
                }
            }
            std::set<std::int64_t> served;
            for (const auto& record : back.records) served.insert(record.offset);
            for (const auto& [key, offset] : latest) {
                if (by_offset[offset]->value) {
                    EXPECT_TRUE(served.contains(offset)) << key << " at " << offset;
                }
            }
            if (::testing::Test::HasFailure()) co_return;
        }
        EXPECT_GT(removed, 100u);  // the cleans did clean
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

}  // namespace
}  // namespace laminar::storage::testing
