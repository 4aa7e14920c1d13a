// The Kafka API on a shard: decodes a request frame's header, dispatches by API key and version,
// and encodes the response frame. What Kafka does with a request it cannot serve, we do too:
// an ApiVersions request of an unknown version gets UNSUPPORTED_VERSION with the supported
// versions (in v0 format); any other unknown API, unsupported version or undecodable request
// closes the connection.
//
// @locality owning shard.
#pragma once

#include <cstdint>

#include "broker/server.h"
#include "broker/shard_context.h"
#include "net/kafka/header.h"
#include "net/kafka/wire.h"

namespace laminar::broker {

// The APIs the broker serves (the codec may declare more): ApiVersions advertises these only.
bool broker_handles(std::int16_t api_key) noexcept;

class kafka_handler final : public request_handler {
public:
    explicit kafka_handler(shard_context& context) : _context(context) {}

    task<status> handle(connection_info& connection, std::span<const std::byte> frame,
                        net::outbound_chain& response) override;

private:
    task<status> dispatch(connection_info& connection, const kafka::request_header& header,
                          std::span<const std::byte> body, net::outbound_chain& response);

    shard_context& _context;
};


}  // namespace laminar::broker
