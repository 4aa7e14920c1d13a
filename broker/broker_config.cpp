#include "broker/broker_config.h"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "broker/topic_config.h"

namespace laminar::broker {

namespace {

using std::chrono::milliseconds;

// KafkaConfig.validateValues: zero only with per-host overrides, which Laminar does not have.
constexpr std::string_view per_ip_zero_refusal =
    "max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides "
    "property is set.";

// Kafka's broker keys that set topic defaults (topic_config.h, topic_key_synonyms), with
// Kafka's defaults and ranges. Keys Kafka leaves unset by default (log.retention.ms, ...) show
// the value they come to.
void add_topic_defaults(config_schema& schema) {
    const auto int32_max = std::int64_t{INT32_MAX};
    schema
        .add_enum("log.cleanup.policy", "delete",
                  {"delete", "compact", "compact,delete", "delete,compact"},
                  "cleanup.policy of topics without their own.")
        .add_int64("log.cleaner.delete.retention.ms", 86400000, 0, INT64_MAX,
                   "delete.retention.ms of topics without their own.")
        .add_int64("log.segment.delete.delay.ms", 60000, 0, INT64_MAX,
                   "file.delete.delay.ms of topics without their own.")
        .add_int64("log.flush.interval.messages", INT64_MAX, 1, INT64_MAX,
                   "flush.messages of topics without their own.")
        .add_int64("log.flush.interval.ms", INT64_MAX, 0, INT64_MAX,
                   "flush.ms of topics without their own.")
        .add_int64("log.index.interval.bytes", 4096, 0, int32_max,
                   "index.interval.bytes of topics without their own.")
        .add_int64("log.cleaner.max.compaction.lag.ms", INT64_MAX, 1, INT64_MAX,
                   "max.compaction.lag.ms of topics without their own.")
        .add_int64("message.max.bytes", 1048588, 0, int32_max,
                   "max.message.bytes of topics without their own.")
        .add_bool("log.message.downconversion.enable", true,
                  "message.downconversion.enable of topics without their own.")
        .add_int64("log.message.timestamp.after.max.ms", INT64_MAX, 0, INT64_MAX,
                   "message.timestamp.after.max.ms of topics without their own.")
        .add_int64("log.message.timestamp.before.max.ms", INT64_MAX, 0, INT64_MAX,
                   "message.timestamp.before.max.ms of topics without their own.")
        .add_int64("log.message.timestamp.difference.max.ms", INT64_MAX, 0, INT64_MAX,
                   "message.timestamp.difference.max.ms of topics without their own.")
        .add_enum("log.message.timestamp.type", "CreateTime", {"CreateTime", "LogAppendTime"},
                  "message.timestamp.type of topics without their own.")
        .add_float64("log.cleaner.min.cleanable.ratio", 0.5, 0.0, 1.0,
                     "min.cleanable.dirty.ratio of topics without their own.")
        .add_int64("log.cleaner.min.compaction.lag.ms", 0, 0, INT64_MAX,
                   "min.compaction.lag.ms of topics without their own.")
        .add_int64("min.insync.replicas", 1, 1, int32_max,
                   "min.insync.replicas of topics without their own.")
        .add_bool("log.preallocate", false, "preallocate of topics without their own.")
        .add_int64("log.retention.bytes", -1, -1, INT64_MAX,
                   "retention.bytes of topics without their own.")
        .add_int64("log.retention.ms", 604800000, -1, INT64_MAX,
                   "retention.ms of topics without their own; over log.retention.minutes.")
        .add_int64("log.retention.minutes", 10080, -1, int32_max,
                   "retention.ms (in minutes) of topics without their own; over "
                   "log.retention.hours.")
        .add_int64("log.retention.hours", 168, -1, int32_max,
                   "retention.ms (in hours) of topics without their own.")
        .add_int64("log.segment.bytes", 1073741824, 14, int32_max,
                   "segment.bytes of topics without their own.")
        .add_int64("log.roll.ms", 604800000, 1, INT64_MAX,
                   "segment.ms of topics without their own; over log.roll.hours.")
        .add_int64("log.roll.hours", 168, 1, int32_max,
                   "segment.ms (in hours) of topics without their own.")
        .add_int64("log.index.size.max.bytes", 10485760, 4, int32_max,
                   "segment.index.bytes of topics without their own.")
        .add_int64("log.roll.jitter.ms", 0, 0, INT64_MAX,
                   "segment.jitter.ms of topics without their own; over log.roll.jitter.hours.")
        .add_int64("log.roll.jitter.hours", 0, 0, int32_max,
                   "segment.jitter.ms (in hours) of topics without their own.")
        .add_bool("unclean.leader.election.enable", false,
                  "unclean.leader.election.enable of topics without their own.");
}

config_schema make_schema() {
    config_schema schema;
    const auto int32_max = std::int64_t{INT32_MAX};
    schema.add_int64("node.id", 1, 0, int32_max, "This broker's id in the cluster.")
        .add_string("listeners", "PLAINTEXT://127.0.0.1:9092",
                    "Comma-separated NAME://HOST:PORT addresses the broker listens on.")
        .add_string("advertised.listeners", "",
                    "Addresses given to clients in Metadata; empty: the listeners.")
        .add_list("log.dirs", {"./laminar-data"}, "Directory holding the partition logs.")
        .add_int64("num.partitions", 1, 1, 100000, "Partitions of an auto-created topic.")
        .add_int64("quota.window.num", 11, 1, INT32_MAX,
                   "The number of samples to retain in memory for client quotas.")
        .add_int64("quota.window.size.seconds", 1, 1, INT32_MAX,
                   "The time span of each sample for client quotas.")
        .add_int64("default.replication.factor", 1, 1, 32767,
                   "Replication factor of an auto-created topic.")
        .add_bool("auto.create.topics.enable", true,
                  "Create a topic when a client asks for metadata of or produces to it.")
        .add_size("socket.request.max.bytes", 104857600, 1024, int32_max,
                  "Largest request frame accepted; larger frames close the connection.")
        .add_int64("max.connections", int32_max, 0, int32_max,
                   "Connections open at once across all shards (more wait in the listen "
                   "backlog until one closes); 0: unbounded. Dynamic (AlterConfigs).")
        .add_int64("max.connections.per.ip", int32_max, 0, int32_max,
                   "Connections open at once from one host; more are closed at once. Not 0 "
                   "(Kafka allows it only with max.connections.per.ip.overrides). Dynamic "
                   "(AlterConfigs).")
        .add_int64("connections.max.idle.ms", 600000, INT64_MIN, INT64_MAX,
                   "A connection waiting for its next request that receives nothing for this "
                   "long is closed (a request being handled never counts as idle); negative: "
                   "never.")
        .add_size("laminar.connection.inflight.bytes.max", 0, 0, int32_max,
                  "Request bytes a shard holds in flight before it stops reading sockets; "
                  "0: 4 x socket.request.max.bytes.")
        .add_bool("laminar.connection.follow.partitions", true,
                  "Hand a connection over to the shard that owns the partitions its last 3 "
                  "Produce or Fetch requests named (one other shard only), so its requests stop "
                  "crossing shards; a shard takes one while it has at most 8 connections more "
                  "than the sender.")
        .add_size("laminar.fetch.copy.bytes.max", 65536, 0, 64 << 20,
                  "A response whose record bytes total at most this is read from the page cache "
                  "and written with its headers in one send; larger ones are spliced from the "
                  "segment files (zero-copy). 0: always splice.")
        .add_enum("compression.type", "producer",
                  {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"},
                  "Codec of stored batches for topics without their own compression.type; "
                  "producer keeps what the producer sent.")
        .add_int64("max.incremental.fetch.session.cache.slots", 1000, 0, int32_max,
                   "Incremental fetch sessions (KIP-227) the broker keeps, split over its shards.")
        .add_int64("min.incremental.fetch.session.eviction.ms", 120000, 0, int32_max,
                   "How long a fetch session is safe from eviction by a larger one, and unused "
                   "before any new one may evict it.")
        .add_string("laminar.cpus", "", "CPUs to run shards on, e.g. 0-3,8; empty: one per core.")
        .add_int64("laminar.numa.node", -1, -1, 4096, "Run shards on this NUMA node only; -1: all.")
        .add_int64("laminar.shards", 0, 0, 4096, "Number of shards; 0: one per chosen core.")
        .add_enum("laminar.partition.placement", "numa", {"numa", "all"},
                  "Which shards hold partitions: numa, those on the data disk's NUMA node "
                  "(every shard when the disk has no single node); all, every shard.")
        .add_enum("laminar.idle.strategy", "sleep", {"sleep", "backoff", "spin"},
                  "How an idle shard waits: sleep in the ring, spin then sleep, or busy-spin.")
        .add_duration("laminar.spin.before.sleep.ms", milliseconds(0), milliseconds(0),
                      milliseconds(10000),
                      "With backoff: how long to spin before sleeping (0 means 50 us).")
        .add_size("laminar.log.write.inline.bytes.max", 262144, 0, int32_max,
                  "Appends of at most this many bytes are copied into the page cache on the "
                  "shard's thread when the file system cannot say whether that would block "
                  "(ext4); larger ones, and all of them for 1 s after one took over 1 ms, go "
                  "through io_uring's worker threads. 0: always the workers.")
        .add_enum("laminar.log.level", "info", {"trace", "debug", "info", "warn", "error"},
                  "Least severe log level written.")
        .add_int64("offsets.topic.num.partitions", 50, 1, 1000,
                   "Partitions of __consumer_offsets (fixed once the topic exists).")
        .add_int64("offsets.topic.replication.factor", 1, 1, 32767,
                   "Replication factor of __consumer_offsets.")
        .add_size("offsets.topic.segment.bytes", 104857600, 1 << 20, int32_max,
                  "segment.bytes of __consumer_offsets.")
        .add_int64("offsets.retention.minutes", 10080, 1, int32_max,
                   "How long the committed offsets of an empty group are kept.")
        .add_int64("offsets.retention.check.interval.ms", 600000, 1, int32_max,
                   "How often expired offsets are looked for.")
        .add_int64("offset.metadata.max.bytes", 4096, 0, int32_max,
                   "Largest metadata string of a committed offset.")
        .add_int64("group.min.session.timeout.ms", 6000, 0, int32_max,
                   "Smallest session timeout a group member may ask for.")
        .add_int64("group.max.session.timeout.ms", 1800000, 0, int32_max,
                   "Largest session timeout a group member may ask for.")
        .add_int64("group.initial.rebalance.delay.ms", 3000, 0, int32_max,
                   "How long the first rebalance of an empty group waits for more members.")
        .add_int64("group.max.size", int32_max, 1, int32_max, "Most members a group may hold.")
        .add_int64("log.retention.check.interval.ms", 300000, 1, INT64_MAX,
                   "How often each shard removes segments past retention.ms/retention.bytes.")
        .add_bool("log.cleaner.enable", true,
                  "Compact the logs of topics with cleanup.policy compact.")
        .add_int64("log.cleaner.backoff.ms", 15000, 0, INT64_MAX,
                   "How long the cleaner waits before looking again when nothing is cleanable.")
        .add_size("laminar.log.cleaner.tick.bytes.max", 8 << 20, 4096, int32_max,
                  "Segment bytes the cleaner of a shard reads per 100 ms tick.")
        .add_int64("laminar.log.recovery.checkpoint.interval.ms", 5000, 0, INT64_MAX,
                   "How often each log with appends since its last recovery point syncs them "
                   "and moves the recovery point (bounds the scan after a crash); 0: only "
                   "rolls and clean shutdowns move it (the bytes trigger is off too).")
        .add_size("laminar.log.recovery.checkpoint.bytes", 64 << 20, 0, int32_max,
                  "Bytes a log may append past its recovery point before it syncs them and "
                  "moves the point without waiting for the interval; 0: the interval only. "
                  "Off when the interval is 0.")
        .add_int64("laminar.log.open.max", 0, 0, int32_max,
                   "Partition logs open at once, split over the shards: opening one more "
                   "closes the least recently used idle log cleanly (it reopens on demand, "
                   "scanning nothing); 0: half the descriptor limit (RLIMIT_NOFILE).")
        .add_list("controller.listener.names", {},
                  "Listeners (by name) of the KRaft controller: the broker does not open them "
                  "(Laminar's controller is laminar-ctld, or inside the broker with --dev).")
        .add_string("listener.security.protocol.map",
                    "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
                    "NAME:PROTOCOL pairs giving each listener name its security protocol; "
                    "only PLAINTEXT listeners are supported.")
        .add_ignored("broker.id", "use node.id")
        .add_ignored("zookeeper.connect", "Laminar has no ZooKeeper")
        .add_ignored("process.roles", "Laminar's controller runs in laminar-ctld or --dev")
        .add_ignored("controller.quorum.voters",
                     "Laminar's controller runs in laminar-ctld or --dev")
        .add_ignored("controller.quorum.bootstrap.servers",
                     "Laminar's controller runs in laminar-ctld or --dev")
        .add_ignored("inter.broker.listener.name",
                     "a single-node broker has no inter-broker traffic")
        .add_ignored("num.network.threads", "each shard serves its own connections")
        .add_ignored("num.io.threads", "each shard does its own I/O (io_uring)")
        .add_ignored("num.replica.fetchers", "a single-node broker fetches no replicas")
        .add_ignored("num.recovery.threads.per.data.dir", "each shard recovers its own logs")
        .add_ignored("socket.send.buffer.bytes", "the kernel's autotuned socket buffers are used")
        .add_ignored("socket.receive.buffer.bytes",
                     "the kernel's autotuned socket buffers are used")
        .add_int64("transaction.state.log.num.partitions", 50, 1, 1000,
                   "Partitions of __transaction_state (fixed once the topic exists).")
        .add_int64("transaction.state.log.replication.factor", 1, 1, 32767,
                   "Replication factor of __transaction_state.")
        .add_ignored("transaction.state.log.min.isr", "a single-node broker has one replica")
        .add_size("transaction.state.log.segment.bytes", 104857600, 1 << 20, int32_max,
                  "segment.bytes of __transaction_state.")
        .add_int64("transaction.max.timeout.ms", 900000, 1, int32_max,
                   "Largest transaction timeout a producer may ask for.")
        .add_int64("transactional.id.expiration.ms", 604800000, 1, int32_max,
                   "How long a transactional id without transactions is kept.")
        .add_int64("transaction.abort.timed.out.transaction.cleanup.interval.ms", 10000, 1,
                   int32_max, "How often transactions past their timeout are aborted.")
        .add_int64("transaction.remove.expired.transaction.cleanup.interval.ms", 3600000, 1,
                   int32_max, "How often expired transactional ids are removed.")
        .add_bool("transaction.partition.verification.enable", true,
                  "Before a transactional batch opens a transaction on a partition, ask the "
                  "coordinator whether the partition is in the producer's transaction.")
        .add_ignored("share.coordinator.state.topic.replication.factor",
                     "share groups are not supported")
        .add_ignored("share.coordinator.state.topic.min.isr", "share groups are not supported")
        .add_ignored("log.flush.scheduler.interval.ms", "each log checks its own flush.ms")
        .add_ignored("log.flush.offset.checkpoint.interval.ms",
                     "see laminar.log.recovery.checkpoint.interval.ms")
        .add_ignored("group.coordinator.rebalance.protocols",
                     "the classic group protocol is the one supported");
    add_topic_defaults(schema);
    return schema;
}

std::optional<unsigned> optional_unsigned(std::int64_t value, std::int64_t none) {
    if (value == none) return std::nullopt;
    return static_cast<unsigned>(value);
}

}  // namespace

const config_schema& broker_config_schema() {
    static const config_schema schema = make_schema();
    return schema;
}

result<std::vector<listener>, std::string> parse_listeners(std::string_view text) {
    std::vector<listener> parsed;
    while (!text.empty()) {
        const auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.empty()) continue;
        const auto scheme_end = item.find("://");
        if (scheme_end == std::string_view::npos || scheme_end == 0) {
            return fail(fmt::format("listener '{}' is not NAME://HOST:PORT", item));
        }
        auto address = net::parse_endpoint(item.substr(scheme_end + 3));
        if (!address) return fail(fmt::format("listener '{}' has no valid HOST:PORT", item));
        parsed.push_back({std::string(item.substr(0, scheme_end)), *address});
    }
    if (parsed.empty()) return fail(std::string("no listener given"));
    return parsed;
}

result<std::vector<listener>, std::string> broker_listeners(
    std::vector<listener> parsed, std::string_view protocol_map,
    const std::vector<std::string>& controller_names) {
    std::map<std::string, std::string, std::less<>> protocols;
    while (!protocol_map.empty()) {
        const auto comma = protocol_map.find(',');
        std::string_view pair = protocol_map.substr(0, comma);
        protocol_map = comma == std::string_view::npos ? std::string_view{}
                                                       : protocol_map.substr(comma + 1);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
        if (pair.empty()) continue;
        const auto colon = pair.find(':');
        if (colon == std::string_view::npos || colon == 0 || colon + 1 == pair.size()) {
            return fail(fmt::format("listener.security.protocol.map: '{}' is not NAME:PROTOCOL",
                                    pair));
        }
        protocols[std::string(pair.substr(0, colon))] = std::string(pair.substr(colon + 1));
    }
    std::erase_if(parsed, [&](const listener& entry) {
        return std::find(controller_names.begin(), controller_names.end(), entry.name) !=
               controller_names.end();
    });
    if (parsed.empty()) return fail(std::string("every listener is a controller listener"));
    for (const auto& entry : parsed) {
        auto protocol = protocols.find(entry.name);
        if (protocol == protocols.end()) {
            return fail(fmt::format("listener {} has no security protocol in "
                                    "listener.security.protocol.map",
                                    entry.name));
        }
        if (protocol->second != "PLAINTEXT") {
            return fail(fmt::format("listener {}: only PLAINTEXT is supported, not {}",
                                    entry.name, protocol->second));
        }
    }
    return parsed;
}

result<broker_settings, std::string> read_broker_settings(const config& values) {
    broker_settings settings;
    settings.node_id = static_cast<std::int32_t>(values.get_int64("node.id"));
    const auto& protocol_map = values.get_string("listener.security.protocol.map");
    const auto& controller_names = values.get_list("controller.listener.names");
    auto listeners = parse_listeners(values.get_string("listeners"));
    if (listeners) {
        listeners = broker_listeners(std::move(*listeners), protocol_map, controller_names);
    }
    if (!listeners) return fail("listeners: " + listeners.error());
    settings.listeners = std::move(*listeners);
    const auto& advertised = values.get_string("advertised.listeners");
    if (advertised.empty()) {
        settings.advertised_listeners = settings.listeners;
    } else {
        auto parsed = parse_listeners(advertised);
        if (parsed) parsed = broker_listeners(std::move(*parsed), protocol_map, controller_names);
        if (!parsed) return fail("advertised.listeners: " + parsed.error());
        settings.advertised_listeners = std::move(*parsed);
    }
    auto topic_defaults = topic_defaults_of(values);
    if (!topic_defaults) return fail(topic_defaults.error());
    settings.topic_defaults = std::move(*topic_defaults);
    const auto& dirs = values.get_list("log.dirs");
    if (dirs.size() != 1) return fail(std::string("log.dirs: give exactly one directory"));
    settings.data_dir = dirs.front();
    settings.num_partitions = static_cast<std::int32_t>(values.get_int64("num.partitions"));
    settings.quota_window_samples = static_cast<std::int32_t>(values.get_int64("quota.window.num"));
    settings.quota_window_ms = values.get_int64("quota.window.size.seconds") * 1000;
    settings.default_replication_factor =
        static_cast<std::int16_t>(values.get_int64("default.replication.factor"));
    settings.auto_create_topics = values.get_bool("auto.create.topics.enable");
    settings.connections_follow_partitions = values.get_bool("laminar.connection.follow.partitions");
    settings.socket_request_bytes_max =
        static_cast<std::size_t>(values.get_size("socket.request.max.bytes"));
    settings.fetch_copy_bytes_max =
        static_cast<std::size_t>(values.get_size("laminar.fetch.copy.bytes.max"));
    settings.connections_max = values.get_int64("max.connections");
    settings.connections_per_ip_max = values.get_int64("max.connections.per.ip");
    settings.connections_max_idle_ms = values.get_int64("connections.max.idle.ms");
    if (settings.connections_per_ip_max == 0) return fail(std::string(per_ip_zero_refusal));
    settings.fetch_session_slots = values.get_int64("max.incremental.fetch.session.cache.slots");
    settings.fetch_session_eviction_ms =
        values.get_int64("min.incremental.fetch.session.eviction.ms");
    settings.connection_inflight_bytes_max =
        static_cast<std::size_t>(values.get_size("laminar.connection.inflight.bytes.max"));
    if (settings.connection_inflight_bytes_max == 0) {
        settings.connection_inflight_bytes_max = 4 * settings.socket_request_bytes_max;
    }
    if (const auto& cpus = values.get_string("laminar.cpus"); !cpus.empty()) settings.cpus = cpus;
    settings.numa_node = optional_unsigned(values.get_int64("laminar.numa.node"), -1);
    settings.shard_count = optional_unsigned(values.get_int64("laminar.shards"), 0);
    settings.idle = *parse_idle_strategy(values.get_string("laminar.idle.strategy"));
    settings.partitions_near_disk = values.get_string("laminar.partition.placement") == "numa";
    const auto spin = values.get_duration("laminar.spin.before.sleep.ms");
    if (spin.count() > 0) settings.spin_before_sleep = spin;
    settings.inline_write_bytes_max =
        static_cast<std::uint64_t>(values.get_size("laminar.log.write.inline.bytes.max"));
    settings.log_level = values.get_string("laminar.log.level");
    auto& groups = settings.groups;
    groups.offsets_partitions =
        static_cast<std::int32_t>(values.get_int64("offsets.topic.num.partitions"));
    groups.offsets_replication_factor =
        static_cast<std::int16_t>(values.get_int64("offsets.topic.replication.factor"));
    groups.offsets_segment_bytes =
        static_cast<std::uint64_t>(values.get_size("offsets.topic.segment.bytes"));
    groups.offsets_retention_minutes = values.get_int64("offsets.retention.minutes");
    groups.offsets_retention_check_interval_ms =
        values.get_int64("offsets.retention.check.interval.ms");
    groups.offset_metadata_max_bytes = values.get_int64("offset.metadata.max.bytes");
    groups.group_min_session_timeout_ms = values.get_int64("group.min.session.timeout.ms");
    groups.group_max_session_timeout_ms = values.get_int64("group.max.session.timeout.ms");
    groups.group_initial_rebalance_delay_ms =
        values.get_int64("group.initial.rebalance.delay.ms");
    groups.group_max_size = values.get_int64("group.max.size");
    auto& transactions = settings.transactions;
    transactions.state_log_partitions =
        static_cast<std::int32_t>(values.get_int64("transaction.state.log.num.partitions"));
    transactions.state_log_replication_factor =
        static_cast<std::int16_t>(values.get_int64("transaction.state.log.replication.factor"));
    transactions.state_log_segment_bytes =
        static_cast<std::uint64_t>(values.get_size("transaction.state.log.segment.bytes"));
    transactions.max_timeout_ms = values.get_int64("transaction.max.timeout.ms");
    transactions.transactional_id_expiration_ms =
        values.get_int64("transactional.id.expiration.ms");
    transactions.abort_timed_out_interval_ms =
        values.get_int64("transaction.abort.timed.out.transaction.cleanup.interval.ms");
    transactions.remove_expired_interval_ms =
        values.get_int64("transaction.remove.expired.transaction.cleanup.interval.ms");
    transactions.partition_verification =
        values.get_bool("transaction.partition.verification.enable");
    auto& maintenance = settings.maintenance;
    maintenance.retention_check_interval_ms = values.get_int64("log.retention.check.interval.ms");
    maintenance.cleaner_enable = values.get_bool("log.cleaner.enable");
    maintenance.cleaner_backoff_ms = values.get_int64("log.cleaner.backoff.ms");
    maintenance.cleaner_tick_bytes_max =
        static_cast<std::uint64_t>(values.get_size("laminar.log.cleaner.tick.bytes.max"));
    maintenance.recovery_checkpoint_interval_ms =
        values.get_int64("laminar.log.recovery.checkpoint.interval.ms");
    maintenance.recovery_checkpoint_bytes =
        static_cast<std::uint64_t>(values.get_size("laminar.log.recovery.checkpoint.bytes"));
    settings.log_open_max = values.get_int64("laminar.log.open.max");
    return settings;
}

bool dynamic_broker_setting(std::string_view broker_key) {
    return broker_key == "max.connections" || broker_key == "max.connections.per.ip";
}

bool reconfigurable_broker_key(std::string_view broker_key) {
    return dynamic_topic_synonym(broker_key) != nullptr || dynamic_broker_setting(broker_key);
}

result<void, std::string> validate_broker_value(std::string_view name, const std::string& value) {
    const config_override change{std::string(name), value, "AlterConfigs"};
    auto parsed = parse_config(broker_config_schema(), "", "(dynamic)", {&change, 1});
    if (!parsed) return fail(parsed.error().problems.front().message);
    if (name == "max.connections.per.ip" && parsed->get_int64("max.connections.per.ip") == 0) {
        return fail(std::string(per_ip_zero_refusal));
    }
    return {};
}

connection_limits effective_connection_limits(
    const broker_settings& settings, const std::map<std::string, std::string>* dynamic_default,
    const std::map<std::string, std::string>* dynamic_broker) {
    connection_limits limits{settings.connections_max, settings.connections_per_ip_max};
    for (const auto* layer : {dynamic_default, dynamic_broker}) {
        if (layer == nullptr) continue;
        for (auto [key, field] : {std::pair{"max.connections", &limits.total},
                                  std::pair{"max.connections.per.ip", &limits.per_ip}}) {
            auto found = layer->find(key);
            if (found == layer->end()) continue;
            std::int64_t value = 0;
            const auto& text = found->second;
            // Checked by validate_broker_value when it was set; a value that does not parse
            // leaves the level below in force.
            if (std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc{}) {
                *field = value;
            }
        }
    }
    return limits;
}

}  // namespace laminar::broker
