#include "net/frame_reader.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/endian.h"
#include "core/reactor.h"
#include "core/unique_fd.h"

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

}  // namespace
}  // namespace laminar::net
