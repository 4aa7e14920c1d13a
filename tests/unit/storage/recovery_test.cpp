// Corruption and recovery: flipped bytes, torn and truncated files, garbage after the end,
// missing and inconsistent index files. Each must be detected, cut off or rebuilt, and never
// served.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

struct written_log {
    std::vector<std::vector<std::byte>> batches;  // as stored (offsets assigned)
    std::vector<std::uint64_t> positions;         // within their segment
    std::vector<std::int64_t> segment_bases;      // of each batch
    std::string dir;
};

log_options small_segments(const std::string& dir) {
    auto options = options_in(dir);
    options.config.segment_bytes = 4096;  // 20 batches of 200 bytes per segment
    options.config.index_interval_bytes = 500;
    options.config.preallocate_extent_bytes = 2048;
    return options;
}

written_log write_log(const log_options& options, int count, bool close_cleanly) {
    written_log written;
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        written.dir = log.dir();
        for (int i = 0; i < count; ++i) {
            written.batches.push_back(make_batch(2, 139, 50'000 + i, i));
            auto appended = co_await log.append(written.batches.back());
            EXPECT_TRUE(appended);
            written.segment_bases.push_back(log.active_segment().base_offset());
            written.positions.push_back(log.active_segment().size_bytes() -
                                        written.batches.back().size());
        }
        if (close_cleanly) {
            EXPECT_TRUE(co_await log.close());
        } else {
            EXPECT_TRUE(co_await log.flush());
        }
    };
    run_on_reactor(body);
    return written;
}

std::string log_file(const written_log& written, std::size_t batch, std::string_view suffix) {
    return written.dir + "/" + segment_file_name(written.segment_bases[batch], suffix);
}

void flip_byte(const std::string& path, std::uint64_t position) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::byte value{};
    ASSERT_EQ(::pread(fd, &value, 1, static_cast<off_t>(position)), 1);
    value ^= std::byte{0x10};
    ASSERT_EQ(::pwrite(fd, &value, 1, static_cast<off_t>(position)), 1);
    ::close(fd);
}

void write_at(const std::string& path, std::uint64_t position, std::span<const std::byte> bytes) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(position)),
              static_cast<ssize_t>(bytes.size()));
    ::close(fd);
}

// Opens the log, reads every batch it serves (each must pass validation), appends one more
// batch, closes it. Returns the batches served before the append.
struct reopened_log {
    std::vector<std::vector<std::byte>> served;
    log_recovery_report report;
    std::int64_t end_offset = -1;
    std::int64_t next_append = -1;
    std::size_t segments = 0;
};

reopened_log reopen_and_read(const log_options& options) {
    reopened_log outcome;
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        outcome.report = log.recovery_report();
        outcome.end_offset = log.log_end_offset();
        outcome.segments = log.segment_count();
        std::int64_t offset = log.log_start_offset();
        while (offset < log.log_end_offset()) {
            auto read = co_await log.read(offset, 1 << 20);
            EXPECT_TRUE(read);
            if (!read || read->range.length == 0) break;
            auto bytes = bytes_of(read->range);
            std::span<const std::byte> rest(bytes);
            while (!rest.empty()) {
                auto header = validate_record_batch(rest, 1 << 20);
                EXPECT_TRUE(header) << "served an invalid batch at offset " << offset;
                if (!header) co_return;
                outcome.served.emplace_back(rest.begin(), rest.begin() + header->total_bytes());
                offset = header->last_offset() + 1;
                rest = rest.subspan(header->total_bytes());
            }
        }
        auto extra = make_batch(1, 20, 1, 999);
        auto appended = co_await log.append(extra);
        EXPECT_TRUE(appended);
        if (appended) outcome.next_append = appended->base_offset;
        EXPECT_TRUE(co_await log.close());
    };
    run_on_reactor(body);
    return outcome;
}

std::vector<std::vector<std::byte>> first(const written_log& written, std::size_t count) {
    return {written.batches.begin(), written.batches.begin() + static_cast<std::ptrdiff_t>(count)};
}

