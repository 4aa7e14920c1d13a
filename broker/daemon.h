// Runs the broker: chooses the shard set from the machine's topology, pins one thread per shard
// with its NUMA-local arena, binds one SO_REUSEPORT listener per shard, and serves until SIGTERM
// or SIGINT, then stops every shard cleanly.
//
// @locality the main thread; returns when the broker has stopped.
#pragma once

#include <signal.h>

#include <string>

#include "broker/broker_config.h"
#include "core/result.h"

namespace laminar::broker {

result<void, std::string> run_broker(const config& values, const broker_settings& settings);

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards (call it
// first in main, before any thread exists: a thread without the mask would take the signal and
// the process would die of it instead of stopping cleanly). Ignores SIGPIPE.
sigset_t block_stop_signals();

}  // namespace laminar::broker
