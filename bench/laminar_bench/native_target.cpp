// The native target: Produce v9 and Fetch v12 encoded and decoded by Laminar's own codec
// (net/kafka) and record batches built by it, over one raw non-blocking socket per thread. No
// library threads: the producer thread sends and reads its acknowledgements, the consumer thread
// long-polls Fetch. With --busy-poll both spin on their sockets instead of sleeping in ppoll.
// With --single-thread one thread drives both connections (native_single_thread).
// It speaks to the bootstrap broker only (a single-node Laminar is every partition's leader).
#include <algorithm>
#include <deque>
#include <map>
#include <optional>

#include "bench/laminar_bench/targets.h"
#include "net/kafka/api_keys.h"
#include "net/kafka/messages.h"
#include "net/kafka/records.h"

namespace laminar::bench {
namespace {

namespace kafka = laminar::kafka;

constexpr std::int16_t produce_version = 9;
constexpr std::int16_t fetch_version = 12;
constexpr std::size_t response_bytes_max = 256u << 20;
constexpr std::int32_t fetch_max_wait_ms = 200;
constexpr std::int32_t fetch_bytes_max = 64 << 20;
constexpr std::int32_t fetch_partition_bytes_max = 8 << 20;

template <typename M>
void append_request(const M& message, std::int16_t version, std::int32_t correlation_id,
                    std::vector<char>& out) {
    kafka::bytes frame;
    kafka::writer w(frame);
    const std::size_t start = kafka::begin_frame(w);
    const auto key = static_cast<std::int16_t>(M::key);
    kafka::request_header header{key, version, correlation_id, std::string("laminar-bench")};
    header.header_version = kafka::request_header_version(key, version);
    kafka::encode_request_header(header, w);
    (void)kafka::encode_message(message, version, frame);
    kafka::finish_frame(w, start);
    const auto* data = reinterpret_cast<const char*>(frame.data());
    out.insert(out.end(), data, data + frame.size());
}

// The next complete response frame in conn.in: its correlation id and body; false when it has
// not all arrived. A malformed frame marks `error`.
struct response_frame {
    std::int32_t correlation_id = 0;
    std::span<const std::byte> body;
    std::size_t frame_bytes = 0;
};
bool next_response(const connection& conn, std::int16_t header_version, response_frame& frame,
                   std::string& error) {
    const auto* base = reinterpret_cast<const std::byte*>(conn.in_data());
    const std::span<const std::byte> available(base, conn.in_available());
    auto size = kafka::read_frame_size(available, response_bytes_max);
    if (!size) {
        if (size.error() != kafka::codec_error::truncated) error = "bad response frame size";
        return false;
    }
    const std::size_t total = kafka::frame_size_bytes + static_cast<std::size_t>(*size);
    if (available.size() < total) return false;
    kafka::reader in(available.subspan(kafka::frame_size_bytes, static_cast<std::size_t>(*size)));
    auto header = kafka::decode_response_header(in, header_version);
    if (!header) {
        error = "bad response header";
        return false;
    }
    frame.correlation_id = header->correlation_id;
    frame.body = available.subspan(kafka::frame_size_bytes + in.position(),
                                   static_cast<std::size_t>(*size) - in.position());
    frame.frame_bytes = total;
    return true;
}

std::int64_t wall_clock_ms() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

class native_producer_protocol final : public producer_protocol {
public:
    void encode(std::span<const pending_record> records, connection& conn, run_context& ctx,
                producer_tally& tally) override {
        std::map<std::int32_t, std::vector<const pending_record*>> by_partition;
        for (const auto& record : records) by_partition[record.partition].push_back(&record);
        kafka::produce_request request;
        request.acks = static_cast<std::int16_t>(ctx.opt.acks);
        request.timeout_ms = 30'000;
        auto& topic = request.topic_data.emplace_back();
        topic.name = ctx.opt.topic;
        inflight_request sent{_next_correlation_id++, {}};
        kafka::record_batch_options batch_options;
        batch_options.base_timestamp = wall_clock_ms();
        batch_options.codec = _codec;
        for (const auto& [partition, members] : by_partition) {
            _records.clear();
            auto& stamps = sent.partitions.emplace_back(partition, std::vector<payload_stamp>{});
            for (std::size_t i = 0; i < members.size(); ++i) {
                kafka::record& record = _records.emplace_back();
                record.offset_delta = static_cast<std::int32_t>(i);
                record.value.emplace(ctx.opt.record_size);
                fill_value(ctx, members[i]->stamp, reinterpret_cast<char*>(record.value->data()));
                if (!members[i]->key.empty()) {
                    const auto* key = reinterpret_cast<const std::byte*>(members[i]->key.data());
                    record.key.emplace(key, key + members[i]->key.size());
                }
                stamps.second.push_back(members[i]->stamp);
            }
            auto batch = kafka::build_record_batch(batch_options, _records);
            if (!batch) {
                tally.note_error("cannot build a record batch");
                continue;
            }
            topic.partition_data.push_back({partition, std::move(*batch)});
        }
        append_request(request, produce_version, sent.correlation_id, conn.out);
        if (ctx.opt.acks == 0) {  // no response comes: written is as acknowledged as it gets
            const std::uint64_t now = now_ns();
            for (const auto& [partition, stamps] : sent.partitions) {
                for (const auto& stamp : stamps) note_acked(ctx, tally, stamp, now);
            }
            return;
        }
        _inflight.push_back(std::move(sent));
    }

