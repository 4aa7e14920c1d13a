// Truncation, log start offset (DeleteRecords) and retention of a partition log.
//
// Faults tolerated: a crash at any step. Promises: each operation is durable when it returns.
// The order of steps keeps every intermediate state recoverable: checkpoints that make recovery
// look further back (recovery point) or skip more (log start offset) are written before files
// go; segments are removed newest first when cutting the end (a crash leaves a prefix of the old
// log) and oldest first when cutting the start (a crash leaves segments that open() removes as
// wholly below the start offset).
#include <algorithm>

#include "storage/checkpoint.h"
#include "storage/partition_log.h"
#include "storage/recovery_index.h"

namespace laminar::storage {

task<status> partition_log::truncate_to(std::int64_t offset) {
    auto guard = co_await _append_mutex.lock();
    co_await wait_sealed();
    if (_closed) co_return fail(errc::closed);
    if (_failed) co_return fail(errc::log_failed);
    if (offset < 0) co_return fail(errc::invalid_argument);
    if (offset >= _log_end_offset) co_return status{};
    // Odd while the truncation runs, even again once it ended however it ended: a recovery
    // checkpoint that saw either value change is void (checkpoint_recovery_point).
    ++_truncations;
    struct truncation_end {
        std::uint64_t& count;
        ~truncation_end() { ++count; }
    } ended{_truncations};
    if (offset <= _log_start_offset) co_return co_await truncate_fully(offset);
    // Batches go whole: cutting the one that holds the log start offset leaves nothing to serve.
    auto holder = _segments[segment_index_for(offset)];
    auto cut = co_await holder->find_offset(offset, holder->size_bytes());
    if (!cut) co_return fail(cut.error());
    if (*cut && (*cut)->header.base_offset < _log_start_offset) {
        co_return co_await truncate_fully(offset);
    }
    if (_cleaner_offset > offset) {
        // Records appended after the truncation must be mapped again.
        _cleaner_offset = offset;
        auto written = co_await write_checkpoint_value(cleaner_offset_file, offset);
        if (!written) co_return written;
    }
    // The recovery index may describe batches this cuts, even past the recovery point (a crash
    // between its rename and the point's leaves it there): gone, durably with the directory sync
    // below, before anything is cut, whatever the point. The next checkpoint writes a new one.
    if (auto removed = remove_recovery_index(_dir); !removed) co_return removed;
    _recovery_index_written = {};
    if (_recovery_point > offset) {
        _recovery_point = offset;
        _recovery_point_base = -1;
        auto written = co_await write_checkpoint_value(recovery_point_file, _recovery_point);
        if (!written) co_return written;
    }
    // offset > log start >= the first segment's base, so the first segment stays.
    // From here on the log's segments and its offsets disagree until the cut is done: any
    // failure fails the log rather than leave it serving a gap.
    while (_segments.back()->base_offset() >= offset) {
        _segments.back()->remove_files();
        _segments.pop_back();
    }
    auto dir_synced = co_await sync_dir();
    if (!dir_synced) {
        _failed = true;
        co_return dir_synced;
    }
    auto last = _segments.back();
    auto found = co_await last->find_offset(offset, last->size_bytes());
    if (!found) {
        _failed = true;
        co_return fail(found.error());
    }
    if (*found) {
        auto truncated = co_await last->truncate_to_position((*found)->position,
                                                             (*found)->header.base_offset);
        if (!truncated) {
            _failed = true;
            co_return truncated;
        }
    }
    _log_end_offset = last->next_offset();
    _active_created_ms = _clock->now_ms();
    co_return status{};
}

// Everything goes; the log restarts empty at `offset`.
task<status> partition_log::truncate_fully(std::int64_t offset) {
    // As truncate_to: no recovery index of removed batches survives (the directory syncs below).
    if (auto removed = remove_recovery_index(_dir); !removed) co_return removed;
    _recovery_index_written = {};
    _recovery_point_base = -1;
    while (!_segments.empty()) {
        _segments.back()->remove_files();
        _segments.pop_back();
    }
    auto created = co_await segment::create(_dir, offset);
    if (!created) {
        _failed = true;
        co_return fail(created.error());
    }
    _segments.push_back(std::move(*created));
    auto dir_synced = co_await sync_dir();
    if (!dir_synced) {
        _failed = true;  // the segments are gone and the offsets not yet moved: no serving that
        co_return dir_synced;
    }
    _log_start_offset = offset;
    _log_end_offset = offset;
    _recovery_point = offset;
    _cleaner_offset = std::min(_cleaner_offset, offset);
    auto written = co_await write_checkpoint_value(log_start_offset_file, offset);
    if (!written) co_return written;
    written = co_await write_checkpoint_value(cleaner_offset_file, _cleaner_offset);
    if (!written) co_return written;
    written = co_await write_checkpoint_value(recovery_point_file, offset);
    if (!written) co_return written;
    _active_created_ms = _clock->now_ms();
    co_return status{};
}

task<status> partition_log::advance_log_start_offset(std::int64_t offset) {
    auto guard = co_await _append_mutex.lock();
    co_await wait_sealed();
    if (_closed) co_return fail(errc::closed);
    if (_failed) co_return fail(errc::log_failed);
    if (offset > _log_end_offset || offset < 0) co_return fail(errc::offset_out_of_range);
    if (offset <= _log_start_offset) co_return status{};
    _log_start_offset = offset;
    auto written = co_await write_checkpoint_value(log_start_offset_file, offset);
    if (!written) co_return written;
    std::size_t below = 0;
    while (below + 1 < _segments.size() && _segments[below + 1]->base_offset() <= offset) {
        ++below;
    }
    co_return co_await remove_front_segments(below);
}

task<result<std::size_t>> partition_log::enforce_retention() {
    auto guard = co_await _append_mutex.lock();
    co_await wait_sealed();
    if (_closed) co_return fail(errc::closed);
    if (_failed) co_return fail(errc::log_failed);
    const auto& config = _options.config;
    const std::int64_t now = _clock->now_ms();
    std::uint64_t remaining = size_bytes();
    std::size_t expired = 0;
    // Whole segments from the oldest, never the active one, while a limit is breached.
    while (expired + 1 < _segments.size()) {
        const segment& oldest = *_segments[expired];
        const bool too_old = config.retention_ms >= 0 &&
                             oldest.max_timestamp() < now - config.retention_ms;
        const bool too_big = config.retention_bytes >= 0 &&
                             remaining - oldest.size_bytes() >=
                                 static_cast<std::uint64_t>(config.retention_bytes);
        if (!too_old && !too_big) break;
        remaining -= oldest.size_bytes();
        ++expired;
    }
    if (expired == 0) co_return std::size_t{0};
    const std::int64_t start = _segments[expired]->base_offset();
    if (start > _log_start_offset) {
        _log_start_offset = start;
        auto written = co_await write_checkpoint_value(log_start_offset_file, start);
        if (!written) co_return fail(written.error());
    }
    auto removed = co_await remove_front_segments(expired);
    if (!removed) co_return fail(removed.error());
    co_return expired;
}

task<status> partition_log::remove_front_segments(std::size_t count) {
    if (count == 0) co_return status{};
    LAMINAR_ASSERT(count < _segments.size());
    for (std::size_t i = 0; i < count; ++i) _segments[i]->remove_files();
    _segments.erase(_segments.begin(), _segments.begin() + static_cast<std::ptrdiff_t>(count));
    co_return co_await sync_dir();
}

}  // namespace laminar::storage
