// Producer snapshots (producer_snapshot.h, producer_state.h): the format, a table's snapshot
// and restore, and the rebuild at open that starts from the newest usable snapshot and replays
// every segment past it, so transactions opened or aborted before the active segment survive a
// restart.
#include "broker/producer_snapshot.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "broker/producer_state.h"
#include "net/kafka/records.h"
#include "tests/unit/fuzz_seed_files.h"
#include "tests/unit/storage/storage_test_util.h"

namespace laminar::broker {
namespace {

using storage::testing::run_on_reactor;
using storage::testing::temporary_directory;

producer_snapshot sample_snapshot() {
    producer_snapshot snapshot;
    snapshot.offset = 120;
    snapshot.producers.push_back({7, 3, 2, 100, -1, {{0, 4, 90, 1000}, {5, 9, 105, 1001}}});
    snapshot.producers.push_back({9, 0, -1, -1, 1500, {}});
    snapshot.producers.push_back({11, 1, 4, -1, -1, {{20, 20, 40, 900}}});
    snapshot.aborted.push_back({9, 10, 30, 31});
    snapshot.aborted.push_back({11, 35, 60, 61});
    return snapshot;
}

TEST(producer_snapshot, round_trips_and_seeds_its_fuzz_target) {
    const auto snapshot = sample_snapshot();
    const auto bytes = encode_producer_snapshot(snapshot);
    EXPECT_EQ(decode_producer_snapshot(bytes), snapshot);
    producer_snapshot empty;
    empty.offset = 0;
    EXPECT_EQ(decode_producer_snapshot(encode_producer_snapshot(empty)), empty);
    // Seeds that fail the checks behind the CRC, one each: a start for the fuzzer there.
    auto twice = snapshot;
    twice.producers[1].producer_id = 7;
    auto unordered = snapshot;
    std::swap(unordered.aborted[0], unordered.aborted[1]);
    auto open_beyond = snapshot;
    open_beyond.producers[0].txn_first_offset = snapshot.offset;
    testing::check_or_write_fuzz_seeds(
        "producer_snapshot_fuzz",
        {{"three_producers_two_aborted", bytes},
         {"empty", encode_producer_snapshot(empty)},
         {"producer_twice", encode_producer_snapshot(twice)},
         {"aborted_out_of_order", encode_producer_snapshot(unordered)},
         {"transaction_past_the_offset", encode_producer_snapshot(open_beyond)}});
}

TEST(producer_snapshot, damaged_bytes_do_not_decode) {
    const auto bytes = encode_producer_snapshot(sample_snapshot());
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        auto flipped = bytes;
        flipped[at] ^= std::byte{0x10};
        EXPECT_FALSE(decode_producer_snapshot(flipped)) << "byte " << at;
    }
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        EXPECT_FALSE(decode_producer_snapshot(std::span(bytes).first(size))) << "size " << size;
    }
    auto longer = bytes;
    longer.push_back(std::byte{0});
    EXPECT_FALSE(decode_producer_snapshot(longer));
}

TEST(producer_snapshot, inconsistent_contents_do_not_decode) {
    auto beyond = sample_snapshot();
    beyond.producers[0].batches[1].base_offset = 120;  // at the snapshot's offset
    EXPECT_FALSE(decode_producer_snapshot(encode_producer_snapshot(beyond)));
    auto twice = sample_snapshot();
    twice.producers[1].producer_id = 7;
    EXPECT_FALSE(decode_producer_snapshot(encode_producer_snapshot(twice)));
    auto unordered = sample_snapshot();
    std::swap(unordered.aborted[0], unordered.aborted[1]);
    EXPECT_FALSE(decode_producer_snapshot(encode_producer_snapshot(unordered)));
    auto many = sample_snapshot();
    many.producers[0].batches.assign(6, {0, 0, 1, 1});
    for (std::size_t index = 0; index < 6; ++index) {
        many.producers[0].batches[index].base_offset = static_cast<std::int64_t>(index);
    }
    EXPECT_FALSE(decode_producer_snapshot(encode_producer_snapshot(many)));
}

record_batch_header batch_of(std::int64_t producer, std::int16_t epoch, std::int32_t sequence,
                             std::int32_t records, bool transactional,
                             std::int64_t base_offset = 0) {
    record_batch_header header;
    header.producer_id = producer;
    header.producer_epoch = epoch;
    header.base_sequence = sequence;
    header.last_offset_delta = records - 1;
    header.base_offset = base_offset;
    header.max_timestamp = 1000 + base_offset;
    if (transactional) header.attributes = record_batch_attributes::transactional;
    return header;
}

