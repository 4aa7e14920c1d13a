// Disk lookups through sysfs (core/block_device.h), on a fake tree: partitions map to their
// disk, stacked devices to the disks under them, unknown devices are not_found.
#include "core/block_device.h"

#include "fake_sysfs.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <gtest/gtest.h>

namespace laminar {
namespace {

using strings = std::vector<std::string>;

class block_device : public ::testing::Test {
protected:
    void SetUp() override {
        sysfs.add_disk("nvme0n1", "259:0", "0000:00:04.0");
        sysfs.add_partition("nvme0n1", "nvme0n1p1", "259:1", 1);
        sysfs.add_disk("nvme1n1", "259:2", "0000:80:04.0");
        sysfs.add_partition("nvme1n1", "nvme1n1p1", "259:3", 1);
        sysfs.add_partition("nvme1n1", "nvme1n1p2", "259:4", 2);
        sysfs.add_stacked("dm-0", "253:0", {"nvme1n1p1", "nvme1n1p2"});
        sysfs.add_stacked("md0", "9:0", {"nvme0n1p1", "nvme1n1p1"});
        sysfs.add_stacked("dm-1", "253:1", {"md0"});
    }

    test_support::fake_sysfs sysfs;
};

TEST_F(block_device, whole_disk_is_itself) {
    auto disks = disks_of_block_device("nvme1n1", sysfs.root());
    ASSERT_TRUE(disks);
    EXPECT_EQ(*disks, strings{"nvme1n1"});
}

TEST_F(block_device, partition_maps_to_its_disk) {
    auto by_name = disks_of_block_device("nvme1n1p2", sysfs.root());
    ASSERT_TRUE(by_name);
    EXPECT_EQ(*by_name, strings{"nvme1n1"});
    auto by_number = disks_of_device(259, 1, sysfs.root());
    ASSERT_TRUE(by_number);
    EXPECT_EQ(*by_number, strings{"nvme0n1"});
}

TEST_F(block_device, stacked_devices_map_to_the_disks_below) {
    auto one_disk = disks_of_device(253, 0, sysfs.root());
    ASSERT_TRUE(one_disk);
    EXPECT_EQ(*one_disk, strings{"nvme1n1"});  // two partitions of one disk, listed once
    auto two_levels = disks_of_block_device("dm-1", sysfs.root());
    ASSERT_TRUE(two_levels);
    EXPECT_EQ(two_levels->size(), 2U);
    EXPECT_NE(std::find(two_levels->begin(), two_levels->end(), "nvme0n1"), two_levels->end());
    EXPECT_NE(std::find(two_levels->begin(), two_levels->end(), "nvme1n1"), two_levels->end());
}

TEST_F(block_device, unknown_devices_are_not_found) {
    EXPECT_EQ(disks_of_block_device("sdz", sysfs.root()).error(), errc::not_found);
    EXPECT_EQ(disks_of_device(0, 45, sysfs.root()).error(), errc::not_found);  // tmpfs-like
    EXPECT_EQ(disks_of_block_device("../dev", sysfs.root()).error(), errc::invalid_argument);
    EXPECT_EQ(disks_of_block_device("", sysfs.root()).error(), errc::invalid_argument);
}

TEST_F(block_device, path_resolves_through_its_device_number) {
    // The fake tree claims the device of the temp directory is a partition of nvme1n1.
    struct stat info {};
    ASSERT_EQ(::stat(sysfs.root().c_str(), &info), 0);
    const std::string number =
        std::to_string(major(info.st_dev)) + ":" + std::to_string(minor(info.st_dev));
    if (std::filesystem::exists(sysfs.root() / "dev" / "block" / number)) {
        GTEST_SKIP() << "temp directory's device " << number << " collides with the fake tree";
    }
    sysfs.add_partition("nvme1n1", "nvme1n1p9", number, 9);
    auto disks = disks_of_path(sysfs.root(), sysfs.root());
    ASSERT_TRUE(disks);
    EXPECT_EQ(*disks, strings{"nvme1n1"});
    EXPECT_EQ(disks_of_path(sysfs.root() / "missing", sysfs.root()).error(), errc::not_found);
}

TEST(block_device_live, path_on_this_machine_resolves_or_is_not_found) {
    // On a plain disk this names it; on overlayfs or tmpfs there is no disk to find.
    auto disks = disks_of_path("/", "/sys");
    if (disks) {
        EXPECT_FALSE(disks->empty());
        for (const std::string& disk : *disks) std::printf("/ is on disk %s\n", disk.c_str());
    } else {
        EXPECT_EQ(disks.error(), errc::not_found);
    }
}

}  // namespace
}  // namespace laminar
