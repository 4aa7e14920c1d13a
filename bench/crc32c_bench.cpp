// CRC32C throughput: ISA-L (what the broker runs on every batch) against the table-driven
// reference, at a small record, a small batch, a typical batch and a large batch.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "core/crc32c.h"

namespace laminar {
namespace {

std::vector<std::byte> random_bytes(std::size_t size) {
    std::mt19937_64 random(42);
    std::vector<std::byte> data(size);
    for (std::byte& byte : data) byte = static_cast<std::byte>(random());
    return data;
}

void crc32c_isal_throughput(benchmark::State& state) {
    const std::vector<std::byte> data = random_bytes(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(crc32c(data));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void crc32c_table_throughput(benchmark::State& state) {
    const std::vector<std::byte> data = random_bytes(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(crc32c_table(data));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

BENCHMARK(crc32c_isal_throughput)->Arg(64)->Arg(1024)->Arg(64 * 1024)->Arg(1024 * 1024);
BENCHMARK(crc32c_table_throughput)->Arg(64)->Arg(1024)->Arg(64 * 1024)->Arg(1024 * 1024);

}  // namespace
}  // namespace laminar

BENCHMARK_MAIN();