TEST(producer_snapshot, a_table_restored_from_its_snapshot_answers_the_same) {
    producer_state_table table;
    table.replay(batch_of(1, 0, 0, 5, false, 0));
    table.replay(batch_of(2, 0, 0, 2, true, 5));  // opens a transaction at 5
    table.replay(batch_of(3, 1, 0, 1, true, 7));
    table.marker_appended(3, 1, 0, false, 8, 2000);  // aborted [7, 8]
    table.replay(batch_of(1, 0, 5, 5, false, 9));
    const auto snapshot = table.snapshot(14);
    EXPECT_EQ(snapshot.aborted, (std::vector<aborted_txn>{{3, 7, 8, 5}}));

    producer_state_table restored;
    restored.replay(batch_of(99, 0, 0, 1, false, 0));  // replaced by the restore
    restored.restore(snapshot);
    EXPECT_EQ(restored.snapshot(14), snapshot);
    EXPECT_EQ(restored.size(), 3u);
    EXPECT_EQ(restored.last_stable_offset(14), 5);
    EXPECT_EQ(restored.aborted_between(0, 14), table.aborted_between(0, 14));
    auto retry = restored.check_and_record(batch_of(1, 0, 5, 5, false));
    EXPECT_EQ(retry.verdict, sequence_verdict::duplicate);
    EXPECT_EQ(retry.duplicate_base_offset, 9);
    EXPECT_EQ(restored.check_and_record(batch_of(1, 0, 11, 1, false)).verdict,
              sequence_verdict::out_of_order);
    // Producer 2's transaction is still open: its commit closes it.
    restored.marker_appended(2, 0, 0, true, 14, 3000);
    EXPECT_EQ(restored.last_stable_offset(15), 15);
}

TEST(producer_snapshot, the_table_is_settled_only_with_nothing_in_flight) {
    producer_state_table table;
    EXPECT_TRUE(table.settled());
    const auto first = batch_of(1, 0, 0, 1, false);
    ASSERT_EQ(table.check_and_record(first).verdict, sequence_verdict::append);
    EXPECT_FALSE(table.settled());
    const auto second = batch_of(1, 0, 1, 1, false);
    ASSERT_EQ(table.check_and_record(second).verdict, sequence_verdict::append);
    table.appended(first, 0);
    EXPECT_FALSE(table.settled());
    table.append_failed(second);
    EXPECT_TRUE(table.settled());
    ASSERT_EQ(table.check_marker(1, 0, 0), marker_verdict::append);
    EXPECT_FALSE(table.settled());
    table.marker_appended(1, 0, 0, true, 1, 10);
    table.marker_settled();
    EXPECT_TRUE(table.settled());
    // A coordinator's transactional batch (TxnOffsetCommit) holds the LSO at the log end it
    // goes to while in flight, and is recorded where it lands once appended.
    const auto offsets = batch_of(2, 0, 0, 1, true, 0);
    table.coordinator_append_started(offsets, 2);
    EXPECT_FALSE(table.settled());
    EXPECT_EQ(table.last_stable_offset(3), 2);
    table.coordinator_append_done(offsets, 2);
    EXPECT_TRUE(table.settled());
    EXPECT_EQ(table.last_stable_offset(3), 2);
    // One that fails leaves no transaction behind.
    const auto failed = batch_of(3, 0, 0, 1, true, 0);
    table.coordinator_append_started(failed, 3);
    EXPECT_EQ(table.last_stable_offset(4), 2);
    table.coordinator_append_done(failed, -1);
    EXPECT_TRUE(table.settled());
    table.marker_appended(2, 0, 0, true, 3, 10);
    EXPECT_EQ(table.last_stable_offset(4), 4);
}

// A log of segments of 1 KiB: batches of producer 5 (transactional) and 6 (plain idempotent).
class snapshot_log {
public:
    explicit snapshot_log(const std::string& dir) : _options(storage::testing::options_in(dir)) {
        _options.config.segment_bytes = 1024;
    }

    // Appends `count` batches of 4 records from `producer`, then (when marker is set) a
    // COMMIT or ABORT marker for it; returns the base offset of the first batch.
    std::int64_t append(std::int64_t producer, bool transactional, int count,
                        std::optional<bool> commit = std::nullopt) {
        std::int64_t first = -1;
        auto body = [&]() -> task<void> {
            auto log = co_await storage::partition_log::open(_options);
            EXPECT_TRUE(log);
            if (!log) co_return;
            for (int index = 0; index < count; ++index) {
                kafka::record_batch_options options;
                options.producer_id = producer;
                options.producer_epoch = 0;
                options.base_sequence = _sequences[producer];
                options.transactional = transactional;
                std::vector<kafka::record> records(4);
                for (std::int32_t r = 0; r < 4; ++r) {
                    records[r].offset_delta = r;
                    records[r].value = kafka::bytes(100, std::byte{'v'});
                }
                auto batch = kafka::build_record_batch(options, records);
                EXPECT_TRUE(batch);
                auto appended = co_await (*log)->append(std::span<std::byte>(*batch));
                EXPECT_TRUE(appended);
                if (appended && first < 0) first = appended->base_offset;
                _sequences[producer] += 4;
            }
            if (commit) {
                kafka::record_batch_options options;
                options.producer_id = producer;
                options.producer_epoch = 0;
                options.transactional = true;
                options.control = true;
                const auto marker =
                    kafka::make_transaction_marker(*commit ? kafka::control_record_type::commit
                                                           : kafka::control_record_type::abort,
                                                   0);
                auto batch = kafka::build_record_batch(options, std::span(&marker, 1));
                EXPECT_TRUE(batch);
                EXPECT_TRUE(co_await (*log)->append(std::span<std::byte>(*batch)));
            }
            EXPECT_TRUE(co_await (*log)->close());
        };
        run_on_reactor(body);
        return first;
    }

