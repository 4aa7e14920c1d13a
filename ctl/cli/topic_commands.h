// `laminar topic create|list|describe|delete|alter-config|add-partitions`: topics through the
// Kafka admin API (CreateTopics, Metadata, DescribeConfigs, DeleteTopics, CreatePartitions) and,
// for alter-config, IncrementalAlterConfigs sent directly (config_alter.h), since
// Debian 12's librdkafka 2.0 predates that API.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/cli/kafka_client.h"

namespace laminar::cli {

void add_topic_commands(CLI::App& app, const connection_options& connection);

}  // namespace laminar::cli
