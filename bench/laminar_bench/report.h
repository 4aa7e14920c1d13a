// A run's figures from its tallies: latency percentiles (produce-acknowledged and end-to-end),
// throughput, counts and the exactly-once check; printed for people, as JSON, or as a
// percentile distribution file (HdrHistogram's .hgrm columns).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/laminar_bench/run.h"

namespace laminar::bench {

struct run_result {
    std::string name;
    options opt;
    latency_histogram ack;
    latency_histogram e2e;
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t acked_measured = 0;
    std::uint64_t consumed = 0;  // distinct records of this run
    std::uint64_t consumed_measured = 0;
    std::uint64_t lost = 0;              // acknowledged, never consumed
    std::uint64_t duplicated = 0;        // extra copies consumed
    std::uint64_t consumed_unacked = 0;  // consumed without an acknowledgement (error or timeout)
    std::uint64_t foreign = 0;
    std::uint64_t produce_errors = 0;
    std::uint64_t consume_errors = 0;
    std::string first_error;
    double measured_s = 0;
    double ack_records_per_s = 0;
    double ack_megabytes_per_s = 0;
    double consume_records_per_s = 0;
    bool consumption_checked = true;  // false with no consumers
    bool exactly_once() const noexcept {
        return consumption_checked && lost == 0 && duplicated == 0 && consumed_unacked == 0;
    }
};

run_result summarize(const run_context& ctx, const std::vector<producer_tally>& producers,
                     const std::vector<consumer_tally>& consumers);

nlohmann::json to_json(const run_result& result);
void print_text(const run_result& result, std::FILE* out);
// Both distributions, microseconds; false when the file cannot be written.
bool write_distribution(const run_result& result, const std::string& path);
// --trace-out: one CSV row per scheduled record: k, its intended time from t0, and when it was
// sent, acknowledged and consumed, each in microseconds after the intended time (empty: never).
bool write_trace(const run_context& ctx, const std::string& path);

}  // namespace laminar::bench
