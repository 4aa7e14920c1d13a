// The network front moves a connection to the shard that owns the partitions it asks for
// (broker/server.h), between two requests and with the requests it already received. Two
// shards run serve() with a handler that reads the placement a request claims from its first
// bytes and answers with the shard that served it; a blocking client talks to shard 0.
#include "broker/server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "core/endian.h"
#include "core/runtime.h"
#include "net/socket.h"

namespace laminar::broker {
namespace {

// A request frame's body: [placement shard or none][kind][id].
constexpr std::uint8_t no_shard = 0xff;
enum class kind : std::uint8_t { other, produce, sessionless_fetch, session_fetch };

class placement_handler final : public request_handler {
public:
    task<status> handle(connection_info& connection, std::span<const std::byte> frame,
                        net::outbound_chain& response) override {
        if (frame.size() != 3) co_return fail(errc::corrupt_data);
        const auto shard = static_cast<std::uint8_t>(frame[0]);
        const auto what = static_cast<kind>(frame[1]);
        if (what != kind::other) {
            connection.placement.data = true;
            if (shard != no_shard) connection.placement.shard = shard;
            connection.placement.fetch = what != kind::produce;
            connection.placement.holds_fetch_session = what == kind::session_fetch;
        }
        // The answer: size 2, the shard serving the connection, the request's id.
        std::vector<std::byte> answer(6);
        store_be<std::int32_t>(answer.data(), 2);
        answer[4] = static_cast<std::byte>(reactor::current().shard_id());
        answer[5] = frame[2];
        response.append(std::move(answer));
        co_return status{};
    }
};

// A blocking client of shard 0's listener.
class client {
public:
    explicit client(std::uint16_t port) : _fd(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(_fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        // A hand-over that lost the connection fails the test instead of hanging it.
        const timeval timeout{5, 0};
        ::setsockopt(_fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    // Sends the requests in one write, then reads one answer each: the shard that served each.
    std::vector<unsigned> ask(std::uint8_t shard, kind what, int count = 1) {
        std::vector<std::byte> out;
        for (int i = 0; i < count; ++i) {
            std::array<std::byte, 7> frame{};
            store_be<std::int32_t>(frame.data(), 3);
            frame[4] = std::byte{shard};
            frame[5] = static_cast<std::byte>(what);
            frame[6] = static_cast<std::byte>(_next_id + i);
            out.insert(out.end(), frame.begin(), frame.end());
        }
        EXPECT_EQ(::send(_fd.get(), out.data(), out.size(), 0),
                  static_cast<ssize_t>(out.size()));
        std::vector<unsigned> served;
        for (int i = 0; i < count; ++i) {
            std::array<std::byte, 6> answer{};
            std::size_t got = 0;
            while (got < answer.size()) {
                const ssize_t n = ::recv(_fd.get(), answer.data() + got, answer.size() - got, 0);
                if (n <= 0) {
                    if (!_closed_expected) ADD_FAILURE() << "connection closed or silent";
                    return served;
                }
                got += static_cast<std::size_t>(n);
            }
            EXPECT_EQ(load_be<std::int32_t>(answer.data()), 2);
            EXPECT_EQ(static_cast<std::uint8_t>(answer[5]),
                      static_cast<std::uint8_t>(_next_id + i))
                << "answers out of order";
            served.push_back(static_cast<unsigned>(answer[4]));
        }
        _next_id = static_cast<std::uint8_t>(_next_id + count);
        return served;
    }

    void expect_close() { _closed_expected = true; }
    // True when the server closes the connection within the receive timeout.
    bool closed_by_server() {
        std::byte any{};
        return ::recv(_fd.get(), &any, 1, 0) == 0;
    }

private:
    unique_fd _fd;
    std::uint8_t _next_id = 0;
    bool _closed_expected = false;
};

// Two shards; shard 0 serves a listener the client reaches, shard 1 another one (unless
// `shard_1_serves` is false: then shard 1 runs no server and takes no connection).
class two_shards {
public:
    explicit two_shards(bool shard_1_serves = true, connection_admission* admission = nullptr,
                        std::int64_t idle_ms = -1)
        : _mesh(2) {
        for (auto& listener : _listeners) {
            auto made = net::listen_tcp(*net::parse_endpoint("127.0.0.1:0"));
            EXPECT_TRUE(made);
            listener = std::move(*made);
        }
        port = *net::local_port(_listeners[0].get());
        runtime_options options;
        options.shard_count = 2;
        _runtime = std::make_unique<runtime>(std::move(options));
        auto main = [this, shard_1_serves, admission, idle_ms](unsigned shard) -> task<void> {
            if (shard == 1 && !shard_1_serves) {
                ++_started;
                co_return;
            }
            server_options serving{
                .admission = admission, .mesh = &_mesh, .connections_max_idle_ms = idle_ms};
            ++_started;
            co_await serve(_listeners[shard].get(), _handlers[shard], serving, counters[shard]);
        };
        EXPECT_TRUE(_runtime->start(main));
        while (_started.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~two_shards() { stop(); }
    void stop() {
        if (!_runtime) return;
        _runtime->request_stop();
        _runtime->wait();
        _runtime.reset();
    }

    std::uint16_t port = 0;
    std::array<server_counters, 2> counters{};

private:
    server_mesh _mesh;
    std::array<unique_fd, 2> _listeners;
    std::array<placement_handler, 2> _handlers;
    std::atomic<int> _started{0};
    std::unique_ptr<runtime> _runtime;
};

std::vector<unsigned> all(unsigned shard, int count) { return std::vector<unsigned>(count, shard); }

TEST(server, a_connection_moves_to_the_shard_of_its_partitions) {
    two_shards shards;
    client c(shards.port);
    // Requests that name no partition, or partitions of this shard, or of both, keep it here.
    EXPECT_EQ(c.ask(no_shard, kind::other, 5), all(0, 5));
    EXPECT_EQ(c.ask(0, kind::produce, 5), all(0, 5));
    EXPECT_EQ(c.ask(no_shard, kind::produce, 5), all(0, 5));
    // Produces to shard 1's partitions: served here until connection_move_after in a row.
    for (unsigned i = 0; i + 1 < connection_move_after; ++i) {
        EXPECT_EQ(c.ask(1, kind::produce), all(0, 1));
    }
    EXPECT_EQ(c.ask(0, kind::produce), all(0, 1));  // the streak starts again
    for (unsigned i = 0; i < connection_move_after; ++i) {
        EXPECT_EQ(c.ask(1, kind::produce), all(0, 1));
    }
    EXPECT_EQ(c.ask(1, kind::produce, 3), all(1, 3));
    // Other requests are served on the new shard too, and it does not move back at once.
    EXPECT_EQ(c.ask(no_shard, kind::other, 2), all(1, 2));
    EXPECT_EQ(c.ask(0, kind::sessionless_fetch, connection_move_after + 2),
              all(1, connection_move_after + 2));
    shards.stop();
    EXPECT_EQ(shards.counters[0].connections_moved_out, 1u);
    EXPECT_EQ(shards.counters[1].connections_moved_in, 1u);
    EXPECT_EQ(shards.counters[0].connections_accepted, 1u);
    EXPECT_EQ(shards.counters[0].connections_open, 0u);
    EXPECT_EQ(shards.counters[1].connections_open, 0u);
}

TEST(server, requests_already_received_move_with_the_connection) {
    two_shards shards;
    client c(shards.port);
    // All in one write: the move happens with the rest of them read and waiting.
    const auto served = c.ask(1, kind::sessionless_fetch, 20);
    std::vector<unsigned> expected = all(0, connection_move_after);
    const auto after = all(1, 20 - connection_move_after);
    expected.insert(expected.end(), after.begin(), after.end());
    EXPECT_EQ(served, expected);
}

TEST(server, a_connection_holding_a_fetch_session_stays) {
    two_shards shards;
    client c(shards.port);
    EXPECT_EQ(c.ask(1, kind::session_fetch, 10), all(0, 10));
    // Produces on the same connection do not release it: its next fetch names the session.
    EXPECT_EQ(c.ask(1, kind::produce, 10), all(0, 10));
    // A sessionless fetch does: the client holds no session any more.
    const auto served = c.ask(1, kind::sessionless_fetch, connection_move_after + 1);
    EXPECT_EQ(served.back(), 1u);
}

TEST(server, a_shard_that_serves_no_connections_refuses_them) {
    two_shards shards(false);
    client c(shards.port);
    EXPECT_EQ(c.ask(1, kind::produce, 20), all(0, 20));
    shards.stop();
    EXPECT_EQ(shards.counters[0].connections_moved_out, 0u);
}

// A shard takes connections only while it has at most connection_move_imbalance_max more than
// the sender: the consumers of one hot partition do not all pile onto its shard.
TEST(server, a_shard_takes_connections_only_up_to_the_imbalance_bound) {
    two_shards shards;
    constexpr unsigned clients = 14;
    std::vector<std::unique_ptr<client>> connected;
    for (unsigned i = 0; i < clients; ++i) {
        connected.push_back(std::make_unique<client>(shards.port));
        EXPECT_EQ(connected.back()->ask(no_shard, kind::other), all(0, 1));  // open on shard 0
    }
    std::uint64_t on_0 = clients, on_1 = 0, moved = 0;
    for (auto& c : connected) {
        const bool takes = on_1 + 1 <= on_0 - 1 + connection_move_imbalance_max;
        const auto served = c->ask(1, kind::produce, connection_move_after + 1);
        EXPECT_EQ(served.back(), takes ? 1u : 0u) << "after " << moved << " moves";
        if (takes) {
            --on_0;
            ++on_1;
            ++moved;
        }
    }
    EXPECT_GT(moved, 0u);
    EXPECT_LT(moved, clients);
}

// A moved connection is counted out of max.connections.per.ip once, when it closes on the shard
// it moved to: the host can connect again.
TEST(server, a_moved_connection_gives_its_admission_back_once) {
    connection_admission admission(0, 1);
    two_shards shards(true, &admission);
    {
        client first(shards.port);
        EXPECT_EQ(first.ask(1, kind::produce, connection_move_after + 1).back(), 1u);
    }
    // The close reaches shard 1 a moment later; until then a second connection is refused.
    std::unique_ptr<client> second;
    for (int attempt = 0; attempt < 200; ++attempt) {
        second = std::make_unique<client>(shards.port);
        second->expect_close();
        if (second->ask(no_shard, kind::other).size() == 1) break;
        second.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(second) << "the moved connection's admission was never given back";
    // `second` holds the host's one place.
    client third(shards.port);
    third.expect_close();
    EXPECT_TRUE(third.ask(no_shard, kind::other).empty());
}

// Limits changed while connections are open (a dynamic config): what is open stays counted,
// new connections meet the new limits.
TEST(server, admission_limits_change_while_connections_are_open) {
    using verdict = connection_admission::verdict;
    connection_admission admission(0, 1);
    EXPECT_EQ(admission.admit("a"), verdict::admitted);
    EXPECT_EQ(admission.admit("a"), verdict::host_limit_reached);
    admission.set_limits(0, 2);
    EXPECT_EQ(admission.admit("a"), verdict::admitted);
    admission.set_limits(1, 2);  // two open, one allowed: none more, none closed
    EXPECT_TRUE(admission.full());
    EXPECT_EQ(admission.admit("b"), verdict::total_reached);
    admission.release("a");
    admission.release("a");
    EXPECT_FALSE(admission.full());
    EXPECT_EQ(admission.admit("b"), verdict::admitted);
}

// connections.max.idle.ms: a connection waiting for its next request with nothing received
// for that long is closed, on the shard it was accepted on or the one it moved to; one that
// keeps asking is not.
TEST(server, idle_connections_are_closed_on_either_shard) {
    two_shards shards(true, nullptr, 500);
    client talks(shards.port);
    EXPECT_EQ(talks.ask(no_shard, kind::other), all(0, 1));
    client stays(shards.port);
    EXPECT_EQ(stays.ask(no_shard, kind::other), all(0, 1));
    client moves(shards.port);
    auto moved = all(0, connection_move_after);
    moved.push_back(1);
    EXPECT_EQ(moves.ask(1, kind::produce, connection_move_after + 1), moved);
    const auto started = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500)) {
        EXPECT_EQ(talks.ask(no_shard, kind::other), all(0, 1));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(stays.closed_by_server());
    EXPECT_TRUE(moves.closed_by_server());
    EXPECT_EQ(talks.ask(no_shard, kind::other), all(0, 1));
    shards.stop();
    EXPECT_EQ(shards.counters[0].connections_idle_closed, 1u);
    EXPECT_EQ(shards.counters[1].connections_idle_closed, 1u);
}

// A limit near INT64_MAX ms means never (no overflow into "already past").
TEST(server, a_huge_idle_limit_closes_nothing) {
    two_shards shards(true, nullptr, INT64_MAX);
    client c(shards.port);
    EXPECT_EQ(c.ask(no_shard, kind::other), all(0, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // past the 1 s check
    EXPECT_EQ(c.ask(no_shard, kind::other), all(0, 1));
    shards.stop();
    EXPECT_EQ(shards.counters[0].connections_idle_closed, 0u);
}

}  // namespace
}  // namespace laminar::broker
