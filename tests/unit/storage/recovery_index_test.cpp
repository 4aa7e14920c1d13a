// The recovery index (storage/recovery_index.h): its encoding (a whole file, appended chunks, torn
// and damaged chunks, a stale tail of an earlier file, versions 1 and 2, the appender's size
// bound), and recovery after a crash with the
// index current, stale (an earlier checkpoint's), missing, with chunks or all of it past the
// recovery point, past the data, corrupt, torn in its last chunk, damaged in an early one, or
// pointing at other batches, removed by a truncation and rewritten after one. Whatever the file
// holds, the log reopens with every batch below the point and reads them at the right offsets;
// only a current index spares the header walk, and an intact prefix of chunks spares its part.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "core/crc32c.h"
#include "core/endian.h"
#include "storage/checkpoint.h"
#include "storage/recovery_index.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

constexpr std::size_t record_bytes = 300;
constexpr std::uint64_t batch_bytes = layout::header_bytes + record_bytes;

segment_snapshot sample_snapshot() {
    segment_snapshot snapshot;
    snapshot.base_offset = 100;
    snapshot.next_offset = 180;
    snapshot.size = 9000;
    snapshot.max_timestamp = 5000;
    snapshot.offset_of_max_timestamp = 170;
    snapshot.bytes_since_index_entry = 700;
    snapshot.offsets = {{11, 4400}, {47, 8300}};
    snapshot.times = {{4000, 11}, {5000, 70}};
    return snapshot;
}

constexpr std::uint64_t sample_file_id = 0x5eed'0000'f11e'0001;

std::vector<std::byte> encode(const segment_snapshot& snapshot) {
    recovery_index_tail tail;
    return encode_recovery_index(snapshot, sample_file_id, tail);
}

std::optional<segment_snapshot> parse(std::span<const std::byte> bytes) {
    auto parsed = parse_recovery_index(bytes);
    if (!parsed) return std::nullopt;
    return parsed->snapshot;
}

TEST(recovery_index_encoding, round_trips_and_rejects_any_damage) {
    const auto snapshot = sample_snapshot();
    const auto bytes = encode(snapshot);
    EXPECT_EQ(bytes.size(), recovery_index_whole_bytes(2, 2));
    EXPECT_EQ(parse(bytes), snapshot);
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        EXPECT_FALSE(parse(std::span(bytes).first(cut))) << cut;
    }
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        auto flipped = bytes;
        flipped[at] ^= std::byte{0x01};
        EXPECT_FALSE(parse(flipped)) << at;
    }
    const std::vector<std::byte> zeros(bytes.size());
    EXPECT_FALSE(parse(zeros));
}

// The sample as three checkpoints saw it: its first entries, then more, then all of them.
struct three_chunks {
    std::vector<segment_snapshot> states;
    std::vector<std::byte> bytes;
    std::vector<std::size_t> ends;  // of the header and each chunk
};

three_chunks sample_chunks() {
    three_chunks file;
    auto first = sample_snapshot();
    first.next_offset = 120;
    first.size = 5000;
    first.offsets.resize(1);
    first.times.resize(1);
    auto second = sample_snapshot();
    second.next_offset = 150;
    second.size = 8000;
    second.times.resize(1);
    file.states = {first, second, sample_snapshot()};
    recovery_index_tail tail;
    file.bytes = encode_recovery_index(first, sample_file_id, tail);
    file.ends = {recovery_index_header_bytes, file.bytes.size()};
    for (std::size_t i = 1; i < file.states.size(); ++i) {
        encode_recovery_index_chunk(file.states[i], tail, file.bytes);
        file.ends.push_back(file.bytes.size());
    }
    EXPECT_EQ(tail.file_bytes, file.bytes.size());
    return file;
}

