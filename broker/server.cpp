#include "broker/server.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <list>

#include "core/log.h"
#include "core/cross_shard.h"
#include "core/reactor.h"
#include "core/wait_group.h"
#include "net/frame_reader.h"
#include "net/socket.h"

namespace laminar::broker {

namespace {

connection_info describe_peer(int fd) {
    connection_info info;
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return info;
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = address.ss_family == AF_INET6
                          ? static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr)
                          : static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr);
    if (::inet_ntop(address.ss_family, raw, text, sizeof(text)) != nullptr) {
        info.client_host = std::string("/") + text;
    }
    return info;
}

}  // namespace

namespace detail {

// A connection as the idle check (connections.max.idle.ms) sees it.
struct idle_watch {
    cancel_token* stop;  // the connection's: cancelling it closes the connection
    const net::frame_reader* reader;
    const std::string* client_host;
    std::chrono::steady_clock::time_point since{};  // the last activity seen
    std::uint64_t received = 0;                     // reader->bytes_received() at `since`
    bool waiting = false;                           // between requests: in reader.next()
};

// One shard's server: what its connections share. Lives in serve()'s frame; every connection
// task it runs ends before serve() returns.
struct shard_server {
    shard_server(request_handler& handler, const server_options& options,
                 server_counters& counters)
        : handler(handler),
          options(options),
          counters(counters),
          inflight(options.inflight_bytes_max) {}

    request_handler& handler;
    server_options options;
    server_counters& counters;
    net::splice_pipes pipes;
    net::copy_buffers copies;
    byte_budget inflight;
    wait_group connections;
    std::list<idle_watch> idle;  // every connection, when connections.max.idle.ms is on
    bool accepting = true;  // false once the shard stops: no connection is handed over to it
};

}  // namespace detail

namespace {

using detail::shard_server;
using clock = std::chrono::steady_clock;

// A connection between two requests, as it crosses to another shard.
struct connection_handover {
    unique_fd socket;
    connection_info peer;
    std::vector<std::byte> received;  // bytes of the requests that follow, already read
    clock::time_point moved_at;
    std::uint64_t sender_connections = 0;  // open on the sending shard, this one included
};

// `moved_at`: when the connection came from another shard (epoch: accepted here).
task<void> serve_connection(unique_fd connection, connection_info peer, shard_server& server,
                            std::vector<std::byte> received, clock::time_point moved_at);

// Runs on the target shard: adopts the connection, or leaves it with the sender (false) when
// this shard serves no connections (not started yet, or stopping) or already has
// connection_move_imbalance_max more than the sender would have left.
bool adopt_connection(server_mesh& mesh, connection_handover& handover) {
    shard_server* server = mesh.server_of(reactor::current().shard_id());
    if (server == nullptr || !server->accepting || reactor::current().stopping()) return false;
    if (server->counters.connections_open + 1 >
        handover.sender_connections - 1 + connection_move_imbalance_max) {
        return false;
    }
    ++server->counters.connections_moved_in;
    server->connections.add();
    reactor::current().spawn(serve_connection(std::move(handover.socket),
                                              std::move(handover.peer), *server,
                                              std::move(handover.received),
                                              handover.moved_at));
    return true;
}

// Counts the data requests that named only partitions of one other shard, in a row.
class placement_streak {
public:
    explicit placement_streak(clock::time_point moved_at) : _moved_at(moved_at) {}

