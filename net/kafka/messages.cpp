#include "net/kafka/messages.h"

namespace laminar::kafka {

codec_status check_request_body(std::int16_t key, std::int16_t version,
                                std::span<const std::byte> body) {
    codec_status outcome = fail(codec_error::unknown_api);
    with_messages(key, [&](auto request, auto) {
        auto decoded = decode_message<decltype(request)>(body, version);
        if (decoded) outcome = {};
        else outcome = fail(decoded.error());
    });
    return outcome;
}

codec_result<request_header> check_request(std::span<const std::byte> payload) {
    reader in(payload);
    auto header = decode_request_header(in);
    if (!header) return fail(header.error());
    auto body = in.read_span(in.remaining());
    auto checked = check_request_body(header->api_key, header->api_version, *body);
    if (!checked) return fail(checked.error());
    return header;
}

}  // namespace laminar::kafka
