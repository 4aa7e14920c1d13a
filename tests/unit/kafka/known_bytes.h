// Test helper for the tests of known byte vectors (acls_test, groups_test): a builder that writes
// wire bytes field by field, and the check every known request gets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <gtest/gtest.h>

#include "net/kafka/messages.h"

namespace laminar::kafka::testing {

class byte_builder {
public:
    byte_builder& u8(int value) {
        _out.push_back(static_cast<std::byte>(value));
        return *this;
    }
    byte_builder& i16(int value) { return u8((value >> 8) & 0xff).u8(value & 0xff); }
    byte_builder& i32(std::int64_t value) {
        for (int shift = 24; shift >= 0; shift -= 8) u8(static_cast<int>((value >> shift) & 0xff));
        return *this;
    }
    byte_builder& i64(std::int64_t value) { return i32(value >> 32).i32(value & 0xffffffff); }
    byte_builder& text(std::string_view value) {
        for (char c : value) u8(static_cast<unsigned char>(c));
        return *this;
    }
    // Non-flexible string: int16 length, bytes.
    byte_builder& string(std::string_view value) {
        return i16(static_cast<int>(value.size())).text(value);
    }
    // Flexible (compact) string: unsigned varint length + 1 (all lengths here are < 127).
    byte_builder& compact_string(std::string_view value) {
        return u8(static_cast<int>(value.size()) + 1).text(value);
    }
    const bytes& done() const { return _out; }

private:
    bytes _out;
};

// Request header v1 with client id "c" (11 bytes), plus an empty tagged-field section (v2) for a
// flexible version: the frame a test then writes its body into.
inline byte_builder header(std::int16_t key, std::int16_t version, bool flexible) {
    byte_builder frame;
    frame.i16(key).i16(version).i32(7).string("c");
    if (flexible) frame.u8(0);
    return frame;
}

// The payload is a request header then the body; checks check_request, decode, re-encode and
// that every truncation of the body is an error.
template <typename M>
M check_known_request(const bytes& payload, const M& expected, std::int16_t version,
                      std::size_t header_bytes) {
    EXPECT_TRUE(check_request(payload));
    auto body = std::span(payload).subspan(header_bytes);
    auto decoded = decode_message<M>(body, version);
    EXPECT_TRUE(decoded) << (decoded ? "" : to_string(decoded.error()));
    if (!decoded) return M{};
    EXPECT_TRUE(*decoded == expected);
    bytes encoded;
    EXPECT_TRUE(encode_message(expected, version, encoded));
    EXPECT_EQ(encoded, bytes(body.begin(), body.end()));
    for (std::size_t size = 0; size < body.size(); ++size) {
        EXPECT_FALSE(decode_message<M>(body.first(size), version)) << size;
    }
    return *decoded;
}

// A response as the broker builds it encodes to the expected bytes, and they decode back to it.
template <typename M>
void check_known_response(const M& message, std::int16_t version, const bytes& expected) {
    bytes encoded;
    ASSERT_TRUE(encode_message(message, version, encoded));
    EXPECT_EQ(encoded, expected);
    auto decoded = decode_message<M>(expected, version);
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    EXPECT_TRUE(*decoded == message);
}

}  // namespace laminar::kafka::testing
