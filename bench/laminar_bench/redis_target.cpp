// The redis target: Redis Streams over raw RESP on one non-blocking socket per thread, as
// ../shared/peers/e2e.cpp measured it. The producer pipelines XADD key * d VALUE and matches
// the FIFO replies to its records; the consumer loops XREAD COUNT 1000 BLOCK 100 from the last
// id. hiredis is used only to parse replies (redisReader), never for I/O. --topic is the key.
#include <hiredis/hiredis.h>

#include <deque>
#include <memory>

#include "bench/laminar_bench/targets.h"

namespace laminar::bench {
namespace {

constexpr std::size_t inflight_records_max = 10'000;
constexpr const char* xread_count = "1000";
constexpr const char* xread_block_ms = "100";

void append_command(std::vector<char>& out, std::initializer_list<std::string_view> words) {
    const std::string head = "*" + std::to_string(words.size()) + "\r\n";
    out.insert(out.end(), head.begin(), head.end());
    for (std::string_view word : words) {
        const std::string size = "$" + std::to_string(word.size()) + "\r\n";
        out.insert(out.end(), size.begin(), size.end());
        out.insert(out.end(), word.begin(), word.end());
        out.push_back('\r');
        out.push_back('\n');
    }
}

struct reader_deleter {
    void operator()(redisReader* reader) const { redisReaderFree(reader); }
};
using reply_reader = std::unique_ptr<redisReader, reader_deleter>;
struct reply_deleter {
    void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

// Hands what arrived on `conn` to the reader, then returns the next whole reply (or nothing).
// A protocol error sets `error`.
reply_ptr next_reply(redisReader* reader, connection& conn, std::string& error) {
    if (conn.in_available() > 0) {
        redisReaderFeed(reader, conn.in_data(), conn.in_available());
        conn.consume(conn.in_available());
    }
    void* reply = nullptr;
    if (redisReaderGetReply(reader, &reply) != REDIS_OK) {
        error = std::string("RESP: ") + reader->errstr;
        return nullptr;
    }
    return reply_ptr(static_cast<redisReply*>(reply));
}

class redis_producer_protocol final : public producer_protocol {
public:
    redis_producer_protocol() : _reader(redisReaderCreate()) {}

    void encode(std::span<const pending_record> records, connection& conn, run_context& ctx,
                producer_tally&) override {
        _value.resize(ctx.opt.record_size);
        for (const auto& record : records) {
            fill_value(ctx, record.stamp, _value.data());
            append_command(conn.out, {"XADD", ctx.opt.topic, "*", "d",
                                      std::string_view(_value.data(), _value.size())});
            _inflight.push_back(record.stamp);
        }
    }

    void on_input(connection& conn, run_context& ctx, producer_tally& tally,
                  std::uint64_t now) override {
        std::string error;
        while (reply_ptr reply = next_reply(_reader.get(), conn, error)) {
            if (_inflight.empty()) {
                tally.note_error("reply without a command");
                continue;
            }
            const payload_stamp stamp = _inflight.front();
            _inflight.pop_front();
            if (reply->type == REDIS_REPLY_ERROR) {
                tally.note_error(std::string("XADD: ") + std::string(reply->str, reply->len));
            } else {
                note_acked(ctx, tally, stamp, now);
            }
        }
        if (!error.empty()) tally.note_error(error);
    }

