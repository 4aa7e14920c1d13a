// What every laminar-bench target shares: the options, the open-loop schedule, the payload that
// carries each record's identity and intended send time, and the per-thread tallies the report
// is made from.
//
// Method (as ../shared/peers/e2e.cpp): record k of the run is due at t0 + k / rate, whichever
// producer sends it (producer p sends k = p, p + P, p + 2P, ...). Latency is taken from that
// intended time, so a stalled producer or broker shows as latency instead of as fewer samples
// (no coordinated omission). With --rate max a record's intended time is when it was handed to
// the client. Records due in the first --warmup seconds are sent and checked but not timed.
//
// Locality: a producer_tally belongs to its producer thread, a consumer_tally to its consumer
// thread; run_context's atomics are the only state threads share while running.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "bench/laminar_bench/histogram.h"

namespace laminar::bench {

enum class key_distribution_kind : std::uint8_t { none, uniform };

struct options {
    std::string brokers = "127.0.0.1:9092";
    std::string topic = "laminar-bench";
    std::string target = "kafka";  // kafka | native | redis
    double rate = 1000;            // records/s over all producers; 0 = max
    double duration_s = 10;
    double warmup_s = 1;
    double drain_s = 10;  // after the last send: wait this long at most for acks and consumers
    std::size_t record_size = 100;
    key_distribution_kind key_kind = key_distribution_kind::none;
    std::uint64_t key_space = 0;
    int partitions = 1;
    int replication_factor = 1;
    int producers = 1;
    int consumers = 1;
    int acks = 1;  // 0, 1, -1 (all)
    std::string compression = "none";
    // < 0: the client's default (librdkafka 2.0: 5 ms; native and redis: 0, send when due).
    double linger_ms = -1;
    int fetch_wait_ms = 100;
    // native: Produce requests in flight per connection (Kafka's producer default, 5); records
    // due while the window is full go out together in the next request.
    int max_in_flight = 5;  // kafka target: librdkafka's fetch.wait.max.ms
    bool busy_poll = false;
    // native: one thread drives the producer's and the consumer's connections (one of each),
    // so that with --busy-poll the client spins on one CPU, not two.
    bool single_thread = false;
    int cpu = -1;  // >= 0: every thread of the process runs on this CPU (sched_setaffinity)
    std::string format = "text";  // text | json
    std::string histogram_out;
    std::string trace_out;  // per-record times (scheduled mode): where the latency went
    std::string name;  // run label in JSON and plots
};

inline std::uint64_t now_ns() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

// Sleeps (or with busy_poll spins) until the monotonic clock reaches `deadline_ns`.
void wait_until(std::uint64_t deadline_ns, bool busy_poll) noexcept;

// The first bytes of every record value; the rest is filler. Host byte order: the producer and
// the consumer are the same process.
struct payload_stamp {
    std::uint64_t run_id = 0;
    std::uint64_t sequence = 0;  // k, the record's place in the run's schedule
    std::uint64_t intended_ns = 0;
};
inline constexpr std::size_t record_size_min = sizeof(payload_stamp);

inline void write_stamp(char* value, const payload_stamp& stamp) noexcept {
    std::memcpy(value, &stamp, sizeof stamp);
}
// False when the value is too short to be ours.
inline bool read_stamp(const void* value, std::size_t size, payload_stamp& stamp) noexcept {
    if (value == nullptr || size < sizeof stamp) return false;
    std::memcpy(&stamp, value, sizeof stamp);
    return true;
}

struct run_context {
    options opt;
    std::uint64_t run_id = 0;
    std::uint64_t period_ns = 0;      // 0 with --rate max
    std::uint64_t records_total = 0;  // scheduled records (0 with --rate max: until end_ns)
    std::uint64_t t0_ns = 0;          // first record due
    std::uint64_t measure_from_ns = 0;
    std::uint64_t end_ns = 0;  // nothing is due from here on
    std::uint64_t drain_deadline_ns = 0;

    std::vector<std::int64_t> start_offsets;  // per partition, where consumers begin

    // With --trace-out: per scheduled record, when it was handed to the socket, acknowledged
    // and first consumed (0: never). A row's fields are written by different threads, each
    // field by one thread only; they are read after the threads are joined.
    struct trace_row {
        std::uint64_t sent_ns = 0;
        std::uint64_t acked_ns = 0;
        std::uint64_t consumed_ns = 0;
    };
    std::vector<trace_row> trace;

    std::atomic<bool> go{false};  // t0 is set; producers start
    std::atomic<int> consumers_ready{0};
    std::atomic<int> producers_running{0};
    std::atomic<std::uint64_t> acked_total{0};
    std::atomic<std::uint64_t> consumed_total{0};  // our records, duplicates included

    // Record k's intended time (scheduled mode).
    std::uint64_t intended_ns(std::uint64_t k) const noexcept { return t0_ns + k * period_ns; }
    trace_row* trace_of(std::uint64_t k) noexcept { return k < trace.size() ? &trace[k] : nullptr; }
    bool measured(std::uint64_t intended) const noexcept {
        return intended >= measure_from_ns && intended < end_ns;
    }
    // Consumers stop once every producer finished and every acked record arrived, or at the
    // drain deadline.
    bool consumers_done() const noexcept {
        if (!go.load()) return false;
        if (now_ns() > drain_deadline_ns) return true;
        return producers_running.load() == 0 && consumed_total.load() >= acked_total.load();
    }
};

struct producer_tally {
    latency_histogram ack;            // intended send -> acknowledged
    std::vector<std::uint8_t> acked;  // by this producer's local index (k / producers)
    std::uint64_t sent = 0;
    std::uint64_t acked_count = 0;
    std::uint64_t acked_measured = 0;  // acked records due inside the measured window
    std::uint64_t errors = 0;
    std::string first_error;

    void note_sent(std::uint64_t local_index) {
        if (acked.size() <= local_index) acked.resize(local_index + 1, 0);
        ++sent;
    }
    void note_error(const std::string& what) {
        if (errors++ == 0) first_error = what;
    }
};

struct consumer_tally {
    latency_histogram e2e;           // intended send -> consumed
    std::vector<std::uint8_t> seen;  // by sequence: times consumed (saturating)
    std::uint64_t consumed = 0;
    std::uint64_t consumed_measured = 0;
    std::uint64_t foreign = 0;  // records of other runs or other writers
    std::uint64_t errors = 0;
    std::string first_error;

    void note_error(const std::string& what) {
        if (errors++ == 0) first_error = what;
    }
};

// Marks record `stamp` acknowledged by producer tally `t` at `now`.
void note_acked(run_context& ctx, producer_tally& t, const payload_stamp& stamp, std::uint64_t now);
// Counts one consumed value; foreign values (another run's) are counted apart.
void note_consumed(run_context& ctx, consumer_tally& t, const void* value, std::size_t size,
                   std::uint64_t now);

// Fills `value` (record_size bytes) for record k of producer `p` and returns its stamp.
payload_stamp stamp_record(const run_context& ctx, std::uint64_t k, std::uint64_t intended,
                           char* value);
// The record's key under --key-dist (empty for none).
std::string record_key(const options& opt, std::uint64_t k, std::uint64_t& rng_state);

}  // namespace laminar::bench
