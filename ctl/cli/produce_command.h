// `laminar produce TOPIC`: one record per line of stdin, with an optional key (split at
// --key-separator), headers, compression, acks and partition. Exits 0 once every record is
// acknowledged, 1 if any failed (after librdkafka's retries), naming the first error.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/cli/kafka_client.h"

namespace laminar::cli {

void add_produce_command(CLI::App& app, const connection_options& connection);

}  // namespace laminar::cli
