// Loopback TCP ping-pong: the client sends a fixed-size message, the server echoes it, the client
// times send-to-full-reply with steady_clock. Variants, all in one process and one run:
//   threads blocking    both ends plain threads in blocking recv/send (the baseline)
//   threads busy-poll   both ends plain threads spinning on recv(MSG_DONTWAIT): the machine's floor
//   reactor <idle>      server on a 1-shard runtime with that idle strategy, blocking client thread
//   2 reactors <idle>   server on shard 0, client on shard 1, both with that idle strategy
// The server runs on CPU 0 and the client on CPU 1 in every variant. Each repetition runs every
// variant once, in turn, so drift in the machine's load touches all of them alike; the table shows,
// per column, the median over the repetitions, and the ratio of p50 and p99 to the baseline's.
// It prints figures; it never passes or fails on time.
//
//   build/release/bench/pingpong_bench [--round-trips=20000] [--runs=3] [--message-bytes=64]
//
// spin and busy-poll keep a CPU busy per polling end: on a 2-CPU machine that is all of it.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "bench/latency_summary.h"
#include "core/runtime.h"
#include "core/unique_fd.h"
#include "net/socket.h"

namespace laminar::bench {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr unsigned server_cpu = 0;
constexpr unsigned client_cpu = 1;
constexpr long warm_up_round_trips = 2000;

struct pingpong_config {
    long round_trips = 20'000;
    std::size_t message_bytes = 64;
};

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "pingpong_bench: %s (errno %d)\n", what, errno);
    std::exit(1);
}

std::uint64_t nanoseconds_between(clock_type::time_point start, clock_type::time_point end) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
}

// Times round_trips after the warm-up; `exchange` sends one message and waits for its echo.
template <typename Exchange>
latency_summary time_round_trips(const pingpong_config& config, Exchange&& exchange) {
    for (long i = 0; i < warm_up_round_trips; ++i) exchange();
    std::vector<std::uint64_t> samples_ns;
    samples_ns.reserve(static_cast<std::size_t>(config.round_trips));
    const auto start = clock_type::now();
    for (long i = 0; i < config.round_trips; ++i) {
        const auto sent = clock_type::now();
        exchange();
        samples_ns.push_back(nanoseconds_between(sent, clock_type::now()));
    }
    const double rate =
        double(config.round_trips) * 1e9 / double(nanoseconds_between(start, clock_type::now()));
    return summarize(samples_ns, rate);
}

// ---- plain threads ---------------------------------------------------------------------------

void send_all(int fd, std::span<const std::byte> message) {
    std::size_t sent = 0;
    while (sent < message.size()) {
        const ssize_t n = ::send(fd, message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EINTR) die("send");
        if (n > 0) sent += static_cast<std::size_t>(n);
    }
}

// False at end of stream. busy_poll spins on MSG_DONTWAIT instead of sleeping in the kernel.
bool recv_all(int fd, std::span<std::byte> message, bool busy_poll) {
    std::size_t received = 0;
    const int flags = busy_poll ? MSG_DONTWAIT : 0;
    while (received < message.size()) {
        const ssize_t n = ::recv(fd, message.data() + received, message.size() - received, flags);
        if (n == 0) return false;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            die("recv");
        }
        received += static_cast<std::size_t>(n);
    }
    return true;
}

