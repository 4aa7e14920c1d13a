#include "broker/topic_config.h"

#include <string>

#include <gtest/gtest.h>

#include "ctl/metadata_records.h"

namespace laminar::broker {
namespace {

TEST(topic_config, defaults_are_kafkas) {
    auto settings = resolve_topic_settings({});
    EXPECT_EQ(settings.retention_ms, 604800000);
    EXPECT_EQ(settings.retention_bytes, -1);
    EXPECT_EQ(settings.segment_bytes, 1073741824);
    EXPECT_EQ(settings.max_message_bytes, 1048588);
    EXPECT_EQ(settings.cleanup, cleanup_policy::remove);
    EXPECT_FALSE(settings.log_append_time);
    EXPECT_EQ(settings.compression_type, "producer");
}

TEST(topic_config, explicit_values_resolve) {
    std::map<std::string, std::string> set{{"cleanup.policy", "compact,delete"},
                                           {"retention.ms", "-1"},
                                           {"message.timestamp.type", "LogAppendTime"},
                                           {"flush.messages", "1"},
                                           {"segment.bytes", "1048576"}};
    ASSERT_TRUE(validate_topic_configs(set));
    auto settings = resolve_topic_settings(set);
    EXPECT_EQ(settings.cleanup, cleanup_policy::compact_and_remove);
    EXPECT_EQ(settings.retention_ms, -1);
    EXPECT_TRUE(settings.log_append_time);
    EXPECT_EQ(settings.flush_messages, 1);
    EXPECT_EQ(settings.segment_bytes, 1048576);
}

TEST(topic_config, timestamp_bounds_fall_back_to_the_deprecated_difference_as_in_kafka_3_7) {
    auto unbounded = resolve_topic_settings({});
    EXPECT_EQ(unbounded.timestamp_before_max_ms, INT64_MAX);
    EXPECT_EQ(unbounded.timestamp_after_max_ms, INT64_MAX);
    std::map<std::string, std::string> set{{"message.timestamp.difference.max.ms", "5000"},
                                           {"message.timestamp.after.max.ms", "100"}};
    ASSERT_TRUE(validate_topic_configs(set));
    auto settings = resolve_topic_settings(set);
    EXPECT_EQ(settings.timestamp_before_max_ms, 5000);  // not set: the difference
    EXPECT_EQ(settings.timestamp_after_max_ms, 100);    // set: its own
}

TEST(topic_config, compression_type_is_the_topics_else_the_brokers) {
    const std::map<std::string, std::string> broker_defaults{{"compression.type", "zstd"}};
    EXPECT_EQ(resolve_topic_settings({}, &broker_defaults).compression_type, "zstd");
    EXPECT_EQ(resolve_topic_settings({}).compression_type, "producer");
    const std::map<std::string, std::string> own{{"compression.type", "producer"}};
    EXPECT_EQ(resolve_topic_settings(own, &broker_defaults).compression_type, "producer");
    // The shard's cache resolves with the broker's defaults too.
    ctl::metadata_image image;
    ctl::topic_state topic;
    topic.name = "t";
    topic_settings_cache cache(&broker_defaults);
    EXPECT_EQ(cache.of(image, topic).compression_type, "zstd");
}

TEST(topic_config, only_each_topic_keys_first_synonym_is_dynamic) {
    ASSERT_NE(dynamic_topic_synonym("log.retention.ms"), nullptr);
    EXPECT_EQ(dynamic_topic_synonym("log.retention.ms")->topic_key, "retention.ms");
    EXPECT_EQ(dynamic_topic_synonym("message.max.bytes")->topic_key, "max.message.bytes");
    EXPECT_EQ(dynamic_topic_synonym("log.retention.hours"), nullptr);
    EXPECT_EQ(dynamic_topic_synonym("log.roll.hours"), nullptr);
    EXPECT_EQ(dynamic_topic_synonym("num.partitions"), nullptr);
    EXPECT_EQ(dynamic_topic_synonym("retention.ms"), nullptr);  // a topic key, not a broker key
}

TEST(topic_config, dynamic_broker_configs_layer_over_the_file) {
    const std::map<std::string, std::string> file{{"retention.ms", "1800000"},
                                                  {"segment.bytes", "1048576"}};
    const std::map<std::string, std::string> cluster{{"log.retention.ms", "60000"},
                                                     {"message.max.bytes", "20000"},
                                                     {"num.io.threads", "8"}};
    const std::map<std::string, std::string> node{{"message.max.bytes", "40000"}};
    EXPECT_EQ(effective_topic_defaults(file, nullptr, nullptr), file);
    EXPECT_EQ(effective_topic_defaults(file, &cluster, &node),
              (std::map<std::string, std::string>{{"max.message.bytes", "40000"},
                                                  {"retention.ms", "60000"},
                                                  {"segment.bytes", "1048576"}}));
}

TEST(topic_config, bad_keys_and_values_name_the_key) {
    auto unknown = validate_topic_configs({{"retention.msec", "1"}});
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().find("retention.msec"), std::string::npos) << unknown.error();
    auto bad = validate_topic_configs({{"cleanup.policy", "shred"}});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().find("cleanup.policy"), std::string::npos) << bad.error();
    auto range = validate_topic_configs({{"min.insync.replicas", "0"}});
    ASSERT_FALSE(range);
    EXPECT_NE(range.error().find("min.insync.replicas"), std::string::npos) << range.error();
    EXPECT_FALSE(validate_topic_configs({{"remote.storage.enable", "true"}}));
}

