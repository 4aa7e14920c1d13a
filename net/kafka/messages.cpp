#include "net/kafka/messages.h"

#include <array>

namespace laminar::kafka {

api_versions_response make_api_versions_response() {
    std::array<advertised_api, api_keys_count> advertised{};
    std::size_t count = advertised_apis(advertised);
    api_versions_response response;
    for (std::size_t index = 0; index < count; ++index) {
        response.api_keys.push_back(
            {advertised[index].key, advertised[index].min_version, advertised[index].max_version});
    }
    return response;
}

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
