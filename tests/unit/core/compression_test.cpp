// What compression.h promises, checked: every codec round-trips; streams written by other
// implementations and settings (zlib, LZ4F and zstd with other preferences, hand-built xerial
// streams, raw snappy) decode; damaged input gives corrupt_data and oversized output too_large,
// never a crash (the asan preset runs this too). Randomized cases print their seed; set
// LAMINAR_TEST_SEED to replay one.
#include "core/compression.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zstd.h>

namespace laminar {
namespace {

using bytes = std::vector<std::byte>;

constexpr std::size_t mebibyte = 1024 * 1024;
constexpr std::array<compression_codec, 4> compressing_codecs = {
    compression_codec::gzip, compression_codec::snappy, compression_codec::lz4,
    compression_codec::zstd};

std::uint64_t test_seed() {
    static const std::uint64_t seed = [] {
        const char* forced = std::getenv("LAMINAR_TEST_SEED");
        const std::uint64_t chosen =
            forced != nullptr ? std::strtoull(forced, nullptr, 10) : std::random_device{}();
        std::printf("compression_test seed: %llu (LAMINAR_TEST_SEED to replay)\n",
                    static_cast<unsigned long long>(chosen));
        return chosen;
    }();
    return seed;
}

bytes random_bytes(std::uint64_t seed, std::size_t size) {
    std::mt19937_64 random(seed);
    bytes data(size);
    for (std::byte& byte : data) byte = static_cast<std::byte>(random());
    return data;
}

// JSON-ish records, like what producers send: compressible but not trivially so.
bytes record_like_bytes(std::uint64_t seed, std::size_t size) {
    std::mt19937_64 random(seed);
    static constexpr const char* names[] = {"alpha", "bravo", "charlie", "delta", "echo"};
    std::string text;
    while (text.size() < size) {
        text += "{\"id\":" + std::to_string(random() % 1000000) + ",\"user\":\"" +
                names[random() % 5] + "\",\"price\":" + std::to_string(random() % 10000) +
                ".25,\"tags\":[\"x\",\"y\"],\"ok\":true}\n";
    }
    text.resize(size);
    bytes data(size);
    if (size > 0) std::memcpy(data.data(), text.data(), size);
    return data;
}

bytes compressed(compression_codec codec, std::span<const std::byte> input,
                 int level = compression_level_default) {
    bytes output;
    status done = compress(codec, input, output, level);
    EXPECT_TRUE(done) << to_string(codec);
    return output;
}

result<bytes> decompressed(compression_codec codec, std::span<const std::byte> input,
                           std::size_t bytes_max = 64 * mebibyte) {
    bytes output;
    status done = decompress(codec, input, output, bytes_max);
    if (!done) return fail(done.error());
    return output;
}

bytes concatenated(std::initializer_list<std::span<const std::byte>> pieces) {
    bytes joined;
    for (auto piece : pieces) joined.insert(joined.end(), piece.begin(), piece.end());
    return joined;
}

// ---- Streams written by other implementations ----

struct zlib_gzip_options {
    int level = Z_DEFAULT_COMPRESSION;
    bool header_fields = false;  // FEXTRA, FNAME, FCOMMENT, FHCRC, as some writers set
    bool sync_flush_midway = false;
};

bytes zlib_gzip(std::span<const std::byte> input, zlib_gzip_options options) {
    z_stream stream{};
    EXPECT_EQ(deflateInit2(&stream, options.level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
              Z_OK);
    gz_header header{};
    std::string extra = "laminar-extra";
    std::string name = "batch.json";
    std::string comment = "written by zlib";
    if (options.header_fields) {
        header.extra = reinterpret_cast<Bytef*>(extra.data());
        header.extra_len = static_cast<uInt>(extra.size());
        header.name = reinterpret_cast<Bytef*>(name.data());
        header.comment = reinterpret_cast<Bytef*>(comment.data());
        header.hcrc = 1;
        header.time = 1700000000;
        EXPECT_EQ(deflateSetHeader(&stream, &header), Z_OK);
    }
    bytes output(deflateBound(&stream, input.size()) + 1024);
    stream.next_out = reinterpret_cast<Bytef*>(output.data());
    stream.avail_out = static_cast<uInt>(output.size());
    const std::size_t half = options.sync_flush_midway ? input.size() / 2 : 0;
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(input.data()));
    if (half > 0) {
        stream.avail_in = static_cast<uInt>(half);
        EXPECT_EQ(deflate(&stream, Z_SYNC_FLUSH), Z_OK);
    }
    stream.avail_in = static_cast<uInt>(input.size() - half);
    EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
    output.resize(stream.total_out);
    deflateEnd(&stream);
    return output;
}

// zlib reading our gzip: what librdkafka consumers do.
bytes zlib_gunzip(std::span<const std::byte> input, std::size_t expected_bytes) {
    z_stream stream{};
    EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
    bytes output(expected_bytes + 1);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(input.data()));
    stream.avail_in = static_cast<uInt>(input.size());
    stream.next_out = reinterpret_cast<Bytef*>(output.data());
    stream.avail_out = static_cast<uInt>(output.size());
    EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
    EXPECT_EQ(stream.avail_in, 0u);
    output.resize(stream.total_out);
    inflateEnd(&stream);
    return output;
}

bytes lz4_frame(std::span<const std::byte> input, const LZ4F_preferences_t& preferences) {
    bytes output(LZ4F_compressFrameBound(input.size(), &preferences));
    const std::size_t written = LZ4F_compressFrame(output.data(), output.size(), input.data(),
                                                   input.size(), &preferences);
    EXPECT_FALSE(LZ4F_isError(written)) << LZ4F_getErrorName(written);
    output.resize(written);
    return output;
}

struct zstd_options {
    int level = 3;
    bool content_size = true;
    bool checksum = false;
    int window_log = 0;
};

// Streams in pieces, as zstd-jni does for Kafka's Java client.
bytes zstd_stream(std::span<const std::byte> input, zstd_options options) {
    ZSTD_CCtx* context = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, options.level);
    ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, options.content_size ? 1 : 0);
    ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, options.checksum ? 1 : 0);
    if (options.window_log != 0) {
        ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, options.window_log);
    }
    bytes output(ZSTD_compressBound(input.size()) + 1024);
    ZSTD_outBuffer target{output.data(), output.size(), 0};
    constexpr std::size_t piece_bytes = 10000;
    for (std::size_t offset = 0; offset < input.size(); offset += piece_bytes) {
        ZSTD_inBuffer source{input.data() + offset,
                             std::min(piece_bytes, input.size() - offset), 0};
        while (source.pos < source.size) {
            EXPECT_FALSE(ZSTD_isError(ZSTD_compressStream2(context, &target, &source,
                                                           ZSTD_e_continue)));
        }
    }
    ZSTD_inBuffer empty{nullptr, 0, 0};
    while (ZSTD_compressStream2(context, &target, &empty, ZSTD_e_end) != 0) {}
    output.resize(target.pos);
    ZSTD_freeCCtx(context);
    return output;
}

