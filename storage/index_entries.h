// The index entries of a segment and a segment's state at a batch boundary: plain data shared by
// segment.h and the recovery index's format (recovery_index_format.h), which the fuzz build
// compiles without the reactor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace laminar::storage {

inline constexpr std::size_t offset_index_entry_bytes = 8;
inline constexpr std::size_t time_index_entry_bytes = 12;

// In memory; on disk each is encoded big-endian field by field (no struct is written as is).
struct offset_index_entry {
    std::uint32_t relative_offset = 0;
    std::uint32_t position = 0;
    bool operator==(const offset_index_entry&) const = default;
};
struct time_index_entry {
    std::int64_t timestamp = 0;
    std::uint32_t relative_offset = 0;
    bool operator==(const time_index_entry&) const = default;
};

// The most entries of either index a segment of `segment_file_bytes` can have: at most one per
// batch (each at least a batch header long), and the time index's closing entry. An index file
// holding more is garbage: recovery treats it as corrupt (rebuilds it) without reading it, so a
// huge file cannot make it allocate more than the segment could ever need.
constexpr std::uint64_t index_entries_max(std::uint64_t segment_file_bytes) noexcept {
    constexpr std::uint64_t batch_bytes_min = 61;  // record_batch_layout::header_bytes
    return segment_file_bytes / batch_bytes_min + 1;
}

static_assert(offset_index_entry_bytes == sizeof(std::uint32_t) + sizeof(std::uint32_t));
static_assert(time_index_entry_bytes == sizeof(std::int64_t) + sizeof(std::uint32_t));

// A segment's state at a batch boundary: its size there, the offset after the last batch, the max
// timestamp so far and the index entries (the recovery checkpoint's view of the active segment,
// see recovery_index.h).
struct segment_snapshot {
    std::int64_t base_offset = 0;
    std::int64_t next_offset = 0;
    std::uint64_t size = 0;
    std::int64_t max_timestamp = -1;
    std::int64_t offset_of_max_timestamp = -1;
    std::uint64_t bytes_since_index_entry = 0;
    std::vector<offset_index_entry> offsets;
    std::vector<time_index_entry> times;
    bool operator==(const segment_snapshot&) const = default;
};

}  // namespace laminar::storage
