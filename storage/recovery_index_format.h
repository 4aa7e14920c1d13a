// The recovery index file's bytes (see recovery_index.h): encode a whole file or one chunk to
// append, and a parse that accepts any input (fuzzed: tests/fuzz/recovery_index_fuzz.cpp).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "storage/index_entries.h"

namespace laminar::storage {

// Layout (big-endian). A header: magic u32, version u16, base offset i64, file id u64 (random,
// new for each whole file written), CRC32C u32 of those. Then one chunk per recovery checkpoint,
// appended: next offset i64, size u64, max timestamp i64, offset of max timestamp i64, bytes
// since the last index entry u64 (the segment's state at the checkpoint), offset entry count
// u32, time entry count u32, the entries added since the previous chunk (as in .index and
// .timeindex), and a CRC32C u32 over the chunk's bytes before it continued from the previous
// chunk's CRC (the header's for the first): a chunk is only valid after the very bytes it was
// appended to. The file id seeds the chain, so a chunk of another file of the same segment
// (a stale tail of the file this one replaced, after a crash) does not fit even where that
// file's bytes up to it were the same. The index is the header's base offset, every entry of
// the chunks in order, and the last chunk's state.
// Version 1 (one block, rewritten whole at every checkpoint) and version 2 (no file id: every
// file of a segment started its chain from the same CRC) are not read: recovery walks the
// headers instead, and the next checkpoint writes version 3.
inline constexpr std::uint32_t recovery_index_magic = 0x4c524958;  // "LRIX"
inline constexpr std::uint16_t recovery_index_version = 3;
inline constexpr std::size_t recovery_index_header_bytes = 4 + 2 + 8 + 8 + 4;
inline constexpr std::size_t recovery_index_chunk_overhead_bytes = 8 * 5 + 4 + 4 + 4;
// A bound on what parse accepts: a 2 GiB segment at one entry per 64 bytes.
inline constexpr std::uint32_t recovery_index_entries_max = 1u << 25;
// The appender rewrites the file whole once appending would make it larger than twice a whole
// file of the same entries plus this: chunks of checkpoints that added few entries (a slow log)
// cannot make the file grow without bound, and a rewrite costs at most what was appended since
// the last one.
inline constexpr std::uint64_t recovery_index_slack_bytes = 64 << 10;

// Bytes of a whole file (one chunk) holding `entries` offset and `entries` time entries.
constexpr std::uint64_t recovery_index_whole_bytes(std::uint64_t offset_entries,
                                                   std::uint64_t time_entries) noexcept {
    return recovery_index_header_bytes + recovery_index_chunk_overhead_bytes +
           offset_entries * offset_index_entry_bytes + time_entries * time_index_entry_bytes;
}
// The largest file the appender leaves for at most `entries` of each kind: bigger is garbage.
constexpr std::uint64_t recovery_index_bytes_max(std::uint64_t entries) noexcept {
    return 2 * recovery_index_whole_bytes(entries, entries) + recovery_index_slack_bytes +
           recovery_index_chunk_overhead_bytes;
}

// Where a file ends and what its last chunk continues from: what the appender needs to add one.
struct recovery_index_tail {
    std::uint64_t file_bytes = 0;
    std::uint32_t crc = 0;
    std::size_t offsets = 0;  // entries in the file
    std::size_t times = 0;
    bool operator==(const recovery_index_tail&) const = default;
};

// A whole file: the header (with `file_id`, which no earlier file of the segment may have had:
// a random one) and one chunk holding every entry of `snapshot`.
std::vector<std::byte> encode_recovery_index(const segment_snapshot& snapshot,
                                             std::uint64_t file_id, recovery_index_tail& tail);
// Appends to `out` the chunk that brings a file ending at `tail` (of this snapshot's segment,
// holding a prefix of its entries) to `snapshot`, and moves `tail` past it.
void encode_recovery_index_chunk(const segment_snapshot& snapshot, recovery_index_tail& tail,
                                 std::vector<std::byte>& out);

struct parsed_recovery_index {
    std::uint64_t file_id = 0;
    segment_snapshot snapshot;  // as of the last chunk used
    recovery_index_tail tail;   // the end of that chunk
    std::size_t chunks = 0;     // used
    bool operator==(const parsed_recovery_index&) const = default;
};
// The index as of its last intact chunk whose next offset is at most `next_offset_max` (a later
// one says more than the recovery point covers); a torn or damaged chunk and everything after
// it are ignored. nullopt when the header is not intact and of this version, or no chunk is
// usable (any input is safe: fuzzed).
std::optional<parsed_recovery_index> parse_recovery_index(
    std::span<const std::byte> bytes,
    std::int64_t next_offset_max = std::numeric_limits<std::int64_t>::max());

}  // namespace laminar::storage
