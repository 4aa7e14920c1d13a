// One segment of a partition log: <base_offset>.log holding whole record batches back to back,
// its sparse offset index (.index) and time index (.timeindex), named and formatted as Kafka's.
//
// Faults tolerated: a crash with the log file's tail torn, zero-filled (preallocated but never
// written) or holding garbage; index files missing, short, stale or inconsistent (they are
// rebuilt from the log, which is the only source of truth); on the write path, a page-cache write
// that would block or that the file system cannot start without blocking (pwritev2 RWF_NOWAIT
// gives EAGAIN, or EOPNOTSUPP and the shard does not allow a blocking inline write of that size:
// the write goes through the ring instead), partial writes (continued
// where they stopped) and write errors (returned; the write head does not move, and what reached
// the file past it is unknown). Promises: append() records a batch (size, offsets, indexes) only
// once all of its bytes were written; recover() leaves exactly
// the longest prefix of valid, offset-ordered batches (anything after it cut off the file and
// synced), with indexes rebuilt to match; persist_indexes() makes the index files durable and
// consistent with the log as it is at that moment.
//
// Index formats (big-endian, as Kafka): .index entries are 8 bytes, relative offset u32 then
// position u32, one per index.interval.bytes of log, mapping the last offset of a batch to the
// position where that batch starts. .timeindex entries are 12 bytes, timestamp i64 then relative
// offset u32, with strictly increasing timestamps (the max timestamp so far and its offset).
// Both are kept in memory (8 bytes per 4 KiB of log) and written whole at roll and close.
//
// @locality owning shard of the partition.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_batch.h"
#include "core/task.h"
#include "core/unique_fd.h"
#include "storage/errc.h"
#include "storage/index_entries.h"

namespace laminar::storage {

inline constexpr std::string_view log_suffix = ".log";
inline constexpr std::string_view index_suffix = ".index";
inline constexpr std::string_view time_index_suffix = ".timeindex";
// "00000000000000000042.log" for (42, ".log"); parse gives the base offset back.
std::string segment_file_name(std::int64_t base_offset, std::string_view suffix);
std::optional<std::int64_t> parse_segment_file_name(std::string_view name,
                                                    std::string_view suffix) noexcept;

// What recover() found.
struct segment_recovery {
    std::uint64_t valid_bytes = 0;
    std::uint64_t batches = 0;
    std::uint64_t trusted_bytes = 0;  // walked by headers only (below the trusted offset)
    std::uint64_t scanned_bytes = 0;  // read and CRC-checked (the rest of the valid bytes)
    std::uint64_t indexed_bytes = 0;  // taken from a recovery index, not read at all
    std::uint64_t dropped_bytes = 0;  // cut off after the last valid batch (torn, garbage, zeros)
    std::uint64_t zero_bytes_kept = 0;  // a zero tail left in place (see recover's keep_zero_tail)
    bool zero_tail = false;           // the scan ended on zeros (preallocated, never written)
};

// A batch located by a walk over headers.
struct located_batch {
    std::uint64_t position = 0;
    record_batch_header header;
};

// A walk for a leader epoch: the largest partition leader epoch at or below the one asked for
// among the batches before the first batch whose epoch is above it (-1: none), and that batch.
struct epoch_scan {
    std::int32_t floor_epoch = -1;
    std::optional<located_batch> above;
};

// The most batches one write covers (one pwritev2 or ring writev): a bound on a group write.
inline constexpr std::size_t group_write_batches_max = 64;

// What a group write did: its first `batches` were written whole and recorded; the rest were not,
// because of `error` (errc::ok when all were).
struct group_write {
    std::size_t batches = 0;
    errc error = errc::ok;
};

// Where the header reads of a lookup run: tried on the shard thread first (cached pages cost
// no hand-off), or in the ring's workers from the start (a scan of cold data, whose misses
// would start the kernel's read-ahead on the shard thread: core/worker_read.h).
enum class header_reads { shard_first, in_workers };

class segment {
public:
    // Creates empty files (truncating leftovers) for a new segment, through the ring; nothing is
    // synced (the log syncs its directory before it promises anything in the segment durable).
    static task<result<std::shared_ptr<segment>>> create(const std::string& dir,
                                                         std::int64_t base_offset);
    // Opens an existing segment through the ring; its size is the file size until recover() or
    // load_indexes() says otherwise.
    static task<result<std::shared_ptr<segment>>> open(const std::string& dir,
                                                       std::int64_t base_offset);

    segment(const segment&) = delete;
    segment& operator=(const segment&) = delete;

