// Topology queries, shard placement and pinning (core/topology.h, core/shard_placement.h).
// Decisions are tested on synthetic and XML machines (binding there is a no-op); the live
// machine is checked for loading, a non-empty shard set and real pinning.
#include "core/shard_placement.h"
#include "core/topology.h"

#include "fake_sysfs.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <linux/mempolicy.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace laminar {
namespace {

using cpus = std::vector<unsigned>;

const std::filesystem::path fixture = std::filesystem::path(__FILE__).parent_path() / "data" /
                                      "two_nodes_with_io.xml";

topology load_synthetic_or_die(std::string_view description) {
    auto loaded = topology::load_synthetic(description);
    EXPECT_TRUE(loaded) << description;
    if (!loaded) std::abort();
    return std::move(*loaded);
}

topology load_fixture_or_die() {
    auto loaded = topology::load_xml_file(fixture);
    EXPECT_TRUE(loaded) << fixture;
    if (!loaded) std::abort();
    return std::move(*loaded);
}

cpus cpus_of(const std::vector<shard_placement>& shards) {
    cpus chosen;
    for (const shard_placement& shard : shards) chosen.push_back(shard.cpu);
    return chosen;
}

std::vector<shard_placement> choose_or_die(const topology& machine,
                                           const shard_placement_options& options) {
    auto shards = choose_shards(machine, options);
    EXPECT_TRUE(shards) << to_string(shards.error());
    if (!shards) return {};
    return *shards;
}

// --- cpu lists -------------------------------------------------------------------------------

TEST(cpu_list, parses_ranges_and_singles) {
    auto parsed = parse_cpu_list("0-3,8,10-11");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, (cpus{0, 1, 2, 3, 8, 10, 11}));
    EXPECT_EQ(*parse_cpu_list("5"), cpus{5});
    EXPECT_EQ(*parse_cpu_list("007"), cpus{7});
    EXPECT_EQ(*parse_cpu_list("4-4"), cpus{4});
}

TEST(cpu_list, sorts_and_merges_overlaps) {
    EXPECT_EQ(*parse_cpu_list("6,0-3,2-5,1"), (cpus{0, 1, 2, 3, 4, 5, 6}));
}

TEST(cpu_list, rejects_bad_syntax) {
    for (const char* bad : {"", "3-1", "a", ",", "1,", ",1", "1,,2", "1-", "-1", "1--2", "1-2-3",
                            " 1", "1 ", "0x1", "+1", "1.5", "65536", "4294967296",
                            "99999999999999999999"}) {
        auto parsed = parse_cpu_list(bad);
        ASSERT_FALSE(parsed) << '"' << bad << '"';
        EXPECT_EQ(parsed.error(), errc::invalid_argument) << '"' << bad << '"';
    }
}

// --- one node, two cores ----------------------------------------------------------------------

TEST(topology_synthetic, one_node_two_cores) {
    const topology machine = load_synthetic_or_die("numa:1 core:2 pu:1");
    ASSERT_EQ(machine.numa_nodes().size(), 1U);
    EXPECT_EQ(machine.numa_nodes()[0].os_index, 0U);
    EXPECT_EQ(machine.numa_nodes()[0].cpus, (cpus{0, 1}));
    ASSERT_EQ(machine.cores().size(), 2U);
    EXPECT_EQ(machine.cpu_count(), 2U);
    EXPECT_FALSE(machine.is_this_system());

    const auto shards = choose_or_die(machine, {});
    ASSERT_EQ(shards.size(), 2U);
    EXPECT_EQ(shards[0], (shard_placement{.shard_id = 0, .cpu = 0, .core_index = 0}));
    EXPECT_EQ(shards[1], (shard_placement{.shard_id = 1, .cpu = 1, .core_index = 1}));
}

TEST(topology_synthetic, machine_without_core_objects_uses_each_pu) {
    const topology machine = load_synthetic_or_die("numa:1 pu:3");
    EXPECT_EQ(machine.cores().size(), 3U);
    EXPECT_EQ(cpus_of(choose_or_die(machine, {})), (cpus{0, 1, 2}));
}

