// A real full disk: each case runs in a child process that mounts its own size-limited tmpfs (in a
// private mount namespace, so the mount vanishes with the child), fills it with a filler file and
// appends until the file system refuses. The refused append fails with a clear error and gets no
// offset; every acknowledged batch reads back intact; once the filler is removed, appends succeed
// again on the same open log (no reopen); after a reopen the log holds exactly the acknowledged
// batches. The fill level varies so the refusal lands mid-extent, at a roll and at the first
// segment's preallocation.
//
// Mounting needs CAP_SYS_ADMIN (root, as CI and the appliance run); without it the test says so
// and skips.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

constexpr std::size_t tmpfs_bytes = 1 << 20;

struct fill_case {
    const char* name;
    std::size_t filler_bytes;    // taken from the tmpfs before the log opens
    std::size_t record_bytes;    // per batch (one record each)
    std::uint64_t segment_bytes;
    std::uint64_t extent_bytes;
    std::size_t min_segments;    // segments the log must have reached when refused
};

void PrintTo(const fill_case& c, std::ostream* out) { *out << c.name; }

// Exit codes of the child: 0 passed, 77 cannot mount here, others name the failed check.
enum child_exit : int {
    passed = 0,
    no_mount_privilege = 77,
    namespace_failed = 10,
    filler_failed = 11,
    open_failed = 13,
    wrong_error = 14,
    wrong_offset = 15,
    never_filled = 16,
    log_failed_state = 17,
    too_few_segments = 24,
    read_back_failed = 18,
    refused_twice_expected = 19,
    filler_remove_failed = 20,
    not_resumed = 21,
    close_failed = 22,
    reopen_mismatch = 23,
};

int write_filler(const std::string& path, std::size_t bytes) {
    const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    std::vector<char> block(64 << 10, 'f');
    std::size_t done = 0;
    while (done < bytes) {
        const auto chunk = std::min(block.size(), bytes - done);
        const auto wrote = ::write(fd, block.data(), chunk);
        if (wrote <= 0) {
            ::close(fd);
            return -1;
        }
        done += static_cast<std::size_t>(wrote);
    }
    ::close(fd);
    return 0;
}

// Every batch below the log end reads back with its offset and the bytes it was appended with.
task<bool> reads_back(const partition_log& log, const std::vector<std::vector<std::byte>>& sent) {
    if (log.log_end_offset() != static_cast<std::int64_t>(sent.size())) co_return false;
    for (std::size_t offset = 0; offset < sent.size(); ++offset) {
        auto read = co_await log.read(static_cast<std::int64_t>(offset), 1);
        if (!read || read->first_offset != static_cast<std::int64_t>(offset)) co_return false;
        auto bytes = bytes_of(read->range);
        auto header = validate_record_batch(bytes, 1 << 20);
        if (!header || header->base_offset != static_cast<std::int64_t>(offset)) co_return false;
        if (bytes.size() < sent[offset].size()) co_return false;
        // The header's base offset was rewritten; the records must be the sent bytes.
        for (std::size_t i = record_batch_layout::header_bytes; i < sent[offset].size(); ++i) {
            if (bytes[i] != sent[offset][i]) co_return false;
        }
    }
    co_return true;
}