bytes zstd_skippable_frame(std::size_t payload_bytes) {
    bytes frame(8 + payload_bytes, std::byte{0x5A});
    const std::uint32_t magic = 0x184D2A50u;
    const auto size = static_cast<std::uint32_t>(payload_bytes);
    for (int index = 0; index < 4; ++index) {
        frame[index] = static_cast<std::byte>(magic >> (8 * index));
        frame[4 + index] = static_cast<std::byte>(size >> (8 * index));
    }
    return frame;
}

void append_u32_big_endian(bytes& target, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        target.push_back(static_cast<std::byte>(value >> shift));
    }
}

const bytes xerial_header = {std::byte{0x82}, std::byte{'S'}, std::byte{'N'}, std::byte{'A'},
                             std::byte{'P'},  std::byte{'P'}, std::byte{'Y'}, std::byte{0},
                             std::byte{0},    std::byte{0},   std::byte{0},   std::byte{1},
                             std::byte{0},    std::byte{0},   std::byte{0},   std::byte{1}};

bytes raw_snappy(std::span<const std::byte> input) {
    std::string compressed_text;
    snappy::Compress(reinterpret_cast<const char*>(input.data()), input.size(), &compressed_text);
    const auto* begin = reinterpret_cast<const std::byte*>(compressed_text.data());
    return bytes(begin, begin + compressed_text.size());
}

// A xerial stream built by hand, cutting the input at the given block sizes in turn.
bytes xerial_stream(std::span<const std::byte> input, std::vector<std::size_t> block_sizes) {
    bytes stream = xerial_header;
    std::size_t offset = 0;
    for (std::size_t turn = 0; offset < input.size(); ++turn) {
        const std::size_t block_bytes =
            std::min(block_sizes[turn % block_sizes.size()], input.size() - offset);
        const bytes block = raw_snappy(input.subspan(offset, block_bytes));
        append_u32_big_endian(stream, static_cast<std::uint32_t>(block.size()));
        stream.insert(stream.end(), block.begin(), block.end());
        offset += block_bytes;
    }
    return stream;
}

