// The log of one partition: segments laid out as Kafka lays them out in
// <data_dir>/<topic>-<partition>/, appends of record batches as received (offsets assigned in the
// header), reads as file ranges for splice, flush policies with group commit, recovery on open,
// truncation, log start offset and retention. It knows batches and offsets, nothing of requests.
//
// Faults tolerated: a crash or power loss at any moment (torn or half-written batches, a zero
// preallocated tail, stale or missing index files, a crash in the middle of a roll, truncation,
// retention or checkpoint); bit flips and garbage in the log files (detected by the CRC, the log
// is cut at the first invalid batch and nothing after it is served); a failed write, fallocate
// (ENOSPC) or fdatasync (the append fails with the error and nothing acknowledged is touched).
//
// Promises:
// - Offsets are assigned in the order the append() tasks start (tasks are lazy: when first
//   awaited or spawned); appends never interleave.
// - Group write: appends queued while another one is being written (concurrent appenders,
//   pipelined producers) are written together, with one vectored write, in that order. An append
//   completes when the write covering it does. A write that fails part-way (an I/O error, a short
//   write) acknowledges exactly the batches written whole before the failure; the others fail
//   and take no offsets (the log then enters the failed state, as below). A failed fallocate
//   fails only the append it was made for, as when that append is written alone.
// - Under flush.messages=1 (every batch) append() completes only after an fdatasync that covers
//   the batch: an acknowledged batch survives power loss. One fdatasync covers every batch
//   appended while the previous one was in flight (group commit). Under other policies
//   acknowledged batches survive a process crash (they are in the page cache) and power loss
//   once flush(), the seal after a roll or checkpoint_recovery_point() has synced them.
// - The recovery point never covers a batch that is not durable: it moves only after an
//   fdatasync that covers every batch below it completed (a roll's seal, close,
//   checkpoint_recovery_point), and a truncation below it lowers it first.
// - A roll only trims the full segment (ftruncate, no I/O wait) and starts the next one; sealing
//   the full one (its fdatasync, index files, the directory sync, then the recovery-point
//   checkpoint) runs afterwards in a task on the shard, one segment after another. The recovery
//   point moves past a segment only once its seal is durable, so a crash before a seal finishes
//   leaves that segment to be scanned. A seal that fails on an fdatasync or fsync (its
//   checkpoint's included) fails the log; one that fails otherwise (a full disk refusing index
//   files or the checkpoint's temporary, a directory that cannot be opened for want of a
//   descriptor: EMFILE) is retried, and meanwhile the recovery point stays behind that segment.
//   Every-batch appends waiting on such a seal, or on a first flush that cannot open the
//   directories, are not failed at once: their batches are in the log and a producer's retry
//   would write them twice, so the flush tries again every 10 ms for about a second; a
//   shortage that lasts then fails the waiters with its error, and the log keeps serving
//   (nothing was synced wrongly: the next flush tries again).
//   flush() (and every-batch appends), close(), truncate_to, advance_log_start_offset,
//   enforce_retention and compaction's segment swap wait for the seals in flight; a roll waits
//   when seals_pending_max are already queued. A log destroyed without close() abandons its
//   seals (as a crash would): the next open() scans what they left.
// - After open(), the log is exactly a prefix of what was appended: every batch in it has a
//   valid CRC and increasing offsets; recovery keeps every synced batch.
// - A failed write or sync puts the log in the failed state: every later write returns
//   errc::log_failed until it is reopened (recovery then decides what the disk holds). A failed
//   fallocate (disk full) fails only that append.
// - truncate_to, advance_log_start_offset and enforce_retention are durable when they return,
//   and a crash part-way leaves a consistent log (at worst holding more of the old prefix).
// - Creating a log syncs nothing; the data directory and the log's directory are synced once
//   before anything in the log is first acknowledged durable (flush, roll, checkpoint, close).
//   The logs of a shard share the data directory's fsync; once such an fsync has failed on
//   any shard, every later request for it in the process fails too (which partition
//   directories' names it lost is unknown), so every log that still needs it fails, until the
//   process restarts.
// - A clean close() leaves a marker so the next open trusts the files and scans nothing.
// - compact() never changes an offset or touches the active segment; a crash at any point of
//   the swap of a cleaned segment or group leaves either the old segments or the cleaned one
//   (open() completes a committed .swap, removing the group's segments it covers, and deletes a
//   half-written .cleaned); see compactor.cpp.
//
// @locality owning shard: every member runs on the shard that opened the log.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/async_mutex.h"
#include "core/task.h"
#include "core/unique_fd.h"
#include "core/wait_group.h"
#include "storage/compactor.h"
#include "storage/errc.h"
#include "storage/log_config.h"
#include "storage/read_ahead.h"
#include "storage/recovery_index.h"
#include "storage/segment.h"

