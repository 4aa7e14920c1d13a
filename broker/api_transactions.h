// The transaction APIs clients send, served by the transaction coordinators (txn_manager.h) as
// Kafka 3.7 serves them without an authorizer:
//   InitProducerId with a transactional id (the idempotent case is api_init_producer_id.h)
//   AddPartitionsToTxn v0-4 (v4: several transactions, verify_only)
//   AddOffsetsToTxn v0-3 (adds the group's __consumer_offsets partition)
//   EndTxn v0-3
//   DescribeTransactions v0, ListTransactions v0
// TxnOffsetCommit goes to the group coordinator (api_groups.h).
//
// A request for a transactional id whose coordinator this broker does not host (its
// __transaction_state partition is elsewhere, or the topic does not exist yet) is answered
// NOT_COORDINATOR, as Kafka does; FindCoordinator creates the topic.
//
// @locality any shard; each request runs on its coordinator's shard.
#pragma once

#include "broker/kafka_errors.h"
#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/cluster_admin.h"
#include "net/kafka/header.h"
#include "net/kafka/transactions.h"

namespace laminar::broker {

task<kafka::init_producer_id_response> init_transactional_producer(
    shard_context& context, const kafka::request_header& header,
    const kafka::init_producer_id_request& request);

// A partition leader's check before a transactional batch opens a transaction on its partition
// (transaction.partition.verification.enable): none when the producer's ongoing transaction
// holds the partition; else the error Kafka 3.7's produce answers (INVALID_TXN_STATE when it
// does not; NOT_ENOUGH_REPLICAS, retriable, when the coordinator cannot tell now;
// INVALID_PRODUCER_EPOCH for a fenced producer).
task<kafka_error> verify_in_transaction(const std::string& transactional_id,
                                        std::int64_t producer_id, std::int16_t producer_epoch,
                                        const std::string& topic, std::int32_t partition);

task<kafka::add_partitions_to_txn_response> handle_add_partitions_to_txn(
    shard_context& context, const kafka::request_header& header,
    kafka::add_partitions_to_txn_request request);

task<kafka::add_offsets_to_txn_response> handle_add_offsets_to_txn(
    shard_context& context, const kafka::request_header& header,
    kafka::add_offsets_to_txn_request request);

task<kafka::end_txn_response> handle_end_txn(shard_context& context,
                                             const kafka::request_header& header,
                                             kafka::end_txn_request request);

task<kafka::describe_transactions_response> handle_describe_transactions(
    shard_context& context, kafka::describe_transactions_request request);

task<kafka::list_transactions_response> handle_list_transactions(
    shard_context& context, kafka::list_transactions_request request);

}  // namespace laminar::broker
