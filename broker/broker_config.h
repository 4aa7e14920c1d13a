// The broker's configuration keys, by Kafka's names where Kafka has the setting (listeners,
// log.dirs, num.partitions, socket.request.max.bytes, ...) and under laminar.* where the setting
// is ours (shards, CPU set, idle strategy). broker_settings is the typed snapshot the daemon reads
// once at start.
//
// @locality startup (main thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/reactor.h"
#include "net/socket.h"

namespace laminar::broker {

const config_schema& broker_config_schema();

// Broker keys besides the topic defaults (topic_config.h, dynamic_topic_synonym) that
// AlterConfigs may change while the broker runs: the connection limits, as Kafka's
// DynamicConnectionQuota (max.connections, max.connections.per.ip).
bool dynamic_broker_setting(std::string_view broker_key);

// Whether AlterConfigs may change broker key `broker_key` while the broker runs: a topic
// default (dynamic_topic_synonym) or a broker setting (dynamic_broker_setting).
bool reconfigurable_broker_key(std::string_view broker_key);

// Whether `value` is one broker key `name` takes (its type and range); the error says why not.
result<void, std::string> validate_broker_value(std::string_view name, const std::string& value);

struct listener {
    std::string name;  // "PLAINTEXT"
    net::endpoint address;
};

// The group coordinator's settings, by Kafka's names (offsets.*, group.*).
struct group_settings {
    std::int32_t offsets_partitions = 50;
    std::int16_t offsets_replication_factor = 1;
    std::uint64_t offsets_segment_bytes = 104857600;
    std::int64_t offsets_retention_minutes = 10080;
    std::int64_t offsets_retention_check_interval_ms = 600000;
    std::int64_t offset_metadata_max_bytes = 4096;
    std::int64_t group_min_session_timeout_ms = 6000;
    std::int64_t group_max_session_timeout_ms = 1800000;
    std::int64_t group_initial_rebalance_delay_ms = 3000;
    std::int64_t group_max_size = INT32_MAX;
};

// The transaction coordinators (Kafka's transaction.* keys and defaults).
struct txn_settings {
    std::int32_t state_log_partitions = 50;             // transaction.state.log.num.partitions
    std::int16_t state_log_replication_factor = 1;      // transaction.state.log.replication.factor
    std::uint64_t state_log_segment_bytes = 104857600;  // transaction.state.log.segment.bytes
    std::int64_t max_timeout_ms = 900000;               // transaction.max.timeout.ms
    std::int64_t transactional_id_expiration_ms = 604800000;
    std::int64_t abort_timed_out_interval_ms = 10000;
    std::int64_t remove_expired_interval_ms = 3600000;
    bool partition_verification = true;  // transaction.partition.verification.enable
};

// The per-shard log maintenance (retention, interval flushes, compaction), by Kafka's names.
struct log_maintenance_settings {
    std::int64_t retention_check_interval_ms = 300000;  // log.retention.check.interval.ms
    bool cleaner_enable = true;                         // log.cleaner.enable
    std::int64_t cleaner_backoff_ms = 15000;            // log.cleaner.backoff.ms
    // Bytes of inactive segments the cleaner reads per 100 ms tick on a shard
    // (laminar.log.cleaner.tick.bytes.max): bounds the cleaner's I/O share.
    std::uint64_t cleaner_tick_bytes_max = 8ull << 20;
    // laminar.log.recovery.checkpoint.interval.ms: how often a log's appends since its recovery
    // point are synced and the point moved, bounding recovery's scan after a crash (Kafka's
    // log.flush.offset.checkpoint.interval.ms only writes the points flushes reached; under
    // flush none ours also syncs). 0: off (only rolls and clean closes move it).
    std::int64_t recovery_checkpoint_interval_ms = 5000;
    // laminar.log.recovery.checkpoint.bytes: a log with more than this appended to its active
    // segment past its recovery point checkpoints at the next tick without waiting for the
    // interval, so the scan after a crash is bounded by bytes as well as time. 0: off.
    std::uint64_t recovery_checkpoint_bytes = 64ull << 20;
};

struct broker_settings {
    std::int32_t node_id = 1;
    std::vector<listener> listeners;
    std::vector<listener> advertised_listeners;
    std::string data_dir;
    std::int32_t num_partitions = 1;
    std::int16_t default_replication_factor = 1;
    bool auto_create_topics = true;
    std::size_t socket_request_bytes_max = 100 * 1024 * 1024;
    std::size_t connection_inflight_bytes_max = 0;
    bool connections_follow_partitions = true;  // laminar.connection.follow.partitions
    std::size_t fetch_copy_bytes_max = 64 * 1024;  // laminar.fetch.copy.bytes.max
    std::int64_t connections_max = INT32_MAX;      // max.connections (0: unbounded)
    std::int64_t connections_per_ip_max = INT32_MAX;  // max.connections.per.ip
    std::int64_t connections_max_idle_ms = 600000;    // connections.max.idle.ms (< 0: never)
    std::int64_t fetch_session_slots = 1000;          // max.incremental.fetch.session.cache.slots
    std::int64_t fetch_session_eviction_ms = 120000;  // min.incremental.fetch.session.eviction.ms
    std::int32_t quota_window_samples = 11;           // quota.window.num
    std::int64_t quota_window_ms = 1000;              // quota.window.size.seconds, in ms
    std::int64_t log_open_max = 0;  // laminar.log.open.max (0: from RLIMIT_NOFILE)
    std::optional<std::string> cpus;
    std::optional<unsigned> numa_node;
    std::optional<unsigned> shard_count;
    idle_strategy idle = idle_strategy::sleep;
    bool partitions_near_disk = true;  // laminar.partition.placement=numa
    std::chrono::microseconds spin_before_sleep{50};
    std::uint64_t inline_write_bytes_max = 262144;  // laminar.log.write.inline.bytes.max
    std::string log_level;
    group_settings groups;
    txn_settings transactions;
    log_maintenance_settings maintenance;
    // Topic keys the broker's log.* (and other synonym) keys set (topic_defaults_of).
    std::map<std::string, std::string> topic_defaults;
};

// The connection limits in force: this broker's dynamic configs (`dynamic_broker`) over the
// cluster-wide dynamic defaults (`dynamic_default`) over the file (`settings`); either map may
// be null.
struct connection_limits {
    std::int64_t total = INT32_MAX;
    std::int64_t per_ip = INT32_MAX;
};
connection_limits effective_connection_limits(
    const broker_settings& settings, const std::map<std::string, std::string>* dynamic_default,
    const std::map<std::string, std::string>* dynamic_broker);

// "PLAINTEXT://127.0.0.1:9092,INTERNAL://:9093": NAME://HOST:PORT items.
result<std::vector<listener>, std::string> parse_listeners(std::string_view text);

// The listeners the broker opens (or advertises): those not named in controller.listener.names,
// each of which must map to PLAINTEXT in listener.security.protocol.map ("NAME:PROTOCOL,...").
result<std::vector<listener>, std::string> broker_listeners(
    std::vector<listener> parsed, std::string_view protocol_map,
    const std::vector<std::string>& controller_names);

// Reads the typed settings; errors name the key and say what is wrong.
result<broker_settings, std::string> read_broker_settings(const config& values);

}  // namespace laminar::broker
