// Runs the broker: chooses the shard set from the machine's topology, pins one thread per shard
// with its NUMA-local arena, binds one SO_REUSEPORT listener per shard, and serves until SIGTERM
// or SIGINT, then stops every shard cleanly.
//
// @locality the main thread; returns when the broker has stopped.
#pragma once

#include <string>

#include "broker/broker_config.h"
#include "core/result.h"

namespace laminar::broker {

result<void, std::string> run_broker(const broker_settings& settings);

}  // namespace laminar::broker
