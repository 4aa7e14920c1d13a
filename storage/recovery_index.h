// The recovery index: what the recovery checkpoints know of the active segment below the
// recovery point (its size there, max timestamp, offset and time index entries), written beside
// the `recovery-point` file so that recovery after a crash starts the segment's CRC scan at the
// recovery point instead of walking every batch header below it (Kafka trusts segments below
// its recovery point and loads their index files; Laminar's active segment has no index file
// until it is sealed, so the checkpoints write this one).
//
// The file is a header and one chunk per checkpoint (recovery_index_format.h): a checkpoint
// appends only the entries added since the previous one and its state, with a CRC32C that
// continues the previous chunk's. It is rewritten whole (temporary + rename) when this run has
// not written it yet (the first checkpoint after open: a file of an earlier run, maybe torn or
// of another version, is never appended to), after a roll (another segment), a truncation (the
// file is removed), a failed write (the tail is unknown), or once appending would make it larger
// than twice a whole file plus recovery_index_slack_bytes (many chunks of few entries).
//
// Faults tolerated: a torn or damaged chunk (the CRC chain stops the parse there: the chunks
// before it are used, recovery walks the headers from their end), a stale tail of the file a
// rewrite replaced, past the new file's end (each whole file has its own random id, which seeds
// the chain: the old chunks do not continue it), a file whose header is torn, empty,
// zero-filled, garbage or of version 1 or 2 (rejected: recovery walks the headers from the
// segment's start), a stale file (an earlier checkpoint's: it describes a prefix of what the
// recovery point covers, and recovery walks headers from its end to the point), chunks past the
// point (appended, and the checkpoint crashed before the point's rename: recovery uses the last
// chunk at or below the point), a file of another segment or past the data (rejected by
// segment::adopt_snapshot). A file larger than recovery_index_bytes_max of what its segment can
// hold is not read. A file that cannot be read counts as missing. truncate_to removes the file
// durably before it cuts anything, whatever the recovery point (chunks past the point are still
// on disk), so a file present always describes the batches the log still holds at those
// offsets. A checkpoint that cannot write the file (a full disk) moves the point without it; the
// old file stays and describes a prefix of what the point covers, or another segment.
// Promises: a chunk or a whole file is fdatasynced before the checkpoint's recovery point moves
// past what it describes, so after a power loss the index covers the point unless its own write
// failed. A rewrite leaves the new file or the old one, whole (temporary + rename; the caller
// syncs the directory). An append leaves the file's earlier chunks as they were.
//
// @locality owning shard (I/O through the ring).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.h"
#include "storage/errc.h"
#include "storage/recovery_index_format.h"
#include "storage/segment.h"

namespace laminar::storage {

inline constexpr std::string_view recovery_index_file = "recovery-index";

// What this run wrote to the file, so the next checkpoint can append to it. base_offset -1: not
// known (nothing written yet, or the file changed since): the next checkpoint rewrites it.
struct recovery_index_written {
    std::int64_t base_offset = -1;
    recovery_index_tail tail;
    offset_index_entry last_offset;  // the last of each kind in the file, to check that a
    time_index_entry last_time;      // snapshot extends it
};
// Whether `snapshot` is `written`'s segment with the file's entries as its first ones, and its
// chunk keeps the file within the size bound.
bool recovery_index_appendable(const recovery_index_written& written,
                               const segment_snapshot& snapshot) noexcept;

// Writes <dir>/<temporary> (a name ending in checkpoint_temporary_suffix) and fdatasyncs it;
// commit renames it over <dir>/recovery-index. Returns what it wrote.
task<result<recovery_index_written>> prepare_recovery_index(const std::string& dir,
                                                            const std::string& temporary,
                                                            const segment_snapshot& snapshot);
status commit_recovery_index(const std::string& dir, const std::string& temporary);
// Appends the chunk that brings the file `written` describes to `snapshot` (appendable) and
// fdatasyncs it. A failure may leave part of the chunk: the file is then only good for a
// rewrite. The file missing (a truncation removed it) is a failure.
task<result<recovery_index_written>> append_recovery_index(const std::string& dir,
                                                           const recovery_index_written& written,
                                                           const segment_snapshot& snapshot);

// The file as read: whether it exists, and its snapshot as of its last intact chunk at or below
// `next_offset_max` (the recovery point), if any. Of a segment whose file holds
// `segment_file_bytes`: a file larger than such a segment's index can be is not read.
struct read_index {
    bool present = false;
    std::optional<segment_snapshot> snapshot;
    std::size_t chunks = 0;  // used
};
task<result<read_index>> read_recovery_index(const std::string& dir,
                                             std::uint64_t segment_file_bytes,
                                             std::int64_t next_offset_max);
// Durable once the caller syncs the directory.
status remove_recovery_index(const std::string& dir);

}  // namespace laminar::storage
