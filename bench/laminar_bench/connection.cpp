#include "bench/laminar_bench/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace laminar::bench {

namespace {
constexpr std::size_t receive_chunk_bytes = 256 * 1024;
constexpr std::size_t wait_connections_max = 2;  // a producer's and a consumer's
}  // namespace

bool split_address(const std::string& address, std::string& host, std::uint16_t& port) {
    const std::string first = address.substr(0, address.find(','));
    const auto colon = first.rfind(':');
    if (colon == std::string::npos) return false;
    host = first.substr(0, colon);
    const long value = std::strtol(first.c_str() + colon + 1, nullptr, 10);
    if (value <= 0 || value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
    return true;
}

connection::~connection() {
    if (_fd >= 0) ::close(_fd);
}

bool connection::open(const std::string& address, std::string& error) {
    std::string host;
    std::uint16_t port = 0;
    if (!split_address(address, host, port)) {
        error = "bad address " + address;
        return false;
    }
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
        error = "cannot resolve " + host;
        return false;
    }
    _fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const int rc = ::connect(_fd, found->ai_addr, found->ai_addrlen);
    ::freeaddrinfo(found);
    if (rc != 0) {
        error = "connect " + address + ": " + std::strerror(errno);
        return false;
    }
    const int one = 1;
    ::setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(_fd, F_SETFL, ::fcntl(_fd, F_GETFL) | O_NONBLOCK);
    return true;
}

bool connection::flush() {
    while (out_sent < out.size()) {
        const ssize_t n = ::send(_fd, out.data() + out_sent, out.size() - out_sent, MSG_NOSIGNAL);
        if (n > 0) {
            out_sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        _broken = true;
        return false;
    }
    if (out_sent == out.size()) {
        out.clear();
        out_sent = 0;
    }
    return true;
}

long connection::receive() {
    if (in_used == in.size()) {
        in.clear();
        in_used = 0;
    } else if (in_used > (4u << 20)) {
        in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(in_used));
        in_used = 0;
    }
    long total = 0;
    for (;;) {
        const std::size_t old = in.size();
        in.resize(old + receive_chunk_bytes);
        const ssize_t n = ::recv(_fd, in.data() + old, receive_chunk_bytes, 0);
        in.resize(old + static_cast<std::size_t>(n > 0 ? n : 0));
        if (n > 0) {
            total += n;
            if (static_cast<std::size_t>(n) < receive_chunk_bytes) return total;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return total;
        _broken = true;
        return -1;
    }
}

void connection::wait(std::uint64_t timeout_ns, bool busy_poll) {
    if (busy_poll) return;
    wait_any({this}, timeout_ns);
}

void connection::wait_any(std::initializer_list<connection*> connections,
                          std::uint64_t timeout_ns) {
    if (timeout_ns == 0) return;
    assert(connections.size() <= wait_connections_max);
    pollfd polled[wait_connections_max];
    nfds_t count = 0;
    for (connection* conn : connections) {
        if (conn == nullptr) continue;
        const auto events = static_cast<short>(POLLIN | (conn->out_pending() ? POLLOUT : 0));
        polled[count++] = {conn->_fd, events, 0};
    }
    const timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000ull),
                      static_cast<long>(timeout_ns % 1'000'000'000ull)};
    ::ppoll(polled, count, &ts, nullptr);
}

}  // namespace laminar::bench
