#include "core/buffer_pool.h"

#include <gtest/gtest.h>

namespace laminar {
namespace {

TEST(buffer_pool, recycles_buffers_and_bounds_their_number) {
    buffer_pool pool(4096, 2);
    std::byte* first_address = nullptr;
    {
        auto first = pool.acquire();
        ASSERT_TRUE(first);
        first_address = first->data();
        EXPECT_EQ(first->capacity(), 4096u);
        auto second = pool.acquire();
        ASSERT_TRUE(second);
        EXPECT_FALSE(pool.acquire());  // both out: backpressure
        EXPECT_EQ(pool.in_use(), 2u);
    }
    EXPECT_EQ(pool.in_use(), 0u);
    auto again = pool.acquire();
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->data() == first_address || pool.allocated() == 2);
    EXPECT_EQ(pool.allocated(), 2u);
}

TEST(buffer_pool, moved_buffers_return_once) {
    buffer_pool pool(64, 1);
    auto taken = pool.acquire();
    ASSERT_TRUE(taken);
    pooled_buffer moved = std::move(*taken);
    EXPECT_FALSE(*taken);
    EXPECT_TRUE(moved);
    moved = pooled_buffer();
    EXPECT_EQ(pool.in_use(), 0u);
}

}  // namespace
}  // namespace laminar
