// What the machine itself takes from a running thread: one thread per CPU, pinned, reads the
// monotonic clock in a tight loop and records every gap between two reads longer than the
// threshold (the thread was not running: an interrupt, another task, or, in a virtual machine,
// the hypervisor holding the vCPU). Run on an otherwise idle machine it shows the floor under
// every latency figure: how often each CPU stops, for how long, and at what period. Latency
// tails at or below these gaps are the machine's, for every process alike (Redis included).
// It prints figures; it never passes or fails on time.
//
//   build/release/bench/cpu_stall_bench [--seconds=10] [--threshold-us=500]
//
// It keeps every CPU at 100% while it runs.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct stall {
    double at_s;
    double length_us;
};

struct options {
    double seconds = 10;
    double threshold_us = 500;
};

options parse(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&arg](const char* name) -> const char* {
            const std::size_t length = std::strlen(name);
            return arg.compare(0, length, name) == 0 ? arg.c_str() + length : nullptr;
        };
        if (const char* v = value("--seconds=")) {
            opt.seconds = std::atof(v);
        } else if (const char* v = value("--threshold-us=")) {
            opt.threshold_us = std::atof(v);
        } else {
            std::fprintf(stderr, "usage: %s [--seconds=10] [--threshold-us=500]\n", argv[0]);
            std::exit(2);
        }
    }
    return opt;
}

void watch(unsigned cpu, const options& opt, clock_type::time_point start,
           std::vector<stall>& stalls) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    const auto end = start + std::chrono::duration<double>(opt.seconds);
    const auto threshold = std::chrono::duration<double, std::micro>(opt.threshold_us);
    auto last = clock_type::now();
    while (last < end) {
        const auto now = clock_type::now();
        if (now - last > threshold) {
            stalls.push_back({std::chrono::duration<double>(last - start).count(),
                              std::chrono::duration<double, std::micro>(now - last).count()});
        }
        last = now;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const options opt = parse(argc, argv);
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::vector<stall>> stalls(cpus);
    const auto start = clock_type::now();
    std::vector<std::thread> threads;
    for (unsigned cpu = 0; cpu < cpus; ++cpu) {
        threads.emplace_back(watch, cpu, std::cref(opt), start, std::ref(stalls[cpu]));
    }
    for (auto& thread : threads) thread.join();
    std::printf("cpu_stall_bench: %u CPUs, %.1f s, gaps over %.0f us\n\n", cpus, opt.seconds,
                opt.threshold_us);
    std::printf("| cpu | gaps | per second | stalled | longest us | gaps over 2 ms | their median period s |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    for (unsigned cpu = 0; cpu < cpus; ++cpu) {
        const auto& list = stalls[cpu];
        double total = 0, longest = 0;
        std::vector<double> long_at;
        for (const auto& each : list) {
            total += each.length_us;
            longest = std::max(longest, each.length_us);
            if (each.length_us > 2000) long_at.push_back(each.at_s);
        }
        std::vector<double> periods;
        for (std::size_t i = 1; i < long_at.size(); ++i) {
            periods.push_back(long_at[i] - long_at[i - 1]);
        }
        std::sort(periods.begin(), periods.end());
        const double period = periods.empty() ? 0 : periods[periods.size() / 2];
        std::printf("| %u | %zu | %.1f | %.2f%% | %.0f | %zu | %.3f |\n", cpu, list.size(),
                    static_cast<double>(list.size()) / opt.seconds,
                    100.0 * total / (opt.seconds * 1e6), longest, long_at.size(), period);
    }
    return 0;
}
