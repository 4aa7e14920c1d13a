// What recording costs on a shard: a histogram record, a counter increment, and a log call
// (accepted, disabled by level, dropped because the ring is full). Prints figures; never fails.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <random>
#include <vector>

#include "core/log.h"
#include "core/metrics.h"

namespace laminar {
namespace {

constexpr std::size_t bench_ring_records = 4096;

// Keeps the writer's cost (formatting, the sink) out of the way: only the producer is measured.
class discard_sink final : public log_sink {
public:
    void write(std::string_view) override {}
};

std::vector<std::uint64_t> latency_values() {
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> exponent(0.0, std::log(60e6));
    std::vector<std::uint64_t> values(4096);
    for (auto& v : values) v = static_cast<std::uint64_t>(std::exp(exponent(random)));
    return values;
}

void histogram_record(benchmark::State& state) {
    auto values = latency_values();
    auto h = std::make_unique<histogram>();
    std::size_t i = 0;
    for (auto _ : state) {
        h->record(values[i++ & 4095]);
        benchmark::ClobberMemory();
    }
    benchmark::DoNotOptimize(h->snapshot().count());
}
BENCHMARK(histogram_record);

void counter_increment(benchmark::State& state) {
    counter c;
    for (auto _ : state) {
        c.increment();
        benchmark::ClobberMemory();
    }
    benchmark::DoNotOptimize(c.value());
}
BENCHMARK(counter_increment);

void histogram_snapshot_and_p99(benchmark::State& state) {
    auto values = latency_values();
    histogram h;
    for (auto v : values) h.record(v);
    for (auto _ : state) benchmark::DoNotOptimize(h.snapshot().percentile_us(99));
}
BENCHMARK(histogram_snapshot_and_p99);

// Each iteration times a burst of half a ring of accepted calls, then lets the writer drain it
// untimed, so no call is dropped and the flush is not counted. The figure is ns_per_call.
void log_call_accepted(benchmark::State& state) {
    constexpr int burst = bench_ring_records / 2;
    log_set_level(log_level::info);
    log_flush();
    std::int64_t value = 0;
    double total_seconds = 0;
    for (auto _ : state) {
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < burst; ++i) {
            LAMINAR_LOG_INFO("produce to partition {} offset {} took {} us", 7, ++value, 42);
        }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                             .count();
        total_seconds += seconds;
        state.SetIterationTime(seconds);
        log_flush();
    }
    auto calls = static_cast<double>(state.iterations()) * burst;
    state.counters["ns_per_call"] = total_seconds * 1e9 / calls;
}
BENCHMARK(log_call_accepted)->UseManualTime();

void log_call_disabled(benchmark::State& state) {
    log_set_level(log_level::warn);
    std::int64_t value = 0;
    for (auto _ : state) {
        LAMINAR_LOG_INFO("produce to partition {} offset {}", 7, ++value);
        benchmark::ClobberMemory();
    }
    log_set_level(log_level::info);
}
BENCHMARK(log_call_disabled);

// The writer is stopped, so the ring fills and every further call takes the drop path.
void log_call_ring_full(benchmark::State& state) {
    log_set_level(log_level::info);
    log_stop();
    for (std::size_t i = 0; i < bench_ring_records; ++i) LAMINAR_LOG_INFO("fill {}", i);
    std::int64_t value = 0;
    for (auto _ : state) LAMINAR_LOG_INFO("produce to partition {} offset {}", 7, ++value);
    log_options options;
    options.sink = std::make_unique<discard_sink>();
    options.ring_records = bench_ring_records;
    log_start(std::move(options));
}
BENCHMARK(log_call_ring_full);

}  // namespace
}  // namespace laminar

int main(int argc, char** argv) {
    laminar::log_options options;
    options.sink = std::make_unique<laminar::discard_sink>();
    options.ring_records = laminar::bench_ring_records;
    laminar::log_start(std::move(options));
    laminar::log_register_thread();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    laminar::log_stop();
    return 0;
}
