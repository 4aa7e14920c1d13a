// Compression and decompression throughput per codec at its default level, on a 64 KiB batch
// of JSON records like producers send (repeated keys, varying values). Bytes per second count
// uncompressed bytes in both directions; "ratio" is uncompressed / compressed.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/compression.h"

namespace laminar {
namespace {

constexpr std::size_t batch_bytes = 64 * 1024;

std::vector<std::byte> json_records(std::size_t size) {
    std::mt19937_64 random(7);
    static constexpr const char* events[] = {"page_view", "click", "add_to_cart", "purchase"};
    static constexpr const char* regions[] = {"eu-west-1", "us-east-1", "ap-south-1"};
    std::string text;
    for (std::uint64_t sequence = 0; text.size() < size; ++sequence) {
        text += "{\"ts\":" + std::to_string(1700000000000 + sequence * 37 + random() % 30) +
                ",\"event\":\"" + events[random() % 4] + "\",\"user_id\":\"u-" +
                std::to_string(random() % 100000) + "\",\"session\":\"" +
                std::to_string(random()) + "\",\"region\":\"" + regions[random() % 3] +
                "\",\"amount\":" + std::to_string(random() % 100000 / 100.0) +
                ",\"attributes\":{\"ab_group\":\"" + (random() % 2 ? "a" : "b") +
                "\",\"retries\":" + std::to_string(random() % 3) + "}}\n";
    }
    text.resize(size);
    std::vector<std::byte> data(size);
    std::memcpy(data.data(), text.data(), size);
    return data;
}

void compress_throughput(benchmark::State& state, compression_codec codec,
                         int level = compression_level_default) {
    const std::vector<std::byte> input = json_records(batch_bytes);
    std::vector<std::byte> output;
    for (auto _ : state) {
        output.clear();
        if (!compress(codec, input, output, level)) state.SkipWithError("compress failed");
        benchmark::DoNotOptimize(output.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
    state.counters["ratio"] =
        static_cast<double>(input.size()) / static_cast<double>(output.size());
}

void decompress_throughput(benchmark::State& state, compression_codec codec) {
    const std::vector<std::byte> input = json_records(batch_bytes);
    std::vector<std::byte> packed;
    if (!compress(codec, input, packed)) state.SkipWithError("compress failed");
    std::vector<std::byte> output;
    for (auto _ : state) {
        output.clear();
        if (!decompress(codec, packed, output, input.size())) {
            state.SkipWithError("decompress failed");
        }
        benchmark::DoNotOptimize(output.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
    state.counters["ratio"] =
        static_cast<double>(input.size()) / static_cast<double>(packed.size());
}

BENCHMARK_CAPTURE(compress_throughput, gzip, compression_codec::gzip);
BENCHMARK_CAPTURE(compress_throughput, snappy, compression_codec::snappy);
BENCHMARK_CAPTURE(compress_throughput, lz4, compression_codec::lz4);
BENCHMARK_CAPTURE(compress_throughput, zstd, compression_codec::zstd);
// Where Kafka's gzip levels land on ISA-L's three (1-3 -> 1, 4-6 -> 2, 7-9 -> 3).
BENCHMARK_CAPTURE(compress_throughput, gzip_level_1, compression_codec::gzip, 1);
BENCHMARK_CAPTURE(compress_throughput, gzip_level_9, compression_codec::gzip, 9);
BENCHMARK_CAPTURE(decompress_throughput, gzip, compression_codec::gzip);
BENCHMARK_CAPTURE(decompress_throughput, snappy, compression_codec::snappy);
BENCHMARK_CAPTURE(decompress_throughput, lz4, compression_codec::lz4);
BENCHMARK_CAPTURE(decompress_throughput, zstd, compression_codec::zstd);

}  // namespace
}  // namespace laminar

BENCHMARK_MAIN();
