// Fetch: whole batches from each requested partition, read on the shard that owns it and sent
// zero-copy (the response's header bytes from memory, the records as file ranges spliced from
// the segment files). A fetch that finds fewer than min_bytes parks until an append to one of
// its partitions wakes it or max_wait_ms passes (fetch_waiters.h), with no polling.
//
// Fetch sessions (KIP-227, fetch_session.h): a full fetch with epoch 0 gets a session id when
// the shard's cache has room; incremental fetches read every partition of the session and
// answer only those with something new (records, high watermark, log start offset, errors).
//
// consumer_byte_rate (client_quota_manager.h), as Kafka applies it: a fetch reads at most the
// bytes the quota allows over its whole window (else one response could stay throttled for
// ever); the bytes of its answer (the records plus an estimate of 64 bytes a partition for the
// rest) are counted; a fetch that takes its client over the quota is taken back and answered
// empty (the session neither made nor moved on) with the throttle time.
//
// @locality owning shard of the connection.
#pragma once

#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/fetch.h"
#include "net/kafka/header.h"
#include "net/outbound_chain.h"

namespace laminar::broker {

// Appends the whole response frame to `response` (memory slices and file ranges).
// `throttle_ms`: set to the consumer_byte_rate throttle time, if any.
task<status> handle_fetch(shard_context& context, const kafka::request_header& header,
                          const kafka::fetch_request& request, net::outbound_chain& response,
                          std::int64_t& throttle_ms);

}  // namespace laminar::broker
