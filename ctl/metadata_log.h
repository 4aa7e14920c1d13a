// The metadata log on disk: one file of framed batches of metadata records, appended and made
// durable (fdatasync) before a change is acknowledged. Until the Raft quorum replicates it, this
// file is the controller's whole memory.
//
// Faults tolerated: a crash at any point (kill -9, power loss after fdatasync returned). A batch
// is acknowledged only after the fdatasync that covers it; on open, a torn or corrupt tail (short
// frame, bad length, CRC mismatch, undecodable records) is cut off and everything before it is
// kept. Promise: every acknowledged batch is replayed on open, in order, exactly once.
//
// Frame: u32 magic "LMD1" | u32 payload length | u32 CRC32C(payload) | payload (records).
//
// @locality open() at startup on any thread; append() on the owning shard (io_uring).
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/task.h"
#include "core/unique_fd.h"
#include "ctl/metadata_records.h"

namespace laminar::ctl {

inline constexpr std::size_t metadata_batch_bytes_max = 64 * 1024 * 1024;

class metadata_log {
public:
    struct opened;
    // Opens or creates `directory`/metadata.log, returns the log and every intact batch.
    static result<opened, std::string> open(const std::filesystem::path& directory);

    metadata_log(metadata_log&&) noexcept = default;
    metadata_log& operator=(metadata_log&&) noexcept = default;

    // Appends one batch and returns once it is durable.
    task<status> append(std::span<const metadata_record> batch);

    std::uint64_t batches() const noexcept { return _batches; }
    std::uint64_t end_position() const noexcept { return _end; }
    // How many bytes of torn tail open() cut off (0 after a clean run).
    std::uint64_t truncated_bytes() const noexcept { return _truncated_bytes; }

private:
    metadata_log(unique_fd file, std::uint64_t end, std::uint64_t batches, std::uint64_t torn)
        : _file(std::move(file)), _end(end), _batches(batches), _truncated_bytes(torn) {}

    unique_fd _file;
    std::uint64_t _end = 0;
    std::uint64_t _batches = 0;
    std::uint64_t _truncated_bytes = 0;
};

struct metadata_log::opened {
    metadata_log log;
    std::vector<std::vector<metadata_record>> batches;
};

}  // namespace laminar::ctl
