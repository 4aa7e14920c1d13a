// partition_log::checkpoint_recovery_point: the recovery point moves without a flush policy,
// only past batches an fdatasync covered, never over a truncation or a roll that overtook it,
// and a crash after it scans only the tail (what lies below is walked by headers, and
// corruption past it is still cut). And an unclean open that finds a zero tail keeps it
// (nothing cut, nothing synced) unless something other than zeros lies in it.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "core/wait_group.h"
#include "storage/checkpoint.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

// Every batch these tests append: 4 records in this many bytes.
constexpr std::size_t record_bytes = 300;
constexpr std::uint64_t batch_bytes = layout::header_bytes + record_bytes;

std::optional<std::int64_t> recovery_point_on_disk(const partition_log& log) {
    auto bytes = read_file(log.dir() + "/" + std::string(recovery_point_file));
    return parse_checkpoint(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

task<void> append_batches(partition_log& log, int count, std::uint64_t seed) {
    for (int i = 0; i < count; ++i) {
        auto batch =
            make_batch(4, record_bytes, 1000 + static_cast<std::int64_t>(seed) + i, seed + i);
        EXPECT_TRUE(co_await log.append(batch));
    }
}

// Runs checkpoint_recovery_point as its own task, so the caller can act while it waits.
struct checkpoint_in_flight {
    wait_group done;
    result<bool> outcome = false;
};

task<void> run_checkpoint(partition_log& log, checkpoint_in_flight& state) {
    state.outcome = co_await log.checkpoint_recovery_point();
    state.done.done();
}

// Starts run_checkpoint on the current reactor and gives it its first turn, so it has taken the
// log end it will cover (and is waiting for its sync) when this returns; `state.done` says when
// it has finished. Without the turn, appends that never suspend (small writes are made inline on
// the shard thread) would all land before the checkpoint even starts.
task<void> start_checkpoint(partition_log& log, checkpoint_in_flight& state) {
    state.done.add();
    reactor::current().spawn(run_checkpoint(log, state));
    co_await io::yield();
}

// A log under options_in in a fresh directory. reopen() opens it under `options` (a test may
// change them first), dropping the log open before without close() as a crash leaves it (and
// before the new open: the old one's files are let go first). append_now(), close_log() and
// checkpoint_then_append() each run on a fresh reactor.
class recovery_checkpoint : public ::testing::Test {
protected:
    temporary_directory dir;
    log_options options = options_in(dir.path());
    std::unique_ptr<partition_log> log;

    void reopen() {
        log.reset();
        log = open_log(options);
    }

    void append_now(int count, std::uint64_t seed) {
        auto body = [&]() -> task<void> { co_await append_batches(*log, count, seed); };
        run_on_reactor(body);
    }

    void close_log() {
        auto body = [&]() -> task<void> { EXPECT_TRUE(co_await log->close()); };
        run_on_reactor(body);
    }

    // Appends `before` batches (seed 1), checkpoints them, then appends `after` more (seed 500),
    // leaving the log open for the test to crash it; the active segment's bytes the checkpoint
    // covers.
    std::uint64_t checkpoint_then_append(int before, int after) {
        std::uint64_t checkpointed_bytes = 0;
        auto body = [&]() -> task<void> {
            co_await append_batches(*log, before, 1);
            auto moved = co_await log->checkpoint_recovery_point();
            EXPECT_TRUE(moved && *moved);
            checkpointed_bytes = log->active_segment().size_bytes();
            co_await append_batches(*log, after, 500);
        };
        run_on_reactor(body);
        return checkpointed_bytes;
    }
};

TEST_F(recovery_checkpoint, moves_the_recovery_point_without_a_flush_policy) {
    ASSERT_EQ(flush_policy_of(options.config), flush_policy::none);
    reopen();
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        co_await append_batches(*log, 10, 1);
        EXPECT_EQ(log->recovery_point(), 0);
        const auto syncs = log->fdatasync_count();
        auto moved = co_await log->checkpoint_recovery_point();
        EXPECT_TRUE(moved && *moved);
        EXPECT_EQ(log->recovery_point(), 40);
        EXPECT_EQ(recovery_point_on_disk(*log), 40);
        EXPECT_EQ(log->fdatasync_count(), syncs + 1);
        EXPECT_EQ(log->recovery_checkpoint_count(), 1u);
        // Nothing new: no sync, no checkpoint.
        moved = co_await log->checkpoint_recovery_point();
        EXPECT_TRUE(moved && !*moved);
        EXPECT_EQ(log->fdatasync_count(), syncs + 1);
        EXPECT_EQ(log->recovery_checkpoint_count(), 1u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

// The checkpoint's own file: a temporary that cannot be written (here a directory stands where
// it goes, as a full disk or a shortage of descriptors would refuse it) leaves the point where it
// was and the log serving, for the next checkpoint; a failed fsync of it fails the log, as every
// fsync of the log does (a retried one may report 0 with the data lost: fsyncgate).
TEST_F(recovery_checkpoint, a_failed_fsync_of_its_file_fails_the_log) {
    reopen();
    ASSERT_TRUE(log);
    const std::string temporary = log->dir() + "/" + std::string(recovery_point_file) +
                                  ".background" + std::string(checkpoint_temporary_suffix);
    auto body = [&]() -> task<void> {
        co_await append_batches(*log, 5, 1);
        EXPECT_TRUE(std::filesystem::create_directory(temporary));
        EXPECT_FALSE(co_await log->checkpoint_recovery_point());
        EXPECT_FALSE(log->failed());
        std::filesystem::remove(temporary);
        auto moved = co_await log->checkpoint_recovery_point();
        EXPECT_TRUE(moved && *moved);
        EXPECT_EQ(log->recovery_point(), 5 * 4);
        co_await append_batches(*log, 5, 100);
        {
            failing_fsyncs failing(temporary);
            EXPECT_FALSE(co_await log->checkpoint_recovery_point());
            EXPECT_EQ(failing.failed(), 1);
        }
        EXPECT_TRUE(log->failed());
        EXPECT_EQ(log->recovery_point(), 5 * 4);
        EXPECT_EQ(recovery_point_on_disk(*log), 5 * 4);
        EXPECT_FALSE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST_F(recovery_checkpoint, never_covers_batches_appended_after_its_sync_started) {
    reopen();
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        co_await append_batches(*log, 5, 1);
        const auto syncs = log->fdatasync_count();
        checkpoint_in_flight state;
        co_await start_checkpoint(*log, state);
        // The checkpoint waits for its fdatasync; these batches are written meanwhile.
        co_await append_batches(*log, 5, 100);
        co_await state.done.wait();
        EXPECT_TRUE(state.outcome && *state.outcome);
        EXPECT_EQ(log->recovery_point(), 20);
        EXPECT_EQ(recovery_point_on_disk(*log), 20);
        EXPECT_EQ(log->log_end_offset(), 40);
        // One checkpoint, at least one fdatasync before it (a flush may have synced the later
        // batches too; the point still names only what the sync it waited for covered).
        EXPECT_EQ(log->recovery_checkpoint_count(), 1u);
        EXPECT_GE(log->fdatasync_count(), syncs + 1);
        auto moved = co_await log->checkpoint_recovery_point();
        EXPECT_TRUE(moved && *moved);
        EXPECT_EQ(log->recovery_point(), 40);
        // The second checkpoint syncs the later batches unless the first one's sync, issued
        // after they were written (inline appends do not wait), already covered them.
        const auto syncs_now = log->fdatasync_count();
        EXPECT_GE(syncs_now, syncs + 1);
        // Still at most one sync per checkpoint that had something to cover.
        EXPECT_LE(syncs_now - syncs, log->recovery_checkpoint_count());
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST_F(recovery_checkpoint, a_truncation_meanwhile_voids_it) {
    reopen();
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        co_await append_batches(*log, 10, 1);
        checkpoint_in_flight state;
        co_await start_checkpoint(*log, state);
        // Offsets 8.. are replaced by new, unsynced batches while the checkpoint waits.
        EXPECT_TRUE(co_await log->truncate_to(8));
        co_await append_batches(*log, 10, 200);
        co_await state.done.wait();
        EXPECT_TRUE(state.outcome && !*state.outcome);
        EXPECT_LE(log->recovery_point(), 8);
        auto on_disk = recovery_point_on_disk(*log);
        EXPECT_TRUE(!on_disk || *on_disk <= 8);
        EXPECT_EQ(log->recovery_checkpoint_count(), 0u);
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST_F(recovery_checkpoint, a_roll_meanwhile_wins) {
    options.config.segment_bytes = 4096;
    reopen();
    ASSERT_TRUE(log);
    auto body = [&]() -> task<void> {
        co_await append_batches(*log, 3, 1);
        checkpoint_in_flight state;
        co_await start_checkpoint(*log, state);
        co_await append_batches(*log, 30, 50);  // rolls several times
        co_await state.done.wait();
        EXPECT_TRUE(state.outcome);
        EXPECT_GT(log->segment_count(), 2u);
        // The rolls' seals (off the append path) move the point to the active segment's base
        // once they are durable; the checkpoint never moves it back (whether it ran before the
        // first roll or was overtaken). flush() waits for the seals in flight.
        EXPECT_TRUE(co_await log->flush());
        EXPECT_GE(log->recovery_point(), log->active_segment().base_offset());
        EXPECT_EQ(recovery_point_on_disk(*log), log->recovery_point());
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

// A crash (no close) after a checkpoint: the batches below it are known from the recovery index
// (not read), the tail is read and CRC-checked; every batch is there and readable.
TEST_F(recovery_checkpoint, a_crash_after_it_scans_only_the_tail) {
    reopen();
    ASSERT_TRUE(log);
    const std::uint64_t checkpointed_bytes = checkpoint_then_append(40, 7);
    const std::uint64_t total_bytes = log->active_segment().size_bytes();
    reopen();
    ASSERT_TRUE(log);
    const auto& report = log->recovery_report();
    EXPECT_FALSE(report.clean_shutdown);
    EXPECT_EQ(report.segments_scanned, 1u);
    // Below the point: taken from the recovery index, not even walked.
    EXPECT_EQ(report.bytes_indexed, checkpointed_bytes);
    EXPECT_EQ(report.bytes_trusted, 0u);
    EXPECT_EQ(report.recovery_indexes_rejected, 0u);
    EXPECT_EQ(report.bytes_scanned, total_bytes - checkpointed_bytes);
    EXPECT_EQ(report.batches_scanned, 7u);
    EXPECT_EQ(log->log_end_offset(), 188);
    EXPECT_EQ(log->recovery_point(), 160);
    // The rebuilt index serves reads below and past the checkpoint.
    auto body = [&]() -> task<void> {
        for (std::int64_t offset : {0, 77, 159, 160, 187}) {
            auto read = co_await log->read(offset, 1);
            EXPECT_TRUE(read);
            if (read) {
                EXPECT_EQ(read->first_offset, offset / 4 * 4);
            }
        }
        auto found = co_await log->offset_for_timestamp(1000 + 500 + 3);
        EXPECT_TRUE(found && *found);
        if (found && *found) {
            EXPECT_EQ((*found)->offset, 160 + 12);
        }
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

TEST_F(recovery_checkpoint, corruption_past_it_is_still_cut) {
    reopen();
    ASSERT_TRUE(log);
    const std::uint64_t checkpointed_bytes = checkpoint_then_append(10, 10);
    const std::string path = log->active_segment().log_path();
    log.reset();  // the crash, before the file is changed
    // Flip a byte in the third batch past the checkpoint (inside its records: only the CRC
    // catches it).
    const auto at = static_cast<off_t>(checkpointed_bytes + 2 * batch_bytes + 100);
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::byte byte{};
    ASSERT_EQ(::pread(fd, &byte, 1, at), 1);
    byte ^= std::byte{0x10};
    ASSERT_EQ(::pwrite(fd, &byte, 1, at), 1);
    ::close(fd);
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_end_offset(), 48);
    EXPECT_EQ(log->recovery_report().bytes_indexed, checkpointed_bytes);
    EXPECT_EQ(file_size(path), checkpointed_bytes + 2 * batch_bytes);
    close_log();
}

// A recovery point past what the file holds (the file was cut behind Laminar's back): the walk
// ends where the file does and the point comes back to the log end.
TEST_F(recovery_checkpoint, a_point_past_the_file_comes_back_to_the_end) {
    reopen();
    ASSERT_TRUE(log);
    auto crashing = [&]() -> task<void> {
        co_await append_batches(*log, 10, 1);
        auto moved = co_await log->checkpoint_recovery_point();
        EXPECT_TRUE(moved && *moved);
    };
    run_on_reactor(crashing);
    const std::string path = log->active_segment().log_path();
    log.reset();
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(6 * batch_bytes + 10)), 0);
    reopen();
    ASSERT_TRUE(log);
    // The recovery index says 10 batches: past the data, rejected; the headers are walked.
    EXPECT_EQ(log->recovery_report().recovery_indexes_rejected, 1u);
    EXPECT_EQ(log->recovery_report().bytes_indexed, 0u);
    EXPECT_EQ(log->log_end_offset(), 24);
    EXPECT_EQ(log->recovery_point(), 24);
    EXPECT_EQ(recovery_point_on_disk(*log), 24);
    close_log();
}

TEST_F(recovery_checkpoint, an_unclean_open_keeps_an_intact_zero_tail) {
    reopen();
    ASSERT_TRUE(log);
    append_now(10, 1);
    const std::string path = log->active_segment().log_path();
    const auto preallocated = file_size(path);
    ASSERT_GT(preallocated, log->active_segment().size_bytes());
    reopen();
    ASSERT_TRUE(log);
    const auto& report = log->recovery_report();
    EXPECT_EQ(report.bytes_dropped, 0u);
    EXPECT_EQ(report.zero_bytes_kept, preallocated - log->active_segment().size_bytes());
    EXPECT_EQ(file_size(path), preallocated);  // still preallocated
    EXPECT_EQ(log->log_end_offset(), 40);
    // Appends go into the kept space; another crash finds them all.
    append_now(10, 100);
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_end_offset(), 80);
    EXPECT_EQ(log->recovery_report().batches_scanned, 20u);
    close_log();
}

// Bytes that are not zeros further into the tail (a batch written back while the one before
// it was not) make the tail be cut, so a later append ending where they begin cannot bring
// them back.
TEST_F(recovery_checkpoint, anything_but_zeros_in_the_tail_cuts_it) {
    reopen();
    ASSERT_TRUE(log);
    append_now(10, 1);
    const std::string path = log->active_segment().log_path();
    const auto end = log->active_segment().size_bytes();
    log.reset();
    const auto size = file_size(path);
    ASSERT_GT(size, end + 9000);
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const std::byte stray{0x5a};
    ASSERT_EQ(::pwrite(fd, &stray, 1, static_cast<off_t>(end + 9000)), 1);
    ::close(fd);
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_end_offset(), 40);
    EXPECT_EQ(log->recovery_report().zero_bytes_kept, 0u);
    EXPECT_EQ(log->recovery_report().bytes_dropped, size - end);
    EXPECT_EQ(file_size(path), end);
    close_log();
}

}  // namespace
}  // namespace laminar::storage
