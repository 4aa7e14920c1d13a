// Transaction markers on a partition: the COMMIT or ABORT control batch that ends a producer's
// transaction there, written on the partition's owner shard (Kafka's WriteTxnMarkers path:
// ReplicaManager.appendRecords with origin COORDINATOR). The marker is checked against the
// partition's producer state (producer_state.h, rule 5), appended, and then settles that state
// (the open transaction closes, an abort is recorded for read_committed reads, a fence takes the
// producer to the marker's epoch); fetches waiting on the partition are woken, and on
// __consumer_offsets the group coordinator settles the transaction's offsets. A marker whose
// write failed after its bytes reached the log counts as written (the log is what the state
// follows) and still answers the failure: the coordinator writes it again, which changes nothing.
//
// WriteTxnMarkers (key 27, v0-1): what Kafka's coordinators send the partition leaders, served
// for any client as Kafka 3.7 serves it without an authorizer. Per partition: an unknown topic
// or partition is UNKNOWN_TOPIC_OR_PARTITION; a marker of an older epoch than the producer's
// INVALID_PRODUCER_EPOCH; of an older coordinator epoch TRANSACTION_COORDINATOR_FENCED.
//
// @locality any shard; the partition work runs on each partition's owner.
#pragma once

#include <cstdint>
#include <string>

#include "broker/kafka_errors.h"
#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/header.h"
#include "net/kafka/transactions.h"

namespace laminar::broker {

struct txn_marker {
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    bool commit = false;
    std::int32_t coordinator_epoch = 0;
};

// Writes `marker` to `topic`-`partition`; none on success, else Kafka's error for it.
task<kafka_error> write_txn_marker(const std::string& topic, std::int32_t partition,
                                   const txn_marker& marker);

task<kafka::write_txn_markers_response> handle_write_txn_markers(
    const kafka::write_txn_markers_request& request);

}  // namespace laminar::broker
