// Kafka's checks and corrections of a produced batch (batch_checks.h), on batches built with
// real records in every codec: zstd before Produce v7 and Fetch v10 (KIP-110), and the max
// timestamp a client left at -1 (sarama 1.22 does) recomputed from the records.
#include "broker/batch_checks.h"

#include <vector>

#include <gtest/gtest.h>

#include "core/endian.h"
#include "core/record_batch.h"
#include "net/kafka/records.h"

namespace laminar::broker {
namespace {

namespace layout = record_batch_layout;

constexpr std::int64_t base_ms = 1'796'000'000'000;
constexpr std::int64_t message_bytes_max = 1'048'588;

// Records whose timestamps are base + 0, 7, 3, -2: the largest is not the last, and one is
// below the base, as a batch of records with out-of-order timestamps has them.
kafka::bytes batch_of(compression_codec codec,
                      timestamp_type time_type = timestamp_type::create_time) {
    std::vector<kafka::record> records;
    const std::int64_t deltas[] = {0, 7, 3, -2};
    for (std::int32_t index = 0; index < 4; ++index) {
        kafka::record record;
        record.offset_delta = index;
        record.timestamp_delta = deltas[index];
        record.key = kafka::bytes(8, std::byte{static_cast<unsigned char>('k' + index)});
        record.value = kafka::bytes(200, std::byte{'v'});
        records.push_back(std::move(record));
    }
    kafka::record_batch_options options;
    options.base_timestamp = base_ms;
    options.codec = codec;
    options.time_type = time_type;
    auto batch = kafka::build_record_batch(options, records);
    EXPECT_TRUE(batch);
    return batch ? *batch : kafka::bytes{};
}

record_batch_header header_of(std::span<const std::byte> batch) {
    auto header = validate_record_batch(batch, batch.size());
    EXPECT_TRUE(header) << "the CRC or the structure no longer holds";
    return header ? *header : record_batch_header{};
}

kafka_error check(const kafka::bytes& batch, std::int16_t version) {
    std::string message;
    return check_produced_batch(batch, version, message_bytes_max, message);
}

TEST(batch_checks, zstd_needs_produce_v7_as_in_kafka) {
    const auto zstd = batch_of(compression_codec::zstd);
    for (std::int16_t version = 3; version < 7; ++version) {
        std::string message;
        EXPECT_EQ(check_produced_batch(zstd, version, message_bytes_max, message),
                  kafka_error::unsupported_compression_type)
            << version;
        EXPECT_EQ(message, "Produce requests with version " + std::to_string(version) +
                               " are not allowed to use ZStandard compression");
    }
    for (std::int16_t version : {7, 9, 10, 12}) EXPECT_EQ(check(zstd, version), kafka_error::none);
    for (auto codec : {compression_codec::none, compression_codec::gzip,
                       compression_codec::snappy, compression_codec::lz4}) {
        EXPECT_EQ(check(batch_of(codec), 3), kafka_error::none);
    }
}

TEST(batch_checks, the_zstd_rule_comes_before_the_size_and_the_crc) {
    // ProduceRequest.validateRecords runs before LogValidator's checks.
    auto zstd = batch_of(compression_codec::zstd);
    zstd.back() ^= std::byte{0xff};
    EXPECT_EQ(check(zstd, 3), kafka_error::unsupported_compression_type);
    EXPECT_EQ(check(zstd, 7), kafka_error::corrupt_message);
    std::string message;
    EXPECT_EQ(check_produced_batch(batch_of(compression_codec::zstd), 3, 16, message),
              kafka_error::unsupported_compression_type);
    EXPECT_EQ(check_produced_batch(batch_of(compression_codec::zstd), 7, 16, message),
              kafka_error::message_too_large);
}

TEST(batch_checks, max_record_timestamp_is_the_largest_record_timestamp) {
    for (auto codec : {compression_codec::none, compression_codec::gzip, compression_codec::snappy,
                       compression_codec::lz4, compression_codec::zstd}) {
        EXPECT_EQ(max_record_timestamp(batch_of(codec)), base_ms + 7)
            << static_cast<int>(codec);
    }
}

TEST(batch_checks, a_max_timestamp_below_the_base_is_recomputed_with_the_crc) {
    for (auto codec : {compression_codec::none, compression_codec::gzip, compression_codec::snappy,
                       compression_codec::lz4, compression_codec::zstd}) {
        auto batch = batch_of(codec);
        set_max_timestamp(batch, -1);  // what sarama 1.22 sends
        ASSERT_EQ(header_of(batch).max_timestamp, -1);
        std::string message;
        EXPECT_EQ(correct_max_timestamp(batch, message), kafka_error::none);
        EXPECT_EQ(header_of(batch).max_timestamp, base_ms + 7) << static_cast<int>(codec);
        EXPECT_EQ(batch, batch_of(codec)) << "only the max timestamp and the CRC change";
    }
}

TEST(batch_checks, a_plausible_max_timestamp_and_log_append_time_are_kept) {
    // The header is trusted when it could be right: the append path reads no records then.
    auto plausible = batch_of(compression_codec::gzip);
    set_max_timestamp(plausible, base_ms + 1);
    const auto before = plausible;
    std::string message;
    EXPECT_EQ(correct_max_timestamp(plausible, message), kafka_error::none);
    EXPECT_EQ(plausible, before);
    // LogAppendTime: the log stamps the append time over it.
    auto append_time = batch_of(compression_codec::none, timestamp_type::log_append_time);
    set_max_timestamp(append_time, -1);
    const auto unchanged = append_time;
    EXPECT_EQ(correct_max_timestamp(append_time, message), kafka_error::none);
    EXPECT_EQ(append_time, unchanged);
}

TEST(batch_checks, unreadable_records_behind_an_impossible_max_timestamp_are_corrupt) {
    auto batch = batch_of(compression_codec::gzip);
    // Garbage where the gzip stream starts, with a CRC that matches it: only reading the records
    // finds the damage.
    for (std::size_t at = layout::header_bytes; at < layout::header_bytes + 16; ++at) {
        batch[at] = std::byte{0x11};
    }
    set_max_timestamp(batch, -1);
    ASSERT_EQ(check(batch, 3), kafka_error::none);
    std::string message;
    EXPECT_EQ(correct_max_timestamp(batch, message), kafka_error::corrupt_message);
    EXPECT_EQ(max_record_timestamp(batch), std::nullopt);
}

TEST(batch_checks, fetch_below_v10_refuses_topics_whose_codec_is_zstd) {
    for (std::int16_t version = 4; version < 10; ++version) {
        EXPECT_TRUE(fetch_refuses_codec("zstd", version)) << version;
        EXPECT_FALSE(fetch_refuses_codec("producer", version)) << version;
        EXPECT_FALSE(fetch_refuses_codec("gzip", version)) << version;
    }
    for (std::int16_t version : {10, 12, 16}) EXPECT_FALSE(fetch_refuses_codec("zstd", version));
}

}  // namespace
}  // namespace laminar::broker