// ---- Names, ids and levels ----

TEST(compression_codec, names_round_trip) {
    for (compression_codec codec : {compression_codec::none, compression_codec::gzip,
                                    compression_codec::snappy, compression_codec::lz4,
                                    compression_codec::zstd}) {
        auto parsed = parse_compression_codec(to_string(codec));
        ASSERT_TRUE(parsed);
        EXPECT_EQ(*parsed, codec);
    }
    EXPECT_EQ(to_string(compression_codec::snappy), "snappy");
    for (std::string_view name : {"GZIP", "producer", "uncompressed", "", "lz4 "}) {
        auto parsed = parse_compression_codec(name);
        ASSERT_FALSE(parsed) << name;
        EXPECT_EQ(parsed.error(), errc::invalid_argument);
    }
}

TEST(compression_codec, from_attributes_reads_bits_0_to_2) {
    EXPECT_EQ(compression_codec_from_attributes(0x0000).value(), compression_codec::none);
    EXPECT_EQ(compression_codec_from_attributes(0x0004).value(), compression_codec::zstd);
    // Timestamp type, transactional and control bits around the codec do not matter.
    EXPECT_EQ(compression_codec_from_attributes(0x0033).value(), compression_codec::lz4);
    for (std::uint16_t id : {5, 6, 7}) {
        EXPECT_EQ(compression_codec_from_attributes(id).error(), errc::corrupt_data);
    }
}

TEST(compression_level, kafka_ranges) {
    using enum compression_codec;
    EXPECT_TRUE(compression_level_valid(gzip, 1));
    EXPECT_TRUE(compression_level_valid(gzip, 9));
    EXPECT_FALSE(compression_level_valid(gzip, 0));
    EXPECT_FALSE(compression_level_valid(gzip, 10));
    EXPECT_TRUE(compression_level_valid(lz4, 17));
    EXPECT_FALSE(compression_level_valid(lz4, 18));
    EXPECT_TRUE(compression_level_valid(zstd, -5));
    EXPECT_TRUE(compression_level_valid(zstd, 22));
    EXPECT_FALSE(compression_level_valid(zstd, 23));
    EXPECT_TRUE(compression_level_valid(snappy, 42));
    for (compression_codec codec : compressing_codecs) {
        EXPECT_TRUE(compression_level_valid(codec, compression_level_default));
    }
}

TEST(compression_level, invalid_level_leaves_output_alone) {
    bytes output = {std::byte{7}};
    const bytes input = record_like_bytes(1, 1000);
    EXPECT_EQ(compress(compression_codec::gzip, input, output, 12).error(),
              errc::invalid_argument);
    EXPECT_EQ(compress(compression_codec::zstd, input, output, 99).error(),
              errc::invalid_argument);
    EXPECT_EQ(output, bytes{std::byte{7}});
}

TEST(compression_level, every_level_round_trips) {
    const bytes input = record_like_bytes(test_seed(), 64 * 1024);
    auto check = [&](compression_codec codec, int level) {
        const bytes packed = compressed(codec, input, level);
        EXPECT_EQ(decompressed(codec, packed).value(), input) << to_string(codec) << " " << level;
    };
    for (int level = 1; level <= 9; ++level) check(compression_codec::gzip, level);
    for (int level = 1; level <= 17; ++level) check(compression_codec::lz4, level);
    for (int level : {ZSTD_minCLevel(), -7, -1, 1, 3, 9, 19, ZSTD_maxCLevel()}) {
        check(compression_codec::zstd, level);
    }
}

TEST(compression, unknown_codec_is_invalid_argument) {
    const auto bogus = static_cast<compression_codec>(6);
    bytes output;
    const bytes input = record_like_bytes(2, 10);
    EXPECT_EQ(compress(bogus, input, output).error(), errc::invalid_argument);
    EXPECT_EQ(decompress(bogus, input, output, mebibyte).error(), errc::invalid_argument);
}

// ---- Round trips ----

enum class data_kind { random, compressible };

class round_trip
    : public testing::TestWithParam<std::tuple<compression_codec, std::size_t, data_kind>> {};

