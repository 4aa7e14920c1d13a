// The recovery index (storage/recovery_index.h): its encoding, and recovery after a crash with
// the index current, stale (an earlier checkpoint's), missing, past the recovery point, past the
// data, corrupt, or pointing at other batches, and removed by a truncation. Whatever the file
// holds, the log reopens with every batch below the point and reads them at the right offsets;
// only a current index spares the header walk.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "storage/checkpoint.h"
#include "storage/recovery_index.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

constexpr std::size_t record_bytes = 300;
constexpr std::uint64_t batch_bytes = layout::header_bytes + record_bytes;

segment_snapshot sample_snapshot() {
    segment_snapshot snapshot;
    snapshot.base_offset = 100;
    snapshot.next_offset = 180;
    snapshot.size = 9000;
    snapshot.max_timestamp = 5000;
    snapshot.offset_of_max_timestamp = 170;
    snapshot.bytes_since_index_entry = 700;
    snapshot.offsets = {{11, 4400}, {47, 8300}};
    snapshot.times = {{4000, 11}, {5000, 70}};
    return snapshot;
}

TEST(recovery_index_encoding, round_trips_and_rejects_any_damage) {
    const auto snapshot = sample_snapshot();
    const auto bytes = encode_recovery_index(snapshot);
    EXPECT_EQ(bytes.size(), recovery_index_header_bytes + 2 * offset_index_entry_bytes +
                                2 * time_index_entry_bytes + recovery_index_trailer_bytes);
    EXPECT_EQ(parse_recovery_index(bytes), snapshot);
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        EXPECT_FALSE(parse_recovery_index(std::span(bytes).first(cut))) << cut;
    }
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        auto flipped = bytes;
        flipped[at] ^= std::byte{0x01};
        EXPECT_FALSE(parse_recovery_index(flipped)) << at;
    }
    const std::vector<std::byte> zeros(bytes.size());
    EXPECT_FALSE(parse_recovery_index(zeros));
}

task<void> append_batches(partition_log& log, int count, std::uint64_t seed) {
    for (int i = 0; i < count; ++i) {
        auto batch =
            make_batch(4, record_bytes, 1000 + static_cast<std::int64_t>(seed) + i, seed + i);
        EXPECT_TRUE(co_await log.append(batch));
    }
}

class recovery_index : public ::testing::Test {
protected:
    temporary_directory dir;
    log_options options = options_in(dir.path());
    std::unique_ptr<partition_log> log;

    std::string log_dir() const {
        return options.data_dir + "/" + options.topic + "-" + std::to_string(options.partition);
    }
    std::string index_path() const { return log_dir() + "/" + std::string(recovery_index_file); }

    void reopen() {
        log.reset();
        log = open_log(options);
    }

    // Appends `count` batches and checkpoints; the active segment's size after it.
    std::uint64_t append_and_checkpoint(int count, std::uint64_t seed) {
        std::uint64_t size = 0;
        auto body = [&]() -> task<void> {
            co_await append_batches(*log, count, seed);
            auto moved = co_await log->checkpoint_recovery_point();
            EXPECT_TRUE(moved && *moved);
            size = log->active_segment().size_bytes();
            EXPECT_EQ(log->bytes_past_recovery_point(), 0u);
        };
        run_on_reactor(body);
        return size;
    }

    void append_now(int count, std::uint64_t seed) {
        auto body = [&]() -> task<void> { co_await append_batches(*log, count, seed); };
        run_on_reactor(body);
    }

    // Two checkpoints of 20 batches each, then a crash between the second's index rename and
    // its point's (the first point is put back), and a reopen: the index says 160, the point 80.
    // The active segment's size at the first checkpoint.
    std::uint64_t leave_an_index_past_the_point() {
        reopen();
        if (!log) return 0;
        const auto first = append_and_checkpoint(20, 1);
        const std::string point = log_dir() + "/" + std::string(recovery_point_file);
        std::filesystem::copy_file(point, point + ".old");
        append_and_checkpoint(20, 21);
        log.reset();
        std::filesystem::rename(point + ".old", point);
        reopen();
        return first;
    }

