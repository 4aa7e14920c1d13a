// The group write: appends queued behind the one being written go out together in one vectored
// write, take offsets in the order they started, and each completes with the write covering it;
// a write that fails part-way acknowledges exactly the batches written whole before the failure.
// Appends queue up deterministically behind advance_log_start_offset, which holds the append
// lock across its checkpoint write.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "core/wait_group.h"
#include "storage/partition_log.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

struct appended_batch {
    std::vector<std::byte> bytes;  // as the log rewrote them (base offset set)
    std::optional<append_result> offsets;
    errc error = errc::ok;
};

// The batch at `offset` read back through the log, as bytes.
task<std::vector<std::byte>> read_batch(partition_log& log, std::int64_t offset,
                                        std::size_t length) {
    auto read = co_await log.read(offset, length);
    if (!read || read->range.length != length) co_return std::vector<std::byte>{};
    co_return bytes_of(read->range);
}

TEST(group_write, concurrent_appenders_take_offsets_in_start_order_and_read_back) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 64 << 10;  // groups meet segment rolls
    options.config.preallocate_extent_bytes = 16 << 10;
    constexpr int appenders = 40;
    constexpr int rounds = 25;
    std::vector<std::vector<appended_batch>> made(appenders);
    std::uint64_t appends = 0;
    std::uint64_t writes = 0;
    std::int64_t end_offset = 0;
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        auto first = make_batch(1, 100, 1000, 999);
        EXPECT_TRUE(co_await log.append(first));
        auto second = make_batch(1, 100, 1000, 998);
        EXPECT_TRUE(co_await log.append(second));
        const std::uint64_t writes_before = log.group_write_count();
        wait_group running;
        auto hold_lock = [&]() -> task<void> {
            EXPECT_TRUE(co_await log.advance_log_start_offset(1));
            running.done();
        };
        auto appender = [&](int index) -> task<void> {
            for (int round = 0; round < rounds; ++round) {
                auto& entry = made[index].emplace_back();
                entry.bytes = make_batch(1 + (index + round) % 4, 50 + 13 * index, 2000 + round,
                                         static_cast<std::uint64_t>(index * 1000 + round));
                auto appended = co_await log.append(entry.bytes);
                if (appended) entry.offsets = *appended;
                else entry.error = appended.error();
            }
            running.done();
        };
        running.add(1 + appenders);
        reactor::current().spawn(hold_lock());
        for (int i = 0; i < appenders; ++i) reactor::current().spawn(appender(i));
        co_await running.wait();
        appends = appenders * rounds;
        writes = log.group_write_count() - writes_before;
        end_offset = log.log_end_offset();
        // Every acknowledged batch reads back as written.
        for (const auto& per_appender : made) {
            for (const auto& entry : per_appender) {
                if (!entry.offsets) continue;
                auto back = co_await read_batch(log, entry.offsets->base_offset, entry.bytes.size());
                EXPECT_EQ(back, entry.bytes) << entry.offsets->base_offset;
            }
        }
        EXPECT_TRUE(co_await log.close());
    };
    run_on_reactor(body);

    // The first round queued up behind the lock: fewer writes than appends.
    EXPECT_LT(writes, appends);
    EXPECT_GT(writes, 0u);
    // All succeeded; offsets are contiguous from 2 and, within an appender, increasing; the
    // first round took offsets in the order the appenders started.
    std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
    for (int i = 0; i < appenders; ++i) {
        std::int64_t previous = -1;
        for (const auto& entry : made[i]) {
            ASSERT_TRUE(entry.offsets) << to_string(entry.error);
            EXPECT_GT(entry.offsets->base_offset, previous);
            previous = entry.offsets->last_offset;
            ranges.emplace_back(entry.offsets->base_offset, entry.offsets->last_offset);
        }
        if (i > 0) {
            EXPECT_GT(made[i][0].offsets->base_offset, made[i - 1][0].offsets->base_offset);
        }
    }
    std::sort(ranges.begin(), ranges.end());
    std::int64_t expected = 2;
    for (const auto& [base, last] : ranges) {
        EXPECT_EQ(base, expected);
        expected = last + 1;
    }
    EXPECT_EQ(end_offset, expected);

    // After a reopen the same batches are there.
    auto reopened = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        EXPECT_EQ(log.log_end_offset(), expected);
        for (const auto& per_appender : made) {
            for (const auto& entry : per_appender) {
                auto back = co_await read_batch(log, entry.offsets->base_offset, entry.bytes.size());
                EXPECT_EQ(back, entry.bytes) << entry.offsets->base_offset;
            }
        }
        EXPECT_TRUE(co_await log.close());
    };
    run_on_reactor(reopened);
}