TEST_P(round_trip, appends_and_restores) {
    const auto [codec, size, kind] = GetParam();
    const bytes input = kind == data_kind::random ? random_bytes(test_seed(), size)
                                                  : record_like_bytes(test_seed(), size);
    const bytes prefix = {std::byte{1}, std::byte{2}, std::byte{3}};

    bytes packed = prefix;
    ASSERT_TRUE(compress(codec, input, packed));
    ASSERT_TRUE(std::equal(prefix.begin(), prefix.end(), packed.begin()));
    const auto frame = std::span(packed).subspan(prefix.size());

    bytes unpacked = prefix;
    ASSERT_TRUE(decompress(codec, frame, unpacked, size));  // the bound may be exact
    ASSERT_EQ(unpacked.size(), prefix.size() + size);
    EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), unpacked.begin()));
    EXPECT_TRUE(std::equal(input.begin(), input.end(), unpacked.begin() + 3));
}

std::string round_trip_name(
    const testing::TestParamInfo<std::tuple<compression_codec, std::size_t, data_kind>>& info) {
    const auto [codec, size, kind] = info.param;
    return std::string(to_string(codec)) + "_" + std::to_string(size) + "_" +
           (kind == data_kind::random ? "random" : "compressible");
}

INSTANTIATE_TEST_SUITE_P(
    codecs, round_trip,
    testing::Combine(testing::Values(compression_codec::none, compression_codec::gzip,
                                     compression_codec::snappy, compression_codec::lz4,
                                     compression_codec::zstd),
                     testing::Values(std::size_t{0}, std::size_t{1}, std::size_t{100}, mebibyte),
                     testing::Values(data_kind::random, data_kind::compressible)),
    round_trip_name);

// ---- Our output, as the Java client and librdkafka read it ----

TEST(compression_gzip, zlib_reads_ours) {
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, 300 * std::size_t{1024}}) {
        const bytes input = record_like_bytes(test_seed(), size);
        EXPECT_EQ(zlib_gunzip(compressed(compression_codec::gzip, input), size), input);
    }
}

TEST(compression_snappy, writes_xerial_blocks_of_32_kib) {
    const bytes input = record_like_bytes(test_seed(), 100 * 1024);
    const bytes packed = compressed(compression_codec::snappy, input);
    ASSERT_GE(packed.size(), xerial_header.size());
    EXPECT_TRUE(std::equal(xerial_header.begin(), xerial_header.end(), packed.begin()));
    std::vector<std::size_t> block_sizes;
    std::size_t offset = xerial_header.size();
    while (offset < packed.size()) {
        ASSERT_LE(offset + 4, packed.size());
        std::uint32_t length = 0;
        for (int index = 0; index < 4; ++index) {
            length = (length << 8) | std::to_integer<std::uint32_t>(packed[offset + index]);
        }
        offset += 4;
        ASSERT_LE(offset + length, packed.size());
        std::size_t block_input_bytes = 0;
        ASSERT_TRUE(snappy::GetUncompressedLength(
            reinterpret_cast<const char*>(packed.data() + offset), length, &block_input_bytes));
        block_sizes.push_back(block_input_bytes);
        offset += length;
    }
    EXPECT_EQ(block_sizes, (std::vector<std::size_t>{32768, 32768, 32768, 4096}));
}

TEST(compression_lz4, writes_the_frame_kafka_java_reads) {
    const bytes packed = compressed(compression_codec::lz4, record_like_bytes(3, 200 * 1024));
    ASSERT_GE(packed.size(), 7u);
    // Magic, then FLG 0x60 (version 01, independent blocks, no checksums, no content size) and
    // BD 0x40 (64 KiB blocks): the descriptor Kafka's Lz4BlockOutputStream writes.
    const bytes expected = {std::byte{0x04}, std::byte{0x22}, std::byte{0x4D}, std::byte{0x18},
                            std::byte{0x60}, std::byte{0x40}};
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), packed.begin()));
}

// ---- Other writers' streams ----

TEST(compression_gzip, reads_zlib_streams) {
    const bytes input = record_like_bytes(test_seed(), 200 * 1024);
    for (int level : {1, 6, 9}) {
        for (bool header_fields : {false, true}) {
            for (bool sync_flush : {false, true}) {
                const bytes stream = zlib_gzip(input, {level, header_fields, sync_flush});
                EXPECT_EQ(decompressed(compression_codec::gzip, stream).value(), input)
                    << level << header_fields << sync_flush;
            }
        }
    }
    const bytes empty = zlib_gzip({}, {});
    EXPECT_EQ(decompressed(compression_codec::gzip, empty).value(), bytes{});
}

