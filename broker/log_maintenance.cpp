#include "broker/log_maintenance.h"

#include <algorithm>
#include <chrono>

#include "broker/partition_manager.h"
#include "core/log.h"

namespace laminar::broker {

namespace {

// A closed log (dropped or shutting down) is not an error worth a line.
bool worth_logging(storage::errc error) noexcept { return error != storage::errc::closed; }

// Bad data or an I/O error makes a partition uncleanable (Kafka: any unexpected error); a full
// disk may pass, and a failed log (a write failed) is offline for everything until reopened.
bool uncleanable_after(storage::errc error) noexcept {
    using storage::errc;
    return error != errc::closed && error != errc::no_space && error != errc::log_failed;
}

}  // namespace

log_maintenance::log_maintenance(partition_manager& partitions,
                                 log_maintenance_settings settings)
    : _partitions(partitions), _settings(settings) {}

log_maintenance::~log_maintenance() { LAMINAR_ASSERT(!_running); }

void log_maintenance::start() {
    LAMINAR_ASSERT(!_running);
    _running = true;
    _next_retention_ms = storage::system_log_clock().now_ms() +
                         _settings.retention_check_interval_ms;
    _tasks.add();
    reactor::current().spawn(run());
    if (_settings.cleaner_enable) {
        _tasks.add();
        reactor::current().spawn(run_cleaner());
    }
    if (_settings.recovery_checkpoint_interval_ms > 0) {
        _tasks.add();
        reactor::current().spawn(run_recovery_checkpoints());
    }
}

task<void> log_maintenance::stop() {
    _stopping = true;
    if (_wake != nullptr) _wake->cancel();
    if (_cleaner_wake != nullptr) _cleaner_wake->cancel();
    if (_checkpoint_wake != nullptr) _checkpoint_wake->cancel();
    _budget.stop();
    co_await _tasks.wait();
    _running = false;
}

task<void> log_maintenance::run() {
    while (!_stopping) {
        {
            cancel_token wake;
            reactor::current().cancel_on_stop(wake);
            _wake = &wake;
            (void)co_await io::sleep_for(std::chrono::milliseconds(tick_ms)).with_cancel(wake);
            _wake = nullptr;
        }
        if (_stopping || reactor::current().stopping()) break;
        co_await tick(storage::system_log_clock().now_ms());
    }
    _retention_pending.clear();
    _logs.clear();
    _tasks.done();
}

task<void> log_maintenance::tick(std::int64_t now_ms) {
    ++_counters.ticks;
    _budget.refill(_settings.cleaner_tick_bytes_max);
    co_await _partitions.trim_to_cap(trim_closes_per_tick_max);  // before this tick holds logs
    _partitions.snapshot_due_logs();
    co_await flush_due_logs();
    co_await retention_step(now_ms);
}

task<void> log_maintenance::flush_due_logs() {
    _partitions.collect_open_logs(_logs);
    for (const auto& log : _logs) {
        if (_stopping) break;
        if (storage::flush_policy_of(log->config()) != storage::flush_policy::interval) continue;
        const auto syncs_before = log->fdatasync_count();
        auto flushed = co_await log->flush_if_due();
        if (!flushed && worth_logging(flushed.error())) {
            LAMINAR_LOG_WARN("{}: interval flush failed: {}", log->dir(),
                             storage::to_string(flushed.error()));
        }
        if (log->fdatasync_count() != syncs_before) ++_counters.interval_flushes;
    }
    _logs.clear();
}

// A pass starts every log.retention.check.interval.ms over the logs open at that moment and
// visits retention_logs_per_tick_max of them per tick until done.
task<void> log_maintenance::retention_step(std::int64_t now_ms) {
    if (_retention_pending.empty()) {
        if (now_ms < _next_retention_ms) co_return;
        _next_retention_ms = now_ms + _settings.retention_check_interval_ms;
        _partitions.collect_open_logs(_retention_pending);
        ++_counters.retention_passes;
    }
    std::size_t visited = 0;
    while (!_retention_pending.empty() && visited < retention_logs_per_tick_max && !_stopping) {
        auto log = std::move(_retention_pending.back());
        _retention_pending.pop_back();
        ++visited;
        if (!log->config().cleanup_delete) continue;
        auto expired = co_await log->enforce_retention();
        if (!expired) {
            if (worth_logging(expired.error())) {
                LAMINAR_LOG_WARN("{}: retention failed: {}", log->dir(),
                                 storage::to_string(expired.error()));
            }
            continue;
        }
        if (*expired > 0) {
            _counters.segments_expired += *expired;
            LAMINAR_LOG_INFO("{}: {} segment(s) past retention removed, log start offset {}",
                             log->dir(), *expired, log->log_start_offset());
        }
    }
}

}  // namespace laminar::broker