TEST(topology_synthetic, rejects_bad_description) {
    auto loaded = topology::load_synthetic("pack:two");
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error(), errc::invalid_argument);
}

// --- two packages x one node x four cores x two PUs -------------------------------------------

class two_sockets : public ::testing::Test {
protected:
    const topology machine = load_synthetic_or_die("pack:2 numa:1 core:4 pu:2");
};

TEST_F(two_sockets, describes_nodes_and_cores) {
    ASSERT_EQ(machine.numa_nodes().size(), 2U);
    EXPECT_EQ(machine.numa_nodes()[1].os_index, 1U);
    EXPECT_EQ(machine.numa_nodes()[1].cpus, (cpus{8, 9, 10, 11, 12, 13, 14, 15}));
    ASSERT_EQ(machine.cores().size(), 8U);
    EXPECT_EQ(machine.cpu_count(), 16U);
    for (const core_info& core : machine.cores()) {
        EXPECT_EQ(core.cpus.size(), 2U);
        EXPECT_EQ(core.numa_node, core.index < 4 ? 0U : 1U);
    }
    EXPECT_EQ(machine.cores()[5].cpus, (cpus{10, 11}));
    EXPECT_TRUE(machine.has_cpu(15));
    EXPECT_FALSE(machine.has_cpu(16));
    auto core = machine.core_of_cpu(11);
    ASSERT_TRUE(core);
    EXPECT_EQ((*core)->index, 5U);
}

TEST_F(two_sockets, one_shard_per_core_skipping_hyperthreads) {
    const auto shards = choose_or_die(machine, {});
    ASSERT_EQ(shards.size(), 8U);
    EXPECT_EQ(cpus_of(shards), (cpus{0, 2, 4, 6, 8, 10, 12, 14}));
    std::set<unsigned> cores_used;
    for (unsigned i = 0; i < shards.size(); ++i) {
        EXPECT_EQ(shards[i].shard_id, i);
        EXPECT_EQ(shards[i].numa_node, i < 4 ? 0U : 1U);
        cores_used.insert(shards[i].core_index);
    }
    EXPECT_EQ(cores_used.size(), 8U);
}

TEST_F(two_sockets, numa_node_restriction_picks_that_nodes_cores) {
    const auto shards = choose_or_die(machine, {.numa_node = 1});
    ASSERT_EQ(shards.size(), 4U);
    EXPECT_EQ(cpus_of(shards), (cpus{8, 10, 12, 14}));
    for (unsigned i = 0; i < shards.size(); ++i) {
        EXPECT_EQ(shards[i].shard_id, i);
        EXPECT_EQ(shards[i].numa_node, 1U);
        EXPECT_EQ(shards[i].core_index, 4 + i);
    }
}

TEST_F(two_sockets, cpu_list_uses_named_siblings) {
    const auto shards = choose_or_die(machine, {.cpu_list = "0-3,9"});
    EXPECT_EQ(cpus_of(shards), (cpus{0, 1, 2, 3, 9}));
    ASSERT_EQ(shards.size(), 5U);
    EXPECT_EQ(shards[0].core_index, shards[1].core_index);  // 0 and 1 are siblings
    EXPECT_EQ(shards[4].numa_node, 1U);
}

TEST_F(two_sockets, restrictions_combine) {
    const auto shards = choose_or_die(machine, {.cpu_list = "0-3,9,12", .numa_node = 1});
    EXPECT_EQ(cpus_of(shards), (cpus{9, 12}));
    EXPECT_EQ(shards[0].shard_id, 0U);
}

TEST_F(two_sockets, shard_count_takes_the_first_cores) {
    EXPECT_EQ(cpus_of(choose_or_die(machine, {.shard_count = 3})), (cpus{0, 2, 4}));
    EXPECT_EQ(cpus_of(choose_or_die(machine, {.numa_node = 1, .shard_count = 2})),
              (cpus{8, 10}));
}

