// Per-shard memory: each shard thread allocates from its own jemalloc arena, so shards never
// contend on an allocator lock and a shard's memory comes from its own NUMA node. The arena's
// extent hooks wrap jemalloc's defaults and ask the kernel to place every new extent on the
// shard's node (a preference, see core/numa_policy.h).
// Builds without jemalloc (the asan preset: jemalloc and AddressSanitizer both replace malloc)
// return errc::unsupported from everything here; callers carry on with the system allocator.
#pragma once

#include "core/result.h"
#include "core/topology.h"

#include <cstdint>
#include <string_view>

namespace laminar {

// At most this many shard arenas per process (one per shard; the kernel's CPU limit is lower).
inline constexpr unsigned shard_arenas_max = 1024;

struct arena_stats {
    std::uint64_t allocated_bytes = 0;     // live small and large allocations
    std::uint64_t active_bytes = 0;        // pages backing live allocations
    std::uint64_t resident_bytes = 0;      // pages the arena holds resident, metadata included
    std::uint64_t mapped_bytes = 0;        // address space the arena has mapped
    std::uint64_t numa_placed_bytes = 0;   // extent bytes given the arena's node as preference
    std::uint64_t numa_place_failures = 0; // extents the kernel refused that (EPERM, ...)
};

// jemalloc's version when it is the process allocator, unsupported otherwise.
result<std::string_view> allocator_version();

// Creates an arena whose memory prefers `numa_node` (os index); a negative node means no
// preference. not_found when the topology has no such node; too_large past shard_arenas_max.
// @locality any thread (start-up)
result<unsigned> create_shard_arena(const topology& machine, int numa_node);

// Routes the calling thread's allocations to `arena` and flushes its thread cache, so that
// objects cached from the previous arena are not handed out afterwards.
// @locality the shard thread itself
status use_arena_for_current_thread(unsigned arena);

// Statistics of one arena, refreshed on each call (jemalloc's "epoch"). For metrics: costs a
// few mallctl lookups, not for the hot path.
// @locality any thread
result<arena_stats> read_arena_stats(unsigned arena);

}  // namespace laminar