    void on_input(connection& conn, run_context& ctx, producer_tally& tally,
                  std::uint64_t now) override {
        const std::int16_t header_version = kafka::response_header_version(
            static_cast<std::int16_t>(kafka::api_key::produce), produce_version);
        response_frame frame;
        std::string error;
        while (next_response(conn, header_version, frame, error)) {
            if (_inflight.empty() || _inflight.front().correlation_id != frame.correlation_id) {
                tally.note_error("produce response out of order");
                conn.consume(frame.frame_bytes);
                continue;
            }
            inflight_request request = std::move(_inflight.front());
            _inflight.pop_front();
            auto response =
                kafka::decode_message<kafka::produce_response>(frame.body, produce_version);
            conn.consume(frame.frame_bytes);
            if (!response) {
                tally.note_error("undecodable produce response");
                continue;
            }
            settle(request, *response, ctx, tally, now);
        }
        if (!error.empty()) tally.note_error(error);
    }

    bool can_send() const override { return _inflight.size() < _inflight_max; }
    std::size_t inflight() const override { return _inflight.size(); }
    void abandon(producer_tally& tally) override {
        for (const auto& request : _inflight) {
            for (const auto& partition : request.partitions) {
                for (std::size_t i = 0; i < partition.second.size(); ++i) {
                    tally.note_error("no produce response before the drain deadline");
                }
            }
        }
        _inflight.clear();
    }

    void set_codec(compression_codec codec) { _codec = codec; }
    void set_inflight_max(std::size_t requests) {
        _inflight_max = std::max<std::size_t>(requests, 1);
    }

private:
    struct inflight_request {
        std::int32_t correlation_id = 0;
        std::vector<std::pair<std::int32_t, std::vector<payload_stamp>>> partitions;
    };

    static void settle(const inflight_request& request, const kafka::produce_response& response,
                       run_context& ctx, producer_tally& tally, std::uint64_t now) {
        for (const auto& [partition, stamps] : request.partitions) {
            std::int16_t error_code = -1;  // missing from the response
            for (const auto& topic : response.responses) {
                for (const auto& answer : topic.partition_responses) {
                    if (answer.index == partition) error_code = answer.error_code;
                }
            }
            for (const auto& stamp : stamps) {
                if (error_code == 0) {
                    note_acked(ctx, tally, stamp, now);
                } else {
                    tally.note_error("produce error code " + std::to_string(error_code));
                }
            }
        }
    }

