// The consumer-group APIs through the Kafka protocol: FindCoordinator, and (with the group
// coordinator) JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
// DescribeGroups, ListGroups, DeleteGroups, OffsetDelete.
//
// A group belongs to one partition of __consumer_offsets (Kafka's hash of the group id); the
// shard owning that partition is the group's coordinator, so every request for a group hops
// there. This broker is the coordinator of every group (single node).
//
// @locality owning shard (the connection's); work hops to coordinator shards.
#pragma once

#include "broker/group_manager.h"
#include "broker/server.h"
#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/cluster_admin.h"
#include "net/kafka/groups.h"
#include "net/kafka/header.h"
#include "net/kafka/transactions.h"

namespace laminar::broker {

// Creates __consumer_offsets (offsets.topic.* settings, compacted) if it does not exist yet.
// Returns none, or the Kafka error a coordinator lookup answers with.
task<std::int16_t> ensure_offsets_topic(shard_context& context);
// The same for __transaction_state (transaction.state.log.* settings, compacted).
task<std::int16_t> ensure_txn_state_topic(shard_context& context);

task<kafka::find_coordinator_response> handle_find_coordinator(
    shard_context& context, const kafka::request_header& header,
    const kafka::find_coordinator_request& request);

task<kafka::join_group_response> handle_join_group(shard_context& context,
                                                   const connection_info& connection,
                                                   const kafka::request_header& header,
                                                   kafka::join_group_request request);
task<kafka::sync_group_response> handle_sync_group(shard_context& context,
                                                   const kafka::request_header& header,
                                                   kafka::sync_group_request request);
task<kafka::heartbeat_response> handle_heartbeat(shard_context& context,
                                                 const kafka::request_header& header,
                                                 kafka::heartbeat_request request);
task<kafka::leave_group_response> handle_leave_group(shard_context& context,
                                                     const kafka::request_header& header,
                                                     kafka::leave_group_request request);
task<kafka::offset_commit_response> handle_offset_commit(shard_context& context,
                                                         const kafka::request_header& header,
                                                         kafka::offset_commit_request request);
// TxnOffsetCommit: a transaction's offsets, pending in the group until its marker.
task<kafka::txn_offset_commit_response> handle_txn_offset_commit(
    shard_context& context, const kafka::request_header& header,
    kafka::txn_offset_commit_request request);
task<kafka::offset_fetch_response> handle_offset_fetch(shard_context& context,
                                                       const kafka::request_header& header,
                                                       kafka::offset_fetch_request request);
task<kafka::describe_groups_response> handle_describe_groups(
    shard_context& context, const kafka::request_header& header,
    kafka::describe_groups_request request);
task<kafka::list_groups_response> handle_list_groups(shard_context& context,
                                                     const kafka::request_header& header,
                                                     kafka::list_groups_request request);
task<kafka::delete_groups_response> handle_delete_groups(shard_context& context,
                                                         const kafka::request_header& header,
                                                         kafka::delete_groups_request request);
task<kafka::offset_delete_response> handle_offset_delete(shard_context& context,
                                                         const kafka::request_header& header,
                                                         kafka::offset_delete_request request);

}  // namespace laminar::broker
