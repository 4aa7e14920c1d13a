// Small text files holding one offset each (recovery-point, log-start-offset), replaced
// crash-safely: write a temporary file, fsync it, rename it over the old one, fsync the directory.
//
// Faults tolerated: a crash at any point leaves either the old file or the new one, whole (rename
// is atomic; a leftover temporary is ignored and removed on open). Promises: once
// write_checkpoint returns success the new value survives a crash or power loss.
//
// @locality owning shard (I/O through the reactor's ring).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/task.h"
#include "storage/errc.h"

namespace laminar::storage {

inline constexpr std::string_view checkpoint_temporary_suffix = ".tmp";

// Replaces <dir>/<name> with `value`. dir_fd is an open descriptor of dir. On an error,
// `fsync_failed` (when given) says whether an fsync failed, of the file or of the directory:
// what reached the disk is then unknown and a retried fsync may report 0 with it lost
// (fsyncgate), so a caller that promises durability must fail. Otherwise nothing was synced
// and failed (a temporary that could not be made or written: EMFILE, ENOSPC): a retry is safe.
task<status> write_checkpoint(const std::string& dir, int dir_fd, const std::string& name,
                              std::int64_t value, bool* fsync_failed = nullptr);
// The same in two steps, for a writer that decides at the last moment (with no suspension in
// between) whether to replace the file: prepare writes and syncs <dir>/<temporary> (its name
// must end with checkpoint_temporary_suffix and differ from other writers' temporaries), commit
// renames it over <dir>/<name> (then sync the directory). Until the directory is synced a crash
// leaves the old value or the new one. `fsync_failed` as for write_checkpoint.
task<status> prepare_checkpoint(const std::string& dir, const std::string& temporary,
                                std::int64_t value, bool* fsync_failed = nullptr);
status commit_checkpoint(const std::string& dir, const std::string& temporary,
                         const std::string& name);
// The value, nullopt if the file does not exist, corrupt_log if it does not parse.
task<result<std::optional<std::int64_t>>> read_checkpoint(const std::string& dir,
                                                          const std::string& name);
// fsync of a directory, so created, renamed and removed names are durable.
task<status> sync_directory(int dir_fd);

// Test seam for the fsyncs made here (a checkpoint's file, sync_directory: storage's directory
// fsyncs; none is on the append path): while a fault is set, each asks it first, and an error it
// returns fails that fsync, unrun, as the disk's error would. Process-wide; none in production.
using fsync_fault = errc (*)(int fd);
void set_fsync_fault_for_testing(fsync_fault fault) noexcept;

// Text form: decimal digits and a newline; parse rejects anything else.
std::string format_checkpoint(std::int64_t value);
std::optional<std::int64_t> parse_checkpoint(std::string_view text) noexcept;

}  // namespace laminar::storage
