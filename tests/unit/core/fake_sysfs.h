// A throwaway sysfs tree for tests of the disk lookups (core/block_device.h): lays out
// devices/, class/block/ and dev/block/ the way the kernel does, so partitions and stacked
// devices can be tested on a machine that has neither.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

namespace laminar::test_support {

class fake_sysfs {
public:
    fake_sysfs() {
        static int created = 0;
        _root = std::filesystem::temp_directory_path() /
                ("laminar-fake-sysfs-" + std::to_string(::getpid()) + "-" +
                 std::to_string(created++));
        std::filesystem::remove_all(_root);
        std::filesystem::create_directories(_root / "class" / "block");
        std::filesystem::create_directories(_root / "dev" / "block");
    }
    fake_sysfs(const fake_sysfs&) = delete;
    fake_sysfs& operator=(const fake_sysfs&) = delete;
    ~fake_sysfs() {
        std::error_code ignored;
        std::filesystem::remove_all(_root, ignored);
    }

    const std::filesystem::path& root() const { return _root; }

    // A whole disk under a PCI device, e.g. add_disk("nvme1n1", "259:0", "0000:80:04.0").
    void add_disk(const std::string& name, const std::string& number,
                  const std::string& pci_address) {
        add(name, number,
            _root / "devices" / "pci0000:00" / pci_address / "nvme" / "nvme0" / name);
    }

    // A partition: its directory sits inside its disk's and holds a "partition" file.
    void add_partition(const std::string& disk, const std::string& name,
                       const std::string& number, int partition) {
        const std::filesystem::path directory = _directories.at(disk) / name;
        add(name, number, directory);
        std::ofstream(directory / "partition") << partition << "\n";
    }

    // A device-mapper or md device built on `slaves`.
    void add_stacked(const std::string& name, const std::string& number,
                     const std::vector<std::string>& slaves) {
        const std::filesystem::path directory = _root / "devices" / "virtual" / "block" / name;
        add(name, number, directory);
        std::filesystem::create_directories(directory / "slaves");
        for (const std::string& slave : slaves) {
            std::filesystem::create_directory_symlink(_directories.at(slave),
                                                      directory / "slaves" / slave);
        }
    }

private:
    void add(const std::string& name, const std::string& number,
             const std::filesystem::path& directory) {
        std::filesystem::create_directories(directory);
        std::ofstream(directory / "dev") << number << "\n";
        std::filesystem::create_directory_symlink(directory, _root / "class" / "block" / name);
        std::filesystem::create_directory_symlink(directory, _root / "dev" / "block" / number);
        _directories[name] = directory;
    }

    std::filesystem::path _root;
    std::map<std::string, std::filesystem::path> _directories;
};

}  // namespace laminar::test_support