void set_blocking_nodelay(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

void thread_echo_server(int listen_fd, std::size_t message_bytes, bool busy_poll) {
    pin_current_thread(server_cpu);
    pollfd ready{.fd = listen_fd, .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, 10'000) != 1) die("no client connected");
    unique_fd connection(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection) die("accept");
    set_blocking_nodelay(connection.get());
    std::vector<std::byte> message(message_bytes);
    while (recv_all(connection.get(), message, busy_poll)) send_all(connection.get(), message);
}

latency_summary thread_client(std::uint16_t port, const pingpong_config& config, bool busy_poll) {
    pin_current_thread(client_cpu);
    unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        die("connect");
    }
    set_blocking_nodelay(fd.get());
    std::vector<std::byte> message(config.message_bytes, std::byte{0x5a});
    return time_round_trips(config, [&] {
        send_all(fd.get(), message);
        if (!recv_all(fd.get(), message, busy_poll)) die("server closed early");
    });
}

struct listener {
    unique_fd fd;
    std::uint16_t port = 0;
};

listener listen_on_loopback() {
    const net::endpoint any_port{"127.0.0.1", 0};
    auto fd = net::listen_tcp(any_port);
    if (!fd) die("listen");
    auto port = net::local_port(fd->get());
    if (!port) die("getsockname");
    return listener{std::move(*fd), *port};
}

latency_summary run_threads(const pingpong_config& config, bool busy_poll) {
    listener server = listen_on_loopback();
    std::thread echo(thread_echo_server, server.fd.get(), config.message_bytes, busy_poll);
    latency_summary result;
    std::thread client([&] { result = thread_client(server.port, config, busy_poll); });
    client.join();  // closing the client's socket ends the echo loop
    echo.join();
    return result;
}

// ---- reactors --------------------------------------------------------------------------------

// One message in, the same bytes out, until the peer closes; then stops this shard.
task<void> reactor_echo_server(int listen_fd, std::size_t message_bytes) {
    auto accepted = co_await io::accept(listen_fd);
    if (!accepted) die("accept on the reactor");
    unique_fd connection(static_cast<int>(*accepted));
    if (!net::set_nodelay(connection.get())) die("TCP_NODELAY");
    std::vector<std::byte> message(message_bytes);
    const std::span<std::byte> whole(message);
    bool open = true;
    while (open) {
        for (std::size_t received = 0; open && received < whole.size();) {
            auto n = co_await io::recv(connection.get(), whole.subspan(received));
            open = n && *n > 0;
            if (open) received += *n;
        }
        for (std::size_t sent = 0; open && sent < whole.size();) {
            auto n = co_await io::send(connection.get(), whole.subspan(sent));
            if (!n) die("send on the reactor");
            sent += *n;
        }
    }
    reactor::current().request_stop();
}

// The client's loop is written out here rather than calling a task per exchange, so the figures
// carry no coroutine frame allocation per round trip.
task<void> reactor_client(std::uint16_t port, pingpong_config config, latency_summary& result) {
    net::endpoint server{"127.0.0.1", port};
    auto connected = co_await net::connect_tcp(server);
    if (!connected) die("connect on the reactor");
    unique_fd fd = std::move(*connected);
    std::vector<std::byte> buffer(config.message_bytes, std::byte{0x5a});
    const std::span<std::byte> message(buffer);
    std::vector<std::uint64_t> samples_ns;
    samples_ns.reserve(static_cast<std::size_t>(config.round_trips));
    auto start = clock_type::now();
    for (long i = -warm_up_round_trips; i < config.round_trips; ++i) {
        if (i == 0) start = clock_type::now();
        const auto sent = clock_type::now();
        for (std::size_t done = 0; done < message.size();) {
            auto n = co_await io::send(fd.get(), message.subspan(done));
            if (!n) die("send on the reactor");
            done += *n;
        }
        for (std::size_t done = 0; done < message.size();) {
            auto n = co_await io::recv(fd.get(), message.subspan(done));
            if (!n || *n == 0) die("server closed early");
            done += *n;
        }
        if (i >= 0) samples_ns.push_back(nanoseconds_between(sent, clock_type::now()));
    }
    const auto end = clock_type::now();
    result = summarize(samples_ns,
                       double(config.round_trips) * 1e9 / double(nanoseconds_between(start, end)));
    fd.reset();  // the server sees end of stream and stops its shard
    reactor::current().request_stop();
}

runtime_options shard_options(unsigned shard_count, idle_strategy idle) {
    runtime_options options;
    options.shard_count = shard_count;
    options.reactor.idle = idle;
    // Shard 0 serves, shard 1 (when there is one) is the client.
    options.thread_init = [](unsigned shard) {
        pin_current_thread(shard == 0 ? server_cpu : client_cpu);
    };
    return options;
}

latency_summary run_reactor_server(const pingpong_config& config, idle_strategy idle) {
    listener server = listen_on_loopback();
    runtime shards(shard_options(1, idle));
    const int listen_fd = server.fd.get();
    auto main = [listen_fd, &config](unsigned) {
        return reactor_echo_server(listen_fd, config.message_bytes);
    };
    if (!shards.start(main)) die("runtime start");
    latency_summary result;
    std::thread client([&] { result = thread_client(server.port, config, false); });
    client.join();
    shards.wait();
    return result;
}

latency_summary run_two_reactors(const pingpong_config& config, idle_strategy idle) {
    listener server = listen_on_loopback();
    runtime shards(shard_options(2, idle));
    latency_summary result;
    const int listen_fd = server.fd.get();
    const std::uint16_t port = server.port;
    auto main = [listen_fd, port, &config, &result](unsigned shard) -> task<void> {
        if (shard == 0) return reactor_echo_server(listen_fd, config.message_bytes);
        return reactor_client(port, config, result);
    };
    if (!shards.start(main)) die("runtime start");
    shards.wait();
    return result;
}

}  // namespace
}  // namespace laminar::bench

