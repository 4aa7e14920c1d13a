// Topic administration through the Kafka API: CreateTopics, DeleteTopics, CreatePartitions and
// DescribeCluster. Each change goes to the controller shard, which checks it against the
// metadata, appends it durably and applies it on every shard before the response is sent.
//
// @locality owning shard.
#pragma once

#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/admin_topics.h"
#include "net/kafka/cluster_admin.h"
#include "net/kafka/header.h"

namespace laminar::broker {

task<kafka::create_topics_response> handle_create_topics(shard_context& context,
                                                         const kafka::request_header& header,
                                                         kafka::create_topics_request request);
task<kafka::delete_topics_response> handle_delete_topics(shard_context& context,
                                                         const kafka::request_header& header,
                                                         kafka::delete_topics_request request);
task<kafka::create_partitions_response> handle_create_partitions(
    shard_context& context, const kafka::request_header& header,
    kafka::create_partitions_request request);
kafka::describe_cluster_response handle_describe_cluster(
    shard_context& context, const kafka::describe_cluster_request& request);

}  // namespace laminar::broker
