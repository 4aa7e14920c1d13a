#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "core/reactor.h"
#include "ctl/metadata_commands.h"
#include "ctl/metadata_image.h"
#include "ctl/metadata_log.h"
#include "tests/unit/fuzz_seed_files.h"

namespace laminar::ctl {
namespace {

namespace fs = std::filesystem;

register_broker_record broker(std::int32_t id) {
    return {id, random_uuid(), {{"PLAINTEXT", "127.0.0.1", static_cast<std::uint16_t>(9092 + id)}},
            ""};
}

std::function<std::uint32_t()> seeded(std::uint32_t seed) {
    auto generator = std::make_shared<std::mt19937>(seed);
    return [generator] { return (*generator)(); };
}

metadata_image image_with_brokers(int count) {
    metadata_image image;
    for (int id = 1; id <= count; ++id) {
        std::vector<metadata_record> batch{metadata_record::of(broker(id))};
        EXPECT_TRUE(image.apply(batch));
    }
    return image;
}

TEST(metadata_records, every_type_round_trips) {
    std::vector<metadata_record> batch{
        metadata_record::of(broker(3)),
        metadata_record::of(topic_record{"orders", random_uuid()}),
        metadata_record::of(partition_record{random_uuid(), 2, {1, 2, 3}, {1, 3}, 1, 4, 7}),
        metadata_record::of(config_record{config_resource_type::topic, "orders", "retention.ms",
                                          std::string("1000")}),
        metadata_record::of(config_record{config_resource_type::broker, "", "x", std::nullopt}),
        metadata_record::of(partition_change_record{random_uuid(), 1, 2, std::nullopt,
                                                    std::vector<std::int32_t>{2, 1}}),
        metadata_record::of(remove_topic_record{random_uuid()}),
        metadata_record::of(client_quota_record{
            {{"client-id", std::nullopt}, {"user", "alice"}}, "producer_byte_rate", 1024.5, false}),
        metadata_record::of(client_quota_record{{{"ip", "10.0.0.1"}}, "x", 0, true}),
        metadata_record::of(feature_level_record{"metadata.version", 19}),
        metadata_record::of(leader_change_record{1, 7, {1, 2, 3}}),
        metadata_record::of(unregister_broker_record{4}),
    };
    auto encoded = encode_records(batch);
    auto decoded = decode_records(encoded);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, batch);
    // Every truncation fails cleanly.
    for (std::size_t size = 0; size < encoded.size(); ++size) {
        EXPECT_FALSE(decode_records(std::span(encoded).first(size))) << size;
    }
}

// The metadata_records_fuzz target starts from a batch of each record type (fixed ids, so the
// files do not change from run to run) and one batch of them all.
TEST(metadata_records, fuzz_seeds_are_one_batch_per_type_and_one_of_all) {
    uuid id{};
    for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(i * 17);
    const std::vector<std::pair<std::string, metadata_record>> records{
        {"register_broker", metadata_record::of(register_broker_record{
                                3, id, {{"PLAINTEXT", "127.0.0.1", 9092}}, "rack-a"})},
        {"topic", metadata_record::of(topic_record{"orders", id})},
        {"partition", metadata_record::of(partition_record{id, 2, {1, 2, 3}, {1, 3}, 1, 4, 7})},
        {"config", metadata_record::of(config_record{config_resource_type::topic, "orders",
                                                     "retention.ms", std::string("1000")})},
        {"partition_change",
         metadata_record::of(partition_change_record{id, 1, 2, std::vector<std::int32_t>{2},
                                                     std::vector<std::int32_t>{2, 1}})},
        {"remove_topic", metadata_record::of(remove_topic_record{id})},
        {"client_quota",
         metadata_record::of(client_quota_record{
             {{"client-id", std::nullopt}, {"user", "alice"}}, "producer_byte_rate", 1024, false})},
        {"feature_level", metadata_record::of(feature_level_record{"metadata.version", 19})},
        {"leader_change", metadata_record::of(leader_change_record{1, 7, {1}})},
        {"unregister_broker", metadata_record::of(unregister_broker_record{4})},
    };
    laminar::testing::fuzz_seed_set seeds;
    std::vector<metadata_record> all;
    for (const auto& [name, record] : records) {
        seeds[name] = encode_records(std::span(&record, 1));
        all.push_back(record);
    }
    seeds["all_types"] = encode_records(all);
    laminar::testing::check_or_write_fuzz_seeds("metadata_records_fuzz", seeds);
}

TEST(metadata_records, uuid_is_v4_and_prints_like_kafka) {
    auto id = random_uuid();
    EXPECT_EQ(id[6] >> 4, 4);
    EXPECT_EQ(id[8] >> 6, 2);
    EXPECT_EQ(to_base64url(id).size(), 22u);
    EXPECT_EQ(to_base64url(zero_uuid), "AAAAAAAAAAAAAAAAAAAAAA");
    EXPECT_EQ(from_base64url(to_base64url(id)), id);
    EXPECT_FALSE(from_base64url("short"));
    EXPECT_FALSE(from_base64url("AAAAAAAAAAAAAAAAAAAAA*"));
}

TEST(metadata_commands, create_topic_assigns_replicas_round_robin) {
    auto image = image_with_brokers(3);
    create_topic_request request{"orders", 6, 2, {}, {{"cleanup.policy", "compact"}}};
    auto planned = plan_create_topic(image, request, {}, seeded(1));
    ASSERT_TRUE(planned);
    ASSERT_TRUE(image.apply(*planned));
    const topic_state* topic = image.find_topic("orders");
    ASSERT_NE(topic, nullptr);
    EXPECT_EQ(topic->partitions.size(), 6u);
    std::map<std::int32_t, int> leaders;
    for (const auto& partition : topic->partitions) {
        ASSERT_EQ(partition.replicas.size(), 2u);
        EXPECT_NE(partition.replicas[0], partition.replicas[1]);
        EXPECT_EQ(partition.leader, partition.replicas[0]);
        EXPECT_EQ(partition.isr, partition.replicas);
        ++leaders[partition.leader];
    }
    for (auto [id, count] : leaders) EXPECT_EQ(count, 2) << "broker " << id;
    EXPECT_EQ(topic->configs.at("cleanup.policy"), "compact");
    EXPECT_EQ(image.find_topic(topic->topic_id), topic);
}

TEST(metadata_commands, create_topic_errors_match_kafka) {
    auto image = image_with_brokers(1);
    auto random = seeded(2);
    auto code = [&](create_topic_request request) {
        auto planned = plan_create_topic(image, request, {}, random);
        return planned ? std::optional<command_errc>() : planned.error().code;
    };
    EXPECT_EQ(code({"", 1, 1}), command_errc::invalid_topic);
    EXPECT_EQ(code({"..", 1, 1}), command_errc::invalid_topic);
    EXPECT_EQ(code({"bad name", 1, 1}), command_errc::invalid_topic);
    EXPECT_EQ(code({std::string(250, 'a'), 1, 1}), command_errc::invalid_topic);
    EXPECT_EQ(code({"t", 0, 1}), command_errc::invalid_partitions);
    EXPECT_EQ(code({"t", -2, 1}), command_errc::invalid_partitions);
    EXPECT_EQ(code({"t", 1, 0}), command_errc::invalid_replication_factor);
    EXPECT_EQ(code({"t", 1, 2}), command_errc::invalid_replication_factor);
    EXPECT_EQ(code({"t", 1, -1, {{0, {1}}}}), command_errc::invalid_request);
    EXPECT_EQ(code({"t", -1, -1, {{0, {7}}}}), command_errc::invalid_replica_assignment);
    EXPECT_EQ(code({"t", -1, -1, {{1, {1}}}}), command_errc::invalid_replica_assignment);
    EXPECT_EQ(code({"t", -1, -1, {{0, {1, 1}}}}), command_errc::invalid_replica_assignment);
    EXPECT_EQ(code({"ok.topic_name-1", -1, -1}), std::nullopt);  // defaults: 1 partition, rf 1
    ASSERT_TRUE(image.apply(*plan_create_topic(image, {"t", 1, 1}, {}, random)));
    EXPECT_EQ(code({"t", 1, 1}), command_errc::topic_already_exists);
    // '.' and '_' collide (Kafka's metric names); an exact repeat is still "already exists".
    ASSERT_TRUE(image.apply(*plan_create_topic(image, {"a.b_c", 1, 1}, {}, random)));
    EXPECT_EQ(code({"a.b_c", 1, 1}), command_errc::topic_already_exists);
    EXPECT_EQ(code({"a_b.c", 1, 1}), command_errc::invalid_topic);
    EXPECT_EQ(plan_create_topic(image, {"a_b_c", 1, 1}, {}, random).error().message,
              "Topic 'a_b_c' collides with existing topic: a.b_c");
    EXPECT_EQ(code({"a-b_c", 1, 1}), std::nullopt);  // '-' is not one of them
}

TEST(metadata_commands, partitions_configs_and_deletion) {
    auto image = image_with_brokers(2);
    auto random = seeded(3);
    ASSERT_TRUE(image.apply(*plan_create_topic(image, {"t", 2, 2}, {}, random)));
    auto fewer = plan_create_partitions(image, "t", 2, {}, random);
    ASSERT_FALSE(fewer);
    EXPECT_EQ(fewer.error().code, command_errc::invalid_partitions);
    // A bound, as topic creation has: 2^31 - 1 partitions are refused, not planned.
    auto huge = plan_create_partitions(image, "t", 0x7fffffff, {}, random);
    ASSERT_FALSE(huge);
    EXPECT_EQ(huge.error().code, command_errc::invalid_partitions);
    EXPECT_FALSE(plan_create_partitions(image, "t", 11, {}, random, 10));
    ASSERT_TRUE(image.apply(*plan_create_partitions(image, "t", 5, {}, random)));
    EXPECT_EQ(image.find_topic("t")->partitions.size(), 5u);
    EXPECT_FALSE(plan_create_partitions(image, "t", 6, {{1}, {2}}, random));
    ASSERT_TRUE(image.apply(*plan_create_partitions(image, "t", 6, {{2, 1}}, random)));
    EXPECT_EQ(image.find_topic("t")->partitions[5].replicas, (std::vector<std::int32_t>{2, 1}));

    ASSERT_TRUE(image.apply(*plan_alter_topic_configs(image, "t", {{"retention.ms", "5"}})));
    EXPECT_EQ(image.find_topic("t")->configs.at("retention.ms"), "5");
    ASSERT_TRUE(image.apply(*plan_alter_topic_configs(image, "t", {{"retention.ms", {}}})));
    EXPECT_TRUE(image.find_topic("t")->configs.empty());

    const auto id = image.find_topic("t")->topic_id;
    ASSERT_TRUE(image.apply(*plan_delete_topic(image, "t")));
    EXPECT_EQ(image.find_topic("t"), nullptr);
    EXPECT_EQ(image.find_topic(id), nullptr);
    EXPECT_EQ(plan_delete_topic(image, "t").error().code, command_errc::unknown_topic);
}

TEST(metadata_image, partition_changes_bump_epochs_and_bad_batches_change_nothing) {
    auto image = image_with_brokers(2);
    auto random = seeded(4);
    ASSERT_TRUE(image.apply(*plan_create_topic(image, {"t", 1, 2}, {}, random)));
    const auto id = image.find_topic("t")->topic_id;
    const auto before = image.find_topic("t")->partitions[0];
    const std::int32_t other = before.leader == 1 ? 2 : 1;
    std::vector<metadata_record> change{metadata_record::of(
        partition_change_record{id, 0, other, std::vector<std::int32_t>{other}, std::nullopt})};
    ASSERT_TRUE(image.apply(change));
    const auto& after = image.find_topic("t")->partitions[0];
    EXPECT_EQ(after.leader, other);
    EXPECT_EQ(after.leader_epoch, before.leader_epoch + 1);
    EXPECT_EQ(after.partition_epoch, before.partition_epoch + 1);
    EXPECT_EQ(after.isr, std::vector<std::int32_t>{other});

    const auto batches = image.applied_batches();
    std::vector<metadata_record> bad{
        metadata_record::of(topic_record{"u", random_uuid()}),
        metadata_record::of(partition_change_record{random_uuid(), 0, 1, {}, {}})};
    EXPECT_FALSE(image.apply(bad));
    EXPECT_EQ(image.find_topic("u"), nullptr);  // all or nothing
    EXPECT_EQ(image.applied_batches(), batches);
}

TEST(metadata_commands, unregistering_a_broker_takes_it_out_of_isrs_and_leadership) {
    auto image = image_with_brokers(2);
    auto random = seeded(5);
    ASSERT_TRUE(image.apply(*plan_create_topic(image, {"two", 4, 2}, {}, random)));
    ASSERT_TRUE(image.apply(*plan_create_topic(image, {"one", 2, 1}, {}, random)));
    const auto records = image.applied_records();
    const auto before = *image.find_topic("two");
    const auto single = *image.find_topic("one");

    auto unknown = plan_unregister_broker(image, 7);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, command_errc::broker_id_not_registered);
    EXPECT_EQ(unknown.error().message, "Broker ID 7 is not currently registered");