    struct rebuilt {
        std::int64_t snapshot = -2;
        std::int64_t log_end = -1;
        std::size_t segments = 0;
        producer_state_table table;
    };
    // Opens the log and rebuilds its producers; with `snapshot_after`, then writes a snapshot
    // of the rebuilt table at the log end.
    std::unique_ptr<rebuilt> rebuild(bool snapshot_after = false) {
        auto out = std::make_unique<rebuilt>();
        auto body = [&]() -> task<void> {
            auto log = co_await storage::partition_log::open(_options);
            EXPECT_TRUE(log);
            if (!log) co_return;
            auto used = co_await rebuild_producer_state(**log, out->table);
            EXPECT_TRUE(used);
            if (used) out->snapshot = *used;
            out->log_end = (*log)->log_end_offset();
            out->segments = (*log)->segment_count();
            if (snapshot_after) {
                EXPECT_TRUE(co_await write_producer_snapshot((*log)->dir(),
                                                             out->table.snapshot(out->log_end)));
            }
            EXPECT_TRUE(co_await (*log)->close());
        };
        run_on_reactor(body);
        return out;
    }

    std::string dir() const {
        return _options.data_dir + "/" + _options.topic + "-" + std::to_string(_options.partition);
    }

private:
    storage::log_options _options;
    std::map<std::int64_t, std::int32_t> _sequences;
};

std::vector<std::string> snapshot_files(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        if (name.ends_with(".snapshot")) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

TEST(producer_snapshot, transactions_before_the_active_segment_survive_a_restart) {
    temporary_directory dir;
    snapshot_log log(dir.path());
    const auto aborted_first = log.append(5, true, 4, false);  // aborted, then rolled past
    const auto open_first = log.append(7, true, 1);            // left open
    log.append(6, false, 8);                                   // rolls past both
    auto state = log.rebuild();
    ASSERT_GT(state->segments, 3u);
    EXPECT_EQ(state->snapshot, -1);  // none yet: replayed from the log start
    ASSERT_EQ(state->table.aborted().size(), 1u);
    EXPECT_EQ(state->table.aborted()[0].producer_id, 5);
    EXPECT_EQ(state->table.aborted()[0].first_offset, aborted_first);
    EXPECT_EQ(state->table.last_stable_offset(state->log_end), open_first);
}

TEST(producer_snapshot, a_restart_starts_from_the_newest_usable_snapshot) {
    temporary_directory dir;
    snapshot_log log(dir.path());
    const auto aborted_first = log.append(5, true, 4, false);
    const auto open_first = log.append(7, true, 1);
    const auto first_snapshot = log.rebuild(true)->log_end;
    log.append(6, false, 6);
    const auto second_snapshot = log.rebuild(true)->log_end;
    log.append(7, true, 2, true);  // the open transaction commits
    log.append(6, false, 2);
    EXPECT_EQ(snapshot_files(log.dir()).size(), 2u);

    auto state = log.rebuild();
    EXPECT_EQ(state->snapshot, second_snapshot);
    ASSERT_EQ(state->table.aborted().size(), 1u);
    EXPECT_EQ(state->table.aborted()[0].first_offset, aborted_first);
    EXPECT_EQ(state->table.last_stable_offset(state->log_end), state->log_end);
    EXPECT_EQ(state->table.last_of(6).second, 4 * 8 - 1);

    // A torn newest snapshot is removed and the older one used; the replay from it still
    // finds the open transaction closed.
    const auto newest = log.dir() + "/" + snapshot_files(log.dir()).back();
    std::filesystem::resize_file(newest, 20);
    state = log.rebuild();
    EXPECT_EQ(state->snapshot, first_snapshot);
    EXPECT_EQ(snapshot_files(log.dir()).size(), 1u);
    EXPECT_EQ(state->table.last_stable_offset(state->log_end), state->log_end);
    EXPECT_EQ(state->table.aborted().size(), 1u);
    EXPECT_GT(open_first, aborted_first);
}

TEST(producer_snapshot, a_snapshot_past_the_log_end_is_removed_unread) {
    temporary_directory dir;
    snapshot_log log(dir.path());
    log.append(5, true, 2);
    auto state = log.rebuild();
    // As if the log lost its tail in a crash after this snapshot was written.
    producer_snapshot stale;
    stale.offset = state->log_end + 100;
    const auto bytes = encode_producer_snapshot(stale);
    const auto path = log.dir() + "/" + storage::segment_file_name(stale.offset, ".snapshot");
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    state = log.rebuild();
    EXPECT_EQ(state->snapshot, -1);
    EXPECT_TRUE(snapshot_files(log.dir()).empty());
    EXPECT_EQ(state->table.last_stable_offset(state->log_end), 0);  // still open from 0
}

}  // namespace
}  // namespace laminar::broker
