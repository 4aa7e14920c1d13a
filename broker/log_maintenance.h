// The periodic work on a shard's open logs that no request drives: retention
// (retention.ms / retention.bytes for cleanup.policy with delete) every
// log.retention.check.interval.ms, flushes of logs under the interval policy (flush.ms) each
// tick, compaction of cleanup.policy=compact logs by the storage cleaner, and recovery-point
// checkpoints every laminar.log.recovery.checkpoint.interval.ms or once a log has
// laminar.log.recovery.checkpoint.bytes past its recovery point (each such log syncs its appends
// and moves the point, so a crash scans only what came after).
//
// Bounds: one tick every tick_ms; a retention pass visits at most retention_logs_per_tick_max
// logs per tick (a pass over many logs spans ticks); the cleaner reads at most
// log_maintenance_settings::cleaner_tick_bytes_max bytes of segments per tick; a shard over its
// open-log cap closes at most trim_closes_per_tick_max logs per tick. All I/O goes
// through the shard's ring, so the shard keeps serving while the work waits on the disk.
//
// Lifetime: started by partition_manager::start_maintenance, stopped (and awaited) by
// partition_manager::close_all before the logs close, so no task outlives the manager. A log
// dropped while the loop works on it stays alive through the loop's shared_ptr; its
// operations then fail with errc::closed, which the loop ignores.
//
// @locality owning shard.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "broker/broker_config.h"
#include "core/reactor.h"
#include "core/task.h"
#include "core/wait_group.h"
#include "storage/partition_log.h"

namespace laminar::broker {

class partition_manager;

struct log_maintenance_counters {
    std::uint64_t ticks = 0;
    std::uint64_t retention_passes = 0;
    std::uint64_t segments_expired = 0;
    std::uint64_t interval_flushes = 0;
    std::uint64_t compactions = 0;          // cleaner passes that ran
    std::uint64_t compaction_failures = 0;
    std::uint64_t records_compacted = 0;    // records removed by the cleaner
    std::uint64_t bytes_cleaned = 0;        // segment bytes the cleaner read
    std::uint64_t recovery_checkpoints = 0;  // recovery points moved by the checkpoint step
    std::uint64_t recovery_checkpoint_failures = 0;
    // Partitions the cleaner gave up on (bad data or an I/O error) until the broker restarts.
    std::uint64_t uncleanable_partitions = 0;
};

class log_maintenance {
public:
    static constexpr std::int64_t tick_ms = 100;
    static constexpr std::size_t retention_logs_per_tick_max = 256;
    // Logs closed per tick to bring a shard back under laminar.log.open.max (each close syncs).
    static constexpr std::size_t trim_closes_per_tick_max = 16;
    // Logs whose recovery checkpoints run at once (their fdatasyncs share journal commits).
    static constexpr std::size_t recovery_checkpoints_in_flight_max = 32;

    log_maintenance(partition_manager& partitions, log_maintenance_settings settings);
    ~log_maintenance();
    log_maintenance(const log_maintenance&) = delete;
    log_maintenance& operator=(const log_maintenance&) = delete;

    // Spawns the loop on the calling shard.
    void start();
    // Wakes the loop, lets it finish its current step and waits for it to end.
    task<void> stop();

    const log_maintenance_counters& counters() const noexcept { return _counters; }

private:
    task<void> run();
    task<void> tick(std::int64_t now_ms);
    task<void> flush_due_logs();
    task<void> retention_step(std::int64_t now_ms);
    // The cleaner: compacts, one pass at a time, the cleanup.policy=compact log whose earliest
    // dirty record is longest past max.compaction.lag.ms, else the dirtiest one above its
    // min.cleanable.dirty.ratio, both counted below the log's last stable offset (segments
    // holding an open transaction are not cleanable; aborted transactions' batches go, from
    // the producer state); its reads paced by _budget (refilled each tick); with nothing
    // to clean it waits log.cleaner.backoff.ms. A pass that fails on the log's data or on I/O
    // marks the partition uncleanable (Kafka's LogCleanerManager): skipped until a restart,
    // still serving.
    task<void> run_cleaner();
    task<std::shared_ptr<storage::partition_log>> log_to_clean();
    void mark_uncleanable(const std::shared_ptr<storage::partition_log>& log, storage::errc error);
    task<void> cleaner_backoff();
    // Every tick, the open logs whose last recovery checkpoint is an interval old, or that have
    // more than laminar.log.recovery.checkpoint.bytes past it in their active segment, and that
    // have appends past their recovery point run partition_log::checkpoint_recovery_point, in waves
    // of recovery_checkpoints_in_flight_max; a task of its own, so the syncs never hold up
    // retention, flushes or the cleaner.
    task<void> run_recovery_checkpoints();
    task<void> checkpoint_recovery_point(std::shared_ptr<storage::partition_log> log,
                                         wait_group& wave);

    partition_manager& _partitions;
    log_maintenance_settings _settings;
    log_maintenance_counters _counters;
    bool _running = false;
    bool _stopping = false;
    cancel_token* _wake = nullptr;
    cancel_token* _cleaner_wake = nullptr;
    cancel_token* _checkpoint_wake = nullptr;
    std::vector<std::shared_ptr<storage::partition_log>> _checkpoint_logs;
    storage::cleaner_budget _budget{0};
    std::vector<std::pair<std::shared_ptr<storage::partition_log>, std::int64_t>> _cleaner_logs;
    // By identity (a log dropped and created again is a new one).
    std::set<std::weak_ptr<storage::partition_log>, std::owner_less<>> _uncleanable;
    wait_group _tasks;
    std::vector<std::shared_ptr<storage::partition_log>> _logs;  // reused each tick
    // A retention pass in progress: the logs still to visit.
    std::vector<std::shared_ptr<storage::partition_log>> _retention_pending;
    std::int64_t _next_retention_ms = 0;
};

}  // namespace laminar::broker
