#include "bench/laminar_bench/run.h"

#include <cerrno>

namespace laminar::bench {

void wait_until(std::uint64_t deadline_ns, bool busy_poll) noexcept {
    if (busy_poll) {
        while (now_ns() < deadline_ns) {
        }
        return;
    }
    const timespec ts{static_cast<time_t>(deadline_ns / 1'000'000'000ull),
                      static_cast<long>(deadline_ns % 1'000'000'000ull)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

void note_acked(run_context& ctx, producer_tally& t, const payload_stamp& stamp,
                std::uint64_t now) {
    const std::uint64_t local = stamp.sequence / static_cast<std::uint64_t>(ctx.opt.producers);
    if (local >= t.acked.size() || t.acked[local] != 0) {
        t.note_error("acknowledgement for a record not sent or acknowledged twice");
        return;
    }
    t.acked[local] = 1;
    if (auto* row = ctx.trace_of(stamp.sequence)) row->acked_ns = now;
    ++t.acked_count;
    ctx.acked_total.fetch_add(1, std::memory_order_relaxed);
    if (ctx.measured(stamp.intended_ns)) {
        ++t.acked_measured;
        t.ack.record(now > stamp.intended_ns ? now - stamp.intended_ns : 0);
    }
}

void note_consumed(run_context& ctx, consumer_tally& t, const void* value, std::size_t size,
                   std::uint64_t now) {
    payload_stamp stamp;
    if (!read_stamp(value, size, stamp) || stamp.run_id != ctx.run_id) {
        ++t.foreign;
        return;
    }
    if (size != ctx.opt.record_size) {
        t.note_error("record of the wrong size");
        return;
    }
    if (t.seen.size() <= stamp.sequence) t.seen.resize(stamp.sequence + 1, 0);
    if (t.seen[stamp.sequence] < 255) ++t.seen[stamp.sequence];
    ++t.consumed;
    if (auto* row = ctx.trace_of(stamp.sequence); row && row->consumed_ns == 0) {
        row->consumed_ns = now;
    }
    ctx.consumed_total.fetch_add(1, std::memory_order_relaxed);
    if (ctx.measured(stamp.intended_ns)) {
        ++t.consumed_measured;
        t.e2e.record(now > stamp.intended_ns ? now - stamp.intended_ns : 0);
    }
}

payload_stamp stamp_record(const run_context& ctx, std::uint64_t k, std::uint64_t intended,
                           char* value) {
    const payload_stamp stamp{ctx.run_id, k, intended};
    std::memset(value + sizeof stamp, 'x', ctx.opt.record_size - sizeof stamp);
    write_stamp(value, stamp);
    return stamp;
}

std::string record_key(const options& opt, std::uint64_t k, std::uint64_t& rng_state) {
    if (opt.key_kind == key_distribution_kind::none) return {};
    // splitmix64: cheap, and the same keys every run of the same schedule.
    std::uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull) ^ k;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return "key-" + std::to_string(z % opt.key_space);
}

}  // namespace laminar::bench
