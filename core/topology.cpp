// See topology.h. hwloc is queried once at load into plain vectors; only device lookups and
// binding go back to hwloc afterwards.
#include "core/topology.h"

#include "core/assert.h"
#include "core/block_device.h"
#include "core/numa_policy.h"

#include <algorithm>
#include <cerrno>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <hwloc.h>

namespace laminar {
namespace {

// Destroys a topology that never made it into a `topology` object.
struct native_guard {
    hwloc_topology_t native = nullptr;
    native_guard() = default;
    native_guard(const native_guard&) = delete;
    native_guard& operator=(const native_guard&) = delete;
    ~native_guard() {
        if (native != nullptr) hwloc_topology_destroy(native);
    }
    hwloc_topology_t release() noexcept { return std::exchange(native, nullptr); }
};

status init_native(native_guard& guard) {
    if (hwloc_topology_init(&guard.native) != 0) {
        guard.native = nullptr;
        return fail(errc_from_errno(errno));
    }
    // NICs and disks appear as OS devices under their PCI device; bridges and PCI devices
    // without an OS device are dropped, which is all the locality queries need.
    if (hwloc_topology_set_io_types_filter(guard.native, HWLOC_TYPE_FILTER_KEEP_IMPORTANT) != 0) {
        return fail(errc_from_errno(errno));
    }
    return {};
}

std::vector<unsigned> os_indexes_of(hwloc_const_bitmap_t set) {
    std::vector<unsigned> indexes;
    if (set == nullptr || hwloc_bitmap_weight(set) < 0) return indexes;
    for (int id = hwloc_bitmap_first(set); id != -1; id = hwloc_bitmap_next(set, id)) {
        indexes.push_back(static_cast<unsigned>(id));
    }
    return indexes;
}

// The first NUMA node with CPUs that overlaps `cpus`: on machines with DRAM and HBM nodes over
// the same cores, hwloc lists the DRAM node first.
hwloc_obj_t numa_node_covering(hwloc_topology_t native, hwloc_const_cpuset_t cpus) {
    hwloc_obj_t node = nullptr;
    while ((node = hwloc_get_next_obj_by_type(native, HWLOC_OBJ_NUMANODE, node)) != nullptr) {
        if (node->cpuset != nullptr && hwloc_bitmap_intersects(node->cpuset, cpus)) return node;
    }
    return nullptr;
}

// The one node with CPUs among `nodes`, or not_found when there are none or several.
result<unsigned> single_cpu_node(hwloc_topology_t native, hwloc_const_nodeset_t nodes) {
    if (nodes == nullptr) return fail(errc::not_found);
    hwloc_obj_t found = nullptr;
    hwloc_obj_t node = nullptr;
    while ((node = hwloc_get_next_obj_by_type(native, HWLOC_OBJ_NUMANODE, node)) != nullptr) {
        if (!hwloc_bitmap_isset(nodes, node->os_index)) continue;
        if (node->cpuset == nullptr || hwloc_bitmap_iszero(node->cpuset)) continue;
        if (found != nullptr) return fail(errc::not_found);
        found = node;
    }
    if (found == nullptr) return fail(errc::not_found);
    return found->os_index;
}

status load_native(native_guard& guard) {
    if (hwloc_topology_load(guard.native) != 0) {
        // hwloc reports unreadable XML as EINVAL.
        return fail(errno == EINVAL ? errc::corrupt_data : errc_from_errno(errno));
    }
    return {};
}

}  // namespace

result<topology> topology::load_live() {
    native_guard guard;
    if (auto ready = init_native(guard); !ready) return fail(ready.error());
    if (auto loaded = load_native(guard); !loaded) return fail(loaded.error());
    return adopt(guard.release());
}

result<topology> topology::load_synthetic(std::string_view description) {
    native_guard guard;
    if (auto ready = init_native(guard); !ready) return fail(ready.error());
    const std::string terminated(description);
    if (hwloc_topology_set_synthetic(guard.native, terminated.c_str()) != 0) {
        return fail(errc::invalid_argument);
    }
    if (auto loaded = load_native(guard); !loaded) return fail(loaded.error());
    return adopt(guard.release());
}

result<topology> topology::load_xml_file(const std::filesystem::path& file) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) return fail(errc::not_found);
    native_guard guard;
    if (auto ready = init_native(guard); !ready) return fail(ready.error());
    if (hwloc_topology_set_xml(guard.native, file.c_str()) != 0) return fail(errc::corrupt_data);
    if (auto loaded = load_native(guard); !loaded) return fail(loaded.error());
    return adopt(guard.release());
}

result<topology> topology::load_xml_string(std::string_view xml) {
    // hwloc takes the length of the buffer including its terminating NUL.
    const std::string terminated(xml);
    if (terminated.size() >= static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        return fail(errc::too_large);
    }
    native_guard guard;
    if (auto ready = init_native(guard); !ready) return fail(ready.error());
    const int size = static_cast<int>(terminated.size() + 1);
    if (hwloc_topology_set_xmlbuffer(guard.native, terminated.c_str(), size) != 0) {
        return fail(errc::corrupt_data);
    }
    if (auto loaded = load_native(guard); !loaded) return fail(loaded.error());
    return adopt(guard.release());
}

result<topology> topology::adopt(hwloc_topology* native) {
    topology loaded(native);
    if (auto indexed = loaded.index(); !indexed) return fail(indexed.error());
    return loaded;
}

topology::topology(topology&& other) noexcept
    : _native(std::exchange(other._native, nullptr)),
      _numa_nodes(std::move(other._numa_nodes)),
      _cores(std::move(other._cores)) {}

