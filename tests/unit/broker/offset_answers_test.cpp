// OffsetForLeaderEpoch's end offsets (Kafka's leader epoch cache rules) and the records that
// ListOffsets MAX_TIMESTAMP and by-timestamp answer with.
#include "broker/offset_answers.h"

#include <gtest/gtest.h>

namespace laminar::broker {
namespace {

storage::epoch_scan scan_of(std::int32_t floor, std::optional<std::int64_t> above_base,
                            std::int32_t above_epoch = 0) {
    storage::epoch_scan scan;
    scan.floor_epoch = floor;
    if (above_base) {
        storage::located_batch batch;
        batch.header.base_offset = *above_base;
        batch.header.partition_leader_epoch = above_epoch;
        scan.above = batch;
    }
    return scan;
}

TEST(offset_answers, current_epoch_ends_at_the_log_end) {
    EXPECT_EQ(end_offset_for_epoch(3, 3, 0, 120, {}), (epoch_end{3, 120}));
}

TEST(offset_answers, unknown_and_undefined_epochs) {
    EXPECT_EQ(end_offset_for_epoch(4, 3, 0, 120, {}), (epoch_end{-1, -1}));
    EXPECT_EQ(end_offset_for_epoch(-1, 3, 0, 120, {}), (epoch_end{-1, -1}));
}

TEST(offset_answers, older_epoch_ends_where_the_next_starts) {
    // Epoch 1 held offsets up to 50, epoch 3 from there.
    EXPECT_EQ(end_offset_for_epoch(1, 3, 0, 120, scan_of(1, 50, 3)), (epoch_end{1, 50}));
    // Epoch 2 never appended: the largest epoch below it answers, with the same end.
    EXPECT_EQ(end_offset_for_epoch(2, 3, 0, 120, scan_of(1, 50, 3)), (epoch_end{1, 50}));
    // Older than anything known: the requested epoch, ending where the first known starts.
    EXPECT_EQ(end_offset_for_epoch(0, 3, 0, 120, scan_of(-1, 10, 1)), (epoch_end{0, 10}));
    // The current leader has appended nothing yet: the old epoch ends at the log end.
    EXPECT_EQ(end_offset_for_epoch(2, 3, 0, 120, scan_of(2, std::nullopt)), (epoch_end{2, 120}));
    // A next epoch starting below the log start answers the log start.
    EXPECT_EQ(end_offset_for_epoch(1, 3, 60, 120, scan_of(1, 50, 3)), (epoch_end{1, 60}));
}

kafka::record record_at(std::int32_t offset_delta, std::int64_t timestamp_delta) {
    kafka::record each;
    each.offset_delta = offset_delta;
    each.timestamp_delta = timestamp_delta;
    each.value = kafka::bytes{std::byte{1}};
    return each;
}

// `records` in one batch from `base_offset`, their timestamps counted from `base_timestamp`.
kafka::codec_result<kafka::bytes> batch_of(const std::vector<kafka::record>& records,
                                           std::int64_t base_offset,
                                           std::int64_t base_timestamp = 0,
                                           compression_codec codec = compression_codec::none) {
    kafka::record_batch_options options;
    options.base_offset = base_offset;
    options.base_timestamp = base_timestamp;
    options.codec = codec;
    return kafka::build_record_batch(options, records);
}

// Two records, offsets 7 and 8, in a batch the log stamps (timestamp type log append time).
kafka::codec_result<kafka::bytes> log_append_time_batch() {
    kafka::record_batch_options options;
    options.base_offset = 7;
    options.time_type = timestamp_type::log_append_time;
    const std::vector<kafka::record> records{record_at(0, 0), record_at(1, 0)};
    return kafka::build_record_batch(options, records);
}

TEST(offset_answers, max_timestamp_is_the_first_record_holding_it) {
    const std::vector<kafka::record> records{record_at(0, 5), record_at(1, 9), record_at(2, 9),
                                             record_at(3, 2)};
    for (auto codec : {compression_codec::none, compression_codec::lz4}) {
        auto batch = batch_of(records, 100, 1000, codec);
        ASSERT_TRUE(batch);
        EXPECT_EQ(offset_of_max_timestamp(*batch), 101);
    }
}

TEST(offset_answers, log_append_time_batches_answer_their_first_record) {
    auto batch = log_append_time_batch();
    ASSERT_TRUE(batch);
    EXPECT_EQ(offset_of_max_timestamp(*batch), 7);
}

TEST(offset_answers, unparsable_batch_answers_its_last_offset) {
    auto batch = batch_of({record_at(0, 0), record_at(1, 3)}, 40);
    ASSERT_TRUE(batch);
    (*batch)[batch->size() - 1] ^= std::byte{0xff};  // the CRC no longer matches
    EXPECT_EQ(offset_of_max_timestamp(*batch), 41);
}

using offset_and_time = std::pair<std::int64_t, std::int64_t>;

// (offset, timestamp) of first_record_at_or_after, (-1, -1) for none.
offset_and_time found_at(std::span<const std::byte> batch, std::int64_t timestamp,
                         std::int64_t log_start) {
    auto got = first_record_at_or_after(batch, timestamp, log_start);
    return got ? offset_and_time(got->offset, got->timestamp) : offset_and_time(-1, -1);
}

TEST(offset_answers, by_timestamp_is_the_first_record_at_or_after_it) {
    // Timestamps 1000, 1005, 1009, 1002 (out of order), 1020 at offsets 100-104.
    const std::vector<kafka::record> records{record_at(0, 0), record_at(1, 5), record_at(2, 9),
                                             record_at(3, 2), record_at(4, 20)};
    for (auto codec : {compression_codec::none, compression_codec::gzip}) {
        auto batch = batch_of(records, 100, 1000, codec);
        ASSERT_TRUE(batch);
        EXPECT_EQ(found_at(*batch, 0, 0), offset_and_time(100, 1000));
        EXPECT_EQ(found_at(*batch, 1003, 0), offset_and_time(101, 1005));
        EXPECT_EQ(found_at(*batch, 1006, 0), offset_and_time(102, 1009));
        EXPECT_EQ(found_at(*batch, 1010, 0), offset_and_time(104, 1020));
        // Records below the log start do not count.
        EXPECT_EQ(found_at(*batch, 1003, 102), offset_and_time(102, 1009));
        EXPECT_EQ(found_at(*batch, 1021, 0), offset_and_time(-1, -1));
    }
}

TEST(offset_answers, by_timestamp_in_a_log_append_time_batch_is_its_first_record) {
    auto batch = log_append_time_batch();
    ASSERT_TRUE(batch);
    auto header = read_record_batch_header(*batch);
    ASSERT_TRUE(header);
    EXPECT_EQ(found_at(*batch, header->max_timestamp, 0),
              offset_and_time(7, header->max_timestamp));
}

TEST(offset_answers, by_timestamp_in_an_unparsable_batch_is_nothing) {
    auto batch = batch_of({record_at(0, 0)}, 0);
    ASSERT_TRUE(batch);
    (*batch)[batch->size() - 1] ^= std::byte{0xff};
    EXPECT_EQ(found_at(*batch, 0, 0), offset_and_time(-1, -1));
}

}  // namespace
}  // namespace laminar::broker
