// Record batch parse and validate, per batch of 1, 10, 100 and 1000 records, without and with
// record headers: the header decode alone, validation as the produce path runs it (lengths,
// magic, CRC32C over the whole batch: core/record_batch.h) and the full parse into records
// (net/kafka/records.h: what the group coordinator and the tools run). Uncompressed batches;
// compression_bench measures the codecs.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include "core/record_batch.h"
#include "net/kafka/records.h"

namespace laminar {
namespace {

constexpr std::size_t key_bytes = 16;
constexpr std::size_t value_bytes = 100;
constexpr int headers_per_record = 2;

kafka::bytes random_bytes(std::mt19937_64& random, std::size_t size) {
    kafka::bytes data(size);
    for (std::byte& byte : data) byte = static_cast<std::byte>(random());
    return data;
}

// A batch of `count` records (16 B key, 100 B value), each with two headers (8 B key, 16 B
// value) when `with_headers`.
kafka::bytes make_batch(std::int64_t count, bool with_headers) {
    std::mt19937_64 random(42);
    std::vector<kafka::record> records(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto& record = records[i];
        record.offset_delta = static_cast<std::int32_t>(i);
        record.timestamp_delta = static_cast<std::int64_t>(i);
        record.key = random_bytes(random, key_bytes);
        record.value = random_bytes(random, value_bytes);
        for (int h = 0; with_headers && h < headers_per_record; ++h) {
            record.headers.push_back({"header-" + std::to_string(h), random_bytes(random, 16)});
        }
    }
    kafka::record_batch_options options;
    options.base_timestamp = 1'700'000'000'000;
    auto built = kafka::build_record_batch(options, records);
    if (!built) std::abort();
    return std::move(*built);
}

void count_batch(benchmark::State& state, const kafka::bytes& batch) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
    state.counters["batch_bytes"] = static_cast<double>(batch.size());
}

void record_batch_header_decode(benchmark::State& state) {
    const auto batch = make_batch(state.range(0), state.range(1) != 0);
    for (auto _ : state) {
        auto header = read_record_batch_header(batch);
        benchmark::DoNotOptimize(header);
    }
}

void record_batch_validate(benchmark::State& state) {
    const auto batch = make_batch(state.range(0), state.range(1) != 0);
    for (auto _ : state) {
        auto header = validate_record_batch(batch, batch.size());
        if (!header) state.SkipWithError("batch does not validate");
        benchmark::DoNotOptimize(header);
    }
    count_batch(state, batch);
}

void record_batch_parse(benchmark::State& state) {
    const auto batch = make_batch(state.range(0), state.range(1) != 0);
    for (auto _ : state) {
        auto parsed = kafka::parse_record_batch(batch);
        if (!parsed || parsed->records.size() != static_cast<std::size_t>(state.range(0))) {
            state.SkipWithError("batch does not parse");
        }
        benchmark::DoNotOptimize(parsed);
    }
    count_batch(state, batch);
}

void batch_shapes(benchmark::internal::Benchmark* bench) {
    bench->ArgNames({"records", "headers"});
    for (std::int64_t headers : {0, 1}) {
        for (std::int64_t records : {1, 10, 100, 1000}) bench->Args({records, headers});
    }
}

// The 61-byte header only: the same for every batch size.
BENCHMARK(record_batch_header_decode)->ArgNames({"records", "headers"})->Args({10, 0});
BENCHMARK(record_batch_validate)->Apply(batch_shapes);
BENCHMARK(record_batch_parse)->Apply(batch_shapes);

}  // namespace
}  // namespace laminar

BENCHMARK_MAIN();
