#include "core/reactor.h"
#include "core/worker_read.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <sys/stat.h>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "core/unique_fd.h"
#include "net/socket.h"

namespace laminar {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<reactor> make_reactor(idle_strategy idle = idle_strategy::sleep) {
    reactor_options options;
    options.idle = idle;
    auto made = reactor::create(options);
    if (!made) std::abort();
    return std::move(*made);
}

mode_t current_umask() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

std::span<const std::byte> bytes_of(std::string_view text) {
    return std::as_bytes(std::span(text.data(), text.size()));
}

TEST(reactor, runs_spawned_tasks_and_sleeps) {
    auto shard = make_reactor();
    int steps = 0;
    auto main = [&]() -> task<void> {
        ++steps;
        auto slept = co_await io::sleep_for(2ms);
        EXPECT_TRUE(slept);
        ++steps;
        co_await io::yield();
        ++steps;
        reactor::current().request_stop();
    };
    const auto start = std::chrono::steady_clock::now();
    shard->spawn(main());
    shard->run();
    EXPECT_EQ(steps, 3);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 2ms);
    EXPECT_EQ(shard->live_tasks(), 0u);
}

TEST(reactor, file_write_read_fallocate_fdatasync) {
    auto shard = make_reactor();
    char path[] = "/tmp/laminar-reactor-XXXXXX";
    unique_fd fd(::mkstemp(path));
    ASSERT_TRUE(fd);
    ::unlink(path);
    auto main = [&]() -> task<void> {
        auto reserved = co_await io::fallocate(fd.get(), 0, 0, 1 << 20);
        EXPECT_TRUE(reserved);
        auto written = co_await io::write(fd.get(), bytes_of("hello laminar"), 4096);
        EXPECT_EQ(written.value_or(0), 13u);
        EXPECT_TRUE(co_await io::fdatasync(fd.get()));
        EXPECT_TRUE(co_await io::fsync(fd.get()));
        std::array<std::byte, 13> back{};
        auto read = co_await io::read(fd.get(), back, 4096);
        EXPECT_EQ(read.value_or(0), 13u);
        EXPECT_EQ(std::memcmp(back.data(), "hello laminar", 13), 0);
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
    struct stat info {};
    ASSERT_EQ(::fstat(fd.get(), &info), 0);
    EXPECT_EQ(info.st_size, 1 << 20);
}

// A read given to the ring's workers (IOSQE_ASYNC) reads the same bytes and reports errors the
// same way; that it runs in a worker shows in perf (bench/README.md, cold reads, session 10).
TEST(reactor, read_in_worker_reads_like_read) {
    auto shard = make_reactor();
    char path[] = "/tmp/laminar-reactor-XXXXXX";
    unique_fd fd(::mkstemp(path));
    ASSERT_TRUE(fd);
    ::unlink(path);
    auto main = [&]() -> task<void> {
        auto written = co_await io::write(fd.get(), bytes_of("cold scan"), 8192);
        EXPECT_EQ(written.value_or(0), 9u);
        std::array<std::byte, 16> back{};
        auto read = co_await io::read_in_worker(fd.get(), back, 8192);
        EXPECT_EQ(read.value_or(0), 9u);  // short: the file ends there
        EXPECT_EQ(std::memcmp(back.data(), "cold scan", 9), 0);
        auto past_end = co_await io::read_in_worker(fd.get(), back, 1 << 20);
        EXPECT_EQ(past_end.value_or(1), 0u);
        auto failed = co_await io::read_in_worker(-1, back, 0);
        EXPECT_FALSE(failed);
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
}

TEST(reactor, reports_errors_as_values) {
    auto shard = make_reactor();
    auto main = [&]() -> task<void> {
        std::array<std::byte, 8> buffer{};
        auto read = co_await io::read(-1, buffer, 0);
        EXPECT_FALSE(read);
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
}

TEST(reactor, mkdirat_and_openat_through_the_ring) {
    auto shard = make_reactor();
    char base[] = "/tmp/laminar-reactor-dir-XXXXXX";
    ASSERT_NE(::mkdtemp(base), nullptr);
    const std::string dir = std::string(base) + "/made";
    const std::string file = dir + "/file";
    auto main = [&]() -> task<void> {
        auto made = co_await io::mkdirat(AT_FDCWD, dir.c_str(), 0755);
        EXPECT_TRUE(made);
        auto again = io::mkdirat(AT_FDCWD, dir.c_str(), 0755);
        auto existing = co_await again;
        EXPECT_FALSE(existing);
        EXPECT_EQ(again.raw_result(), -EEXIST);
        auto missing = co_await io::openat(AT_FDCWD, file.c_str(), O_RDONLY);
        EXPECT_FALSE(missing);
        EXPECT_EQ(missing.error(), errc::not_found);
        // Relative to a directory descriptor, created, written and read back.
        auto directory = co_await io::openat(AT_FDCWD, dir.c_str(), O_RDONLY | O_DIRECTORY);
        EXPECT_TRUE(directory);
        unique_fd dir_fd(directory ? static_cast<int>(*directory) : -1);
        auto created = co_await io::openat(dir_fd.get(), "file", O_CREAT | O_RDWR, 0640);
        EXPECT_TRUE(created);
        unique_fd fd(created ? static_cast<int>(*created) : -1);
        EXPECT_EQ(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        auto written = co_await io::write(fd.get(), bytes_of("ring"), 0);
        EXPECT_TRUE(written && *written == 4);
        auto reopened = co_await io::openat(AT_FDCWD, file.c_str(), O_RDONLY);
        EXPECT_TRUE(reopened);
        unique_fd again_fd(reopened ? static_cast<int>(*reopened) : -1);
        std::array<std::byte, 8> buffer{};
        auto read = co_await io::read(again_fd.get(), buffer, 0);
        EXPECT_TRUE(read && *read == 4);
        EXPECT_EQ(std::memcmp(buffer.data(), "ring", 4), 0);
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0640u & ~current_umask());
    EXPECT_EQ(::stat(dir.c_str(), &info), 0);
    EXPECT_TRUE(S_ISDIR(info.st_mode));
    ::unlink(file.c_str());
    ::rmdir(dir.c_str());
    ::rmdir(base);
}

// Accepts one connection and echoes until the peer closes.
task<void> echo_once(int listen_fd) {
    auto accepted = co_await io::accept(listen_fd);
    if (!accepted) co_return;
    unique_fd connection(static_cast<int>(*accepted));
    std::array<std::byte, 4096> buffer{};
    while (true) {
        auto received = co_await io::recv(connection.get(), buffer);
        if (!received || *received == 0) co_return;
        auto sent = co_await io::send(connection.get(), std::span(buffer.data(), *received));
        if (!sent) co_return;
    }
}

TEST(reactor, tcp_echo_over_loopback) {
    for (auto idle : {idle_strategy::sleep, idle_strategy::backoff, idle_strategy::spin}) {
        auto shard = make_reactor(idle);
        auto listener = net::listen_tcp({"127.0.0.1", 0});
        ASSERT_TRUE(listener);
        const auto port = net::local_port(listener->get()).value();
        auto client = [&]() -> task<void> {
            net::endpoint server{"127.0.0.1", port};
            auto connected = co_await net::connect_tcp(server);
            EXPECT_TRUE(connected);
            if (!connected) co_return reactor::current().request_stop();
            for (int round = 0; round < 100; ++round) {
                std::string message = "ping " + std::to_string(round);
                auto sent = co_await io::send(connected->get(), bytes_of(message));
                EXPECT_EQ(sent.value_or(0), message.size());
                std::array<std::byte, 64> reply{};
                std::size_t have = 0;
                while (have < message.size()) {
                    auto got = co_await io::recv(connected->get(), std::span(reply).subspan(have));
                    if (!got || *got == 0) break;
                    have += *got;
                }
                EXPECT_EQ(std::string(reinterpret_cast<char*>(reply.data()), have), message);
            }
            connected->reset();
            reactor::current().request_stop();
        };
        shard->spawn(echo_once(listener->get()));
        shard->spawn(client());
        shard->run();
        EXPECT_EQ(shard->live_tasks(), 0u) << to_string(idle);
    }
}

TEST(reactor, timeout_on_a_recv_reports_timed_out) {
    auto shard = make_reactor();
    int sockets[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
    unique_fd left(sockets[0]), right(sockets[1]);
    auto main = [&]() -> task<void> {
        std::array<std::byte, 16> buffer{};
        const auto start = std::chrono::steady_clock::now();
        auto received = co_await io::recv(left.get(), buffer).with_timeout(5ms);
        EXPECT_FALSE(received);
        EXPECT_EQ(error_of(received), errc::timed_out);
        EXPECT_GE(std::chrono::steady_clock::now() - start, 5ms);
        // Data already there completes before the deadline.
        ::write(right.get(), "x", 1);
        auto ready = co_await io::recv(left.get(), buffer).with_timeout(1s);
        EXPECT_EQ(ready.value_or(0), 1u);
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
}

TEST(reactor, cancel_token_cancels_inflight_and_later_operations) {
    auto shard = make_reactor();
    int sockets[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
    unique_fd left(sockets[0]), right(sockets[1]);
    cancel_token token;
    bool waiter_done = false;
    auto waiter = [&]() -> task<void> {
        std::array<std::byte, 16> buffer{};
        auto received = co_await io::recv(left.get(), buffer).with_cancel(token);
        EXPECT_FALSE(received);
        EXPECT_EQ(error_of(received), errc::cancelled);
        auto again = co_await io::recv(left.get(), buffer).with_cancel(token);
        EXPECT_EQ(again.error(), errc::cancelled);
        waiter_done = true;
    };
    auto canceller = [&]() -> task<void> {
        co_await io::sleep_for(1ms);
        token.cancel();
        co_await io::sleep_for(1ms);
        EXPECT_TRUE(waiter_done);
        reactor::current().request_stop();
    };
    shard->spawn(waiter());
    shard->spawn(canceller());
    shard->run();
    EXPECT_TRUE(waiter_done);
}

TEST(reactor, stop_cancels_registered_tokens_and_drains_the_rest) {
    auto shard = make_reactor();
    auto listener = net::listen_tcp({"127.0.0.1", 0});
    ASSERT_TRUE(listener);
    bool accept_loop_ended = false;
    bool slow_write_finished = false;
    auto accept_loop = [&]() -> task<void> {
        cancel_token stop;
        reactor::current().cancel_on_stop(stop);
        while (true) {
            auto accepted = co_await io::accept(listener->get()).with_cancel(stop);
            if (!accepted) break;
            ::close(static_cast<int>(*accepted));
        }
        accept_loop_ended = true;
    };
    auto in_flight_work = [&]() -> task<void> {
        // Not registered for cancellation: the stop waits for it.
        auto slept = co_await io::sleep_for(20ms);
        EXPECT_TRUE(slept);
        slow_write_finished = true;
    };
    auto stopper = [&]() -> task<void> {
        co_await io::sleep_for(1ms);
        reactor::current().request_stop();
    };
    shard->spawn(accept_loop());
    shard->spawn(in_flight_work());
    shard->spawn(stopper());
    shard->run();
    EXPECT_TRUE(accept_loop_ended);
    EXPECT_TRUE(slow_write_finished);
}

TEST(reactor, drain_timeout_cancels_stragglers) {
    reactor_options options;
    options.drain_timeout = 10ms;
    auto shard = std::move(*reactor::create(options));
    bool straggler_cancelled = false;
    auto straggler = [&]() -> task<void> {
        auto slept = co_await io::sleep_for(10s);
        straggler_cancelled = !slept && slept.error() == errc::cancelled;
    };
    auto stopper = [&]() -> task<void> {
        reactor::current().request_stop();
        co_return;
    };
    const auto start = std::chrono::steady_clock::now();
    shard->spawn(straggler());
    shard->spawn(stopper());
    shard->run();
    EXPECT_TRUE(straggler_cancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(reactor, post_external_runs_on_the_reactor_thread) {
    auto shard = make_reactor();
    std::thread::id ran_on;
    auto main = [&]() -> task<void> {
        cancel_token stop;
        reactor::current().cancel_on_stop(stop);
        co_await io::sleep_for(10s).with_cancel(stop);
    };
    shard->spawn(main());
    std::thread other([&] {
        std::this_thread::sleep_for(2ms);
        shard->post_external([&] { ran_on = std::this_thread::get_id(); });
        shard->request_stop_external();
    });
    shard->run();
    other.join();
    EXPECT_TRUE(ran_on == std::this_thread::get_id());
}

TEST(reactor, splice_moves_file_bytes_to_a_socket) {
    auto shard = make_reactor();
    char path[] = "/tmp/laminar-splice-XXXXXX";
    unique_fd file(::mkstemp(path));
    ::unlink(path);
    std::string content(100'000, 'a');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
    ASSERT_EQ(::pwrite(file.get(), content.data(), content.size(), 0),
              static_cast<ssize_t>(content.size()));
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    unique_fd pipe_read(pipe_fds[0]), pipe_write(pipe_fds[1]);
    int sockets[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
    unique_fd left(sockets[0]), right(sockets[1]);
    std::string received;
    auto reader = [&]() -> task<void> {
        std::array<std::byte, 8192> buffer{};
        while (received.size() < 50'000) {
            auto got = co_await io::recv(right.get(), buffer);
            if (!got || *got == 0) break;
            received.append(reinterpret_cast<char*>(buffer.data()), *got);
        }
    };
    auto sender = [&]() -> task<void> {
        std::uint64_t offset = 1000;
        std::uint32_t remaining = 50'000;
        while (remaining > 0) {
            auto in = co_await io::splice(file.get(), static_cast<std::int64_t>(offset),
                                          pipe_write.get(), -1, remaining);
            if (!in || *in == 0) break;
            std::size_t in_pipe = *in;
            while (in_pipe > 0) {
                auto out = co_await io::splice(pipe_read.get(), -1, left.get(), -1,
                                               static_cast<std::uint32_t>(in_pipe));
                if (!out) co_return;
                in_pipe -= *out;
            }
            offset += *in;
            remaining -= static_cast<std::uint32_t>(*in);
        }
    };
    auto main = [&]() -> task<void> {
        co_await sender();
        co_await reader();
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
    EXPECT_EQ(received, content.substr(1000, 50'000));
}

}  // namespace
}  // namespace laminar
