// Opening (recovery) and clean close of a partition log.
//
// Faults tolerated: a crash at any point of any earlier run (see partition_log.h). Recovery
// trusts only what an earlier run made durable on purpose: segments wholly below the
// recovery-point checkpoint (sealed by a roll: trimmed, synced, indexes persisted), the batches
// below a recovery point inside a segment (synced by checkpoint_recovery_point before it wrote
// the point: walked by their headers only, to rebuild the indexes), or every segment when the
// clean-shutdown marker is present (the active segment's last index interval is still checked,
// so bytes added after the close are caught). Everything else is scanned batch by batch (length,
// magic, CRC32C, increasing offsets); the log is cut at the first batch that fails, and every
// later segment is removed. Index files that are missing or fail their checks are rebuilt.
// Promises: after open() every non-active segment is sealed again and the marker is gone
// (durably) before the first append, so a crash after open never trusts unsynced data.
// Cost: an unclean open that finds the active segment's tail intact and zero (the usual state
// after a process crash) writes and syncs nothing: the zero tail stays preallocated, the
// directory is synced only when this open changed it, and the recovery point is rewritten only
// when it moved.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <map>
#include <mutex>

#include "storage/checkpoint.h"
#include "storage/file_ops.h"
#include "storage/partition_log.h"
#include "storage/recovery_index.h"

namespace laminar::storage {

namespace {

// Recovery reads batches whole; a batch written under a larger max.message.bytes than the
// current one must still be recognised, so the bound is generous.
constexpr std::uint32_t recovery_batch_bytes_floor = 64u << 20;

errc last_errno() noexcept { return errc_from_core(errc_from_errno(errno)); }

struct directory_listing {
    std::vector<std::int64_t> segment_bases;
    std::vector<std::int64_t> swaps;     // <base>.log.swap: a cleaned segment committed
    std::vector<std::string> leftovers;  // temporaries and index files without a log
};

result<directory_listing> list_directory(const std::string& dir) {
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) return fail(last_errno());
    directory_listing listing;
    std::vector<std::int64_t> index_bases;
    while (const dirent* entry = ::readdir(handle)) {
        const std::string_view name = entry->d_name;
        if (auto base = parse_segment_file_name(name, log_suffix)) {
            listing.segment_bases.push_back(*base);
        } else if (name.ends_with(checkpoint_temporary_suffix) ||
                   parse_segment_file_name(name, cleaned_suffix)) {
            listing.leftovers.emplace_back(name);  // a half-written checkpoint or cleaned file
        } else if (auto swapped = parse_segment_file_name(name, swap_suffix)) {
            listing.swaps.push_back(*swapped);
        } else if (auto indexed = parse_segment_file_name(name, index_suffix)) {
            index_bases.push_back(*indexed);
        } else if (auto timed = parse_segment_file_name(name, time_index_suffix)) {
            index_bases.push_back(*timed);
        }
    }
    ::closedir(handle);
    std::sort(listing.segment_bases.begin(), listing.segment_bases.end());
    for (auto base : index_bases) {
        if (!std::binary_search(listing.segment_bases.begin(), listing.segment_bases.end(),
                                base)) {
            listing.leftovers.push_back(segment_file_name(base, index_suffix));
            listing.leftovers.push_back(segment_file_name(base, time_index_suffix));
        }
    }
    return listing;
}

status validate_config(const log_options& options) {
    const auto& config = options.config;
    const bool valid = !options.topic.empty() && options.partition >= 0 &&
                       config.segment_bytes >= record_batch_layout::header_bytes &&
                       config.segment_bytes <= std::numeric_limits<std::int32_t>::max() &&
                       config.index_interval_bytes > 0 && config.preallocate_extent_bytes > 0 &&
                       config.segment_ms > 0 && config.max_message_bytes > 0;
    if (!valid) return fail(errc::invalid_argument);
    return {};
}

}  // namespace

