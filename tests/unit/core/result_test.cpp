#include "core/result.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace laminar {
namespace {

result<int> parse_positive(int value) {
    if (value <= 0) return fail(errc::invalid_argument);
    return value;
}

TEST(result, carries_value_or_error) {
    auto good = parse_positive(7);
    ASSERT_TRUE(good);
    EXPECT_EQ(*good, 7);
    auto bad = parse_positive(-1);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), errc::invalid_argument);
}

TEST(result, maps_errno) {
    EXPECT_EQ(errc_from_errno(ENOSPC), errc::no_space);
    EXPECT_EQ(errc_from_errno(EDQUOT), errc::no_space);
    EXPECT_EQ(errc_from_errno(ECANCELED), errc::cancelled);
    EXPECT_EQ(errc_from_errno(ECONNRESET), errc::connection_closed);
    EXPECT_EQ(errc_from_errno(EIO), errc::io_error);
    EXPECT_EQ(to_string(errc::no_space), "no space left on device");
}

}  // namespace
}  // namespace laminar
