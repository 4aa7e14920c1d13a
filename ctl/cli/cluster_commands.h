// `laminar cluster info`: brokers, controller, cluster id, and every topic's partitions with
// leader, replicas and ISR, from one Metadata request.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/cli/kafka_client.h"

namespace laminar::cli {

void add_cluster_commands(CLI::App& app, const connection_options& connection);

}  // namespace laminar::cli