    auto planned = plan_unregister_broker(image, 1);
    ASSERT_TRUE(planned);
    EXPECT_EQ(planned->back().type, metadata_record_type::unregister_broker);
    ASSERT_TRUE(image.apply(*planned));
    EXPECT_EQ(image.find_broker(1), nullptr);
    ASSERT_NE(image.find_broker(2), nullptr);
    for (const auto& partition : image.find_topic("two")->partitions) {
        const auto& was = before.partitions[static_cast<std::size_t>(partition.partition)];
        EXPECT_EQ(partition.isr, std::vector<std::int32_t>{2});  // both were in it
        EXPECT_EQ(partition.replicas, was.replicas);             // replicas stay
        // The leader was 1: none now (Kafka elects no one on unregistration); else unchanged.
        EXPECT_EQ(partition.leader, was.leader == 1 ? -1 : 2);
        EXPECT_EQ(partition.leader_epoch, was.leader_epoch + (was.leader == 1 ? 1 : 0));
    }
    for (const auto& partition : image.find_topic("one")->partitions) {
        const auto& was = single.partitions[static_cast<std::size_t>(partition.partition)];
        EXPECT_EQ(partition.isr, was.isr);  // the last member stays in the ISR
        EXPECT_EQ(partition.leader, was.leader == 1 ? -1 : was.leader);
    }
    EXPECT_EQ(image.applied_records(), records + planned->size());
    EXPECT_FALSE(plan_unregister_broker(image, 1));