task<result<std::unique_ptr<partition_log>>> partition_log::open(log_options options) {
    auto valid = validate_config(options);
    if (!valid) co_return fail(valid.error());
    std::unique_ptr<partition_log> log(new partition_log(std::move(options)));
    auto loaded = co_await log->load(log->_recovery);
    if (!loaded) co_return fail(loaded.error());
    co_return std::move(log);
}

status partition_log::reconfigure(const log_config& config) {
    log_options changed = _options;
    changed.config = config;
    if (auto valid = validate_config(changed); !valid) return valid;
    _options.config = config;
    return {};
}

task<status> partition_log::write_checkpoint_value(std::string_view name, std::int64_t value) {
    // The checkpoint is durable only once the partition directory's own name is.
    if (!_directories_durable) {
        bool fsync_failed = false;
        auto synced = co_await sync_directories(fsync_failed);
        if (!synced) {
            // Any failure fails the log here, EMFILE included: truncations call this after they
            // have cut the data, and must not leave a higher point on disk behind a log that
            // goes on taking appends.
            _failed = true;
            co_return synced;
        }
    }
    const std::string file(name);
    auto dir = co_await open_file(_dir, O_RDONLY | O_DIRECTORY);
    if (!dir) {
        _failed = true;
        co_return fail(dir.error());
    }
    auto written = co_await write_checkpoint(_dir, dir->get(), file, value);
    if (!written) _failed = true;
    co_return written;
}

task<status> partition_log::sync_dir() {
    auto dir = co_await open_file(_dir, O_RDONLY | O_DIRECTORY);
    if (!dir) co_return fail(dir.error());
    auto synced = co_await sync_directory(dir->get());
    if (synced) ++_directory_sync_count;
    // After a failed fsync which of the directory's names reached the disk is unknown, and a
    // later fsync may report 0 with them lost (fsyncgate): the log fails, whoever asked.
    if (!synced) _failed = true;
    co_return synced;
}

namespace {

// Group commit of the data directory's fsync, per shard: one fsync covers every partition
// directory made before it started, so the logs of a shard that need it at once (a close of
// thousands, a burst of first flushes) share it instead of queueing one fsync each.
struct data_dir_syncs {
    async_mutex running;
    std::uint64_t requested = 0;
    std::uint64_t covered = 0;
};

// A failed fsync of a data directory, for every shard of the process: what the directory's
// entries (every partition directory made before it) hold on disk is unknown, and a later fsync
// on any shard may report 0 with them lost (fsyncgate). Every later request fails as that one
// did, so each log that needs the sync fails, not only the one whose request ran it (as Kafka
// takes the whole log dir offline). Written once per failure and read only before a data
// directory sync (a log's first flush or seal): a lock here costs nothing that matters.
class data_dir_failures {
public:
    static errc of(const std::string& data_dir) {
        std::lock_guard lock(mutex());
        auto found = failures().find(data_dir);
        return found == failures().end() ? errc::ok : found->second;
    }
    static void record(const std::string& data_dir, errc error) {
        std::lock_guard lock(mutex());
        failures().emplace(data_dir, error);
    }

private:
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    static std::map<std::string, errc>& failures() {
        static std::map<std::string, errc> by_dir;
        return by_dir;
    }
};

task<status> sync_data_dir(const std::string& data_dir, bool& fsync_failed) {
    thread_local std::map<std::string, data_dir_syncs> by_dir;
    auto& syncs = by_dir[data_dir];
    const std::uint64_t request = ++syncs.requested;
    auto held = co_await syncs.running.lock();
    if (syncs.covered >= request) co_return status{};  // a sync started after we asked
    if (const errc failed = data_dir_failures::of(data_dir); failed != errc::ok) {
        fsync_failed = true;
        co_return fail(failed);
    }
    const std::uint64_t covering = syncs.requested;
    auto dir = co_await open_file(data_dir, O_RDONLY | O_DIRECTORY);
    if (!dir) co_return fail(dir.error());
    auto synced = co_await sync_directory(dir->get());
    if (synced) syncs.covered = covering;
    if (!synced) {
        data_dir_failures::record(data_dir, synced.error());
        fsync_failed = true;
    }
    co_return synced;
}

}  // namespace