TEST(recovery_index_encoding, appended_chunks_hold_only_new_entries) {
    const auto file = sample_chunks();
    EXPECT_EQ(file.ends[2] - file.ends[1], recovery_index_chunk_overhead_bytes +
                                               offset_index_entry_bytes);
    EXPECT_EQ(file.ends[3] - file.ends[2], recovery_index_chunk_overhead_bytes +
                                               time_index_entry_bytes);
    auto parsed = parse_recovery_index(file.bytes);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->snapshot, file.states[2]);
    EXPECT_EQ(parsed->chunks, 3u);
    EXPECT_EQ(parsed->tail.file_bytes, file.bytes.size());
}

// Each cut inside a chunk (a torn append) leaves the chunks before it.
TEST(recovery_index_encoding, a_torn_last_chunk_leaves_the_earlier_ones) {
    const auto file = sample_chunks();
    for (std::size_t cut = file.ends[1]; cut < file.bytes.size(); ++cut) {
        const std::size_t whole = cut < file.ends[2] ? 1 : 2;
        auto parsed = parse_recovery_index(std::span(file.bytes).first(cut));
        ASSERT_TRUE(parsed) << cut;
        EXPECT_EQ(parsed->snapshot, file.states[whole - 1]) << cut;
        EXPECT_EQ(parsed->tail.file_bytes, file.ends[whole]) << cut;
    }
    // Its length there but not its bytes (zeros: the size reached the disk, the data did not).
    auto zeroed = file.bytes;
    std::fill(zeroed.begin() + static_cast<std::ptrdiff_t>(file.ends[2]) + 20, zeroed.end(),
              std::byte{0});
    EXPECT_EQ(parse(zeroed), file.states[1]);
}

// A flipped byte anywhere in a chunk ends the index before that chunk, even though the chunks
// after it are intact.
TEST(recovery_index_encoding, a_flipped_byte_in_an_early_chunk_ends_it_there) {
    const auto file = sample_chunks();
    for (std::size_t at = file.ends[1]; at < file.ends[2]; ++at) {
        auto flipped = file.bytes;
        flipped[at] ^= std::byte{0x01};
        EXPECT_EQ(parse(flipped), file.states[0]) << at;
    }
}

TEST(recovery_index_encoding, chunks_past_the_limit_are_left_out) {
    const auto file = sample_chunks();
    EXPECT_EQ(parse_recovery_index(file.bytes, 180)->snapshot, file.states[2]);
    EXPECT_EQ(parse_recovery_index(file.bytes, 179)->snapshot, file.states[1]);
    EXPECT_EQ(parse_recovery_index(file.bytes, 150)->snapshot, file.states[1]);
    EXPECT_EQ(parse_recovery_index(file.bytes, 149)->snapshot, file.states[0]);
    EXPECT_FALSE(parse_recovery_index(file.bytes, 119));
}

// A header with no file id (magic, `version`, base offset, CRC32C: version 2's, and version 1's
// fields), then a chunk chained from it.
std::vector<std::byte> file_without_id(std::uint16_t version, const segment_snapshot& snapshot) {
    std::vector<std::byte> bytes(4 + 2 + 8 + 4);
    store_be(bytes.data(), recovery_index_magic);
    store_be(bytes.data() + 4, version);
    store_be(bytes.data() + 6, snapshot.base_offset);
    const std::uint32_t crc = crc32c(std::span(bytes).first(14));
    store_be(bytes.data() + 14, crc);
    recovery_index_tail tail{bytes.size(), crc, 0, 0};
    encode_recovery_index_chunk(snapshot, tail, bytes);
    return bytes;
}

// Version 1 (one block, CRC at the end) and version 2 (every file of a segment chained from the
// same CRC) are not read, whatever they hold: recovery walks the headers instead.
TEST(recovery_index_encoding, versions_before_the_file_id_are_rejected) {
    EXPECT_FALSE(parse(file_without_id(1, sample_snapshot())));
    EXPECT_FALSE(parse(file_without_id(2, sample_snapshot())));
    // The same bytes under this version's number do not parse either (the header is longer).
    EXPECT_FALSE(parse(file_without_id(recovery_index_version, sample_snapshot())));
}

