// `laminar group list|describe|delete|reset-offsets`: consumer groups through librdkafka's admin
// API (ListConsumerGroups, DescribeConsumerGroups, DeleteGroups, ListConsumerGroupOffsets,
// AlterConsumerGroupOffsets) and log end offsets from the partitions' high watermarks, for lag.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/cli/kafka_client.h"

namespace laminar::cli {

void add_group_commands(CLI::App& app, const connection_options& connection);

}  // namespace laminar::cli
