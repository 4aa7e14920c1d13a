// The broker's network front: each shard accepts on its own SO_REUSEPORT listener (the kernel
// spreads connections over shards) and serves each connection as Kafka does: one request at a
// time per connection, in order, the next read only after the response has gone out.
//
// Connections follow their partitions: the kernel places a connection without knowing what it
// will ask for, so a producer or consumer of partitions that another shard owns would cross to
// that shard and back for every request (a wake-up of a sleeping shard each way). When a
// connection's last `connection_move_after` Produce or Fetch requests each named partitions of
// one other shard only, it is handed over to that shard between two requests, with the bytes of
// the requests it has already received, and from then on runs there without a hop. A
// connection that holds a fetch session (KIP-227; a session lives in its shard's cache) stays,
// and one moves at most once per `connection_move_interval`, so a client alternating between
// shards does not bounce. A shard takes a connection only while it has at most
// `connection_move_imbalance_max` connections more than the sender: many consumers of one hot
// partition do not all pile onto its shard. laminar.connection.follow.partitions=false turns it
// off.
//
// @locality owning shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <chrono>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/assert.h"
#include "core/result.h"
#include "core/task.h"
#include "core/unique_fd.h"
#include "net/outbound_chain.h"

namespace laminar::broker {

// What a handler knows of the connection a request came on, and what it tells the server of
// the request it handled.
struct connection_info {
    std::string client_host;  // the peer's address as Kafka prints it: "/127.0.0.1"

    // Set by the handler for each request, reset by the server before the next one.
    struct request_placement {
        bool data = false;   // a Produce or Fetch
        bool fetch = false;  // a Fetch
        // The one shard owning every partition the request named (none: several or none).
        std::optional<unsigned> shard;
        bool holds_fetch_session = false;  // a Fetch that creates or uses a fetch session
    };
    request_placement placement;
    // A client quota's throttle time for this request: once its response is sent (or at once,
    // with none due), the server reads nothing more from the connection for this long (KIP-219).
    std::int64_t throttle_ms = 0;
    // The request's size without its size prefix (Kafka's request.sizeInBytes).
    std::size_t request_bytes = 0;
};

// What a connection does with a request frame.
class request_handler {
public:
    virtual ~request_handler() = default;
    // Handles one request frame (without its size prefix) and appends the whole response frame,
    // size prefix included, to `response`; leaves it empty when no response is due (Produce
    // with acks=0). An error closes the connection.
    virtual task<status> handle(connection_info& connection,
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
    // New limits (a dynamic config changed): connections already open stay; new ones wait or
    // are closed while over them.
    void set_limits(std::int64_t max_total, std::int64_t max_per_ip);

private:
    std::int64_t _max_total;
    std::int64_t _max_per_ip;
    std::mutex _lock;
    std::int64_t _open = 0;
    std::unordered_map<std::string, std::int64_t> _per_host;
};

inline constexpr unsigned connection_move_after = 3;
inline constexpr std::chrono::milliseconds connection_move_interval{1000};
inline constexpr std::uint64_t connection_move_imbalance_max = 8;

class server_mesh;

struct server_options {
    std::size_t frame_bytes_max = 100 * 1024 * 1024;  // socket.request.max.bytes
    connection_admission* admission = nullptr;        // none: no connection limits
    net::send_options send;                           // laminar.fetch.copy.bytes.max
    // Request bytes a shard holds at once (laminar.connection.inflight.bytes.max); a frame waits
    // for its bytes before its body is read. 0: unbounded.
    std::size_t inflight_bytes_max = 0;
    // The shards' servers, to hand connections over to; none: connections stay where accepted.
    server_mesh* mesh = nullptr;
    // connections.max.idle.ms: a connection waiting for its next request that receives nothing
    // for this long is closed (as Kafka's idle expiry; a request being handled, e.g. a parked
    // fetch, never counts as idle). Negative: never.
    std::int64_t connections_max_idle_ms = -1;
};

struct server_counters {
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_open = 0;
    std::uint64_t requests = 0;
    std::uint64_t frames_refused = 0;  // oversized, negative or cut short
    std::uint64_t connections_refused = 0;  // over max.connections.per.ip
    std::uint64_t connections_moved_out = 0;  // handed over to the shard of their partitions
    std::uint64_t connections_moved_in = 0;
    std::uint64_t connections_idle_closed = 0;  // past connections.max.idle.ms
    std::uint64_t throttled_requests = 0;       // followed by a client quota's throttle time
};

namespace detail {
struct shard_server;
}

// Where each shard's server can be found by the others, to hand connections over. An entry is
// set and cleared by its own shard and read only there (a hand-over runs on the target shard),
// so it needs no lock. Made before the shards start; outlives them.
class server_mesh {
public:
    explicit server_mesh(unsigned shard_count) : _servers(shard_count, nullptr) {}
    unsigned shard_count() const noexcept { return static_cast<unsigned>(_servers.size()); }
    // @locality shard `shard` only.
    detail::shard_server*& server_of(unsigned shard) {
        LAMINAR_ASSERT(shard < _servers.size());
        return _servers[shard];
    }

private:
    std::vector<detail::shard_server*> _servers;
};

// Accepts on `listener` until the shard stops, serving each connection with `handler`; returns
// once every connection it accepted has closed.
task<void> serve(int listener, request_handler& handler, server_options options,
                 server_counters& counters);

}  // namespace laminar::broker