TEST(recovery, flipped_byte_in_the_active_segment_cuts_the_log_there) {
    temporary_directory dir;
    const auto options = small_segments(dir.path());
    auto written = write_log(options, 50, false);
    ASSERT_EQ(written.segment_bases[45], 80);  // batches 40..49 in the active segment
    flip_byte(log_file(written, 45, log_suffix), written.positions[45] + 100);
    auto reopened = reopen_and_read(options);
    EXPECT_FALSE(reopened.report.clean_shutdown);
    EXPECT_EQ(reopened.end_offset, 90);
    EXPECT_EQ(reopened.next_append, 90);
    EXPECT_EQ(reopened.served, first(written, 45));
    EXPECT_GT(reopened.report.bytes_dropped, 4u * 200);
}

// Batches recovered after a crash past the recovery point were never synced by the new run:
// the first flush syncs them and the directories (a flush that returned at once would let a
// retried batch found among them be acknowledged durable while it is only in the page cache).
TEST(recovery, the_first_flush_after_a_crash_syncs_what_was_recovered_past_the_point) {
    temporary_directory dir;
    const auto options = small_segments(dir.path());
    write_log(options, 50, false);
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        EXPECT_LT(log.recovery_point(), log.log_end_offset());
        EXPECT_FALSE(log.directories_durable());
        EXPECT_TRUE(co_await log.flush());
        EXPECT_EQ(log.fdatasync_count(), 1u);
        EXPECT_TRUE(log.directories_durable());
        EXPECT_TRUE(co_await log.flush());  // nothing new
        EXPECT_EQ(log.fdatasync_count(), 1u);
        EXPECT_TRUE(co_await log.close());
    };
    run_on_reactor(body);
}

TEST(recovery, flipped_byte_in_a_scanned_sealed_segment_drops_everything_after) {
    temporary_directory dir;
    const auto options = small_segments(dir.path());
    auto written = write_log(options, 50, false);
    // Without the recovery point every segment is scanned.
    std::filesystem::remove(written.dir + "/recovery-point");
    flip_byte(log_file(written, 25, log_suffix), written.positions[25] + 30);
    auto reopened = reopen_and_read(options);
    EXPECT_EQ(reopened.report.segments_scanned, 2u);
    EXPECT_EQ(reopened.report.segments_dropped, 1u);
    EXPECT_EQ(reopened.end_offset, 50);
    EXPECT_EQ(reopened.segments, 2u);
    EXPECT_EQ(reopened.served, first(written, 25));
    EXPECT_FALSE(std::filesystem::exists(log_file(written, 45, log_suffix)));
}

TEST(recovery, truncated_file_after_a_clean_close_is_caught_by_the_tail_check) {
    temporary_directory dir;
    const auto options = small_segments(dir.path());
    auto written = write_log(options, 50, true);
    ASSERT_EQ(::truncate(log_file(written, 47, log_suffix).c_str(),
                         static_cast<off_t>(written.positions[47] + 70)),
              0);
    auto reopened = reopen_and_read(options);
    EXPECT_TRUE(reopened.report.clean_shutdown);
    EXPECT_EQ(reopened.report.segments_scanned, 1u);
    EXPECT_EQ(reopened.end_offset, 94);
    EXPECT_EQ(reopened.served, first(written, 47));
}

TEST(recovery, garbage_after_the_end_is_cut_off) {
    for (bool clean : {true, false}) {
        temporary_directory dir;
        const auto options = small_segments(dir.path());
        auto written = write_log(options, 50, clean);
        std::vector<std::byte> garbage(700);
        std::mt19937_64 random(7);
        for (auto& b : garbage) b = static_cast<std::byte>(random() | 1);
        const std::uint64_t end = written.positions[49] + written.batches[49].size();
        write_at(log_file(written, 49, log_suffix), end, garbage);
        auto reopened = reopen_and_read(options);
        EXPECT_EQ(reopened.end_offset, 100) << clean;
        EXPECT_EQ(reopened.next_append, 100) << clean;
        EXPECT_EQ(reopened.served, written.batches) << clean;
        // And it stays cut: the appended batch follows the last good one.
        auto again = reopen_and_read(options);
        EXPECT_EQ(again.end_offset, 101) << clean;
        EXPECT_EQ(again.served.size(), 51u) << clean;
    }
}

TEST(recovery, zero_filled_tail_marks_the_end) {
    temporary_directory dir;
    const auto options = small_segments(dir.path());
    auto written = write_log(options, 45, false);
    const auto path = log_file(written, 44, log_suffix);
    const std::uint64_t end = written.positions[44] + written.batches[44].size();
    EXPECT_GT(file_size(path), end);  // preallocated, zero-filled
    auto reopened = reopen_and_read(options);
    EXPECT_EQ(reopened.end_offset, 90);
    EXPECT_EQ(reopened.served, written.batches);
}

