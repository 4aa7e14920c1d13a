// Kafka's checks and corrections of a produced batch (batch_checks.h), on batches built with
// real records in every codec: zstd before Produce v7 and Fetch v10 (KIP-110), and the max
// timestamp a client left at -1 (sarama 1.22 does) recomputed from the records.
#include "broker/batch_checks.h"

#include <optional>
#include <string>
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

// A batch of `records` with base timestamp base_ms.
kafka::bytes build(const std::vector<kafka::record>& records, compression_codec codec,
                   timestamp_type time_type) {
    kafka::record_batch_options options;
    options.base_timestamp = base_ms;
    options.codec = codec;
    options.time_type = time_type;
    auto batch = kafka::build_record_batch(options, records);
    EXPECT_TRUE(batch);
    return batch ? *batch : kafka::bytes{};
}

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
    return build(records, codec, time_type);
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

TEST(batch_checks, every_batch_gets_its_records_max_timestamp_with_the_crc) {
    // Kafka recomputes it for every batch: below the base (what sarama 1.22 sends: -1) or merely
    // wrong, in every codec.
    for (auto codec : {compression_codec::none, compression_codec::gzip, compression_codec::snappy,
                       compression_codec::lz4, compression_codec::zstd}) {
        for (std::int64_t sent : {std::int64_t{-1}, base_ms + 1, base_ms + 100}) {
            auto batch = batch_of(codec);
            set_max_timestamp(batch, sent);
            ASSERT_EQ(header_of(batch).max_timestamp, sent);
            std::string message;
            EXPECT_EQ(check_batch_records(batch, true, nullptr, message), kafka_error::none)
                << message;
            EXPECT_EQ(header_of(batch).max_timestamp, base_ms + 7) << static_cast<int>(codec);
            EXPECT_EQ(batch, batch_of(codec)) << "only the max timestamp and the CRC change";
        }
    }
}

TEST(batch_checks, a_log_append_time_topic_keeps_the_max_timestamp_for_the_append) {
    auto batch = batch_of(compression_codec::none);
    set_max_timestamp(batch, base_ms + 1);
    const auto before = batch;
    std::string message;
    EXPECT_EQ(check_batch_records(batch, false, nullptr, message), kafka_error::none);
    EXPECT_EQ(batch, before);
}

TEST(batch_checks, a_producers_log_append_time_flag_becomes_create_time_on_a_create_time_topic) {
    // Kafka's LogValidator sets (CREATE_TIME, the records' max) whatever the producer flagged.
    for (auto codec : {compression_codec::none, compression_codec::lz4}) {
        auto flagged = batch_of(codec, timestamp_type::log_append_time);
        set_max_timestamp(flagged, base_ms + 1000);  // neither the records' max nor impossible
        std::string message;
        EXPECT_EQ(check_batch_records(flagged, true, nullptr, message), kafka_error::none);
        const auto header = header_of(flagged);
        EXPECT_EQ(header.time_type(), timestamp_type::create_time);
        EXPECT_EQ(header.max_timestamp, base_ms + 7);
        EXPECT_EQ(flagged, batch_of(codec)) << "the same bytes as a CreateTime batch";
    }
}

// Rewrites the batch's length field to its size and its CRC to its bytes, as a client that
// built these bytes would: only reading the records can find what is wrong with them.
void reseal(kafka::bytes& batch) {
    store_be<std::int32_t>(batch.data() + layout::batch_length,
                           static_cast<std::int32_t>(batch.size() - layout::length_field_end));
    store_be<std::uint32_t>(batch.data() + layout::crc, compute_record_batch_crc(batch));
}

TEST(batch_checks, uncompressed_records_that_do_not_parse_are_an_invalid_record) {
    auto long_record = batch_of(compression_codec::none);
    long_record[layout::header_bytes] = std::byte{0x7e};  // first record length 63: too short
    reseal(long_record);
    auto trailing = batch_of(compression_codec::none);
    trailing.push_back(std::byte{0});
    reseal(trailing);
    auto truncated = batch_of(compression_codec::none);
    truncated.erase(truncated.end() - 5, truncated.end());
    reseal(truncated);
    for (auto* batch : {&long_record, &trailing, &truncated}) {
        ASSERT_EQ(check(*batch, 3), kafka_error::none) << "the CRC and the header hold";
        for (bool create_time : {true, false}) {
            std::string message;
            EXPECT_EQ(check_batch_records(*batch, create_time, nullptr, message),
                      kafka_error::invalid_record);
            EXPECT_NE(message.find("Found invalid record structure"), std::string::npos)
                << message;
        }
    }
}