// A whole file written over an earlier one of the same segment (after a truncation, a roll back
// to it or a failed append), of the same first state: its bytes are the earlier file's up to
// the end of its one chunk but for the file id. A crash that leaves the earlier file's later
// chunks past that end (a stale tail) must not let them continue the new file's chain: the parse
// stops at the new file's chunk.
TEST(recovery_index_encoding, a_stale_tail_of_an_earlier_file_is_not_read) {
    const auto earlier = sample_chunks();
    recovery_index_tail tail;
    auto rewritten = encode_recovery_index(earlier.states[0], sample_file_id + 1, tail);
    ASSERT_EQ(rewritten.size(), earlier.ends[1]);
    const auto stale_from = earlier.bytes.begin() + static_cast<std::ptrdiff_t>(earlier.ends[1]);
    rewritten.insert(rewritten.end(), stale_from, earlier.bytes.end());
    auto parsed = parse_recovery_index(rewritten);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->file_id, sample_file_id + 1);
    EXPECT_EQ(parsed->chunks, 1u);
    EXPECT_EQ(parsed->snapshot, earlier.states[0]);
    EXPECT_EQ(parsed->tail.file_bytes, earlier.ends[1]);
    // Under the same id (as every file of the segment had before the id) the stale chunks would
    // chain on: the id alone tells the files apart.
    auto same_id = encode_recovery_index(earlier.states[0], sample_file_id, tail);
    same_id.insert(same_id.end(), stale_from, earlier.bytes.end());
    EXPECT_EQ(parse(same_id), earlier.states[2]);
}

// The appender rewrites a file that would pass twice a whole one plus the slack.
TEST(recovery_index_encoding, appending_stops_at_the_size_bound) {
    const auto snapshot = sample_snapshot();
    recovery_index_written written{snapshot.base_offset, {}, snapshot.offsets.back(),
                                   snapshot.times.back()};
    written.tail = {recovery_index_whole_bytes(2, 2), 7, 2, 2};
    EXPECT_TRUE(recovery_index_appendable(written, snapshot));
    const std::uint64_t bound = 2 * recovery_index_whole_bytes(2, 2) + recovery_index_slack_bytes;
    written.tail.file_bytes = bound - recovery_index_chunk_overhead_bytes;
    EXPECT_TRUE(recovery_index_appendable(written, snapshot));
    ++written.tail.file_bytes;
    EXPECT_FALSE(recovery_index_appendable(written, snapshot));
    // Nothing written by this run, another segment, or entries that are not the file's.
    written.tail.file_bytes = recovery_index_whole_bytes(2, 2);
    EXPECT_FALSE(recovery_index_appendable(recovery_index_written{}, snapshot));
    auto other = snapshot;
    other.base_offset = 0;
    EXPECT_FALSE(recovery_index_appendable(written, other));
    other = snapshot;
    other.offsets.back().position += 1;
    EXPECT_FALSE(recovery_index_appendable(written, other));
    other = snapshot;
    other.times.pop_back();
    EXPECT_FALSE(recovery_index_appendable(written, other));
}

task<void> append_batches(partition_log& log, int count, std::uint64_t seed) {
    for (int i = 0; i < count; ++i) {
        auto batch =
            make_batch(4, record_bytes, 1000 + static_cast<std::int64_t>(seed) + i, seed + i);
        EXPECT_TRUE(co_await log.append(batch));
    }
}

class recovery_index : public ::testing::Test {
protected:
    temporary_directory dir;
    log_options options = options_in(dir.path());
    std::unique_ptr<partition_log> log;

    std::string log_dir() const {
        return options.data_dir + "/" + options.topic + "-" + std::to_string(options.partition);
    }
    std::string index_path() const { return log_dir() + "/" + std::string(recovery_index_file); }

    void reopen() {
        log.reset();
        log = open_log(options);
    }

    // Appends `count` batches and checkpoints; the active segment's size after it.
    std::uint64_t append_and_checkpoint(int count, std::uint64_t seed) {
        std::uint64_t size = 0;
        auto body = [&]() -> task<void> {
            co_await append_batches(*log, count, seed);
            auto moved = co_await log->checkpoint_recovery_point();
            EXPECT_TRUE(moved && *moved);
            size = log->active_segment().size_bytes();
            EXPECT_EQ(log->bytes_past_recovery_point(), 0u);
        };
        run_on_reactor(body);
        return size;
    }