task<status> partition_log::sync_directory_names(const std::string& data_dir,
                                                 const std::string& dir, bool& fsync_failed) {
    fsync_failed = false;
    auto synced = co_await sync_data_dir(data_dir, fsync_failed);
    if (!synced) co_return synced;
    auto opened = co_await open_file(dir, O_RDONLY | O_DIRECTORY);
    if (!opened) co_return fail(opened.error());
    synced = co_await sync_directory(opened->get());
    if (!synced) fsync_failed = true;
    co_return synced;
}

task<status> partition_log::sync_directories(bool& fsync_failed) {
    auto synced = co_await sync_directory_names(_options.data_dir, _dir, fsync_failed);
    if (!synced) co_return synced;
    _directory_sync_count += 2;
    _directories_durable = true;
    co_return status{};
}

// A partition directory this open made: nothing to list, read or recover, and nothing synced
// (see _directories_durable). A crash before the first sync leaves at worst no directory, or an
// empty one, or one with some of the empty segment files: each opens as an empty log.
task<status> partition_log::create_empty() {
    auto created = co_await segment::create(_dir, 0);
    if (!created) co_return fail(created.error());
    _segments.push_back(std::move(*created));
    _directories_durable = false;
    _active_created_ms = _clock->now_ms();
    _last_flush_ms = _active_created_ms;
    _recovery_checkpoint_ms = _active_created_ms;
    co_return status{};
}