namespace laminar::storage {

inline constexpr std::string_view recovery_point_file = "recovery-point";
inline constexpr std::string_view log_start_offset_file = "log-start-offset";
inline constexpr std::string_view clean_shutdown_file = "clean-shutdown";

struct append_result {
    std::int64_t base_offset = 0;
    std::int64_t last_offset = 0;
    std::int64_t log_append_time_ms = -1;  // -1 unless message.timestamp.type=LogAppendTime
};

// Bytes of a segment file to send as they are (splice/sendfile). `owner` keeps the descriptor
// open even if retention or truncation removes the segment meanwhile. A truncate_to that cuts
// into the range after it was returned leaves it covering removed bytes: the caller must not
// send ranges across a truncation (replication truncates only while it is not serving).
// Reads never take the append lock and do their I/O through the ring, so a cold catch-up read
// does not hold up appends on the shard.
struct file_range {
    std::shared_ptr<const segment> owner;
    int fd = -1;
    std::uint64_t position = 0;
    std::uint64_t length = 0;
};

struct read_result {
    file_range range;              // length 0: nothing at that offset yet (it is the end)
    std::int64_t first_offset = 0;  // base offset of the first batch in the range
};

struct timestamp_lookup {
    std::int64_t offset = 0;      // base offset of the first batch with max_timestamp >= t
    std::int64_t timestamp = 0;   // that batch's max_timestamp
};

struct log_recovery_report {
    bool clean_shutdown = false;
    std::uint64_t segments_scanned = 0;
    std::uint64_t batches_scanned = 0;
    std::uint64_t bytes_scanned = 0;        // read whole and CRC-checked (past the recovery point)
    std::uint64_t bytes_trusted = 0;        // below a recovery point inside a segment: headers only
    std::uint64_t bytes_indexed = 0;        // below it and known from the recovery index: not read
    std::uint64_t recovery_indexes_rejected = 0;  // present but stale past the point or not fitting
    std::uint64_t bytes_dropped = 0;        // cut off torn or invalid tails (zeros included)
    std::uint64_t zero_bytes_kept = 0;      // the active segment's zero tail, left preallocated
    std::uint64_t segments_dropped = 0;     // after an invalid batch, or below the start offset
    std::uint64_t indexes_rebuilt = 0;
};

class partition_log {
public:
    static task<result<std::unique_ptr<partition_log>>> open(log_options options);
    ~partition_log();
    partition_log(const partition_log&) = delete;
    partition_log& operator=(const partition_log&) = delete;

    // Appends one record batch (magic 2) given as the bytes received, rewriting its base offset
    // (and, for LogAppendTime, its max timestamp and CRC) in place. `batch` must stay alive
    // until the task completes. Under the every-batch policy returns once durable; when the
    // batch was written but could not be made durable, the error comes back and `written`, if
    // given, gets the offsets it took: it is in the log, and a retry must not append it again.
    task<result<append_result>> append(std::span<std::byte> batch,
                                       append_result* written = nullptr);
    // Makes everything appended so far durable (joins an fdatasync in flight if any).
    task<status> flush();
    // For the interval policy: flushes if flush.ms has passed since the last flush. The owner
    // calls it from its periodic tick; appends also check it.
    task<status> flush_if_due();