topology& topology::operator=(topology&& other) noexcept {
    if (this == &other) return *this;
    if (_native != nullptr) hwloc_topology_destroy(_native);
    _native = std::exchange(other._native, nullptr);
    _numa_nodes = std::move(other._numa_nodes);
    _cores = std::move(other._cores);
    return *this;
}

topology::~topology() {
    if (_native != nullptr) hwloc_topology_destroy(_native);
}

status topology::index() {
    hwloc_obj_t node = nullptr;
    while ((node = hwloc_get_next_obj_by_type(_native, HWLOC_OBJ_NUMANODE, node)) != nullptr) {
        _numa_nodes.push_back(numa_node_info{
            .os_index = node->os_index,
            .cpus = os_indexes_of(node->cpuset),
            .memory_bytes = node->attr != nullptr ? node->attr->numanode.local_memory : 0,
        });
    }
    // A PU's core groups it with its hyperthread siblings; where hwloc found no cores (some
    // virtual machines), each PU stands for its own core.
    std::vector<hwloc_obj_t> core_objects;
    hwloc_obj_t pu = nullptr;
    while ((pu = hwloc_get_next_obj_by_type(_native, HWLOC_OBJ_PU, pu)) != nullptr) {
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(_native, HWLOC_OBJ_CORE, pu);
        if (core == nullptr) core = pu;
        auto known = std::find(core_objects.begin(), core_objects.end(), core);
        if (known != core_objects.end()) {
            _cores[static_cast<std::size_t>(known - core_objects.begin())].cpus.push_back(
                pu->os_index);
            continue;
        }
        hwloc_obj_t home = numa_node_covering(_native, core->cpuset);
        if (home == nullptr) return fail(errc::corrupt_data);
        core_objects.push_back(core);
        _cores.push_back(core_info{
            .index = static_cast<unsigned>(_cores.size()),
            .numa_node = home->os_index,
            .cpus = {pu->os_index},
        });
    }
    if (_cores.empty() || _numa_nodes.empty()) return fail(errc::corrupt_data);
    return {};
}

std::size_t topology::cpu_count() const noexcept {
    std::size_t count = 0;
    for (const core_info& core : _cores) count += core.cpus.size();
    return count;
}

bool topology::has_cpu(unsigned cpu_os_index) const noexcept {
    return core_of_cpu(cpu_os_index).has_value();
}

bool topology::has_numa_node(unsigned node_os_index) const noexcept {
    return std::any_of(_numa_nodes.begin(), _numa_nodes.end(), [&](const numa_node_info& node) {
        return node.os_index == node_os_index;
    });
}

result<const core_info*> topology::core_of_cpu(unsigned cpu_os_index) const noexcept {
    for (const core_info& core : _cores) {
        if (std::find(core.cpus.begin(), core.cpus.end(), cpu_os_index) != core.cpus.end()) {
            return &core;
        }
    }
    return fail(errc::not_found);
}

bool topology::is_this_system() const noexcept {
    return hwloc_topology_is_thissystem(_native) != 0;
}

result<unsigned> topology::numa_node_of_os_device(std::string_view name, int osdev_type) const {
    hwloc_obj_t device = nullptr;
    while ((device = hwloc_get_next_osdev(_native, device)) != nullptr) {
        if (static_cast<int>(device->attr->osdev.type) != osdev_type) continue;
        if (device->name == nullptr || name != device->name) continue;
        hwloc_obj_t anchor = hwloc_get_non_io_ancestor_obj(_native, device);
        if (anchor == nullptr) return fail(errc::not_found);
        return single_cpu_node(_native, anchor->nodeset);
    }
    return fail(errc::not_found);
}

result<unsigned> topology::numa_node_of_network_interface(std::string_view name) const {
    return numa_node_of_os_device(name, HWLOC_OBJ_OSDEV_NETWORK);
}

result<unsigned> topology::numa_node_of_disks(std::span<const std::string> disks) const {
    if (disks.empty()) return fail(errc::not_found);
    std::optional<unsigned> shared;
    for (const std::string& disk : disks) {
        auto node = numa_node_of_os_device(disk, HWLOC_OBJ_OSDEV_BLOCK);
        if (!node) return fail(node.error());
        if (shared.has_value() && *shared != *node) return fail(errc::not_found);
        shared = *node;
    }
    return *shared;
}

result<unsigned> topology::numa_node_of_block_device(
    std::string_view name, const std::filesystem::path& sysfs_root) const {
    // hwloc knows whole disks only; partitions and stacked devices go through sysfs.
    auto direct = numa_node_of_os_device(name, HWLOC_OBJ_OSDEV_BLOCK);
    if (direct) return direct;
    auto disks = disks_of_block_device(name, sysfs_root);
    if (!disks) return fail(errc::not_found);
    return numa_node_of_disks(*disks);
}

result<unsigned> topology::numa_node_of_path(const std::filesystem::path& path,
                                             const std::filesystem::path& sysfs_root) const {
    auto disks = disks_of_path(path, sysfs_root);
    if (!disks) return fail(disks.error());
    return numa_node_of_disks(*disks);
}

status pin_current_thread(const topology& machine, unsigned cpu_os_index) {
    auto core = machine.core_of_cpu(cpu_os_index);
    if (!core) return fail(core.error());
    hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(machine.native(), cpu_os_index);
    LAMINAR_ASSERT(pu != nullptr && pu->cpuset != nullptr);
    if (hwloc_set_cpubind(machine.native(), pu->cpuset, HWLOC_CPUBIND_THREAD) != 0) {
        return fail(errc_from_errno(errno));
    }
    if (machine.is_this_system()) {
        // Best effort, see topology.h: a refused preference leaves the thread pinned.
        (void)prefer_numa_node_for_thread((*core)->numa_node);
    }
    return {};
}

}  // namespace laminar