task<status> partition_log::load(log_recovery_report& report) {
    // An existing directory is found by a lookup the ring completes inline; only a new one
    // pays mkdirat (always run on an io_uring worker).
    auto existing = co_await open_existing_file(_dir, O_RDONLY | O_DIRECTORY);
    if (!existing) co_return fail(existing.error());
    if (!*existing) {
        auto made = co_await make_directory(_dir);  // the data directory too, if missing
        if (!made) co_return fail(made.error());
        if (*made) co_return co_await create_empty();
    }
    auto listing = list_directory(_dir);
    if (!listing) co_return fail(listing.error());
    for (const auto& name : listing->leftovers) ::unlink((_dir + "/" + name).c_str());
    // Cleaned groups whose swap a crash interrupted (see compactor.cpp).
    for (auto base : listing->swaps) {
        auto completed = co_await complete_cleaned_swap(_dir, base, listing->segment_bases);
        if (!completed) co_return completed;
    }
    if (!listing->swaps.empty()) {
        auto synced = co_await sync_dir();
        if (!synced) co_return synced;
    }

    const std::string marker = _dir + "/" + std::string(clean_shutdown_file);
    const std::string recovery_name(recovery_point_file);
    const std::string start_name(log_start_offset_file);
    auto recovery_point = co_await read_checkpoint(_dir, recovery_name);
    auto start_offset = co_await read_checkpoint(_dir, start_name);
    const std::string cleaner_name(cleaner_offset_file);
    auto cleaner_offset = co_await read_checkpoint(_dir, cleaner_name);
    // Missing or unreadable: the next compaction maps the whole log again (more work only).
    _cleaner_offset = cleaner_offset && cleaner_offset->has_value() ? **cleaner_offset : 0;
    // A missing or unreadable checkpoint only costs a longer scan (or an earlier start offset).
    const bool have_recovery_point = recovery_point && recovery_point->has_value();
    const std::int64_t recovery_value = have_recovery_point ? **recovery_point : 0;
    const std::int64_t start_value = start_offset && start_offset->has_value() ? **start_offset : 0;
    const bool clean = have_recovery_point && ::access(marker.c_str(), F_OK) == 0;
    report.clean_shutdown = clean;

    for (auto base : listing->segment_bases) {
        auto opened = co_await segment::open(_dir, base);
        if (!opened) co_return fail(opened.error());
        _segments.push_back(std::move(*opened));
    }
    // Whether the directory must be synced now: this open removed a segment or the marker, or
    // the active segment is empty (an earlier run may have crashed between creating it and
    // syncing the directory: a roll and a truncation sync the directory after creating a segment
    // and before any batch goes into it, so a segment holding batches has a durable name). A
    // leftover temporary that comes back after a crash is removed again. No segment yet (a crash
    // before the first one was made): as a new log, nothing to sync now (see
    // _directories_durable).
    bool directory_changed = false;
    const bool fresh = _segments.empty();
    if (fresh) {
        auto created = co_await segment::create(_dir, start_value);
        if (!created) co_return fail(created.error());
        _segments.push_back(std::move(*created));
        directory_changed = true;
    }
    const std::uint64_t dropped_before = report.segments_dropped;
    auto recovered = co_await recover_segments(recovery_value, clean, report);
    if (!recovered) co_return recovered;

    // Segments wholly below the start offset: removal was interrupted by a crash.
    std::size_t below = 0;
    while (below + 1 < _segments.size() && _segments[below + 1]->base_offset() <= start_value) {
        ++below;
    }
    report.segments_dropped += below;
    directory_changed = directory_changed || report.segments_dropped != dropped_before ||
                        _segments.back()->empty();
    for (std::size_t i = 0; i < below; ++i) _segments[i]->remove_files();
    _segments.erase(_segments.begin(), _segments.begin() + static_cast<std::ptrdiff_t>(below));

    _log_end_offset = _segments.back()->next_offset();
    _log_start_offset = std::min(std::max(start_value, _segments.front()->base_offset()),
                                 _log_end_offset);
    _recovery_point = clean ? _log_end_offset
                            : std::max(std::min(recovery_value, _log_end_offset),
                                       _segments.back()->base_offset());
    if (_recovery_point >= _log_end_offset) {
        _recovery_point_base = _segments.back()->base_offset();
        _recovery_point_position = _segments.back()->size_bytes();
    }
    if (clean && ::unlink(marker.c_str()) != 0) co_return fail(last_errno());
    // A clean close made every name durable (write_checkpoint_value); after a crash the earlier
    // run may have had no flush yet, so the first flush syncs the directories again. The
    // marker's removal is synced even for a directory with no segment (not made by Laminar): a
    // marker back after a crash would make the next open trust what this run wrote unsynced.
    _directories_durable = clean && !fresh;
    // After a crash the batches recovered past the recovery point (in the active segment: the
    // scan synced the rolled ones) were never synced by this run. They count as one batch
    // appended and not yet durable, so the first flush syncs them (and the directories): a
    // producer's retry found among them is acknowledged as a duplicate only once durable.
    if (!clean && _recovery_point < _log_end_offset) _appended_sequence = _durable_sequence + 1;
    if (clean || (!fresh && directory_changed)) {
        auto dir_synced = co_await sync_dir();
        if (!dir_synced) co_return dir_synced;
    }
    // A missing recovery-point means 0: a log whose recovery point is 0 writes none.
    if (_recovery_point != recovery_value) {
        auto written = co_await write_checkpoint_value(recovery_point_file, _recovery_point);
        if (!written) co_return written;
    }
    _cleaner_offset = std::min(_cleaner_offset, _log_end_offset);
    _active_created_ms = _clock->now_ms();
    _last_flush_ms = _active_created_ms;
    _recovery_checkpoint_ms = _active_created_ms;
    co_return status{};
}

