// The three ways laminar-bench reaches a broker. Each target has a prepare step (create or reset
// the topic, learn where consumers start) and a producer and a consumer body, each run on its
// own thread by main.cpp (native --single-thread: both on one thread, native_single_thread).
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
// raw-socket producer, one turn at a time, so that a thread of its own (run_pipelined_producer)
// and the one-thread mode (native_single_thread) drive the same code. Construct it once ctx.go
// is set (it reads the schedule).
//
// Locality: the thread that calls step().
class pipelined_producer {
public:
    pipelined_producer(run_context& ctx, int index, producer_tally& tally,
                       producer_protocol& protocol, connection& conn);

    // Takes the records due by now, sends them when the in-flight window and linger allow,
    // flushes and reads acknowledgements. False once the producer is done: every record sent
    // and answered, the drain deadline passed (the unanswered counted as errors) or the
    // connection lost. The caller then counts it out of ctx.producers_running.
    bool step();
    // When step() next has something to do other than read: the next record's intended time or
    // the end of the linger, and at most a wait slice after `now`.
    std::uint64_t next_wake_ns(std::uint64_t now) const;

private:
    void take_due(std::uint64_t now);
    void add(std::uint64_t intended);
    bool finished(std::uint64_t now) const;

    run_context& _ctx;
    producer_tally& _tally;
    producer_protocol& _protocol;
    connection& _conn;
    std::uint64_t _producers;
    std::size_t _batch_records_max;
    std::uint64_t _linger_ns;
    bool _scheduled;
    std::uint64_t _k;  // the next record of this producer
    std::uint64_t _key_state;
    std::uint64_t _partition_cursor;
    std::vector<pending_record> _pending;
    // Every record of one send goes to one partition when keyless: a batch per request.
    std::int32_t _batch_partition = 0;
};

// A pipelined_producer on the calling thread, from ctx.go to its end; it waits in ppoll (or
// spins with --busy-poll) between turns.
void run_pipelined_producer(run_context& ctx, int index, producer_tally& tally,
                            producer_protocol& protocol, connection& conn);

// --single-thread (native target, one producer, at most one consumer): the calling thread
// drives both connections, each turn the producer's step then the consumer's. Records due while
// the thread is in the consumer's step are sent late and counted late (their intended times do
// not move). Counts itself ready (ctx.consumers_ready) once its connections are open.
void native_single_thread(run_context& ctx, producer_tally& produced,
                          std::span<consumer_tally> consumers);

// Payload bytes for a pending record (record_size, stamped).
void fill_value(const run_context& ctx, const payload_stamp& stamp, char* value);

}  // namespace laminar::bench