TEST(batch_checks, inner_offsets_must_run_from_zero_without_gaps) {
    // Deltas 0, 1, 5 under a header that says the last delta is 2 (count - 1): the header's
    // checks pass, the records' offsets would not be the ones the header promises.
    for (auto codec : {compression_codec::none, compression_codec::lz4}) {
        std::vector<kafka::record> records;
        for (std::int32_t delta : {0, 1, 5}) {
            kafka::record record;
            record.offset_delta = delta;
            record.value = kafka::bytes(10, std::byte{'v'});
            records.push_back(std::move(record));
        }
        auto batch = build(records, codec, timestamp_type::create_time);
        store_be<std::int32_t>(batch.data() + layout::last_offset_delta, 2);
        reseal(batch);
        ASSERT_EQ(check(batch, 3), kafka_error::none);
        std::string message;
        EXPECT_EQ(check_batch_records(batch, true, nullptr, message), kafka_error::invalid_record);
        EXPECT_NE(message.find("Found invalid record structure"), std::string::npos) << message;
    }
}

TEST(batch_checks, compressed_records_that_do_not_inflate_are_corrupt) {
    auto batch = batch_of(compression_codec::gzip);
    // Garbage where the gzip stream starts, with a CRC that matches it: only reading the records
    // finds the damage.
    for (std::size_t at = layout::header_bytes; at < layout::header_bytes + 16; ++at) {
        batch[at] = std::byte{0x11};
    }
    reseal(batch);
    ASSERT_EQ(check(batch, 3), kafka_error::none);
    std::string message;
    EXPECT_EQ(check_batch_records(batch, true, nullptr, message), kafka_error::corrupt_message);
    EXPECT_EQ(max_record_timestamp(batch), std::nullopt);
}

// A batch of records with these keys (nullopt: none) and timestamps (base + delta).
kafka::bytes batch_with(std::vector<std::optional<std::string>> keys,
                        std::vector<std::int64_t> deltas, compression_codec codec,
                        timestamp_type time_type = timestamp_type::create_time) {
    std::vector<kafka::record> records;
    for (std::size_t index = 0; index < keys.size(); ++index) {
        kafka::record record;
        record.offset_delta = static_cast<std::int32_t>(index);
        record.timestamp_delta = deltas[index];
        if (keys[index]) {
            const auto& key = *keys[index];
            record.key = kafka::bytes(reinterpret_cast<const std::byte*>(key.data()),
                                      reinterpret_cast<const std::byte*>(key.data()) + key.size());
        }
        record.value = kafka::bytes(10, std::byte{'v'});
        records.push_back(std::move(record));
    }
    return build(records, codec, time_type);
}

struct checked {
    kafka_error error;
    std::vector<kafka::batch_index_and_error_message> errors;
    std::string message;
};

// A copy of the batch through check_batch_records with the rules.
checked check_with(kafka::bytes batch, const record_rules& rules, std::int64_t now_ms) {
    checked out;
    const record_check check{
        .rules = rules, .now_ms = now_ms, .partition = "t-3", .errors = &out.errors};
    out.error = check_batch_records(batch, !rules.log_append_time, &check, out.message);
    return out;
}

TEST(batch_checks, a_compacted_topic_names_every_record_without_a_key) {
    const record_rules rules{.compacted = true};
    for (auto codec : {compression_codec::none, compression_codec::lz4}) {
        auto batch = batch_with({"a", std::nullopt, "c", std::nullopt}, {0, 0, 0, 0}, codec);
        ASSERT_TRUE(records_need_checks(rules, header_of(batch)));
        auto out = check_with(batch, rules, base_ms);
        EXPECT_EQ(out.error, kafka_error::invalid_record);
        ASSERT_EQ(out.errors.size(), 2u);
        EXPECT_EQ(out.errors[0].batch_index, 1);
        EXPECT_EQ(out.errors[1].batch_index, 3);
        const std::string why =
            "Compacted topic cannot accept message without key in topic partition t-3";
        EXPECT_EQ(out.errors[0].batch_index_error_message, why);
        EXPECT_EQ(out.message,
                  "One or more records have been rejected due to 2 record errors in total, and "
                  "only showing the first three errors at most: [RecordError(batchIndex=1, "
                  "message='" + why + "'), RecordError(batchIndex=3, message='" + why + "')]");
        auto keyed = batch_with({"a", "b"}, {0, 0}, codec);
        EXPECT_EQ(check_with(keyed, rules, base_ms).error, kafka_error::none);
    }
}

