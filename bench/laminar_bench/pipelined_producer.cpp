#include <algorithm>
#include <functional>

#include "bench/laminar_bench/targets.h"

namespace laminar::bench {
namespace {

// Under the broker's default max.message.bytes (1 MiB) with room for record overheads.
constexpr std::size_t batch_bytes_max = 512 * 1024;
constexpr std::uint64_t wait_slice_ns = 100'000'000;  // re-check the clock at least this often

std::int32_t pick_partition(const options& opt, const std::string& key, std::uint64_t& next) {
    if (key.empty()) return static_cast<std::int32_t>(next++ % opt.partitions);
    return static_cast<std::int32_t>(std::hash<std::string>{}(key) % opt.partitions);
}

}  // namespace

void fill_value(const run_context& ctx, const payload_stamp& stamp, char* value) {
    std::memset(value + sizeof stamp, 'x', ctx.opt.record_size - sizeof stamp);
    write_stamp(value, stamp);
}

void run_pipelined_producer(run_context& ctx, int index, producer_tally& tally,
                            producer_protocol& protocol, connection& conn) {
    const options& opt = ctx.opt;
    const auto producers = static_cast<std::uint64_t>(opt.producers);
    const std::size_t batch_records_max =
        std::max<std::size_t>(1, batch_bytes_max / opt.record_size);
    const auto linger_ns = static_cast<std::uint64_t>(std::max(opt.linger_ms, 0.0) * 1e6);
    const bool scheduled = ctx.period_ns > 0;
    std::uint64_t k = static_cast<std::uint64_t>(index);
    std::uint64_t key_state = k, partition_cursor = k;
    std::vector<pending_record> pending;
    // Every record of one send goes to one partition when keyless: a batch per request.
    std::int32_t batch_partition = 0;
    while (!ctx.go.load()) wait_until(now_ns() + 100'000, false);

    for (;;) {
        std::uint64_t now = now_ns();
        const bool sending_done = scheduled ? k >= ctx.records_total : now >= ctx.end_ns;
        if (pending.empty())
            batch_partition = static_cast<std::int32_t>(partition_cursor++ % opt.partitions);
        auto add = [&](std::uint64_t intended) {
            pending_record record{
                {ctx.run_id, k, intended}, batch_partition, record_key(opt, k, key_state)};
            if (!record.key.empty())
                record.partition = pick_partition(opt, record.key, partition_cursor);
            tally.note_sent(k / producers);
            pending.push_back(std::move(record));
            k += producers;
        };
        if (scheduled) {
            while (k < ctx.records_total && ctx.intended_ns(k) <= now &&
                   pending.size() < batch_records_max) {
                add(ctx.intended_ns(k));
            }
        } else if (!sending_done && protocol.can_send()) {
            while (pending.size() < batch_records_max) add(now);
        }
        const bool finished = scheduled ? k >= ctx.records_total : now >= ctx.end_ns;
        if (!pending.empty() && protocol.can_send() &&
            (linger_ns == 0 || finished || pending.size() >= batch_records_max ||
             now >= pending.front().stamp.intended_ns + linger_ns)) {
            if (!ctx.trace.empty()) {
                for (const auto& record : pending) {
                    if (auto* row = ctx.trace_of(record.stamp.sequence)) row->sent_ns = now;
                }
            }
            protocol.encode(pending, conn, ctx, tally);
            pending.clear();
        }
        if (!conn.flush() || conn.receive() < 0) {
            tally.note_error("connection lost");
            protocol.abandon(tally);
            break;
        }
        protocol.on_input(conn, ctx, tally, now_ns());
        if (finished && pending.empty() && protocol.inflight() == 0 && !conn.out_pending()) break;
        now = now_ns();
        if (now > ctx.drain_deadline_ns) {
            protocol.abandon(tally);
            break;
        }
        std::uint64_t next = now + wait_slice_ns;
        if (scheduled && k < ctx.records_total) next = std::min(next, ctx.intended_ns(k));
        if (!scheduled && !finished && protocol.can_send()) next = now;
        if (!pending.empty() && linger_ns > 0) {
            next = std::min(next, pending.front().stamp.intended_ns + linger_ns);
        }
        if (next > now) conn.wait(next - now, opt.busy_poll);
    }
    ctx.producers_running.fetch_sub(1);
}

}  // namespace laminar::bench
