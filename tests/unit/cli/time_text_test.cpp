#include "ctl/cli/time_text.h"

#include <gtest/gtest.h>

namespace laminar::cli {
namespace {

TEST(time_text, epoch_milliseconds) {
    EXPECT_EQ(parse_time_ms("0"), 0);
    EXPECT_EQ(parse_time_ms("1733000000123"), 1733000000123);
    EXPECT_EQ(parse_time_ms("-5"), std::nullopt);
    EXPECT_EQ(parse_time_ms("12x"), std::nullopt);
    EXPECT_EQ(parse_time_ms(""), std::nullopt);
}

TEST(time_text, iso_8601_dates_times_fractions_and_zones) {
    EXPECT_EQ(parse_time_ms("1970-01-01"), 0);
    EXPECT_EQ(parse_time_ms("1970-01-02"), 86'400'000);
    EXPECT_EQ(parse_time_ms("2024-02-29T12:34:56Z"), 1709210096000);
    EXPECT_EQ(parse_time_ms("2024-02-29T12:34:56"), 1709210096000);  // no zone: UTC
    EXPECT_EQ(parse_time_ms("2024-02-29 12:34:56.789"), 1709210096789);
    EXPECT_EQ(parse_time_ms("2024-02-29T12:34"), 1709210040000);
    EXPECT_EQ(parse_time_ms("2024-02-29T14:34:56+02:00"), 1709210096000);
    EXPECT_EQ(parse_time_ms("2024-02-29T07:04:56-0530"), 1709210096000);
}

TEST(time_text, rejects_impossible_or_malformed_times) {
    for (const char* text : {"2023-02-29", "2024-13-01", "2024-00-10", "2024-01-32",
                             "2024-01-01T24:00", "2024-01-01T10:60", "2024-01-01T10",
                             "2024-01-01T10:00:00+25:00", "2024-01-01T10:00:00Zjunk",
                             "24-01-01", "2024/01/01", "yesterday", "2024-01-01T10:00:00.5"}) {
        EXPECT_EQ(parse_time_ms(text), std::nullopt) << text;
    }
}

}  // namespace
}  // namespace laminar::cli
