// Partition administration: DeleteRecords (advances a partition's log start offset on its owner
// shard, durably), DescribeLogDirs (the data dir, each partition's size, the file system's total
// and usable bytes), AlterReplicaLogDirs (Laminar has one log dir: a partition already in it
// stays, as Kafka answers a move to the dir a replica is in) and OffsetForLeaderEpoch (the end
// offset of a leader epoch, from the leader epochs the log's batches carry).
//
// @locality owning shard of the connection; partition work runs on each partition's owner.
#pragma once

#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/admin_configs.h"
#include "net/kafka/cluster_admin.h"
#include "net/kafka/header.h"

namespace laminar::broker {

task<kafka::delete_records_response> handle_delete_records(
    const kafka::request_header& header, const kafka::delete_records_request& request);

task<kafka::describe_log_dirs_response> handle_describe_log_dirs(
    const shard_context& context, const kafka::request_header& header,
    const kafka::describe_log_dirs_request& request);

// Kafka's ReplicaManager.alterReplicaLogDirs, per partition (the last dir named wins): a topic
// name too long for a future log's directory INVALID_TOPIC_EXCEPTION, a path that is not the
// absolute path DescribeLogDirs reports LOG_DIR_NOT_FOUND, an unknown partition
// UNKNOWN_TOPIC_OR_PARTITION, else no error. Results by topic in name order.
kafka::alter_replica_log_dirs_response answer_alter_replica_log_dirs(
    const shard_context& context, const kafka::alter_replica_log_dirs_request& request);

task<kafka::offset_for_leader_epoch_response> handle_offset_for_leader_epoch(
    const kafka::request_header& header, const kafka::offset_for_leader_epoch_request& request);

}  // namespace laminar::broker
