// storage::partition_log::append of 1 KiB and 64 KiB record batches on a fresh log under TMPDIR
// (or /tmp), with flush.messages none (page cache) and every batch (each append returns after
// an fdatasync that covers it). The log runs on a reactor of its own on this thread, set up as
// the storage unit tests do (storage/testing/log_testing.h); each iteration is one
// awaited append: validation (CRC included), offset assignment, the write through io_uring, and
// for every batch the fdatasync. Sequential appends, so no group commit: `syncs_per_batch`
// shows it. Figures depend on the disk behind TMPDIR, not only on the code.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/reactor.h"
#include "core/task.h"
#include "net/kafka/records.h"
#include "storage/partition_log.h"
#include "storage/testing/log_testing.h"

namespace laminar::storage {
namespace {

constexpr std::size_t record_value_bytes = 100;

// A valid batch of about `target_bytes`: records of 100 B values, random content.
kafka::bytes make_batch(std::size_t target_bytes) {
    std::mt19937_64 random(42);
    // Each record is its value plus ~10 bytes of framing; the batch header is 61 bytes.
    std::size_t count = std::max<std::size_t>(1, (target_bytes - 61) / (record_value_bytes + 10));
    std::vector<kafka::record> records(count);
    for (std::size_t i = 0; i < count; ++i) {
        kafka::bytes value(record_value_bytes);
        for (std::byte& byte : value) byte = static_cast<std::byte>(random());
        records[i].offset_delta = static_cast<std::int32_t>(i);
        records[i].value = std::move(value);
    }
    kafka::record_batch_options options;
    options.base_timestamp = 1'700'000'000'000;
    auto built = kafka::build_record_batch(options, records);
    if (!built) std::abort();
    return std::move(*built);
}

task<void> append_loop(benchmark::State& state, const log_options& options,
                       kafka::bytes& batch) {
    auto opened = co_await partition_log::open(options);
    if (!opened) {
        state.SkipWithError("cannot open the log");
        for (auto _ : state) {
        }
        co_return;
    }
    auto log = std::move(*opened);
    for (auto _ : state) {
        auto appended = co_await log->append(batch);
        if (!appended) {
            state.SkipWithError("append failed");
            break;
        }
    }
    const auto iterations = static_cast<double>(state.iterations());
    state.counters["syncs_per_batch"] =
        iterations > 0 ? static_cast<double>(log->fdatasync_count()) / iterations : 0;
    state.counters["segments"] = static_cast<double>(log->segment_count());
    auto closed = co_await log->close();
    if (!closed) state.SkipWithError("close failed");
}

void log_append(benchmark::State& state) {
    auto batch = make_batch(static_cast<std::size_t>(state.range(0)));
    const bool every_batch = state.range(1) != 0;
    testing::temporary_directory dir(testing::temporary_parent(), "laminar-bench");
    log_options options;
    options.data_dir = dir.path();
    options.topic = "bench";
    options.partition = 0;
    options.config.flush_messages = every_batch ? 1 : 0;
    // Kafka's defaults for segment.bytes (1 GiB) and Laminar's preallocation extent (16 MiB).

    auto body = [&]() -> task<void> { co_await append_loop(state, options, batch); };
    if (!testing::run_on_new_reactor(body)) {
        state.SkipWithError("cannot create a reactor (io_uring)");
        for (auto _ : state) {
        }
        return;
    }

    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["batch_bytes"] = static_cast<double>(batch.size());
}

BENCHMARK(log_append)
    ->ArgNames({"batch_bytes", "flush_every_batch"})
    ->Args({1024, 0})
    ->Args({64 * 1024, 0})
    ->Args({1024, 1})
    ->Args({64 * 1024, 1})
    ->UseRealTime();

}  // namespace
}  // namespace laminar::storage

BENCHMARK_MAIN();
