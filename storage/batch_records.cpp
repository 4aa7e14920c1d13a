#include "storage/batch_records.h"

#include <limits>

#include "core/endian.h"

namespace laminar::storage {

namespace {

namespace layout = record_batch_layout;

// A bounded reader of zig-zag varints over one span.
class varint_reader {
public:
    explicit varint_reader(std::span<const std::byte> bytes, std::size_t at) noexcept
        : _bytes(bytes), _at(at) {}

    bool read_varlong(std::int64_t& value) noexcept {
        std::uint64_t raw = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (_at >= _bytes.size()) return false;
            const auto byte = static_cast<std::uint8_t>(_bytes[_at++]);
            raw |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) {
                value = static_cast<std::int64_t>(raw >> 1) ^ -static_cast<std::int64_t>(raw & 1);
                return true;
            }
        }
        return false;  // more than 10 bytes
    }
    bool read_varint(std::int32_t& value) noexcept {
        std::int64_t wide = 0;
        if (!read_varlong(wide) || wide < std::numeric_limits<std::int32_t>::min() ||
            wide > std::numeric_limits<std::int32_t>::max()) {
            return false;
        }
        value = static_cast<std::int32_t>(wide);
        return true;
    }
    bool skip(std::size_t count) noexcept {
        if (count > _bytes.size() - _at) return false;
        _at += count;
        return true;
    }
    // A length-prefixed field (-1: null); begin is where its bytes start.
    bool read_field(std::int32_t& length, std::size_t& begin) noexcept {
        if (!read_varint(length) || length < -1) return false;
        begin = _at;
        return length < 0 || skip(static_cast<std::size_t>(length));
    }
    std::size_t position() const noexcept { return _at; }

private:
    std::span<const std::byte> _bytes;
    std::size_t _at;
};

bool parse_one(std::span<const std::byte> records, std::size_t at,
               const record_batch_header& header, record_entry& entry) {
    varint_reader reader(records, at);
    std::int32_t length = 0;
    if (!reader.read_varint(length) || length <= 0) return false;
    const std::size_t body = reader.position();
    if (static_cast<std::size_t>(length) > records.size() - body) return false;
    const std::size_t end = body + static_cast<std::size_t>(length);
    varint_reader fields(records.first(end), body);
    std::int64_t timestamp_delta = 0;
    std::int32_t offset_delta = 0;
    std::int32_t value_length = 0;
    std::size_t value_begin = 0;
    std::int32_t headers = 0;
    if (!fields.skip(1) || !fields.read_varlong(timestamp_delta)) return false;
    entry.attributes_at = body;
    entry.after_timestamp = fields.position();
    entry.timestamp_delta = timestamp_delta;
    if (!fields.read_varint(offset_delta) || offset_delta < 0 ||
        offset_delta > header.last_offset_delta ||
        !fields.read_field(entry.key_length, entry.key_begin) ||
        !fields.read_field(value_length, value_begin) || !fields.read_varint(headers) ||
        headers < 0) {
        return false;
    }
    for (std::int32_t i = 0; i < headers; ++i) {
        std::int32_t header_length = 0;
        std::size_t header_begin = 0;
        if (!fields.read_field(header_length, header_begin) || header_length < 0 ||
            !fields.read_field(header_length, header_begin)) {
            return false;
        }
    }
    if (fields.position() != end) return false;
    entry.offset = header.base_offset + offset_delta;
    entry.begin = at;
    entry.end = end;
    entry.tombstone = value_length < 0;
    return true;
}

void put_varlong(std::vector<std::byte>& out, std::int64_t value) {
    auto raw = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
    while (raw >= 0x80) {
        out.push_back(static_cast<std::byte>((raw & 0x7f) | 0x80));
        raw >>= 7;
    }
    out.push_back(static_cast<std::byte>(raw));
}

// The record again with its timestamp delta relative to `base_timestamp` instead of the batch's.
void put_rebased_record(std::span<const std::byte> records, const record_entry& entry,
                        std::int64_t old_base_timestamp, std::int64_t base_timestamp,
                        std::vector<std::byte>& out) {
    const std::int64_t timestamp = wrapping_add(old_base_timestamp, entry.timestamp_delta);
    std::vector<std::byte> body;
    body.push_back(records[entry.attributes_at]);
    put_varlong(body, static_cast<std::int64_t>(static_cast<std::uint64_t>(timestamp) -
                                                static_cast<std::uint64_t>(base_timestamp)));
    body.insert(body.end(), records.begin() + static_cast<std::ptrdiff_t>(entry.after_timestamp),
                records.begin() + static_cast<std::ptrdiff_t>(entry.end));
    put_varlong(out, static_cast<std::int64_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
}

}  // namespace

