// DescribeConfigs for topics (Kafka's topic keys: explicit values as DYNAMIC_TOPIC_CONFIG, else
// the broker's dynamic configs as DYNAMIC_BROKER_CONFIG or DYNAMIC_DEFAULT_BROKER_CONFIG, its file
// as STATIC_BROKER_CONFIG, else DEFAULT_CONFIG) and for brokers ("<node id>": every key by the
// same precedence; "": the cluster-wide dynamic defaults), with synonyms and documentation when
// asked.
//
// @locality owning shard of the connection.
#pragma once

#include "broker/shard_context.h"
#include "net/kafka/cluster_admin.h"
#include "net/kafka/header.h"

namespace laminar::broker {

// The value a topic key takes on this broker when the topic does not set it, and its source
// (Kafka's ConfigSource: 2 to 5), as DescribeConfigs and CreateTopics v5+ report it.
std::pair<std::string, std::int8_t> topic_default(const shard_context& context,
                                                  const config_key& key);

kafka::describe_configs_response handle_describe_configs(
    const shard_context& context, const kafka::request_header& header,
    const kafka::describe_configs_request& request);

}  // namespace laminar::broker