TEST(compression_gzip, reads_concatenated_members) {
    const bytes first = record_like_bytes(test_seed(), 70 * 1024);
    const bytes second = random_bytes(test_seed(), 5000);
    const bytes stream =
        concatenated({zlib_gzip(first, {}), compressed(compression_codec::gzip, {}),
                      zlib_gzip(second, {.level = 1, .header_fields = true})});
    EXPECT_EQ(decompressed(compression_codec::gzip, stream).value(), concatenated({first, second}));
}

TEST(compression_lz4, reads_every_frame_shape) {
    const bytes input = record_like_bytes(test_seed(), 300 * 1024);
    for (auto block_size : {LZ4F_max64KB, LZ4F_max256KB, LZ4F_max1MB, LZ4F_max4MB}) {
        for (auto block_mode : {LZ4F_blockLinked, LZ4F_blockIndependent}) {
            for (int flags = 0; flags < 8; ++flags) {
                LZ4F_preferences_t preferences{};
                preferences.frameInfo.blockSizeID = block_size;
                preferences.frameInfo.blockMode = block_mode;
                preferences.frameInfo.contentSize = (flags & 1) != 0 ? input.size() : 0;
                preferences.frameInfo.contentChecksumFlag =
                    (flags & 2) != 0 ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
                preferences.frameInfo.blockChecksumFlag =
                    (flags & 4) != 0 ? LZ4F_blockChecksumEnabled : LZ4F_noBlockChecksum;
                preferences.compressionLevel = block_mode == LZ4F_blockLinked ? 9 : 0;
                EXPECT_EQ(decompressed(compression_codec::lz4, lz4_frame(input, preferences)),
                          input)
                    << block_size << " " << block_mode << " " << flags;
            }
        }
    }
}

TEST(compression_lz4, reads_concatenated_and_skippable_frames) {
    const bytes first = record_like_bytes(test_seed(), 100 * 1024);
    const bytes second = random_bytes(test_seed(), 1000);
    LZ4F_preferences_t preferences{};
    bytes skippable = zstd_skippable_frame(16);  // same layout, lz4's skippable magic below
    skippable[0] = std::byte{0x50};
    skippable[1] = std::byte{0x2A};
    skippable[2] = std::byte{0x4D};
    skippable[3] = std::byte{0x18};
    const bytes stream =
        concatenated({skippable, lz4_frame(first, preferences), skippable,
                      compressed(compression_codec::lz4, second), lz4_frame({}, preferences)});
    EXPECT_EQ(decompressed(compression_codec::lz4, stream).value(), concatenated({first, second}));
}

TEST(compression_snappy, reads_hand_built_xerial_streams) {
    const bytes input = record_like_bytes(test_seed(), 300 * 1024 + 17);
    // 1 KiB blocks: what Kafka clients before KAFKA-3704 wrote; larger than 32 KiB: a custom
    // block size in snappy-java.
    for (auto block_sizes : std::vector<std::vector<std::size_t>>{
             {1024}, {32 * 1024}, {100 * 1024}, {7, 40000, 32 * 1024, 1}}) {
        EXPECT_EQ(decompressed(compression_codec::snappy, xerial_stream(input, block_sizes)),
                  input);
    }
}

TEST(compression_snappy, reads_raw_concatenated_and_empty_streams) {
    const bytes input = record_like_bytes(test_seed(), mebibyte + 3);
    EXPECT_EQ(decompressed(compression_codec::snappy, raw_snappy(input)).value(), input);
    EXPECT_EQ(decompressed(compression_codec::snappy, raw_snappy({})).value(), bytes{});

    const bytes second = random_bytes(test_seed(), 3000);
    const bytes stream = concatenated({xerial_stream(input, {32 * 1024}), xerial_header,
                                       xerial_stream(second, {1024})});
    EXPECT_EQ(decompressed(compression_codec::snappy, stream).value(),
              concatenated({input, second}));
    // snappy-java reads an empty stream, and a header alone, as no data.
    EXPECT_EQ(decompressed(compression_codec::snappy, bytes{}).value(), bytes{});
    EXPECT_EQ(decompressed(compression_codec::snappy, xerial_header).value(), bytes{});
}

