// Which CPUs run shards, decided once at start from the topology and the operator's
// --cpus / --numa-node / --smp options, and which shards a partition prefers given the NUMA node
// of its disk or NIC. Pure decisions over a `topology`: the shard runtime pins threads and
// creates arenas from the result (pin_current_thread, create_shard_arena).
#pragma once

#include "core/result.h"
#include "core/topology.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace laminar {

// A cpu list names at most this many CPUs and no CPU above cpu_os_index_max, so parsing a
// hostile "0-4000000000" stays bounded.
inline constexpr unsigned cpu_os_index_max = 65535;

struct shard_placement_options {
    std::optional<std::string> cpu_list;  // "--cpus 0-3,8,10-11": exactly these PUs, siblings
                                          // included when named
    std::optional<unsigned> numa_node;    // "--numa-node N": only cores of that node
    std::optional<unsigned> shard_count;  // at most this many shards, taken in topology order
};

struct shard_placement {
    unsigned shard_id = 0;    // 0..n-1, in topology order
    unsigned cpu = 0;         // os index of the PU the shard's thread is pinned to
    unsigned core_index = 0;  // core_info::index of that PU's core
    unsigned numa_node = 0;   // os index of the core's NUMA node

    friend bool operator==(const shard_placement&, const shard_placement&) = default;
};

// Parses Linux cpu-list syntax ("0-3,8,10-11"): sorted, duplicates merged.
// invalid_argument for empty items, reversed ranges ("3-1"), anything but digits, '-' and ',',
// or numbers above cpu_os_index_max.
result<std::vector<unsigned>> parse_cpu_list(std::string_view text);

// The shard set. Default: one shard per physical core, on the core's first PU (hyperthread
// siblings share a core's caches and ports, so a second shard there would steal from the
// first). With a cpu list: one shard per listed PU, siblings included. Restrictions combine.
// Errors: invalid_argument for a malformed cpu list, a shard count of 0, or restrictions that
// leave no CPU; not_found for a listed CPU or a node that the topology does not have;
// too_large for a shard count above the CPUs left.
// @locality any thread (a pure function of its arguments)
result<std::vector<shard_placement>> choose_shards(const topology& machine,
                                                   const shard_placement_options& options);

// The shards ordered for a partition whose disk or NIC sits on `numa_node`: that node's
// shards first, then the others, each group in its original order. With no node (the device
// has no locality), the order is unchanged.
// @locality any thread (a pure function of its arguments)
std::vector<shard_placement> shards_nearest_first(std::span<const shard_placement> shards,
                                                  std::optional<unsigned> numa_node);

// The shards that hold partitions when they are kept near their disk: the ids of the shards on
// `disk_node`, in order; every shard when there is no node (the device has no locality, or sits
// on several nodes) or no shard runs on it. Connections still land on every shard; requests
// for partitions hop to these.
// @locality any thread (a pure function of its arguments)
std::vector<unsigned> partition_shards_near(std::span<const shard_placement> shards,
                                            std::optional<unsigned> disk_node);

}  // namespace laminar