TEST(topic_config, max_compaction_lag_ms_is_validated_like_kafka) {
    EXPECT_EQ(resolve_topic_settings({}).max_compaction_lag_ms, INT64_MAX);
    const std::map<std::string, std::string> set{{"max.compaction.lag.ms", "3600000"},
                                                 {"min.compaction.lag.ms", "60000"}};
    ASSERT_TRUE(validate_topic_configs(set));
    EXPECT_EQ(resolve_topic_settings(set).max_compaction_lag_ms, 3600000);
    auto zero = validate_topic_configs({{"max.compaction.lag.ms", "0"}});
    ASSERT_FALSE(zero);
    EXPECT_NE(zero.error().find("max.compaction.lag.ms"), std::string::npos) << zero.error();
    // min.compaction.lag.ms above max.compaction.lag.ms, explicit or by default.
    auto crossed = validate_topic_configs({{"max.compaction.lag.ms", "1000"},
                                           {"min.compaction.lag.ms", "2000"}});
    ASSERT_FALSE(crossed);
    EXPECT_NE(crossed.error().find("min.compaction.lag.ms (2000) > max.compaction.lag.ms (1000)"),
              std::string::npos)
        << crossed.error();
    EXPECT_FALSE(validate_topic_configs({{"max.compaction.lag.ms", "1"},
                                         {"min.compaction.lag.ms", "2"}}));
    EXPECT_TRUE(validate_topic_configs({{"max.compaction.lag.ms", "5"},
                                        {"min.compaction.lag.ms", "5"}}));
}

TEST(topic_config, the_settings_cache_resolves_again_only_after_a_metadata_change) {
    ctl::metadata_image image;
    const ctl::uuid first_id = ctl::random_uuid();
    ASSERT_TRUE(image.apply(ctl::metadata_record::of(ctl::topic_record{"t", first_id})));
    topic_settings_cache cache;
    const topic_settings& settings = cache.of(image, *image.find_topic("t"));
    EXPECT_EQ(settings.max_message_bytes, 1048588);
    for (int i = 0; i < 3; ++i) cache.of(image, *image.find_topic("t"));
    EXPECT_EQ(cache.resolutions(), 1u);

    // A config change: the next lookup sees it, in the same entry.
    ASSERT_TRUE(image.apply(ctl::metadata_record::of(ctl::config_record{
        ctl::config_resource_type::topic, "t", "max.message.bytes", "2000"})));
    EXPECT_EQ(cache.of(image, *image.find_topic("t")).max_message_bytes, 2000);
    EXPECT_EQ(cache.resolutions(), 2u);

    // A topic of the same name with another id (deleted and made again) is resolved anew.
    ctl::topic_state recreated = *image.find_topic("t");
    recreated.topic_id = ctl::random_uuid();
    recreated.configs.clear();
    EXPECT_EQ(cache.of(image, recreated).max_message_bytes, 1048588);
    EXPECT_EQ(cache.resolutions(), 3u);
}

TEST(topic_config, the_settings_cache_drops_topics_no_longer_in_the_image) {
    ctl::metadata_image image;
    ASSERT_TRUE(
        image.apply(ctl::metadata_record::of(ctl::topic_record{"kept", ctl::random_uuid()})));
    topic_settings_cache cache;
    cache.of(image, *image.find_topic("kept"));
    // Topics made and deleted since: the cache holds them until it is past its slack, then
    // keeps only what the image still has.
    for (std::size_t i = 0; i < topic_settings_cache::stale_entries_max + 10; ++i) {
        ctl::topic_state gone{"gone-" + std::to_string(i), ctl::random_uuid(), {}, {}};
        cache.of(image, gone);
        EXPECT_LE(cache.size(), image.topics().size() + topic_settings_cache::stale_entries_max);
    }
    EXPECT_LT(cache.size(), 20u);
    const auto resolved = cache.resolutions();
    cache.of(image, *image.find_topic("kept"));
    EXPECT_EQ(cache.resolutions(), resolved);  // the live topic's entry survived the pruning
}

}  // namespace
}  // namespace laminar::broker
