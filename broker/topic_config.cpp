#include "broker/topic_config.h"

#include <map>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace laminar::broker {

namespace {

using std::chrono::milliseconds;
constexpr std::int64_t long_max = INT64_MAX;
constexpr std::int64_t int_max = INT32_MAX;

config_schema make_schema() {
    config_schema schema;
    const milliseconds forever(long_max);
    schema
        .add_enum("cleanup.policy", "delete",
                  {"delete", "compact", "compact,delete", "delete,compact"},
                  "delete: drop old segments; compact: keep the latest record per key.")
        .add_enum("compression.type", "producer",
                  {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"},
                  "Codec stored batches use; producer keeps what the producer sent.")
        .add_duration("delete.retention.ms", milliseconds(86400000), milliseconds(0), forever,
                      "How long tombstones stay readable in a compacted topic.")
        .add_duration("file.delete.delay.ms", milliseconds(60000), milliseconds(0), forever,
                      "Delay before a deleted segment's files are removed.")
        .add_int64("flush.messages", long_max, 1, long_max,
                   "Force fdatasync after this many messages (1: every batch, group commit).")
        .add_duration("flush.ms", forever, milliseconds(0), forever,
                      "Force fdatasync when the oldest unflushed message is this old.")
        .add_int64("index.interval.bytes", 4096, 0, int_max,
                   "Bytes of log between offset index entries.")
        .add_duration("max.compaction.lag.ms", forever, milliseconds(1), forever,
                      "Longest a record may stay uncompacted.")
        .add_int64("max.message.bytes", 1048588, 0, int_max, "Largest record batch accepted.")
        .add_enum("message.timestamp.type", "CreateTime", {"CreateTime", "LogAppendTime"},
                  "Record timestamps: the producer's, or the broker's append time.")
        .add_duration("message.timestamp.difference.max.ms", forever, milliseconds(0), forever,
                      "Deprecated: largest allowed distance of a CreateTime from now.")
        .add_duration("message.timestamp.before.max.ms", forever, milliseconds(0), forever,
                      "Largest allowed age of a CreateTime timestamp.")
        .add_duration("message.timestamp.after.max.ms", forever, milliseconds(0), forever,
                      "Largest allowed distance of a CreateTime timestamp into the future.")
        .add_bool("message.downconversion.enable", true, "Accepted for compatibility.")
        .add_float64("min.cleanable.dirty.ratio", 0.5, 0.0, 1.0,
                     "Dirty share of a log that triggers compaction.")
        .add_duration("min.compaction.lag.ms", milliseconds(0), milliseconds(0), forever,
                      "Shortest a record stays uncompacted.")
        .add_int64("min.insync.replicas", 1, 1, int_max,
                   "Replicas that must acknowledge an acks=all write.")
        .add_bool("preallocate", false, "Accepted for compatibility (Laminar always preallocates).")
        .add_int64("retention.bytes", -1, -1, long_max,
                   "Largest size of a partition before old segments go; -1: no limit.")
        .add_duration("retention.ms", milliseconds(604800000), milliseconds(-1), forever,
                      "Oldest data kept; -1: forever.")
        .add_size("segment.bytes", 1073741824, 14, int_max, "Size at which a segment rolls.")
        .add_size("segment.index.bytes", 10485760, 4, int_max, "Size of an offset index file.")
        .add_duration("segment.jitter.ms", milliseconds(0), milliseconds(0), forever,
                      "Random jitter subtracted from segment.ms.")
        .add_duration("segment.ms", milliseconds(604800000), milliseconds(1), forever,
                      "Age at which a segment rolls.")
        .add_bool("unclean.leader.election.enable", false,
                  "Allow an out-of-sync replica to become leader (may lose data).")
        .add_bool("remote.storage.enable", false, "Tiered storage (not supported).")
        .add_duration("local.retention.ms", milliseconds(-2), milliseconds(-2), forever,
                      "Tiered storage (not supported).")
        .add_int64("local.retention.bytes", -2, -2, long_max, "Tiered storage (not supported).");
    return schema;
}

}  // namespace

const config_schema& topic_config_schema() {
    static const config_schema schema = make_schema();
    return schema;
}

result<void, std::string> validate_topic_configs(const std::map<std::string, std::string>& set) {
    std::vector<config_override> overrides;
    for (const auto& [key, value] : set) overrides.push_back({key, value, key});
    auto parsed = parse_config(topic_config_schema(), "", "(topic)", overrides);
    if (!parsed) {
        const auto& problem = parsed.error().problems.front();
        return fail(problem.message);
    }
    // As Kafka's LogConfig.validateValues: the lag bounds, after defaults, must be in order.
    const auto min_lag = parsed->get_duration("min.compaction.lag.ms").count();
    const auto max_lag = parsed->get_duration("max.compaction.lag.ms").count();
    if (min_lag > max_lag) {
        return fail(fmt::format("conflict topic config setting min.compaction.lag.ms ({}) > "
                                "max.compaction.lag.ms ({})",
                                min_lag, max_lag));
    }
    if (auto remote = set.find("remote.storage.enable");
        remote != set.end() && remote->second == "true") {
        return fail(std::string("remote.storage.enable: tiered storage is not supported"));
    }
    return {};
}

topic_settings resolve_topic_settings(const std::map<std::string, std::string>& set,
                                      const std::map<std::string, std::string>* defaults) {
    std::vector<config_override> overrides;
    if (defaults != nullptr) {
        for (const auto& [key, value] : *defaults) {
            if (!set.contains(key)) overrides.push_back({key, value, key});
        }
    }
    for (const auto& [key, value] : set) overrides.push_back({key, value, key});
    auto values = parse_config(topic_config_schema(), "", "(topic)", overrides);
    LAMINAR_ASSERT(values.has_value());  // validated before it was stored
    topic_settings settings;
    const auto& policy = values->get_string("cleanup.policy");
    settings.cleanup = policy == "delete"    ? cleanup_policy::remove
                       : policy == "compact" ? cleanup_policy::compact
                                             : cleanup_policy::compact_and_remove;
    settings.retention_ms = values->get_duration("retention.ms").count();
    settings.retention_bytes = values->get_int64("retention.bytes");
    settings.segment_bytes = values->get_size("segment.bytes");
    settings.segment_ms = values->get_duration("segment.ms").count();
    settings.delete_retention_ms = values->get_duration("delete.retention.ms").count();
    settings.min_cleanable_dirty_ratio = values->get_float64("min.cleanable.dirty.ratio");
    settings.min_compaction_lag_ms = values->get_duration("min.compaction.lag.ms").count();
    settings.max_compaction_lag_ms = values->get_duration("max.compaction.lag.ms").count();
    settings.max_message_bytes = values->get_int64("max.message.bytes");
    settings.log_append_time = values->get_string("message.timestamp.type") == "LogAppendTime";
    // Kafka 3.7's LogConfig: a bound left at Long.MAX_VALUE falls back to the deprecated key.
    const auto difference = values->get_duration("message.timestamp.difference.max.ms").count();
    const auto before = values->get_duration("message.timestamp.before.max.ms").count();
    const auto after = values->get_duration("message.timestamp.after.max.ms").count();
    settings.timestamp_before_max_ms = before == INT64_MAX ? difference : before;
    settings.timestamp_after_max_ms = after == INT64_MAX ? difference : after;
    settings.min_insync_replicas =
        static_cast<std::int32_t>(values->get_int64("min.insync.replicas"));
    settings.flush_messages = values->get_int64("flush.messages");
    settings.flush_ms = values->get_duration("flush.ms").count();
    settings.compression_type = values->get_string("compression.type");
    return settings;
}

std::span<const topic_key_synonym> topic_key_synonyms() {
    constexpr std::int64_t minute = 60'000, hour = 60 * minute;
    static constexpr topic_key_synonym synonyms[] = {
        {"cleanup.policy", "log.cleanup.policy"},
        {"compression.type", "compression.type"},
        {"delete.retention.ms", "log.cleaner.delete.retention.ms"},
        {"file.delete.delay.ms", "log.segment.delete.delay.ms"},
        {"flush.messages", "log.flush.interval.messages"},
        {"flush.ms", "log.flush.interval.ms"},
        {"index.interval.bytes", "log.index.interval.bytes"},
        {"max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms"},
        {"max.message.bytes", "message.max.bytes"},
        {"message.downconversion.enable", "log.message.downconversion.enable"},
        {"message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms"},
        {"message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms"},
        {"message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms"},
        {"message.timestamp.type", "log.message.timestamp.type"},
        {"min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio"},
        {"min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms"},
        {"min.insync.replicas", "min.insync.replicas"},
        {"preallocate", "log.preallocate"},
        {"retention.bytes", "log.retention.bytes"},
        {"retention.ms", "log.retention.ms"},
        {"retention.ms", "log.retention.minutes", minute},
        {"retention.ms", "log.retention.hours", hour},
        {"segment.bytes", "log.segment.bytes"},
        {"segment.index.bytes", "log.index.size.max.bytes"},
        {"segment.jitter.ms", "log.roll.jitter.ms"},
        {"segment.jitter.ms", "log.roll.jitter.hours", hour},
        {"segment.ms", "log.roll.ms"},
        {"segment.ms", "log.roll.hours", hour},
        {"unclean.leader.election.enable", "unclean.leader.election.enable"},
    };
    return synonyms;
}

result<std::map<std::string, std::string>, std::string> topic_defaults_of(const config& broker) {
    std::map<std::string, std::string> defaults;
    for (const auto& synonym : topic_key_synonyms()) {
        const std::string topic_key(synonym.topic_key);
        if (defaults.contains(topic_key)) continue;  // a synonym before this one is set
        const auto& entry = broker.entry(synonym.broker_key);
        if (entry.source == config_source::default_value) continue;
        std::string value = format_config_value(entry.value);
        if (synonym.scale != 1) {
            // KafkaConfig: minutes and hours scale to ms; a negative retention is unlimited.
            const auto scaled = std::get<std::int64_t>(entry.value) * synonym.scale;
            value = std::to_string(scaled < 0 && topic_key == "retention.ms" ? -1 : scaled);
        }
        auto checked = validate_topic_configs({{topic_key, value}});
        if (!checked) {
            return fail(fmt::format("{}: not a valid default for the topic key {}: {}",
                                    synonym.broker_key, topic_key, checked.error()));
        }
        defaults.emplace(topic_key, std::move(value));
    }
    return defaults;
}

const topic_key_synonym* dynamic_topic_synonym(std::string_view broker_key) {
    for (const auto& synonym : topic_key_synonyms()) {
        if (synonym.broker_key == broker_key) return synonym.scale == 1 ? &synonym : nullptr;
    }
    return nullptr;
}

std::map<std::string, std::string> effective_topic_defaults(
    const std::map<std::string, std::string>& static_defaults,
    const std::map<std::string, std::string>* dynamic_default,
    const std::map<std::string, std::string>* dynamic_broker) {
    auto defaults = static_defaults;
    for (const auto* layer : {dynamic_default, dynamic_broker}) {
        if (layer == nullptr) continue;
        for (const auto& [broker_key, value] : *layer) {
            if (const auto* synonym = dynamic_topic_synonym(broker_key)) {
                defaults[std::string(synonym->topic_key)] = value;
            }
        }
    }
    return defaults;
}

const config_entry* set_broker_synonym(const config& broker, std::string_view topic_key) {
    for (const auto& synonym : topic_key_synonyms()) {
        if (synonym.topic_key != topic_key) continue;
        const auto& entry = broker.entry(synonym.broker_key);
        if (entry.source != config_source::default_value) return &entry;
    }
    return nullptr;
}

const topic_settings& topic_settings_cache::of(const ctl::metadata_image& image,
                                              const ctl::topic_state& topic) {
    auto found = _entries.find(std::string_view(topic.name));
    if (found != _entries.end() && found->second.topic_id == topic.topic_id &&
        found->second.configs == topic.configs) {
        return found->second.settings;
    }
    if (found == _entries.end()) {
        if (_entries.size() >= image.topics().size() + stale_entries_max) {
            std::erase_if(_entries, [&](const auto& kept) {
                const ctl::topic_state* now = image.find_topic(kept.first);
                return now == nullptr || now->topic_id != kept.second.topic_id;
            });
        }
        found = _entries.emplace(topic.name, entry{}).first;
    }
    ++_resolutions;
    found->second.topic_id = topic.topic_id;
    found->second.configs = topic.configs;
    found->second.settings = resolve_topic_settings(topic.configs, _defaults);
    return found->second.settings;
}

}  // namespace laminar::broker