    // The shard to move to, if the connection should move now.
    std::optional<unsigned> note(const connection_info::request_placement& placement,
                                 unsigned here, clock::time_point now) {
        // The client names its session in its next fetch: the session's shard must serve it.
        if (placement.fetch) _pinned = placement.holds_fetch_session;
        if (!placement.data) return std::nullopt;
        if (!placement.shard || *placement.shard == here) {
            _count = 0;
            return std::nullopt;
        }
        if (_count > 0 && *placement.shard == _shard) ++_count;
        else {
            _shard = *placement.shard;
            _count = 1;
        }
        if (_pinned || _count < connection_move_after) return std::nullopt;
        if (_moved_at != clock::time_point{} && now - _moved_at < connection_move_interval) {
            return std::nullopt;
        }
        return _shard;
    }
    // A hand-over the target refused: try again only after the interval, as after a move.
    void refused(clock::time_point now) {
        _moved_at = now;
        _count = 0;
    }

private:
    unsigned _shard = 0;
    unsigned _count = 0;
    bool _pinned = false;
    clock::time_point _moved_at{};  // moved here, or tried to move (epoch: never)
};

// connections.max.idle.ms: every quarter of it (10 ms to 1 s), closes the connections that wait
// for their next request and have received nothing for longer. Ends when the shard stops.
task<void> expire_idle_connections(shard_server& server) {
    cancel_token stop;
    reactor::current().cancel_on_stop(stop);
    const std::chrono::milliseconds idle(server.options.connections_max_idle_ms);
    const auto period =
        std::clamp(idle / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    std::vector<cancel_token*> expired;
    while (!stop.cancelled()) {
        (void)co_await io::sleep_for(period).with_cancel(stop);
        if (stop.cancelled()) break;
        const auto now = clock::now();
        for (auto& watched : server.idle) {
            if (!watched.waiting || watched.stop->cancelled()) continue;
            if (const auto received = watched.reader->bytes_received();
                received != watched.received || watched.reader->awaiting_budget()) {
                // A request is arriving, however slowly, or the shard holds it back.
                watched.received = received;
                watched.since = now;
                continue;
            }
            // In milliseconds: a limit near INT64_MAX ms would overflow nanoseconds.
            if (std::chrono::duration_cast<std::chrono::milliseconds>(now - watched.since) <=
                idle) {
                continue;
            }
            ++server.counters.connections_idle_closed;
            LAMINAR_LOG_DEBUG("closing connection from {}: idle for more than {} ms",
                              *watched.client_host, idle.count());
            expired.push_back(watched.stop);
        }
        // Cancelled after the walk: a cancel may resume its connection, which leaves the list.
        for (auto* token : expired) token->cancel();
        expired.clear();
    }
    server.connections.done();
}

task<void> serve_connection(unique_fd connection, connection_info peer, shard_server& server,
                            std::vector<std::byte> received, clock::time_point moved_at) {
    auto& counters = server.counters;
    const server_options& options = server.options;
    ++counters.connections_open;
    (void)net::set_nodelay(connection.get());
    cancel_token stop;
    reactor::current().cancel_on_stop(stop);
    net::frame_reader reader(connection.get(), options.frame_bytes_max, 16384, &stop);
    reader.set_budget(&server.inflight);
    reader.seed(received);
    received = {};
    net::outbound_chain response;
    placement_streak streak(moved_at);
    const unsigned here = reactor::current().shard_id();
    bool moved = false;
    const bool watch_idle = options.connections_max_idle_ms >= 0;
    std::list<detail::idle_watch>::iterator watched;
    if (watch_idle) {
        watched = server.idle.insert(server.idle.end(),
                                     detail::idle_watch{&stop, &reader, &peer.client_host});
    }
    while (!stop.cancelled()) {
        if (watch_idle) {
            watched->since = clock::now();  // the last response has gone out
            watched->received = reader.bytes_received();
            watched->waiting = true;
        }
        auto frame = co_await reader.next();
        if (watch_idle) watched->waiting = false;
        if (!frame) {
            if (frame.error() == errc::too_large || frame.error() == errc::corrupt_data) {
                ++counters.frames_refused;
                LAMINAR_LOG_WARN("closing connection: {} request frame",
                                 frame.error() == errc::too_large ? "oversized" : "malformed");
            }
            break;
        }
        ++counters.requests;
        response.clear();
        peer.placement = {};
        peer.throttle_ms = 0;
        auto handled = co_await server.handler.handle(peer, *frame, response);
        if (!handled) break;
        if (!response.empty()) {
            auto sent = co_await net::send_chain(connection.get(), response, server.pipes,
                                                 server.copies, options.send);
            if (!sent) break;
        }
        if (peer.throttle_ms > 0) {
            // Muted: the client's next requests wait in its socket until the throttle ends (at
            // most what the response said, an int32). The request's memory goes back first; the
            // mute counts as waiting for connections.max.idle.ms, as Kafka's idle expiry closes
            // a muted channel too.
            ++counters.throttled_requests;
            reader.frame_handled();
            if (watch_idle) {
                watched->since = clock::now();
                watched->received = reader.bytes_received();
                watched->waiting = true;
            }
            const auto mute = std::min<std::int64_t>(peer.throttle_ms, INT32_MAX);
            (void)co_await io::sleep_for(std::chrono::milliseconds(mute)).with_cancel(stop);
            if (watch_idle) watched->waiting = false;
        }
        if (options.mesh == nullptr) continue;
        const auto now = clock::now();
        const auto target = streak.note(peer.placement, here, now);
        if (!target || stop.cancelled()) continue;
        connection_handover handover{std::move(connection), peer, reader.take_buffered(), now,
                                     counters.connections_open};
        auto* mesh = options.mesh;
        auto adopt = [mesh, &handover] { return adopt_connection(*mesh, handover); };
        if (co_await submit_to(*target, adopt)) {
            ++counters.connections_moved_out;
            moved = true;
            break;
        }
        // The target does not serve connections now: carry on here.
        connection = std::move(handover.socket);
        reader.seed(handover.received);
        streak.refused(now);
    }
    if (watch_idle) server.idle.erase(watched);
    --counters.connections_open;
    if (!moved && options.admission != nullptr) options.admission->release(peer.client_host);
    server.connections.done();
}

}  // namespace

bool connection_admission::full() {
    std::lock_guard guard(_lock);
    return _max_total > 0 && _open >= _max_total;
}

connection_admission::verdict connection_admission::admit(const std::string& host) {
    std::lock_guard guard(_lock);
    if (_max_total > 0 && _open >= _max_total) return verdict::total_reached;
    auto& from_host = _per_host[host];
    if (from_host >= _max_per_ip) {
        if (from_host == 0) _per_host.erase(host);
        return verdict::host_limit_reached;
    }
    ++from_host;
    ++_open;
    return verdict::admitted;
}

void connection_admission::set_limits(std::int64_t max_total, std::int64_t max_per_ip) {
    std::lock_guard guard(_lock);
    _max_total = max_total;
    _max_per_ip = max_per_ip;
}

void connection_admission::release(const std::string& host) {
    std::lock_guard guard(_lock);
    --_open;
    if (auto found = _per_host.find(host); found != _per_host.end() && --found->second <= 0) {
        _per_host.erase(found);
    }
}

task<void> serve(int listener, request_handler& handler, server_options options,
                 server_counters& counters) {
    cancel_token stop;
    reactor::current().cancel_on_stop(stop);
    // The connections, the pipes, copies and budget they share, and this frame: every connection
    // task ends before serve() returns.
    shard_server server(handler, options, counters);
    const unsigned here = reactor::current().shard_id();
    if (options.mesh != nullptr) options.mesh->server_of(here) = &server;
    if (options.connections_max_idle_ms >= 0) {
        server.connections.add();
        reactor::current().spawn(expire_idle_connections(server));
    }
    while (true) {
        if (options.admission != nullptr && options.admission->full()) {
            // max.connections: leave new connections in the backlog until one closes.
            (void)co_await io::sleep_for(std::chrono::milliseconds(10)).with_cancel(stop);
            if (stop.cancelled()) break;
            continue;
        }
        auto accepted = co_await io::accept(listener).with_cancel(stop);
        if (!accepted) {
            if (stop.cancelled()) break;
            LAMINAR_LOG_WARN("accept failed: {}", to_string(accepted.error()));
            co_await io::sleep_for(std::chrono::milliseconds(10));  // e.g. EMFILE: let fds free up
            continue;
        }
        unique_fd connection(static_cast<int>(*accepted));
        connection_info peer = describe_peer(connection.get());
        if (options.admission != nullptr) {
            // An accept posted before another shard reached max.connections can still return a
            // connection: it waits here for a slot, as it would have in the backlog.
            auto admitted = options.admission->admit(peer.client_host);
            while (admitted == connection_admission::verdict::total_reached &&
                   !stop.cancelled()) {
                (void)co_await io::sleep_for(std::chrono::milliseconds(10)).with_cancel(stop);
                admitted = options.admission->admit(peer.client_host);
            }
            if (admitted != connection_admission::verdict::admitted) {
                if (stop.cancelled()) break;
                ++counters.connections_refused;
                LAMINAR_LOG_INFO("closing connection from {}: too many connections from it",
                                 peer.client_host);
                continue;  // closed as `connection` goes
            }
        }
        ++counters.connections_accepted;
        server.connections.add();
        reactor::current().spawn(
            serve_connection(std::move(connection), std::move(peer), server, {}, {}));
    }
    server.accepting = false;
    co_await server.connections.wait();
    if (options.mesh != nullptr) options.mesh->server_of(here) = nullptr;
}

}  // namespace laminar::broker