namespace laminar::broker {

// Kafka's grabFilthiestCompactedLog, with the logs past max.compaction.lag.ms first (the
// longest past it first), then the highest dirty ratio at or above min.cleanable.dirty.ratio.
task<std::shared_ptr<storage::partition_log>> log_maintenance::log_to_clean() {
    _partitions.collect_open_logs(_cleaner_logs);
    std::shared_ptr<storage::partition_log> chosen;
    std::int64_t chosen_delay_ms = 0;
    double chosen_ratio = 0;
    for (auto& [log, stable_end] : _cleaner_logs) {
        if (_stopping) break;
        const auto& config = log->config();
        if (!config.cleanup_compact || log->failed() || _uncleanable.contains(log)) continue;
        const double ratio = log->dirty_ratio(stable_end);
        if (ratio == 0) continue;  // nothing cleanable is dirty
        auto delay = co_await log->max_compaction_delay_ms(stable_end);
        const std::int64_t delay_ms = delay ? *delay : 0;
        const bool due = delay_ms > 0 || ratio >= config.min_cleanable_dirty_ratio;
        if (!due || delay_ms < chosen_delay_ms) continue;
        if (delay_ms > chosen_delay_ms || ratio > chosen_ratio) {
            chosen_delay_ms = delay_ms;
            chosen_ratio = ratio;
            chosen = log;
        }
    }
    _cleaner_logs.clear();
    co_return chosen;
}

void log_maintenance::mark_uncleanable(const std::shared_ptr<storage::partition_log>& log,
                                       storage::errc error) {
    const auto& where = log->last_compaction_failure();
    _uncleanable.insert(log);
    ++_counters.uncleanable_partitions;
    LAMINAR_LOG_ERROR("{}: compaction failed: {} at offset {} (segment {}, byte {}); the "
                      "partition is marked uncleanable until the broker restarts, it keeps "
                      "serving",
                      log->dir(), storage::to_string(error), where.offset, where.segment_base,
                      where.position);
}

task<void> log_maintenance::cleaner_backoff() {
    if (_stopping) co_return;
    cancel_token wake;
    reactor::current().cancel_on_stop(wake);
    _cleaner_wake = &wake;
    const auto backoff = std::chrono::milliseconds(std::max<std::int64_t>(
        _settings.cleaner_backoff_ms, tick_ms));
    (void)co_await io::sleep_for(backoff).with_cancel(wake);
    _cleaner_wake = nullptr;
}

task<void> log_maintenance::run_cleaner() {
    while (!_stopping && !reactor::current().stopping()) {
        auto log = co_await log_to_clean();
        if (!log) {
            co_await cleaner_backoff();
            continue;
        }
        // Taken after the choice (which waited on reads): the LSO and the aborted transactions
        // now. The LSO only moves up meanwhile (a transaction opens at the log end), and every
        // transaction below it has its marker, so the pass needs no later news.
        auto options = _partitions.compaction_bounds(*log);
        if (!options) continue;  // closed meanwhile
        auto report = co_await log->compact(*options, _budget);
        if (!report) {
            if (worth_logging(report.error())) {
                ++_counters.compaction_failures;
                if (uncleanable_after(report.error())) {
                    mark_uncleanable(log, report.error());
                } else {
                    LAMINAR_LOG_WARN("{}: compaction failed: {}", log->dir(),
                                     storage::to_string(report.error()));
                }
            }
            co_await cleaner_backoff();
            continue;
        }
        _counters.bytes_cleaned += report->bytes_read;
        if (!report->ran) {
            co_await cleaner_backoff();
            continue;
        }
        ++_counters.compactions;
        _counters.records_compacted += report->records_removed;
        LAMINAR_LOG_INFO("{}: compacted (dirty ratio {:.2f}, {} ms past max.compaction.lag.ms): "
                         "{} records removed, {} markers removed, {} delete horizons set, {} "
                         "segments written, {} removed, cleaned up to offset {}",
                         log->dir(), report->dirty_ratio, report->max_compaction_delay_ms,
                         report->records_removed, report->markers_removed,
                         report->horizons_set, report->segments_rewritten,
                         report->segments_removed, report->clean_offset);
    }
    _cleaner_logs.clear();
    _tasks.done();
}

}  // namespace laminar::broker

namespace laminar::broker {

task<void> log_maintenance::run_recovery_checkpoints() {
    const std::int64_t interval = _settings.recovery_checkpoint_interval_ms;
    while (!_stopping && !reactor::current().stopping()) {
        {
            cancel_token wake;
            reactor::current().cancel_on_stop(wake);
            _checkpoint_wake = &wake;
            (void)co_await io::sleep_for(std::chrono::milliseconds(tick_ms)).with_cancel(wake);
            _checkpoint_wake = nullptr;
        }
        if (_stopping || reactor::current().stopping()) break;
        _partitions.collect_open_logs(_checkpoint_logs);
        const std::int64_t now = storage::system_log_clock().now_ms();
        const std::uint64_t bytes_max = _settings.recovery_checkpoint_bytes;
        std::erase_if(_checkpoint_logs, [&](const auto& log) {
            const bool due = now - log->recovery_checkpoint_ms() >= interval ||
                             (bytes_max > 0 && log->bytes_past_recovery_point() > bytes_max);
            return log->failed() || log->recovery_point() >= log->log_end_offset() || !due;
        });
        std::size_t next = 0;
        while (next < _checkpoint_logs.size() && !_stopping) {
            wait_group wave;
            const std::size_t end = std::min(_checkpoint_logs.size(),
                                             next + recovery_checkpoints_in_flight_max);
            for (; next < end; ++next) {
                wave.add();
                reactor::current().spawn(checkpoint_recovery_point(_checkpoint_logs[next], wave));
            }
            co_await wave.wait();
        }
        _checkpoint_logs.clear();
    }
    _checkpoint_logs.clear();
    _tasks.done();
}

task<void> log_maintenance::checkpoint_recovery_point(
    std::shared_ptr<storage::partition_log> log, wait_group& wave) {
    auto moved = co_await log->checkpoint_recovery_point();
    if (!moved) {
        if (worth_logging(moved.error())) {
            ++_counters.recovery_checkpoint_failures;
            LAMINAR_LOG_WARN("{}: recovery point checkpoint failed: {}", log->dir(),
                             storage::to_string(moved.error()));
        }
    } else if (*moved) {
        ++_counters.recovery_checkpoints;
    }
    wave.done();
}

}  // namespace laminar::broker