TEST(compression_zstd, reads_streams_with_and_without_content_size_or_checksum) {
    const bytes input = record_like_bytes(test_seed(), 500 * 1024);
    for (bool content_size : {false, true}) {
        for (bool checksum : {false, true}) {
            const bytes stream = zstd_stream(input, {.level = 3, .content_size = content_size,
                                                     .checksum = checksum});
            EXPECT_EQ(decompressed(compression_codec::zstd, stream).value(), input);
        }
    }
    const bytes wide_window = zstd_stream(input, {.level = 19, .content_size = false,
                                                  .checksum = false, .window_log = 24});
    EXPECT_EQ(decompressed(compression_codec::zstd, wide_window).value(), input);
}

TEST(compression_zstd, reads_concatenated_and_skippable_frames) {
    const bytes first = record_like_bytes(test_seed(), 100 * 1024);
    const bytes second = random_bytes(test_seed(), 1000);
    const bytes stream = concatenated(
        {zstd_skippable_frame(10), zstd_stream(first, {.content_size = false}),
         zstd_skippable_frame(0), compressed(compression_codec::zstd, second)});
    EXPECT_EQ(decompressed(compression_codec::zstd, stream).value(), concatenated({first, second}));
}

// ---- Bounds ----

TEST(compression_bounds, one_byte_over_the_bound_is_too_large) {
    const bytes input = record_like_bytes(test_seed(), 100 * 1024);
    for (compression_codec codec : {compression_codec::none, compression_codec::gzip,
                                    compression_codec::snappy, compression_codec::lz4,
                                    compression_codec::zstd}) {
        const bytes packed = compressed(codec, input);
        bytes output = {std::byte{9}};
        EXPECT_EQ(decompress(codec, packed, output, input.size() - 1).error(), errc::too_large)
            << to_string(codec);
        EXPECT_EQ(output, bytes{std::byte{9}}) << to_string(codec);
        EXPECT_TRUE(decompress(codec, packed, output, input.size())) << to_string(codec);
        EXPECT_EQ(decompress(codec, packed, output, 0).error(), errc::too_large);
    }
}

TEST(compression_bounds, bombs_stop_at_the_bound) {
    const bytes zeros(64 * mebibyte, std::byte{0});
    for (compression_codec codec : compressing_codecs) {
        const bytes bomb = compressed(codec, zeros);
        bytes output;
        EXPECT_EQ(decompress(codec, bomb, output, mebibyte).error(), errc::too_large)
            << to_string(codec);
        EXPECT_TRUE(output.empty());
        EXPECT_LE(output.capacity(), 4 * mebibyte) << to_string(codec);
    }
}

TEST(compression_bounds, claimed_snappy_length_is_checked_before_allocating) {
    // Raw snappy whose varint claims 1 GiB.
    const bytes claim = {std::byte{0x80}, std::byte{0x80}, std::byte{0x80}, std::byte{0x80},
                         std::byte{0x04}, std::byte{0x00}};
    bytes output;
    EXPECT_EQ(decompress(compression_codec::snappy, claim, output, mebibyte).error(),
              errc::too_large);
    EXPECT_LE(output.capacity(), mebibyte);
}

// ---- Damage ----

// Every cut of a stream is corrupt, except where the format cannot tell (see compression.h).
TEST(compression_damage, truncated_streams_are_corrupt) {
    const bytes input = record_like_bytes(test_seed(), 20 * 1024);  // one xerial block
    for (compression_codec codec : compressing_codecs) {
        const bytes packed = compressed(codec, input);
        for (std::size_t cut = 0; cut < packed.size(); ++cut) {
            auto decoded = decompressed(codec, std::span(packed).first(cut));
            const bool header_only = cut == 0 || cut == xerial_header.size();
            if (codec == compression_codec::snappy && header_only) {
                EXPECT_EQ(decoded.value(), bytes{});
                continue;
            }
            ASSERT_FALSE(decoded) << to_string(codec) << " cut at " << cut;
            ASSERT_EQ(decoded.error(), errc::corrupt_data) << to_string(codec) << " cut " << cut;
        }
    }
}

TEST(compression_damage, trailing_bytes_are_corrupt) {
    const bytes input = record_like_bytes(test_seed(), 5000);
    for (compression_codec codec : compressing_codecs) {
        for (std::size_t extra : {1, 3, 20}) {
            bytes packed = compressed(codec, input);
            packed.insert(packed.end(), extra, std::byte{0x11});
            EXPECT_EQ(decompressed(codec, packed).error(), errc::corrupt_data)
                << to_string(codec) << " " << extra;
        }
    }
}

