// Creating a log costs no synchronous sync: a new log writes no checkpoint and syncs no
// directory at open; its first flush (or roll, checkpoint, close) syncs the data directory and
// the partition directory once, before anything in it is acknowledged durable. A log killed
// before that first flush, or half made, reopens as a valid log.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

namespace fs = std::filesystem;

void close_log(partition_log& log) {
    auto body = [&]() -> task<void> { EXPECT_TRUE(co_await log.close()); };
    run_on_reactor(body);
}

TEST(creation, a_new_log_writes_no_checkpoint_and_syncs_nothing_until_flushed) {
    temporary_directory dir;
    auto log = open_log(options_in(dir.path()));
    ASSERT_TRUE(log);
    EXPECT_EQ(log->directory_sync_count(), 0u);
    EXPECT_EQ(log->fdatasync_count(), 0u);
    EXPECT_FALSE(log->directories_durable());
    EXPECT_TRUE(fs::exists(log->dir() + "/00000000000000000000.log"));
    EXPECT_FALSE(fs::exists(log->dir() + "/" + std::string(recovery_point_file)));
    EXPECT_FALSE(fs::exists(log->dir() + "/" + std::string(log_start_offset_file)));
    auto body = [&]() -> task<void> {
        for (int i = 0; i < 10; ++i) {
            auto batch = make_batch(2, 100, 1000 + i, i);
            EXPECT_TRUE(co_await log->append(batch));
        }
        // Flush none: appends wait for nothing.
        EXPECT_EQ(log->directory_sync_count(), 0u);
        EXPECT_EQ(log->fdatasync_count(), 0u);
        EXPECT_TRUE(co_await log->flush());
        EXPECT_EQ(log->fdatasync_count(), 1u);
        EXPECT_EQ(log->directory_sync_count(), 2u);  // the data directory, the partition's
        EXPECT_TRUE(log->directories_durable());
        auto more = make_batch(1, 100, 2000, 99);
        EXPECT_TRUE(co_await log->append(more));
        EXPECT_TRUE(co_await log->flush());
        EXPECT_EQ(log->fdatasync_count(), 2u);
        EXPECT_EQ(log->directory_sync_count(), 2u);  // once only
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
    auto reopened = open_log(options_in(dir.path()));
    ASSERT_TRUE(reopened);
    EXPECT_TRUE(reopened->recovery_report().clean_shutdown);
    EXPECT_EQ(reopened->log_end_offset(), 21);
    EXPECT_TRUE(reopened->directories_durable());
    close_log(*reopened);
}

TEST(creation, every_batch_policy_acknowledges_only_after_the_directories_are_synced) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.flush_messages = 1;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->directory_sync_count(), 0u);
    constexpr int appends = 16;
    int acknowledged = 0;
    // Counted when each acknowledgement arrives: a sync counts once it has completed.
    std::vector<std::uint64_t> syncs_seen;
    auto one = [&](int i) -> task<void> {
        auto batch = make_batch(1, 100, 1000 + i, i);
        auto appended = co_await log->append(batch);
        EXPECT_TRUE(appended);
        syncs_seen.push_back(log->directory_sync_count());
        ++acknowledged;
    };
    auto body = [&]() -> task<void> {
        for (int i = 0; i < appends; ++i) reactor::current().spawn(one(i));
        while (acknowledged < appends) co_await io::yield();
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
    ASSERT_EQ(syncs_seen.size(), static_cast<std::size_t>(appends));
    for (auto seen : syncs_seen) EXPECT_EQ(seen, 2u);
}

