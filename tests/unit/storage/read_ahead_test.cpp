// Read-ahead for sequential scans of cold data (storage/read_ahead.h): which reads count as a
// scan, that only cold scans advise the file, that tail reads and warm scans ask nothing or
// little of the kernel, and that partition_log::read drives it.
#include "storage/read_ahead.h"

#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <filesystem>
#include <linux/magic.h>

#include <gtest/gtest.h>

#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

constexpr std::uint64_t mib = 1 << 20;

// A directory where dropped pages stay dropped: TMPDIR unless it is a tmpfs (whose pages are
// the files themselves), else the working directory (the build tree, on a disk).
std::string disk_parent() {
    struct statfs about{};
    const std::string parent = temporary_parent();
    if (::statfs(parent.c_str(), &about) == 0 && about.f_type != TMPFS_MAGIC) return parent;
    return std::filesystem::current_path().string();
}

// Syncs the file and drops it from the page cache; false when the kernel cannot say whether
// it did or kept pages anyway (then the cold cases cannot be set up).
bool drop_from_page_cache(int fd, std::uint64_t size) {
    if (::fdatasync(fd) != 0) return false;
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    const auto cached = page_cache_holds(fd, 0, size);
    return cached.has_value() && !*cached && !page_cache_holds(fd, 0, 4096).value_or(true);
}

// A file of `size` bytes in `dir`, written through the page cache.
unique_fd make_file(const std::string& dir, std::uint64_t size) {
    const std::string path = dir + "/segment";
    unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    std::vector<char> chunk(mib, 'x');
    for (std::uint64_t written = 0; written < size; written += mib) {
        EXPECT_EQ(::pwrite(fd.get(), chunk.data(), mib, static_cast<off_t>(written)),
                  static_cast<ssize_t>(mib));
    }
    return fd;
}

void read_whole(int fd, std::uint64_t size) {
    std::vector<char> chunk(mib);
    for (std::uint64_t at = 0; at < size; at += mib) {
        ASSERT_EQ(::pread(fd, chunk.data(), mib, static_cast<off_t>(at)),
                  static_cast<ssize_t>(mib));
    }
}

TEST(read_ahead, page_cache_holds_tells_cached_from_dropped_pages) {
    temporary_directory dir(disk_parent());
    auto fd = make_file(dir.path(), 4 * mib);
    const auto written = page_cache_holds(fd.get(), 0, 4 * mib);
    if (!written) GTEST_SKIP() << "cachestat(2) is not available (Linux < 6.5)";
    EXPECT_TRUE(*written);
    if (!drop_from_page_cache(fd.get(), 4 * mib)) GTEST_SKIP() << "pages were not dropped";
    EXPECT_EQ(page_cache_holds(fd.get(), mib, mib), false);
    std::vector<char> page(4096);
    ASSERT_EQ(::pread(fd.get(), page.data(), page.size(), 2 * mib), 4096);
    // The read brought in that page (and whatever read-ahead added), not the first MiB's start.
    EXPECT_EQ(page_cache_holds(fd.get(), 2 * mib, 4096), true);
    EXPECT_EQ(page_cache_holds(fd.get(), 0, 4096), false);
    EXPECT_EQ(page_cache_holds(fd.get(), 0, 0), true);  // nothing asked, nothing missing
}

TEST(read_ahead, a_cold_scan_advises_its_file_once) {
    temporary_directory dir(disk_parent());
    auto fd = make_file(dir.path(), 16 * mib);
    if (!drop_from_page_cache(fd.get(), 16 * mib)) GTEST_SKIP() << "pages were not dropped";
    scan_read_ahead read_ahead;
    read_ahead.on_read(0, fd.get(), 0, mib, 16 * mib);  // a first read: not a scan yet
    EXPECT_EQ(read_ahead.stats().sequential_reads, 0u);
    EXPECT_EQ(read_ahead.stats().probes, 0u);
    read_ahead.on_read(0, fd.get(), mib, 2 * mib, 16 * mib);
    EXPECT_EQ(read_ahead.stats().sequential_reads, 1u);
    EXPECT_EQ(read_ahead.stats().probes, 1u);
    EXPECT_EQ(read_ahead.stats().advised, 1u);
    for (std::uint64_t at = 2 * mib; at < 16 * mib; at += mib) {
        read_ahead.on_read(0, fd.get(), at, at + mib, 16 * mib);
    }
    EXPECT_EQ(read_ahead.stats().sequential_reads, 15u);
    EXPECT_EQ(read_ahead.stats().probes, 1u);  // advised: nothing more to ask
    EXPECT_EQ(read_ahead.stats().advised, 1u);
}

