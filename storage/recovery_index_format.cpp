// Faults and promises: see recovery_index.h.
#include "storage/recovery_index_format.h"

#include "core/byte_io.h"
#include "core/crc32c.h"
#include "core/endian.h"

namespace laminar::storage {

namespace {

// The chunk's state fields, entries aside.
struct chunk_state {
    std::int64_t next_offset = 0;
    std::uint64_t size = 0;
    std::int64_t max_timestamp = -1;
    std::int64_t offset_of_max_timestamp = -1;
    std::uint64_t bytes_since_index_entry = 0;
    std::uint32_t offset_count = 0;
    std::uint32_t time_count = 0;
};

bool read_chunk_state(byte_reader& reader, chunk_state& state) noexcept {
    return reader.get(state.next_offset) && reader.get(state.size) &&
           reader.get(state.max_timestamp) && reader.get(state.offset_of_max_timestamp) &&
           reader.get(state.bytes_since_index_entry) && reader.get(state.offset_count) &&
           reader.get(state.time_count);
}

// Whether the chunk at `start` (state read, entries next) is whole, fits after `parsed` and
// continues its CRC; then adds it.
bool take_chunk(std::span<const std::byte> bytes, std::size_t start, byte_reader& reader,
                const chunk_state& state, parsed_recovery_index& parsed) {
    auto& snapshot = parsed.snapshot;
    const std::uint64_t offsets = snapshot.offsets.size() + std::uint64_t{state.offset_count};
    const std::uint64_t times = snapshot.times.size() + std::uint64_t{state.time_count};
    const std::uint64_t entry_bytes = std::uint64_t{state.offset_count} * offset_index_entry_bytes +
                                      std::uint64_t{state.time_count} * time_index_entry_bytes;
    const bool fits = offsets <= recovery_index_entries_max &&
                      times <= recovery_index_entries_max && reader.left() >= entry_bytes + 4 &&
                      (parsed.chunks == 0 || (state.next_offset >= snapshot.next_offset &&
                                              state.size >= snapshot.size));
    if (!fits) return false;
    const std::size_t end = reader.at() + entry_bytes;
    const auto body = bytes.subspan(start, end - start);
    if (crc32c_extend(parsed.tail.crc, body) != load_be<std::uint32_t>(bytes.data() + end)) {
        return false;
    }
    for (std::uint32_t i = 0; i < state.offset_count; ++i) {
        offset_index_entry entry;
        (void)reader.get(entry.relative_offset);
        (void)reader.get(entry.position);
        snapshot.offsets.push_back(entry);
    }
    for (std::uint32_t i = 0; i < state.time_count; ++i) {
        time_index_entry entry;
        (void)reader.get(entry.timestamp);
        (void)reader.get(entry.relative_offset);
        snapshot.times.push_back(entry);
    }
    std::uint32_t crc = 0;
    (void)reader.get(crc);
    snapshot.next_offset = state.next_offset;
    snapshot.size = state.size;
    snapshot.max_timestamp = state.max_timestamp;
    snapshot.offset_of_max_timestamp = state.offset_of_max_timestamp;
    snapshot.bytes_since_index_entry = state.bytes_since_index_entry;
    parsed.tail = {reader.at(), crc, snapshot.offsets.size(), snapshot.times.size()};
    ++parsed.chunks;
    return true;
}

}  // namespace

std::vector<std::byte> encode_recovery_index(const segment_snapshot& snapshot,
                                             std::uint64_t file_id, recovery_index_tail& tail) {
    std::vector<std::byte> out;
    out.reserve(recovery_index_whole_bytes(snapshot.offsets.size(), snapshot.times.size()));
    byte_writer writer(out);
    writer.put(recovery_index_magic);
    writer.put(recovery_index_version);
    writer.put(snapshot.base_offset);
    writer.put(file_id);
    const std::uint32_t header_crc = crc32c(out);
    writer.put(header_crc);
    tail = {out.size(), header_crc, 0, 0};
    encode_recovery_index_chunk(snapshot, tail, out);
    return out;
}

void encode_recovery_index_chunk(const segment_snapshot& snapshot, recovery_index_tail& tail,
                                 std::vector<std::byte>& out) {
    const std::size_t start = out.size();
    const std::size_t offsets = snapshot.offsets.size() - tail.offsets;
    const std::size_t times = snapshot.times.size() - tail.times;
    out.reserve(start + recovery_index_chunk_overhead_bytes + offsets * offset_index_entry_bytes +
                times * time_index_entry_bytes);
    byte_writer writer(out);
    writer.put(snapshot.next_offset);
    writer.put(snapshot.size);
    writer.put(snapshot.max_timestamp);
    writer.put(snapshot.offset_of_max_timestamp);
    writer.put(snapshot.bytes_since_index_entry);
    writer.put(static_cast<std::uint32_t>(offsets));
    writer.put(static_cast<std::uint32_t>(times));
    for (std::size_t i = tail.offsets; i < snapshot.offsets.size(); ++i) {
        writer.put(snapshot.offsets[i].relative_offset);
        writer.put(snapshot.offsets[i].position);
    }
    for (std::size_t i = tail.times; i < snapshot.times.size(); ++i) {
        writer.put(snapshot.times[i].timestamp);
        writer.put(snapshot.times[i].relative_offset);
    }
    const std::uint32_t crc = crc32c_extend(tail.crc, std::span(out).subspan(start));
    writer.put(crc);
    tail = {tail.file_bytes + (out.size() - start), crc, snapshot.offsets.size(),
            snapshot.times.size()};
}

std::optional<parsed_recovery_index> parse_recovery_index(std::span<const std::byte> bytes,
                                                          std::int64_t next_offset_max) {
    byte_reader reader(bytes);
    std::uint32_t magic = 0;
    std::uint16_t version = 0;
    parsed_recovery_index parsed;
    std::uint32_t crc = 0;
    const bool read = reader.get(magic) && reader.get(version) &&
                      reader.get(parsed.snapshot.base_offset) && reader.get(parsed.file_id) &&
                      reader.get(crc);
    if (!read || magic != recovery_index_magic || version != recovery_index_version ||
        crc32c(bytes.first(recovery_index_header_bytes - 4)) != crc) {
        return std::nullopt;
    }
    parsed.tail = {recovery_index_header_bytes, crc, 0, 0};
    while (reader.left() >= recovery_index_chunk_overhead_bytes) {
        const std::size_t start = reader.at();
        chunk_state state;
        (void)read_chunk_state(reader, state);
        // Chunks go up in offsets: one past the limit ends the file for this caller.
        if (state.next_offset > next_offset_max) break;
        if (!take_chunk(bytes, start, reader, state, parsed)) break;
    }
    if (parsed.chunks == 0) return std::nullopt;
    return parsed;
}

}  // namespace laminar::storage
