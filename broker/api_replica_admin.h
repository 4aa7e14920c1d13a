// Replica and producer administration on a single node: ElectLeaders, AlterPartitionReassignments
// and ListPartitionReassignments as a Kafka 3.7 KRaft controller answers them when every
// partition has one replica, this broker, which leads it; and DescribeProducers, the idempotent
// producers a partition remembers.
//
// - ElectLeaders (ReplicationControlManager.electLeader's rules): an unknown topic or partition
//   gets UNKNOWN_TOPIC_OR_PARTITION ("No such topic as T", "No such partition as T-P"); a
//   partition whose leader is its preferred replica (a preferred election), or that has a leader
//   (an unclean one), gets ELECTION_NOT_NEEDED; with no partitions named (null), every topic is
//   listed with only the partitions whose election was needed, so none here. A leaderless
//   partition would get PREFERRED_LEADER_NOT_AVAILABLE or ELIGIBLE_LEADERS_NOT_AVAILABLE: the
//   one replica is not available to lead it. An unknown election type is INVALID_REQUEST, on
//   the whole response and every partition named. The top-level error code is otherwise 0.
// - AlterPartitionReassignments: the target replicas are checked as Kafka checks a manual
//   assignment (not empty, registered brokers, no broker twice: INVALID_REPLICA_ASSIGNMENT with
//   Kafka's messages); a valid target on one broker is the current assignment, so nothing
//   moves and the answer is success; a cancellation (null replicas) is
//   NO_REASSIGNMENT_IN_PROGRESS, as nothing is ever being reassigned. Unknown topics and
//   partitions: UNKNOWN_TOPIC_OR_PARTITION ("Unable to find a topic named T.", "Unable to find
//   partition T:P.").
// - ListPartitionReassignments: no topics (none is being reassigned); unknown topics are left
//   out, as Kafka does.
// - DescribeProducers: per partition, on its owner shard, the producers of the partition's
//   producer state (broker/producer_state.h) with their epoch, last sequence and the max
//   timestamp of their last batch, the last coordinator epoch of their markers and the first
//   offset of their open transaction (-1 when none). Unknown topic: UNKNOWN_TOPIC_OR_PARTITION with
//   Kafka's message; unknown partition of a known topic: the code alone; an invalid topic name:
//   INVALID_TOPIC_EXCEPTION. Kafka also remembers producers from before the active segment (its
//   producer snapshots) and forgets idle ones after producer.id.expiration.ms; Laminar's state
//   knows only those of the active segment and forgets the least recently used beyond 10,000 per
//   partition.
//
// - Bounded answers: each partition named costs its answer an entry, and an error entry carries a
//   message naming the topic, so a request of a few bytes per partition could ask for an answer
//   many times its size (a long unknown topic name repeated in millions of entries, or one
//   partition's 10,000 producers named a million times). An answer estimated over
//   answer_bytes_max is not built: the handlers return nothing and the connection is closed,
//   as for a request the broker cannot parse. DescribeProducers reads each partition once,
//   however often it is named.
//
// @locality any shard; DescribeProducers' partition work runs on each partition's owner.
#pragma once

#include <optional>

#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/header.h"
#include "net/kafka/replica_admin.h"

namespace laminar::broker {

// The most memory (estimated) an answer of these APIs may take; Kafka's own answers to real
// clients are far smaller (one entry per partition they name).
inline constexpr std::size_t answer_bytes_max = 64 * 1024 * 1024;

// Each returns nothing when its answer would be over answer_bytes_max.
std::optional<kafka::elect_leaders_response> answer_elect_leaders(
    const ctl::metadata_image& image, std::int16_t version,
    const kafka::elect_leaders_request& request);

std::optional<kafka::alter_partition_reassignments_response> answer_alter_partition_reassignments(
    const ctl::metadata_image& image, const kafka::alter_partition_reassignments_request& request);

kafka::list_partition_reassignments_response answer_list_partition_reassignments(
    const kafka::list_partition_reassignments_request& request);

task<std::optional<kafka::describe_producers_response>> handle_describe_producers(
    const kafka::describe_producers_request& request);

}  // namespace laminar::broker
