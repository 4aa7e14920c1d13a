// A write the file system refuses (here EFBIG from RLIMIT_FSIZE, standing in for ENOSPC: both
// fail the fallocate that reserves the next extent) fails the append with an error; the log
// keeps every acknowledged batch, assigns no offset to the failed one, and takes appends again
// once space is back. Runs in a child process because the limit is per process.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

constexpr rlim_t file_size_limit = 40'000;

log_options limited_options(const std::string& dir) {
    auto options = options_in(dir);
    options.config.preallocate_extent_bytes = 8192;
    return options;
}

// Exit codes: 0 success; anything else names the check that failed.
[[noreturn]] void run_limited_writer(const log_options& options) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{file_size_limit, RLIM_INFINITY};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(10);
    int outcome = 0;
    auto main = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        if (!opened) co_return void(outcome = 12);
        auto& log = **opened;
        std::int64_t acknowledged = 0;
        for (int i = 0; i < 1000; ++i) {
            auto batch = make_batch(1, 139, 1, i);
            auto appended = co_await log.append(batch);
            if (!appended) {
                if (appended.error() != errc::io_error && appended.error() != errc::no_space) {
                    co_return void(outcome = 13);
                }
                break;
            }
            if (appended->base_offset != acknowledged) co_return void(outcome = 14);
            ++acknowledged;
        }
        if (acknowledged == 0 || acknowledged * 200 > static_cast<std::int64_t>(file_size_limit)) {
            co_return void(outcome = 15);
        }
        if (log.failed() || log.log_end_offset() != acknowledged) co_return void(outcome = 16);
        auto again = make_batch(1, 139, 1, 5000);
        if (co_await log.append(again)) co_return void(outcome = 17);
        rlimit lifted{RLIM_INFINITY, RLIM_INFINITY};
        if (::setrlimit(RLIMIT_FSIZE, &lifted) != 0) co_return void(outcome = 18);
        auto after = make_batch(1, 139, 1, 6000);
        auto appended = co_await log.append(after);
        if (!appended || appended->base_offset != acknowledged) co_return void(outcome = 19);
        if (!co_await log.close()) co_return void(outcome = 20);
    };
    run_on_reactor_and_exit(main, outcome);
}

TEST(write_failure, failed_preallocation_fails_only_that_append) {
    temporary_directory dir;
    const auto options = limited_options(dir.path());
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) run_limited_writer(options);
    int child_status = 0;
    ASSERT_EQ(::waitpid(child, &child_status, 0), child);
    ASSERT_TRUE(WIFEXITED(child_status));
    ASSERT_EQ(WEXITSTATUS(child_status), 0);

    std::int64_t end_offset = -1;
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        EXPECT_TRUE(log.recovery_report().clean_shutdown);
        end_offset = log.log_end_offset();
        for (std::int64_t offset = 0; offset < end_offset; ++offset) {
            auto read = co_await log.read(offset, 1);
            EXPECT_TRUE(read);
            if (!read) co_return;
            auto bytes = bytes_of(read->range);
            auto header = validate_record_batch(bytes, 1 << 20);
            EXPECT_TRUE(header);
            if (header) {
                EXPECT_EQ(header->base_offset, offset);
            }
        }
        EXPECT_TRUE(co_await log.close());
    };
    run_on_reactor(body);
    EXPECT_GT(end_offset, 100);  // ~40 KB of 200-byte batches, plus the one after the lift
    EXPECT_LT(end_offset, 202);
}

}  // namespace
}  // namespace laminar::storage
