// Tests for core/log.h: line format, level filtering, per-thread order under concurrency, drops
// counted and reported while the writer is stalled (a sink the test can pause), truncation.
#include "core/log.h"

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/shard_id.h"

namespace laminar {
namespace {

using namespace std::chrono_literals;

// What the capture sink received; owned by the test so it outlives the sink.
struct captured_output {
    std::mutex mutex;
    std::condition_variable changed;
    std::string text;
    bool paused = false;
    int blocked_writes = 0;  // writes that arrived while paused
};

// Records every batch; while paused, write() blocks, stalling the writer thread.
class capture_sink final : public log_sink {
public:
    explicit capture_sink(captured_output& output) : _output(output) {}

    void write(std::string_view lines) override {
        std::unique_lock lock(_output.mutex);
        _output.text.append(lines);
        if (_output.paused) {
            ++_output.blocked_writes;
            _output.changed.notify_all();
            _output.changed.wait(lock, [&] { return !_output.paused; });
        }
    }

private:
    captured_output& _output;
};

// "2024-05-01T12:00:00.123456Z": UTC, microseconds.
constexpr std::size_t timestamp_size = 27;

bool has_timestamp(const std::string& line) {
    constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    if (line.size() < shape.size()) return false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        bool digit = line[i] >= '0' && line[i] <= '9';
        if (shape[i] == 'd' ? !digit : line[i] != shape[i]) return false;
    }
    return true;
}

class log_test : public testing::Test {
protected:
    void start(std::size_t ring_records = 1024, log_level level = log_level::trace) {
        log_options options;
        options.level = level;
        options.sink = std::make_unique<capture_sink>(_output);
        options.ring_records = ring_records;
        options.idle_wait = 1ms;
        log_start(std::move(options));
    }

    void TearDown() override {
        resume();
        log_stop();
        log_set_level(log_level::info);
    }

    void pause() {
        std::lock_guard lock(_output.mutex);
        _output.paused = true;
    }

    void resume() {
        std::lock_guard lock(_output.mutex);
        _output.paused = false;
        _output.changed.notify_all();
    }

    void wait_until_writer_blocked() {
        std::unique_lock lock(_output.mutex);
        _output.changed.wait(lock, [&] { return _output.blocked_writes > 0; });
    }

    std::vector<std::string> lines() {
        std::lock_guard lock(_output.mutex);
        std::vector<std::string> result;
        std::istringstream stream(_output.text);
        for (std::string line; std::getline(stream, line);) result.push_back(line);
        return result;
    }

    // The message part of a line: what follows "] ".
    static std::string message_of(const std::string& line) {
        std::size_t start = line.find("] ");
        return start == std::string::npos ? line : line.substr(start + 2);
    }

    captured_output _output;
};

TEST_F(log_test, line_has_time_level_and_shard) {
    start();
    std::thread shard([] {
        set_current_shard(3);
        LAMINAR_LOG_INFO("listening on {}:{}", "127.0.0.1", 9092);
    });
    shard.join();
    LAMINAR_LOG_ERROR("disk {} is full", "/data");
    log_flush();
    auto all = lines();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_TRUE(has_timestamp(all[0])) << all[0];
    EXPECT_EQ(all[0].substr(timestamp_size),
              " INFO  [shard 3] listening on 127.0.0.1:9092");
    EXPECT_TRUE(has_timestamp(all[1])) << all[1];
    std::string thread_prefix = " ERROR [thread ";
    EXPECT_EQ(all[1].substr(timestamp_size, thread_prefix.size()), thread_prefix);
    EXPECT_TRUE(all[1].ends_with("] disk /data is full")) << all[1];
}

TEST_F(log_test, disabled_levels_skip_formatting_and_arguments) {
    start(1024, log_level::warn);
    int evaluated = 0;
    auto count = [&] { return ++evaluated; };
    LAMINAR_LOG_TRACE("{}", count());
    LAMINAR_LOG_DEBUG("{}", count());
    LAMINAR_LOG_INFO("{}", count());
    EXPECT_EQ(evaluated, 0);
    LAMINAR_LOG_WARN("warn {}", count());
    log_set_level(log_level::off);
    LAMINAR_LOG_ERROR("{}", count());
    log_set_level(log_level::debug);
    LAMINAR_LOG_DEBUG("debug {}", count());
    log_flush();
    EXPECT_EQ(evaluated, 2);
    auto all = lines();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(message_of(all[0]), "warn 1");
    EXPECT_EQ(message_of(all[1]), "debug 2");
    EXPECT_EQ(log_get_level(), log_level::debug);
}

TEST_F(log_test, concurrent_threads_keep_their_order) {
    constexpr int threads = 4;
    constexpr int messages = 5000;
    start(8192);  // more records than a thread logs: nothing can be dropped
    std::uint64_t dropped_before = log_dropped_total();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([t] {
            if (t % 2 == 0) set_current_shard(static_cast<unsigned>(t));
            for (int i = 0; i < messages; ++i) LAMINAR_LOG_INFO("worker {} message {}", t, i);
        });
    }
    for (auto& worker : workers) worker.join();
    log_flush();
    std::vector<int> next(threads, 0);
    for (const std::string& line : lines()) {
        int worker = -1;
        int index = -1;
        ASSERT_EQ(std::sscanf(message_of(line).c_str(), "worker %d message %d", &worker, &index),
                  2)
            << line;
        ASSERT_GE(worker, 0);
        ASSERT_LT(worker, threads);
        ASSERT_EQ(index, next[static_cast<std::size_t>(worker)]) << "out of order: " << line;
        ++next[static_cast<std::size_t>(worker)];
    }
    for (int t = 0; t < threads; ++t) EXPECT_EQ(next[static_cast<std::size_t>(t)], messages);
    EXPECT_EQ(log_dropped_total(), dropped_before);
}

