// Which disks hold a file: the kernel names a filesystem's device by major:minor, hwloc names
// disks ("nvme0n1", "sda"). This walks sysfs between the two: a partition maps to its disk, a
// stacked device (device-mapper, md) to the disks under it. The sysfs root is a parameter so
// tests can lay out a fake tree. Used at start to place partitions near their disk.
#pragma once

#include "core/result.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace laminar {

// Bounds on the sysfs walk, so a cyclic or huge tree cannot stall start-up.
inline constexpr unsigned block_device_depth_max = 8;
inline constexpr unsigned block_device_disks_max = 64;

// The whole disks under a block device name: "nvme0n1p1" -> {"nvme0n1"}, "sda" -> {"sda"},
// "dm-0" -> the disks under it. not_found when sysfs does not know the name.
result<std::vector<std::string>> disks_of_block_device(std::string_view name,
                                                       const std::filesystem::path& sysfs_root);

// The whole disks under a device number, deduplicated, in discovery order.
// not_found for devices without a sysfs block entry (tmpfs, overlayfs, btrfs's anonymous ids).
result<std::vector<std::string>> disks_of_device(unsigned major, unsigned minor,
                                                 const std::filesystem::path& sysfs_root);

// The whole disks holding a path (stat, then disks_of_device).
result<std::vector<std::string>> disks_of_path(const std::filesystem::path& path,
                                               const std::filesystem::path& sysfs_root);

}  // namespace laminar
