#include "storage/partition_log.h"

#include <algorithm>
#include <cstdio>

#include <gtest/gtest.h>

#include "storage/checkpoint.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

std::string segment_path(const partition_log& log, std::int64_t base, std::string_view suffix) {
    return log.dir() + "/" + segment_file_name(base, suffix);
}

TEST(partition_log, lays_out_segments_as_kafka) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    auto log = open_log(options);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->dir(), dir.path() + "/events-3");
    EXPECT_EQ(segment_file_name(0, log_suffix), "00000000000000000000.log");
    EXPECT_EQ(segment_file_name(1234567, index_suffix), "00000000000001234567.index");
    EXPECT_EQ(parse_segment_file_name("00000000000001234567.timeindex", time_index_suffix),
              1234567);
    EXPECT_FALSE(parse_segment_file_name("0000000000000123456.log", log_suffix));
    EXPECT_FALSE(parse_segment_file_name("0000000000000123456x.log", log_suffix));
    for (auto suffix : {log_suffix, index_suffix, time_index_suffix}) {
        EXPECT_TRUE(std::filesystem::exists(segment_path(*log, 0, suffix))) << suffix;
    }
    auto body = [&]() -> task<void> { EXPECT_TRUE(co_await log->close()); };
    run_on_reactor(body);
}

TEST(partition_log, append_assigns_offsets_in_call_order) {
    temporary_directory dir;
    auto log = open_log(options_in(dir.path()));
    ASSERT_TRUE(log);
    std::vector<std::vector<std::byte>> batches;
    for (int i = 0; i < 20; ++i) batches.push_back(make_batch(1 + i % 3, 100, 1000 + i, i));
    std::vector<append_result> results(batches.size());
    int finished = 0;
    auto one = [&](std::size_t i) -> task<void> {
        auto appended = co_await log->append(batches[i]);
        EXPECT_TRUE(appended);
        if (appended) results[i] = *appended;
        ++finished;
    };
    auto body = [&]() -> task<void> {
        for (std::size_t i = 0; i < batches.size(); ++i) reactor::current().spawn(one(i));
        while (finished < static_cast<int>(batches.size())) co_await io::yield();
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
    std::int64_t next = 0;
    for (std::size_t i = 0; i < batches.size(); ++i) {
        EXPECT_EQ(results[i].base_offset, next) << i;
        EXPECT_EQ(results[i].last_offset, next + i % 3) << i;
        EXPECT_EQ(results[i].log_append_time_ms, -1);
        auto header = validate_record_batch(batches[i], 1 << 20);
        ASSERT_TRUE(header);
        EXPECT_EQ(header->base_offset, next);  // rewritten in place, CRC still valid
        next = results[i].last_offset + 1;
    }
    EXPECT_EQ(log->log_end_offset(), next);
    // The file holds the batches back to back, as appended.
    auto file = read_file(segment_path(*log, 0, log_suffix));
    std::vector<std::byte> expected;
    for (auto& batch : batches) expected.insert(expected.end(), batch.begin(), batch.end());
    EXPECT_EQ(file, expected);
}

TEST(partition_log, stamps_log_append_time) {
    temporary_directory dir;
    manual_clock clock(5'000'000);
    auto options = options_in(dir.path(), &clock);
    options.config.message_timestamp_type = timestamp_type::log_append_time;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto batch = make_batch(2, 50, 1000, 1);
    auto body = [&]() -> task<void> {
        auto appended = co_await log->append(batch);
        EXPECT_TRUE(appended);
        EXPECT_EQ(appended->log_append_time_ms, 5'000'000);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
    auto header = validate_record_batch(batch, 1 << 20);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->time_type(), timestamp_type::log_append_time);
    EXPECT_EQ(header->max_timestamp, 5'000'000);
}

TEST(partition_log, rejects_invalid_batches) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.max_message_bytes = 1000;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        auto damaged = make_batch(1, 100, 1, 1);
        damaged[70] ^= std::byte{1};
        auto appended = co_await log->append(damaged);
        EXPECT_EQ(appended.error(), errc::invalid_batch);
        auto large = make_batch(1, 2000, 1, 1);
        appended = co_await log->append(large);
        EXPECT_EQ(appended.error(), errc::batch_too_large);
        auto two = make_batch(1, 10, 1, 1);
        auto second = make_batch(1, 10, 1, 2);
        two.insert(two.end(), second.begin(), second.end());
        appended = co_await log->append(two);
        EXPECT_EQ(appended.error(), errc::invalid_batch);
        auto sparse = make_batch(3, 10, 1, 1);
        store_be<std::int32_t>(sparse.data() + layout::last_offset_delta, 7);
        store_be<std::uint32_t>(sparse.data() + layout::crc, compute_record_batch_crc(sparse));
        appended = co_await log->append(sparse);
        EXPECT_EQ(appended.error(), errc::invalid_batch);
        EXPECT_EQ(log->log_end_offset(), 0);
        EXPECT_TRUE(co_await log->close());
        auto late = make_batch(1, 10, 1, 1);
        appended = co_await log->append(late);
        EXPECT_EQ(appended.error(), errc::closed);
    };
    run_on_reactor(body);
}

