#include "net/socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/reactor.h"

namespace laminar::net {

namespace {

struct resolved_address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
};

result<resolved_address> resolve(const endpoint& address, bool passive) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    addrinfo* found = nullptr;
    const std::string port = std::to_string(address.port);
    const char* host = address.host.empty() ? nullptr : address.host.c_str();
    if (::getaddrinfo(host, port.c_str(), &hints, &found) != 0 || found == nullptr) {
        return fail(errc::not_found);
    }
    resolved_address resolved;
    std::memcpy(&resolved.storage, found->ai_addr, found->ai_addrlen);
    resolved.length = found->ai_addrlen;
    resolved.family = found->ai_family;
    ::freeaddrinfo(found);
    return resolved;
}

}  // namespace

result<endpoint> parse_endpoint(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(errc::invalid_argument);
    std::string_view host = text.substr(0, colon);
    std::string_view port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
        return fail(errc::invalid_argument);  // IPv6 needs brackets
    }
    unsigned port = 0;
    const char* text_end = port_text.data() + port_text.size();
    auto [end, error] = std::from_chars(port_text.data(), text_end, port);
    if (error != std::errc{} || end != text_end || port > 65535 ||
        port_text.empty()) {
        return fail(errc::invalid_argument);
    }
    return endpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

std::string to_string(const endpoint& address) {
    if (address.host.find(':') != std::string::npos) {
        return "[" + address.host + "]:" + std::to_string(address.port);
    }
    return address.host + ":" + std::to_string(address.port);
}

status set_nodelay(int fd) {
    int one = 1;
    if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
        return fail(errc_from_errno(errno));
    }
    return {};
}

result<unique_fd> listen_tcp(const endpoint& address, listen_options options) {
    auto resolved = resolve(address, true);
    if (!resolved) return fail(resolved.error());
    unique_fd fd(::socket(resolved->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return fail(errc_from_errno(errno));
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (options.reuse_port &&
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
        return fail(errc_from_errno(errno));
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&resolved->storage), resolved->length) != 0 ||
        ::listen(fd.get(), options.backlog) != 0) {
        return fail(errc_from_errno(errno));
    }
    return fd;
}

result<std::uint16_t> local_port(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof(storage);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        return fail(errc_from_errno(errno));
    }
    if (storage.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
    }
    return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

task<result<unique_fd>> connect_tcp(endpoint address) {
    auto resolved = resolve(address, false);
    if (!resolved) co_return fail(resolved.error());
    unique_fd fd(::socket(resolved->family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) co_return fail(errc_from_errno(errno));
    auto connected = co_await io::connect(
        fd.get(), reinterpret_cast<sockaddr*>(&resolved->storage), resolved->length);
    if (!connected) co_return fail(connected.error());
    if (auto nodelay = set_nodelay(fd.get()); !nodelay) co_return fail(nodelay.error());
    co_return std::move(fd);
}

}  // namespace laminar::net
