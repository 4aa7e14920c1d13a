#include "net/kafka/wire.h"

#include <bit>
#include <cstring>
#include <limits>

#include "core/endian.h"

namespace laminar::kafka {

std::string_view to_string(codec_error error) noexcept {
    switch (error) {
    case codec_error::truncated: return "truncated";
    case codec_error::invalid_length: return "invalid_length";
    case codec_error::invalid_varint: return "invalid_varint";
    case codec_error::invalid_value: return "invalid_value";
    case codec_error::trailing_bytes: return "trailing_bytes";
    case codec_error::unsupported_version: return "unsupported_version";
    case codec_error::unknown_api: return "unknown_api";
    case codec_error::too_large: return "too_large";
    case codec_error::corrupt_records: return "corrupt_records";
    }
    return "unknown";
}

template <typename T>
codec_result<T> reader::read_fixed() noexcept {
    if (remaining() < sizeof(T)) return fail(codec_error::truncated);
    T value = load_be<T>(_data.data() + _position);
    _position += sizeof(T);
    return value;
}

codec_result<std::int8_t> reader::read_int8() noexcept { return read_fixed<std::int8_t>(); }
codec_result<std::int16_t> reader::read_int16() noexcept { return read_fixed<std::int16_t>(); }
codec_result<std::int32_t> reader::read_int32() noexcept { return read_fixed<std::int32_t>(); }
codec_result<std::int64_t> reader::read_int64() noexcept { return read_fixed<std::int64_t>(); }
codec_result<std::uint16_t> reader::read_uint16() noexcept { return read_fixed<std::uint16_t>(); }
codec_result<std::uint32_t> reader::read_uint32() noexcept { return read_fixed<std::uint32_t>(); }

codec_result<double> reader::read_float64() noexcept {
    auto raw = read_fixed<std::uint64_t>();
    if (!raw) return fail(raw.error());
    return std::bit_cast<double>(*raw);
}

codec_result<uuid> reader::read_uuid() noexcept {
    if (remaining() < 16) return fail(codec_error::truncated);
    uuid value;
    std::memcpy(value.value.data(), _data.data() + _position, 16);
    _position += 16;
    return value;
}

codec_result<std::uint64_t> reader::read_unsigned_varlong(int bytes_max) noexcept {
    std::uint64_t value = 0;
    for (int index = 0; index < bytes_max; ++index) {
        if (remaining() == 0) return fail(codec_error::truncated);
        auto byte = static_cast<std::uint8_t>(_data[_position++]);
        value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * index);
        if ((byte & 0x80) == 0) return value;
    }
    return fail(codec_error::invalid_varint);
}

codec_result<std::uint32_t> reader::read_unsigned_varint() noexcept {
    auto value = read_unsigned_varlong(5);
    if (!value) return fail(value.error());
    if (*value > std::numeric_limits<std::uint32_t>::max()) {
        return fail(codec_error::invalid_varint);
    }
    return static_cast<std::uint32_t>(*value);
}

codec_result<std::int32_t> reader::read_varint() noexcept {
    auto raw = read_unsigned_varint();
    if (!raw) return fail(raw.error());
    return static_cast<std::int32_t>((*raw >> 1) ^ (~(*raw & 1) + 1));
}

codec_result<std::int64_t> reader::read_varlong() noexcept {
    auto raw = read_unsigned_varlong(10);
    if (!raw) return fail(raw.error());
    return static_cast<std::int64_t>((*raw >> 1) ^ (~(*raw & 1) + 1));
}

codec_result<std::span<const std::byte>> reader::read_span(std::size_t count) noexcept {
    if (remaining() < count) return fail(codec_error::truncated);
    auto view = _data.subspan(_position, count);
    _position += count;
    return view;
}

codec_result<std::int32_t> reader::checked_length(std::int64_t length,
                                                  codec_error beyond) noexcept {
    if (length < -1 || length > std::numeric_limits<std::int32_t>::max()) {
        return fail(codec_error::invalid_length);
    }
    if (length > static_cast<std::int64_t>(remaining())) return fail(beyond);
    return static_cast<std::int32_t>(length);
}

codec_result<std::int32_t> reader::read_string_length(bool compact) noexcept {
    if (compact) return read_bytes_length(true);
    auto length = read_int16();
    if (!length) return fail(length.error());
    return checked_length(*length, codec_error::truncated);
}

codec_result<std::int32_t> reader::read_bytes_length(bool compact) noexcept {
    if (compact) {
        auto raw = read_unsigned_varint();
        if (!raw) return fail(raw.error());
        return checked_length(static_cast<std::int64_t>(*raw) - 1, codec_error::truncated);
    }
    auto length = read_int32();
    if (!length) return fail(length.error());
    return checked_length(*length, codec_error::truncated);
}

codec_result<std::int32_t> reader::read_array_count(bool compact) noexcept {
    std::int64_t count = 0;
    if (compact) {
        auto raw = read_unsigned_varint();
        if (!raw) return fail(raw.error());
        count = static_cast<std::int64_t>(*raw) - 1;
    } else {
        auto raw = read_int32();
        if (!raw) return fail(raw.error());
        count = *raw;
    }
    return checked_length(count, codec_error::invalid_length);
}

namespace {
template <typename T>
void append_be(bytes& out, T value) {
    auto at = out.size();
    out.resize(at + sizeof(T));
    store_be<T>(out.data() + at, value);
}
}  // namespace

void writer::write_int8(std::int8_t value) { _out->push_back(static_cast<std::byte>(value)); }
void writer::write_int16(std::int16_t value) { append_be(*_out, value); }
void writer::write_int32(std::int32_t value) { append_be(*_out, value); }
void writer::write_int64(std::int64_t value) { append_be(*_out, value); }
void writer::write_uint16(std::uint16_t value) { append_be(*_out, value); }
void writer::write_uint32(std::uint32_t value) { append_be(*_out, value); }
void writer::write_float64(double value) { append_be(*_out, std::bit_cast<std::uint64_t>(value)); }
void writer::write_uuid(const uuid& value) { write_raw(value.value); }

void writer::write_unsigned_varint(std::uint32_t value) {
    while (value >= 0x80) {
        _out->push_back(static_cast<std::byte>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    _out->push_back(static_cast<std::byte>(value));
}

void writer::write_varint(std::int32_t value) {
    auto raw = static_cast<std::uint32_t>(value);
    write_unsigned_varint((raw << 1) ^ static_cast<std::uint32_t>(value >> 31));
}

void writer::write_varlong(std::int64_t value) {
    auto raw = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
    while (raw >= 0x80) {
        _out->push_back(static_cast<std::byte>((raw & 0x7f) | 0x80));
        raw >>= 7;
    }
    _out->push_back(static_cast<std::byte>(raw));
}

void writer::write_raw(std::span<const std::byte> data) {
    _out->insert(_out->end(), data.begin(), data.end());
}

void writer::write_string_length(bool compact, std::int32_t length) {
    if (compact) write_unsigned_varint(static_cast<std::uint32_t>(length + 1));
    else write_int16(static_cast<std::int16_t>(length));
}

void writer::write_bytes_length(bool compact, std::int32_t length) {
    if (compact) write_unsigned_varint(static_cast<std::uint32_t>(length + 1));
    else write_int32(length);
}

void writer::patch_int32(std::size_t position, std::int32_t value) noexcept {
    LAMINAR_ASSERT(position + 4 <= _out->size());
    store_be<std::int32_t>(_out->data() + position, value);
}

std::size_t unsigned_varint_bytes(std::uint32_t value) noexcept {
    std::size_t count = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++count;
    }
    return count;
}

}  // namespace laminar::kafka