task<result<bool>> partition_log::checkpoint_recovery_point() {
    if (_closed) co_return fail(errc::closed);
    if (_failed) co_return fail(errc::log_failed);
    const std::int64_t target = _log_end_offset;
    const std::uint64_t truncations = _truncations;
    // Nothing new, another checkpoint in flight, or a truncation running (odd count): the end
    // may not yet say what it keeps.
    if (target <= _recovery_point || _recovery_checkpoint_running || truncations % 2 != 0) {
        co_return false;
    }
    _recovery_checkpoint_running = true;
    _recovery_checkpoint_ms = _clock->now_ms();
    // The active segment as it is at `target` (taken with it, no suspension between): what
    // recovery then knows below the point without reading it. None when the point is the
    // segment's base (nothing below it in the segment).
    std::optional<segment_snapshot> indexed;
    if (_segments.back()->base_offset() < target) indexed = _segments.back()->snapshot();
    struct running_guard {
        bool& running;
        ~running_guard() { running = false; }
    } guard{_recovery_checkpoint_running};
    // Offsets below `target` are the batches whose writes completed before this call (the end
    // and the append sequence move together): flush() returns once they are all durable.
    auto flushed = co_await flush();
    if (!flushed) co_return fail(flushed.error());
    if (!_directories_durable) {
        // Nothing appended since a reopen after a crash (a flush of this run's batches would have
        // synced the directories): the earlier run's batches in the active segment and the names
        // of the log's files were never synced; both are before a recovery point vouches for
        // them. A segment rolled meanwhile is synced by its seal.
        auto active = _segments.back();
        ++_fdatasync_count;
        auto synced = co_await active->sync();
        bool fsync_failed = !synced;
        if (synced) synced = co_await sync_directories(fsync_failed);
        if (!synced) {
            // As flush_loop: after a failed fsync the page cache is unknown; a directory that
            // could not be opened (EMFILE) was not synced, and the next checkpoint tries again.
            if (fsync_failed) _failed = true;
            co_return fail(synced.error());
        }
    }
    // A temporary of its own: a roll or truncation may write its checkpoint meanwhile.
    const std::string temporary =
        std::string(recovery_point_file) + ".background" + std::string(checkpoint_temporary_suffix);
    const std::string index_temporary =
        std::string(recovery_index_file) + std::string(checkpoint_temporary_suffix);
    // The index is optional: a failure to write it (a full disk) must not hold the point back,
    // or the scan after a crash would grow without bound. The file on disk, if any, stays: it
    // describes a prefix of what the new point covers, or another segment (both handled).
    std::optional<recovery_index_written> index_prepared;
    if (indexed) index_prepared = co_await write_recovery_index(*indexed, truncations,
                                                                index_temporary);
    bool fsync_failed = false;
    auto prepared = co_await prepare_checkpoint(_dir, temporary, target, &fsync_failed);
    if (!prepared) {
        // As every fsync of the log (fsyncgate); a temporary that could not be made or written
        // (EMFILE, a full disk) leaves the point where it was, for the next checkpoint.
        if (fsync_failed) _failed = true;
        co_return fail(prepared.error());
    }
    // Decided and renamed with no suspension in between: a roll (which moved the point at least
    // as far), a truncation (the offsets below `target` may now be other, unsynced batches) or
    // a close since the flush wins. A chunk appended stays: it is past the point (recovery
    // uses the chunks below it), of a segment rolled away, or removed by the truncation.
    if (_closed || _failed || _truncations != truncations || _recovery_point >= target) {
        ::unlink((_dir + "/" + temporary).c_str());
        if (index_prepared) ::unlink((_dir + "/" + index_temporary).c_str());
        co_return false;
    }
    // The index first (a chunk appended is synced already): a crash between the renames leaves
    // an index past the point, whose chunks past it recovery ignores (it then walks the headers
    // from the last chunk below it), never a point past its index.
    if (index_prepared) {
        if (auto committed = commit_recovery_index(_dir, index_temporary); !committed) {
            co_return fail(committed.error());
        }
        _recovery_index_written = *index_prepared;
    }
    const std::string name(recovery_point_file);
    if (auto committed = commit_checkpoint(_dir, temporary, name); !committed) {
        co_return fail(committed.error());
    }
    _recovery_point = target;
    if (indexed) {
        _recovery_point_base = indexed->base_offset;
        _recovery_point_position = indexed->size;
    }
    ++_recovery_checkpoints;
    // Until this sync a crash leaves the old value or this one; both are durable offsets.
    auto synced = co_await sync_dir();
    if (!synced) co_return fail(synced.error());
    co_return true;
}