TEST(read_ahead, a_warm_scan_asks_once_per_probe_span_and_advises_nothing) {
    temporary_directory dir(disk_parent());
    constexpr std::uint64_t size = 24 * mib;
    auto fd = make_file(dir.path(), size);
    read_whole(fd.get(), size);
    if (!page_cache_holds(fd.get(), 0, size).value_or(false)) {
        GTEST_SKIP() << "cachestat(2) unavailable or the file is not cached";
    }
    scan_read_ahead read_ahead;
    for (std::uint64_t at = 0; at < size; at += mib) {
        read_ahead.on_read(0, fd.get(), at, at + mib, size);
    }
    // Asked at the ends of reads 2, 10 and 18 MiB (each covering the next 8 MiB); the last
    // read ends at the data's end and asks nothing.
    static_assert(read_ahead_probe_bytes == 8 * mib);
    EXPECT_EQ(read_ahead.stats().sequential_reads, 23u);
    EXPECT_EQ(read_ahead.stats().probes, 3u);
    EXPECT_EQ(read_ahead.stats().advised, 0u);
}

TEST(read_ahead, header_reads_go_to_the_workers_while_a_segment_is_scanned_cold) {
    temporary_directory dir(disk_parent());
    auto fd = make_file(dir.path(), 4 * mib);
    if (!drop_from_page_cache(fd.get(), 4 * mib)) GTEST_SKIP() << "pages were not dropped";
    scan_read_ahead read_ahead;
    EXPECT_EQ(read_ahead.placement(0), header_reads::shard_first);
    read_ahead.on_read(0, fd.get(), 0, mib, 4 * mib);
    EXPECT_EQ(read_ahead.placement(0), header_reads::shard_first);  // not a scan yet
    read_ahead.on_read(0, fd.get(), mib, 2 * mib, 4 * mib);
    EXPECT_EQ(read_ahead.stats().advised, 1u);
    EXPECT_EQ(read_ahead.placement(0), header_reads::in_workers);
    EXPECT_EQ(read_ahead.placement(100), header_reads::shard_first);  // another segment
    read_ahead.on_read(0, fd.get(), 2 * mib, 3 * mib, 4 * mib, header_reads::in_workers);
    EXPECT_EQ(read_ahead.stats().worker_reads, 1u);
    read_ahead.on_read(0, fd.get(), 3 * mib, 4 * mib, 4 * mib, header_reads::in_workers);
    // At the end of the data the scan is a tail reader now.
    EXPECT_EQ(read_ahead.placement(0), header_reads::shard_first);
}

TEST(read_ahead, tail_reads_ask_nothing) {
    scan_read_ahead read_ahead;
    // A consumer at the end of the active segment: each read ends where the data does, and the
    // next one starts there once more has been appended. fd -1: any call to the kernel fails.
    std::uint64_t end = 4096;
    read_ahead.on_read(0, -1, 0, end, end);
    for (int i = 0; i < 100; ++i) {
        const std::uint64_t appended = end + 1000;
        read_ahead.on_read(0, -1, end, appended, appended);
        end = appended;
    }
    EXPECT_EQ(read_ahead.stats().sequential_reads, 100u);
    EXPECT_EQ(read_ahead.stats().probes, 0u);
    EXPECT_EQ(read_ahead.stats().advised, 0u);
}

TEST(read_ahead, recognises_interleaved_scans_up_to_its_bound) {
    scan_read_ahead read_ahead;
    constexpr std::uint64_t data_end = 1000 * mib;  // never reached: every read is a scan's
    // Readers r scan from r * 100 MiB, taking turns, one read each per round. fd -1 so the
    // probe's cachestat fails and the advice is refused: only the bookkeeping is tested here.
    auto round = [&](int readers, int index) {
        for (int r = 0; r < readers; ++r) {
            const std::uint64_t at = static_cast<std::uint64_t>(r) * 100 * mib + index * mib;
            read_ahead.on_read(0, -1, at, at + mib, data_end);
        }
    };
    for (int index = 0; index < 3; ++index) round(static_cast<int>(read_ahead_streams_max), index);
    // Every reader's reads after its first continued its own stream.
    EXPECT_EQ(read_ahead.stats().sequential_reads, 2 * read_ahead_streams_max);
    // One reader more than the bound: each new read replaces the least recently used stream,
    // which is the one the next reader needed, so none continues.
    scan_read_ahead crowded;
    const int readers = static_cast<int>(read_ahead_streams_max) + 1;
    for (int index = 0; index < 3; ++index) {
        for (int r = 0; r < readers; ++r) {
            const std::uint64_t at = static_cast<std::uint64_t>(r) * 100 * mib + index * mib;
            crowded.on_read(0, -1, at, at + mib, data_end);
        }
    }
    EXPECT_EQ(crowded.stats().sequential_reads, 0u);
    // A jump is not a scan; a read in another segment at the same position is not either.
    scan_read_ahead jumps;
    jumps.on_read(0, -1, 0, mib, data_end);
    jumps.on_read(0, -1, 2 * mib, 3 * mib, data_end);
    jumps.on_read(500, -1, 3 * mib, 4 * mib, data_end);
    EXPECT_EQ(jumps.stats().sequential_reads, 0u);
}

