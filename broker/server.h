// The broker's network front: each shard accepts on its own SO_REUSEPORT listener (the kernel
// spreads connections over shards) and serves each connection as Kafka does: one request at a
// time per connection, in order, the next read only after the response has gone out.
//
// @locality owning shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "core/result.h"
#include "core/task.h"
#include "core/unique_fd.h"
#include "net/outbound_chain.h"

namespace laminar::broker {

// What a handler knows of the connection a request came on.
struct connection_info {
    std::string client_host;  // the peer's address as Kafka prints it: "/127.0.0.1"
};

// What a connection does with a request frame.
class request_handler {
public:
    virtual ~request_handler() = default;
    // Handles one request frame (without its size prefix) and appends the whole response frame,
    // size prefix included, to `response`; leaves it empty when no response is due (Produce
    // with acks=0). An error closes the connection.
    virtual task<status> handle(const connection_info& connection,
                                std::span<const std::byte> frame,
                                net::outbound_chain& response) = 0;
};

// Broker-wide connection limits, shared by every shard's accept loop (the one thing shards
// share here, behind a mutex taken once when a connection opens and once when it closes), as
// Kafka's ConnectionQuotas: at max.connections (0: unbounded) the accept loops stop accepting
// until a connection closes (new ones wait in the listen backlog); a connection from a host that
// already has max.connections.per.ip open is closed at once.
class connection_admission {
public:
    connection_admission(std::int64_t max_total, std::int64_t max_per_ip)
        : _max_total(max_total), _max_per_ip(max_per_ip) {}
    enum class verdict : std::uint8_t { admitted, total_reached, host_limit_reached };
    bool full();
    // Counts the connection in, or says which limit stands in its way.
    verdict admit(const std::string& host);
    void release(const std::string& host);

private:
    std::int64_t _max_total;
    std::int64_t _max_per_ip;
    std::mutex _lock;
    std::int64_t _open = 0;
    std::unordered_map<std::string, std::int64_t> _per_host;
};

struct server_options {
    std::size_t frame_bytes_max = 100 * 1024 * 1024;  // socket.request.max.bytes
    connection_admission* admission = nullptr;        // none: no connection limits
    net::send_options send;                           // laminar.fetch.copy.bytes.max
    // Request bytes a shard holds at once (laminar.connection.inflight.bytes.max); a frame waits
    // for its bytes before its body is read. 0: unbounded.
    std::size_t inflight_bytes_max = 0;
};

struct server_counters {
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_open = 0;
    std::uint64_t requests = 0;
    std::uint64_t frames_refused = 0;  // oversized, negative or cut short
    std::uint64_t connections_refused = 0;  // over max.connections.per.ip
};

// Accepts on `listener` until the shard stops, serving each connection with `handler`; returns
// once every connection it accepted has closed.
task<void> serve(int listener, request_handler& handler, server_options options,
                 server_counters& counters);

}  // namespace laminar::broker
