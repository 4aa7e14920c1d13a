// TCP sockets on the reactor: parse HOST:PORT, listen, connect, and options. Accept, recv and send
// themselves are the reactor's operations (core/reactor.h, namespace io).
//
// @locality connect_tcp on a shard; the rest anywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/task.h"
#include "core/unique_fd.h"

namespace laminar::net {

struct endpoint {
    std::string host;  // numeric IPv4 or IPv6 address, or a name resolved at listen/connect time
    std::uint16_t port = 0;
};

// "127.0.0.1:9092", "[::1]:9092", "localhost:9092", ":9092" (all addresses).
result<endpoint> parse_endpoint(std::string_view text);
std::string to_string(const endpoint& address);

struct listen_options {
    int backlog = 1024;
    // Several sockets (one per shard) on one port; the kernel spreads connections over them.
    bool reuse_port = false;
};

// A listening socket, non-blocking, SO_REUSEADDR; port 0 picks a free port (see local_port).
result<unique_fd> listen_tcp(const endpoint& address, listen_options options = {});
result<std::uint16_t> local_port(int fd);
// Connects through the reactor; the socket gets TCP_NODELAY.
task<result<unique_fd>> connect_tcp(endpoint address);
status set_nodelay(int fd);

}  // namespace laminar::net
