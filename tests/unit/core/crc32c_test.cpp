// CRC32C must be exactly Kafka's: known vectors pin the variant, and the ISA-L path is checked
// against the table reference over random lengths, alignments and split points. Randomized
// cases print their seed; set LAMINAR_TEST_SEED to replay one.
#include "core/crc32c.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace laminar {
namespace {

std::uint64_t test_seed() {
    static const std::uint64_t seed = [] {
        const char* forced = std::getenv("LAMINAR_TEST_SEED");
        const std::uint64_t chosen =
            forced != nullptr ? std::strtoull(forced, nullptr, 10) : std::random_device{}();
        std::printf("crc32c_test seed: %llu (LAMINAR_TEST_SEED to replay)\n",
                    static_cast<unsigned long long>(chosen));
        return chosen;
    }();
    return seed;
}

std::span<const std::byte> bytes_of(std::string_view text) {
    return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

std::vector<std::byte> random_bytes(std::mt19937_64& random, std::size_t size) {
    std::vector<std::byte> bytes(size);
    for (std::byte& byte : bytes) byte = static_cast<std::byte>(random());
    return bytes;
}

TEST(crc32c, check_value) {
    EXPECT_EQ(crc32c(bytes_of("123456789")), 0xE3069283u);
    EXPECT_EQ(crc32c_table(bytes_of("123456789")), 0xE3069283u);
}

TEST(crc32c, empty_is_zero) {
    EXPECT_EQ(crc32c({}), 0u);
    EXPECT_EQ(crc32c_table({}), 0u);
    EXPECT_EQ(crc32c_extend(0x12345678u, {}), 0x12345678u);
}

// RFC 3720 (iSCSI) appendix B.4 test vectors.
TEST(crc32c, rfc3720_vectors) {
    std::vector<std::byte> zeros(32, std::byte{0x00});
    std::vector<std::byte> ones(32, std::byte{0xFF});
    std::vector<std::byte> ascending(32);
    std::vector<std::byte> descending(32);
    for (std::size_t index = 0; index < 32; ++index) {
        ascending[index] = static_cast<std::byte>(index);
        descending[index] = static_cast<std::byte>(31 - index);
    }
    EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
    EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
    EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
    EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
    EXPECT_EQ(crc32c_table(zeros), 0x8A9136AAu);
    EXPECT_EQ(crc32c_table(ones), 0x62A8AB43u);
    EXPECT_EQ(crc32c_table(ascending), 0x46DD794Eu);
    EXPECT_EQ(crc32c_table(descending), 0x113FDB5Cu);
}

TEST(crc32c, isal_matches_table_on_random_lengths_and_alignments) {
    std::mt19937_64 random(test_seed());
    const std::vector<std::byte> buffer = random_bytes(random, 8192 + 64);
    for (int round = 0; round < 2000; ++round) {
        const std::size_t offset = random() % 64;
        // Short lengths often (ISA-L switches code paths on them), long ones sometimes.
        const std::size_t length = round % 2 == 0 ? random() % 300 : random() % 8192;
        const auto piece = std::span(buffer).subspan(offset, length);
        ASSERT_EQ(crc32c(piece), crc32c_table(piece))
            << "offset " << offset << " length " << length;
    }
}

TEST(crc32c, isal_matches_table_on_large_input) {
    std::mt19937_64 random(test_seed() + 1);
    const std::vector<std::byte> buffer = random_bytes(random, 3 * 1024 * 1024 + 7);
    EXPECT_EQ(crc32c(buffer), crc32c_table(buffer));
}

TEST(crc32c, incremental_equals_one_shot) {
    std::mt19937_64 random(test_seed() + 2);
    const std::vector<std::byte> buffer = random_bytes(random, 64 * 1024);
    for (int round = 0; round < 200; ++round) {
        const std::size_t length = random() % buffer.size();
        const auto whole = std::span(buffer).first(length);
        std::uint32_t isal = 0;
        std::uint32_t table = 0;
        std::size_t done = 0;
        while (done < length) {
            const std::size_t piece_bytes = std::min<std::size_t>(length - done, random() % 5000);
            isal = crc32c_extend(isal, whole.subspan(done, piece_bytes));
            table = crc32c_table_extend(table, whole.subspan(done, piece_bytes));
            done += piece_bytes;
        }
        ASSERT_EQ(isal, crc32c(whole));
        ASSERT_EQ(table, crc32c(whole));
    }
}

}  // namespace
}  // namespace laminar
