// Produce: validate each partition's record batch, append it on the shard that owns the
// partition (all partitions of a request in parallel), answer with the assigned offsets. acks=0
// gets no response, as in Kafka; acks=1 and acks=-1 are the same on a single node (the leader is
// the whole ISR), and with flush.messages=1 the answer waits for the fdatasync.
//
// @locality owning shard of the connection.
#pragma once

#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/header.h"
#include "net/kafka/produce.h"

namespace laminar::broker {

task<kafka::produce_response> handle_produce(shard_context& context,
                                             const kafka::request_header& header,
                                             kafka::produce_request& request);

}  // namespace laminar::broker
