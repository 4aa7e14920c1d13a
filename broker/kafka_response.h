// Framing a response: int32 size, the response header in the version the request's API version
// calls for, then the body encoded in the request's version.
#pragma once

#include "core/endian.h"
#include "net/kafka/api_keys.h"
#include "net/kafka/header.h"
#include "net/kafka/schema.h"
#include "net/outbound_chain.h"

namespace laminar::broker {

template <typename M>
status append_response_in(const kafka::request_header& header, std::int16_t version,
                          const M& message, net::outbound_chain& response) {
    kafka::bytes frame(kafka::frame_size_bytes);
    kafka::writer out(frame);
    kafka::encode_response_header(
        {header.correlation_id},
        kafka::response_header_version(header.api_key, version), out);
    if (!kafka::encode_message(message, version, frame)) return fail(errc::invalid_argument);
    store_be(frame.data(), static_cast<std::int32_t>(frame.size() - kafka::frame_size_bytes));
    response.append(std::move(frame));
    return {};
}

template <typename M>
status append_response(const kafka::request_header& header, const M& message,
                       net::outbound_chain& response) {
    return append_response_in(header, header.api_version, message, response);
}

}  // namespace laminar::broker
