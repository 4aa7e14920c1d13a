#include "net/kafka/header.h"

#include "core/assert.h"
#include "core/endian.h"
#include "net/kafka/api_keys.h"

namespace laminar::kafka {

codec_result<std::int32_t> read_frame_size(std::span<const std::byte> bytes,
                                           std::size_t payload_bytes_max) noexcept {
    if (bytes.size() < frame_size_bytes) return fail(codec_error::truncated);
    auto size = load_be<std::int32_t>(bytes.data());
    if (size < 0) return fail(codec_error::invalid_length);
    if (static_cast<std::size_t>(size) > payload_bytes_max) return fail(codec_error::too_large);
    return size;
}

std::size_t begin_frame(writer& out) {
    std::size_t start = out.size();
    out.write_int32(0);
    return start;
}

void finish_frame(writer& out, std::size_t frame_start) {
    std::size_t payload = out.size() - frame_start - frame_size_bytes;
    LAMINAR_ASSERT(payload <= 0x7fffffff);
    out.patch_int32(frame_start, static_cast<std::int32_t>(payload));
}

codec_status skip_tagged_fields(reader& in) {
    auto count = in.read_unsigned_varint();
    if (!count) return fail(count.error());
    if (*count > in.remaining()) return fail(codec_error::invalid_length);
    for (std::uint32_t index = 0; index < *count; ++index) {
        auto tag = in.read_unsigned_varint();
        if (!tag) return fail(tag.error());
        auto size = in.read_unsigned_varint();
        if (!size) return fail(size.error());
        auto skipped = in.read_span(*size);
        if (!skipped) return fail(skipped.error());
    }
    return {};
}

codec_result<request_header> decode_request_header(reader& in) {
    request_header header;
    auto key = in.read_int16();
    if (!key) return fail(key.error());
    auto version = in.read_int16();
    if (!version) return fail(version.error());
    auto correlation_id = in.read_int32();
    if (!correlation_id) return fail(correlation_id.error());
    header.api_key = *key;
    header.api_version = *version;
    header.correlation_id = *correlation_id;
    header.header_version = request_header_version(*key, *version);
    if (header.header_version == 0) return header;
    auto length = in.read_string_length(false);
    if (!length) return fail(length.error());
    if (*length >= 0) {
        auto text = in.read_span(static_cast<std::size_t>(*length));
        if (!text) return fail(text.error());
        auto* first = reinterpret_cast<const char*>(text->data());
        header.client_id.emplace(first, first + text->size());
    }
    if (header.header_version >= 2) {
        auto skipped = skip_tagged_fields(in);
        if (!skipped) return fail(skipped.error());
    }
    return header;
}

void encode_request_header(const request_header& header, writer& out) {
    std::int16_t header_version = request_header_version(header.api_key, header.api_version);
    out.write_int16(header.api_key);
    out.write_int16(header.api_version);
    out.write_int32(header.correlation_id);
    if (header_version == 0) return;
    if (header.client_id) {
        std::size_t size = std::min<std::size_t>(header.client_id->size(), 0x7fff);
        out.write_string_length(false, static_cast<std::int32_t>(size));
        out.write_raw(as_bytes(std::string_view(*header.client_id).substr(0, size)));
    } else {
        out.write_string_length(false, -1);
    }
    if (header_version >= 2) out.write_unsigned_varint(0);
}

codec_result<response_header> decode_response_header(reader& in, std::int16_t header_version) {
    auto correlation_id = in.read_int32();
    if (!correlation_id) return fail(correlation_id.error());
    if (header_version >= 1) {
        auto skipped = skip_tagged_fields(in);
        if (!skipped) return fail(skipped.error());
    }
    return response_header{*correlation_id};
}

void encode_response_header(const response_header& header, std::int16_t header_version,
                            writer& out) {
    out.write_int32(header.correlation_id);
    if (header_version >= 1) out.write_unsigned_varint(0);
}

}  // namespace laminar::kafka