    void append_now(int count, std::uint64_t seed) {
        auto body = [&]() -> task<void> { co_await append_batches(*log, count, seed); };
        run_on_reactor(body);
    }

    // Two checkpoints of 20 batches each, then a crash between the second's index write and
    // its point's rename (the first point is put back), and a reopen: the index says 160, the
    // point 80. With `reopen_between` the second checkpoint is its run's first, so it rewrote
    // the file whole (one chunk, past the point); otherwise it appended a chunk to the first's.
    // The active segment's size at the first checkpoint.
    std::uint64_t leave_an_index_past_the_point(bool reopen_between = false) {
        reopen();
        if (!log) return 0;
        const auto first = append_and_checkpoint(20, 1);
        const std::string point = log_dir() + "/" + std::string(recovery_point_file);
        std::filesystem::copy_file(point, point + ".old");
        if (reopen_between) reopen();
        if (!log) return 0;
        append_and_checkpoint(20, 21);
        log.reset();
        std::filesystem::rename(point + ".old", point);
        reopen();
        return first;
    }

    // The index file as it is now, parsed.
    std::optional<parsed_recovery_index> parsed_index() const {
        return parse_recovery_index(read_file(index_path()));
    }

    // Writes `bytes` into the closed log's index file at `at`, opened with `flags`.
    void write_index(std::span<const std::byte> bytes, off_t at, int flags) {
        const int fd = ::open(index_path().c_str(), flags | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), at),
                  static_cast<ssize_t>(bytes.size()));
        ::close(fd);
    }

    // Reopens after the index was damaged: it is rejected, the `checkpointed` bytes below the
    // point are walked by header, and every batch up to `end` reads back.
    void expect_rejected_and_walked(std::uint64_t checkpointed, std::int64_t end) {
        reopen();
        ASSERT_TRUE(log);
        EXPECT_EQ(log->recovery_report().recovery_indexes_rejected, 1u);
        EXPECT_EQ(log->recovery_report().bytes_trusted, checkpointed);
        expect_all_readable(end);
    }

    // Every batch of 4 records reads back at its offset, by offset and by timestamp.
    void expect_all_readable(std::int64_t end) {
        auto body = [&]() -> task<void> {
            EXPECT_EQ(log->log_end_offset(), end);
            for (std::int64_t offset = 0; offset < end; offset += 4) {
                auto read = co_await log->read(offset + 3, 1);
                EXPECT_TRUE(read && read->first_offset == offset) << offset;
            }
            auto found = co_await log->offset_for_timestamp(1000 + 1 + 5);
            EXPECT_TRUE(found && *found && (*found)->offset == 20);
            EXPECT_TRUE(co_await log->close());
        };
        run_on_reactor(body);
    }
};

TEST_F(recovery_index, a_current_one_spares_the_walk_and_counts_bytes_past_the_point) {
    reopen();
    ASSERT_TRUE(log);
    const auto checkpointed = append_and_checkpoint(40, 1);
    append_now(5, 1 + 40);
    EXPECT_EQ(log->bytes_past_recovery_point(), 5 * batch_bytes);
    reopen();
    ASSERT_TRUE(log);
    const auto& report = log->recovery_report();
    EXPECT_EQ(report.bytes_indexed, checkpointed);
    EXPECT_EQ(report.bytes_trusted, 0u);
    EXPECT_EQ(report.batches_scanned, 5u);
    EXPECT_EQ(log->recovery_point(), 160);
    EXPECT_EQ(log->bytes_past_recovery_point(), 5 * batch_bytes);
    expect_all_readable(180);
}