task<std::optional<recovery_index_written>> partition_log::write_recovery_index(
    const segment_snapshot& snapshot, std::uint64_t truncations, const std::string& temporary) {
    const recovery_index_written before = _recovery_index_written;
    // Until this write ends the file's tail is unknown: a failure may leave part of a chunk.
    _recovery_index_written = {};
    if (recovery_index_appendable(before, snapshot)) {
        auto appended = co_await append_recovery_index(_dir, before, snapshot);
        // A truncation meanwhile removed the file (or is about to): nothing to append to.
        if (appended && _truncations == truncations) _recovery_index_written = *appended;
        co_return std::nullopt;
    }
    auto written = co_await prepare_recovery_index(_dir, temporary, snapshot);
    if (!written) {
        ::unlink((_dir + "/" + temporary).c_str());
        co_return std::nullopt;
    }
    co_return *written;  // known once the caller has committed it
}

std::uint64_t partition_log::bytes_past_recovery_point() const noexcept {
    const segment& active = *_segments.back();
    if (_recovery_point_base != active.base_offset()) return active.size_bytes();
    return active.size_bytes() - std::min(active.size_bytes(), _recovery_point_position);
}

task<status> partition_log::recover_segments(std::int64_t recovery_point, bool clean,
                                             log_recovery_report& report) {
    const auto& config = _options.config;
    const std::uint32_t batch_bytes_max = std::max(config.max_message_bytes,
                                                   recovery_batch_bytes_floor);
    for (std::size_t i = 0; i < _segments.size(); ++i) {
        auto current = _segments[i];
        const bool last = i + 1 == _segments.size();
        const std::int64_t next_base = last ? recovery_point : _segments[i + 1]->base_offset();
        const bool trusted = clean || (!last && next_base <= recovery_point);
        if (trusted) {
            if (next_base >= current->base_offset()) {
                auto loaded = co_await current->load_indexes(next_base);
                if (!loaded) co_return fail(loaded.error());
                // The active segment's end is also checked: garbage written after a clean close
                // must not be served or appended after.
                if (*loaded && last) loaded = co_await current->verify_tail(batch_bytes_max);
                if (!loaded) co_return fail(loaded.error());
                if (*loaded) continue;
            }
            ++report.indexes_rebuilt;
        }
        ++report.segments_scanned;
        const std::int64_t first_offset_min = i == 0 ? 0 : _segments[i - 1]->next_offset();
        // A recovery point inside this segment (checkpoint_recovery_point): the batches below it
        // were synced before it was written, so only their headers are walked.
        const std::int64_t following_base = last ? std::numeric_limits<std::int64_t>::max()
                                                 : _segments[i + 1]->base_offset();
        const bool holds_point = !clean && current->base_offset() < recovery_point &&
                                 recovery_point < following_base;
        // What the last recovery checkpoint recorded of this segment below the point: the walk
        // then starts where it ends (at the point itself unless the file is stale).
        read_index known;
        if (holds_point) {
            // An index that cannot be read is only an index missing: the headers are walked.
            auto read = co_await read_recovery_index(_dir, current->size_bytes(),
                                                     recovery_point);
            if (read) known = std::move(*read);
        }
        auto scanned = co_await current->recover(first_offset_min, batch_bytes_max,
                                                 config.index_interval_bytes,
                                                 holds_point ? recovery_point : -1, last,
                                                 known.snapshot ? &*known.snapshot : nullptr);
        if (!scanned) co_return fail(scanned.error());
        report.batches_scanned += scanned->batches;
        report.bytes_scanned += scanned->scanned_bytes;
        report.bytes_trusted += scanned->trusted_bytes;
        report.bytes_indexed += scanned->indexed_bytes;
        if (known.present && scanned->indexed_bytes == 0) ++report.recovery_indexes_rejected;
        if (last) {
            _recovery_point_base = current->base_offset();
            _recovery_point_position = holds_point ? scanned->indexed_bytes +
                                                         scanned->trusted_bytes
                                                   : 0;
        }
        report.bytes_dropped += scanned->dropped_bytes;
        report.zero_bytes_kept += scanned->zero_bytes_kept;
        if (last) break;
        // Cut at the first invalid batch: nothing after it in this or a later segment is kept.
        if (scanned->dropped_bytes > 0 || current->next_offset() > next_base) {
            while (_segments.size() > i + 1) {
                _segments.back()->remove_files();
                _segments.pop_back();
                ++report.segments_dropped;
            }
            break;
        }
        // Seal it again (as a roll would have) so the recovery point may pass it.
        auto synced = co_await current->sync();
        if (!synced) co_return synced;
        auto persisted = co_await current->persist_indexes();
        if (!persisted) co_return persisted;
    }
    co_return status{};
}

