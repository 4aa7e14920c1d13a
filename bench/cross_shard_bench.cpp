// Cross-shard round trip: shard 0 awaits submit_to(1, [] { return 1; }) over and over, once per
// idle strategy, on a 2-shard runtime (shard N pinned to CPU N). Two figures per strategy:
//   sequential  one request in flight; each round trip timed with steady_clock (TSC-backed here,
//               ~20 ns per read, included in the figures)
//   burst       64 coroutines on shard 0 each sending requests back to back: throughput only
// Every strategy runs --runs times in this process; the table shows the median of each column.
// A plain program, not a Google Benchmark loop: it prints figures, it never passes or fails.
//
//   build/release/bench/cross_shard_bench [--round-trips=50000] [--runs=3] [--burst=640000]
//
// spin keeps both shards polling: on a 2-CPU machine that takes both CPUs for the whole run.
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/latency_summary.h"
#include "core/cross_shard.h"
#include "core/runtime.h"

namespace laminar::bench {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr int burst_in_flight = 64;
constexpr int warm_up_round_trips = 2000;

// Resumes one waiting coroutine when `remaining` reaches zero. @locality one shard.
// Awaited through wait(), an awaiter holding a pointer: inside a lambda coroutine, g++ 12 copies
// an awaiter reached through a capture (`[&] { co_await burst_done; }`) into the frame, against
// [expr.await] (clang 14 does not), so await_suspend stored the waiter in the copy, count_down
// never saw it, and the first version of this program hung.
struct countdown {
    int remaining = 0;
    std::coroutine_handle<> waiter;

    struct awaiter {
        countdown* owner;
        bool await_ready() const noexcept { return owner->remaining == 0; }
        void await_suspend(std::coroutine_handle<> handle) noexcept { owner->waiter = handle; }
        void await_resume() const noexcept {}
    };
    awaiter wait() noexcept { return awaiter{this}; }
    void count_down() {
        if (--remaining == 0 && waiter) reactor::current().schedule(waiter);
    }
};

std::uint64_t nanoseconds_between(clock_type::time_point start, clock_type::time_point end) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
}

double per_second(long operations, clock_type::time_point start, clock_type::time_point end) {
    return double(operations) * 1e9 / double(nanoseconds_between(start, end));
}

struct strategy_run {
    latency_summary sequential;
    double sleeps_per_round_trip = 0;  // both shards' reactor sleeps in the sequential phase
    double burst_per_second = 0;
};

// Reactor sleeps so far on the calling shard 0 and on shard 1.
task<std::uint64_t> sleeps_of_both_shards() {
    const std::uint64_t remote = co_await submit_to(1, [] { return reactor::current().sleeps(); });
    co_return reactor::current().sleeps() + remote;
}

strategy_run run_once(idle_strategy idle, long round_trips, long burst_round_trips) {
    runtime_options options;
    options.shard_count = 2;
    options.reactor.idle = idle;
    options.thread_init = [](unsigned shard) { pin_current_thread(shard); };
    runtime shards(std::move(options));

    std::vector<std::uint64_t> samples_ns;
    samples_ns.reserve(static_cast<std::size_t>(round_trips));
    strategy_run outcome;
    long checksum = 0;
    countdown burst_done{.remaining = burst_in_flight};

    auto burst_sender = [&](long count) -> task<void> {
        for (long i = 0; i < count; ++i) checksum += co_await submit_to(1, [] { return 1; });
        burst_done.count_down();
    };
    auto main = [&](unsigned shard) -> task<void> {
        if (shard != 0) co_return;
        for (int i = 0; i < warm_up_round_trips; ++i) {
            checksum += co_await submit_to(1, [] { return 1; });
        }
        const std::uint64_t sleeps_before = co_await sleeps_of_both_shards();
        const auto sequential_start = clock_type::now();
        for (long i = 0; i < round_trips; ++i) {
            const auto sent = clock_type::now();
            checksum += co_await submit_to(1, [] { return 1; });
            samples_ns.push_back(nanoseconds_between(sent, clock_type::now()));
        }
        const auto sequential_end = clock_type::now();
        const std::uint64_t sleeps_after = co_await sleeps_of_both_shards();
        outcome.sleeps_per_round_trip = double(sleeps_after - sleeps_before) / double(round_trips);
        outcome.sequential = summarize(samples_ns, per_second(round_trips, sequential_start,
                                                              sequential_end));

        const long per_sender = burst_round_trips / burst_in_flight;
        const auto burst_start = clock_type::now();
        for (int i = 0; i < burst_in_flight; ++i) {
            reactor::current().spawn(burst_sender(per_sender));
        }
        co_await burst_done.wait();
        outcome.burst_per_second =
            per_second(per_sender * burst_in_flight, burst_start, clock_type::now());

        co_await submit_to(1, [] { reactor::current().request_stop(); });
        reactor::current().request_stop();
    };
    if (!shards.start(main)) {
        std::fprintf(stderr, "could not start the runtime\n");
        std::exit(1);
    }
    shards.wait();
    const long expected = warm_up_round_trips + round_trips +
                          burst_round_trips / burst_in_flight * burst_in_flight;
    if (checksum != expected) {
        std::fprintf(stderr, "lost replies: %ld of %ld\n", checksum, expected);
        std::exit(1);
    }
    return outcome;
}

}  // namespace
}  // namespace laminar::bench

int main(int argc, char** argv) {
    using namespace laminar;
    using namespace laminar::bench;
    const long round_trips = option(argc, argv, "round-trips", 50'000);
    const long runs = option(argc, argv, "runs", 3);
    const long burst = option(argc, argv, "burst", 640'000);

    std::printf("cross-shard submit_to round trip, shard 0 -> shard 1 -> shard 0 (CPUs 0, 1)\n");
    std::printf("%ld sequential round trips + %ld in a burst of %d in flight; median of %ld runs\n",
                round_trips, burst, burst_in_flight, runs);
    std::printf("%-8s %9s %9s %9s %9s %10s %12s %9s %12s\n", "idle", "p50_ns", "p90_ns", "p99_ns",
                "p99.9_ns", "max_ns", "seq_rt/s", "sleeps/rt", "burst_rt/s");
    std::fflush(stdout);
    for (auto idle : {idle_strategy::sleep, idle_strategy::backoff, idle_strategy::spin}) {
        std::vector<latency_summary> sequential;
        std::vector<double> burst_rates;
        std::vector<double> sleeps;
        for (long run = 0; run < runs; ++run) {
            auto outcome = run_once(idle, round_trips, burst);
            sequential.push_back(outcome.sequential);
            burst_rates.push_back(outcome.burst_per_second);
            sleeps.push_back(outcome.sleeps_per_round_trip);
        }
        const auto row = median_of_runs(sequential);
        std::printf("%-8s %9.0f %9.0f %9.0f %9.0f %10.0f %12.0f %9.2f %12.0f\n",
                    std::string(to_string(idle)).c_str(), row.p50_ns, row.p90_ns, row.p99_ns,
                    row.p999_ns, row.max_ns, row.per_second, median(sleeps), median(burst_rates));
        std::fflush(stdout);
    }
    return 0;
}
