#include "net/kafka/wire.h"

#include <limits>

#include <gtest/gtest.h>

namespace laminar::kafka {
namespace {

bytes of(std::initializer_list<int> values) {
    bytes out;
    for (int value : values) out.push_back(static_cast<std::byte>(value));
    return out;
}

TEST(wire, fixed_width_integers_are_big_endian) {
    bytes out;
    writer w(out);
    w.write_int16(0x0102);
    w.write_int32(-2);
    w.write_int64(0x0102030405060708);
    w.write_uint16(0xfffe);
    w.write_uint32(0xfffffffe);
    w.write_float64(1.5);
    EXPECT_EQ(bytes(out.begin(), out.begin() + 6), of({1, 2, 0xff, 0xff, 0xff, 0xfe}));
    reader r(out);
    EXPECT_EQ(r.read_int16(), 0x0102);
    EXPECT_EQ(r.read_int32(), -2);
    EXPECT_EQ(r.read_int64(), 0x0102030405060708);
    EXPECT_EQ(r.read_uint16(), 0xfffe);
    EXPECT_EQ(r.read_uint32(), 0xfffffffeU);
    EXPECT_EQ(r.read_float64(), 1.5);
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(r.read_int8().error(), codec_error::truncated);
}

TEST(wire, zigzag_varints_match_kafka) {
    // Values from Kafka's ByteUtilsTest.
    bytes out;
    writer w(out);
    w.write_varint(0);
    w.write_varint(-1);
    w.write_varint(1);
    w.write_varint(63);
    w.write_varint(-64);
    w.write_varint(64);
    EXPECT_EQ(out, of({0x00, 0x01, 0x02, 0x7e, 0x7f, 0x80, 0x01}));
    for (std::int64_t value : {std::numeric_limits<std::int64_t>::min(), std::int64_t{-1},
                               std::int64_t{0}, std::numeric_limits<std::int64_t>::max()}) {
        bytes buffer;
        writer(buffer).write_varlong(value);
        reader r(buffer);
        EXPECT_EQ(r.read_varlong(), value);
        EXPECT_EQ(r.remaining(), 0u);
    }
    for (std::int32_t value : {std::numeric_limits<std::int32_t>::min(), -300, 300,
                               std::numeric_limits<std::int32_t>::max()}) {
        bytes buffer;
        writer(buffer).write_varint(value);
        EXPECT_EQ(reader(buffer).read_varint(), value);
    }
}

TEST(wire, unsigned_varint_bounds) {
    bytes out;
    writer(out).write_unsigned_varint(0xffffffff);
    EXPECT_EQ(out, of({0xff, 0xff, 0xff, 0xff, 0x0f}));
    EXPECT_EQ(unsigned_varint_bytes(0xffffffff), 5u);
    EXPECT_EQ(reader(out).read_unsigned_varint(), 0xffffffffU);
    auto too_long = of({0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
    EXPECT_EQ(reader(too_long).read_unsigned_varint().error(), codec_error::invalid_varint);
    auto too_big = of({0xff, 0xff, 0xff, 0xff, 0x1f});
    EXPECT_EQ(reader(too_big).read_unsigned_varint().error(), codec_error::invalid_varint);
    auto cut = of({0x80, 0x80});
    EXPECT_EQ(reader(cut).read_unsigned_varint().error(), codec_error::truncated);
}

TEST(wire, lengths_are_checked_against_the_bytes_left) {
    auto string_null = of({0xff, 0xff});
    EXPECT_EQ(reader(string_null).read_string_length(false), -1);
    auto string_negative = of({0xff, 0xfe});
    EXPECT_EQ(reader(string_negative).read_string_length(false).error(),
              codec_error::invalid_length);
    auto string_long = of({0x00, 0x05, 'a'});
    EXPECT_EQ(reader(string_long).read_string_length(false).error(), codec_error::truncated);
    auto compact_null = of({0x00});
    EXPECT_EQ(reader(compact_null).read_bytes_length(true), -1);
    auto compact_two = of({0x03, 'a', 'b'});
    EXPECT_EQ(reader(compact_two).read_bytes_length(true), 2);
    auto array_huge = of({0x7f, 0xff, 0xff, 0xff, 0, 0});
    EXPECT_EQ(reader(array_huge).read_array_count(false).error(), codec_error::invalid_length);
    auto compact_huge = of({0xff, 0xff, 0xff, 0xff, 0x0f});
    EXPECT_EQ(reader(compact_huge).read_array_count(true).error(), codec_error::invalid_length);
}

TEST(wire, uuid_round_trips) {
    uuid id;
    for (std::size_t index = 0; index < 16; ++index) id.value[index] = std::byte(index * 7);
    bytes out;
    writer(out).write_uuid(id);
    ASSERT_EQ(out.size(), 16u);
    EXPECT_EQ(reader(out).read_uuid(), id);
    EXPECT_EQ(reader(std::span(out).first(15)).read_uuid().error(), codec_error::truncated);
}

}  // namespace
}  // namespace laminar::kafka