TEST_F(log_test, full_ring_drops_and_reports_the_count) {
    constexpr int ring_records = 8;
    constexpr int burst = 100;
    start(ring_records);
    std::uint64_t dropped_before = log_dropped_total();
    pause();
    std::thread producer([&] {
        LAMINAR_LOG_INFO("first");
        wait_until_writer_blocked();  // the writer holds "first" inside the sink
        for (int i = 0; i < burst; ++i) LAMINAR_LOG_INFO("burst {}", i);
    });
    producer.join();
    resume();
    log_flush();
    std::vector<std::string> messages;
    for (const std::string& line : lines()) messages.push_back(message_of(line));
    ASSERT_EQ(messages.size(), 1u + ring_records + 1u);
    EXPECT_EQ(messages[0], "first");
    for (int i = 0; i < ring_records; ++i) {
        EXPECT_EQ(messages[1 + static_cast<std::size_t>(i)], fmt::format("burst {}", i));
    }
    EXPECT_EQ(messages.back(), fmt::format("{} messages dropped (log ring full)",
                                           burst - ring_records));
    EXPECT_NE(lines().back().find(" WARN  "), std::string::npos);
    EXPECT_EQ(log_dropped_total() - dropped_before, std::uint64_t{burst - ring_records});
}

TEST_F(log_test, drops_are_reported_once) {
    start(4);
    pause();
    std::thread producer([&] {
        LAMINAR_LOG_INFO("first");
        wait_until_writer_blocked();
        for (int i = 0; i < 7; ++i) LAMINAR_LOG_INFO("burst {}", i);  // 4 kept, 3 dropped
        std::unique_lock lock(_output.mutex);
        _output.paused = false;
        _output.changed.notify_all();
        lock.unlock();
        log_flush();
        LAMINAR_LOG_INFO("after");  // carries the drop count already reported
    });
    producer.join();
    log_flush();
    std::vector<std::string> messages;
    for (const std::string& line : lines()) messages.push_back(message_of(line));
    ASSERT_EQ(messages.size(), 7u);
    EXPECT_EQ(messages[5], "3 messages dropped (log ring full)");
    EXPECT_EQ(messages[6], "after");
}

TEST_F(log_test, long_messages_are_truncated_with_a_marker) {
    start();
    std::string fits(log_text_bytes_max, 'f');
    std::string too_long(log_text_bytes_max + 1, 'x');
    LAMINAR_LOG_INFO("{}", fits);
    LAMINAR_LOG_INFO("{}", too_long);
    // Two-byte characters at odd offsets: the cut must back up to a character boundary.
    std::string accented = "a";
    for (int i = 0; i < 200; ++i) accented += "\xC3\xA9";
    LAMINAR_LOG_INFO("{}", accented);
    log_flush();
    auto all = lines();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(message_of(all[0]), fits);
    std::string cut = message_of(all[1]);
    EXPECT_EQ(cut.size(), log_text_bytes_max);
    EXPECT_EQ(cut, std::string(log_text_bytes_max - log_truncated_marker.size(), 'x') +
                       std::string(log_truncated_marker));
    std::string accented_cut = message_of(all[2]);
    std::size_t kept = log_text_bytes_max - log_truncated_marker.size() - 1;
    EXPECT_EQ(accented_cut, accented.substr(0, kept) + std::string(log_truncated_marker));
}

TEST_F(log_test, rings_of_exited_threads_are_drained_and_freed) {
    start(16);
    for (int round = 0; round < 5; ++round) {
        std::vector<std::thread> workers;
        for (int t = 0; t < 10; ++t) {
            workers.emplace_back([round, t] { LAMINAR_LOG_INFO("round {} thread {}", round, t); });
        }
        for (auto& worker : workers) worker.join();
    }
    log_flush();
    EXPECT_EQ(lines().size(), 50u);
}

TEST_F(log_test, flush_without_a_writer_returns) {
    log_stop();
    log_flush();
    start();
    log_flush();
    EXPECT_TRUE(lines().empty());
}

TEST(log_file_sink, appends_lines_to_a_file) {
    char path[] = "/tmp/laminar_log_test_XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    auto sink = make_file_log_sink(path);
    ASSERT_TRUE(sink);
    log_options options;
    options.sink = std::move(*sink);
    log_start(std::move(options));
    LAMINAR_LOG_WARN("to the file {}", 1);
    log_stop();
    std::ifstream in(path);
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_NE(line.find(" WARN  [thread "), std::string::npos) << line;
    EXPECT_TRUE(line.ends_with("] to the file 1")) << line;
    std::remove(path);
    EXPECT_FALSE(make_file_log_sink("/nonexistent/dir/log"));
}

TEST(log_levels, parse_and_print) {
    EXPECT_EQ(parse_log_level("INFO"), log_level::info);
    EXPECT_EQ(parse_log_level("warning"), log_level::warn);
    EXPECT_EQ(parse_log_level("trace"), log_level::trace);
    EXPECT_EQ(parse_log_level("off"), log_level::off);
    EXPECT_FALSE(parse_log_level("loud"));
    EXPECT_EQ(to_string(log_level::error), "error");
}

}  // namespace
}  // namespace laminar
