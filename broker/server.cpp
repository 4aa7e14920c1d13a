#include "broker/server.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <chrono>

#include "core/log.h"
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

task<void> serve_connection(unique_fd connection, connection_info peer,
                            request_handler& handler, server_options options,
                            server_counters& counters, net::splice_pipes& pipes,
                            net::copy_buffers& copies, byte_budget& inflight,
                            wait_group& connections) {
    ++counters.connections_open;
    (void)net::set_nodelay(connection.get());
    cancel_token stop;
    reactor::current().cancel_on_stop(stop);
    net::frame_reader reader(connection.get(), options.frame_bytes_max, 16384, &stop);
    reader.set_budget(&inflight);
    net::outbound_chain response;
    while (!stop.cancelled()) {
        auto frame = co_await reader.next();
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
        auto handled = co_await handler.handle(peer, *frame, response);
        if (!handled) break;
        if (response.empty()) continue;
        auto sent = co_await net::send_chain(connection.get(), response, pipes, copies,
                                             options.send);
        if (!sent) break;
    }
    --counters.connections_open;
    if (options.admission != nullptr) options.admission->release(peer.client_host);
    connections.done();
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
    net::splice_pipes pipes;
    net::copy_buffers copies;
    byte_budget inflight(options.inflight_bytes_max);
    wait_group connections;  // pipes, copies, budget and this frame outlive every connection task
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
        connections.add();
        reactor::current().spawn(serve_connection(std::move(connection), std::move(peer), handler,
                                                  options, counters, pipes, copies,
                                                  inflight, connections));
    }
    co_await connections.wait();
}

}  // namespace laminar::broker
