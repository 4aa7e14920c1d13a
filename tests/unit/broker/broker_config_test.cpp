#include "broker/broker_config.h"

#include <string>

#include <gtest/gtest.h>

#include "broker/topic_config.h"

namespace laminar::broker {
namespace {

// The keys of Kafka 3.7's config/kraft/server.properties (a combined broker and controller),
// with Kafka 4.0's controller.quorum.bootstrap.servers and advertised controller listener.
constexpr std::string_view kafka_kraft_properties =
    "process.roles=broker,controller\n"
    "node.id=1\n"
    "controller.quorum.voters=1@localhost:9093\n"
    "controller.quorum.bootstrap.servers=localhost:9093\n"
    "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\n"
    "inter.broker.listener.name=PLAINTEXT\n"
    "advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093\n"
    "controller.listener.names=CONTROLLER\n"
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,"
    "SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL\n"
    "num.network.threads=3\n"
    "num.io.threads=8\n"
    "socket.send.buffer.bytes=102400\n"
    "socket.receive.buffer.bytes=102400\n"
    "socket.request.max.bytes=104857600\n"
    "log.dirs=/tmp/kraft-combined-logs\n"
    "num.partitions=1\n"
    "num.recovery.threads.per.data.dir=1\n"
    "offsets.topic.replication.factor=1\n"
    "share.coordinator.state.topic.replication.factor=1\n"
    "share.coordinator.state.topic.min.isr=1\n"
    "transaction.state.log.replication.factor=1\n"
    "transaction.state.log.min.isr=1\n"
    "log.retention.hours=168\n"
    "log.segment.bytes=1073741824\n"
    "log.retention.check.interval.ms=300000\n";

result<broker_settings, std::string> settings_of(std::string_view text) {
    auto values = parse_config(broker_config_schema(), text, "server.properties");
    if (!values) return fail(values.error().message());
    return read_broker_settings(*values);
}

TEST(broker_config, kafkas_stock_kraft_file_starts_a_plaintext_broker) {
    auto settings = settings_of(kafka_kraft_properties);
    ASSERT_TRUE(settings) << settings.error();
    ASSERT_EQ(settings->listeners.size(), 1u);  // the controller listener is not opened
    EXPECT_EQ(settings->listeners[0].name, "PLAINTEXT");
    EXPECT_EQ(settings->listeners[0].address.port, 9092);
    ASSERT_EQ(settings->advertised_listeners.size(), 1u);
    EXPECT_EQ(settings->advertised_listeners[0].address.host, "localhost");
    EXPECT_EQ(settings->data_dir, "/tmp/kraft-combined-logs");
    // log.retention.hours=168 and log.segment.bytes are Kafka's defaults, now set explicitly.
    EXPECT_EQ(settings->topic_defaults.at("retention.ms"), "604800000");
    EXPECT_EQ(settings->topic_defaults.at("segment.bytes"), "1073741824");
    EXPECT_EQ(settings->topic_defaults.size(), 2u);
}

TEST(broker_config, listener_names_map_to_their_protocol) {
    EXPECT_TRUE(settings_of("listeners=CLIENT://127.0.0.1:9092\n"
                            "listener.security.protocol.map=CLIENT:PLAINTEXT\n"
                            "log.dirs=/tmp/d\n"));
    auto unmapped = settings_of("listeners=CLIENT://127.0.0.1:9092\nlog.dirs=/tmp/d\n");
    ASSERT_FALSE(unmapped);
    EXPECT_EQ(unmapped.error(),
              "listeners: listener CLIENT has no security protocol in "
              "listener.security.protocol.map");
    auto tls = settings_of("listeners=SSL://127.0.0.1:9093\nlog.dirs=/tmp/d\n");
    ASSERT_FALSE(tls);
    EXPECT_EQ(tls.error(), "listeners: listener SSL: only PLAINTEXT is supported, not SSL");
    auto only_controller = settings_of("listeners=CONTROLLER://:9093\n"
                                       "controller.listener.names=CONTROLLER\n"
                                       "listener.security.protocol.map=CONTROLLER:PLAINTEXT\n"
                                       "log.dirs=/tmp/d\n");
    ASSERT_FALSE(only_controller);
    EXPECT_EQ(only_controller.error(), "listeners: every listener is a controller listener");
    auto bad_map = settings_of("listener.security.protocol.map=PLAINTEXT\nlog.dirs=/tmp/d\n");
    ASSERT_FALSE(bad_map);
    EXPECT_EQ(bad_map.error(),
              "listeners: listener.security.protocol.map: 'PLAINTEXT' is not NAME:PROTOCOL");
}

TEST(broker_config, log_keys_become_topic_defaults_in_kafkas_precedence) {
    auto settings = settings_of("log.dirs=/tmp/d\n"
                                "log.retention.hours=2\n"
                                "log.retention.minutes=30\n"  // over hours
                                "log.roll.hours=1\n"
                                "log.cleanup.policy=compact\n"
                                "message.max.bytes=2000000\n"
                                "log.message.timestamp.type=LogAppendTime\n"
                                "compression.type=lz4\n");
    ASSERT_TRUE(settings) << settings.error();
    const auto& defaults = settings->topic_defaults;
    EXPECT_EQ(defaults.at("retention.ms"), "1800000");
    EXPECT_EQ(defaults.at("segment.ms"), "3600000");
    EXPECT_EQ(defaults.at("cleanup.policy"), "compact");
    EXPECT_EQ(defaults.at("max.message.bytes"), "2000000");
    EXPECT_EQ(defaults.at("message.timestamp.type"), "LogAppendTime");
    EXPECT_EQ(defaults.at("compression.type"), "lz4");

    auto topic = resolve_topic_settings({}, &defaults);
    EXPECT_EQ(topic.retention_ms, 1800000);
    EXPECT_EQ(topic.cleanup, cleanup_policy::compact);
    EXPECT_EQ(topic.max_message_bytes, 2000000);
    EXPECT_TRUE(topic.log_append_time);
    EXPECT_EQ(topic.compression_type, "lz4");
    // A topic's own keys win over the broker's defaults.
    auto own = resolve_topic_settings({{"retention.ms", "5000"}, {"cleanup.policy", "delete"}},
                                      &defaults);
    EXPECT_EQ(own.retention_ms, 5000);
    EXPECT_EQ(own.cleanup, cleanup_policy::remove);

    auto ms_wins = settings_of("log.dirs=/tmp/d\nlog.retention.ms=1000\nlog.retention.hours=5\n");
    ASSERT_TRUE(ms_wins);
    EXPECT_EQ(ms_wins->topic_defaults.at("retention.ms"), "1000");
}

TEST(broker_config, negative_retention_in_hours_is_unlimited_as_in_kafka) {
    auto settings = settings_of("log.dirs=/tmp/d\nlog.retention.hours=-1\n");
    ASSERT_TRUE(settings) << settings.error();
    EXPECT_EQ(settings->topic_defaults.at("retention.ms"), "-1");
    EXPECT_EQ(resolve_topic_settings({}, &settings->topic_defaults).retention_ms, -1);
}

TEST(broker_config, set_broker_synonym_names_the_key_that_set_the_default) {
    auto values = parse_config(broker_config_schema(),
                               "log.dirs=/tmp/d\nlog.retention.minutes=30\n", "server.properties");
    ASSERT_TRUE(values);
    const auto* synonym = set_broker_synonym(*values, "retention.ms");
    ASSERT_NE(synonym, nullptr);
    EXPECT_EQ(synonym->name, "log.retention.minutes");
    EXPECT_EQ(set_broker_synonym(*values, "segment.bytes"), nullptr);
}

TEST(broker_config, dynamic_connection_limits_go_over_the_file) {
    broker_settings file;
    file.connections_max = 50;
    file.connections_per_ip_max = 10;
    const std::map<std::string, std::string> cluster{{"max.connections.per.ip", "4"},
                                                     {"log.retention.ms", "1000"}};
    const std::map<std::string, std::string> own{{"max.connections", "20"}};
    auto limits = effective_connection_limits(file, nullptr, nullptr);
    EXPECT_EQ(limits.total, 50);
    EXPECT_EQ(limits.per_ip, 10);
    limits = effective_connection_limits(file, &cluster, nullptr);
    EXPECT_EQ(limits.total, 50);
    EXPECT_EQ(limits.per_ip, 4);
    limits = effective_connection_limits(file, &cluster, &own);
    EXPECT_EQ(limits.total, 20);
    EXPECT_EQ(limits.per_ip, 4);
    const std::map<std::string, std::string> own_ip{{"max.connections.per.ip", "7"}};
    EXPECT_EQ(effective_connection_limits(file, &cluster, &own_ip).per_ip, 7);  // own wins
    EXPECT_TRUE(dynamic_broker_setting("max.connections"));
    EXPECT_FALSE(dynamic_broker_setting("num.io.threads"));
}

TEST(broker_config, no_connection_per_ip_is_refused_as_kafka_refuses_it) {
    // Kafka allows max.connections.per.ip=0 only with per-host overrides, which Laminar lacks.
    auto zero = settings_of("max.connections.per.ip=0\n");
    ASSERT_FALSE(zero);
    EXPECT_NE(zero.error().find("max.connections.per.ip.overrides"), std::string::npos);
    EXPECT_FALSE(validate_broker_value("max.connections.per.ip", "0"));
    EXPECT_TRUE(validate_broker_value("max.connections.per.ip", "1"));
    EXPECT_TRUE(validate_broker_value("max.connections", "0"));
    EXPECT_FALSE(validate_broker_value("max.connections", "-1"));
}

TEST(broker_config, idle_connections_close_after_kafkas_ten_minutes_unless_told_never) {
    auto defaults = settings_of("");
    ASSERT_TRUE(defaults) << defaults.error();
    EXPECT_EQ(defaults->connections_max_idle_ms, 600000);
    auto never = settings_of("connections.max.idle.ms=-1\n");
    ASSERT_TRUE(never) << never.error();
    EXPECT_EQ(never->connections_max_idle_ms, -1);
    auto negative = settings_of("connections.max.idle.ms=-2\n");  // any negative, as Kafka
    ASSERT_TRUE(negative) << negative.error();
    EXPECT_EQ(negative->connections_max_idle_ms, -2);
    EXPECT_FALSE(dynamic_broker_setting("connections.max.idle.ms"));  // read-only in Kafka too
}

}  // namespace
}  // namespace laminar::broker
