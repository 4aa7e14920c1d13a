// Partition administration: DeleteRecords (advances a partition's log start offset on its owner
// shard, durably), DescribeLogDirs (the data dir, each partition's size, the file system's total
// and usable bytes) and OffsetForLeaderEpoch (the end offset of a leader epoch, from the leader
// epochs the log's batches carry).
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

task<kafka::offset_for_leader_epoch_response> handle_offset_for_leader_epoch(
    const kafka::request_header& header, const kafka::offset_for_leader_epoch_request& request);

}  // namespace laminar::broker