    std::int64_t base_offset() const noexcept { return _base_offset; }
    std::int64_t next_offset() const noexcept { return _next_offset; }  // last offset + 1
    std::uint64_t size_bytes() const noexcept { return _size; }
    std::uint64_t allocated_bytes() const noexcept { return _allocated; }
    bool empty() const noexcept { return _size == 0; }
    std::int64_t max_timestamp() const noexcept { return _max_timestamp; }
    int fd() const noexcept { return _log.get(); }
    const std::string& log_path() const noexcept { return _log_path; }
    const std::vector<offset_index_entry>& offset_entries() const noexcept { return _offsets; }
    const std::vector<time_index_entry>& time_entries() const noexcept { return _times; }

    // The first reservation of a segment when extents are larger (see preallocate).
    static constexpr std::uint64_t first_extent_bytes = 64 << 10;

    // Makes [allocated, end) exist as zero-filled file space, in steps that double with the
    // segment's size from first_extent_bytes up to extent_bytes, never past limit_bytes (or end).
    task<status> preallocate(std::uint64_t end, std::uint64_t extent_bytes,
                             std::uint64_t limit_bytes);
    // Writes whole batches back to back at the write head with one vectored write (at most
    // group_write_batches_max); records each batch all of whose bytes were written (size,
    // offsets, indexes). After an error, bytes of the first batch not recorded may lie past the
    // write head.
    task<group_write> append(std::span<const std::span<const std::byte>> batches,
                             std::span<const record_batch_header> headers,
                             std::uint32_t index_interval_bytes);
    // One batch written on the shard thread only (write_inline), no coroutine frame: true once
    // all of it was written and recorded; false leaves the write head and state as they were
    // (a part written lies past the head) for append() to write it again.
    bool append_inline(std::span<const std::byte> batch, const record_batch_header& header,
                       std::uint32_t index_interval_bytes);
    // One batch: a group of one.
    task<status> append(std::span<const std::byte> batch, const record_batch_header& header,
                        std::uint32_t index_interval_bytes);
    task<status> sync();  // fdatasync of the log file

    // Scans the whole log file, keeps the valid prefix (batches with offsets from
    // `first_offset_min` on, increasing), cuts the rest off and rebuilds the indexes. Batches
    // wholly below `trusted_below` (a recovery point inside this segment: they were synced
    // before it was written) are walked by their headers only (length, magic, offsets; no CRC,
    // as for a sealed segment); the first batch reaching it and every later one are read whole
    // and CRC-checked. A walk that goes wrong cuts there, as a scan would. With
    // `keep_zero_tail` (the active segment) a tail past the last batch that holds only zeros
    // (checked: what lseek(SEEK_DATA) reports as data is read, holes and unwritten extents
    // are zeros) stays as preallocated space, with no cut and no fdatasync; any other tail is
    // cut off and the cut synced.
    // With `known` (a recovery index of this segment whose next offset is at most
    // `trusted_below`), the batches it covers are neither read nor walked: its state is taken
    // as it is once adopt_snapshot accepts it, and the walk or scan starts at its size.
    task<result<segment_recovery>> recover(std::int64_t first_offset_min,
                                           std::uint32_t batch_bytes_max,
                                           std::uint32_t index_interval_bytes,
                                           std::int64_t trusted_below = -1,
                                           bool keep_zero_tail = false,
                                           const segment_snapshot* known = nullptr);
    // The state now (the recovery checkpoint takes it with the log end it checkpoints).
    segment_snapshot snapshot() const;
    // After load_indexes: checks the batches from the last index entry to the end of the file
    // (CRC, offsets, nothing after them), a cheap check of a segment not scanned in full.
    task<result<bool>> verify_tail(std::uint32_t batch_bytes_max);
    // Loads the index files of a segment closed cleanly and checks them against the log;
    // false when they are missing or inconsistent (then call recover()).
    task<result<bool>> load_indexes(std::int64_t next_offset);
    // Writes both index files whole and syncs them (with a last time entry for the max).
    task<status> persist_indexes();
    // Gives back the preallocated tail: the file ends at the last batch.
    status trim();
    // Removes every batch at or after `position` (a batch boundary), durably.
    task<status> truncate_to_position(std::uint64_t position, std::int64_t next_offset);
    // Unlinks the three files; open descriptors (readers) keep working until released.
    void remove_files() noexcept;