TEST_F(recovery_index, a_stale_one_is_used_and_the_rest_walked) {
    reopen();
    ASSERT_TRUE(log);
    const auto first = append_and_checkpoint(20, 1);
    std::filesystem::copy_file(index_path(), index_path() + ".old");
    const auto second = append_and_checkpoint(20, 21);
    append_now(3, 41);
    log.reset();
    // The second checkpoint's rename of the index was lost, the point's was not.
    std::filesystem::rename(index_path() + ".old", index_path());
    reopen();
    ASSERT_TRUE(log);
    const auto& report = log->recovery_report();
    EXPECT_EQ(report.bytes_indexed, first);
    EXPECT_EQ(report.bytes_trusted, second - first);
    EXPECT_EQ(report.bytes_scanned, 3 * batch_bytes);
    EXPECT_EQ(report.recovery_indexes_rejected, 0u);
    expect_all_readable(172);
}

TEST_F(recovery_index, a_missing_one_costs_the_walk) {
    reopen();
    ASSERT_TRUE(log);
    const auto checkpointed = append_and_checkpoint(30, 1);
    append_now(2, 31);
    log.reset();
    ASSERT_EQ(::unlink(index_path().c_str()), 0);
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().bytes_indexed, 0u);
    EXPECT_EQ(log->recovery_report().bytes_trusted, checkpointed);
    EXPECT_EQ(log->recovery_report().recovery_indexes_rejected, 0u);
    expect_all_readable(128);
}

// The second checkpoint appended its chunk and crashed before the point's rename: recovery uses
// the first chunk, at the point, and scans the rest (no walk).
TEST_F(recovery_index, its_chunks_past_the_point_are_left_out) {
    const auto first = leave_an_index_past_the_point();
    ASSERT_TRUE(log);
    const auto& report = log->recovery_report();
    EXPECT_EQ(report.recovery_indexes_rejected, 0u);
    EXPECT_EQ(report.bytes_indexed, first);
    EXPECT_EQ(report.bytes_trusted, 0u);
    EXPECT_EQ(report.batches_scanned, 20u);
    expect_all_readable(160);
}

// A whole file past the point (the run's first checkpoint rewrote it, then crashed before the
// point's rename) has no chunk below the point: rejected, the headers walked.
TEST_F(recovery_index, a_whole_one_past_the_point_is_rejected) {
    const auto first = leave_an_index_past_the_point(true);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().recovery_indexes_rejected, 1u);
    EXPECT_EQ(log->recovery_report().bytes_indexed, 0u);
    EXPECT_EQ(log->recovery_report().bytes_trusted, first);
    expect_all_readable(160);
}

// A run's first checkpoint writes the file whole; each later one appends a chunk of the entries
// added since, leaving the earlier bytes as they were.
TEST_F(recovery_index, a_checkpoint_appends_only_what_is_new) {
    reopen();
    ASSERT_TRUE(log);
    append_and_checkpoint(20, 1);
    const auto first_bytes = read_file(index_path());
    const auto first = parse_recovery_index(first_bytes);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->chunks, 1u);
    const auto checkpointed = append_and_checkpoint(20, 21);
    const auto bytes = read_file(index_path());
    const auto second = parse_recovery_index(bytes);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->chunks, 2u);
    ASSERT_GT(second->snapshot.offsets.size(), first->snapshot.offsets.size());
    const std::size_t added_offsets =
        second->snapshot.offsets.size() - first->snapshot.offsets.size();
    const std::size_t added_times = second->snapshot.times.size() - first->snapshot.times.size();
    EXPECT_EQ(bytes.size(), first_bytes.size() + recovery_index_chunk_overhead_bytes +
                                added_offsets * offset_index_entry_bytes +
                                added_times * time_index_entry_bytes);
    EXPECT_TRUE(std::equal(first_bytes.begin(), first_bytes.end(), bytes.begin()));
    EXPECT_EQ(second->snapshot, log->active_segment().snapshot());
    // A reopen rewrites it at its first checkpoint: a file of an earlier run is not appended to.
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().bytes_indexed, checkpointed);
    append_and_checkpoint(5, 41);
    EXPECT_EQ(parsed_index()->chunks, 1u);
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().bytes_indexed, checkpointed + 5 * batch_bytes);
    expect_all_readable(180);
}