    // Broker 1 comes back: it leads again what has no leader and lists it in the ISR.
    ASSERT_TRUE(image.apply(metadata_record::of(broker(1))));
    auto elected = plan_elect_leaderless(image, 1);
    ASSERT_TRUE(image.apply(elected));
    for (const auto& partition : image.find_topic("one")->partitions) {
        const auto& was = single.partitions[static_cast<std::size_t>(partition.partition)];
        EXPECT_EQ(partition.leader, was.leader);
    }
    for (const auto& partition : image.find_topic("two")->partitions) {
        // Out of these ISRs: no clean election for broker 1.
        const auto& was = before.partitions[static_cast<std::size_t>(partition.partition)];
        EXPECT_EQ(partition.leader, was.leader == 1 ? -1 : 2);
    }
    EXPECT_TRUE(plan_elect_leaderless(image, 1).empty());
    EXPECT_EQ(plan_elect_leaderless(image, 2).size(), 2u);  // "two"'s leaderless partitions
}

struct temp_dir {
    fs::path path;
    temp_dir() {
        char name[] = "/tmp/laminar-metadata-XXXXXX";
        path = ::mkdtemp(name);
    }
    ~temp_dir() { fs::remove_all(path); }
};

void append_batches(metadata_log& log, const std::vector<std::vector<metadata_record>>& batches) {
    auto shard = std::move(*reactor::create({}));
    auto main = [&]() -> task<void> {
        for (const auto& batch : batches) EXPECT_TRUE(co_await log.append(batch));
        reactor::current().request_stop();
    };
    shard->spawn(main());
    shard->run();
}

