// Topic configuration: Kafka's topic-level keys with Kafka's defaults and bounds, validated when a
// topic is created or altered (INVALID_CONFIG names the key and the problem), and the effective
// settings of a topic read from its explicitly set keys plus defaults.
//
// @locality any shard; the schema is immutable after first use.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "core/compression.h"
#include "core/config.h"
#include "ctl/metadata_image.h"

namespace laminar::broker {

const config_schema& topic_config_schema();

// Checks explicitly given keys and values; the error names the first bad key.
result<void, std::string> validate_topic_configs(const std::map<std::string, std::string>& set);

enum class cleanup_policy : std::uint8_t { remove = 1, compact = 2, compact_and_remove = 3 };

// The settings storage and the produce path read, resolved from a topic's configs.
struct topic_settings {
    cleanup_policy cleanup = cleanup_policy::remove;
    std::int64_t retention_ms = 604800000;
    std::int64_t retention_bytes = -1;
    std::int64_t segment_bytes = 1073741824;
    std::int64_t segment_ms = 604800000;
    std::int64_t delete_retention_ms = 86400000;
    double min_cleanable_dirty_ratio = 0.5;
    std::int64_t min_compaction_lag_ms = 0;
    std::int64_t max_compaction_lag_ms = INT64_MAX;
    std::int64_t max_message_bytes = 1048588;
    bool log_append_time = false;  // message.timestamp.type=LogAppendTime
    // The effective CreateTime bounds (message.timestamp.before/after.max.ms, else the
    // deprecated message.timestamp.difference.max.ms; INT64_MAX: unbounded).
    std::int64_t timestamp_before_max_ms = INT64_MAX;
    std::int64_t timestamp_after_max_ms = INT64_MAX;
    std::int32_t min_insync_replicas = 1;
    std::int64_t flush_messages = INT64_MAX;
    std::int64_t flush_ms = INT64_MAX;
    std::string compression_type = "producer";
};

// Effective settings from the explicitly set keys (already validated) over `defaults`, the
// broker's topic defaults (topic_defaults_of), when given.
topic_settings resolve_topic_settings(const std::map<std::string, std::string>& set,
                                      const std::map<std::string, std::string>* defaults = nullptr);

// A broker key that gives a topic key its default (Kafka's LogConfig synonyms: log.retention.hours
// for retention.ms, ...), in Kafka's precedence order per topic key. `scale` turns the broker
// value into the topic key's unit (hours and minutes to ms).
struct topic_key_synonym {
    std::string_view topic_key;
    std::string_view broker_key;
    std::int64_t scale = 1;
};
std::span<const topic_key_synonym> topic_key_synonyms();

// The broker keys that AlterConfigs may set on a broker resource while it runs, for topic
// defaults: each topic key's first synonym, in the topic key's unit (log.retention.ms; not
// log.retention.minutes or .hours), as Kafka's DynamicLogConfig.ReconfigurableConfigs. nullptr
// when `broker_key` is not one.
const topic_key_synonym* dynamic_topic_synonym(std::string_view broker_key);

// The topic defaults in force on a broker, in Kafka's precedence: its own dynamic configs
// (`dynamic_broker`, AlterConfigs on resource "<node id>") over the dynamic cluster-wide defaults
// (`dynamic_default`, resource "") over `static_defaults` (its file, topic_defaults_of). Dynamic
// keys that set no topic default are skipped; either map may be null.
std::map<std::string, std::string> effective_topic_defaults(
    const std::map<std::string, std::string>& static_defaults,
    const std::map<std::string, std::string>* dynamic_default,
    const std::map<std::string, std::string>* dynamic_broker);

// The topic defaults a broker config sets: for each topic key one of whose synonyms is set in
// `broker` (not left at its default), the first set synonym's value in the topic key's unit
// (a negative retention in hours or minutes is -1, unlimited, as in Kafka). The error names a
// broker key whose value the topic key cannot take.
result<std::map<std::string, std::string>, std::string> topic_defaults_of(const config& broker);

// The broker key that gives `topic_key` its default in `broker`: the first of its synonyms that
// is set (Kafka's STATIC_BROKER_CONFIG source), or nullptr.
const config_entry* set_broker_synonym(const config& broker, std::string_view topic_key);

// A shard's topic settings, resolved once per topic and set of configs instead of on every
// produce (resolving parses every key of the schema). An entry keeps the configs it was
// resolved from and is used while the topic has the same id and configs (a few string compares,
// none for a topic on defaults). The returned reference is valid until the next call. Entries
// of topics no longer in `image` are dropped once the cache holds more than
// stale_entries_max beyond the image's topics, so deleted topics do not accumulate.
// @locality owning shard.
class topic_settings_cache {
public:
    static constexpr std::size_t stale_entries_max = 64;

    // `defaults`: the broker's topic defaults; set_defaults again after they change (it drops
    // every entry).
    explicit topic_settings_cache(const std::map<std::string, std::string>* defaults = nullptr)
        : _defaults(defaults) {}
    void set_defaults(const std::map<std::string, std::string>* defaults) noexcept {
        _defaults = defaults;
        _entries.clear();
    }
    const topic_settings& of(const ctl::metadata_image& image, const ctl::topic_state& topic);
    std::uint64_t resolutions() const noexcept { return _resolutions; }
    std::size_t size() const noexcept { return _entries.size(); }

private:
    struct entry {
        ctl::uuid topic_id{};
        std::map<std::string, std::string> configs;
        topic_settings settings;
    };
    const std::map<std::string, std::string>* _defaults = nullptr;
    std::map<std::string, entry, std::less<>> _entries;
    std::uint64_t _resolutions = 0;
};

}  // namespace laminar::broker
