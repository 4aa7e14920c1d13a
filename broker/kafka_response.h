// Framing a response into the outbound chain: the codec's encode_response_frame (size, the
// response header version the request's API version calls for, the body in that version).
#pragma once

#include "net/kafka/header.h"
#include "net/kafka/messages.h"
#include "net/outbound_chain.h"

namespace laminar::broker {

template <typename M>
status append_response_in(const kafka::request_header& header, std::int16_t version,
                          const M& message, net::outbound_chain& response) {
    kafka::bytes frame;
    if (!kafka::encode_response_frame(header.correlation_id, version, message, frame)) {
        return fail(errc::invalid_argument);
    }
    response.append(std::move(frame));
    return {};
}

template <typename M>
status append_response(const kafka::request_header& header, const M& message,
                       net::outbound_chain& response) {
    return append_response_in(header, header.api_version, message, response);
}

}  // namespace laminar::broker