    bool can_send() const override { return _inflight.size() < inflight_records_max; }
    std::size_t inflight() const override { return _inflight.size(); }
    void abandon(producer_tally& tally) override {
        for (std::size_t i = 0; i < _inflight.size(); ++i) {
            tally.note_error("no XADD reply before the drain deadline");
        }
        _inflight.clear();
    }

private:
    reply_reader _reader;
    std::deque<payload_stamp> _inflight;
    std::vector<char> _value;
};

// XREAD's reply: [[key, [[id, [field, value, ...]], ...]]] or nil when BLOCK timed out.
void consume_xread(run_context& ctx, consumer_tally& tally, const redisReply& reply,
                   std::string& last_id, std::uint64_t now) {
    if (reply.type == REDIS_REPLY_NIL) return;
    if (reply.type == REDIS_REPLY_ERROR) {
        tally.note_error(std::string("XREAD: ") + std::string(reply.str, reply.len));
        return;
    }
    if (reply.type != REDIS_REPLY_ARRAY) {
        tally.note_error("XREAD: unexpected reply");
        return;
    }
    for (std::size_t s = 0; s < reply.elements; ++s) {
        const redisReply* stream = reply.element[s];
        if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 ||
            stream->element[1]->type != REDIS_REPLY_ARRAY) {
            tally.note_error("XREAD: malformed stream entry");
            continue;
        }
        const redisReply* entries = stream->element[1];
        for (std::size_t e = 0; e < entries->elements; ++e) {
            const redisReply* entry = entries->element[e];
            if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
                entry->element[0]->type != REDIS_REPLY_STRING ||
                entry->element[1]->type != REDIS_REPLY_ARRAY) {
                tally.note_error("XREAD: malformed entry");
                continue;
            }
            last_id.assign(entry->element[0]->str, entry->element[0]->len);
            const redisReply* fields = entry->element[1];
            if (fields->elements < 2 || fields->element[1]->type != REDIS_REPLY_STRING) {
                ++tally.foreign;
                continue;
            }
            note_consumed(ctx, tally, fields->element[1]->str, fields->element[1]->len, now);
        }
    }
}

}  // namespace

bool redis_prepare(run_context& ctx, std::string& error) {
    connection conn;
    if (!conn.open(ctx.opt.brokers, error)) return false;
    append_command(conn.out, {"DEL", ctx.opt.topic});
    reply_reader reader(redisReaderCreate());
    const std::uint64_t deadline = now_ns() + 5'000'000'000ull;
    while (now_ns() < deadline) {
        if (!conn.flush() || conn.receive() < 0) {
            error = "redis connection lost";
            return false;
        }
        if (reply_ptr reply = next_reply(reader.get(), conn, error)) {
            if (reply->type == REDIS_REPLY_ERROR) error = std::string(reply->str, reply->len);
            ctx.opt.partitions = 1;
            return reply->type != REDIS_REPLY_ERROR;
        }
        if (!error.empty()) return false;
        conn.wait(100'000'000, false);
    }
    error = "redis did not answer DEL";
    return false;
}

void redis_producer(run_context& ctx, int index, producer_tally& tally) {
    connection conn;
    std::string error;
    if (!conn.open(ctx.opt.brokers, error)) {
        tally.note_error(error);
        ctx.producers_running.fetch_sub(1);
        return;
    }
    redis_producer_protocol protocol;
    run_pipelined_producer(ctx, index, tally, protocol, conn);
}

void redis_consumer(run_context& ctx, int, consumer_tally& tally) {
    connection conn;
    std::string error;
    const bool open = conn.open(ctx.opt.brokers, error);
    ctx.consumers_ready.fetch_add(1);
    if (!open) {
        tally.note_error(error);
        return;
    }
    reply_reader reader(redisReaderCreate());
    std::string last_id = "0-0";
    bool waiting = false;
    while (!ctx.consumers_done()) {
        if (!waiting) {
            append_command(conn.out, {"XREAD", "COUNT", xread_count, "BLOCK", xread_block_ms,
                                      "STREAMS", ctx.opt.topic, last_id});
            waiting = true;
        }
        if (!conn.flush() || conn.receive() < 0) {
            tally.note_error("redis connection lost");
            return;
        }
        if (reply_ptr reply = next_reply(reader.get(), conn, error)) {
            consume_xread(ctx, tally, *reply, last_id, now_ns());
            waiting = false;
            continue;
        }
        if (!error.empty()) {
            tally.note_error(error);
            return;
        }
        conn.wait(100'000'000, ctx.opt.busy_poll);
    }
}

}  // namespace laminar::bench
