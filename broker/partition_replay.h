// Replays a partition from its log start to its end, batch by batch: how the coordinators
// (group_manager, txn_manager) rebuild their state from __consumer_offsets and
// __transaction_state when their shard starts or the topic appears.
//
// @locality the partition's owner shard.
#pragma once

#include <cstdint>
#include <functional>

#include "core/task.h"
#include "net/kafka/records.h"

namespace laminar::storage {
class partition_log;
}

namespace laminar::broker {

struct replay_outcome {
    std::int64_t next_offset = 0;  // the first offset not replayed
    bool failed = false;           // a read failed or a batch did not parse: replay stopped there
};

// Calls `visit(batch, from)` for every batch of `log` in offset order; records of a batch below
// `from` (the log start falls inside the batch) are not the partition's any more. Stops early,
// not failed, once `stopping` turns true.
task<replay_outcome> replay_partition(
    storage::partition_log& log, const bool& stopping,
    const std::function<void(const kafka::parsed_batch&, std::int64_t from)>& visit);

}  // namespace laminar::broker