    // The first batch with last offset >= offset, among batches before `size_limit`.
    task<result<std::optional<located_batch>>> find_offset(
        std::int64_t offset, std::uint64_t size_limit,
        header_reads where = header_reads::shard_first) const;
    // The first batch with max_timestamp >= timestamp.
    task<result<std::optional<located_batch>>> find_timestamp(std::int64_t timestamp,
                                                              std::uint64_t size_limit) const;
    // Walks batch headers from the start (epochs never decrease along a log) until the first
    // batch with partition leader epoch > epoch; `scan.floor_epoch` carries over from earlier
    // segments. Batches without an epoch (-1) count for neither.
    task<status> scan_epochs(std::int32_t epoch, std::uint64_t size_limit,
                             epoch_scan& scan) const;
    // End of the run of whole batches from `start` (a batch boundary) that fits in max_bytes,
    // and always at least the first batch.
    task<result<std::uint64_t>> whole_batches_end(
        std::uint64_t start, std::uint64_t max_bytes, std::uint64_t size_limit,
        header_reads where = header_reads::shard_first) const;
    // The same from a batch a lookup has located, whose header is not read again.
    task<result<std::uint64_t>> whole_batches_end(const located_batch& first,
                                                  std::uint64_t max_bytes,
                                                  std::uint64_t size_limit,
                                                  header_reads where) const;

private:
    struct scan_outcome {
        std::uint64_t end = 0;        // after the last valid batch
        std::int64_t next_offset = 0;  // its last offset + 1
        std::uint64_t batches = 0;
        std::uint64_t trusted_end = 0;  // after the last batch walked by its header only
        bool zero_tail = false;
    };
    // Walks valid batches from `from` (length, magic, CRC, increasing offsets); with `rebuild`
    // records each one (size, offsets, indexes). Batches wholly below `trusted_below` are
    // checked by their headers only.
    task<result<scan_outcome>> scan(std::uint64_t from, std::uint64_t file_size,
                                    std::int64_t first_offset_min, std::uint32_t batch_bytes_max,
                                    std::uint32_t index_interval_bytes, bool rebuild,
                                    std::int64_t trusted_below = -1);
    // Takes `known` as this segment's state if it fits the file of `file_size` bytes: same base,
    // sizes and offsets in range, entries ordered, and the batch at the last offset entry (one
    // header read) is where the entry says. False leaves the state reset.
    task<result<bool>> adopt_snapshot(const segment_snapshot& known, std::uint64_t file_size,
                                      std::int64_t first_offset_min);
    // Whether [from, to) of the log file holds only zeros, reading at most zero_check_bytes_max
    // of it (false beyond: the caller cuts instead).
    task<result<bool>> holds_only_zeros(std::uint64_t from, std::uint64_t to) const;
    // What a write at the write head moved: all the bytes asked, or fewer and the error.
    struct head_write {
        std::uint64_t bytes = 0;
        errc error = errc::ok;
    };
    // Writes the parts back to back at the write head (_size) plus `offset`, which it does not
    // move. `parts` is consumed (advanced past what was written).
    task<head_write> write_at_head(std::span<iovec> parts, std::uint64_t offset);
    // What of write_at_head needs no ring: writes on the shard thread from the write head until
    // all is written or the ring is needed; returns the bytes written, `parts` advanced past them.
    std::uint64_t write_inline(std::span<iovec>& parts);
    // One attempt on the shard thread at writing `parts` at `position`; 0: the ring must.
    std::size_t write_inline_once(std::span<iovec> parts, std::uint64_t position);
    segment(std::string dir, std::int64_t base_offset, unique_fd log);
    void record_batch(std::uint64_t position, const record_batch_header& header,
                      std::uint32_t index_interval_bytes);
    void reset_indexes() noexcept;
    std::uint64_t floor_position(std::int64_t offset) const noexcept;
    std::string path_of(std::string_view suffix) const;
    task<result<std::optional<located_batch>>> walk(std::uint64_t from, std::uint64_t size_limit,
                                                    std::int64_t offset, std::int64_t timestamp,
                                                    header_reads where) const;

    std::string _dir;
    std::string _log_path;
    std::int64_t _base_offset;
    unique_fd _log;
    std::uint64_t _size = 0;
    std::uint64_t _allocated = 0;
    std::int64_t _next_offset;
    std::int64_t _max_timestamp = -1;
    std::int64_t _offset_of_max_timestamp = -1;
    std::uint64_t _bytes_since_index_entry = 0;
    std::vector<offset_index_entry> _offsets;
    std::vector<time_index_entry> _times;
    bool _preallocation_unsupported = false;
    bool _nowait_unsupported = false;  // pwritev2(RWF_NOWAIT) refused: pwritev inline or the ring
};

}  // namespace laminar::storage
