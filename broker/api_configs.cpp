#include "broker/api_configs.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker_config.h"
#include "broker/kafka_errors.h"
#include "broker/topic_config.h"

namespace laminar::broker {

namespace {

// Kafka's ConfigResource types and DescribeConfigs sources and types.
constexpr std::int8_t resource_topic = 2;
constexpr std::int8_t resource_broker = 4;
constexpr std::int8_t source_dynamic_topic = 1;
constexpr std::int8_t source_dynamic_broker = 2;
constexpr std::int8_t source_dynamic_default = 3;
constexpr std::int8_t source_static_broker = 4;
constexpr std::int8_t source_default = 5;

std::int8_t kafka_config_type(const config_key& key) {
    switch (key.type) {
    case config_type::boolean: return 1;                                // BOOLEAN
    case config_type::string:
    case config_type::enumeration: return 2;                            // STRING
    case config_type::int64:
    case config_type::duration:
    case config_type::size: return key.max <= INT32_MAX ? 3 : 5;        // INT or LONG
    case config_type::float64: return 6;                                // DOUBLE
    case config_type::list: return 7;                                   // LIST
    }
    return 0;
}

bool wanted(const kafka::describe_configs_resource& resource, const std::string& name) {
    if (!resource.configuration_keys || resource.configuration_keys->empty()) return true;
    const auto& keys = *resource.configuration_keys;
    return std::find(keys.begin(), keys.end(), name) != keys.end();
}

// One level a config's value can come from, as DescribeConfigs lists synonyms: `name` and
// `raw` as set at that level (a broker key and its value), `value` in the described key's unit.
struct level {
    std::string name;
    std::string value;
    std::string raw;
    std::int8_t source = source_default;
};

std::string_view dynamic_broker_key(std::string_view topic_key) {
    for (const auto& synonym : topic_key_synonyms()) {
        if (synonym.topic_key == topic_key) return synonym.broker_key;  // the first: scale 1
    }
    return {};
}

// The dynamic levels of broker key `name` (this broker's own, then the cluster-wide default),
// appended to `levels`.
void add_dynamic_levels(const shard_context& context, std::string_view name,
                        std::vector<level>& levels) {
    auto add = [&](const std::string& resource, std::int8_t source) {
        const auto* set = context.metadata.broker_configs(resource);
        if (set == nullptr) return;
        auto found = set->find(std::string(name));
        if (found == set->end()) return;
        levels.push_back(level{std::string(name), found->second, found->second, source});
    };
    if (context.settings != nullptr) {
        add(std::to_string(context.settings->node_id), source_dynamic_broker);
    }
    add("", source_dynamic_default);
}

// The levels of a topic key, highest precedence first: the topic's own value, the broker's
// dynamic configs, its file (through any synonym, in the topic key's unit), Kafka's default.
std::vector<level> topic_levels(const shard_context& context, const ctl::topic_state& topic,
                                const config_key& key) {
    std::vector<level> levels;
    if (auto set = topic.configs.find(key.name); set != topic.configs.end()) {
        levels.push_back({key.name, set->second, set->second, source_dynamic_topic});
    }
    if (context.settings != nullptr && !dynamic_broker_key(key.name).empty()) {
        add_dynamic_levels(context, dynamic_broker_key(key.name), levels);
    }
    if (context.broker_config != nullptr) {
        if (const auto* broker = set_broker_synonym(*context.broker_config, key.name)) {
            std::string value = format_config_value(broker->value);
            if (context.settings != nullptr) {
                auto found = context.settings->topic_defaults.find(key.name);
                if (found != context.settings->topic_defaults.end()) value = found->second;
            }
            levels.push_back(
                {broker->name, value, format_config_value(broker->value), source_static_broker});
        }
    }
    const auto fallback = format_config_value(key.default_value);
    levels.push_back({key.name, fallback, fallback, source_default});
    return levels;
}

// DynamicBrokerConfig.brokerConfigSynonyms: the broker keys that set the same thing, most
// precise first; any other key is its own only synonym. log.flush.interval.ms falls back on
// log.flush.scheduler.interval.ms, not the other way round.
std::vector<std::string_view> broker_synonyms(std::string_view broker_key) {
    if (broker_key == "log.flush.interval.ms") {
        return {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"};
    }
    static constexpr std::string_view groups[][3] = {
        {"log.roll.ms", "log.roll.hours", {}},
        {"log.roll.jitter.ms", "log.roll.jitter.hours", {}},
        {"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
    };
    for (const auto& group : groups) {
        if (std::find(std::begin(group), std::end(group), broker_key) == std::end(group)) continue;
        std::vector<std::string_view> names;
        for (auto name : group) {
            if (!name.empty()) names.push_back(name);
        }
        return names;
    }
    return {broker_key};
}

// A broker key's value as Kafka's compiled-in defaults hold it (its DEFAULT_CONFIG synonym), or
// nullopt where Kafka's default is null: log.retention.ms and .minutes, log.roll.ms,
// log.roll.jitter.ms and log.flush.interval.ms are unset unless configured (their coarser
// synonym decides). Laminar's schema gives those keys the value they come to instead.
std::optional<std::string> kafka_default_of(std::string_view broker_key) {
    static constexpr std::string_view unset[] = {"log.retention.ms", "log.retention.minutes",
                                                 "log.roll.ms", "log.roll.jitter.ms",
                                                 "log.flush.interval.ms"};
    if (std::find(std::begin(unset), std::end(unset), broker_key) != std::end(unset)) {
        return std::nullopt;
    }
    if (broker_key == "log.flush.scheduler.interval.ms") return std::to_string(INT64_MAX);
    const auto* key = broker_config_schema().find(broker_key);
    if (key == nullptr || !key->ignored_reason.empty()) return std::nullopt;
    return format_config_value(key->default_value);
}

// Broker key `name` as the file (or the command line) sets it, or nullptr.
const config_entry* set_entry(const config& broker, std::string_view name) {
    const auto* key = broker_config_schema().find(name);
    if (key == nullptr || !key->ignored_reason.empty()) return nullptr;
    const auto& entry = broker.entry(name);
    return entry.source == config_source::default_value ? nullptr : &entry;
}

// Kafka's ConfigHelper.configSynonyms for broker key `broker_key`: every synonym (its
// broker_synonyms) set at each level in turn, this broker's dynamic configs, the cluster-wide
// dynamic defaults, the file, then Kafka's defaults; then the list from the first entry named
// `broker_key` on. That last step is why a topic's retention.ms lists no synonym when only
// log.retention.hours (its default, 168) is there, and why its source is then DEFAULT_CONFIG.
std::vector<level> kafka_synonyms(const shard_context& context, std::string_view broker_key) {
    const auto names = broker_synonyms(broker_key);
    std::vector<level> levels;
    for (auto name : names) add_dynamic_levels(context, name, levels);
    // add_dynamic_levels gives one name's levels in turn; Kafka lists each level's names in turn.
    std::stable_sort(levels.begin(), levels.end(),
                     [](const level& a, const level& b) { return a.source < b.source; });
    if (context.broker_config != nullptr) {
        for (auto name : names) {
            if (const auto* entry = set_entry(*context.broker_config, name)) {
                const auto value = format_config_value(entry->value);
                levels.push_back({std::string(name), value, value, source_static_broker});
            }
        }
    }
    for (auto name : names) {
        if (auto value = kafka_default_of(name)) {
            levels.push_back({std::string(name), *value, *value, source_default});
        }
    }
    auto first = std::find_if(levels.begin(), levels.end(),
                              [&](const level& at) { return at.name == broker_key; });
    levels.erase(levels.begin(), first);
    return levels;
}

// One DescribeConfigs entry: its value, and its source from the first of its synonyms
// (DEFAULT_CONFIG when it has none), as Kafka's ConfigHelper gives them.
kafka::describe_configs_resource_result entry_of(const config_key& key,
                                                 std::optional<std::string> value,
                                                 const std::vector<level>& synonyms,
                                                 const kafka::describe_configs_request& request,
                                                 bool read_only) {
    kafka::describe_configs_resource_result entry;
    entry.name = key.name;
    entry.value = std::move(value);
    entry.config_source = synonyms.empty() ? source_default : synonyms.front().source;
    entry.is_default = entry.config_source == source_default;
    entry.read_only = read_only;
    entry.config_type = kafka_config_type(key);
    if (request.include_documentation) entry.documentation = key.doc;
    if (request.include_synonyms) {
        for (const auto& at : synonyms) entry.synonyms.push_back({at.name, at.raw, at.source});
    }
    return entry;
}

// A topic key's value is the one in force (the topic's own, else the broker's default through
// any synonym, in the topic key's unit); its synonyms are the topic's own value, then Kafka's
// configSynonyms of the key's broker key (kafka_synonyms).
void describe_topic(const shard_context& context, const kafka::describe_configs_request& request,
                    const kafka::describe_configs_resource& resource,
                    kafka::describe_configs_result& result) {
    const auto* topic = context.metadata.find_topic(resource.resource_name);
    if (topic == nullptr) {
        result.error_code = code(kafka_error::unknown_topic_or_partition);
        result.error_message = "Topic " + resource.resource_name + " does not exist";
        return;
    }
    for (const auto& key : topic_config_schema().keys()) {
        if (!key.ignored_reason.empty() || !wanted(resource, key.name)) continue;
        const auto broker_key = dynamic_broker_key(key.name);
        std::vector<level> synonyms;
        if (!broker_key.empty()) synonyms = kafka_synonyms(context, broker_key);
        if (auto set = topic->configs.find(key.name); set != topic->configs.end()) {
            synonyms.insert(synonyms.begin(),
                            level{key.name, set->second, set->second, source_dynamic_topic});
        }
        auto value = std::move(topic_levels(context, *topic, key).front().value);
        result.configs.push_back(entry_of(key, std::move(value), synonyms, request, false));
    }
}

// Broker "<node id>": every key, its own value at the highest level that sets it (null where
// Kafka's default is null and nothing sets it), with Kafka's synonyms. Broker "": the
// cluster-wide dynamic defaults only, as Kafka lists them.
void describe_broker(const shard_context& context, const kafka::describe_configs_request& request,
                     const kafka::describe_configs_resource& resource,
                     kafka::describe_configs_result& result) {
    const bool per_broker = !resource.resource_name.empty();
    if (per_broker && resource.resource_name != std::to_string(context.settings->node_id)) {
        result.error_code = code(kafka_error::invalid_request);
        result.error_message = "Unexpected broker id, expected " +
                               std::to_string(context.settings->node_id) + " or empty string";
        return;
    }
    for (const auto& entry : context.broker_config->entries()) {
        const auto* key = broker_config_schema().find(entry.name);
        if (key == nullptr || !key->ignored_reason.empty() || !wanted(resource, entry.name)) {
            continue;
        }
        auto synonyms = kafka_synonyms(context, entry.name);
        if (!per_broker) {
            std::erase_if(synonyms,
                          [](const level& at) { return at.source != source_dynamic_default; });
            if (synonyms.empty()) continue;
        }
        // kafka_synonyms starts at the first entry named after the key: its own value.
        std::optional<std::string> value;
        if (!synonyms.empty()) value = synonyms.front().raw;
        result.configs.push_back(entry_of(*key, std::move(value), synonyms, request,
                                          !reconfigurable_broker_key(entry.name)));
    }
}

}  // namespace

std::pair<std::string, std::int8_t> topic_default(const shard_context& context,
                                                  const config_key& key) {
    static const ctl::topic_state none;
    auto levels = topic_levels(context, none, key);
    return {std::move(levels.front().value), levels.front().source};
}

kafka::describe_configs_response handle_describe_configs(
    const shard_context& context, const kafka::request_header&,
    const kafka::describe_configs_request& request) {
    kafka::describe_configs_response response;
    for (const auto& resource : request.resources) {
        auto& result = response.results.emplace_back();
        result.resource_type = resource.resource_type;
        result.resource_name = resource.resource_name;
        if (resource.resource_type == resource_topic) {
            describe_topic(context, request, resource, result);
        } else if (resource.resource_type == resource_broker) {
            describe_broker(context, request, resource, result);
        } else {
            result.error_code = code(kafka_error::invalid_request);
            result.error_message = "Unsupported resource type";
        }
    }
    return response;
}

}  // namespace laminar::broker
