// The Kafka API on a shard: decodes a request frame's header, dispatches by API key and version,
// and encodes the response frame.
//
// @locality owning shard.
#pragma once

#include "broker/broker_config.h"
#include "broker/server.h"

namespace laminar::broker {

class kafka_handler final : public request_handler {
public:
    explicit kafka_handler(const broker_settings& settings) : _settings(settings) {}

    task<status> handle(std::span<const std::byte> frame, net::outbound_chain& response) override;

private:
    const broker_settings& _settings;
};

}  // namespace laminar::broker