TEST(read_ahead, a_scan_goes_on_into_the_next_segment) {
    scan_read_ahead read_ahead;
    read_ahead.on_read(0, -1, 0, mib, 2 * mib);
    read_ahead.on_read(0, -1, mib, 2 * mib, 2 * mib);  // to the segment's end
    read_ahead.on_read(700, -1, 0, mib, 2 * mib);      // the next segment's start
    read_ahead.on_read(700, -1, mib, 2 * mib, 2 * mib);
    EXPECT_EQ(read_ahead.stats().sequential_reads, 3u);
    // A read at a segment's start with no scan at an earlier segment's end starts a stream.
    scan_read_ahead fresh;
    fresh.on_read(0, -1, 0, mib, 2 * mib);
    fresh.on_read(700, -1, 0, mib, 2 * mib);
    EXPECT_EQ(fresh.stats().sequential_reads, 0u);
}

// partition_log::read drives it: a cold catch-up scan of a closed log advises each segment once
// (a scan goes on from one segment into the next) and every read returns the next batches; a
// consumer at the tail asks nothing.
TEST(read_ahead, partition_log_reads_advise_a_cold_scan_and_not_the_tail) {
    temporary_directory dir(disk_parent());
    auto options = options_in(dir.path());
    options.config.segment_bytes = 5 << 20;
    auto log = open_log(options);
    ASSERT_TRUE(log);
    constexpr int batches = 192;  // 64 KiB each: 12 MiB in 3 segments
    auto batch = make_batch(4, (64 << 10) - layout::header_bytes, 1000, 1);
    auto write = [&]() -> task<void> {
        for (int i = 0; i < batches; ++i) EXPECT_TRUE(co_await log->append(batch));
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(write);
    log = open_log(options);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->segment_count(), 3u);
    for (const auto& each : log->segments()) {
        if (!drop_from_page_cache(each->fd(), each->size_bytes())) {
            GTEST_SKIP() << "cachestat(2) unavailable or pages were not dropped";
        }
    }
    int reads = 0;
    auto scan = [&]() -> task<void> {
        std::int64_t offset = 0;
        std::uint64_t position = 0;
        const segment* previous = nullptr;
        while (offset < log->log_end_offset()) {
            auto read = co_await log->read(offset, mib);
            EXPECT_TRUE(read);
            if (!read || read->range.length == 0) break;
            if (read->range.owner.get() != previous) position = 0;
            previous = read->range.owner.get();
            EXPECT_EQ(read->first_offset, offset);
            EXPECT_EQ(read->range.position, position);
            position += read->range.length;
            ++reads;
            offset += static_cast<std::int64_t>(read->range.length / batch.size()) * 4;
        }
        EXPECT_EQ(offset, log->log_end_offset());
    };
    run_on_reactor(scan);
    EXPECT_GE(reads, 12);
    EXPECT_EQ(log->read_ahead().sequential_reads, static_cast<std::uint64_t>(reads - 1));
    EXPECT_EQ(log->read_ahead().probes, 3u);
    EXPECT_EQ(log->read_ahead().advised, 3u);
    // Once a segment was advised, its lookups read headers in the ring's workers: every read
    // after the one that advised it (the second of the first segment, where the scan starts;
    // the first of each later one, which the scan enters from the previous one's end).
    EXPECT_EQ(log->read_ahead().worker_reads, static_cast<std::uint64_t>(reads - 4));

    // The tail: append one batch, read it, again and again.
    const auto probes_before = log->read_ahead().probes;
    auto tail = [&]() -> task<void> {
        for (int i = 0; i < 20; ++i) {
            const std::int64_t end = log->log_end_offset();
            EXPECT_TRUE(co_await log->append(batch));
            auto read = co_await log->read(end, mib);
            EXPECT_TRUE(read);
            if (read) {
                EXPECT_EQ(read->range.length, batch.size());
            }
        }
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(tail);
    EXPECT_EQ(log->read_ahead().probes, probes_before);
    EXPECT_EQ(log->read_ahead().advised, 3u);
    // The scan reached the end: the tail reads try the shard thread first again.
    EXPECT_EQ(log->read_ahead().worker_reads, static_cast<std::uint64_t>(reads - 4));
}

}  // namespace
}  // namespace laminar::storage
