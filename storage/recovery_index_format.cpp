// Faults and promises: see recovery_index.h.
#include "storage/recovery_index_format.h"

#include "core/crc32c.h"
#include "core/endian.h"

namespace laminar::storage {

namespace {

class byte_writer {
public:
    explicit byte_writer(std::vector<std::byte>& out) noexcept : _out(out) {}
    template <typename T>
    void put(T value) {
        const std::size_t at = _out.size();
        _out.resize(at + sizeof(T));
        store_be(_out.data() + at, value);
    }

private:
    std::vector<std::byte>& _out;
};

class byte_reader {
public:
    explicit byte_reader(std::span<const std::byte> in) noexcept : _in(in) {}
    template <typename T>
    bool get(T& value) noexcept {
        if (_in.size() - _at < sizeof(T)) return false;
        value = load_be<T>(_in.data() + _at);
        _at += sizeof(T);
        return true;
    }
    std::size_t left() const noexcept { return _in.size() - _at; }

private:
    std::span<const std::byte> _in;
    std::size_t _at = 0;
};

}  // namespace

std::vector<std::byte> encode_recovery_index(const segment_snapshot& snapshot) {
    std::vector<std::byte> out;
    out.reserve(recovery_index_header_bytes + snapshot.offsets.size() * offset_index_entry_bytes +
                snapshot.times.size() * time_index_entry_bytes + recovery_index_trailer_bytes);
    byte_writer writer(out);
    writer.put(recovery_index_magic);
    writer.put(recovery_index_version);
    writer.put(snapshot.base_offset);
    writer.put(snapshot.next_offset);
    writer.put(snapshot.size);
    writer.put(snapshot.max_timestamp);
    writer.put(snapshot.offset_of_max_timestamp);
    writer.put(snapshot.bytes_since_index_entry);
    writer.put(static_cast<std::uint32_t>(snapshot.offsets.size()));
    writer.put(static_cast<std::uint32_t>(snapshot.times.size()));
    for (const auto& entry : snapshot.offsets) {
        writer.put(entry.relative_offset);
        writer.put(entry.position);
    }
    for (const auto& entry : snapshot.times) {
        writer.put(entry.timestamp);
        writer.put(entry.relative_offset);
    }
    writer.put(crc32c(out));
    return out;
}

std::optional<segment_snapshot> parse_recovery_index(std::span<const std::byte> bytes) {
    if (bytes.size() < recovery_index_header_bytes + recovery_index_trailer_bytes) {
        return std::nullopt;
    }
    const auto body = bytes.first(bytes.size() - recovery_index_trailer_bytes);
    if (crc32c(body) != load_be<std::uint32_t>(bytes.data() + body.size())) return std::nullopt;
    byte_reader reader(body);
    std::uint32_t magic = 0;
    std::uint16_t version = 0;
    segment_snapshot snapshot;
    std::uint32_t offset_count = 0;
    std::uint32_t time_count = 0;
    const bool read = reader.get(magic) && reader.get(version) &&
                      reader.get(snapshot.base_offset) && reader.get(snapshot.next_offset) &&
                      reader.get(snapshot.size) && reader.get(snapshot.max_timestamp) &&
                      reader.get(snapshot.offset_of_max_timestamp) &&
                      reader.get(snapshot.bytes_since_index_entry) && reader.get(offset_count) &&
                      reader.get(time_count);
    if (!read || magic != recovery_index_magic || version != recovery_index_version ||
        offset_count > recovery_index_entries_max || time_count > recovery_index_entries_max ||
        reader.left() != std::uint64_t{offset_count} * offset_index_entry_bytes +
                             std::uint64_t{time_count} * time_index_entry_bytes) {
        return std::nullopt;
    }
    snapshot.offsets.resize(offset_count);
    for (auto& entry : snapshot.offsets) {
        (void)reader.get(entry.relative_offset);
        (void)reader.get(entry.position);
    }
    snapshot.times.resize(time_count);
    for (auto& entry : snapshot.times) {
        (void)reader.get(entry.timestamp);
        (void)reader.get(entry.relative_offset);
    }
    return snapshot;
}

}  // namespace laminar::storage