TEST(partition_log, preallocates_in_extents_and_rolls_on_segment_bytes) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 100'000;
    options.config.preallocate_extent_bytes = 16'384;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        auto batch = make_batch(1, 939, 1, 1);  // 1000 bytes
        auto appended = co_await log->append(batch);
        EXPECT_TRUE(appended);
        EXPECT_EQ(file_size(segment_path(*log, 0, log_suffix)), 16'384u);
        EXPECT_EQ(log->active_segment().size_bytes(), 1000u);
        for (int i = 1; i < 17; ++i) {
            auto more = make_batch(1, 939, 1, i);
            EXPECT_TRUE(co_await log->append(more));
        }
        EXPECT_EQ(file_size(segment_path(*log, 0, log_suffix)), 32'768u);
        for (int i = 17; i < 250; ++i) {
            auto more = make_batch(1, 939, 1, i);
            EXPECT_TRUE(co_await log->append(more));
        }
        EXPECT_EQ(log->segment_count(), 3u);
        // A rolled segment is trimmed to its batches at once; its seal (fdatasync, index files,
        // then the recovery point) runs off the append path, and flush() waits for it.
        EXPECT_EQ(file_size(segment_path(*log, 100, log_suffix)), 100'000u);
        EXPECT_TRUE(co_await log->flush());
        EXPECT_EQ(file_size(segment_path(*log, 0, log_suffix)), 100'000u);
        EXPECT_EQ(log->segments()[1]->base_offset(), 100);
        EXPECT_EQ(log->recovery_point(), 200);
        EXPECT_GT(file_size(segment_path(*log, 0, index_suffix)), 0u);
        EXPECT_EQ(file_size(segment_path(*log, 0, index_suffix)) % offset_index_entry_bytes, 0u);
        EXPECT_EQ(file_size(segment_path(*log, 0, time_index_suffix)) % time_index_entry_bytes,
                  0u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
    EXPECT_EQ(file_size(segment_path(*log, 200, log_suffix)), 50'000u);  // trimmed at close
}

// With large extents a new segment reserves 64 KiB, then doubles its reservation each step up to
// the extent: idle partitions cost little disk, busy ones reach whole extents quickly.
TEST(partition_log, reservations_grow_from_64_kib_to_the_extent) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 64ull << 20;
    options.config.preallocate_extent_bytes = 4ull << 20;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        const auto path = segment_path(*log, 0, log_suffix);
        auto batch = make_batch(1, 939, 1, 1);  // 1000 bytes
        EXPECT_TRUE(co_await log->append(batch));
        EXPECT_EQ(file_size(path), 64u << 10);
        std::uint64_t written = 1000;
        std::vector<std::uint64_t> sizes{file_size(path)};
        for (int i = 2; written < (12u << 20); ++i) {
            auto more = make_batch(1, 64'939, 1, i);  // 65,000 bytes
            EXPECT_TRUE(co_await log->append(more));
            written += 65'000;
            if (file_size(path) != sizes.back()) sizes.push_back(file_size(path));
        }
        // 64K, 128K, 256K ... 4M, then whole 4 MiB extents.
        const std::vector<std::uint64_t> expected{64u << 10, 128u << 10, 256u << 10, 512u << 10,
                                                  1u << 20,  2u << 20,   4u << 20,   8u << 20,
                                                  12u << 20, 16u << 20};
        EXPECT_EQ(sizes, expected);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST(partition_log, rolls_on_segment_ms) {
    temporary_directory dir;
    manual_clock clock(1'000'000);
    auto options = options_in(dir.path(), &clock);
    options.config.segment_ms = 60'000;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        auto first = make_batch(1, 10, 1, 1);
        EXPECT_TRUE(co_await log->append(first));
        clock.advance(59'999);
        auto second = make_batch(1, 10, 1, 2);
        EXPECT_TRUE(co_await log->append(second));
        EXPECT_EQ(log->segment_count(), 1u);
        clock.advance(1);
        auto third = make_batch(1, 10, 1, 3);
        EXPECT_TRUE(co_await log->append(third));
        EXPECT_EQ(log->segment_count(), 2u);
        EXPECT_EQ(log->active_segment().base_offset(), 2);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST(partition_log, reads_whole_batches_by_offset) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.index_interval_bytes = 512;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    std::vector<std::vector<std::byte>> batches;
    std::vector<std::uint64_t> positions;
    std::uint64_t position = 0;
    for (int i = 0; i < 200; ++i) {
        batches.push_back(make_batch(5, 40 + (i * 37) % 300, 1000 + i, i));
        positions.push_back(position);
        position += batches.back().size();
    }
    auto body = [&]() -> task<void> {
        for (auto& batch : batches) EXPECT_TRUE(co_await log->append(batch));
        for (std::int64_t offset : {0, 1, 4, 5, 333, 998, 999}) {
            auto read = co_await log->read(offset, 2000);
            EXPECT_TRUE(read);
            if (!read) continue;
            const std::size_t first = static_cast<std::size_t>(offset / 5);
            EXPECT_EQ(read->first_offset, static_cast<std::int64_t>(first * 5));
            EXPECT_EQ(read->range.position, positions[first]);
            // Whole batches, as many as fit in max_bytes.
            std::size_t last = first;
            std::uint64_t length = batches[first].size();
            while (last + 1 < batches.size() && length + batches[last + 1].size() <= 2000) {
                length += batches[++last].size();
            }
            EXPECT_EQ(read->range.length, length) << offset;
            std::vector<std::byte> expected;
            for (std::size_t i = first; i <= last; ++i) {
                expected.insert(expected.end(), batches[i].begin(), batches[i].end());
            }
            EXPECT_EQ(bytes_of(read->range), expected);
        }
        // At least one batch even when it exceeds max_bytes.
        auto small = co_await log->read(10, 1);
        EXPECT_TRUE(small);
        EXPECT_EQ(small->range.length, batches[2].size());
        auto at_end = co_await log->read(1000, 100);
        EXPECT_TRUE(at_end);
        EXPECT_EQ(at_end->range.length, 0u);
        auto past_end = co_await log->read(1001, 100);
        EXPECT_EQ(past_end.error(), errc::offset_out_of_range);
        auto negative = co_await log->read(-1, 100);
        EXPECT_EQ(negative.error(), errc::offset_out_of_range);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST(partition_log, reads_across_segments_and_by_timestamp) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 4096;
    options.config.index_interval_bytes = 300;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        for (int i = 0; i < 100; ++i) {
            auto batch = make_batch(2, 139, 10'000 + 10 * i, i);  // 200 bytes
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_GT(log->segment_count(), 4u);
        // A read stays within one segment, as Kafka's.
        auto read = co_await log->read(38, 1 << 20);
        EXPECT_TRUE(read);
        const segment& holder = *read->range.owner;
        EXPECT_EQ(read->first_offset, 38);
        EXPECT_EQ(read->range.position + read->range.length, holder.size_bytes());
        for (std::int64_t t : {0, 10'000, 10'001, 10'500, 10'990}) {
            auto found = co_await log->offset_for_timestamp(t);
            EXPECT_TRUE(found);
            EXPECT_TRUE(*found);
            const std::int64_t batch = t <= 10'000 ? 0 : (t - 10'000 + 9) / 10;
            EXPECT_EQ((*found)->offset, batch * 2) << t;
            EXPECT_EQ((*found)->timestamp, 10'000 + 10 * batch) << t;
        }
        auto none = co_await log->offset_for_timestamp(10'991);
        EXPECT_TRUE(none);
        EXPECT_FALSE(*none);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

// A read_committed read stops before the batch holding its bound (the last stable offset),
// within a segment and across segments, and never skips to a later segment past it.
TEST(partition_log, reads_stop_before_the_batch_holding_max_offset) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 4096;
    options.config.index_interval_bytes = 300;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        for (int i = 0; i < 100; ++i) {
            auto batch = make_batch(2, 139, 10'000 + 10 * i, i);  // 200 bytes, offsets 2i, 2i+1
            EXPECT_TRUE(co_await log->append(batch));
        }
        auto whole = co_await log->read(0, 1 << 20);
        EXPECT_TRUE(whole);
        // Bound inside the segment: batches [0, 6) of offsets 0..11 come back, not the one
        // holding 12 (or 13: the bound's batch is left out whole).
        for (std::int64_t bound : {12, 13}) {
            auto read = co_await log->read(0, 1 << 20, bound);
            EXPECT_TRUE(read);
            EXPECT_EQ(read->range.length, 6u * 200) << bound;
        }
        // The offset's own batch holds the bound: nothing.
        auto same = co_await log->read(12, 1 << 20, 13);
        EXPECT_TRUE(same);
        EXPECT_EQ(same->range.length, 0u);
        auto at = co_await log->read(12, 1 << 20, 12);
        EXPECT_TRUE(at);
        EXPECT_EQ(at->range.length, 0u);
        // A bound past this segment leaves the whole segment readable.
        auto far = co_await log->read(0, 1 << 20, 150);
        EXPECT_TRUE(far);
        EXPECT_EQ(far->range.length, whole->range.length);
        // A bound at a segment's first batch: the read from the segment before ends there and
        // a read from the bound finds nothing, even though later segments hold more.
        const std::int64_t next_base =
            whole->first_offset + static_cast<std::int64_t>(whole->range.length / 200) * 2;
        auto before = co_await log->read(next_base - 2, 1 << 20, next_base);
        EXPECT_TRUE(before);
        EXPECT_EQ(before->range.length, 200u);
        auto from = co_await log->read(next_base, 1 << 20, next_base);
        EXPECT_TRUE(from);
        EXPECT_EQ(from->range.length, 0u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST(partition_log, reads_run_alongside_appends_and_see_only_whole_batches) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 16 << 10;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    bool appending = true;
    int reads = 0;
    auto reader = [&]() -> task<void> {
        while (appending) {
            auto read = co_await log->read(log->log_start_offset(), 1 << 20);
            EXPECT_TRUE(read);
            if (!read) break;
            auto bytes = bytes_of(read->range);
            std::span<const std::byte> rest(bytes);
            while (!rest.empty()) {
                auto header = validate_record_batch(rest, 1 << 20);
                EXPECT_TRUE(header);
                if (!header) co_return;
                rest = rest.subspan(header->total_bytes());
            }
            ++reads;
            co_await io::yield();  // an empty log answers without suspending
        }
    };
    auto body = [&]() -> task<void> {
        reactor::current().spawn(reader());
        for (int i = 0; i < 300; ++i) {
            auto batch = make_batch(2, 200 + i % 50, 1, i);
            EXPECT_TRUE(co_await log->append(batch));
        }
        appending = false;
        co_await io::yield();
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
    EXPECT_GT(reads, 0);
    EXPECT_GT(log->segment_count(), 3u);
}

TEST(partition_log, group_commit_covers_concurrent_appends_with_few_fdatasyncs) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.flush_messages = 1;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    constexpr int appends = 64;
    std::vector<std::vector<std::byte>> batches;
    for (int i = 0; i < appends; ++i) batches.push_back(make_batch(1, 100, 1, i));
    int finished = 0;
    std::vector<std::int64_t> order;
    auto one = [&](int i) -> task<void> {
        auto appended = co_await log->append(batches[i]);
        EXPECT_TRUE(appended);
        // Acknowledged only once an fdatasync covering it completed.
        EXPECT_GE(log->fdatasync_count(), 1u);
        order.push_back(appended->base_offset);
        ++finished;
    };
    auto body = [&]() -> task<void> {
        for (int i = 0; i < appends; ++i) reactor::current().spawn(one(i));
        while (finished < appends) co_await io::yield();
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
    // How many appends share an fdatasync depends on how fast the disk syncs against how fast
    // the writes come; the deterministic check of joining is the next test.
    std::printf("group commit: %d appends, %llu fdatasyncs\n", appends,
                static_cast<unsigned long long>(log->fdatasync_count()));
    EXPECT_LE(log->fdatasync_count(), static_cast<std::uint64_t>(appends) + 1);
    std::sort(order.begin(), order.end());
    for (int i = 0; i < appends; ++i) EXPECT_EQ(order[i], i);
}

TEST(partition_log, concurrent_flushes_share_one_fdatasync) {
    temporary_directory dir;
    auto log = open_log(options_in(dir.path()));
    ASSERT_TRUE(log);
    constexpr int flushes = 32;
    int finished = 0;
    auto one = [&]() -> task<void> {
        EXPECT_TRUE(co_await log->flush());
        ++finished;
    };
    auto body = [&]() -> task<void> {
        for (int i = 0; i < 40; ++i) {
            auto batch = make_batch(1, 100, 1, i);
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_EQ(log->fdatasync_count(), 0u);  // flush policy none: page cache only
        for (int i = 0; i < flushes; ++i) reactor::current().spawn(one());
        while (finished < flushes) co_await io::yield();
        EXPECT_EQ(log->fdatasync_count(), 1u);
        EXPECT_TRUE(co_await log->flush());  // nothing new: no fdatasync
        EXPECT_EQ(log->fdatasync_count(), 1u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

// A flush covers what was appended when it was asked for; batches appended while its
// fdatasync runs, which no one waits for (flush policy none), do not start another. Before,
// the loop synced until every batch was durable: under a steady stream, back to back.
TEST(partition_log, a_flush_stops_once_what_it_was_asked_for_is_durable) {
    temporary_directory dir;
    auto log = open_log(options_in(dir.path()));
    ASSERT_TRUE(log);
    bool flushed = false;
    auto flusher = [&]() -> task<void> {
        EXPECT_TRUE(co_await log->flush());
        flushed = true;
    };
    auto body = [&]() -> task<void> {
        auto first = make_batch(1, 100, 1, 0);
        EXPECT_TRUE(co_await log->append(first));
        reactor::current().spawn(flusher());
        while (log->fdatasync_count() == 0) co_await io::yield();
        // The flush's fdatasync is in flight: these land behind it.
        for (int i = 1; i <= 20 && !flushed; ++i) {
            auto more = make_batch(1, 100, 1, i);
            EXPECT_TRUE(co_await log->append(more));
        }
        while (!flushed) co_await io::yield();
        co_await io::sleep_for(std::chrono::milliseconds(50));
        EXPECT_EQ(log->fdatasync_count(), 1u);
        EXPECT_TRUE(co_await log->flush());  // asked for now: one more
        EXPECT_EQ(log->fdatasync_count(), 2u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

// Under flush.messages=1 an append whose batch was written but could not be made durable fails,
// and tells its caller the offsets the batch took: it is in the log (an idempotent producer's
// retry must be found as a duplicate, not appended twice). A batch refused before it was written
// leaves them unset.
TEST(partition_log, an_append_written_but_not_made_durable_reports_its_offsets) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.flush_messages = 1;
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        // A new log's first flush also syncs its directory: that fsync fails.
        failing_fsyncs failing(log.dir());
        auto batch = make_batch(3, 100, 1, 0);
        append_result written{.base_offset = -1};
        auto appended = co_await log.append(batch, &written);
        EXPECT_FALSE(appended);
        EXPECT_EQ(failing.failed(), 1);
        EXPECT_EQ(written.base_offset, 0);
        EXPECT_EQ(written.last_offset, 2);
        EXPECT_EQ(log.log_end_offset(), 3);
        append_result refused{.base_offset = -1};
        auto again = make_batch(1, 100, 1, 1);
        EXPECT_FALSE(co_await log.append(again, &refused));  // the log failed: not written
        EXPECT_EQ(refused.base_offset, -1);
        (void)co_await log.close();
    };
    run_on_reactor(body);
}

TEST(partition_log, interval_flush_by_messages_and_time) {
    temporary_directory dir;
    manual_clock clock(1'000'000);
    auto options = options_in(dir.path(), &clock);
    options.config.flush_messages = 10;
    options.config.flush_ms = 1000;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        for (int i = 0; i < 9; ++i) {
            auto batch = make_batch(1, 10, 1, i);
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_EQ(log->fdatasync_count(), 0u);
        auto tenth = make_batch(1, 10, 1, 9);
        EXPECT_TRUE(co_await log->append(tenth));
        EXPECT_TRUE(co_await log->flush());  // joins the flush the tenth message started
        EXPECT_EQ(log->fdatasync_count(), 1u);
        auto eleventh = make_batch(1, 10, 1, 10);
        EXPECT_TRUE(co_await log->append(eleventh));
        EXPECT_TRUE(co_await log->flush_if_due());
        EXPECT_EQ(log->fdatasync_count(), 1u);
        clock.advance(1000);
        EXPECT_TRUE(co_await log->flush_if_due());
        EXPECT_EQ(log->fdatasync_count(), 2u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST(partition_log, clean_restart_scans_nothing) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 8192;
    {
        auto log = open_log(options);
        ASSERT_TRUE(log);
        auto body = [&]() -> task<void> {
            for (int i = 0; i < 100; ++i) {
                auto batch = make_batch(3, 200, 100 + i, i);
                EXPECT_TRUE(co_await log->append(batch));
            }
            EXPECT_TRUE(co_await log->close());
        };
        run_on_reactor(body);
        EXPECT_TRUE(std::filesystem::exists(log->dir() + "/clean-shutdown"));
    }
    auto log = open_log(options);
    ASSERT_TRUE(log);
    EXPECT_TRUE(log->recovery_report().clean_shutdown);
    EXPECT_EQ(log->recovery_report().segments_scanned, 0u);
    EXPECT_EQ(log->recovery_report().indexes_rebuilt, 0u);
    EXPECT_EQ(log->log_end_offset(), 300);
    EXPECT_FALSE(std::filesystem::exists(log->dir() + "/clean-shutdown"));
    auto body = [&]() -> task<void> {
        auto read = co_await log->read(150, 1);
        EXPECT_TRUE(read);
        EXPECT_EQ(read->first_offset, 150);
        auto found = co_await log->offset_for_timestamp(150);
        EXPECT_TRUE(found && *found);
        EXPECT_EQ((*found)->offset, 150);
        auto more = make_batch(1, 10, 1, 1);
        auto appended = co_await log->append(more);
        EXPECT_EQ(appended->base_offset, 300);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST(partition_log, unclean_restart_scans_past_the_recovery_point_only) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 8192;
    {
        auto log = open_log(options);
        ASSERT_TRUE(log);
        auto body = [&]() -> task<void> {
            for (int i = 0; i < 100; ++i) {
                auto batch = make_batch(3, 200, 100 + i, i);
                EXPECT_TRUE(co_await log->append(batch));
            }
            EXPECT_TRUE(co_await log->flush());
        };
        run_on_reactor(body);
        // No close: as after a crash. The active segment still has its preallocated zeros.
        EXPECT_GT(file_size(log->segments().back()->log_path()),
                  log->active_segment().size_bytes());
    }
    auto log = open_log(options);
    ASSERT_TRUE(log);
    const auto& report = log->recovery_report();
    EXPECT_FALSE(report.clean_shutdown);
    EXPECT_EQ(report.segments_scanned, 1u);
    EXPECT_EQ(log->log_end_offset(), 300);
    EXPECT_EQ(report.segments_dropped, 0u);
    auto body = [&]() -> task<void> {
        auto read = co_await log->read(297, 1 << 20);
        EXPECT_TRUE(read);
        EXPECT_EQ(read->first_offset, 297);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST(partition_log, truncate_to_removes_everything_at_and_above) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 4096;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        for (int i = 0; i < 100; ++i) {
            auto batch = make_batch(2, 139, 1000 + i, i);
            EXPECT_TRUE(co_await log->append(batch));
        }
        const auto segments_before = log->segment_count();
        EXPECT_TRUE(co_await log->truncate_to(200));  // no-op at the end
        EXPECT_EQ(log->log_end_offset(), 200);
        EXPECT_TRUE(co_await log->truncate_to(101));  // inside a batch: the batch goes
        EXPECT_EQ(log->log_end_offset(), 100);
        EXPECT_LT(log->segment_count(), segments_before);
        EXPECT_LE(log->recovery_point(), 101);
        auto read = co_await log->read(100, 100);
        EXPECT_TRUE(read);
        EXPECT_EQ(read->range.length, 0u);
        auto last = co_await log->read(98, 1 << 20);
        EXPECT_TRUE(last);
        EXPECT_EQ(last->range.length, 200u);
        auto batch = make_batch(1, 10, 5000, 7);
        auto appended = co_await log->append(batch);
        EXPECT_EQ(appended->base_offset, 100);
        auto found = co_await log->offset_for_timestamp(1060);
        EXPECT_TRUE(found && *found);
        EXPECT_EQ((*found)->offset, 100);  // the truncated batches' timestamps are gone
        EXPECT_TRUE(co_await log->truncate_to(0));
        EXPECT_EQ(log->log_end_offset(), 0);
        EXPECT_EQ(log->segment_count(), 1u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
    auto reopened = open_log(options);
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->log_end_offset(), 0);
    auto close = [&]() -> task<void> { EXPECT_TRUE(co_await reopened->close()); };
    run_on_reactor(close);
}

TEST(partition_log, truncating_the_batch_holding_the_start_offset_empties_the_log) {
    temporary_directory dir;
    auto log = open_log(options_in(dir.path()));
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        for (int i = 0; i < 4; ++i) {
            auto batch = make_batch(3, 50, 1, i);
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_TRUE(co_await log->advance_log_start_offset(4));  // inside batch [3, 5]
        EXPECT_TRUE(co_await log->truncate_to(5));
        EXPECT_EQ(log->log_start_offset(), 5);
        EXPECT_EQ(log->log_end_offset(), 5);
        auto batch = make_batch(1, 50, 1, 9);
        auto appended = co_await log->append(batch);
        EXPECT_EQ(appended.value().base_offset, 5);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST(partition_log, truncation_survives_an_unclean_restart) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 4096;
    {
        auto log = open_log(options);
        ASSERT_TRUE(log);
        auto body = [&]() -> task<void> {
            for (int i = 0; i < 100; ++i) {
                auto batch = make_batch(2, 139, 1000 + i, i);
                EXPECT_TRUE(co_await log->append(batch));
            }
            EXPECT_TRUE(co_await log->truncate_to(60));
        };
        run_on_reactor(body);
    }
    auto log = open_log(options);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_end_offset(), 60);
    auto close = [&]() -> task<void> { EXPECT_TRUE(co_await log->close()); };
    run_on_reactor(close);
}

TEST(partition_log, delete_records_and_retention_remove_whole_old_segments) {
    temporary_directory dir;
    manual_clock clock(1'000'000);
    auto options = options_in(dir.path(), &clock);
    options.config.segment_bytes = 2000;
    options.config.retention_ms = 10'000;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        for (int i = 0; i < 50; ++i) {  // 10 segments of 5 batches, 10 ms apart
            auto batch = make_batch(1, 339, 990'000 + i * 10, i);
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_EQ(log->segment_count(), 10u);
        EXPECT_TRUE(co_await log->advance_log_start_offset(12));
        EXPECT_EQ(log->log_start_offset(), 12);
        EXPECT_EQ(log->segments().front()->base_offset(), 10);
        auto below = co_await log->read(11, 100);
        EXPECT_EQ(below.error(), errc::offset_out_of_range);
        auto beyond = co_await log->advance_log_start_offset(51);
        EXPECT_EQ(beyond.error(), errc::offset_out_of_range);
        // retention.ms: segments whose newest batch is older than now - 10 s. Batch i has
        // timestamp 990'000 + 10 i; at now = 1'000'200 batches 0..19 are older than that.
        clock.advance(200);
        auto removed = co_await log->enforce_retention();
        EXPECT_TRUE(removed);
        EXPECT_EQ(*removed, 2u);  // segments [10,15) and [15,20)
        EXPECT_EQ(log->log_start_offset(), 20);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
    options.config.retention_ms = -1;
    options.config.retention_bytes = 4 * 1700;  // 6 segments of 2000 bytes: 2 must go
    auto reopened = open_log(options);
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->log_start_offset(), 20);
    auto retain = [&]() -> task<void> {
        auto removed = co_await reopened->enforce_retention();
        EXPECT_TRUE(removed);
        EXPECT_EQ(*removed, 2u);
        EXPECT_EQ(reopened->segment_count(), 4u);
        EXPECT_EQ(reopened->log_start_offset(), 30);
        EXPECT_TRUE(co_await reopened->close());
    };
    run_on_reactor(retain);
    auto again = open_log(options);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->log_start_offset(), 30);
    EXPECT_EQ(again->log_end_offset(), 50);
    auto close = [&]() -> task<void> { EXPECT_TRUE(co_await again->close()); };
    run_on_reactor(close);
}

TEST(checkpoint, text_round_trip_and_rejects_garbage) {
    EXPECT_EQ(parse_checkpoint(format_checkpoint(1234)), 1234);
    EXPECT_FALSE(parse_checkpoint("12a\n"));
    EXPECT_FALSE(parse_checkpoint("12"));
    EXPECT_FALSE(parse_checkpoint("-5\n"));
    EXPECT_FALSE(parse_checkpoint(""));
}

}  // namespace
}  // namespace laminar::storage