    std::deque<inflight_request> _inflight;
    std::vector<kafka::record> _records;
    std::int32_t _next_correlation_id = 1;
    std::size_t _inflight_max = 5;
    compression_codec _codec = compression_codec::none;
};

compression_codec codec_named(const std::string& name) {
    if (name == "gzip") return compression_codec::gzip;
    if (name == "snappy") return compression_codec::snappy;
    if (name == "lz4") return compression_codec::lz4;
    if (name == "zstd") return compression_codec::zstd;
    return compression_codec::none;
}

kafka::fetch_request make_fetch(const run_context& ctx, const std::vector<std::int32_t>& partitions,
                                const std::vector<std::int64_t>& offsets) {
    kafka::fetch_request request;
    request.max_wait_ms = fetch_max_wait_ms;
    request.min_bytes = 1;
    request.max_bytes = fetch_bytes_max;
    auto& topic = request.topics.emplace_back();
    topic.topic = ctx.opt.topic;
    for (std::size_t i = 0; i < partitions.size(); ++i) {
        kafka::fetch_partition p;
        p.partition = partitions[i];
        p.fetch_offset = offsets[i];
        p.partition_max_bytes = fetch_partition_bytes_max;
        topic.partitions.push_back(p);
    }
    return request;
}

// Counts every record of the batches in `records` and advances `offset` past them. A partial
// batch at the end (the broker cut at max bytes) is left for the next fetch.
void consume_batches(run_context& ctx, consumer_tally& tally, std::span<const std::byte> records,
                     std::int64_t& offset, std::uint64_t now) {
    while (records.size() >= record_batch_layout::header_bytes) {
        auto parsed = kafka::parse_record_batch(records);
        if (!parsed) {
            if (parsed.error() != kafka::codec_error::truncated) {
                tally.note_error("bad record batch in a fetch response");
            }
            return;
        }
        for (const auto& record : parsed->records) {
            if (parsed->header.base_offset + record.offset_delta < offset) continue;
            const auto& value = record.value;
            note_consumed(ctx, tally, value ? value->data() : nullptr, value ? value->size() : 0,
                          now);
        }
        offset = std::max(offset, parsed->header.last_offset() + 1);
        records = records.subspan(parsed->header.total_bytes());
    }
}

// A consumer's connection: keeps one Fetch outstanding over its partitions and counts what the
// responses carry. Driven a turn at a time by native_consumer's thread or by
// native_single_thread.
//
// Locality: the thread that calls step().
class native_fetcher {
public:
    enum class turn : std::uint8_t { answered, waiting, failed };

    native_fetcher(run_context& ctx, int index, consumer_tally& tally, connection& conn)
        : _ctx(ctx), _tally(tally), _conn(conn) {
        for (int p = index; p < ctx.opt.partitions; p += ctx.opt.consumers) {
            _partitions.push_back(p);
            _offsets.push_back(ctx.start_offsets[static_cast<std::size_t>(p)]);
        }
    }

    bool has_partitions() const { return !_partitions.empty(); }

    // Sends a Fetch when none is outstanding, flushes, reads, and handles one response if it has
    // all arrived (answered: call again at once). failed: the connection or its bytes broke.
    turn step() {
        if (!_waiting) {
            append_request(make_fetch(_ctx, _partitions, _offsets), fetch_version,
                           ++_correlation_id, _conn.out);
            _waiting = true;
        }
        if (!_conn.flush() || _conn.receive() < 0) {
            _tally.note_error("connection lost");
            return turn::failed;
        }
        response_frame frame;
        std::string error;
        if (next_response(_conn, _header_version, frame, error)) {
            const std::uint64_t now = now_ns();
            auto response = kafka::decode_message<kafka::fetch_response>(frame.body, fetch_version);
            _conn.consume(frame.frame_bytes);
            _waiting = false;
            if (!response) {
                _tally.note_error("undecodable fetch response");
            } else {
                settle(*response, now);
            }
            return turn::answered;
        }
        if (!error.empty()) {
            _tally.note_error(error);
            return turn::failed;
        }
        return turn::waiting;
    }

private:
    void settle(const kafka::fetch_response& response, std::uint64_t now) {
        for (const auto& topic : response.responses) {
            for (const auto& answer : topic.partitions) {
                auto at = std::find(_partitions.begin(), _partitions.end(), answer.partition_index);
                if (at == _partitions.end()) continue;
                if (answer.error_code != 0) {
                    _tally.note_error("fetch error code " + std::to_string(answer.error_code));
                    continue;
                }
                if (!answer.records.data) continue;
                consume_batches(_ctx, _tally, *answer.records.data,
                                _offsets[static_cast<std::size_t>(at - _partitions.begin())], now);
            }
        }
    }