TEST(creation, a_roll_of_a_new_log_syncs_the_directories_before_acknowledging) {
    temporary_directory dir;
    auto options = options_in(dir.path());
    options.config.segment_bytes = 4096;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        for (int i = 0; i < 40; ++i) {
            auto batch = make_batch(1, 300, 1000 + i, i);
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_GT(log->segment_count(), 1u);
        // Rolled segments are sealed off the append path: wait for the seals.
        EXPECT_TRUE(co_await log->flush());
        EXPECT_TRUE(log->directories_durable());
        // The data directory once; the partition directory at the first roll and after each
        // new segment.
        EXPECT_GE(log->directory_sync_count(), 2u + log->segment_count() - 1);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

// Each append rolls (a batch fills a segment), so the seal of a new log's first segment races
// its first flush: whichever acknowledges first must have synced both directories already.
TEST(creation, a_seal_of_a_new_log_acknowledges_only_after_the_directories_are_synced) {
    constexpr int logs = 12;
    constexpr int appends = 6;
    for (int round = 0; round < logs; ++round) {
        temporary_directory dir;
        auto options = options_in(dir.path());
        options.config.flush_messages = 1;
        options.config.segment_bytes = layout::header_bytes + 2000;
        auto log = open_log(options);
        ASSERT_TRUE(log);
        int acknowledged = 0;
        std::vector<std::uint64_t> syncs_seen;
        std::vector<bool> durable_seen;
        auto one = [&](int i) -> task<void> {
            auto batch = make_batch(1, 1500, 1000 + i, i);
            auto appended = co_await log->append(batch);
            EXPECT_TRUE(appended);
            syncs_seen.push_back(log->directory_sync_count());
            durable_seen.push_back(log->directories_durable());
            ++acknowledged;
        };
        auto body = [&]() -> task<void> {
            for (int i = 0; i < appends; ++i) reactor::current().spawn(one(i));
            while (acknowledged < appends) co_await io::yield();
            EXPECT_GT(log->segment_count(), 1u);
            EXPECT_TRUE(co_await log->close());
        };
        run_on_reactor(body);
        ASSERT_EQ(durable_seen.size(), static_cast<std::size_t>(appends));
        for (int i = 0; i < appends; ++i) {
            EXPECT_TRUE(durable_seen[i]) << "round " << round << " ack " << i;
            EXPECT_GE(syncs_seen[i], 2u) << "round " << round << " ack " << i;
        }
    }
}

// A child opens a new log, appends `batches` (flush none) and kills itself before any flush.
void create_and_die(const log_options& options, int batches) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        int outcome = 0;
        std::unique_ptr<partition_log> log;
        auto body = [&]() -> task<void> {
            auto opened = co_await partition_log::open(options);
            if (!opened) _exit(5);
            log = std::move(*opened);
            for (int i = 0; i < batches; ++i) {
                auto batch = make_batch(3, 200, 1000 + i, i);
                if (!co_await log->append(batch)) _exit(6);
            }
            if (log->directory_sync_count() != 0 || log->fdatasync_count() != 0) _exit(7);
            ::raise(SIGKILL);
        };
        run_on_reactor_and_exit(body, outcome);
    }
    int wstatus = 0;
    ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited with " << WEXITSTATUS(wstatus);
    EXPECT_EQ(WTERMSIG(wstatus), SIGKILL);
}

TEST(creation, a_log_killed_before_its_first_flush_reopens_cleanly) {
    for (int batches : {0, 1, 50}) {
        temporary_directory dir;
        const auto options = options_in(dir.path());
        create_and_die(options, batches);
        auto log = open_log(options);
        ASSERT_TRUE(log) << batches;
        const auto& report = log->recovery_report();
        EXPECT_FALSE(report.clean_shutdown);
        EXPECT_EQ(report.segments_dropped, 0u);
        // SIGKILL keeps the page cache: everything appended is there.
        EXPECT_EQ(log->log_end_offset(), 3 * batches);
        EXPECT_EQ(log->log_start_offset(), 0);
        EXPECT_FALSE(log->directories_durable());  // the dead run never synced them
        auto body = [&]() -> task<void> {
            if (batches > 0) {
                auto read = co_await log->read(0, 1 << 20);
                EXPECT_TRUE(read);
                if (read) {
                    EXPECT_EQ(read->range.length, static_cast<std::uint64_t>(batches) *
                                                      (layout::header_bytes + 200));
                }
            }
            auto next = make_batch(1, 10, 5000, 77);
            auto appended = co_await log->append(next);
            EXPECT_TRUE(appended);
            EXPECT_EQ(appended ? appended->base_offset : -1, 3 * batches);
            EXPECT_TRUE(co_await log->flush());
            EXPECT_TRUE(log->directories_durable());
            EXPECT_TRUE(co_await log->close());
        };
        run_on_reactor(body);
    }
}

