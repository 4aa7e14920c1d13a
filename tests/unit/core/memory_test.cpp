// Per-shard arenas (core/memory.h): jemalloc is the process's malloc, a shard arena takes a
// thread's allocations and places its extents on the arena's node. Without jemalloc (the asan
// preset) everything reports unsupported.
#include "core/memory.h"

#include "core/topology.h"

#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#if defined(LAMINAR_WITH_JEMALLOC)
#include <jemalloc/jemalloc.h>
#include <linux/mempolicy.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace laminar {
namespace {

topology live_or_die() {
    auto machine = topology::load_live();
    EXPECT_TRUE(machine);
    if (!machine) std::abort();
    return std::move(*machine);
}

#if defined(LAMINAR_WITH_JEMALLOC)

constexpr std::size_t small_bytes = 96;
constexpr std::size_t small_count = 2000;
constexpr std::size_t large_bytes = 256 * 1024;  // above the thread cache's largest class
constexpr std::size_t large_count = 16;

std::uint64_t thread_allocated_bytes() {
    std::uint64_t allocated = 0;
    std::size_t size = sizeof(allocated);
    EXPECT_EQ(mallctl("thread.allocated", &allocated, &size, nullptr, 0), 0);
    return allocated;
}

TEST(memory, jemalloc_is_the_process_malloc) {
    auto version = allocator_version();
    ASSERT_TRUE(version);
    EXPECT_FALSE(version->empty());
    // Plain malloc must be counted by jemalloc's per-thread counter: if glibc's malloc served
    // it, the counter would not move.
    const std::uint64_t before = thread_allocated_bytes();
    void* volatile block = std::malloc(1 << 20);
    ASSERT_NE(block, nullptr);
    std::memset(block, 1, 1 << 20);
    const std::uint64_t after = thread_allocated_bytes();
    std::free(block);
    EXPECT_GE(after - before, 1U << 20);
    auto* volatile object = new std::vector<char>(4096);
    EXPECT_GE(thread_allocated_bytes() - after, 4096U);  // operator new goes there too
    delete object;
}

// The mode and nodes of the policy the kernel holds for an address.
std::pair<int, unsigned long> policy_of(void* address) {
    int mode = -1;
    unsigned long mask[1024 / (8 * sizeof(unsigned long))] = {};
    const long rc = syscall(SYS_get_mempolicy, &mode, mask, 1025UL, address, MPOL_F_ADDR);
    EXPECT_EQ(rc, 0);
    return {mode, mask[0]};
}

TEST(memory, shard_arena_takes_the_threads_allocations) {
    const topology machine = live_or_die();
    const unsigned node = machine.numa_nodes()[0].os_index;
    auto arena = create_shard_arena(machine, static_cast<int>(node));
    ASSERT_TRUE(arena) << to_string(arena.error());
    auto initial = read_arena_stats(*arena);
    ASSERT_TRUE(initial);

    std::thread shard([&] {
        ASSERT_TRUE(use_arena_for_current_thread(*arena));
        std::vector<void*> blocks;
        for (std::size_t i = 0; i < small_count; ++i) blocks.push_back(std::malloc(small_bytes));
        for (std::size_t i = 0; i < large_count; ++i) {
            void* block = std::malloc(large_bytes);
            std::memset(block, 1, large_bytes);
            blocks.push_back(block);
        }
        auto grown = read_arena_stats(*arena);
        ASSERT_TRUE(grown);
        EXPECT_GE(grown->allocated_bytes - initial->allocated_bytes,
                  small_count * small_bytes + large_count * large_bytes);
        EXPECT_GE(grown->resident_bytes, large_count * large_bytes);
        EXPECT_GE(grown->mapped_bytes, grown->active_bytes);
        EXPECT_GT(grown->numa_placed_bytes, 0U);
        EXPECT_EQ(grown->numa_place_failures, 0U);
        if (node < 8 * sizeof(unsigned long)) {
            const auto [mode, mask] = policy_of(blocks.back());
            EXPECT_EQ(mode, MPOL_PREFERRED);
            EXPECT_EQ(mask, 1UL << node);
        }
        for (void* block : blocks) std::free(block);
        auto shrunk = read_arena_stats(*arena);
        ASSERT_TRUE(shrunk);
        EXPECT_LT(shrunk->allocated_bytes, grown->allocated_bytes);
    });
    shard.join();
}

TEST(memory, arena_without_node_places_nothing) {
    const topology machine = live_or_die();
    auto arena = create_shard_arena(machine, -1);
    ASSERT_TRUE(arena);
    std::thread shard([&] {
        ASSERT_TRUE(use_arena_for_current_thread(*arena));
        void* block = std::malloc(large_bytes);
        ASSERT_NE(block, nullptr);
        std::memset(block, 1, large_bytes);  // used, so the compiler keeps the allocation
        auto stats = read_arena_stats(*arena);
        ASSERT_TRUE(stats);
        EXPECT_GE(stats->allocated_bytes, large_bytes);
        EXPECT_EQ(stats->numa_placed_bytes, 0U);
        std::free(block);
    });
    shard.join();
}

TEST(memory, refused_placement_still_allocates) {
    // Node 1 of a synthetic machine does not exist here: the kernel refuses the policy, the
    // arena counts the refusal and carries on.
    auto machine = topology::load_synthetic("pack:2 numa:1 core:1 pu:1");
    ASSERT_TRUE(machine);
    auto live = live_or_die();
    if (live.has_numa_node(1)) GTEST_SKIP() << "this machine has a node 1";
    auto arena = create_shard_arena(*machine, 1);
    ASSERT_TRUE(arena);
    std::thread shard([&] {
        ASSERT_TRUE(use_arena_for_current_thread(*arena));
        void* block = std::malloc(large_bytes);
        ASSERT_NE(block, nullptr);
        std::memset(block, 1, large_bytes);
        auto stats = read_arena_stats(*arena);
        ASSERT_TRUE(stats);
        EXPECT_GT(stats->numa_place_failures, 0U);
        std::free(block);
    });
    shard.join();
}

TEST(memory, rejects_unknown_nodes_and_arenas) {
    const topology machine = live_or_die();
    EXPECT_EQ(create_shard_arena(machine, 4000).error(), errc::not_found);
    EXPECT_EQ(use_arena_for_current_thread(1'000'000).error(), errc::not_found);
    EXPECT_EQ(read_arena_stats(1'000'000).error(), errc::not_found);
}

#else  // !LAMINAR_WITH_JEMALLOC

TEST(memory, unsupported_without_jemalloc) {
    const topology machine = live_or_die();
    EXPECT_EQ(allocator_version().error(), errc::unsupported);
    EXPECT_EQ(create_shard_arena(machine, 0).error(), errc::unsupported);
    EXPECT_EQ(use_arena_for_current_thread(0).error(), errc::unsupported);
    EXPECT_EQ(read_arena_stats(0).error(), errc::unsupported);
}

#endif  // LAMINAR_WITH_JEMALLOC

}  // namespace
}  // namespace laminar