    // Bounds what recovery scans after a crash (under flush none above all, where only rolls
    // move the recovery point otherwise): makes every batch appended so far durable (flush(),
    // one fdatasync through the ring, shared with a flush in flight) and then moves the
    // recovery-point checkpoint to the log end it had when called. Appends go on meanwhile; the
    // append lock is never taken. Returns whether the checkpoint moved: false when there was
    // nothing new, another call is in flight, or a roll, truncation or close overtook it (the
    // checkpoint is then theirs). The owner (broker log_maintenance, every
    // laminar.log.recovery.checkpoint.interval.ms) keeps the log alive until it completes.
    task<result<bool>> checkpoint_recovery_point();
    // Recovery-point checkpoints written by checkpoint_recovery_point().
    std::uint64_t recovery_checkpoint_count() const noexcept { return _recovery_checkpoints; }
    // When checkpoint_recovery_point() last started (or the log opened), by the log's clock.
    std::int64_t recovery_checkpoint_ms() const noexcept { return _recovery_checkpoint_ms; }
    // Bytes of the active segment past the recovery point (all of it when the point is below
    // the segment): what a crash now would leave recovery to read and CRC-check there. The
    // owner checkpoints early past laminar.log.recovery.checkpoint.bytes.
    std::uint64_t bytes_past_recovery_point() const noexcept;

    // Whole batches from the one containing `offset`, up to max_bytes (at least one batch),
    // within one segment as Kafka does, and none from the batch holding `max_offset` on (a
    // read_committed fetch stops at the last stable offset). offset == log end, or a batch
    // holding both: an empty range. A read that continues a scan of cold data widens the
    // kernel's read-ahead for its segment (read_ahead.h).
    task<result<read_result>> read(
        std::int64_t offset, std::uint64_t max_bytes,
        std::int64_t max_offset = std::numeric_limits<std::int64_t>::max()) const;
    const read_ahead_stats& read_ahead() const noexcept { return _read_ahead.stats(); }
    // The first batch whose max timestamp is >= timestamp; nullopt when there is none.
    task<result<std::optional<timestamp_lookup>>> offset_for_timestamp(
        std::int64_t timestamp) const;

    // The batches' leader epochs around `epoch` (see epoch_scan), over the whole log: a header
    // walk, as Laminar keeps no leader-epoch checkpoint file yet.
    task<result<epoch_scan>> scan_leader_epochs(std::int32_t epoch) const;
    // The first batch holding the largest timestamp of the log (ListOffsets MAX_TIMESTAMP), read
    // whole so the caller can find the record; nullopt when the log is empty.
    task<result<std::optional<std::vector<std::byte>>>> batch_with_max_timestamp() const;

    // Removes every batch at and above `offset` (the batch containing it included); the log end
    // becomes that batch's base offset. At or below the log start offset (or cutting the batch
    // that holds it) the log restarts empty at `offset`.
    task<status> truncate_to(std::int64_t offset);
    // DeleteRecords: offsets below `offset` are no longer served; whole segments below it go.
    task<status> advance_log_start_offset(std::int64_t offset);
    // Removes whole old segments past retention.ms / retention.bytes; returns how many.
    task<result<std::size_t>> enforce_retention();

    // Compaction (cleanup.policy=compact; compactor.cpp): one pass over the inactive segments
    // old enough for min.compaction.lag.ms, when the dirty ratio reaches
    // min.cleanable.dirty.ratio, the earliest dirty record is past max.compaction.lag.ms, or
    // options.force. Reads are paced by `budget`; appends and
    // reads go on meanwhile (the append lock is held only to swap each cleaned segment in).
    task<result<compaction_report>> compact(const compaction_options& options,
                                            cleaner_budget& budget);
    // Bytes past the cleaner offset over all cleanable bytes (0: nothing to clean), below the
    // last stable offset `stable_end` (compaction_options); no I/O.
    double dirty_ratio(std::int64_t stable_end = unbounded_stable_offset) const noexcept;
    // How long ago the earliest dirty record (the first batch of each dirty inactive segment
    // wholly below `stable_end`, as Kafka) passed max.compaction.lag.ms; 0 when none did. Reads
    // one header per dirty segment the first time it is asked about.
    task<result<std::int64_t>> max_compaction_delay_ms(
        std::int64_t stable_end = unbounded_stable_offset);
    std::int64_t cleaner_offset() const noexcept { return _cleaner_offset; }
    // Where the last failed compact() failed on the data or on I/O (error ok: none did).
    const compaction_failure& last_compaction_failure() const noexcept {
        return _compaction_failure;
    }

