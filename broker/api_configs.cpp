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

// The broker key that sets a topic key's default (Kafka lists it as a STATIC_BROKER_CONFIG
// synonym), or nullptr.
const config_entry* broker_synonym(const shard_context& context, std::string_view topic_key) {
    if (context.broker_config == nullptr) return nullptr;
    return set_broker_synonym(*context.broker_config, topic_key);
}

// The topic key's value that the broker key sets: the broker's value in the topic key's unit.
std::string broker_default(const shard_context& context, const config_key& key,
                           const config_entry& broker) {
    if (context.settings != nullptr) {
        auto found = context.settings->topic_defaults.find(key.name);
        if (found != context.settings->topic_defaults.end()) return found->second;
    }
    return format_config_value(broker.value);
}

kafka::describe_configs_resource_result entry_of(const config_key& key,
                                                 std::optional<std::string> value,
                                                 std::int8_t source,
                                                 const kafka::describe_configs_request& request,
                                                 const config_entry* broker = nullptr) {
    kafka::describe_configs_resource_result entry;
    entry.name = key.name;
    entry.value = value;
    entry.is_default = source == source_default;
    entry.config_source = source;
    entry.config_type = kafka_config_type(key);
    if (request.include_documentation) entry.documentation = key.doc;
    if (request.include_synonyms) {
        if (source != source_static_broker) {
            entry.synonyms.push_back({key.name, std::move(value), source});
        }
        if (broker != nullptr) {
            entry.synonyms.push_back(
                {broker->name, format_config_value(broker->value), source_static_broker});
        }
        if (source != source_default) {
            entry.synonyms.push_back(
                {key.name, format_config_value(key.default_value), source_default});
        }
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
        auto set = topic->configs.find(key.name);
        const auto* broker = broker_synonym(context, key.name);
        if (set != topic->configs.end()) {
            result.configs.push_back(
                entry_of(key, set->second, source_dynamic_topic, request, broker));
        } else if (broker != nullptr) {
            result.configs.push_back(entry_of(key, broker_default(context, key, *broker),
                                              source_static_broker, request, broker));
        } else {
            result.configs.push_back(entry_of(key, format_config_value(key.default_value),
                                              source_default, request));
        }
    }
}

void describe_broker(const shard_context& context, const kafka::describe_configs_request& request,
                     const kafka::describe_configs_resource& resource,
                     kafka::describe_configs_result& result) {
    if (resource.resource_name != std::to_string(context.settings->node_id)) {
        result.error_code = code(kafka_error::invalid_request);
        result.error_message = "Unexpected broker id, expected " +
                               std::to_string(context.settings->node_id);
        return;
    }
    for (const auto& entry : context.broker_config->entries()) {
        const auto* key = broker_config_schema().find(entry.name);
        if (key == nullptr || !key->ignored_reason.empty() || !wanted(resource, entry.name)) {
            continue;
        }
        const auto source = entry.source == config_source::default_value ? source_default
                                                                           : source_static_broker;
        result.configs.push_back(
            entry_of(*key, format_config_value(entry.value), source, request));
    }
}

}  // namespace

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