TEST(compression_damage, damaged_magic_is_corrupt) {
    const bytes input = record_like_bytes(4, 5000);
    for (compression_codec codec : compressing_codecs) {
        const bytes packed = compressed(codec, input);
        // gzip's fourth byte holds flags, some of them (FTEXT) harmless to flip.
        const std::size_t magic_bytes = codec == compression_codec::gzip ? 3 : 4;
        for (std::size_t bit = 0; bit < 8 * magic_bytes; ++bit) {
            bytes damaged = packed;
            damaged[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
            EXPECT_EQ(decompressed(codec, damaged).error(), errc::corrupt_data)
                << to_string(codec) << " bit " << bit;
        }
    }
}

// With a checksum in the stream, a flipped bit is caught or harmless, never a wrong result.
TEST(compression_damage, checksummed_streams_catch_flipped_bits) {
    const bytes input = record_like_bytes(test_seed(), 50 * 1024);
    LZ4F_preferences_t lz4_checked{};
    lz4_checked.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    lz4_checked.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
    const std::vector<std::pair<compression_codec, bytes>> streams = {
        {compression_codec::gzip, compressed(compression_codec::gzip, input)},
        {compression_codec::gzip, zlib_gzip(input, {.header_fields = true})},
        {compression_codec::lz4, lz4_frame(input, lz4_checked)},
        {compression_codec::zstd, zstd_stream(input, {.checksum = true})}};
    std::mt19937_64 random(test_seed());
    for (const auto& [codec, packed] : streams) {
        for (int round = 0; round < 400; ++round) {
            bytes damaged = packed;
            const std::size_t bit = random() % (8 * damaged.size());
            damaged[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
            auto decoded = decompressed(codec, damaged, 2 * input.size());
            if (decoded) {
                ASSERT_EQ(*decoded, input) << to_string(codec) << " bit " << bit;
            } else {
                ASSERT_EQ(decoded.error(), errc::corrupt_data)
                    << to_string(codec) << " bit " << bit;
            }
        }
    }
}

// Without one, a flipped literal can decode to a wrong byte (the batch CRC's to catch); what
// must hold is a clean answer and no crash.
TEST(compression_damage, flipped_bits_never_crash) {
    std::mt19937_64 random(test_seed());
    for (compression_codec codec : compressing_codecs) {
        for (const bytes& input : {record_like_bytes(test_seed(), 80 * 1024),
                                   random_bytes(test_seed(), 10 * 1024)}) {
            const bytes packed = compressed(codec, input);
            for (int round = 0; round < 300; ++round) {
                bytes damaged = packed;
                for (int flips = 1 + static_cast<int>(random() % 3); flips > 0; --flips) {
                    const std::size_t bit = random() % (8 * damaged.size());
                    damaged[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
                }
                auto decoded = decompressed(codec, damaged, 2 * input.size());
                if (!decoded) {
                    ASSERT_TRUE(decoded.error() == errc::corrupt_data ||
                                decoded.error() == errc::too_large)
                        << to_string(codec) << " " << to_string(decoded.error());
                }
            }
        }
    }
}

TEST(compression_damage, context_recovers_after_a_failure) {
    const bytes input = record_like_bytes(test_seed(), 300 * 1024);
    for (compression_codec codec : compressing_codecs) {
        const bytes packed = compressed(codec, input);
        EXPECT_FALSE(decompressed(codec, std::span(packed).first(packed.size() / 2)));
        EXPECT_FALSE(decompressed(codec, packed, 1000));
        EXPECT_EQ(decompressed(codec, packed).value(), input) << to_string(codec);
    }
}

// ---- Threads ----

TEST(compression_threads, each_thread_uses_its_own_contexts) {
    const bytes input = record_like_bytes(test_seed(), 200 * 1024);
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (std::size_t worker = 0; worker < failures.size(); ++worker) {
        threads.emplace_back([&, worker] {
            for (int round = 0; round < 20; ++round) {
                const compression_codec codec = compressing_codecs[(worker + round) % 4];
                bytes packed;
                bytes unpacked;
                if (!compress(codec, input, packed) ||
                    !decompress(codec, packed, unpacked, input.size()) || unpacked != input) {
                    ++failures[worker];
                }
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace laminar