TEST_F(two_sockets, rejects_impossible_requests) {
    EXPECT_EQ(choose_shards(machine, {.cpu_list = "3-1"}).error(), errc::invalid_argument);
    EXPECT_EQ(choose_shards(machine, {.cpu_list = "16"}).error(), errc::not_found);
    EXPECT_EQ(choose_shards(machine, {.numa_node = 2}).error(), errc::not_found);
    EXPECT_EQ(choose_shards(machine, {.cpu_list = "0-3", .numa_node = 1}).error(),
              errc::invalid_argument);  // nothing left
    EXPECT_EQ(choose_shards(machine, {.shard_count = 0}).error(), errc::invalid_argument);
    EXPECT_EQ(choose_shards(machine, {.shard_count = 9}).error(), errc::too_large);
    EXPECT_EQ(choose_shards(machine, {.numa_node = 0, .shard_count = 5}).error(),
              errc::too_large);
}

TEST_F(two_sockets, binding_is_a_no_op_but_checks_the_cpu) {
    EXPECT_TRUE(pin_current_thread(machine, 15));
    EXPECT_EQ(pin_current_thread(machine, 16).error(), errc::not_found);
}

TEST_F(two_sockets, has_no_devices) {
    EXPECT_EQ(machine.numa_node_of_network_interface("eth0").error(), errc::not_found);
    EXPECT_EQ(machine.numa_node_of_block_device("nvme0n1", "/nonexistent").error(),
              errc::not_found);
}

// --- eight PUs: the brief's error cases -------------------------------------------------------

TEST(topology_synthetic, cpu_list_errors_on_an_eight_pu_machine) {
    const topology machine = load_synthetic_or_die("pack:2 numa:1 core:2 pu:2");
    ASSERT_EQ(machine.cpu_count(), 8U);
    EXPECT_EQ(choose_shards(machine, {.cpu_list = "3-1"}).error(), errc::invalid_argument);
    EXPECT_EQ(choose_shards(machine, {.cpu_list = "a"}).error(), errc::invalid_argument);
    EXPECT_EQ(choose_shards(machine, {.cpu_list = "99"}).error(), errc::not_found);
    EXPECT_EQ(choose_shards(machine, {.cpu_list = "6-8"}).error(), errc::not_found);
    EXPECT_EQ(cpus_of(choose_or_die(machine, {.cpu_list = "0,1"})), (cpus{0, 1}));
}

// --- XML: two nodes with devices --------------------------------------------------------------

class two_nodes_with_io : public ::testing::Test {
protected:
    const topology machine = load_fixture_or_die();
};

TEST_F(two_nodes_with_io, loads_intel_style_numbering) {
    ASSERT_EQ(machine.numa_nodes().size(), 2U);
    EXPECT_EQ(machine.numa_nodes()[1].cpus, (cpus{2, 3, 6, 7}));
    ASSERT_EQ(machine.cores().size(), 4U);
    EXPECT_EQ(machine.cores()[0].cpus, (cpus{0, 4}));
    EXPECT_EQ(machine.cores()[3].cpus, (cpus{3, 7}));
    EXPECT_EQ(machine.cores()[3].numa_node, 1U);
    EXPECT_FALSE(machine.is_this_system());
}

TEST_F(two_nodes_with_io, devices_report_their_node) {
    EXPECT_EQ(machine.numa_node_of_network_interface("eth1"), 1U);
    EXPECT_EQ(machine.numa_node_of_block_device("nvme1n1", "/nonexistent"), 1U);
    EXPECT_EQ(machine.numa_node_of_network_interface("eth0"), 0U);
    EXPECT_EQ(machine.numa_node_of_block_device("nvme0n1", "/nonexistent"), 0U);
}

TEST_F(two_nodes_with_io, unknown_or_unplaced_devices_are_not_found) {
    EXPECT_EQ(machine.numa_node_of_network_interface("eth9").error(), errc::not_found);
    EXPECT_EQ(machine.numa_node_of_block_device("nvme7n1", "/nonexistent").error(),
              errc::not_found);
    // A NIC's name is not a disk's, and the reverse.
    EXPECT_EQ(machine.numa_node_of_block_device("eth1", "/nonexistent").error(),
              errc::not_found);
    EXPECT_EQ(machine.numa_node_of_network_interface("nvme1n1").error(), errc::not_found);
    // sda hangs off the whole machine: two nodes, no locality.
    EXPECT_EQ(machine.numa_node_of_block_device("sda", "/nonexistent").error(), errc::not_found);
}

