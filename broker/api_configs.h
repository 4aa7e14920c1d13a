// DescribeConfigs for topics (Kafka's topic keys, explicit values as DYNAMIC_TOPIC_CONFIG, the
// rest as DEFAULT_CONFIG) and for this broker (its file and flags as STATIC_BROKER_CONFIG), with
// synonyms and documentation when asked.
//
// @locality owning shard of the connection.
#pragma once

#include "broker/shard_context.h"
#include "net/kafka/cluster_admin.h"
#include "net/kafka/header.h"

namespace laminar::broker {

kafka::describe_configs_response handle_describe_configs(
    const shard_context& context, const kafka::request_header& header,
    const kafka::describe_configs_request& request);

}  // namespace laminar::broker
