// Fetch: whole batches from each requested partition, read on the shard that owns it and sent
// zero-copy (the response's header bytes from memory, the records as file ranges spliced from
// the segment files). A fetch that finds fewer than min_bytes parks until an append to one of
// its partitions wakes it or max_wait_ms passes (fetch_waiters.h), with no polling.
//
// Fetch sessions (KIP-227, fetch_session.h): a full fetch with epoch 0 gets a session id when
// the shard's cache has room; incremental fetches read every partition of the session and
// answer only those with something new (records, high watermark, log start offset, errors).
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
task<status> handle_fetch(shard_context& context, const kafka::request_header& header,
                          const kafka::fetch_request& request, net::outbound_chain& response);

}  // namespace laminar::broker