[[noreturn]] void run_full_disk_writer(const std::string& mount_dir, const fill_case& c) {
    if (::unshare(CLONE_NEWNS) != 0) _exit(errno == EPERM ? no_mount_privilege : namespace_failed);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(namespace_failed);
    const std::string size = "size=" + std::to_string(tmpfs_bytes);
    if (::mount("tmpfs", mount_dir.c_str(), "tmpfs", 0, size.c_str()) != 0) {
        _exit(errno == EPERM ? no_mount_privilege : namespace_failed);
    }
    const std::string filler = mount_dir + "/filler";
    if (write_filler(filler, c.filler_bytes) != 0) _exit(filler_failed);

    auto options = options_in(mount_dir);
    options.config.segment_bytes = c.segment_bytes;
    options.config.preallocate_extent_bytes = c.extent_bytes;

    int outcome = passed;
    auto main = [&]() -> task<void> {
        std::vector<std::vector<std::byte>> acknowledged;
        {
            auto opened = co_await partition_log::open(options);
            if (!opened) co_return void(outcome = open_failed);
            auto& log = **opened;
            bool refused = false;
            for (std::uint64_t seed = 0; seed < 10'000 && !refused; ++seed) {
                auto batch = make_batch(1, c.record_bytes, 1000 + static_cast<std::int64_t>(seed),
                                        seed);
                auto appended = co_await log.append(batch);
                if (!appended) {
                    if (appended.error() != errc::no_space) co_return void(outcome = wrong_error);
                    refused = true;
                    break;
                }
                if (appended->base_offset != static_cast<std::int64_t>(acknowledged.size())) {
                    co_return void(outcome = wrong_offset);
                }
                acknowledged.push_back(std::move(batch));
            }
            if (!refused) co_return void(outcome = never_filled);
            if (log.failed()) co_return void(outcome = log_failed_state);
            if (log.segment_count() < c.min_segments) co_return void(outcome = too_few_segments);
            if (!co_await reads_back(log, acknowledged)) co_return void(outcome = read_back_failed);
            // Still full: refused again, still no offset taken.
            auto again = make_batch(1, c.record_bytes, 1, 99'999);
            auto refused_again = co_await log.append(again);
            if (refused_again || refused_again.error() != errc::no_space) {
                co_return void(outcome = refused_twice_expected);
            }
            if (::unlink(filler.c_str()) != 0) co_return void(outcome = filler_remove_failed);
            for (std::uint64_t seed = 50'000; seed < 50'010; ++seed) {
                auto batch = make_batch(1, c.record_bytes, 2000, seed);
                auto appended = co_await log.append(batch);
                if (!appended ||
                    appended->base_offset != static_cast<std::int64_t>(acknowledged.size())) {
                    co_return void(outcome = not_resumed);
                }
                acknowledged.push_back(std::move(batch));
            }
            if (!co_await reads_back(log, acknowledged)) co_return void(outcome = read_back_failed);
            if (!co_await log.close()) co_return void(outcome = close_failed);
        }
        auto reopened = co_await partition_log::open(options);
        if (!reopened) co_return void(outcome = open_failed);
        if (!co_await reads_back(**reopened, acknowledged)) co_return void(outcome = reopen_mismatch);
        if (!co_await (*reopened)->close()) co_return void(outcome = close_failed);
    };
    run_on_reactor_and_exit(main, outcome);
}

class disk_full : public ::testing::TestWithParam<fill_case> {};

TEST_P(disk_full, refused_append_loses_nothing_and_appends_resume_once_space_is_freed) {
    temporary_directory dir;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) run_full_disk_writer(dir.path(), GetParam());
    int child_status = 0;
    ASSERT_EQ(::waitpid(child, &child_status, 0), child);
    ASSERT_TRUE(WIFEXITED(child_status)) << "child killed by signal " << WTERMSIG(child_status);
    if (WEXITSTATUS(child_status) == no_mount_privilege) {
        GTEST_SKIP() << "mounting a tmpfs needs CAP_SYS_ADMIN (run as root)";
    }
    EXPECT_EQ(WEXITSTATUS(child_status), passed) << "see child_exit for the failed check";
}

INSTANTIATE_TEST_SUITE_P(
    fill_levels, disk_full,
    ::testing::Values(
        // Small batches, extents much smaller than a segment: refused mid-segment.
        fill_case{"mid_extent", 600 << 10, 1000, 1 << 20, 16 << 10, 1},
        // Segments of a few extents: the log rolls several times before the refusal, which
        // may land on creating the next segment.
        fill_case{"at_roll", 500 << 10, 3000, 48 << 10, 16 << 10, 5},
        // Large batches, larger than one extent.
        fill_case{"large_batches", 700 << 10, 40 << 10, 256 << 10, 16 << 10, 1},
        // Almost no room at all: the first segment's preallocation is refused.
        fill_case{"nearly_full_at_open", tmpfs_bytes - (24 << 10), 2000, 1 << 20, 16 << 10, 1}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace laminar::storage
