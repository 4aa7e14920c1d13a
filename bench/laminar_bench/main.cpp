// laminar-bench: open-loop load against a Kafka-compatible broker (librdkafka or Laminar's own
// codec) or Redis Streams, with latency from each record's intended send time; and
// `laminar-bench plot` to overlay runs' percentile distributions. See bench/README.md.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <sched.h>
#include <sys/prctl.h>

#include "bench/laminar_bench/plot.h"
#include "bench/laminar_bench/report.h"
#include "bench/laminar_bench/targets.h"

namespace laminar::bench {
namespace {

constexpr double duration_s_max = 3600;
constexpr double trace_rows_max = 50e6;  // --trace-out keeps 24 bytes a record in memory

bool parse_key_distribution(const std::string& text, options& opt, std::string& error) {
    if (text == "none") {
        opt.key_kind = key_distribution_kind::none;
        return true;
    }
    if (text.rfind("uniform:", 0) == 0) {
        opt.key_kind = key_distribution_kind::uniform;
        opt.key_space = std::strtoull(text.c_str() + 8, nullptr, 10);
        if (opt.key_space > 0) return true;
    }
    error = "--key-dist: none or uniform:N (N > 0 keys)";
    return false;
}

bool validate(options& opt, const std::string& rate, const std::string& acks,
              const std::string& keys, std::string& error) {
    if (rate == "max") {
        opt.rate = 0;
    } else {
        opt.rate = std::strtod(rate.c_str(), nullptr);
        if (!(opt.rate > 0)) {
            error = "--rate: records per second (> 0) or max";
            return false;
        }
    }
    if (acks == "all" || acks == "-1") {
        opt.acks = -1;
    } else if (acks == "0" || acks == "1") {
        opt.acks = acks == "1";
    } else {
        error = "--acks: 0, 1 or all";
        return false;
    }
    if (!parse_key_distribution(keys, opt, error)) return false;
    if (opt.record_size < record_size_min) {
        error = "--record-size: at least " + std::to_string(record_size_min) + " bytes";
        return false;
    }
    if (!(opt.duration_s > 0) || opt.duration_s > duration_s_max || opt.warmup_s < 0 ||
        opt.drain_s < 0) {
        error = "--duration: 0 < S <= 3600; --warmup, --drain >= 0";
        return false;
    }
    if (!opt.trace_out.empty() &&
        (opt.rate == 0 || opt.rate * (opt.duration_s + opt.warmup_s) > trace_rows_max)) {
        error = "--trace-out: with a numeric --rate, at most " + std::to_string(trace_rows_max) +
                " records scheduled (24 bytes each)";
        return false;
    }
    if (opt.partitions < 1 || opt.producers < 1 || opt.consumers < 0) {
        error = "--partitions and --producers at least 1, --consumers at least 0";
        return false;
    }
    if (opt.single_thread && (opt.target != "native" || opt.producers != 1 || opt.consumers > 1)) {
        error = "--single-thread: --target native with one producer and at most one consumer";
        return false;
    }
    if (opt.cpu < -1 || opt.cpu >= CPU_SETSIZE) {
        error = "--cpu: a CPU number below " + std::to_string(CPU_SETSIZE);
        return false;
    }
    if (opt.target == "redis" && opt.consumers > 1) {
        std::fprintf(stderr, "laminar-bench: redis has one stream; using one consumer\n");
        opt.consumers = 1;
    }
    return true;
}

std::uint64_t random_run_id() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device() ^ now_ns();
}

// Threads started after this inherit the mask: with --cpu every thread of the run (ours and
// librdkafka's) shares the one CPU.
bool pin_process(int cpu, std::string& error) {
    if (cpu < 0) return true;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (::sched_setaffinity(0, sizeof set, &set) == 0) return true;
    error = "--cpu " + std::to_string(cpu) + ": " + std::strerror(errno);
    return false;
}

// The load threads: with --single-thread one thread does the producer's and the consumer's
// work (it counts itself ready as the consumers would); otherwise a thread per consumer now and
// a thread per producer once t0 is set.
void start_consumers(run_context& ctx, std::vector<producer_tally>& producers,
                     std::vector<consumer_tally>& consumers, std::vector<std::thread>& threads) {
    if (ctx.opt.single_thread) {
        threads.emplace_back(native_single_thread, std::ref(ctx), std::ref(producers.front()),
                             std::span<consumer_tally>(consumers));
        return;
    }
    auto consume = ctx.opt.target == "kafka"    ? kafka_consumer
                   : ctx.opt.target == "native" ? native_consumer
                                                : redis_consumer;
    for (std::size_t c = 0; c < consumers.size(); ++c) {
        threads.emplace_back(consume, std::ref(ctx), static_cast<int>(c), std::ref(consumers[c]));
    }
}

void start_producers(run_context& ctx, std::vector<producer_tally>& producers,
                     std::vector<std::thread>& threads) {
    if (ctx.opt.single_thread) return;
    auto produce = ctx.opt.target == "kafka"    ? kafka_producer
                   : ctx.opt.target == "native" ? native_producer
                                                : redis_producer;
    for (std::size_t p = 0; p < producers.size(); ++p) {
        threads.emplace_back(produce, std::ref(ctx), static_cast<int>(p), std::ref(producers[p]));
    }
}

int run(options opt) {
    run_context ctx;
    ctx.opt = std::move(opt);
    ctx.run_id = random_run_id();
    std::string error;
    if (!pin_process(ctx.opt.cpu, error)) {
        std::fprintf(stderr, "laminar-bench: %s\n", error.c_str());
        return 2;
    }
    const bool kafka_protocol = ctx.opt.target == "kafka" || ctx.opt.target == "native";
    const bool prepared = kafka_protocol ? kafka_prepare(ctx, error) : redis_prepare(ctx, error);
    if (!prepared) {
        std::fprintf(stderr, "laminar-bench: %s\n", error.c_str());
        return 3;
    }
    const auto producer_count = static_cast<std::size_t>(ctx.opt.producers);
    const auto consumer_count = static_cast<std::size_t>(ctx.opt.consumers);
    std::vector<producer_tally> producers(producer_count);
    std::vector<consumer_tally> consumers(consumer_count);
    ctx.producers_running.store(ctx.opt.producers);
    // Timer slack (50 us by default) would make every sleep until an intended send time, and
    // every ppoll timeout, late by up to that much: the harness's error, not the broker's. The
    // threads started below inherit the slack set here.
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    std::vector<std::thread> threads;
    start_consumers(ctx, producers, consumers, threads);
    while (ctx.consumers_ready.load() < ctx.opt.consumers) wait_until(now_ns() + 1'000'000, false);

    const auto warmup_ns = static_cast<std::uint64_t>(ctx.opt.warmup_s * 1e9);
    const auto duration_ns = static_cast<std::uint64_t>(ctx.opt.duration_s * 1e9);
    ctx.t0_ns = now_ns() + 50'000'000;  // let every thread reach its loop first
    ctx.measure_from_ns = ctx.t0_ns + warmup_ns;
    ctx.end_ns = ctx.measure_from_ns + duration_ns;
    ctx.drain_deadline_ns = ctx.end_ns + static_cast<std::uint64_t>(ctx.opt.drain_s * 1e9);
    if (ctx.opt.rate > 0) {
        ctx.period_ns = static_cast<std::uint64_t>(1e9 / ctx.opt.rate);
        ctx.period_ns = std::max<std::uint64_t>(ctx.period_ns, 1);
        ctx.records_total = (warmup_ns + duration_ns) / ctx.period_ns;
        if (!ctx.opt.trace_out.empty()) ctx.trace.resize(ctx.records_total);
    }
    start_producers(ctx, producers, threads);
    ctx.go.store(true);
    for (auto& thread : threads) thread.join();

    const run_result result = summarize(ctx, producers, consumers);
    if (ctx.opt.format == "json") {
        std::cout << to_json(result).dump(2) << "\n";
    } else {
        print_text(result, stdout);
    }
    if (!ctx.opt.histogram_out.empty() && !write_distribution(result, ctx.opt.histogram_out)) {
        std::fprintf(stderr, "laminar-bench: cannot write %s\n", ctx.opt.histogram_out.c_str());
        return 1;
    }
    if (!ctx.opt.trace_out.empty() && !write_trace(ctx, ctx.opt.trace_out)) {
        std::fprintf(stderr, "laminar-bench: cannot write %s\n", ctx.opt.trace_out.c_str());
        return 1;
    }
    const bool delivered = result.exactly_once() || !result.consumption_checked;
    const bool clean = delivered && result.produce_errors == 0 && result.consume_errors == 0 &&
                       result.acked == result.sent;
    return clean ? 0 : 4;
}

int plot(const std::vector<std::string>& inputs, const std::string& output,
         const std::string& title, const std::string& which) {
    std::vector<plot_series> series;
    for (const auto& path : inputs) {
        std::ifstream in(path);
        nlohmann::json run = nlohmann::json::parse(in, nullptr, false);
        if (run.is_discarded() || !run.is_object()) {
            std::fprintf(stderr, "laminar-bench plot: %s is not a laminar-bench JSON run\n",
                         path.c_str());
            return 2;
        }
        std::string error;
        auto s = series_from_run(run, which, error);
        if (!s) {
            std::fprintf(stderr, "laminar-bench plot: %s: %s\n", path.c_str(), error.c_str());
            return 2;
        }
        series.push_back(std::move(*s));
    }
    const bool html = output.size() >= 5 && output.substr(output.size() - 5) == ".html";
    const std::string document = html ? render_html(series, title) : render_svg(series, title);
    std::ofstream out(output);
    out << document;
    if (!out) {
        std::fprintf(stderr, "laminar-bench plot: cannot write %s\n", output.c_str());
        return 1;
    }
    return 0;
}

}  // namespace
}  // namespace laminar::bench

