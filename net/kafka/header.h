// Kafka framing and headers. A frame is an int32 size followed by that many bytes; a request
// frame starts with the request header (v0: api_key, api_version, correlation_id; v1: + client_id
// as a nullable int16-length string, never compact; v2: v1 + tagged fields), a response frame
// with the response header (v0: correlation_id; v1: + tagged fields). Which header version an
// API version uses is decided in api_keys.cpp.
//
// Locality: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "net/kafka/wire.h"

namespace laminar::kafka {

inline constexpr std::size_t frame_size_bytes = 4;

// The size of the frame at the start of `bytes`: its payload bytes (without the prefix).
// truncated when fewer than 4 bytes are there; invalid_length when negative; too_large when
// above payload_bytes_max. The payload itself may not have arrived yet.
codec_result<std::int32_t> read_frame_size(std::span<const std::byte> bytes,
                                           std::size_t payload_bytes_max) noexcept;

// Writing a frame: reserve the size, write header and body, then patch the size in.
std::size_t begin_frame(writer& out);
void finish_frame(writer& out, std::size_t frame_start);

struct request_header {
    std::int16_t api_key = 0;
    std::int16_t api_version = 0;
    std::int32_t correlation_id = 0;
    std::optional<std::string> client_id;
    std::int16_t header_version = 1;  // decided from api_key and api_version

    bool operator==(const request_header&) const = default;
};

// Decodes the request header at the start of a frame payload and leaves `in` at the body. An
// unknown API key still yields its correlation id (header v1 is assumed), so the broker can
// answer; the caller checks the key and version against api_keys.h.
codec_result<request_header> decode_request_header(reader& in);
// Appends the header in the version its api key and version use.
void encode_request_header(const request_header& header, writer& out);

struct response_header {
    std::int32_t correlation_id = 0;
    bool operator==(const response_header&) const = default;
};
codec_result<response_header> decode_response_header(reader& in, std::int16_t header_version);
void encode_response_header(const response_header& header, std::int16_t header_version,
                            writer& out);

// Skips a tagged-field section (the headers define no tags).
codec_status skip_tagged_fields(reader& in);

}  // namespace laminar::kafka