// A crash in the middle of an append: the last chunk cut short, or at its length with its last
// bytes never written (zeros). The earlier chunk is used and the headers walked from its end.
TEST_F(recovery_index, a_torn_last_chunk_leaves_the_earlier_ones) {
    for (const bool cut : {true, false}) {
        temporary_directory round;
        options = options_in(round.path());
        reopen();
        ASSERT_TRUE(log);
        const auto first = append_and_checkpoint(20, 1);
        const auto first_file_bytes = file_size(index_path());
        const auto second = append_and_checkpoint(20, 21);
        const auto file_bytes = file_size(index_path());
        log.reset();
        if (cut) {
            ASSERT_EQ(::truncate(index_path().c_str(),
                                 static_cast<off_t>((first_file_bytes + file_bytes) / 2)),
                      0);
        } else {
            const std::vector<std::byte> zeros(8);
            write_index(zeros, static_cast<off_t>(file_bytes - zeros.size()), O_WRONLY);
        }
        reopen();
        ASSERT_TRUE(log);
        const auto& report = log->recovery_report();
        EXPECT_EQ(report.recovery_indexes_rejected, 0u) << cut;
        EXPECT_EQ(report.bytes_indexed, first) << cut;
        EXPECT_EQ(report.bytes_trusted, second - first) << cut;
        expect_all_readable(160);
        log.reset();
    }
}

// A flipped byte in the second of three chunks: the first is used, the third (intact, but it
// continues the second's CRC) is not.
TEST_F(recovery_index, a_flipped_byte_in_an_early_chunk_ends_the_index_there) {
    reopen();
    ASSERT_TRUE(log);
    const auto first = append_and_checkpoint(20, 1);
    const auto first_file_bytes = file_size(index_path());
    append_and_checkpoint(20, 21);
    const auto third = append_and_checkpoint(20, 41);
    log.reset();
    auto bytes = read_file(index_path());
    ASSERT_EQ(parse_recovery_index(bytes)->chunks, 3u);
    bytes[first_file_bytes + 10] ^= std::byte{0x04};  // the second chunk's size
    write_index(bytes, 0, O_WRONLY);
    reopen();
    ASSERT_TRUE(log);
    const auto& report = log->recovery_report();
    EXPECT_EQ(report.recovery_indexes_rejected, 0u);
    EXPECT_EQ(report.bytes_indexed, first);
    EXPECT_EQ(report.bytes_trusted, third - first);
    expect_all_readable(240);
}

// After a truncation (which removed the file) the next checkpoint writes the file whole: the
// appender's view of the removed file is dropped with it.
TEST_F(recovery_index, a_checkpoint_after_a_truncation_rewrites_it) {
    reopen();
    ASSERT_TRUE(log);
    append_and_checkpoint(30, 1);
    std::uint64_t checkpointed = 0;
    auto body = [&]() -> task<void> {
        EXPECT_TRUE(co_await log->truncate_to(40));
        co_await append_batches(*log, 20, 11);
        auto moved = co_await log->checkpoint_recovery_point();
        EXPECT_TRUE(moved && *moved);
        checkpointed = log->active_segment().size_bytes();
    };
    run_on_reactor(body);
    auto parsed = parsed_index();
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->chunks, 1u);
    EXPECT_EQ(parsed->snapshot, log->active_segment().snapshot());
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().bytes_indexed, checkpointed);
    EXPECT_EQ(log->recovery_report().bytes_trusted, 0u);
    expect_all_readable(120);
}

TEST_F(recovery_index, a_corrupt_one_is_rejected) {
    reopen();
    ASSERT_TRUE(log);
    const auto checkpointed = append_and_checkpoint(30, 1);
    log.reset();
    // Byte 20 is in the header's random file id: a fixed value would leave it as it was once
    // in 256 runs, so the byte is flipped.
    const std::byte flipped = read_file(index_path()).at(20) ^ std::byte{0xff};
    write_index(std::span(&flipped, 1), 20, O_RDWR);
    expect_rejected_and_walked(checkpointed, 120);
}

