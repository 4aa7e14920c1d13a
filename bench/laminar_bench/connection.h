// One non-blocking TCP connection with byte buffers both ways, for the raw-socket targets
// (native Kafka codec, Redis RESP): no library threads, the caller's thread does all I/O, and
// it either sleeps in ppoll or (busy_poll) spins on the socket.
//
// Locality: one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace laminar::bench {

class connection {
public:
    connection() = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection();

    // "HOST:PORT" (the first of a comma-separated list); false with `error` set on failure.
    bool open(const std::string& address, std::string& error);

    std::vector<char> out;  // bytes to send
    std::size_t out_sent = 0;
    std::vector<char> in;     // bytes received, not yet consumed
    std::size_t in_used = 0;  // consumed prefix of `in`

    // Sends what it can without blocking; false when the connection failed.
    bool flush();
    // Reads what has arrived without blocking; -1 on EOF or error, else the byte count.
    long receive();
    // Waits for input (or writability while `out` has bytes) up to `timeout_ns`; with busy_poll
    // it returns at once and the caller spins.
    void wait(std::uint64_t timeout_ns, bool busy_poll);
    // Waits up to `timeout_ns` for any of `connections` (null entries skipped) as wait() does,
    // without busy_poll: the one-thread mode's sleep on its producer and consumer sockets.
    static void wait_any(std::initializer_list<connection*> connections, std::uint64_t timeout_ns);
    bool out_pending() const noexcept { return out_sent < out.size(); }
    std::size_t in_available() const noexcept { return in.size() - in_used; }
    const char* in_data() const noexcept { return in.data() + in_used; }
    void consume(std::size_t n) noexcept { in_used += n; }
    bool broken() const noexcept { return _broken; }

private:
    int _fd = -1;
    bool _broken = false;
};

// Host and port of the first address in "HOST:PORT[,HOST:PORT...]".
bool split_address(const std::string& address, std::string& host, std::uint16_t& port);

}  // namespace laminar::bench