    // Writes `bytes` into the closed log's index file at `at`, opened with `flags`.
    void write_index(std::span<const std::byte> bytes, off_t at, int flags) {
        const int fd = ::open(index_path().c_str(), flags | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), at),
                  static_cast<ssize_t>(bytes.size()));
        ::close(fd);
    }

    // Reopens after the index was damaged: it is rejected, the `checkpointed` bytes below the
    // point are walked by header, and every batch up to `end` reads back.
    void expect_rejected_and_walked(std::uint64_t checkpointed, std::int64_t end) {
        reopen();
        ASSERT_TRUE(log);
        EXPECT_EQ(log->recovery_report().recovery_indexes_rejected, 1u);
        EXPECT_EQ(log->recovery_report().bytes_trusted, checkpointed);
        expect_all_readable(end);
    }

    // Every batch of 4 records reads back at its offset, by offset and by timestamp.
    void expect_all_readable(std::int64_t end) {
        auto body = [&]() -> task<void> {
            EXPECT_EQ(log->log_end_offset(), end);
            for (std::int64_t offset = 0; offset < end; offset += 4) {
                auto read = co_await log->read(offset + 3, 1);
                EXPECT_TRUE(read && read->first_offset == offset) << offset;
            }
            auto found = co_await log->offset_for_timestamp(1000 + 1 + 5);
            EXPECT_TRUE(found && *found && (*found)->offset == 20);
            EXPECT_TRUE(co_await log->close());
        };
        run_on_reactor(body);
    }
};

TEST_F(recovery_index, a_current_one_spares_the_walk_and_counts_bytes_past_the_point) {
    reopen();
    ASSERT_TRUE(log);
    const auto checkpointed = append_and_checkpoint(40, 1);
    append_now(5, 1 + 40);
    EXPECT_EQ(log->bytes_past_recovery_point(), 5 * batch_bytes);
    reopen();
    ASSERT_TRUE(log);
    const auto& report = log->recovery_report();
    EXPECT_EQ(report.bytes_indexed, checkpointed);
    EXPECT_EQ(report.bytes_trusted, 0u);
    EXPECT_EQ(report.batches_scanned, 5u);
    EXPECT_EQ(log->recovery_point(), 160);
    EXPECT_EQ(log->bytes_past_recovery_point(), 5 * batch_bytes);
    expect_all_readable(180);
}

TEST_F(recovery_index, a_stale_one_is_used_and_the_rest_walked) {
    reopen();
    ASSERT_TRUE(log);
    const auto first = append_and_checkpoint(20, 1);
    std::filesystem::copy_file(index_path(), index_path() + ".old");
    const auto second = append_and_checkpoint(20, 21);
    append_now(3, 41);
    log.reset();
    // The second checkpoint's rename of the index was lost, the point's was not.
    std::filesystem::rename(index_path() + ".old", index_path());
    reopen();
    ASSERT_TRUE(log);
    const auto& report = log->recovery_report();
    EXPECT_EQ(report.bytes_indexed, first);
    EXPECT_EQ(report.bytes_trusted, second - first);
    EXPECT_EQ(report.bytes_scanned, 3 * batch_bytes);
    EXPECT_EQ(report.recovery_indexes_rejected, 0u);
    expect_all_readable(172);
}

TEST_F(recovery_index, a_missing_one_costs_the_walk) {
    reopen();
    ASSERT_TRUE(log);
    const auto checkpointed = append_and_checkpoint(30, 1);
    append_now(2, 31);
    log.reset();
    ASSERT_EQ(::unlink(index_path().c_str()), 0);
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().bytes_indexed, 0u);
    EXPECT_EQ(log->recovery_report().bytes_trusted, checkpointed);
    EXPECT_EQ(log->recovery_report().recovery_indexes_rejected, 0u);
    expect_all_readable(128);
}

TEST_F(recovery_index, one_past_the_point_is_rejected) {
    const auto first = leave_an_index_past_the_point();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().recovery_indexes_rejected, 1u);
    EXPECT_EQ(log->recovery_report().bytes_indexed, 0u);
    EXPECT_EQ(log->recovery_report().bytes_trusted, first);
    expect_all_readable(160);
}

