#include "broker/kafka_handler.h"

#include "core/log.h"

namespace laminar::broker {

task<status> kafka_handler::handle(std::span<const std::byte> frame,
                                   net::outbound_chain& response) {
    (void)response;
    (void)_context;
    // No API is served yet (the codec lands next): Kafka closes the connection on a request it
    // cannot parse or an API it does not know, and so do we.
    LAMINAR_LOG_DEBUG("closing connection: request of {} bytes for an API not served yet",
                      frame.size());
    co_return fail(errc::unsupported);
}

}  // namespace laminar::broker
