// The Kafka API on a shard: decodes a request frame's header, dispatches by API key and version,
// and encodes the response frame.
//
// @locality owning shard.
#pragma once

#include "broker/server.h"
#include "broker/shard_context.h"

namespace laminar::broker {

class kafka_handler final : public request_handler {
public:
    explicit kafka_handler(shard_context& context) : _context(context) {}

    task<status> handle(std::span<const std::byte> frame, net::outbound_chain& response) override;

private:
    shard_context& _context;
};

}  // namespace laminar::broker
