// Shared by the latency benchmark programs: exact percentiles over raw samples (nanoseconds),
// the median of several runs field by field, command-line counts and thread pinning.
// Samples are kept raw and sorted rather than put in core/metrics.h's histogram: that one counts
// whole microseconds, too coarse for sub-microsecond cross-shard round trips.
#pragma once

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace laminar::bench {

struct latency_summary {
    double p50_ns = 0;
    double p90_ns = 0;
    double p99_ns = 0;
    double p999_ns = 0;
    double max_ns = 0;
    double per_second = 0;  // operations per second over the whole timed run
};

// Nearest-rank percentile of sorted samples.
inline double percentile_of_sorted(const std::vector<std::uint64_t>& sorted, double percent) {
    if (sorted.empty()) return 0;
    auto rank = static_cast<std::size_t>(std::ceil(percent / 100.0 * double(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return static_cast<double>(sorted[rank - 1]);
}

// Sorts `samples_ns` in place.
inline latency_summary summarize(std::vector<std::uint64_t>& samples_ns, double per_second) {
    std::sort(samples_ns.begin(), samples_ns.end());
    return latency_summary{.p50_ns = percentile_of_sorted(samples_ns, 50),
                           .p90_ns = percentile_of_sorted(samples_ns, 90),
                           .p99_ns = percentile_of_sorted(samples_ns, 99),
                           .p999_ns = percentile_of_sorted(samples_ns, 99.9),
                           .max_ns = samples_ns.empty() ? 0 : double(samples_ns.back()),
                           .per_second = per_second};
}

inline double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// Each field is the median of that field over the runs (so the row may mix runs).
inline latency_summary median_of_runs(const std::vector<latency_summary>& runs) {
    auto field = [&](double latency_summary::*member) {
        std::vector<double> values;
        for (const auto& run : runs) values.push_back(run.*member);
        return median(values);
    };
    return latency_summary{.p50_ns = field(&latency_summary::p50_ns),
                           .p90_ns = field(&latency_summary::p90_ns),
                           .p99_ns = field(&latency_summary::p99_ns),
                           .p999_ns = field(&latency_summary::p999_ns),
                           .max_ns = field(&latency_summary::max_ns),
                           .per_second = field(&latency_summary::per_second)};
}

// `--name=value` from argv, else the fallback.
inline long option(int argc, char** argv, std::string_view name, long fallback) {
    for (int index = 1; index < argc; ++index) {
        std::string_view argument = argv[index];
        if (argument.size() > name.size() + 3 && argument.substr(0, 2) == "--" &&
            argument.substr(2, name.size()) == name && argument[name.size() + 2] == '=') {
            return std::strtol(argument.data() + name.size() + 3, nullptr, 10);
        }
    }
    return fallback;
}

// Pins the calling thread to one CPU (modulo the CPUs present); silently does nothing on failure.
inline void pin_current_thread(unsigned cpu) {
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % static_cast<unsigned>(cpus > 0 ? cpus : 1), &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

}  // namespace laminar::bench
