// InitProducerId for idempotent producers: a new producer id from the controller shard's
// allocator (producer_ids.h), epoch 0. As Kafka's TransactionCoordinator does for a null
// transactional id, a request naming its current producer id and epoch (v3+, KIP-360) also gets
// a fresh id with epoch 0: without a transactional id there is no state to bump an epoch in
// (clients bump an idempotent producer's epoch themselves; producer_state.h accepts that).
//
// A transactional id goes to its transaction coordinator (api_transactions.h).
//
// @locality any shard; the allocation runs on the controller shard.
#pragma once

#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/cluster_admin.h"
#include "net/kafka/header.h"

namespace laminar::broker {

task<kafka::init_producer_id_response> handle_init_producer_id(
    shard_context& context, const kafka::request_header& header,
    const kafka::init_producer_id_request& request);

}  // namespace laminar::broker
