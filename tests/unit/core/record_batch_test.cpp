#include "core/record_batch.h"

#include <vector>

#include <gtest/gtest.h>

#include "core/crc32c.h"
#include "core/endian.h"
#include "storage/testing/log_testing.h"

namespace laminar {
namespace {

namespace layout = record_batch_layout;

// A batch with `count` records of dummy bytes (record contents are not inspected here).
std::vector<std::byte> make_batch(std::int32_t count, std::size_t record_bytes = 10) {
    std::vector<std::byte> batch(layout::header_bytes + record_bytes, std::byte{0x5a});
    storage::testing::write_produced_header(
        batch, {.records_count = count, .base_timestamp = 1000, .max_timestamp = 1005});
    return batch;
}

TEST(record_batch, valid_batch_round_trips_its_header) {
    auto batch = make_batch(3);
    auto header = validate_record_batch(batch, 1 << 20);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->records_count, 3);
    EXPECT_EQ(header->last_offset_delta, 2);
    EXPECT_EQ(header->total_bytes(), batch.size());
    EXPECT_EQ(header->compression(), compression_codec::none);
    EXPECT_EQ(header->time_type(), timestamp_type::create_time);
    EXPECT_TRUE(check_produced_batch_offsets(*header));
}

TEST(record_batch, base_offset_and_epoch_are_outside_the_crc) {
    auto batch = make_batch(2);
    set_base_offset(batch, 1234);
    set_partition_leader_epoch(batch, 7);
    auto header = validate_record_batch(batch, 1 << 20);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->base_offset, 1234);
    EXPECT_EQ(header->last_offset(), 1235);
    EXPECT_EQ(header->partition_leader_epoch, 7);
}

TEST(record_batch, log_append_time_recomputes_the_crc) {
    auto batch = make_batch(2);
    set_log_append_time(batch, 99'000);
    auto header = validate_record_batch(batch, 1 << 20);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->time_type(), timestamp_type::log_append_time);
    EXPECT_EQ(header->max_timestamp, 99'000);
}

TEST(record_batch, max_timestamp_recomputes_the_crc) {
    auto batch = make_batch(2);
    set_max_timestamp(batch, 1003);
    auto header = validate_record_batch(batch, 1 << 20);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->time_type(), timestamp_type::create_time);
    EXPECT_EQ(header->max_timestamp, 1003);
    EXPECT_EQ(header->base_timestamp, 1000);
}

TEST(record_batch, every_flipped_covered_byte_fails_the_crc) {
    const auto batch = make_batch(1);
    for (std::size_t i = layout::attributes; i < batch.size(); ++i) {
        auto damaged = batch;
        damaged[i] ^= std::byte{0x01};
        auto header = validate_record_batch(damaged, 1 << 20);
        ASSERT_FALSE(header) << "byte " << i;
    }
}

TEST(record_batch, rejects_bad_structure) {
    auto batch = make_batch(1);
    EXPECT_EQ(validate_record_batch(std::span(batch).first(30), 1 << 20).error(),
              batch_error::truncated);
    EXPECT_EQ(validate_record_batch(std::span(batch).first(batch.size() - 1), 1 << 20).error(),
              batch_error::truncated);
    EXPECT_EQ(validate_record_batch(batch, 40).error(), batch_error::bad_length);
    auto magic = batch;
    store_be<std::int8_t>(magic.data() + layout::magic, 1);
    EXPECT_EQ(validate_record_batch(magic, 1 << 20).error(), batch_error::bad_magic);
    auto length = batch;
    store_be<std::int32_t>(length.data() + layout::batch_length, 10);
    EXPECT_EQ(validate_record_batch(length, 1 << 20).error(), batch_error::bad_length);
    auto negative = make_batch(1);
    store_be<std::int32_t>(negative.data() + layout::records_count, -5);
    store_be<std::uint32_t>(negative.data() + layout::crc, compute_record_batch_crc(negative));
    EXPECT_EQ(validate_record_batch(negative, 1 << 20).error(), batch_error::bad_count);
}

TEST(record_batch, produced_batches_need_dense_offsets) {
    auto batch = make_batch(3);
    store_be<std::int32_t>(batch.data() + layout::last_offset_delta, 5);
    store_be<std::uint32_t>(batch.data() + layout::crc, compute_record_batch_crc(batch));
    auto header = validate_record_batch(batch, 1 << 20);
    ASSERT_TRUE(header);  // a compacted batch may look like this
    EXPECT_FALSE(check_produced_batch_offsets(*header));
    record_batch_header empty;
    empty.records_count = 0;
    empty.last_offset_delta = 0;
    EXPECT_FALSE(check_produced_batch_offsets(empty));
}

}  // namespace
}  // namespace laminar