TEST_F(recovery_index, a_corrupt_one_is_rejected) {
    reopen();
    ASSERT_TRUE(log);
    const auto checkpointed = append_and_checkpoint(30, 1);
    log.reset();
    const std::byte garbage{0x5a};
    write_index(std::span(&garbage, 1), 20, O_RDWR);
    expect_rejected_and_walked(checkpointed, 120);
}

// A file far larger than the active segment could need (sparse here: the index, then 256 MiB of
// nothing; under the format's own entry cap) is rejected without being read into memory: the
// peak resident size barely moves (reading it would add 256 MiB).
TEST_F(recovery_index, one_larger_than_its_segment_can_hold_is_rejected_unread) {
    reopen();
    ASSERT_TRUE(log);
    const auto checkpointed = append_and_checkpoint(30, 1);
    log.reset();
    ASSERT_EQ(::truncate(index_path().c_str(), off_t{256} << 20), 0);
    rusage before{};
    ASSERT_EQ(::getrusage(RUSAGE_SELF, &before), 0);
    expect_rejected_and_walked(checkpointed, 120);
    rusage after{};
    ASSERT_EQ(::getrusage(RUSAGE_SELF, &after), 0);
    EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 32 << 10);
}

// An intact file whose last entry points where no batch with its offset starts (other data): the
// one header read catches it.
TEST_F(recovery_index, one_pointing_at_other_batches_is_rejected) {
    reopen();
    ASSERT_TRUE(log);
    const auto checkpointed = append_and_checkpoint(30, 1);
    log.reset();
    auto bytes = read_file(index_path());
    auto snapshot = parse_recovery_index(bytes);
    ASSERT_TRUE(snapshot);
    ASSERT_FALSE(snapshot->offsets.empty());
    snapshot->offsets.back().position += static_cast<std::uint32_t>(batch_bytes);
    write_index(encode_recovery_index(*snapshot), 0, O_WRONLY | O_TRUNC);
    expect_rejected_and_walked(checkpointed, 120);
}

// A truncation below the point removes the index before it cuts; batches written again at the
// same offsets are never described by the old file.
TEST_F(recovery_index, a_truncation_removes_it) {
    reopen();
    ASSERT_TRUE(log);
    append_and_checkpoint(30, 1);
    auto body = [&]() -> task<void> {
        EXPECT_TRUE(co_await log->truncate_to(40));
        co_await append_batches(*log, 20, 11);
    };
    run_on_reactor(body);
    EXPECT_FALSE(std::filesystem::exists(index_path()));
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().bytes_indexed, 0u);
    EXPECT_EQ(log->log_end_offset(), 120);
    expect_all_readable(120);
}

// The index is optional: a checkpoint that cannot write it (here a directory stands where its
// temporary goes; a full disk in practice) still syncs and moves the point, and recovery walks
// the headers below it.
TEST_F(recovery_index, a_failed_write_of_it_still_moves_the_point) {
    reopen();
    ASSERT_TRUE(log);
    const std::string blocker = index_path() + std::string(checkpoint_temporary_suffix);
    ASSERT_TRUE(std::filesystem::create_directory(blocker));
    const auto checkpointed = append_and_checkpoint(30, 1);
    EXPECT_EQ(log->recovery_point(), 120);
    EXPECT_FALSE(std::filesystem::exists(index_path()));
    log.reset();
    std::filesystem::remove(blocker);
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().bytes_indexed, 0u);
    EXPECT_EQ(log->recovery_report().bytes_trusted, checkpointed);
    expect_all_readable(120);
}

// A file past the point (the point's rename was lost) is rejected at open but stays on disk; a
// truncation above the point must still remove it, or a later crash could adopt it over the
// batches written again after the cut.
TEST_F(recovery_index, a_truncation_above_the_point_removes_one_past_it) {
    leave_an_index_past_the_point();
    ASSERT_TRUE(log);
    ASSERT_EQ(log->recovery_point(), 80);
    ASSERT_TRUE(std::filesystem::exists(index_path()));
    auto body = [&]() -> task<void> {
        EXPECT_TRUE(co_await log->truncate_to(120));
        co_await append_batches(*log, 10, 31);
    };
    run_on_reactor(body);
    EXPECT_FALSE(std::filesystem::exists(index_path()));
    reopen();
    ASSERT_TRUE(log);
    expect_all_readable(160);
}

}  // namespace
}  // namespace laminar::storage
