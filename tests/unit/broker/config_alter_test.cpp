// AlterConfigs and IncrementalAlterConfigs on a topic's explicit configs: the resulting sets and
// Kafka's errors for bad requests.
#include "broker/config_alter.h"

#include <gtest/gtest.h>

namespace laminar::broker {
namespace {

using kafka::config_operation;

kafka::incremental_alterable_config op(std::string name, config_operation operation,
                                       std::optional<std::string> value) {
    return {std::move(name), static_cast<std::int8_t>(operation), std::move(value)};
}

TEST(config_alter, replace_gives_exactly_the_new_set) {
    auto wanted = replaced_topic_configs({{"retention.ms", "1000"}, {"segment.bytes", "1048576"}});
    ASSERT_TRUE(wanted);
    EXPECT_EQ(*wanted, (topic_configs{{"retention.ms", "1000"}, {"segment.bytes", "1048576"}}));
    auto empty = replaced_topic_configs({});
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
}

TEST(config_alter, replace_refuses_nulls_duplicates_and_bad_values) {
    auto null = replaced_topic_configs({{"retention.ms", std::nullopt}});
    ASSERT_FALSE(null);
    EXPECT_EQ(null.error().code, ctl::command_errc::invalid_request);
    EXPECT_EQ(null.error().message, "Null value not supported for : retention.ms");
    auto twice = replaced_topic_configs({{"retention.ms", "1"}, {"retention.ms", "2"}});
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, ctl::command_errc::invalid_request);
    auto unknown = replaced_topic_configs({{"retention.msec", "1"}});
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ctl::command_errc::invalid_config);
    EXPECT_NE(unknown.error().message.find("retention.msec"), std::string::npos);
    auto bad = replaced_topic_configs({{"retention.ms", "soon"}});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ctl::command_errc::invalid_config);
    EXPECT_NE(bad.error().message.find("retention.ms"), std::string::npos);
}

TEST(config_alter, incremental_set_and_delete_keep_other_keys) {
    const topic_configs current{{"retention.ms", "1000"}, {"segment.bytes", "1048576"}};
    auto wanted = incremented_topic_configs(
        current, {op("retention.ms", config_operation::set, "2000"),
                  op("segment.bytes", config_operation::remove, std::nullopt),
                  op("max.message.bytes", config_operation::set, "5000")});
    ASSERT_TRUE(wanted);
    EXPECT_EQ(*wanted, (topic_configs{{"retention.ms", "2000"}, {"max.message.bytes", "5000"}}));
    // Deleting a key that is not set is no change.
    auto same = incremented_topic_configs(current, {op("flush.ms", config_operation::remove, {})});
    ASSERT_TRUE(same);
    EXPECT_EQ(*same, current);
}

TEST(config_alter, append_and_subtract_work_on_lists_from_the_default) {
    auto appended = incremented_topic_configs(
        {}, {op("cleanup.policy", config_operation::append, "compact")});
    ASSERT_TRUE(appended);
    EXPECT_EQ(appended->at("cleanup.policy"), "delete,compact");
    auto again = incremented_topic_configs(
        *appended, {op("cleanup.policy", config_operation::append, "delete")});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->at("cleanup.policy"), "delete,compact");  // already there
    auto subtracted = incremented_topic_configs(
        *appended, {op("cleanup.policy", config_operation::subtract, "delete")});
    ASSERT_TRUE(subtracted);
    EXPECT_EQ(subtracted->at("cleanup.policy"), "compact");
    // Subtracting the last item leaves an empty policy, which is not a valid value.
    auto emptied = incremented_topic_configs(
        *subtracted, {op("cleanup.policy", config_operation::subtract, "compact")});
    ASSERT_FALSE(emptied);
    EXPECT_EQ(emptied.error().code, ctl::command_errc::invalid_config);
}

TEST(config_alter, incremental_refusals_are_kafkas) {
    auto append_scalar =
        incremented_topic_configs({}, {op("retention.ms", config_operation::append, "5")});
    ASSERT_FALSE(append_scalar);
    EXPECT_EQ(append_scalar.error().code, ctl::command_errc::invalid_config);
    EXPECT_EQ(append_scalar.error().message,
              "Config value append is not allowed for config key: retention.ms");
    auto unknown = incremented_topic_configs({}, {op("no.such.key", config_operation::set, "1")});
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ctl::command_errc::invalid_config);
    auto null = check_incremental_configs({op("retention.ms", config_operation::set, {})});
    ASSERT_FALSE(null);
    EXPECT_EQ(null.error().code, ctl::command_errc::invalid_request);
    kafka::incremental_alterable_config unknown_op{"retention.ms", 9, "1"};
    auto bad_op = check_incremental_configs({unknown_op});
    ASSERT_FALSE(bad_op);
    EXPECT_EQ(bad_op.error().code, ctl::command_errc::invalid_request);
    auto bad_value =
        incremented_topic_configs({}, {op("segment.bytes", config_operation::set, "-5")});
    ASSERT_FALSE(bad_value);
    EXPECT_EQ(bad_value.error().code, ctl::command_errc::invalid_config);
}

