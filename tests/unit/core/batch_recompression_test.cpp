// Recompression of a record batch to a topic's codec (batch_recompression.h).
#include "core/batch_recompression.h"

#include <cstring>

#include <gtest/gtest.h>

#include "core/endian.h"
#include "core/record_batch.h"

namespace laminar {
namespace {

namespace layout = record_batch_layout;

std::vector<std::byte> records_bytes(std::size_t size) {
    std::vector<std::byte> out(size);
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((i * 7) % 13);
    return out;
}

// A batch whose records section is `body` already in `codec`, with header fields set.
std::vector<std::byte> make_batch(compression_codec codec, std::span<const std::byte> body) {
    std::vector<std::byte> batch(layout::header_bytes);
    store_be(batch.data() + layout::base_offset, std::int64_t{1234});
    store_be(batch.data() + layout::partition_leader_epoch, std::int32_t{3});
    batch[layout::magic] = std::byte{2};
    store_be(batch.data() + layout::attributes,
             static_cast<std::int16_t>(static_cast<std::int16_t>(codec) | 0x08));
    store_be(batch.data() + layout::last_offset_delta, std::int32_t{9});
    store_be(batch.data() + layout::base_timestamp, std::int64_t{1700000000000});
    store_be(batch.data() + layout::max_timestamp, std::int64_t{1700000000009});
    store_be(batch.data() + layout::producer_id, std::int64_t{77});
    store_be(batch.data() + layout::producer_epoch, std::int16_t{2});
    store_be(batch.data() + layout::base_sequence, std::int32_t{40});
    store_be(batch.data() + layout::records_count, std::int32_t{10});
    batch.resize(layout::header_bytes + body.size());
    if (!body.empty()) std::memcpy(batch.data() + layout::header_bytes, body.data(), body.size());
    store_be(batch.data() + layout::batch_length,
             static_cast<std::int32_t>(batch.size() - layout::length_field_end));
    store_be(batch.data() + layout::crc, compute_record_batch_crc(batch));
    return batch;
}

std::vector<std::byte> compressed(compression_codec codec, std::span<const std::byte> plain) {
    std::vector<std::byte> out;
    EXPECT_TRUE(compress(codec, plain, out));
    return out;
}

TEST(BatchRecompression, GzipToZstdKeepsTheHeaderAndTheRecords) {
    const auto plain = records_bytes(5000);
    const auto gzip_body = compressed(compression_codec::gzip, plain);
    const auto batch = make_batch(compression_codec::gzip, gzip_body);
    auto out = recompress_record_batch(batch, compression_codec::zstd, 1 << 20);
    ASSERT_TRUE(out);
    auto header = validate_record_batch(*out, out->size());  // length and CRC right
    ASSERT_TRUE(header);
    EXPECT_EQ(header->total_bytes(), out->size());
    EXPECT_EQ(header->compression(), compression_codec::zstd);
    EXPECT_EQ(header->time_type(), timestamp_type::log_append_time);  // other bits kept
    EXPECT_EQ(header->base_offset, 1234);
    EXPECT_EQ(header->partition_leader_epoch, 3);
    EXPECT_EQ(header->last_offset_delta, 9);
    EXPECT_EQ(header->base_timestamp, 1700000000000);
    EXPECT_EQ(header->max_timestamp, 1700000000009);
    EXPECT_EQ(header->producer_id, 77);
    EXPECT_EQ(header->producer_epoch, 2);
    EXPECT_EQ(header->base_sequence, 40);
    EXPECT_EQ(header->records_count, 10);
    std::vector<std::byte> back;
    ASSERT_TRUE(decompress(compression_codec::zstd, std::span(*out).subspan(layout::header_bytes),
                           back, 1 << 20));
    EXPECT_EQ(back, plain);
}

TEST(BatchRecompression, EveryCodecRoundTripsToTheSameUncompressedBatch) {
    const auto plain = records_bytes(70000);  // more than one lz4 / snappy block
    const auto original = make_batch(compression_codec::none, plain);
    for (auto codec : {compression_codec::gzip, compression_codec::snappy, compression_codec::lz4,
                       compression_codec::zstd}) {
        auto packed = recompress_record_batch(original, codec, 1 << 20);
        ASSERT_TRUE(packed) << to_string(codec);
        EXPECT_LT(packed->size(), original.size()) << to_string(codec);
        ASSERT_TRUE(validate_record_batch(*packed, packed->size())) << to_string(codec);
        auto unpacked = recompress_record_batch(*packed, compression_codec::none, 1 << 20);
        ASSERT_TRUE(unpacked) << to_string(codec);
        EXPECT_EQ(*unpacked, original) << to_string(codec);
    }
}

TEST(BatchRecompression, CorruptRecordsAndBombsAreRefused) {
    const auto plain = records_bytes(100000);
    auto body = compressed(compression_codec::zstd, plain);
    const auto batch = make_batch(compression_codec::zstd, body);
    auto bomb = recompress_record_batch(batch, compression_codec::gzip, 1000);
    ASSERT_FALSE(bomb);
    EXPECT_EQ(bomb.error(), errc::too_large);
    body.resize(body.size() / 2);
    const auto cut = make_batch(compression_codec::zstd, body);
    auto corrupt = recompress_record_batch(cut, compression_codec::gzip, 1 << 20);
    ASSERT_FALSE(corrupt);
    EXPECT_EQ(corrupt.error(), errc::corrupt_data);
    const auto short_batch = std::span(batch).first(40);
    EXPECT_FALSE(recompress_record_batch(short_batch, compression_codec::gzip, 1 << 20));
}

}  // namespace
}  // namespace laminar