TEST_F(two_nodes_with_io, default_shards_skip_siblings) {
    const auto shards = choose_or_die(machine, {});
    EXPECT_EQ(cpus_of(shards), (cpus{0, 1, 2, 3}));
    ASSERT_EQ(shards.size(), 4U);
    EXPECT_EQ(shards[2].numa_node, 1U);
    EXPECT_EQ(cpus_of(choose_or_die(machine, {.cpu_list = "0,4"})), (cpus{0, 4}));
    EXPECT_EQ(cpus_of(choose_or_die(machine, {.numa_node = 1})), (cpus{2, 3}));
}

TEST_F(two_nodes_with_io, device_node_puts_its_shards_first) {
    const auto shards = choose_or_die(machine, {});
    auto nic_node = machine.numa_node_of_network_interface("eth1");
    ASSERT_TRUE(nic_node);
    const auto near_nic = shards_nearest_first(shards, *nic_node);
    EXPECT_EQ(cpus_of(near_nic), (cpus{2, 3, 0, 1}));
    EXPECT_EQ(near_nic[0].shard_id, 2U);  // placements are reordered, not renumbered

    auto disk_node = machine.numa_node_of_block_device("nvme0n1", "/nonexistent");
    ASSERT_TRUE(disk_node);
    EXPECT_EQ(cpus_of(shards_nearest_first(shards, *disk_node)), (cpus{0, 1, 2, 3}));

    auto unplaced = machine.numa_node_of_block_device("sda", "/nonexistent");
    const std::optional<unsigned> no_node =
        unplaced ? std::optional<unsigned>(*unplaced) : std::nullopt;
    EXPECT_EQ(cpus_of(shards_nearest_first(shards, no_node)), (cpus{0, 1, 2, 3}));

    // Partitions kept near their disk: the shards of its node; all of them without a node.
    EXPECT_EQ(partition_shards_near(shards, *nic_node), (std::vector<unsigned>{2, 3}));
    EXPECT_EQ(partition_shards_near(shards, *disk_node), (std::vector<unsigned>{0, 1}));
    EXPECT_EQ(partition_shards_near(shards, no_node), (std::vector<unsigned>{0, 1, 2, 3}));
    EXPECT_EQ(partition_shards_near(shards, 7u), (std::vector<unsigned>{0, 1, 2, 3}));
}

TEST_F(two_nodes_with_io, partitions_and_paths_map_to_their_disk) {
    test_support::fake_sysfs sysfs;
    sysfs.add_disk("nvme0n1", "259:0", "0000:00:04.0");
    sysfs.add_partition("nvme0n1", "nvme0n1p1", "259:1", 1);
    sysfs.add_disk("nvme1n1", "259:2", "0000:80:04.0");
    sysfs.add_partition("nvme1n1", "nvme1n1p1", "259:3", 1);
    sysfs.add_stacked("dm-0", "253:0", {"nvme1n1p1"});
    sysfs.add_stacked("md0", "9:0", {"nvme0n1p1", "nvme1n1p1"});

    EXPECT_EQ(machine.numa_node_of_block_device("nvme1n1p1", sysfs.root()), 1U);
    EXPECT_EQ(machine.numa_node_of_block_device("nvme0n1p1", sysfs.root()), 0U);
    EXPECT_EQ(machine.numa_node_of_block_device("dm-0", sysfs.root()), 1U);
    // A mirror across both sockets has no single node.
    EXPECT_EQ(machine.numa_node_of_block_device("md0", sysfs.root()).error(), errc::not_found);

    // Pretend the temp directory's filesystem lives on nvme1n1p2.
    struct stat info {};
    ASSERT_EQ(::stat(sysfs.root().c_str(), &info), 0);
    const std::string number =
        std::to_string(major(info.st_dev)) + ":" + std::to_string(minor(info.st_dev));
    if (std::filesystem::exists(sysfs.root() / "dev" / "block" / number)) {
        GTEST_SKIP() << "temp directory's device " << number << " collides with the fake tree";
    }
    sysfs.add_partition("nvme1n1", "nvme1n1p2", number, 2);
    EXPECT_EQ(machine.numa_node_of_path(sysfs.root(), sysfs.root()), 1U);
    EXPECT_EQ(machine.numa_node_of_path(sysfs.root() / "missing", sysfs.root()).error(),
              errc::not_found);
}

