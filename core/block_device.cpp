// See block_device.h. Every entry of /sys/class/block and /sys/dev/block is a symlink to the
// device's directory under /sys/devices; a partition's directory sits inside its disk's and
// holds a "partition" file; a stacked device lists what it is built on in "slaves/".
#include "core/block_device.h"

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>

#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace laminar {
namespace {

namespace fs = std::filesystem;

result<fs::path> device_directory(const fs::path& link) {
    std::error_code error;
    fs::path directory = fs::canonical(link, error);
    if (error || !fs::is_directory(directory, error)) return fail(errc::not_found);
    return directory;
}

fs::path disk_directory(const fs::path& device) {
    std::error_code error;
    if (fs::exists(device / "partition", error)) return device.parent_path();
    return device;
}

status add_disk(std::vector<std::string>& disks, std::string name) {
    if (std::find(disks.begin(), disks.end(), name) != disks.end()) return {};
    if (disks.size() >= block_device_disks_max) return fail(errc::too_large);
    disks.push_back(std::move(name));
    return {};
}

// Walks down from a device directory to the whole disks at the bottom of its stack.
status collect_disks(const fs::path& device, unsigned depth, std::vector<std::string>& disks) {
    if (depth > block_device_depth_max) return fail(errc::too_large);
    const fs::path disk = disk_directory(device);
    std::error_code error;
    fs::directory_iterator slaves(disk / "slaves", error);
    if (error || slaves == fs::directory_iterator()) {
        return add_disk(disks, disk.filename().string());
    }
    unsigned visited = 0;
    for (; slaves != fs::directory_iterator(); slaves.increment(error)) {
        if (error) return fail(errc::io_error);
        if (++visited > block_device_disks_max) return fail(errc::too_large);
        auto slave = device_directory(slaves->path());
        if (!slave) return fail(slave.error());
        auto added = collect_disks(*slave, depth + 1, disks);
        if (!added) return added;
    }
    return {};
}

result<std::vector<std::string>> disks_under(const fs::path& link) {
    auto device = device_directory(link);
    if (!device) return fail(device.error());
    std::vector<std::string> disks;
    auto collected = collect_disks(*device, 0, disks);
    if (!collected) return fail(collected.error());
    return disks;
}

}  // namespace

result<std::vector<std::string>> disks_of_block_device(std::string_view name,
                                                       const fs::path& sysfs_root) {
    if (name.empty() || name.find('/') != std::string_view::npos || name == "." ||
        name == "..") {
        return fail(errc::invalid_argument);
    }
    return disks_under(sysfs_root / "class" / "block" / name);
}

result<std::vector<std::string>> disks_of_device(unsigned major, unsigned minor,
                                                 const fs::path& sysfs_root) {
    const std::string number = std::to_string(major) + ":" + std::to_string(minor);
    return disks_under(sysfs_root / "dev" / "block" / number);
}

result<std::vector<std::string>> disks_of_path(const fs::path& path, const fs::path& sysfs_root) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return fail(errc_from_errno(errno));
    return disks_of_device(major(info.st_dev), minor(info.st_dev), sysfs_root);
}

}  // namespace laminar
