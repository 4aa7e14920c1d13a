// `laminar consume TOPIC`: prints records as they arrive. Without --group it assigns the
// partitions itself (no group coordinator needed) starting from the end, the beginning
// (--from-beginning), an offset (--offset) or a time (--time); with --group it subscribes as a
// member of that consumer group and commits as it goes. Ends after --num records, after
// --timeout-ms without a record, or on Ctrl-C (exit 0).
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/cli/kafka_client.h"

namespace laminar::cli {

void add_consume_command(CLI::App& app, const connection_options& connection);

}  // namespace laminar::cli