// A log of two sealed segments closed cleanly, with the index files the index tests damage:
// segment 0's offset index and segment 1's time index, as the appends wrote them.
struct indexed_log {
    log_options options;
    written_log written;
    std::string offsets0_path;
    std::string times1_path;
    std::vector<std::byte> offsets0;
    std::vector<std::byte> times1;
};

indexed_log write_indexed_log(const std::string& dir) {
    indexed_log log{small_segments(dir), {}, {}, {}, {}, {}};
    log.written = write_log(log.options, 50, true);
    log.offsets0_path = log_file(log.written, 0, index_suffix);
    log.times1_path = log_file(log.written, 25, time_index_suffix);
    log.offsets0 = read_file(log.offsets0_path);
    log.times1 = read_file(log.times1_path);
    EXPECT_FALSE(log.offsets0.empty());
    EXPECT_FALSE(log.times1.empty());
    return log;
}

// Reopened, both damaged files are rebuilt from the log to what the appends had written, and
// every batch is served.
void expect_both_rebuilt(const indexed_log& log, const reopened_log& reopened) {
    EXPECT_EQ(reopened.report.indexes_rebuilt, 2u);
    EXPECT_EQ(reopened.served, log.written.batches);
    EXPECT_EQ(read_file(log.offsets0_path), log.offsets0);
    EXPECT_EQ(read_file(log.times1_path), log.times1);
}

TEST(recovery, missing_and_inconsistent_index_files_are_rebuilt) {
    temporary_directory dir;
    const auto log = write_indexed_log(dir.path());
    const auto offsets1_path = log_file(log.written, 25, index_suffix);
    const auto offsets1 = read_file(offsets1_path);
    std::filesystem::remove(log.offsets0_path);
    std::filesystem::remove(log.times1_path);
    // Entries out of order in segment 1's offset index.
    auto scrambled = offsets1;
    std::swap_ranges(scrambled.begin(), scrambled.begin() + 8, scrambled.begin() + 8);
    write_at(offsets1_path, 0, scrambled);
    flip_byte(offsets1_path, 0);
    auto reopened = reopen_and_read(log.options);
    expect_both_rebuilt(log, reopened);
    EXPECT_EQ(read_file(offsets1_path), offsets1);
}

long peak_resident_kib() {
    rusage usage{};
    EXPECT_EQ(::getrusage(RUSAGE_SELF, &usage), 0);
    return usage.ru_maxrss;
}

// Index files far larger than their segment could ever index (sparse here: their entries, then
// 128 MiB of nothing) are garbage: rebuilt, without being read into memory first (the peak
// resident size barely moves; reading them would add 256 MiB).
TEST(recovery, index_files_larger_than_their_segment_can_index_are_rebuilt_unread) {
    temporary_directory dir;
    const auto log = write_indexed_log(dir.path());
    constexpr off_t huge_bytes = off_t{128} << 20;
    ASSERT_EQ(::truncate(log.offsets0_path.c_str(), huge_bytes), 0);
    ASSERT_EQ(::truncate(log.times1_path.c_str(), huge_bytes), 0);
    const long before_kib = peak_resident_kib();
    auto reopened = reopen_and_read(log.options);
    EXPECT_LT(peak_resident_kib() - before_kib, 32 << 10);
    expect_both_rebuilt(log, reopened);
}

TEST(recovery, leftover_temporaries_and_orphan_indexes_are_removed) {
    temporary_directory dir;
    const auto options = small_segments(dir.path());
    auto written = write_log(options, 5, true);
    const std::string orphan = written.dir + "/" + segment_file_name(777, index_suffix);
    const std::string temporary = written.dir + "/recovery-point.tmp";
    write_at(orphan, 0, std::vector<std::byte>(8));
    write_at(temporary, 0, std::vector<std::byte>(3));
    auto reopened = reopen_and_read(options);
    EXPECT_EQ(reopened.served, written.batches);
    EXPECT_FALSE(std::filesystem::exists(orphan));
    EXPECT_FALSE(std::filesystem::exists(temporary));
}

}  // namespace
}  // namespace laminar::storage