constexpr std::size_t first_batch_bytes = 1000;
constexpr std::size_t queued_batch_bytes = 500;
constexpr int queued_batches = 10;
constexpr int batches_that_fit = 4;
// The file may grow to hold the first batch and 4.5 queued ones: the group's write is cut short
// inside the fifth queued batch.
constexpr rlim_t file_size_limit =
    first_batch_bytes + batches_that_fit * queued_batch_bytes + queued_batch_bytes / 2;

std::vector<std::byte> sized_batch(std::size_t total_bytes, std::uint64_t seed) {
    return make_batch(1, total_bytes - layout::header_bytes, 1000, seed);
}

// In a child (the file size limit is per process). Exit codes: 0 success, else the failed check.
[[noreturn]] void run_cut_group(const log_options& options) {
    ::signal(SIGXFSZ, SIG_IGN);
    int outcome = 0;
    auto main = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        if (!opened) co_return void(outcome = 10);
        auto& log = **opened;
        auto first = sized_batch(first_batch_bytes, 1);
        if (!co_await log.append(first)) co_return void(outcome = 11);
        // The segment's first extent is reserved: the group's fallocate needs nothing more, so
        // the failure comes from the write itself.
        if (log.active_segment().allocated_bytes() < file_size_limit + queued_batch_bytes * 6) {
            co_return void(outcome = 12);
        }
        rlimit limit{file_size_limit, RLIM_INFINITY};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) co_return void(outcome = 13);
        std::vector<appended_batch> made(queued_batches);
        wait_group running;
        auto hold_lock = [&]() -> task<void> {
            if (!co_await log.advance_log_start_offset(1)) outcome = 14;
            running.done();
        };
        auto appender = [&](int index) -> task<void> {
            made[index].bytes = sized_batch(queued_batch_bytes, 100 + index);
            auto appended = co_await log.append(made[index].bytes);
            if (appended) made[index].offsets = *appended;
            else made[index].error = appended.error();
            running.done();
        };
        running.add(1 + queued_batches);
        reactor::current().spawn(hold_lock());
        for (int i = 0; i < queued_batches; ++i) reactor::current().spawn(appender(i));
        co_await running.wait();
        if (outcome != 0) co_return;
        if (log.group_write_count() != 2) co_return void(outcome = 15);
        for (int i = 0; i < queued_batches; ++i) {
            if (i < batches_that_fit) {
                if (!made[i].offsets || made[i].offsets->base_offset != 1 + i) {
                    co_return void(outcome = 20 + i);
                }
            } else if (made[i].offsets || made[i].error == errc::ok) {
                co_return void(outcome = 30 + i);
            }
        }
        if (!log.failed() || log.log_end_offset() != 1 + batches_that_fit) {
            co_return void(outcome = 40);
        }
        auto later = sized_batch(queued_batch_bytes, 500);
        if (co_await log.append(later)) co_return void(outcome = 41);
    };
    run_on_reactor_and_exit(main, outcome);
}

TEST(group_write, a_write_cut_short_fails_exactly_the_batches_not_written) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.preallocate_extent_bytes = 64 << 10;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) run_cut_group(options);
    int child_status = 0;
    ASSERT_EQ(::waitpid(child, &child_status, 0), child);
    ASSERT_TRUE(WIFEXITED(child_status));
    ASSERT_EQ(WEXITSTATUS(child_status), 0);

    // Reopened, the log holds the first batch and the four acknowledged ones, not the torn one.
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        EXPECT_EQ(log.log_end_offset(), 1 + batches_that_fit);
        for (int i = 0; i < batches_that_fit; ++i) {
            auto expected = sized_batch(queued_batch_bytes, 100 + i);
            set_base_offset(expected, 1 + i);
            auto back = co_await read_batch(log, 1 + i, queued_batch_bytes);
            EXPECT_EQ(back, expected) << i;
        }
        auto after = sized_batch(queued_batch_bytes, 600);
        auto appended = co_await log.append(after);
        EXPECT_TRUE(appended);
        if (appended) {
            EXPECT_EQ(appended->base_offset, 1 + batches_that_fit);
        }
        EXPECT_TRUE(co_await log.close());
    };
    run_on_reactor(body);
}

}  // namespace
}  // namespace laminar::storage