TEST(batch_checks, create_time_outside_the_bounds_is_an_invalid_timestamp) {
    // Timestamps base + 0, -5000 (too old for before=1000), +3000 (too new for after=2000), -1
    // (no timestamp: exempt); now = base.
    const record_rules rules{.before_max_ms = 1000, .after_max_ms = 2000};
    auto batch = batch_with({"a", "b", "c", "d"}, {0, -5000, 3000, -1 - base_ms},
                            compression_codec::gzip);
    ASSERT_TRUE(records_need_checks(rules, header_of(batch)));
    auto out = check_with(batch, rules, base_ms);
    EXPECT_EQ(out.error, kafka_error::invalid_timestamp);
    ASSERT_EQ(out.errors.size(), 2u);
    EXPECT_EQ(out.errors[0].batch_index, 1);
    EXPECT_EQ(out.errors[0].batch_index_error_message,
              "Timestamp " + std::to_string(base_ms - 5000) +
                  " of message with offset 1 is out of range. The timestamp should be within [" +
                  std::to_string(base_ms - 1000) + ", " + std::to_string(base_ms + 2000) + "]");
    EXPECT_EQ(out.errors[1].batch_index, 2);
    EXPECT_EQ(out.message, "One or more records have been rejected due to invalid timestamp");
    // At the edges: exactly before / after away is still inside.
    auto edges = batch_with({"a", "b"}, {-1000, 2000}, compression_codec::none);
    EXPECT_EQ(check_with(edges, rules, base_ms).error, kafka_error::none);
    // A timestamp error wins over a key error in the summary (INVALID_TIMESTAMP).
    const record_rules both{.compacted = true, .before_max_ms = 1000};
    auto mixed = batch_with({std::nullopt, "b"}, {0, -5000}, compression_codec::none);
    auto mixed_out = check_with(mixed, both, base_ms);
    EXPECT_EQ(mixed_out.error, kafka_error::invalid_timestamp);
    EXPECT_EQ(mixed_out.errors.size(), 2u);
}

TEST(batch_checks, extreme_timestamps_follow_kafkas_long_arithmetic) {
    const record_rules rules{.before_max_ms = 1000, .after_max_ms = 1000};
    // INT64_MAX: far in the future, refused by the after bound.
    auto future = batch_with({"a"}, {INT64_MAX - base_ms}, compression_codec::none);
    EXPECT_EQ(check_with(future, rules, base_ms).error, kafka_error::invalid_timestamp);
    // Exactly 2^63 ms before now: Kafka's now - timestamp wraps to Long.MIN_VALUE, which
    // neither bound catches, so Kafka lets it through; so does Laminar.
    auto wrapped = batch_with({"a"}, {INT64_MIN}, compression_codec::none);
    EXPECT_EQ(check_with(wrapped, rules, base_ms).error, kafka_error::none);
    // One ms later it does not wrap, and is far too old.
    auto old = batch_with({"a"}, {INT64_MIN + 1}, compression_codec::none);
    EXPECT_EQ(check_with(old, rules, base_ms).error, kafka_error::invalid_timestamp);
}

TEST(batch_checks, a_producer_may_not_flag_log_append_time_on_a_log_append_time_topic) {
    const record_rules rules{.log_append_time = true};
    auto flagged = batch_with({"a", "b"}, {0, 1}, compression_codec::none,
                              timestamp_type::log_append_time);
    ASSERT_TRUE(records_need_checks(rules, header_of(flagged)));
    auto out = check_with(flagged, rules, base_ms);
    EXPECT_EQ(out.error, kafka_error::invalid_timestamp);
    ASSERT_EQ(out.errors.size(), 2u);
    EXPECT_EQ(out.errors[0].batch_index_error_message,
              "Invalid timestamp type in message DefaultRecord(offset=0, timestamp=" +
                  std::to_string(base_ms) +
                  "). Producer should not set timestamp type to LogAppendTime.");
    // On a CreateTime topic the flag is judged by the bounds only, as Kafka does.
    const record_rules create_time{};
    EXPECT_EQ(check_with(flagged, create_time, base_ms).error, kafka_error::none);
}

TEST(batch_checks, a_default_topic_reads_no_records) {
    const record_rules defaults{};
    EXPECT_FALSE(records_need_checks(defaults, header_of(batch_of(compression_codec::zstd))));
    // A LogAppendTime topic ignores the CreateTime bounds.
    const record_rules append_time{.log_append_time = true, .before_max_ms = 1};
    EXPECT_FALSE(records_need_checks(append_time, header_of(batch_of(compression_codec::none))));
    const record_rules bounded{.after_max_ms = 1};
    EXPECT_TRUE(records_need_checks(bounded, header_of(batch_of(compression_codec::none))));
}

TEST(batch_checks, clients_may_not_write_control_batches) {
    auto batch = batch_of(compression_codec::none);
    auto header = header_of(batch);
    std::string message;
    EXPECT_EQ(check_not_control(header, "t-0", message), kafka_error::none);
    header.attributes |= record_batch_attributes::control;
    EXPECT_EQ(check_not_control(header, "t-0", message), kafka_error::invalid_record);
    EXPECT_EQ(message, "Clients are not allowed to write control records in topic partition t-0");
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
