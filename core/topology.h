// The machine as Laminar sees it: NUMA nodes, physical cores and their hardware threads, and
// which node each NIC and disk hangs off. Shard placement (core/shard_placement.h) and per-shard
// arenas (core/memory.h) decide from this; nothing else in Laminar calls hwloc directly.
// Loadable from the live system or, for tests, from an hwloc synthetic description or XML, so
// placement decisions can be checked for machines we do not have.
#pragma once

#include "core/result.h"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct hwloc_topology;

namespace laminar {

struct numa_node_info {
    unsigned os_index = 0;               // the kernel's node number (numactl, /sys/.../nodeN)
    std::vector<unsigned> cpus;          // os indexes of its PUs, ascending; empty for CPU-less
                                         // memory (CXL, HBM)
    std::uint64_t memory_bytes = 0;      // local memory, 0 when hwloc could not tell
};

struct core_info {
    unsigned index = 0;                  // logical index (hwloc's L#), topology order
    unsigned numa_node = 0;              // os index of the node holding its memory
    std::vector<unsigned> cpus;          // os indexes of its PUs in topology order; cpus[0] is
                                         // the one a shard uses, the rest are its siblings
};

// Owns one loaded hwloc topology. Immutable after load: any thread may query it concurrently.
// @locality any thread (loaded once at start, then read-only)
class topology {
public:
    static constexpr std::string_view default_sysfs_root = "/sys";

    // The running machine, with I/O devices (NICs and block devices as hwloc OS devices).
    // PUs and nodes the process may not use (cgroup cpuset) are left out, as hwloc does.
    static result<topology> load_live();
    // An hwloc synthetic description such as "pack:2 numa:1 core:4 pu:2". Has no I/O devices,
    // and binding on it succeeds without doing anything.
    static result<topology> load_synthetic(std::string_view description);
    // An hwloc XML export (lstopo --of xml), I/O devices included.
    static result<topology> load_xml_file(const std::filesystem::path& file);
    static result<topology> load_xml_string(std::string_view xml);

    topology(topology&& other) noexcept;
    topology& operator=(topology&& other) noexcept;
    topology(const topology&) = delete;
    topology& operator=(const topology&) = delete;
    ~topology();

    std::span<const numa_node_info> numa_nodes() const noexcept { return _numa_nodes; }
    std::span<const core_info> cores() const noexcept { return _cores; }
    std::size_t cpu_count() const noexcept;
    bool has_cpu(unsigned cpu_os_index) const noexcept;
    bool has_numa_node(unsigned node_os_index) const noexcept;
    // The core holding a PU, or not_found.
    result<const core_info*> core_of_cpu(unsigned cpu_os_index) const noexcept;
    // True only for load_live(): binding calls act on this machine.
    bool is_this_system() const noexcept;

    // NUMA node (os index) closest to a device, by kernel name. not_found when the device is
    // unknown or has no single-node locality (attached to the whole machine, or spanning nodes).
    result<unsigned> numa_node_of_network_interface(std::string_view name) const;
    // "nvme0n1", "sda"; a partition ("nvme0n1p1", "sda2") maps to its disk through sysfs.
    result<unsigned> numa_node_of_block_device(
        std::string_view name,
        const std::filesystem::path& sysfs_root = default_sysfs_root) const;
    // The node of the disk(s) holding a path: stat -> device -> sysfs -> disk(s). A device built
    // on several disks (dm, md) has a node only when all of them share it.
    result<unsigned> numa_node_of_path(
        const std::filesystem::path& path,
        const std::filesystem::path& sysfs_root = default_sysfs_root) const;

    // For callers that need an hwloc call not wrapped here (binding, memory attributes).
    hwloc_topology* native() const noexcept { return _native; }

private:
    explicit topology(hwloc_topology* native) noexcept : _native(native) {}
    static result<topology> adopt(hwloc_topology* native);
    status index();
    result<unsigned> numa_node_of_os_device(std::string_view name, int osdev_type) const;
    result<unsigned> numa_node_of_disks(std::span<const std::string> disks) const;

    hwloc_topology* _native = nullptr;
    std::vector<numa_node_info> _numa_nodes;
    std::vector<core_info> _cores;
};

// Pins the calling thread to one PU and prefers the PU's NUMA node for the memory it faults in
// (a preference, not a bind: a full node spills over instead of OOM-killing the broker).
// not_found when the PU is not in the topology. The memory preference is best effort: where
// the kernel refuses it (no NUMA support, seccomp), the thread is still pinned.
// On a synthetic or XML topology this succeeds and changes nothing.
// @locality the thread being pinned
status pin_current_thread(const topology& machine, unsigned cpu_os_index);

}  // namespace laminar
