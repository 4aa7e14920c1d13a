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

pipelined_producer::pipelined_producer(run_context& ctx, int index, producer_tally& tally,
                                       producer_protocol& protocol, connection& conn)
    : _ctx(ctx),
      _tally(tally),
      _protocol(protocol),
      _conn(conn),
      _producers(static_cast<std::uint64_t>(ctx.opt.producers)),
      _batch_records_max(std::max<std::size_t>(1, batch_bytes_max / ctx.opt.record_size)),
      _linger_ns(static_cast<std::uint64_t>(std::max(ctx.opt.linger_ms, 0.0) * 1e6)),
      _scheduled(ctx.period_ns > 0),
      _k(static_cast<std::uint64_t>(index)),
      _key_state(_k),
      _partition_cursor(_k) {}

bool pipelined_producer::finished(std::uint64_t now) const {
    return _scheduled ? _k >= _ctx.records_total : now >= _ctx.end_ns;
}

void pipelined_producer::add(std::uint64_t intended) {
    pending_record record{
        {_ctx.run_id, _k, intended}, _batch_partition, record_key(_ctx.opt, _k, _key_state)};
    if (!record.key.empty()) {
        record.partition = pick_partition(_ctx.opt, record.key, _partition_cursor);
    }
    _tally.note_sent(_k / _producers);
    _pending.push_back(std::move(record));
    _k += _producers;
}

void pipelined_producer::take_due(std::uint64_t now) {
    if (_pending.empty()) {
        _batch_partition = static_cast<std::int32_t>(_partition_cursor++ % _ctx.opt.partitions);
    }
    if (_scheduled) {
        while (_k < _ctx.records_total && _ctx.intended_ns(_k) <= now &&
               _pending.size() < _batch_records_max) {
            add(_ctx.intended_ns(_k));
        }
    } else if (!finished(now) && _protocol.can_send()) {
        while (_pending.size() < _batch_records_max) add(now);
    }
}

bool pipelined_producer::step() {
    std::uint64_t now = now_ns();
    take_due(now);
    const bool all_taken = finished(now);
    if (!_pending.empty() && _protocol.can_send() &&
        (_linger_ns == 0 || all_taken || _pending.size() >= _batch_records_max ||
         now >= _pending.front().stamp.intended_ns + _linger_ns)) {
        if (!_ctx.trace.empty()) {
            for (const auto& record : _pending) {
                if (auto* row = _ctx.trace_of(record.stamp.sequence)) row->sent_ns = now;
            }
        }
        _protocol.encode(_pending, _conn, _ctx, _tally);
        _pending.clear();
    }
    if (!_conn.flush() || _conn.receive() < 0) {
        _tally.note_error("connection lost");
        _protocol.abandon(_tally);
        return false;
    }
    _protocol.on_input(_conn, _ctx, _tally, now_ns());
    if (all_taken && _pending.empty() && _protocol.inflight() == 0 && !_conn.out_pending()) {
        return false;
    }
    if (now_ns() > _ctx.drain_deadline_ns) {
        _protocol.abandon(_tally);
        return false;
    }
    return true;
}

std::uint64_t pipelined_producer::next_wake_ns(std::uint64_t now) const {
    std::uint64_t next = now + wait_slice_ns;
    if (_scheduled && _k < _ctx.records_total) next = std::min(next, _ctx.intended_ns(_k));
    if (!_scheduled && !finished(now) && _protocol.can_send()) next = now;
    if (!_pending.empty() && _linger_ns > 0) {
        next = std::min(next, _pending.front().stamp.intended_ns + _linger_ns);
    }
    return next;
}

void run_pipelined_producer(run_context& ctx, int index, producer_tally& tally,
                            producer_protocol& protocol, connection& conn) {
    while (!ctx.go.load()) wait_until(now_ns() + 100'000, false);
    pipelined_producer producer(ctx, index, tally, protocol, conn);
    while (producer.step()) {
        const std::uint64_t now = now_ns();
        const std::uint64_t next = producer.next_wake_ns(now);
        if (next > now) conn.wait(next - now, ctx.opt.busy_poll);
    }
    ctx.producers_running.fetch_sub(1);
}

}  // namespace laminar::bench