TEST_F(two_nodes_with_io, loads_from_a_string_too) {
    std::ifstream file(fixture);
    std::stringstream contents;
    contents << file.rdbuf();
    auto loaded = topology::load_xml_string(contents.str());
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->numa_node_of_network_interface("eth1"), 1U);

    topology moved = std::move(*loaded);
    EXPECT_EQ(moved.cores().size(), 4U);
    EXPECT_EQ(moved.numa_node_of_block_device("nvme1n1", "/nonexistent"), 1U);
}

TEST(topology_xml, reports_bad_input) {
    EXPECT_EQ(topology::load_xml_file("/nonexistent/topology.xml").error(), errc::not_found);
    EXPECT_EQ(topology::load_xml_string("<topology").error(), errc::corrupt_data);
    EXPECT_EQ(topology::load_xml_string("").error(), errc::corrupt_data);
}

// --- the live machine -------------------------------------------------------------------------

TEST(topology_live, loads_and_yields_shards) {
    auto machine = topology::load_live();
    ASSERT_TRUE(machine);
    EXPECT_TRUE(machine->is_this_system());
    EXPECT_GE(machine->numa_nodes().size(), 1U);
    EXPECT_GE(machine->cores().size(), 1U);
    const auto shards = choose_or_die(*machine, {});
    EXPECT_GE(shards.size(), 1U);
    std::printf("live: %zu nodes, %zu cores, %zu PUs, %zu shards\n",
                machine->numa_nodes().size(), machine->cores().size(), machine->cpu_count(),
                shards.size());
    auto root = machine->numa_node_of_path("/");
    if (root) {
        EXPECT_TRUE(machine->has_numa_node(*root));
        std::printf("live: / is on node %u\n", *root);
    } else {
        EXPECT_EQ(root.error(), errc::not_found);
    }
    EXPECT_EQ(machine->numa_node_of_network_interface("no-such-nic0").error(), errc::not_found);
}

cpus allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    cpus allowed;
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return allowed;
    for (unsigned cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set)) allowed.push_back(cpu);
    }
    return allowed;
}

TEST(topology_live, pins_a_thread_and_prefers_its_node) {
    auto machine = topology::load_live();
    ASSERT_TRUE(machine);
    const cpus allowed = allowed_cpus();
    ASSERT_FALSE(allowed.empty());
    // The last allowed CPU: on a multi-core machine it is not where the test started.
    unsigned target = allowed.back();
    ASSERT_TRUE(machine->has_cpu(target));
    auto core = machine->core_of_cpu(target);
    ASSERT_TRUE(core);
    const unsigned node = (*core)->numa_node;

    std::thread pinned([&] {
        ASSERT_TRUE(pin_current_thread(*machine, target));
        for (int i = 0; i < 100; ++i) {
            ASSERT_EQ(sched_getcpu(), static_cast<int>(target));
            std::this_thread::yield();
        }
        int mode = -1;
        unsigned long mask[1024 / (8 * sizeof(unsigned long))] = {};
        if (syscall(SYS_get_mempolicy, &mode, mask, 1025UL, nullptr, 0UL) == 0) {
            EXPECT_EQ(mode, MPOL_PREFERRED);
            EXPECT_TRUE(mask[node / (8 * sizeof(unsigned long))] &
                        (1UL << (node % (8 * sizeof(unsigned long)))));
        }
    });
    pinned.join();
    EXPECT_EQ(pin_current_thread(*machine, 1U << 20).error(), errc::not_found);
}

}  // namespace
}  // namespace laminar