    // New settings (a topic config changed): appends, rolls, flushes and retention use them from
    // now on; data already written stays as it is (a smaller segment.bytes rolls at the next
    // append, it does not split segments). invalid_argument leaves the old settings.
    status reconfigure(const log_config& config);
    const log_config& config() const noexcept { return _options.config; }

    // Clean shutdown: waits for appends and flushes, syncs, persists indexes and checkpoints,
    // leaves the clean-shutdown marker. Later writes fail with errc::closed.
    task<status> close();

    std::int64_t log_start_offset() const noexcept { return _log_start_offset; }
    std::int64_t log_end_offset() const noexcept { return _log_end_offset; }
    std::int64_t recovery_point() const noexcept { return _recovery_point; }
    std::uint64_t size_bytes() const noexcept;
    std::size_t segment_count() const noexcept { return _segments.size(); }
    const segment& active_segment() const noexcept { return *_segments.back(); }
    const std::vector<std::shared_ptr<segment>>& segments() const noexcept { return _segments; }
    const log_recovery_report& recovery_report() const noexcept { return _recovery; }
    const std::string& dir() const noexcept { return _dir; }
    bool failed() const noexcept { return _failed; }
    std::uint64_t fdatasync_count() const noexcept { return _fdatasync_count; }
    // Writes made for appends: one per group (fewer than appends when groups form).
    std::uint64_t group_write_count() const noexcept { return _group_write_count; }
    // fsyncs of the data directory and of the partition's directory (sync_dir,
    // sync_directories; the one inside each checkpoint write is not counted).
    std::uint64_t directory_sync_count() const noexcept { return _directory_sync_count; }
    // Whether the names of the log's files (and of its directory) are known durable; false for a
    // log created, or reopened after a crash, until its first flush, seal, checkpoint or close.
    bool directories_durable() const noexcept { return _directories_durable; }

private:
    struct durable_waiter;
    class durable_operation;
    struct queued_append;
    class queue_turn;
    struct seal_waiter;
    class seal_wait;
    // A full segment to seal, and what its seal makes true.
    struct pending_seal {
        std::shared_ptr<segment> full;
        std::uint64_t covered_sequence = 0;  // batches 1..covered are in it or before it
        std::uint64_t covered_messages = 0;  // their records (_appended_messages then)
        std::int64_t next_base_offset = 0;   // the recovery point once it is sealed
    };
    struct appended {
        append_result offsets;
        std::uint64_t sequence = 0;
    };

    explicit partition_log(log_options options);