task<status> partition_log::close() {
    auto guard = co_await _append_mutex.lock();
    // A flush an append started (flush.messages, flush.ms) may still be running: let it end
    // first, so that no return of close(), a failed one included (a failed log, a seal
    // refused), leaves work scheduled on a log its owner may now destroy.
    co_await _flush_loops.wait();
    auto closed = co_await close_locked();
    // A flush loop may start after that wait: an append whose write completed before the lock
    // was taken waits for its durability outside it (flush.messages=1), and a checkpoint may
    // flush. Such a loop waits behind the seals close_locked() runs; it ends before they report
    // back only because seal waiters wake newest first. Waiting again makes that a guarantee.
    co_await _flush_loops.wait();
    co_return closed;
}

task<status> partition_log::close_locked() {
    // A second close() reports how the first ended: a log that failed (in the first close's
    // flush, sync or checkpoints, or before) was not closed cleanly.
    if (_closed) co_return _failed ? fail(errc::log_failed) : status{};
    if (!_failed) {
        // Not closed yet if a seal fails (a full disk): close() may be called again.
        auto sealed = co_await finish_seals();
        if (!sealed) co_return sealed;
    }
    _closed = true;
    if (_failed) co_return fail(errc::log_failed);
    // Past this point a failure leaves the log closed but not cleanly: a second close() says
    // so instead of reporting success.
    auto finished = co_await finish_close();
    if (!finished) _failed = true;
    co_return finished;
}

task<status> partition_log::finish_close() {
    auto flushed = co_await flush();
    if (!flushed) co_return flushed;
    LAMINAR_ASSERT(!_flush_running);
    auto active = _segments.back();
    auto trimmed = active->trim();
    if (!trimmed) co_return trimmed;
    auto synced = co_await active->sync();
    if (!synced) co_return synced;
    auto persisted = co_await active->persist_indexes();
    if (!persisted) co_return persisted;
    _recovery_point = _log_end_offset;
    auto checkpointed = co_await write_checkpoint_value(recovery_point_file, _recovery_point);
    if (!checkpointed) co_return checkpointed;
    checkpointed = co_await write_checkpoint_value(log_start_offset_file, _log_start_offset);
    if (!checkpointed) co_return checkpointed;
    const std::string marker = _dir + "/" + std::string(clean_shutdown_file);
    auto created = co_await open_file(marker, O_CREAT | O_WRONLY);
    if (!created) co_return fail(created.error());
    co_return co_await sync_dir();
}

}  // namespace laminar::storage
