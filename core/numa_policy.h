// Linux memory-policy syscalls (set_mempolicy, mbind) without libnuma, for the two places that
// steer where pages land: a pinned shard thread and the extents of its jemalloc arena. Both ask
// for a preferred node rather than a strict bind: when the node is full the kernel spills to
// another node instead of OOM-killing the broker. Allocation-free and errno-preserving, because
// the range call runs inside jemalloc's extent hooks.
#pragma once

#include "core/result.h"

#include <cstddef>

namespace laminar {

// Node numbers above this are rejected (the kernel's own MAX_NUMNODES is at most 1024).
inline constexpr unsigned numa_node_os_index_max = 1023;

// Pages the calling thread faults in later come from `node` first.
// @locality the calling thread
status prefer_numa_node_for_thread(unsigned node) noexcept;

// Pages of [address, address + bytes) faulted in later come from `node` first, whichever
// thread touches them. `address` must be page aligned.
// @locality any thread
status prefer_numa_node_for_range(void* address, std::size_t bytes, unsigned node) noexcept;

}  // namespace laminar
