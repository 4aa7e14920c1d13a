// Kafka wire primitives: a bounds-checked reader over a byte span and a writer appending to a
// growable buffer. The reader treats its input as hostile: every read checks the bytes left and
// every failure is a codec_error value; it never reads out of range and never allocates (strings
// and bytes come back as views into the input). Length prefixes are checked against the bytes
// left before anything is sized from them, so a hostile length cannot make a caller allocate
// more than the input could describe.
//
// Locality: any thread; a reader or writer belongs to one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace laminar::kafka {

// How decoding or encoding failed. The broker maps these to Kafka error codes (mostly
// CORRUPT_MESSAGE / INVALID_REQUEST / UNSUPPORTED_VERSION) in its API layer.
enum class codec_error : std::uint8_t {
    truncated,           // fewer bytes than a field needs
    invalid_length,      // negative (other than -1 for null) or impossible length or count
    invalid_varint,      // varint longer than its type allows
    invalid_value,       // null where the version forbids it, out-of-range value
    trailing_bytes,      // bytes left after a complete message
    unsupported_version, // version outside what Laminar implements for the API
    unknown_api,         // api key Laminar does not know
    too_large,           // output over the caller's bound (decompression, frame size)
    corrupt_records,     // record batch contents failed validation
};
std::string_view to_string(codec_error error) noexcept;

template <typename T>
using codec_result = result<T, codec_error>;
using codec_status = result<void, codec_error>;

using bytes = std::vector<std::byte>;

struct uuid {
    std::array<std::byte, 16> value{};
    bool operator==(const uuid&) const = default;
};

// Bytes the encoder leaves to the sender: a field (Fetch's records) whose contents stay where they
// are, in a file, while the message around them is encoded. With splice_bytes > 0 the encoder
// writes only the length prefix and notes the position (a splice_point); the sender puts the
// bytes there (splice from the file). Otherwise it is an ordinary nullable bytes field, which is
// also what decoding yields.
struct spliced_bytes {
    std::optional<bytes> data;
    std::uint64_t splice_bytes = 0;
    std::uint32_t slot = 0;  // the sender's handle for the bytes
    bool operator==(const spliced_bytes&) const = default;
};

// Where the sender must insert spliced bytes into an encoded message.
struct splice_point {
    std::size_t position = 0;  // offset in the encoded buffer, after the length prefix
    std::uint32_t slot = 0;
    std::uint64_t bytes = 0;
};

class reader {
public:
    explicit reader(std::span<const std::byte> data) noexcept : _data(data) {}

    std::size_t remaining() const noexcept { return _data.size() - _position; }
    std::size_t position() const noexcept { return _position; }

    codec_result<std::int8_t> read_int8() noexcept;
    codec_result<std::int16_t> read_int16() noexcept;
    codec_result<std::int32_t> read_int32() noexcept;
    codec_result<std::int64_t> read_int64() noexcept;
    codec_result<std::uint16_t> read_uint16() noexcept;
    codec_result<std::uint32_t> read_uint32() noexcept;
    codec_result<double> read_float64() noexcept;
    codec_result<uuid> read_uuid() noexcept;
    // Zigzag varint (int32) and varlong (int64), as records use them.
    codec_result<std::int32_t> read_varint() noexcept;
    codec_result<std::int64_t> read_varlong() noexcept;
    // Unsigned LEB128 of at most 5 bytes, as flexible versions use it.
    codec_result<std::uint32_t> read_unsigned_varint() noexcept;
    codec_result<std::span<const std::byte>> read_span(std::size_t count) noexcept;

    // Length prefixes: -1 means null. compact = flexible version (unsigned varint of length+1);
    // otherwise int16 for strings and int32 for bytes and arrays. A string or bytes length
    // beyond the bytes left is truncated; an array count beyond them is invalid_length (every
    // element takes at least one byte).
    codec_result<std::int32_t> read_string_length(bool compact) noexcept;
    codec_result<std::int32_t> read_bytes_length(bool compact) noexcept;
    codec_result<std::int32_t> read_array_count(bool compact) noexcept;

private:
    template <typename T>
    codec_result<T> read_fixed() noexcept;
    codec_result<std::uint64_t> read_unsigned_varlong(int bytes_max) noexcept;
    codec_result<std::int32_t> checked_length(std::int64_t length, codec_error beyond) noexcept;

    std::span<const std::byte> _data;
    std::size_t _position = 0;
};

class writer {
public:
    explicit writer(bytes& out) noexcept : _out(&out) {}

    std::size_t size() const noexcept { return _out->size(); }
    bytes& buffer() noexcept { return *_out; }

    void write_int8(std::int8_t value);
    void write_int16(std::int16_t value);
    void write_int32(std::int32_t value);
    void write_int64(std::int64_t value);
    void write_uint16(std::uint16_t value);
    void write_uint32(std::uint32_t value);
    void write_float64(double value);
    void write_uuid(const uuid& value);
    void write_varint(std::int32_t value);
    void write_varlong(std::int64_t value);
    void write_unsigned_varint(std::uint32_t value);
    void write_raw(std::span<const std::byte> data);
    // Length prefixes in the forms read_*_length reads; -1 writes null.
    void write_string_length(bool compact, std::int32_t length);
    void write_bytes_length(bool compact, std::int32_t length);
    void write_array_count(bool compact, std::int32_t count) { write_bytes_length(compact, count); }
    // Overwrites 4 bytes at position (a size prefix written after its contents).
    void patch_int32(std::size_t position, std::int32_t value) noexcept;

private:
    bytes* _out;
};

// Bytes a value takes as an unsigned varint (1..5).
std::size_t unsigned_varint_bytes(std::uint32_t value) noexcept;

inline std::span<const std::byte> as_bytes(std::string_view text) noexcept {
    return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

}  // namespace laminar::kafka