int main(int argc, char** argv) {
    using namespace laminar;
    using namespace laminar::bench;
    pingpong_config config;
    config.round_trips = option(argc, argv, "round-trips", 20'000);
    config.message_bytes = static_cast<std::size_t>(option(argc, argv, "message-bytes", 64));
    const long runs = option(argc, argv, "runs", 3);

    struct variant {
        const char* name;
        std::function<latency_summary()> run;
        std::vector<latency_summary> results;
    };
    std::vector<variant> variants;
    variants.push_back({"threads blocking", [&] { return run_threads(config, false); }, {}});
    variants.push_back({"threads busy-poll", [&] { return run_threads(config, true); }, {}});
    for (auto idle : {idle_strategy::sleep, idle_strategy::backoff, idle_strategy::spin}) {
        variants.push_back({"", [&config, idle] { return run_reactor_server(config, idle); }, {}});
    }
    for (auto idle : {idle_strategy::sleep, idle_strategy::backoff, idle_strategy::spin}) {
        variants.push_back({"", [&config, idle] { return run_two_reactors(config, idle); }, {}});
    }
    const char* reactor_names[] = {"reactor sleep",    "reactor backoff",    "reactor spin",
                                   "2 reactors sleep", "2 reactors backoff", "2 reactors spin"};
    for (std::size_t i = 2; i < variants.size(); ++i) variants[i].name = reactor_names[i - 2];

    std::printf("loopback TCP ping-pong, %zu-byte messages, %ld round trips after %ld warm-up, "
                "server CPU %u, client CPU %u; median of %ld runs (microseconds)\n",
                config.message_bytes, config.round_trips, warm_up_round_trips, server_cpu,
                client_cpu, runs);
    std::fflush(stdout);
    for (long run = 0; run < runs; ++run) {
        for (auto& each : variants) each.results.push_back(each.run());
    }
    std::printf("%-19s %7s %7s %7s %8s %8s %9s %6s %6s %13s\n", "variant", "p50", "p90", "p99",
                "p99.9", "max", "rt/s", "p50 x", "p99 x", "p50 min-max");
    const latency_summary baseline = median_of_runs(variants[0].results);
    for (const auto& each : variants) {
        const latency_summary row = median_of_runs(each.results);
        double p50_min = 1e300;
        double p50_max = 0;
        for (const auto& result : each.results) {
            p50_min = std::min(p50_min, result.p50_ns);
            p50_max = std::max(p50_max, result.p50_ns);
        }
        const std::string spread = std::to_string(static_cast<long>(p50_min / 1000 + 0.5)) + "-" +
                                   std::to_string(static_cast<long>(p50_max / 1000 + 0.5));
        std::printf("%-19s %7.1f %7.1f %7.1f %8.1f %8.0f %9.0f %6.2f %6.2f %13s\n", each.name,
                    row.p50_ns / 1000, row.p90_ns / 1000, row.p99_ns / 1000, row.p999_ns / 1000,
                    row.max_ns / 1000, row.per_second, row.p50_ns / baseline.p50_ns,
                    row.p99_ns / baseline.p99_ns, spread.c_str());
    }
    return 0;
}