TEST(config_alter, broker_keys_are_refused_by_name) {
    auto refusal = broker_configs_refusal({"log.retention.ms", "num.io.threads"});
    EXPECT_EQ(refusal.code, ctl::command_errc::invalid_request);
    EXPECT_EQ(refusal.message,
              "Cannot update these configs dynamically: Set(log.retention.ms, num.io.threads)");
}

TEST(config_alter, broker_resources_take_the_dynamic_topic_defaults) {
    auto replaced = replaced_broker_configs(
        {{"log.retention.ms", "60000"}, {"message.max.bytes", "20000"}});
    ASSERT_TRUE(replaced) << replaced.error().message;
    EXPECT_EQ(*replaced,
              (broker_configs{{"log.retention.ms", "60000"}, {"message.max.bytes", "20000"}}));
    auto incremented = incremented_broker_configs(
        *replaced, {op("log.retention.ms", config_operation::remove, std::nullopt),
                    op("log.cleanup.policy", config_operation::append, "compact"),
                    op("num.io.threads", config_operation::remove, std::nullopt)});
    ASSERT_TRUE(incremented) << incremented.error().message;
    EXPECT_EQ(*incremented, (broker_configs{{"log.cleanup.policy", "delete,compact"},
                                            {"message.max.bytes", "20000"}}));
}

TEST(config_alter, broker_keys_that_cannot_change_are_refused_by_name) {
    // The hours and minutes synonyms are not dynamic in Kafka either; nor is a thread pool here.
    auto fixed = replaced_broker_configs({{"log.retention.hours", "1"}, {"num.io.threads", "4"}});
    ASSERT_FALSE(fixed);
    EXPECT_EQ(fixed.error().code, ctl::command_errc::invalid_request);
    EXPECT_EQ(fixed.error().message,
              "Cannot update these configs dynamically: Set(log.retention.hours, num.io.threads)");
    auto incremental = incremented_broker_configs(
        {}, {op("num.partitions", config_operation::set, "3")});
    ASSERT_FALSE(incremental);
    EXPECT_EQ(incremental.error().code, ctl::command_errc::invalid_request);
    auto bad_value = replaced_broker_configs({{"log.segment.bytes", "-5"}});
    ASSERT_FALSE(bad_value);
    EXPECT_EQ(bad_value.error().code, ctl::command_errc::invalid_config);
    EXPECT_NE(bad_value.error().message.find("log.segment.bytes"), std::string::npos);
    auto not_a_list = incremented_broker_configs(
        {}, {op("log.retention.ms", config_operation::append, "5")});
    ASSERT_FALSE(not_a_list);
    EXPECT_EQ(not_a_list.error().code, ctl::command_errc::invalid_config);
    // As Kafka, a list operation's type check comes before the question of which keys may
    // change: APPEND to a number that cannot change is INVALID_CONFIG, to an unknown key too;
    // APPEND to a list that cannot change is refused by name.
    auto fixed_number =
        incremented_broker_configs({}, {op("num.partitions", config_operation::append, "3")});
    ASSERT_FALSE(fixed_number);
    EXPECT_EQ(fixed_number.error().code, ctl::command_errc::invalid_config);
    EXPECT_EQ(fixed_number.error().message,
              "Config value append is not allowed for config key: num.partitions");
    auto unknown =
        incremented_broker_configs({}, {op("no.such.key", config_operation::subtract, "3")});
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ctl::command_errc::invalid_config);
    auto fixed_list =
        incremented_broker_configs({}, {op("log.dirs", config_operation::append, "/tmp/more")});
    ASSERT_FALSE(fixed_list);
    EXPECT_EQ(fixed_list.error().code, ctl::command_errc::invalid_request);
}

TEST(config_alter, broker_resources_take_the_connection_limits) {
    auto replaced =
        replaced_broker_configs({{"max.connections", "100"}, {"max.connections.per.ip", "5"}});
    ASSERT_TRUE(replaced) << replaced.error().message;
    EXPECT_EQ(*replaced,
              (broker_configs{{"max.connections", "100"}, {"max.connections.per.ip", "5"}}));
    auto negative = incremented_broker_configs(
        *replaced, {op("max.connections.per.ip", config_operation::set, "-1")});
    ASSERT_FALSE(negative);
    EXPECT_EQ(negative.error().code, ctl::command_errc::invalid_config);
    EXPECT_NE(negative.error().message.find("max.connections.per.ip"), std::string::npos);
    auto zero = replaced_broker_configs({{"max.connections.per.ip", "0"}});
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().code, ctl::command_errc::invalid_config);
    auto not_a_number = replaced_broker_configs({{"max.connections", "many"}});
    ASSERT_FALSE(not_a_number);
    EXPECT_EQ(not_a_number.error().code, ctl::command_errc::invalid_config);
    auto not_a_list =
        incremented_broker_configs({}, {op("max.connections", config_operation::append, "5")});
    ASSERT_FALSE(not_a_list);
    EXPECT_EQ(not_a_list.error().code, ctl::command_errc::invalid_config);
}

}  // namespace
}  // namespace laminar::broker