// A file far larger than the active segment could need (sparse here: the index, then 256 MiB of
// nothing; under the format's own entry cap) is rejected without being read into memory: the
// peak resident size barely moves (reading it would add 256 MiB).
TEST_F(recovery_index, one_larger_than_its_segment_can_hold_is_rejected_unread) {
    reopen();
    ASSERT_TRUE(log);
    const auto checkpointed = append_and_checkpoint(30, 1);
    log.reset();
    ASSERT_EQ(::truncate(index_path().c_str(), off_t{256} << 20), 0);
    rusage before{};
    ASSERT_EQ(::getrusage(RUSAGE_SELF, &before), 0);
    expect_rejected_and_walked(checkpointed, 120);
    rusage after{};
    ASSERT_EQ(::getrusage(RUSAGE_SELF, &after), 0);
    EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 32 << 10);
}

// An intact file whose last entry points where no batch with its offset starts (other data): the
// one header read catches it.
TEST_F(recovery_index, one_pointing_at_other_batches_is_rejected) {
    reopen();
    ASSERT_TRUE(log);
    const auto checkpointed = append_and_checkpoint(30, 1);
    log.reset();
    auto snapshot = parse(read_file(index_path()));
    ASSERT_TRUE(snapshot);
    ASSERT_FALSE(snapshot->offsets.empty());
    snapshot->offsets.back().position += static_cast<std::uint32_t>(batch_bytes);
    write_index(encode(*snapshot), 0, O_WRONLY | O_TRUNC);
    expect_rejected_and_walked(checkpointed, 120);
}

// A truncation below the point removes the index before it cuts; batches written again at the
// same offsets are never described by the old file.
TEST_F(recovery_index, a_truncation_removes_it) {
    reopen();
    ASSERT_TRUE(log);
    append_and_checkpoint(30, 1);
    auto body = [&]() -> task<void> {
        EXPECT_TRUE(co_await log->truncate_to(40));
        co_await append_batches(*log, 20, 11);
    };
    run_on_reactor(body);
    EXPECT_FALSE(std::filesystem::exists(index_path()));
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().bytes_indexed, 0u);
    EXPECT_EQ(log->log_end_offset(), 120);
    expect_all_readable(120);
}

// The index is optional: a checkpoint that cannot write it (here a directory stands where its
// temporary goes; a full disk in practice) still syncs and moves the point, and recovery walks
// the headers below it.
TEST_F(recovery_index, a_failed_write_of_it_still_moves_the_point) {
    reopen();
    ASSERT_TRUE(log);
    const std::string blocker = index_path() + std::string(checkpoint_temporary_suffix);
    ASSERT_TRUE(std::filesystem::create_directory(blocker));
    const auto checkpointed = append_and_checkpoint(30, 1);
    EXPECT_EQ(log->recovery_point(), 120);
    EXPECT_FALSE(std::filesystem::exists(index_path()));
    log.reset();
    std::filesystem::remove(blocker);
    reopen();
    ASSERT_TRUE(log);
    EXPECT_EQ(log->recovery_report().bytes_indexed, 0u);
    EXPECT_EQ(log->recovery_report().bytes_trusted, checkpointed);
    expect_all_readable(120);
}

// A file with chunks past the point (the point's rename was lost) stays on disk; a truncation
// above the point must still remove it, or a later crash could adopt those chunks over the
// batches written again after the cut (once a later point covers them).
TEST_F(recovery_index, a_truncation_above_the_point_removes_one_past_it) {
    leave_an_index_past_the_point();
    ASSERT_TRUE(log);
    ASSERT_EQ(log->recovery_point(), 80);
    ASSERT_TRUE(std::filesystem::exists(index_path()));
    auto body = [&]() -> task<void> {
        EXPECT_TRUE(co_await log->truncate_to(120));
        co_await append_batches(*log, 10, 31);
    };
    run_on_reactor(body);
    EXPECT_FALSE(std::filesystem::exists(index_path()));
    reopen();
    ASSERT_TRUE(log);
    expect_all_readable(160);
}

}  // namespace
}  // namespace laminar::storage
