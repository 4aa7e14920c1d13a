// Helpers for the storage tests: batches, temporary directories, a controllable clock, and a way
// to run a coroutine on a fresh reactor.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/endian.h"
#include "core/reactor.h"
#include "core/record_batch.h"
#include "storage/partition_log.h"

namespace laminar::storage::testing {

namespace layout = record_batch_layout;

// A produced batch (base offset 0) of `count` records; the record bytes are derived from `seed`
// so a test can rebuild the exact bytes later.
inline std::vector<std::byte> make_batch(std::int32_t count, std::size_t record_bytes,
                                         std::int64_t timestamp, std::uint64_t seed) {
    std::vector<std::byte> batch(layout::header_bytes + record_bytes);
    std::mt19937_64 random(seed);
    for (std::size_t i = layout::header_bytes; i < batch.size(); ++i) {
        batch[i] = static_cast<std::byte>(random());
    }
    auto* p = batch.data();
    store_be<std::int64_t>(p + layout::base_offset, 0);
    store_be<std::int32_t>(p + layout::batch_length,
                           static_cast<std::int32_t>(batch.size() - layout::length_field_end));
    store_be<std::int32_t>(p + layout::partition_leader_epoch, -1);
    store_be<std::int8_t>(p + layout::magic, 2);
    store_be<std::int16_t>(p + layout::attributes, 0);
    store_be<std::int32_t>(p + layout::last_offset_delta, count - 1);
    store_be<std::int64_t>(p + layout::base_timestamp, timestamp);
    store_be<std::int64_t>(p + layout::max_timestamp, timestamp);
    store_be<std::int64_t>(p + layout::producer_id, -1);
    store_be<std::int16_t>(p + layout::producer_epoch, -1);
    store_be<std::int32_t>(p + layout::base_sequence, -1);
    store_be<std::int32_t>(p + layout::records_count, count);
    store_be<std::uint32_t>(p + layout::crc, compute_record_batch_crc(batch));
    return batch;
}

class manual_clock final : public log_clock {
public:
    explicit manual_clock(std::int64_t now_ms) : _now_ms(now_ms) {}
    std::int64_t now_ms() const noexcept override { return _now_ms; }
    void advance(std::int64_t ms) noexcept { _now_ms += ms; }

private:
    std::int64_t _now_ms;
};

// A fresh directory under TMPDIR (or /tmp), removed with everything in it.
class temporary_directory {
public:
    temporary_directory() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base ? base : "/tmp") + "/laminar-storage-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        _path = pattern;
    }
    ~temporary_directory() {
        std::error_code ignored;
        std::filesystem::remove_all(_path, ignored);
    }
    temporary_directory(const temporary_directory&) = delete;
    temporary_directory& operator=(const temporary_directory&) = delete;
    const std::string& path() const noexcept { return _path; }

private:
    std::string _path;
};

// Runs `body` (a coroutine lambda returning task<void>, kept alive by the caller) on a new
// reactor until it finishes; false when no reactor could be made.
template <typename Body>
bool run_on_new_reactor(Body& body) {
    auto made = reactor::create(reactor_options{});
    if (!made) return false;
    auto shard = std::move(*made);
    auto main = [&body]() -> task<void> {
        co_await body();
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
    return true;
}

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

}  // namespace laminar::storage::testing