// The background checkpoint (no flush policy) of a new log: the flush it starts with syncs the
// directories before the recovery point is written.
TEST(creation, a_recovery_checkpoint_of_a_new_log_syncs_the_directories_first) {
    temporary_directory dir;
    auto log = open_log(options_in(dir.path()));
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        for (int i = 0; i < 5; ++i) {
            auto batch = make_batch(2, 100, 1000 + i, i);
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_EQ(log->directory_sync_count(), 0u);
        auto moved = co_await log->checkpoint_recovery_point();
        EXPECT_TRUE(moved && *moved);
        EXPECT_EQ(log->recovery_point(), 10);
        EXPECT_TRUE(log->directories_durable());
        // The data directory and the partition's (once), then the one after the rename.
        EXPECT_EQ(log->directory_sync_count(), 3u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

// A log reopened after a kill -9 with nothing appended since: the checkpoint has no batch of
// this run to flush, yet the earlier run's batches and the names of its files were never
// synced. It syncs the active segment and both directories before writing the recovery point.
TEST(creation, a_recovery_checkpoint_after_a_crash_syncs_the_dead_runs_batches_and_names) {
    temporary_directory dir;
    const auto options = options_in(dir.path());
    create_and_die(options, 20);
    auto log = open_log(options);
    ASSERT_TRUE(log);
    EXPECT_FALSE(log->directories_durable());
    EXPECT_EQ(log->log_end_offset(), 60);
    EXPECT_LT(log->recovery_point(), 60);
    const auto syncs_before = log->directory_sync_count();
    const auto fdatasyncs_before = log->fdatasync_count();
    auto body = [&]() -> task<void> {
        auto moved = co_await log->checkpoint_recovery_point();
        EXPECT_TRUE(moved && *moved);
        EXPECT_EQ(log->recovery_point(), 60);
        EXPECT_TRUE(log->directories_durable());
        EXPECT_EQ(log->directory_sync_count() - syncs_before, 3u);
        EXPECT_EQ(log->fdatasync_count() - fdatasyncs_before, 1u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

// A directory holding a clean-shutdown marker and a recovery point but no segment (not made by
// Laminar): the marker's removal is synced at open (it must not come back after a crash and
// make the next open trust unsynced batches), and its names are not taken as durable.
TEST(creation, a_marker_without_segments_is_removed_durably) {
    temporary_directory dir;
    const auto options = options_in(dir.path());
    const std::string partition_dir = dir.path() + "/events-3";
    ASSERT_TRUE(fs::create_directory(partition_dir));
    for (auto name : {clean_shutdown_file, recovery_point_file}) {
        const int fd = ::open((partition_dir + "/" + std::string(name)).c_str(),
                              O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        if (name == recovery_point_file) {
            ASSERT_EQ(::write(fd, "0\n", 2), 2);
        }
        ::close(fd);
    }
    auto log = open_log(options);
    ASSERT_TRUE(log);
    EXPECT_FALSE(fs::exists(partition_dir + "/" + std::string(clean_shutdown_file)));
    EXPECT_EQ(log->directory_sync_count(), 1u);
    EXPECT_FALSE(log->directories_durable());
    close_log(*log);
}

// The states a crash part-way through creating a log can leave: each opens as an empty log.
TEST(creation, half_made_logs_open_empty) {
    const std::vector<std::vector<std::string>> leftovers = {
        {},
        {"00000000000000000000.index"},
        {"00000000000000000000.index", "00000000000000000000.timeindex"},
        {"00000000000000000000.index", "00000000000000000000.timeindex",
         "00000000000000000000.log"},
        {"00000000000000000000.log"},
    };
    for (const auto& names : leftovers) {
        temporary_directory dir;
        const auto options = options_in(dir.path());
        const std::string partition_dir = dir.path() + "/events-3";
        ASSERT_TRUE(fs::create_directory(partition_dir));
        for (const auto& name : names) {
            const int fd = ::open((partition_dir + "/" + name).c_str(),
                                  O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
            ASSERT_GE(fd, 0);
            ::close(fd);
        }
        auto log = open_log(options);
        ASSERT_TRUE(log) << names.size();
        EXPECT_EQ(log->log_end_offset(), 0);
        EXPECT_EQ(log->segment_count(), 1u);
        EXPECT_EQ(log->recovery_report().segments_dropped, 0u);
        auto body = [&]() -> task<void> {
            auto batch = make_batch(2, 100, 1000, 1);
            auto appended = co_await log->append(batch);
            EXPECT_TRUE(appended);
            EXPECT_EQ(appended ? appended->base_offset : -1, 0);
            EXPECT_TRUE(co_await log->close());
        };
        run_on_reactor(body);
        for (auto suffix : {log_suffix, index_suffix, time_index_suffix}) {
            EXPECT_TRUE(fs::exists(partition_dir + "/" + segment_file_name(0, suffix)));
        }
    }
}

}  // namespace
}  // namespace laminar::storage
