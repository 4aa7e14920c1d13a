#include "net/frame_reader.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/endian.h"
#include "core/byte_budget.h"
#include "core/reactor.h"
#include "core/unique_fd.h"
#include "core/wait_group.h"

namespace laminar::net {
namespace {

std::string frame(const std::string& payload) {
    std::string out(4, '\0');
    store_be<std::int32_t>(reinterpret_cast<std::byte*>(out.data()),
                           static_cast<std::int32_t>(payload.size()));
    return out + payload;
}

// Writes `stream` to one end in small pieces from a thread, then closes it; reads frames from
// the other end on a reactor until an error. Returns the frames and the final error.
std::pair<std::vector<std::string>, errc> read_frames(const std::string& stream,
                                                      std::size_t frame_bytes_max,
                                                      std::size_t piece_bytes) {
    int sockets[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
    unique_fd reader_end(sockets[0]);
    std::thread writer([fd = sockets[1], &stream, piece_bytes] {
        for (std::size_t at = 0; at < stream.size(); at += piece_bytes) {
            auto piece = std::min(piece_bytes, stream.size() - at);
            if (::write(fd, stream.data() + at, piece) < 0) break;
        }
        ::close(fd);
    });
    std::vector<std::string> frames;
    errc last = errc::ok;
    auto shard = std::move(*reactor::create({}));
    auto main = [&]() -> task<void> {
        frame_reader reader(reader_end.get(), frame_bytes_max, 8);
        while (true) {
            auto next = co_await reader.next();
            if (!next) {
                last = next.error();
                break;
            }
            frames.emplace_back(reinterpret_cast<const char*>(next->data()), next->size());
        }
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
    writer.join();
    return {frames, last};
}

TEST(frame_reader, reassembles_frames_split_anywhere) {
    std::string stream;
    std::vector<std::string> expected;
    for (int i = 0; i < 50; ++i) {
        const auto letter = static_cast<char>('a' + i % 26);
        expected.push_back(std::string(static_cast<std::size_t>(i * 37), letter));
        stream += frame(expected.back());
    }
    for (std::size_t piece : {1u, 3u, 7u, 1000u, 100000u}) {
        auto [frames, last] = read_frames(stream, 1 << 20, piece);
        EXPECT_EQ(frames, expected) << "piece " << piece;
        EXPECT_EQ(last, errc::connection_closed);
    }
}

TEST(frame_reader, refuses_oversized_and_negative_sizes_before_reading_them) {
    auto [frames, last] = read_frames(frame("ok") + frame(std::string(2000, 'x')), 1000, 64);
    EXPECT_EQ(frames, std::vector<std::string>{"ok"});
    EXPECT_EQ(last, errc::too_large);
    std::string negative = "\xff\xff\xff\xfe";
    auto [none, error] = read_frames(negative, 1000, 64);
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(error, errc::corrupt_data);
}

TEST(frame_reader, a_stream_cut_inside_a_frame_is_corrupt) {
    auto cut = frame("complete") + frame("cut short").substr(0, 7);
    auto [frames, last] = read_frames(cut, 1000, 5);
    EXPECT_EQ(frames, std::vector<std::string>{"complete"});
    EXPECT_EQ(last, errc::corrupt_data);
}

// Two connections share a 1,000-byte budget and each sends two 600-byte frames: the second
// reader waits for its frame's bytes until the first has handled its frame (asked for the next),
// and no frame body is read into memory beyond the budget meanwhile.
TEST(frame_reader, frames_wait_for_the_shards_budget_and_release_it_when_handled) {
    int first_pair[2], second_pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, first_pair), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, second_pair), 0);
    unique_fd first_reader(first_pair[0]), first_writer(first_pair[1]);
    unique_fd second_reader(second_pair[0]), second_writer(second_pair[1]);
    const std::string payload(596, 'x');  // 600 bytes with the size prefix
    for (int fd : {first_writer.get(), second_writer.get()}) {
        const auto stream = frame(payload) + frame(payload);
        ASSERT_EQ(::write(fd, stream.data(), stream.size()),
                  static_cast<ssize_t>(stream.size()));
        ::shutdown(fd, SHUT_WR);
    }
    byte_budget budget(1000);
    std::vector<std::string> events;
    std::size_t held_max = 0;
    auto shard = std::move(*reactor::create({}));
    auto reader_task = [&](int fd, std::string name, int hold_ms) -> task<void> {
        frame_reader reader(fd, 1 << 20, 16);
        reader.set_budget(&budget);
        while (true) {
            auto next = co_await reader.next();
            if (!next) break;
            held_max = std::max(held_max, budget.held());
            events.push_back(name);
            co_await io::sleep_for(std::chrono::milliseconds(hold_ms));  // "handling" it
        }
    };
    wait_group done;
    done.add(2);
    auto run_both = [&]() -> task<void> {
        auto first = [&]() -> task<void> {
            co_await reader_task(first_reader.get(), "first", 30);
            done.done();
        };
        auto second = [&]() -> task<void> {
            co_await reader_task(second_reader.get(), "second", 0);
            done.done();
        };
        reactor::current().spawn(first());
        reactor::current().spawn(second());
        co_await done.wait();
        reactor::current().request_stop();
    };
    shard->spawn(run_both());
    shard->run();
    EXPECT_EQ(events, (std::vector<std::string>{"first", "second", "first", "second"}));
    EXPECT_LE(held_max, 1000u);
    EXPECT_EQ(budget.held(), 0u);  // every reservation given back
    EXPECT_GE(budget.waits(), 1u);
}

// A frame larger than the whole budget still passes when nothing else is held.
TEST(frame_reader, a_frame_larger_than_the_budget_passes_alone) {
    byte_budget budget(100);
    int sockets[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
    unique_fd reader_end(sockets[0]), writer_end(sockets[1]);
    const auto stream = frame(std::string(5000, 'y'));
    ASSERT_EQ(::write(writer_end.get(), stream.data(), stream.size()),
              static_cast<ssize_t>(stream.size()));
    writer_end.reset();
    std::size_t got = 0;
    auto shard = std::move(*reactor::create({}));
    auto main = [&]() -> task<void> {
        frame_reader reader(reader_end.get(), 1 << 20, 16);
        reader.set_budget(&budget);
        auto next = co_await reader.next();
        if (next) got = next->size();
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
    EXPECT_EQ(got, 5000u);
    EXPECT_EQ(budget.held(), 0u);
}

// A reader waiting for the budget is woken by its connection's cancel token: next() fails with
// errc::cancelled and the frame's bytes are not reserved.
TEST(frame_reader, a_reader_waiting_for_the_budget_is_cancelled_by_its_token) {
    byte_budget budget(100);
    int sockets[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
    unique_fd reader_end(sockets[0]), writer_end(sockets[1]);
    const auto stream = frame(std::string(50, 'z'));
    ASSERT_EQ(::write(writer_end.get(), stream.data(), stream.size()),
              static_cast<ssize_t>(stream.size()));
    errc outcome = errc::ok;
    std::size_t held_while_waiting = 0;
    auto shard = std::move(*reactor::create({}));
    cancel_token stop;
    auto main = [&]() -> task<void> {
        auto hold = budget.acquire(80, nullptr);  // another connection's frame
        auto held = co_await hold;
        EXPECT_TRUE(held);
        auto read = [&]() -> task<void> {
            frame_reader reader(reader_end.get(), 1 << 20, 16, &stop);
            reader.set_budget(&budget);
            auto next = co_await reader.next();
            outcome = next ? errc::ok : next.error();
        };
        reactor::current().spawn(read());
        co_await io::sleep_for(std::chrono::milliseconds(5));
        held_while_waiting = budget.held();
        EXPECT_EQ(budget.waiting(), 1u);
        stop.cancel();
        co_await io::sleep_for(std::chrono::milliseconds(1));
        budget.release(80);
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
    EXPECT_EQ(outcome, errc::cancelled);
    EXPECT_EQ(held_while_waiting, 80u);
    EXPECT_EQ(budget.held(), 0u);
    EXPECT_EQ(budget.waiting(), 0u);
}

}  // namespace
}  // namespace laminar::net
