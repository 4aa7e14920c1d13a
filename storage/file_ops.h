// Opening, writing and making files and directories through the shard's ring (io::openat, io::mkdirat): a
// path lookup that misses the cache, or a create that waits on the file system's journal, blocks
// one of the kernel's io_uring workers, not the shard, which keeps serving its other partitions.
// Nothing here syncs: callers decide when names must be durable (see partition_log.h).
//
// @locality owning shard (the calling thread's reactor).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/task.h"
#include "core/unique_fd.h"
#include "storage/errc.h"

namespace laminar::storage {

// open(2) of `path` (O_CLOEXEC added).
task<result<unique_fd>> open_file(const std::string& path, int flags, unsigned mode = 0644);
// The same for a file that may be missing: nullopt when it does not exist.
task<result<std::optional<unique_fd>>> open_existing_file(const std::string& path, int flags);
// mkdir(2) with mode 0755 (and of its parent first when that is missing): true when this call
// made the directory, false when it existed.
task<result<bool>> make_directory(const std::string& path);
// Writes all of `bytes` at `position` of `fd` (short writes continued; a write of 0 bytes is an
// I/O error).
task<status> write_fully(int fd, std::span<const std::byte> bytes, std::uint64_t position);

}  // namespace laminar::storage
