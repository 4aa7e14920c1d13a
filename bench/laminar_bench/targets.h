// The three ways laminar-bench reaches a broker. Each target has a prepare step (create or reset
// the topic, learn where consumers start) and a producer and a consumer body, each run on its
// own thread by main.cpp.
//   kafka:  librdkafka (its own threads; what applications see)
//   native: Laminar's codec (net/kafka) over one raw socket per thread, no library threads
//   redis:  Redis Streams XADD / XREAD over raw RESP (hiredis only parses replies)
#pragma once

#include <span>
#include <string>

#include "bench/laminar_bench/connection.h"
#include "bench/laminar_bench/run.h"

namespace laminar::bench {

// Creates the topic if missing (librdkafka admin API), sets ctx.opt.partitions to the topic's
// partition count and ctx.start_offsets to each partition's high watermark. Used by kafka and
// native (setup is not measured).
bool kafka_prepare(run_context& ctx, std::string& error);
void kafka_producer(run_context& ctx, int index, producer_tally& tally);
void kafka_consumer(run_context& ctx, int index, consumer_tally& tally);

void native_producer(run_context& ctx, int index, producer_tally& tally);
void native_consumer(run_context& ctx, int index, consumer_tally& tally);

bool redis_prepare(run_context& ctx, std::string& error);
void redis_producer(run_context& ctx, int index, producer_tally& tally);
void redis_consumer(run_context& ctx, int index, consumer_tally& tally);

// A record waiting to be sent by a raw-socket producer.
struct pending_record {
    payload_stamp stamp;
    std::int32_t partition = 0;
    std::string key;
};

// The wire side of a raw-socket producer: turns records into requests and responses into
// acknowledgements.
class producer_protocol {
public:
    virtual ~producer_protocol() = default;
    // Appends the requests for `records` to conn.out.
    virtual void encode(std::span<const pending_record> records, connection& conn, run_context& ctx,
                        producer_tally& tally) = 0;
    // Consumes every complete response in conn.in.
    virtual void on_input(connection& conn, run_context& ctx, producer_tally& tally,
                          std::uint64_t now) = 0;
    virtual bool can_send() const = 0;  // under the in-flight bound
    virtual std::size_t inflight() const = 0;
    // Counts what is still unanswered as errors (at the drain deadline).
    virtual void abandon(producer_tally& tally) = 0;
};

// The open-loop schedule, batching (linger, batch bytes), in-flight bound and drain of a
// raw-socket producer, on the calling thread.
void run_pipelined_producer(run_context& ctx, int index, producer_tally& tally,
                            producer_protocol& protocol, connection& conn);

// Payload bytes for a pending record (record_size, stamped).
void fill_value(const run_context& ctx, const payload_stamp& stamp, char* value);

}  // namespace laminar::bench