TEST(metadata_log, replays_every_batch_and_cuts_a_torn_tail) {
    temp_dir dir;
    std::vector<std::vector<metadata_record>> written;
    for (int i = 0; i < 5; ++i) {
        written.push_back({metadata_record::of(topic_record{"t" + std::to_string(i),
                                                            random_uuid()})});
    }
    {
        auto opened = metadata_log::open(dir.path);
        ASSERT_TRUE(opened);
        EXPECT_TRUE(opened->batches.empty());
        append_batches(opened->log, written);
        EXPECT_EQ(opened->log.batches(), 5u);
    }
    const auto file = dir.path / "metadata.log";
    const auto full_size = fs::file_size(file);
    {
        auto reopened = metadata_log::open(dir.path);
        ASSERT_TRUE(reopened);
        EXPECT_EQ(reopened->batches, written);
        EXPECT_EQ(reopened->log.truncated_bytes(), 0u);
    }
    // A torn append: the last frame cut short, then garbage after it.
    fs::resize_file(file, full_size - 3);
    {
        auto reopened = metadata_log::open(dir.path);
        ASSERT_TRUE(reopened);
        EXPECT_EQ(reopened->batches.size(), 4u);
        EXPECT_GT(reopened->log.truncated_bytes(), 0u);
        append_batches(reopened->log, {written[4]});
    }
    auto again = metadata_log::open(dir.path);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->batches, written);
    // A flipped byte in the middle: everything from that batch on is cut, nothing wrong served.
    {
        int fd = ::open(file.c_str(), O_RDWR);
        char byte = 0;
        ASSERT_EQ(::pread(fd, &byte, 1, 40), 1);
        byte ^= 0x10;
        ASSERT_EQ(::pwrite(fd, &byte, 1, 40), 1);
        ::close(fd);
    }
    auto damaged = metadata_log::open(dir.path);
    ASSERT_TRUE(damaged);
    ASSERT_LT(damaged->batches.size(), written.size());
    for (std::size_t i = 0; i < damaged->batches.size(); ++i) {
        EXPECT_EQ(damaged->batches[i], written[i]);
    }
}

}  // namespace
}  // namespace laminar::ctl
