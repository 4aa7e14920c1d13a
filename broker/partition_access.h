// Running work on the shard that owns a partition: hop there (submit_to), open the log if it is
// not open yet, run the work against it, and hop back with the outcome. The one path every
// produce, fetch and offset lookup takes to a partition.
//
// @locality any shard (the caller's); the work runs on the owner.
#pragma once

#include <string>

#include "broker/kafka_errors.h"
#include "broker/partition_manager.h"
#include "broker/shard_context.h"
#include "core/cross_shard.h"
#include "storage/errc.h"

namespace laminar::broker {

constexpr kafka_error to_kafka_error(storage::errc error) noexcept {
    switch (error) {
    case storage::errc::ok: return kafka_error::none;
    case storage::errc::offset_out_of_range: return kafka_error::offset_out_of_range;
    case storage::errc::invalid_batch: return kafka_error::corrupt_message;
    case storage::errc::batch_too_large: return kafka_error::message_too_large;
    case storage::errc::closed: return kafka_error::not_leader_or_follower;
    case storage::errc::invalid_argument: return kafka_error::invalid_request;
    case storage::errc::io_error:
    case storage::errc::no_space:
    case storage::errc::log_failed:
    case storage::errc::corrupt_log: return kafka_error::kafka_storage_error;
    }
    return kafka_error::unknown_server_error;
}

constexpr kafka_error to_kafka_error(partition_errc error) noexcept {
    switch (error) {
    case partition_errc::unknown_topic_or_partition:
        return kafka_error::unknown_topic_or_partition;
    case partition_errc::not_owner: return kafka_error::not_leader_or_follower;
    case partition_errc::storage_failed: return kafka_error::kafka_storage_error;
    }
    return kafka_error::unknown_server_error;
}

// Runs `work(log)` (returning task<Outcome>) on the owner of `topic`-`partition`. Outcome must
// be constructible from a kafka_error alone, used when the log cannot be had. Takes the topic by
// value: a metadata change may replace the shard's image while this waits.
template <typename Outcome, typename Work>
task<Outcome> on_partition(ctl::uuid topic_id, std::string topic, std::int32_t partition,
                           Work work) {
    const unsigned owner = owner_shard(topic_id, partition, shard_context::current().partition_shards);
    auto run = [name = std::move(topic), partition, &work]() -> task<Outcome> {
        auto& here = shard_context::current();
        // Held for the work: the cap on open logs never closes a log a request is working on.
        auto log = co_await here.partitions->acquire(here.metadata, name, partition);
        if (!log) co_return Outcome(to_kafka_error(log.error()));
        co_return co_await work(**log);
    };
    // Already on the owner (a fetch waiting there, a connection on the partition's shard): run
    // here rather than through this shard's own queue, a pass of the loop later.
    if (owner == shard_context::current().shard_id) co_return co_await run();
    co_return co_await submit_to(owner, run);
}

}  // namespace laminar::broker
