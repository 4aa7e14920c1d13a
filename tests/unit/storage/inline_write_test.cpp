// Inline page-cache writes: on a file system that refuses pwritev2(RWF_NOWAIT) for buffered
// writes (ext4), appends up to reactor_options::inline_write_bytes_max are written with pwritev on
// the shard thread, larger ones through the ring, and a write that takes longer than the stall
// threshold and slept in the kernel sends the shard's writes through the ring for the pause (one
// only preempted does not). Where the file system
// accepts RWF_NOWAIT, no write needs the blocking inline path. Either way every batch reads back.
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

// Whether pwritev2(RWF_NOWAIT) is refused for a buffered write to a file in `dir`.
bool nowait_refused(const std::string& dir) {
    const std::string path = dir + "/probe";
    const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    char byte = 'x';
    iovec part{&byte, 1};
    const ssize_t wrote = ::pwritev2(fd, &part, 1, 0, RWF_NOWAIT);
    const bool refused = wrote < 0 && errno == EOPNOTSUPP;
    ::close(fd);
    ::unlink(path.c_str());
    return refused;
}

struct written_counts {
    std::uint64_t inline_writes = 0;
    std::uint64_t stalls = 0;
    std::int64_t end_offset = 0;
    std::uint64_t group_writes = 0;  // the log's: one per append awaited alone, however written
};

// Appends `batches` batches of `record_bytes` each, one at a time, on a reactor with `shard`
// options, and reads every one back. `sleep_after_first`: the shard's thread sleeps (a voluntary
// context switch, as a write throttled by the kernel makes) after the first append (which waits
// on the ring for its preallocation, so a sleep before it would count as the shard's idle wait).
written_counts append_and_read_back(const std::string& dir, const reactor_options& shard,
                                    int batches, std::size_t record_bytes,
                                    bool sleep_after_first = false) {
    written_counts counts;
    auto made = reactor::create(shard);
    EXPECT_TRUE(made);
    if (!made) return counts;
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options_in(dir));
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        const std::int64_t start = log.log_end_offset();
        std::vector<std::vector<std::byte>> sent;
        for (int i = 0; i < batches; ++i) {
            sent.push_back(make_batch(1, record_bytes, 1000 + i, static_cast<std::uint64_t>(i)));
            EXPECT_TRUE(co_await log.append(sent.back()));
            if (i == 0 && sleep_after_first) ::usleep(2000);
        }
        counts.inline_writes = reactor::current().inline_writes();
        counts.stalls = reactor::current().inline_write_stalls();
        counts.end_offset = log.log_end_offset();
        counts.group_writes = log.group_write_count();
        for (int i = 0; i < batches; ++i) {
            auto read = co_await log.read(start + i, sent[i].size());
            EXPECT_TRUE(read);
            if (!read) continue;
            EXPECT_EQ(read->range.length, sent[i].size()) << "batch " << i;
            auto bytes = bytes_of(read->range);
            // The log wrote the base offset into the first 8 bytes.
            EXPECT_TRUE(std::equal(bytes.begin() + 8, bytes.end(), sent[i].begin() + 8))
                << "batch " << i;
        }
        EXPECT_TRUE(co_await log.close());
        reactor::current().request_stop();
    };
    auto shard_reactor = std::move(*made);
    shard_reactor->spawn(body());
    shard_reactor->run();
    return counts;
}

TEST(inline_write, small_appends_are_written_on_the_shard_thread_when_nowait_is_refused) {
    temporary_directory dir;
    const bool refused = nowait_refused(dir.path());
    const auto counts = append_and_read_back(dir.path(), reactor_options{}, 20, 200);
    EXPECT_EQ(counts.end_offset, 20);
    EXPECT_EQ(counts.group_writes, 20u);
    EXPECT_EQ(counts.inline_writes > 0, refused);
    // All 20, unless one took over the stall threshold on a loaded machine and paused the rest.
    if (refused && counts.stalls == 0) {
        EXPECT_EQ(counts.inline_writes, 20u);
    }
}

TEST(inline_write, off_when_the_limit_is_zero) {
    temporary_directory dir;
    reactor_options shard;
    shard.inline_write_bytes_max = 0;
    const auto counts = append_and_read_back(dir.path(), shard, 20, 200);
    EXPECT_EQ(counts.end_offset, 20);
    EXPECT_EQ(counts.inline_writes, 0u);
    // Each append tried the inline path first, fell back to the queue and was written once.
    EXPECT_EQ(counts.group_writes, 20u);
}

TEST(inline_write, appends_larger_than_the_limit_go_through_the_ring) {
    temporary_directory dir;
    const bool refused = nowait_refused(dir.path());
    reactor_options shard;
    shard.inline_write_bytes_max = 4096;
    // 10 batches above the limit, then the log's reads; none inline.
    const auto counts = append_and_read_back(dir.path(), shard, 10, 5000);
    EXPECT_EQ(counts.end_offset, 10);
    EXPECT_EQ(counts.inline_writes, 0u);
    // The same log, small appends: inline again where RWF_NOWAIT is refused.
    const auto small = append_and_read_back(dir.path(), shard, 5, 100);
    EXPECT_EQ(small.end_offset, 15);
    EXPECT_EQ(small.inline_writes > 0, refused);
    if (small.stalls == 0) {
        EXPECT_EQ(small.inline_writes, refused ? 5u : 0u);
    }
}

TEST(inline_write, a_stalled_write_pauses_inline_writes) {
    temporary_directory dir;
    const bool refused = nowait_refused(dir.path());
    reactor_options shard;
    shard.inline_write_stall = std::chrono::microseconds(0);  // every inline write "stalls"
    shard.inline_write_pause = std::chrono::milliseconds(60000);
    const auto counts = append_and_read_back(dir.path(), shard, 20, 200, true);
    EXPECT_EQ(counts.end_offset, 20);
    // The first inline write was not slept in (a preemption, had it been slow); the second
    // "slept" and stalls; the pause sends the other 18 through the ring.
    EXPECT_EQ(counts.inline_writes, refused ? 2u : 0u);
    EXPECT_EQ(counts.stalls, refused ? 1u : 0u);
}

// A write over the threshold is a stall only if the thread slept since it last woke: one merely
// preempted (the machine busy, not the disk) leaves inline writes on.
TEST(inline_write, only_a_slow_write_that_slept_is_a_stall) {
    auto made = reactor::create(reactor_options{});
    ASSERT_TRUE(made);
    auto body = [&]() -> task<void> {
        reactor& shard = reactor::current();
        const auto slow = std::chrono::milliseconds(5);
        shard.inline_write_took(slow);  // nothing slept since the shard started
        EXPECT_EQ(shard.inline_write_stalls(), 0u);
        EXPECT_EQ(shard.inline_write_preemptions(), 1u);
        EXPECT_TRUE(shard.inline_write_allowed(1024));
        ::usleep(2000);
        shard.inline_write_took(slow);
        EXPECT_EQ(shard.inline_write_stalls(), 1u);
        EXPECT_FALSE(shard.inline_write_allowed(1024));
        shard.request_stop();
        co_return;
    };
    auto shard_reactor = std::move(*made);
    shard_reactor->spawn(body());
    shard_reactor->run();
}

}  // namespace
}  // namespace laminar::storage
