// Produce request and Fetch response encode and decode (net/kafka's message codec), for 1 and
// 100 partitions of one topic, each partition carrying one batch of 10 records (8 B keys, 128 B
// values).
// Versions: the last non-flexible and the first flexible one (Produce 8/9, Fetch 11/12) and the
// newest (Produce 10, Fetch 16). Fetch response encode is the broker's path: records are left
// as splice points (file ranges the sender splices), so it measures the message around them;
// Fetch response decode is a client's, with the records inline.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "net/kafka/messages.h"
#include "net/kafka/records.h"

namespace laminar::kafka {
namespace {

constexpr int records_per_batch = 10;

bytes make_batch() {
    std::mt19937_64 random(42);
    std::vector<record> records(records_per_batch);
    for (std::size_t i = 0; i < records.size(); ++i) {
        bytes value(128);
        for (std::byte& byte : value) byte = static_cast<std::byte>(random());
        records[i].offset_delta = static_cast<std::int32_t>(i);
        records[i].key = bytes(8, std::byte{'k'});
        records[i].value = std::move(value);
    }
    record_batch_options options;
    options.base_timestamp = 1'700'000'000'000;
    auto built = build_record_batch(options, records);
    if (!built) std::abort();
    return std::move(*built);
}

produce_request make_produce(std::int64_t partitions) {
    const bytes batch = make_batch();
    produce_request request;
    request.acks = -1;
    request.timeout_ms = 30'000;
    produce_request_topic topic;
    topic.name = "bench-events";
    for (std::int32_t p = 0; p < partitions; ++p) topic.partition_data.push_back({p, batch});
    request.topic_data.push_back(std::move(topic));
    return request;
}

// With `spliced`, every partition's records are a splice of the batch's size (as the broker
// sends them); otherwise the batch bytes are inline.
fetch_response make_fetch(std::int64_t partitions, bool spliced) {
    const bytes batch = make_batch();
    fetch_response response;
    response.session_id = 7;
    fetchable_topic_response topic;
    topic.topic = "bench-events";
    topic.topic_id = uuid{};
    for (std::int32_t p = 0; p < partitions; ++p) {
        fetch_response_partition partition;
        partition.partition_index = p;
        partition.high_watermark = 1'000'000;
        partition.last_stable_offset = 1'000'000;
        partition.log_start_offset = 0;
        if (spliced) {
            partition.records.splice_bytes = batch.size();
            partition.records.slot = static_cast<std::uint32_t>(p);
        } else {
            partition.records.data = batch;
        }
        topic.partitions.push_back(std::move(partition));
    }
    response.responses.push_back(std::move(topic));
    return response;
}

// Bytes/s count the whole message as it crosses the wire (spliced records included); items
// are partitions.
void count(benchmark::State& state, std::size_t message_bytes) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message_bytes));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(1));
    state.counters["message_bytes"] = static_cast<double>(message_bytes);
}

void produce_request_encode(benchmark::State& state) {
    const auto version = static_cast<std::int16_t>(state.range(0));
    const produce_request request = make_produce(state.range(1));
    bytes out;
    for (auto _ : state) {
        out.clear();
        if (!encode_message(request, version, out)) state.SkipWithError("encode failed");
        benchmark::DoNotOptimize(out.data());
    }
    count(state, out.size());
}

void produce_request_decode(benchmark::State& state) {
    const auto version = static_cast<std::int16_t>(state.range(0));
    bytes body;
    if (!encode_message(make_produce(state.range(1)), version, body)) std::abort();
    for (auto _ : state) {
        auto decoded = decode_request_body<produce_request>(body, version);
        if (!decoded) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(decoded);
    }
    count(state, body.size());
}

void fetch_response_encode(benchmark::State& state) {
    const auto version = static_cast<std::int16_t>(state.range(0));
    const fetch_response response = make_fetch(state.range(1), true);
    bytes out;
    std::vector<splice_point> splices;
    std::uint64_t spliced_bytes = 0;
    for (auto _ : state) {
        out.clear();
        splices.clear();
        if (!encode_message(response, version, out, &splices)) {
            state.SkipWithError("encode failed");
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::DoNotOptimize(splices.data());
    }
    for (const auto& point : splices) spliced_bytes += point.bytes;
    count(state, out.size() + spliced_bytes);
}

void fetch_response_decode(benchmark::State& state) {
    const auto version = static_cast<std::int16_t>(state.range(0));
    bytes body;
    if (!encode_message(make_fetch(state.range(1), false), version, body)) std::abort();
    for (auto _ : state) {
        auto decoded = decode_message<fetch_response>(body, version);
        if (!decoded) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(decoded);
    }
    count(state, body.size());
}

void versions(benchmark::internal::Benchmark* bench, std::initializer_list<std::int64_t> list) {
    bench->ArgNames({"version", "partitions"});
    for (std::int64_t version : list) {
        for (std::int64_t partitions : {1, 100}) bench->Args({version, partitions});
    }
}
void produce_versions(benchmark::internal::Benchmark* bench) { versions(bench, {8, 9, 10}); }
void fetch_versions(benchmark::internal::Benchmark* bench) { versions(bench, {11, 12, 16}); }

BENCHMARK(produce_request_encode)->Apply(produce_versions);
BENCHMARK(produce_request_decode)->Apply(produce_versions);
BENCHMARK(fetch_response_encode)->Apply(fetch_versions);
BENCHMARK(fetch_response_decode)->Apply(fetch_versions);

}  // namespace
}  // namespace laminar::kafka

BENCHMARK_MAIN();
