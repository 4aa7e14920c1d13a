// The recovery index: what the recovery checkpoint knows of the active segment below the
// recovery point (its size there, max timestamp, offset and time index entries), written beside
// the `recovery-point` file so that recovery after a crash starts the segment's CRC scan at the
// recovery point instead of walking every batch header below it (Kafka trusts segments below
// its recovery point and loads their index files; Laminar's active segment has no index file
// until it is sealed, so the checkpoint writes this one).
//
// Faults tolerated: a torn, empty, zero-filled or garbage file (the CRC32C over the whole file
// and the field checks reject it: recovery then walks the headers as before), a stale file (an
// earlier checkpoint's: it describes a prefix of what the recovery point covers, and recovery
// walks headers from its end to the point), a file of another segment or past the data
// (rejected by segment::adopt_snapshot). A file that says more than the recovery point covers
// (the checkpoint renamed it and crashed before the point) is rejected too; a file that cannot
// be read counts as missing. truncate_to removes the file durably before it cuts anything,
// whatever the recovery point (a rejected file past the point is still on disk), so a file
// present always describes the batches the log still holds at those offsets.
// A checkpoint that cannot write the file (a full disk) moves the point without it; the old file
// stays and describes a prefix of what the point covers, or another segment.
// Promises: write_recovery_index leaves the new file or the old one, whole (temporary + rename;
// the caller syncs the directory). No fdatasync: a file whose bytes did not reach the disk fails
// its CRC and only costs the header walk.
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

// Writes <dir>/<temporary> (a name ending in checkpoint_temporary_suffix); commit renames it
// over <dir>/recovery-index.
task<status> prepare_recovery_index(const std::string& dir, const std::string& temporary,
                                    const segment_snapshot& snapshot);
status commit_recovery_index(const std::string& dir, const std::string& temporary);
// The file as read: whether it exists, and its snapshot if it parses. Of a segment whose file
// holds `segment_file_bytes`: a file with more entries than it can hold is not read (no snapshot).
struct read_index {
    bool present = false;
    std::optional<segment_snapshot> snapshot;
};
task<result<read_index>> read_recovery_index(const std::string& dir,
                                             std::uint64_t segment_file_bytes);
// Durable once the caller syncs the directory.
status remove_recovery_index(const std::string& dir);

}  // namespace laminar::storage
