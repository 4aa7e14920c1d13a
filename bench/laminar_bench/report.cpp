#include "bench/laminar_bench/report.h"

#include <fstream>

namespace laminar::bench {
namespace {

constexpr double percentiles[] = {50, 90, 99, 99.9, 99.99};
constexpr const char* percentile_names[] = {"p50", "p90", "p99", "p99.9", "p99.99"};

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

nlohmann::json latency_json(const latency_histogram& h) {
    nlohmann::json j;
    j["count"] = h.count();
    for (std::size_t i = 0; i < std::size(percentiles); ++i) {
        j[std::string(percentile_names[i]) + "_us"] = us(h.percentile(percentiles[i]));
    }
    j["max_us"] = us(h.max());
    j["min_us"] = us(h.min());
    j["mean_us"] = h.mean() / 1000.0;
    nlohmann::json points = nlohmann::json::array();
    for (const auto& point : h.distribution()) {
        points.push_back({point.percentile, us(point.value_ns)});
    }
    j["distribution"] = points;  // [percentile, microseconds]
    return j;
}

void latency_line(std::FILE* out, const char* label, const latency_histogram& h) {
    std::fprintf(out, "%-22s n=%-9llu", label, static_cast<unsigned long long>(h.count()));
    if (h.count() == 0) {
        std::fprintf(out, " (none)\n");
        return;
    }
    for (std::size_t i = 0; i < std::size(percentiles); ++i) {
        std::fprintf(out, " %s=%.1f", percentile_names[i], us(h.percentile(percentiles[i])));
    }
    std::fprintf(out, " max=%.1f us\n", us(h.max()));
}

}  // namespace

run_result summarize(const run_context& ctx, const std::vector<producer_tally>& producers,
                     const std::vector<consumer_tally>& consumers) {
    run_result r;
    r.opt = ctx.opt;
    r.name = ctx.opt.name.empty() ? ctx.opt.target : ctx.opt.name;
    for (const auto& p : producers) {
        r.ack.merge(p.ack);
        r.sent += p.sent;
        r.acked += p.acked_count;
        r.acked_measured += p.acked_measured;
        r.produce_errors += p.errors;
        if (r.first_error.empty()) r.first_error = p.first_error;
    }
    std::size_t sequences = 0;
    for (const auto& c : consumers) {
        r.e2e.merge(c.e2e);
        r.consumed_measured += c.consumed_measured;
        r.foreign += c.foreign;
        r.consume_errors += c.errors;
        if (r.first_error.empty()) r.first_error = c.first_error;
        sequences = std::max(sequences, c.seen.size());
    }
    const auto producer_count = static_cast<std::uint64_t>(producers.size());
    for (std::size_t p = 0; p < producers.size(); ++p) {
        sequences = std::max<std::size_t>(sequences, producers[p].acked.size() * producer_count);
    }
    r.consumption_checked = !consumers.empty();
    for (std::uint64_t k = 0; r.consumption_checked && k < sequences; ++k) {
        const auto& producer = producers[k % producer_count];
        const std::uint64_t local = k / producer_count;
        const bool acked = local < producer.acked.size() && producer.acked[local] != 0;
        unsigned copies = 0;
        for (const auto& c : consumers) copies += k < c.seen.size() ? c.seen[k] : 0;
        if (copies > 0) ++r.consumed;
        if (acked && copies == 0) ++r.lost;
        if (copies > 1) r.duplicated += copies - 1;
        if (!acked && copies > 0) ++r.consumed_unacked;
    }
    r.measured_s = static_cast<double>(ctx.end_ns - ctx.measure_from_ns) / 1e9;
    if (r.measured_s > 0) {
        r.ack_records_per_s = static_cast<double>(r.acked_measured) / r.measured_s;
        r.ack_megabytes_per_s =
            r.ack_records_per_s * static_cast<double>(ctx.opt.record_size) / 1e6;
        r.consume_records_per_s = static_cast<double>(r.consumed_measured) / r.measured_s;
    }
    return r;
}

nlohmann::json to_json(const run_result& r) {
    nlohmann::json j;
    j["name"] = r.name;
    j["target"] = r.opt.target;
    j["brokers"] = r.opt.brokers;
    j["topic"] = r.opt.topic;
    j["rate"] = r.opt.rate > 0 ? nlohmann::json(r.opt.rate) : nlohmann::json("max");
    j["duration_s"] = r.opt.duration_s;
    j["warmup_s"] = r.opt.warmup_s;
    j["record_size"] = r.opt.record_size;
    j["partitions"] = r.opt.partitions;
    j["producers"] = r.opt.producers;
    j["consumers"] = r.opt.consumers;
    j["acks"] = r.opt.acks;
    j["compression"] = r.opt.compression;
    j["linger_ms"] =
        r.opt.linger_ms >= 0 ? nlohmann::json(r.opt.linger_ms) : nlohmann::json("default");
    j["busy_poll"] = r.opt.busy_poll;
    j["single_thread"] = r.opt.single_thread;
    j["cpu"] = r.opt.cpu >= 0 ? nlohmann::json(r.opt.cpu) : nlohmann::json(nullptr);
    j["sent"] = r.sent;
    j["acked"] = r.acked;
    j["consumed"] = r.consumed;
    j["lost"] = r.lost;
    j["duplicated"] = r.duplicated;
    j["consumed_unacked"] = r.consumed_unacked;
    j["foreign"] = r.foreign;
    j["produce_errors"] = r.produce_errors;
    j["consume_errors"] = r.consume_errors;
    j["first_error"] = r.first_error;
    j["exactly_once"] = r.exactly_once();
    j["consumption_checked"] = r.consumption_checked;
    j["throughput"] = {{"acked_msgs_per_s", r.ack_records_per_s},
                       {"acked_MB_per_s", r.ack_megabytes_per_s},
                       {"consumed_msgs_per_s", r.consume_records_per_s},
                       {"measured_s", r.measured_s}};
    j["ack_latency"] = latency_json(r.ack);
    j["e2e_latency"] = latency_json(r.e2e);
    return j;
}

void print_text(const run_result& r, std::FILE* out) {
    std::fprintf(
        out,
        "laminar-bench %s: target=%s brokers=%s topic=%s rate=%s duration=%.1fs "
        "warmup=%.1fs size=%zu partitions=%d producers=%d consumers=%d acks=%d "
        "compression=%s linger=%s%s%s%s\n",
        r.name.c_str(), r.opt.target.c_str(), r.opt.brokers.c_str(), r.opt.topic.c_str(),
        r.opt.rate > 0 ? std::to_string(static_cast<long long>(r.opt.rate)).c_str() : "max",
        r.opt.duration_s, r.opt.warmup_s, r.opt.record_size, r.opt.partitions, r.opt.producers,
        r.opt.consumers, r.opt.acks, r.opt.compression.c_str(),
        r.opt.linger_ms < 0 ? "default" : (std::to_string(r.opt.linger_ms) + "ms").c_str(),
        r.opt.busy_poll ? " busy-poll" : "", r.opt.single_thread ? " single-thread" : "",
        r.opt.cpu >= 0 ? (" cpu=" + std::to_string(r.opt.cpu)).c_str() : "");
    latency_line(out, "ack (from intended)", r.ack);
    latency_line(out, "e2e (from intended)", r.e2e);
    std::fprintf(out,
                 "throughput: %.0f msg/s %.2f MB/s acknowledged, %.0f msg/s consumed "
                 "(over %.1f s)\n",
                 r.ack_records_per_s, r.ack_megabytes_per_s, r.consume_records_per_s, r.measured_s);
    std::fprintf(out,
                 "records: sent=%llu acked=%llu consumed=%llu lost=%llu duplicated=%llu "
                 "consumed_unacked=%llu foreign=%llu errors=%llu/%llu -> %s\n",
                 static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.acked),
                 static_cast<unsigned long long>(r.consumed),
                 static_cast<unsigned long long>(r.lost),
                 static_cast<unsigned long long>(r.duplicated),
                 static_cast<unsigned long long>(r.consumed_unacked),
                 static_cast<unsigned long long>(r.foreign),
                 static_cast<unsigned long long>(r.produce_errors),
                 static_cast<unsigned long long>(r.consume_errors),
                 !r.consumption_checked ? "no consumers, delivery not checked"
                 : r.exactly_once()     ? "every acked record consumed exactly once"
                                        : "NOT exactly once");
    if (!r.first_error.empty()) std::fprintf(out, "first error: %s\n", r.first_error.c_str());
}