result<std::span<const std::byte>> batch_records_bytes(std::span<const std::byte> batch,
                                                       const record_batch_header& header,
                                                       std::vector<std::byte>& scratch) {
    if (batch.size() < layout::header_bytes || header.total_bytes() != batch.size()) {
        return fail(errc::corrupt_log);
    }
    const auto body = batch.subspan(layout::header_bytes);
    const auto codec = compression_codec_from_attributes(static_cast<std::uint16_t>(
        header.attributes));
    if (!codec) return fail(errc::corrupt_log);
    if (*codec == compression_codec::none) return body;
    scratch.clear();
    if (!decompress(*codec, body, scratch, batch_records_bytes_max)) {
        return fail(errc::corrupt_log);
    }
    return std::span<const std::byte>(scratch);
}

status parse_batch_records(std::span<const std::byte> records, const record_batch_header& header,
                           std::vector<record_entry>& out) {
    out.clear();
    if (header.records_count < 0) return fail(errc::corrupt_log);
    std::size_t at = 0;
    std::int64_t previous_offset = -1;
    for (std::int32_t i = 0; i < header.records_count; ++i) {
        record_entry entry;
        if (!parse_one(records, at, header, entry)) return fail(errc::corrupt_log);
        if (entry.offset <= previous_offset) return fail(errc::corrupt_log);
        previous_offset = entry.offset;
        at = entry.end;
        out.push_back(entry);
    }
    if (at != records.size()) return fail(errc::corrupt_log);
    return {};
}

status rebuild_batch(std::span<const std::byte> batch, const record_batch_header& header,
                     std::span<const std::byte> records, std::span<const record_entry> kept,
                     std::vector<std::byte>& out, std::optional<std::int64_t> delete_horizon_ms) {
    if (kept.empty() || batch.size() < layout::header_bytes) return fail(errc::invalid_argument);
    const auto codec = compression_codec_from_attributes(static_cast<std::uint16_t>(
        header.attributes));
    if (!codec) return fail(errc::corrupt_log);
    std::vector<std::byte> plain;
    for (const auto& entry : kept) {
        if (entry.end > records.size() || entry.begin >= entry.end ||
            entry.attributes_at <= entry.begin || entry.after_timestamp <= entry.attributes_at ||
            entry.after_timestamp > entry.end) {
            return fail(errc::invalid_argument);
        }
        if (delete_horizon_ms) {
            put_rebased_record(records, entry, header.base_timestamp, *delete_horizon_ms, plain);
            continue;
        }
        plain.insert(plain.end(), records.begin() + static_cast<std::ptrdiff_t>(entry.begin),
                     records.begin() + static_cast<std::ptrdiff_t>(entry.end));
    }
    const std::size_t start = out.size();
    out.insert(out.end(), batch.begin(),
               batch.begin() + static_cast<std::ptrdiff_t>(layout::header_bytes));
    if (delete_horizon_ms) {
        auto* written = out.data() + start;
        store_be<std::int16_t>(written + layout::attributes,
                               static_cast<std::int16_t>(header.attributes |
                                                         record_batch_attributes::delete_horizon));
        store_be<std::int64_t>(written + layout::base_timestamp, *delete_horizon_ms);
    }
    if (*codec == compression_codec::none) {
        out.insert(out.end(), plain.begin(), plain.end());
    } else if (!compress(*codec, plain, out)) {
        out.resize(start);
        return fail(errc::invalid_argument);
    }
    const std::size_t total = out.size() - start;
    if (total - layout::length_field_end > static_cast<std::size_t>(INT32_MAX)) {
        out.resize(start);
        return fail(errc::batch_too_large);
    }
    auto rebuilt = std::span(out).subspan(start);
    store_be<std::int32_t>(rebuilt.data() + layout::batch_length,
                           static_cast<std::int32_t>(total - layout::length_field_end));
    store_be<std::int32_t>(rebuilt.data() + layout::records_count,
                           static_cast<std::int32_t>(kept.size()));
    store_be<std::uint32_t>(rebuilt.data() + layout::crc, compute_record_batch_crc(rebuilt));
    return {};
}

}  // namespace laminar::storage