int main(int argc, char** argv) {
    using namespace laminar::bench;
    CLI::App app{"laminar-bench: open-loop latency and throughput of a broker"};
    app.require_subcommand(0, 1);
    options opt;
    std::string rate = "1000", acks = "1", keys = "none";
    app.add_option("-b,--brokers", opt.brokers, "HOST:PORT of the broker (redis: of redis-server)");
    app.add_option("--topic", opt.topic, "Topic (redis: stream key)");
    app.add_option("--target", opt.target, "kafka (librdkafka), native (Laminar codec), redis")
        ->check(CLI::IsMember({"kafka", "native", "redis"}));
    app.add_option("--rate", rate, "Records per second over all producers, or max");
    app.add_option("--duration", opt.duration_s, "Measured seconds (after the warm-up)");
    app.add_option("--warmup", opt.warmup_s, "Seconds sent before measuring");
    app.add_option("--drain", opt.drain_s, "Seconds to wait for acks and consumers after sending");
    app.add_option("--record-size", opt.record_size, "Value bytes per record (>= 24)");
    app.add_option("--key-dist", keys, "none or uniform:N");
    app.add_option("--partitions", opt.partitions, "Partitions (the topic is created if missing)");
    app.add_option("--replication-factor", opt.replication_factor, "For a created topic");
    app.add_option("--producers", opt.producers, "Producer threads");
    app.add_option("--consumers", opt.consumers, "Consumer threads (0: produce only)");
    app.add_option("--acks", acks, "0, 1 or all");
    app.add_option("--compression", opt.compression, "none, gzip, snappy, lz4, zstd")
        ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}));
    app.add_option(
        "--linger-ms", opt.linger_ms,
        "Wait this long to fill a batch (default: the client's; librdkafka 5 ms, native 0)");
    app.add_option("--fetch-wait-ms", opt.fetch_wait_ms,
                   "kafka target: librdkafka fetch.wait.max.ms (the mock cluster waits it out)");
    app.add_option("--max-in-flight", opt.max_in_flight,
                   "native: Produce requests in flight per connection (records wait and batch)");
    app.add_flag("--busy-poll", opt.busy_poll,
                 "Spin instead of sleeping (native, redis; kafka: poll loop)");
    app.add_flag("--single-thread", opt.single_thread,
                 "native: one thread drives the producer and the consumer (one of each)");
    app.add_option("--cpu", opt.cpu, "Run every thread on this CPU (sched_setaffinity)");
    app.add_option("--format", opt.format, "text or json")->check(CLI::IsMember({"text", "json"}));
    app.add_option("--histogram-out", opt.histogram_out, "Write the percentile distributions here");
    app.add_option("--trace-out", opt.trace_out,
                   "Write per-record times (CSV, us from the intended send: sent, acked, "
                   "consumed) here; with a --rate only");
    app.add_option("--name", opt.name, "Label of this run (JSON, plots)");

    CLI::App* plot_command = app.add_subcommand("plot", "Overlay runs' latency distributions");
    std::vector<std::string> inputs;
    std::string output = "latency.svg", title = "laminar-bench latency by percentile",
                which = "e2e";
    plot_command->add_option("runs", inputs, "JSON files from --format json")->required();
    plot_command->add_option("-o,--output", output, "out.svg or out.html");
    plot_command->add_option("--title", title, "Plot title");
    plot_command->add_option("--latency", which, "e2e or ack")
        ->check(CLI::IsMember({"e2e", "ack"}));
    CLI11_PARSE(app, argc, argv);
    if (plot_command->parsed()) return plot(inputs, output, title, which);
    std::string error;
    if (!validate(opt, rate, acks, keys, error)) {
        std::fprintf(stderr, "laminar-bench: %s\n", error.c_str());
        return 2;
    }
    return run(std::move(opt));
}