bool write_trace(const run_context& ctx, const std::string& path) {
    std::ofstream out(path);
    if (!out) return false;
    out << "k,intended_us,sent_us,acked_us,consumed_us\n";
    auto after = [](std::uint64_t at, std::uint64_t intended) {
        if (at == 0) return std::string();
        char field[32];
        std::snprintf(field, sizeof field, "%.1f",
                      at > intended ? static_cast<double>(at - intended) / 1e3 : 0.0);
        return std::string(field);
    };
    for (std::uint64_t k = 0; k < ctx.trace.size(); ++k) {
        const auto& row = ctx.trace[k];
        const std::uint64_t intended = ctx.intended_ns(k);
        out << k << ',' << (intended - ctx.t0_ns) / 1000 << ',' << after(row.sent_ns, intended)
            << ',' << after(row.acked_ns, intended) << ',' << after(row.consumed_ns, intended)
            << '\n';
    }
    return static_cast<bool>(out);
}

bool write_distribution(const run_result& r, const std::string& path) {
    std::ofstream out(path);
    if (!out) return false;
    auto section = [&](const char* title, const latency_histogram& h) {
        out << "# " << r.name << " " << title << " latency (microseconds)\n";
        out << "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";
        char line[128];
        for (const auto& point : h.distribution()) {
            const double fraction = point.percentile / 100.0;
            if (fraction < 1.0) {
                std::snprintf(line, sizeof line, "%12.3f %14.12f %10llu %14.2f\n",
                              us(point.value_ns), fraction,
                              static_cast<unsigned long long>(point.count_at_or_below),
                              1.0 / (1.0 - fraction));
            } else {
                std::snprintf(line, sizeof line, "%12.3f %14.12f %10llu\n", us(point.value_ns),
                              fraction, static_cast<unsigned long long>(point.count_at_or_below));
            }
            out << line;
        }
        char tail[160];
        std::snprintf(tail, sizeof tail, "#[Mean = %.3f, Max = %.3f, Total count = %llu]\n\n",
                      h.mean() / 1000.0, us(h.max()), static_cast<unsigned long long>(h.count()));
        out << tail;
    };
    section("end-to-end", r.e2e);
    section("produce-acknowledged", r.ack);
    return static_cast<bool>(out);
}

}  // namespace laminar::bench
