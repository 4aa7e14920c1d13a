// Helpers for the storage tests: a controllable clock, assertions on running a coroutine on a fresh
// reactor, a log opened from outside a coroutine, file reads; batches, temporary directories and
// the reactor runner itself come from storage/testing/log_testing.h (shared with the storage
// benchmarks).
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/checkpoint.h"
#include "storage/partition_log.h"
#include "storage/testing/log_testing.h"

namespace laminar::storage::testing {

namespace layout = record_batch_layout;

class manual_clock final : public log_clock {
public:
    explicit manual_clock(std::int64_t now_ms) : _now_ms(now_ms) {}
    std::int64_t now_ms() const noexcept override { return _now_ms; }
    void advance(std::int64_t ms) noexcept { _now_ms += ms; }

private:
    std::int64_t _now_ms;
};

template <typename Body>
void run_on_reactor(Body& body) {
    ASSERT_TRUE(run_on_new_reactor(body));
}

// For a forked child: runs `body`, then exits the process with `outcome` (which the body sets;
// 99 when no reactor could be made). gtest assertions do not reach the parent.
template <typename Body>
[[noreturn]] void run_on_reactor_and_exit(Body& body, const int& outcome) {
    if (!run_on_new_reactor(body)) _exit(99);
    _exit(outcome);
}

// Opens the log under `options` on a fresh reactor; null (and a failed expectation naming the
// error) when it cannot be opened.
inline std::unique_ptr<partition_log> open_log(const log_options& options) {
    std::unique_ptr<partition_log> log;
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened) << to_string(opened.error());
        if (opened) log = std::move(*opened);
    };
    run_on_reactor(body);
    return log;
}

inline log_options options_in(const std::string& dir, const log_clock* clock = nullptr) {
    log_options options;
    options.data_dir = dir;
    options.topic = "events";
    options.partition = 3;
    options.clock = clock;
    options.config.segment_bytes = 1 << 20;
    options.config.preallocate_extent_bytes = 64 << 10;
    return options;
}

inline std::vector<std::byte> read_file(const std::string& path) {
    std::vector<std::byte> bytes;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return bytes;
    struct stat info {};
    ::fstat(fd, &info);
    bytes.resize(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        auto got = ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
        if (got <= 0) break;
        done += static_cast<std::size_t>(got);
    }
    bytes.resize(done);
    ::close(fd);
    return bytes;
}

inline std::uint64_t file_size(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return 0;
    return static_cast<std::uint64_t>(info.st_size);
}

// The bytes a file range covers.
inline std::vector<std::byte> bytes_of(const file_range& range) {
    std::vector<std::byte> bytes(range.length);
    std::size_t done = 0;
    while (done < bytes.size()) {
        auto got = ::pread(range.fd, bytes.data() + done, bytes.size() - done,
                           static_cast<off_t>(range.position + done));
        if (got <= 0) break;
        done += static_cast<std::size_t>(got);
    }
    bytes.resize(done);
    return bytes;
}

// While alive, storage's checkpoint and directory fsyncs of `path` (a file or a directory) fail
// with EIO, as a disk's error would, once `passing` of them have run (set_fsync_fault_for_testing).
// One at a time, on the test's thread.
class failing_fsyncs {
public:
    explicit failing_fsyncs(const std::string& path, int passing = 0) {
        _path = std::filesystem::weakly_canonical(path).string();
        _passing = passing;
        _failed = 0;
        set_fsync_fault_for_testing(&fault);
    }
    ~failing_fsyncs() { set_fsync_fault_for_testing(nullptr); }
    failing_fsyncs(const failing_fsyncs&) = delete;
    failing_fsyncs& operator=(const failing_fsyncs&) = delete;
    // The fsyncs failed so far.
    static int failed() noexcept { return _failed; }

private:
    static errc fault(int fd) {
        std::error_code error;
        const auto target =
            std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), error);
        if (error || target.string() != _path) return errc::ok;
        if (_passing > 0) {
            --_passing;
            return errc::ok;
        }
        ++_failed;
        return errc::io_error;
    }
    static inline std::string _path;
    static inline int _passing = 0;
    static inline int _failed = 0;
};

}  // namespace laminar::storage::testing