    // partition_log.cpp
    result<record_batch_header> validate_for_append(std::span<const std::byte> batch) const;
    task<result<appended>> append_in_order(std::span<std::byte> batch,
                                           record_batch_header header);
    // The group write: under the append lock, writes the queue's head and the appends queued
    // behind it that fit the active segment, completing each.
    task<void> write_queued_group();
    std::optional<appended> try_append_inline(std::span<std::byte> batch,
                                              const record_batch_header& header);
    std::size_t gather_group(std::span<queued_append*> group) const noexcept;
    void assign_offsets(std::span<queued_append* const> group, record_batch_header* headers,
                        std::span<const std::byte>* batches, std::int64_t now_ms) noexcept;
    void record_written(std::span<queued_append* const> written,
                        const record_batch_header* headers) noexcept;
    void flush_if_due(std::int64_t now_ms) noexcept;
    void complete_queued(std::size_t count, errc error) noexcept;
    void pass_writing_on() noexcept;
    bool roll_due(const record_batch_header& header, std::int64_t now_ms) const noexcept;
    task<status> roll(std::int64_t now_ms);
    // The seal task holds the log through a link that the destructor clears: a log destroyed
    // without close() (as in a crash) abandons its seals at their next step.
    struct seal_link {
        partition_log* log = nullptr;
    };
    static task<void> seal_loop(std::shared_ptr<seal_link> link);
    static task<status> seal(const std::shared_ptr<seal_link>& link, const std::string& dir,
                             const pending_seal& job);
    // Resumes once no seal is running (at once if none is); a seal that failed on something
    // other than its fdatasync (index files, directory sync, checkpoint: a full disk) stays
    // queued, to be retried by the next roll, flush() or close().
    task<void> wait_sealed();
    // Runs the queued seals (again) until none is left; the error of a seal that failed.
    task<status> finish_seals();
    durable_operation wait_durable(std::uint64_t sequence) noexcept;
    void start_flush(std::uint64_t sequence) noexcept;  // until batches 1..sequence are durable
    task<void> flush_loop();
    // Batches 1..`sequence`, holding the first `messages` records appended, are durable.
    void mark_durable(std::uint64_t sequence, std::uint64_t messages) noexcept;
    void fail_waiters(errc error) noexcept;
    std::size_t segment_index_for(std::int64_t offset) const noexcept;

    // partition_log_open.cpp
    task<status> load(log_recovery_report& report);
    task<status> recover_segments(std::int64_t recovery_point, bool clean,
                                  log_recovery_report& report);
    task<status> write_checkpoint_value(std::string_view name, std::int64_t value);
    // A recovery checkpoint's index of the active segment at its target: a chunk appended to
    // the file, or a whole file prepared as `temporary` (returned: the caller commits it, then
    // records it in _recovery_index_written). Either is synced; a failure only leaves the point
    // without it (see recovery_index.h).
    task<std::optional<recovery_index_written>> write_recovery_index(
        const segment_snapshot& snapshot, std::uint64_t truncations,
        const std::string& temporary);
    // fsync of the partition's directory. The directory is opened for each sync (rolls,
    // checkpoints, removals: rare), so an open log holds only its segments' descriptors.
    task<status> sync_dir();
    // fsync of the data directory (the partition directory's name), then of the partition's
    // directory; sets _directories_durable. On an error, `fsync_failed` says whether an fsync
    // failed (the log must fail: fsyncgate) rather than the open of a directory before it (no
    // descriptor free, EMFILE: nothing was synced or lost, a later attempt may succeed).
    task<status> sync_directories(bool& fsync_failed);
    // The same two fsyncs on paths the caller keeps alive, touching no member: for a seal, whose
    // log may be destroyed while it waits.
    static task<status> sync_directory_names(const std::string& data_dir, const std::string& dir,
                                             bool& fsync_failed);
    // close() under the append lock, between its two waits for the flush loop.
    task<status> close_locked();
    task<status> finish_close();  // close_locked() past its seals: flush, trim, sync, marker
    // The log of a partition directory made by this open: one empty segment, nothing synced.
    task<status> create_empty();

    // compactor.cpp
    struct cleanable_range {
        std::size_t dirty_index = 0;  // first segment holding offsets past the cleaner offset
        // First segment not cleanable: the active one, one too young, or one holding an
        // offset at or above the last stable offset.
        std::size_t end_index = 0;
        std::uint64_t clean_bytes = 0;
        std::uint64_t dirty_bytes = 0;
    };
    cleanable_range cleanable(std::int64_t now_ms, std::int64_t stable_end) const noexcept;
    // Replaces the consecutive segments `group` (still in place, each still `sizes` bytes) by
    // the cleaned file written at <first base>.log.cleaned, or removes them when `empty`;
    // false when the log moved on meanwhile.
    task<result<bool>> install_cleaned(std::span<const std::shared_ptr<segment>> group,
                                       std::span<const std::uint64_t> sizes, bool empty,
                                       cleaner_crash_point crash_at);
    task<result<bool>> clean_mapped(std::span<const std::shared_ptr<segment>> snapshot,
                                    std::size_t end, const offset_map& map,
                                    const aborted_batches& aborted,
                                    const compaction_options& options, cleaner_budget& budget,
                                    compaction_report& report);
    task<status> replace_by_swap(std::size_t index, std::size_t count,
                                 cleaner_crash_point crash_at);
    task<status> remove_emptied_segment(std::size_t index);
    task<result<std::int64_t>> first_batch_timestamp(const std::shared_ptr<segment>& source);

