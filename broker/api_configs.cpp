#include "broker/api_configs.h"

#include <algorithm>

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

// The dynamic levels of broker key `broker_key`: this broker's own (unless `per_broker` is
// false) over the cluster-wide default.
void add_dynamic_levels(const shard_context& context, std::string_view broker_key,
                        bool per_broker, std::vector<level>& levels) {
    if (broker_key.empty()) return;
    auto add = [&](const std::string& resource, std::int8_t source) {
        const auto* set = context.metadata.broker_configs(resource);
        if (set == nullptr) return;
        auto found = set->find(std::string(broker_key));
        if (found == set->end()) return;
        levels.push_back(level{std::string(broker_key), found->second, found->second, source});
    };
    if (per_broker) add(std::to_string(context.settings->node_id), source_dynamic_broker);
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
    if (context.settings != nullptr) {
        add_dynamic_levels(context, dynamic_broker_key(key.name), true, levels);
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

kafka::describe_configs_resource_result entry_of(const config_key& key,
                                                 const std::vector<level>& levels,
                                                 const kafka::describe_configs_request& request,
                                                 bool read_only) {
    kafka::describe_configs_resource_result entry;
    entry.name = key.name;
    entry.value = levels.front().value;
    entry.config_source = levels.front().source;
    entry.is_default = entry.config_source == source_default;
    entry.read_only = read_only;
    entry.config_type = kafka_config_type(key);
    if (request.include_documentation) entry.documentation = key.doc;
    if (request.include_synonyms) {
        for (const auto& at : levels) entry.synonyms.push_back({at.name, at.raw, at.source});
    }
    return entry;
}

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
        result.configs.push_back(entry_of(key, topic_levels(context, *topic, key), request, false));
    }
}

// Broker "<node id>": every key, from its dynamic configs, file or default. Broker "": the
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
        const bool dynamic = dynamic_topic_synonym(entry.name) != nullptr;
        std::vector<level> levels;
        if (dynamic) add_dynamic_levels(context, entry.name, per_broker, levels);
        if (!per_broker && (levels.empty() || levels.front().source != source_dynamic_default)) {
            continue;
        }
        const auto value = format_config_value(entry.value);
        if (entry.source != config_source::default_value) {
            levels.push_back({entry.name, value, value, source_static_broker});
        }
        const auto fallback = format_config_value(key->default_value);
        levels.push_back({entry.name, fallback, fallback, source_default});
        result.configs.push_back(entry_of(*key, levels, request, !dynamic));
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
