#include "net/kafka/records.h"

#include <array>

#include <gtest/gtest.h>

#include "core/endian.h"

namespace laminar::kafka {
namespace {

constexpr std::array<compression_codec, 5> codecs = {
    compression_codec::none, compression_codec::gzip, compression_codec::snappy,
    compression_codec::lz4, compression_codec::zstd};

bytes text(std::string_view value) {
    auto view = as_bytes(value);
    return bytes(view.begin(), view.end());
}

std::vector<record> sample_records(std::size_t count) {
    std::vector<record> records;
    for (std::size_t index = 0; index < count; ++index) {
        record item;
        item.offset_delta = static_cast<std::int32_t>(index);
        item.timestamp_delta = static_cast<std::int64_t>(index * 3);
        if (index % 3 != 1) item.key = text("key-" + std::to_string(index));
        if (index % 4 != 2) item.value = bytes(index * 11 % 300, std::byte(index));
        if (index % 2 == 0) {
            item.headers.push_back({"trace", text("abc")});
            item.headers.push_back({"empty", std::nullopt});
        }
        records.push_back(std::move(item));
    }
    return records;
}

TEST(records, build_and_parse_round_trip_with_every_codec) {
    auto records = sample_records(50);
    for (compression_codec codec : codecs) {
        SCOPED_TRACE(to_string(codec));
        record_batch_options options;
        options.codec = codec;
        options.base_offset = 100;
        options.base_timestamp = 1'700'000'000'000;
        options.producer_id = 42;
        options.producer_epoch = 3;
        options.base_sequence = 7;
        auto batch = build_record_batch(options, records);
        ASSERT_TRUE(batch);
        auto parsed = parse_record_batch(*batch);
        ASSERT_TRUE(parsed) << to_string(parsed.error());
        EXPECT_EQ(parsed->header.compression(), codec);
        EXPECT_EQ(parsed->header.base_offset, 100);
        EXPECT_EQ(parsed->header.records_count, 50);
        EXPECT_EQ(parsed->header.last_offset_delta, 49);
        EXPECT_EQ(parsed->header.max_timestamp, options.base_timestamp + 49 * 3);
        EXPECT_EQ(parsed->header.producer_id, 42);
        EXPECT_EQ(parsed->header.producer_epoch, 3);
        EXPECT_EQ(parsed->header.base_sequence, 7);
        EXPECT_TRUE(check_produced_batch_offsets(parsed->header));
        EXPECT_TRUE(parsed->records == records);
    }
}

TEST(records, every_truncation_and_flip_is_an_error) {
    auto batch = build_record_batch({}, sample_records(4));
    ASSERT_TRUE(batch);
    for (std::size_t size = 0; size < batch->size(); ++size) {
        EXPECT_FALSE(parse_record_batch(std::span(*batch).first(size))) << size;
    }
    for (std::size_t index = 17; index < batch->size(); ++index) {  // bytes under the CRC
        bytes damaged = *batch;
        damaged[index] ^= std::byte{0x01};
        EXPECT_FALSE(parse_record_batch(damaged)) << index;
    }
}

// A batch whose records section is hand-made, with a valid CRC: parsing must check the records.
bytes batch_with_section(const bytes& section, std::int32_t count) {
    auto batch = build_record_batch({}, sample_records(1));
    bytes out(record_batch_layout::header_bytes + section.size());
    std::copy_n(batch->begin(), record_batch_layout::header_bytes, out.begin());
    std::copy(section.begin(), section.end(), out.end() - std::ssize(section));
    store_be<std::int32_t>(out.data() + record_batch_layout::batch_length,
                           static_cast<std::int32_t>(out.size() - 12));
    store_be<std::int32_t>(out.data() + record_batch_layout::records_count, count);
    store_be<std::int32_t>(out.data() + record_batch_layout::last_offset_delta,
                           count > 0 ? count - 1 : 0);
    store_be<std::uint32_t>(out.data() + record_batch_layout::crc, compute_record_batch_crc(out));
    return out;
}

TEST(records, hostile_records_are_refused) {
    // Record: length 7, attrs 0, ts 0, offset 0, key -1, value -1, headers 0.
    bytes good = {std::byte{14}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1},
                  std::byte{1}, std::byte{0}, std::byte{0}};
    ASSERT_EQ(good.size(), 8u);
    good.pop_back();
    good[0] = std::byte{12};  // zigzag 6
    EXPECT_TRUE(parse_record_batch(batch_with_section(good, 1)));
    EXPECT_FALSE(parse_record_batch(batch_with_section(good, 2)));         // count too high
    EXPECT_FALSE(parse_record_batch(batch_with_section(good, 1'000'000))); // count vs bytes
    bytes trailing = good;
    trailing.push_back(std::byte{0});
    EXPECT_FALSE(parse_record_batch(batch_with_section(trailing, 1)));
    bytes many_headers = good;
    many_headers[0] = std::byte{14};
    many_headers[6] = std::byte{0xfe};  // header count: huge varint
    many_headers.push_back(std::byte{0x0f});
    EXPECT_FALSE(parse_record_batch(batch_with_section(many_headers, 1)));
    bytes negative_key = good;
    negative_key[4] = std::byte{3};  // key length -2
    EXPECT_FALSE(parse_record_batch(batch_with_section(negative_key, 1)));
}

TEST(records, decompression_is_capped) {
    std::vector<record> records(1);
    records[0].value = bytes(100'000, std::byte{0});
    record_batch_options options;
    options.codec = compression_codec::zstd;
    auto batch = build_record_batch(options, records);
    ASSERT_TRUE(batch);
    record_parse_limits limits;
    limits.decompressed_bytes_max = 50'000;
    EXPECT_EQ(parse_record_batch(*batch, limits).error(), codec_error::too_large);
}

TEST(records, control_batch_transaction_markers) {
    record_batch_options options;
    options.control = true;
    options.transactional = true;
    options.producer_id = 9;
    options.producer_epoch = 1;
    std::array<record, 1> markers = {make_transaction_marker(control_record_type::commit, 5)};
    auto batch = build_record_batch(options, markers);
    ASSERT_TRUE(batch);
    auto parsed = parse_record_batch(*batch);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->header.is_control());
    EXPECT_TRUE(parsed->header.is_transactional());
    ASSERT_EQ(parsed->records.size(), 1u);
    auto key = parse_control_record_key(*parsed->records[0].key);
    ASSERT_TRUE(key);
    EXPECT_EQ(key->version, 0);
    EXPECT_EQ(key->type, control_record_type::commit);
    auto marker = parse_end_transaction_marker(*parsed->records[0].value);
    ASSERT_TRUE(marker);
    EXPECT_EQ(marker->coordinator_epoch, 5);
    const bytes short_key = {std::byte{0}, std::byte{0}, std::byte{0}};
    EXPECT_EQ(parse_control_record_key(short_key).error(), codec_error::truncated);
    const bytes bad_type = {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{9}};
    EXPECT_EQ(parse_control_record_key(bad_type).error(), codec_error::invalid_value);
}

TEST(records, empty_batches_are_not_built) {
    EXPECT_EQ(build_record_batch({}, {}).error(), codec_error::invalid_value);
}

}  // namespace
}  // namespace laminar::kafka