    // partition_log_maintenance.cpp
    task<status> truncate_fully(std::int64_t offset);
    task<status> remove_front_segments(std::size_t count);

    log_options _options;
    const log_clock* _clock;
    std::string _dir;
    std::vector<std::shared_ptr<segment>> _segments;
    // Reads are const to callers; recognising scans among them is the log's own bookkeeping.
    mutable scan_read_ahead _read_ahead;
    std::int64_t _log_start_offset = 0;
    std::int64_t _log_end_offset = 0;
    std::int64_t _recovery_point = 0;
    std::int64_t _active_created_ms = 0;
    std::int64_t _cleaner_offset = 0;
    compaction_failure _compaction_failure;
    // max.compaction.lag.ms: the first batch's max timestamp of dirty inactive segments (they
    // are immutable until cleaned), kept while the segment is in the log.
    std::vector<std::pair<std::weak_ptr<const segment>, std::int64_t>> _first_batch_timestamps;
    log_recovery_report _recovery;

    async_mutex _append_mutex;
    // Appends waiting to be written, in the order they started; the head's appender (or the one
    // running) writes the next group. Entries live in the appenders' frames.
    queued_append* _queue_head = nullptr;
    queued_append* _queue_tail = nullptr;
    bool _writer_active = false;
    std::uint64_t _group_write_count = 0;
    // Seals of rolled segments, oldest first; bounded by seals_pending_max.
    std::vector<pending_seal> _seals;
    bool _seal_running = false;
    errc _seal_error = errc::ok;  // why the last seal loop stopped with seals left
    seal_waiter* _seal_waiters = nullptr;
    std::shared_ptr<seal_link> _seal_link;
    // Group commit: batches are numbered as their writes complete; an fdatasync started when
    // _appended_sequence was N makes 1..N durable.
    std::uint64_t _appended_sequence = 0;
    std::uint64_t _durable_sequence = 0;
    std::uint64_t _flush_target = 0;  // the highest sequence a waiter or a flush policy asked for
    // Records appended and records made durable, counted from the open: flush.messages counts
    // the difference.
    std::uint64_t _appended_messages = 0;
    std::uint64_t _durable_messages = 0;
    std::int64_t _last_flush_ms = 0;
    durable_waiter* _waiters = nullptr;
    bool _flush_running = false;
    wait_group _flush_loops;  // the flush_loop running (0 or 1), for close() to wait for
    std::uint64_t _fdatasync_count = 0;
    // truncate_to counts up when it starts and when it ends (odd: running). A recovery
    // checkpoint that saw it change (or odd) is void: the offsets below its target may have been
    // cut and written again, unsynced.
    std::uint64_t _truncations = 0;
    std::uint64_t _recovery_checkpoints = 0;
    std::int64_t _recovery_checkpoint_ms = 0;
    // Where the recovery point lies in the active segment (its base, and the position of the
    // first batch at or past the point), for bytes_past_recovery_point.
    std::int64_t _recovery_point_base = -1;
    std::uint64_t _recovery_point_position = 0;
    bool _recovery_checkpoint_running = false;
    // The recovery index as this run last wrote it (a checkpoint appends to it); reset by
    // truncations, which remove the file.
    recovery_index_written _recovery_index_written;
    std::uint64_t _directory_sync_count = 0;
    // Creating a log syncs nothing (a new partition costs no fsync on the shard); the first time
    // something in it is promised durable (a flush of appended data, a roll, a checkpoint, a
    // close) the directories are synced first, once.
    bool _directories_durable = true;
    bool _failed = false;
    bool _closed = false;
};

}  // namespace laminar::storage