    run_context& _ctx;
    consumer_tally& _tally;
    connection& _conn;
    std::vector<std::int32_t> _partitions;
    std::vector<std::int64_t> _offsets;  // the next offset to fetch, per partition
    const std::int16_t _header_version = kafka::response_header_version(
        static_cast<std::int16_t>(kafka::api_key::fetch), fetch_version);
    std::int32_t _correlation_id = 0;
    bool _waiting = false;  // a Fetch is outstanding
};

native_producer_protocol make_producer_protocol(const options& opt) {
    native_producer_protocol protocol;
    protocol.set_codec(codec_named(opt.compression));
    protocol.set_inflight_max(static_cast<std::size_t>(opt.max_in_flight));
    return protocol;
}

constexpr std::uint64_t consumer_wait_ns = 100'000'000;

}  // namespace

void native_producer(run_context& ctx, int index, producer_tally& tally) {
    connection conn;
    std::string error;
    if (!conn.open(ctx.opt.brokers, error)) {
        tally.note_error(error);
        ctx.producers_running.fetch_sub(1);
        return;
    }
    native_producer_protocol protocol = make_producer_protocol(ctx.opt);
    run_pipelined_producer(ctx, index, tally, protocol, conn);
}

void native_consumer(run_context& ctx, int index, consumer_tally& tally) {
    connection conn;
    std::string error;
    if (!conn.open(ctx.opt.brokers, error)) {
        tally.note_error(error);
        ctx.consumers_ready.fetch_add(1);
        return;
    }
    native_fetcher fetcher(ctx, index, tally, conn);
    ctx.consumers_ready.fetch_add(1);
    if (!fetcher.has_partitions()) return;
    while (!ctx.consumers_done()) {
        const native_fetcher::turn turn = fetcher.step();
        if (turn == native_fetcher::turn::failed) return;
        if (turn == native_fetcher::turn::waiting) conn.wait(consumer_wait_ns, ctx.opt.busy_poll);
    }
}

void native_single_thread(run_context& ctx, producer_tally& produced,
                          std::span<consumer_tally> consumers) {
    connection producer_conn, consumer_conn;
    std::string error;
    const bool producer_open = producer_conn.open(ctx.opt.brokers, error);
    if (!producer_open) produced.note_error(error);
    std::optional<native_fetcher> fetcher;
    if (!consumers.empty()) {
        if (consumer_conn.open(ctx.opt.brokers, error)) {
            fetcher.emplace(ctx, 0, consumers.front(), consumer_conn);
            if (!fetcher->has_partitions()) fetcher.reset();
        } else {
            consumers.front().note_error(error);
        }
    }
    ctx.consumers_ready.fetch_add(static_cast<int>(consumers.size()));
    while (!ctx.go.load()) wait_until(now_ns() + 100'000, false);

    native_producer_protocol protocol = make_producer_protocol(ctx.opt);
    std::optional<pipelined_producer> producer;
    if (producer_open) {
        producer.emplace(ctx, 0, produced, protocol, producer_conn);
    } else {
        ctx.producers_running.fetch_sub(1);
    }
    while (producer || fetcher) {
        std::uint64_t wake_ns = now_ns() + consumer_wait_ns;
        if (producer && !producer->step()) {
            producer.reset();
            ctx.producers_running.fetch_sub(1);
        }
        if (producer) wake_ns = std::min(wake_ns, producer->next_wake_ns(now_ns()));
        if (fetcher) {
            const native_fetcher::turn turn = fetcher->step();
            if (turn == native_fetcher::turn::answered) wake_ns = 0;
            if (turn == native_fetcher::turn::failed || ctx.consumers_done()) fetcher.reset();
        }
        const std::uint64_t now = now_ns();
        if (wake_ns > now && !ctx.opt.busy_poll) {
            connection::wait_any(
                {producer ? &producer_conn : nullptr, fetcher ? &consumer_conn : nullptr},
                wake_ns - now);
        }
    }
}

}  // namespace laminar::bench
