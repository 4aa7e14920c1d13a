// What the storage tests and the storage benchmarks (bench/storage_bench.cpp,
// bench/log_append_bench.cpp) share to drive a partition log: produced record batches (their
// header writer also serves record_batch_test and the compaction tests' keyed batches), scratch
// directories, and a coroutine run on a fresh reactor. Free of gtest and Google Benchmark; the
// test-only helpers (assertions, clocks, file reads) stay in tests/unit/storage/storage_test_util.h.
//
// @locality the calling thread (each run makes a reactor of its own on it).
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/endian.h"
#include "core/reactor.h"
#include "core/record_batch.h"
#include "core/task.h"

namespace laminar::storage::testing {

// The header fields that the tests' batches vary; the rest are a produced batch's (base offset
// 0, no partition leader epoch, magic 2).
struct produced_header {
    std::int32_t records_count = 1;
    std::int64_t base_timestamp = 0;
    std::int64_t max_timestamp = 0;
    std::int16_t attributes = 0;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    std::int32_t base_sequence = -1;
};

// Writes `header` over the first `record_batch_layout::header_bytes` of `batch` (its records
// follow them), with the batch length `batch` makes and, last, the CRC.
inline void write_produced_header(std::span<std::byte> batch, const produced_header& header) {
    namespace layout = record_batch_layout;
    auto* p = batch.data();
    store_be<std::int64_t>(p + layout::base_offset, 0);
    store_be<std::int32_t>(p + layout::batch_length,
                           static_cast<std::int32_t>(batch.size() - layout::length_field_end));
    store_be<std::int32_t>(p + layout::partition_leader_epoch, -1);
    store_be<std::int8_t>(p + layout::magic, 2);
    store_be<std::int16_t>(p + layout::attributes, header.attributes);
    store_be<std::int32_t>(p + layout::last_offset_delta, header.records_count - 1);
    store_be<std::int64_t>(p + layout::base_timestamp, header.base_timestamp);
    store_be<std::int64_t>(p + layout::max_timestamp, header.max_timestamp);
    store_be<std::int64_t>(p + layout::producer_id, header.producer_id);
    store_be<std::int16_t>(p + layout::producer_epoch, header.producer_epoch);
    store_be<std::int32_t>(p + layout::base_sequence, header.base_sequence);
    store_be<std::int32_t>(p + layout::records_count, header.records_count);
    store_be<std::uint32_t>(p + layout::crc, compute_record_batch_crc(batch));
}

// A produced batch (base offset 0, magic 2, no producer) of `count` records announced in
// `layout::header_bytes + record_bytes` bytes; the record bytes are derived from `seed` (not
// parsed records: the log checks the header and the CRC only), so the exact bytes can be made
// again.
inline std::vector<std::byte> make_batch(std::int32_t count, std::size_t record_bytes,
                                         std::int64_t timestamp, std::uint64_t seed) {
    std::vector<std::byte> batch(record_batch_layout::header_bytes + record_bytes);
    std::mt19937_64 random(seed);
    for (std::size_t i = record_batch_layout::header_bytes; i < batch.size(); ++i) {
        batch[i] = static_cast<std::byte>(random());
    }
    write_produced_header(
        batch, {.records_count = count, .base_timestamp = timestamp, .max_timestamp = timestamp});
    return batch;
}

// TMPDIR, or /tmp.
inline std::string temporary_parent() {
    const char* base = std::getenv("TMPDIR");
    return base ? base : "/tmp";
}

// A fresh directory `<parent>/<prefix>-XXXXXX`, removed with everything in it. Aborts when it
// cannot be made (nothing to measure or test without it).
class temporary_directory {
public:
    explicit temporary_directory(const std::string& parent = temporary_parent(),
                                 std::string_view prefix = "laminar-storage") {
        std::string pattern = parent + "/" + std::string(prefix) + "-XXXXXX";
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
// reactor until it finishes; false when no reactor could be made (no io_uring).
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

}  // namespace laminar::storage::testing
