#include "net/outbound_chain.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "core/reactor.h"

namespace laminar::net {
namespace {

std::span<const std::byte> bytes_of(const std::string& text) {
    return std::as_bytes(std::span(text.data(), text.size()));
}

struct temp_file {
    unique_fd fd;
    temp_file() {
        char path[] = "/tmp/laminar-chain-XXXXXX";
        fd.reset(::mkstemp(path));
        ::unlink(path);
    }
};

// Sends `chain` over a socketpair from one task while another reads; returns what arrived.
std::string send_and_receive(const outbound_chain& chain, splice_pipes& pipes, status& outcome,
                             send_options options = {}, send_stats* stats = nullptr,
                             copy_buffers* copies = nullptr) {
    copy_buffers own_copies;
    if (copies == nullptr) copies = &own_copies;
    auto shard = std::move(*reactor::create({}));
    int sockets[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
    unique_fd sender_end(sockets[0]), receiver_end(sockets[1]);
    std::string received;
    auto sender = [&]() -> task<void> {
        outcome = co_await send_chain(sender_end.get(), chain, pipes, *copies, options, stats);
        sender_end.reset();
    };
    auto receiver = [&]() -> task<void> {
        std::array<std::byte, 65536> buffer{};
        while (true) {
            auto got = co_await io::recv(receiver_end.get(), buffer);
            if (!got || *got == 0) break;
            received.append(reinterpret_cast<const char*>(buffer.data()), *got);
        }
        reactor::current().request_stop();
    };
    shard->spawn(sender());
    shard->spawn(receiver());
    shard->run();
    return received;
}

TEST(outbound_chain, sends_memory_and_file_ranges_in_order) {
    std::mt19937 random(42);
    temp_file file;
    std::string content(3 << 20, '\0');  // larger than a pipe: several splice rounds
    for (auto& c : content) c = static_cast<char>('a' + random() % 26);
    ASSERT_EQ(::pwrite(file.fd.get(), content.data(), content.size(), 0),
              static_cast<ssize_t>(content.size()));

    const std::string header = "HEADER";
    outbound_chain chain;
    chain.append_view(bytes_of(header));
    chain.append_file(file.fd.get(), 100, 2'500'000);
    chain.append(std::vector<std::byte>{std::byte{'|'}});
    chain.append_file(file.fd.get(), 7, 10);
    buffer_pool pool(128, 1);
    auto buffer = *pool.acquire();
    std::memcpy(buffer.data(), "TAIL", 4);
    chain.append(std::move(buffer), 4);
    EXPECT_EQ(chain.total_bytes(), 6u + 2'500'000 + 1 + 10 + 4);

    splice_pipes pipes;
    status outcome = fail(errc::io_error);
    auto received = send_and_receive(chain, pipes, outcome);
    EXPECT_TRUE(outcome);
    const std::string expected =
        header + content.substr(100, 2'500'000) + "|" + content.substr(7, 10) + "TAIL";
    ASSERT_EQ(received.size(), expected.size());
    EXPECT_TRUE(received == expected);
    EXPECT_EQ(pipes.idle(), 1u);  // one pipe, reused for both ranges
    chain.clear();
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(outbound_chain, many_small_slices_span_several_sendmsg_calls) {
    std::vector<std::string> parts;
    for (int i = 0; i < 300; ++i) parts.push_back(std::to_string(i) + ",");
    outbound_chain chain;
    std::string expected;
    for (auto& part : parts) {
        chain.append_view(bytes_of(part));
        expected += part;
    }
    splice_pipes pipes;
    status outcome = fail(errc::io_error);
    EXPECT_EQ(send_and_receive(chain, pipes, outcome), expected);
    EXPECT_TRUE(outcome);
}

// Spliced (copying off) or copied, a range running past the end of its file fails cleanly
// after what the file holds; a pipe left holding bytes by the failed splice is not reused.
TEST(outbound_chain, a_file_shorter_than_the_range_fails_cleanly) {
    temp_file file;
    ASSERT_EQ(::pwrite(file.fd.get(), "short", 5, 0), 5);
    for (std::size_t copy_bytes_max : {std::size_t{0}, std::size_t{65536}}) {
        outbound_chain chain;
        chain.append_file(file.fd.get(), 0, 100);
        splice_pipes pipes;
        status outcome;
        send_stats stats;
        auto received = send_and_receive(chain, pipes, outcome,
                                         send_options{.copy_bytes_max = copy_bytes_max}, &stats);
        EXPECT_FALSE(outcome);
        EXPECT_EQ(received, "short");
        EXPECT_EQ(stats.file_bytes_copied, copy_bytes_max == 0 ? 0u : 5u);
        EXPECT_EQ(pipes.idle(), 0u);
    }
}

// A tail fetch's few hundred bytes are read from the page cache on the shard thread and go out
// with their headers; above copy_bytes_max (the chain's file bytes in total) they are spliced.
TEST(outbound_chain, small_cached_file_ranges_are_copied_and_large_ones_spliced) {
    temp_file file;
    std::string content(200'000, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('A' + i % 23);
    ASSERT_EQ(::pwrite(file.fd.get(), content.data(), content.size(), 0),
              static_cast<ssize_t>(content.size()));
    const std::string header = "HDR";
    for (std::size_t range : {300u, 4000u, 100'000u}) {
        outbound_chain chain;
        chain.append_view(bytes_of(header));
        chain.append_file(file.fd.get(), 17, range);
        chain.append_view(bytes_of(header));
        chain.append_file(file.fd.get(), 5000, range);
        splice_pipes pipes;
        status outcome = fail(errc::io_error);
        send_stats stats;
        auto received =
            send_and_receive(chain, pipes, outcome, send_options{.copy_bytes_max = 65536}, &stats);
        EXPECT_TRUE(outcome);
        EXPECT_TRUE(received == header + content.substr(17, range) + header +
                                    content.substr(5000, range))
            << range;
        if (2 * range <= 65536) {
            EXPECT_EQ(stats.file_bytes_copied, 2 * range);  // written just now: cached
            EXPECT_EQ(stats.file_bytes_spliced, 0u);
            EXPECT_EQ(pipes.idle(), 0u);  // no pipe was needed
        } else {
            EXPECT_EQ(stats.file_bytes_copied, 0u);
            EXPECT_EQ(stats.file_bytes_spliced, 2 * range);
        }
    }
}

// A connection's responses borrow the shard's copy buffer and give it back (between responses
// the connection holds none): smaller ones reuse it as it is, a larger one grows it once.
TEST(outbound_chain, responses_reuse_the_copy_buffer) {
    temp_file file;
    std::string content(60'000, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 19);
    ASSERT_EQ(::pwrite(file.fd.get(), content.data(), content.size(), 0),
              static_cast<ssize_t>(content.size()));
    copy_buffers copies;
    splice_pipes pipes;
    const send_options options{.copy_bytes_max = 65536};
    for (std::size_t range : {3000u, 500u, 3000u, 20'000u, 20'000u}) {
        outbound_chain chain;
        chain.append_file(file.fd.get(), 11, range);
        status outcome = fail(errc::io_error);
        send_stats stats;
        auto received = send_and_receive(chain, pipes, outcome, options, &stats, &copies);
        EXPECT_TRUE(outcome);
        EXPECT_TRUE(received == content.substr(11, range)) << range;
        EXPECT_EQ(stats.file_bytes_copied, range);
        ASSERT_EQ(copies.idle(), 1u);  // given back after the send
    }
    EXPECT_EQ(copies.allocations(), 2u);  // 4 KiB for the first, grown once for 20,000 bytes
    EXPECT_EQ(copies.idle_bytes(), 20'480u);
}

// Buffers out at once are separate; those given back are kept up to idle_bytes_max (always one)
// and the smallest one that fits serves the next need.
TEST(outbound_chain, copy_buffers_bound_what_they_keep) {
    copy_buffers copies(12'288);
    auto small = copies.acquire(100, 65536);
    auto large = copies.acquire(10'000, 65536);
    auto spare = copies.acquire(5000, 65536);
    EXPECT_EQ(small.capacity, 4096u);
    EXPECT_EQ(large.capacity, 12'288u);
    EXPECT_EQ(spare.capacity, 8192u);
    EXPECT_EQ(copies.allocations(), 3u);
    const std::byte* large_bytes = large.bytes.get();
    copies.release(std::move(large));  // kept: the first, though alone at the bound
    copies.release(std::move(small));  // freed: over the bound
    EXPECT_EQ(copies.idle(), 1u);
    EXPECT_EQ(copies.idle_bytes(), 12'288u);
    auto again = copies.acquire(200, 65536);
    EXPECT_EQ(again.bytes.get(), large_bytes);
    EXPECT_EQ(copies.allocations(), 3u);
    copies.release(std::move(spare));
    copies.release(std::move(again));
    EXPECT_EQ(copies.idle(), 1u);
    auto capped = copies.acquire(65'000, 65'000);  // grown, rounded up no further than the cap
    EXPECT_EQ(capped.capacity, 65'000u);
}

}  // namespace
}  // namespace laminar::net
