#include "broker/api_topics.h"

#include <map>
#include <set>

#include "broker/api_configs.h"
#include "broker/api_metadata.h"
#include "broker/kafka_errors.h"
#include "broker/metadata_controller.h"
#include "broker/topic_config.h"
#include "broker/wire_uuid.h"
#include "core/cross_shard.h"

namespace laminar::broker {

namespace {

constexpr std::int32_t cluster_operations_all =
    (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);
// Config sources in DescribeConfigs and CreateTopics v5+.
constexpr std::int8_t source_dynamic_topic = 1;

template <typename Names>
std::set<std::string> duplicates_of(const Names& names) {
    std::set<std::string> seen;
    std::set<std::string> twice;
    for (const auto& name : names) {
        if (!seen.insert(name).second) twice.insert(name);
    }
    return twice;
}

// The effective configs of a new topic, as CreateTopics v5+ reports them: its own, else the
// broker's (topic_default: dynamic, file or Kafka's).
std::vector<kafka::creatable_topic_configs> effective_configs(
    const shard_context& context, const std::map<std::string, std::string>& set) {
    std::vector<kafka::creatable_topic_configs> configs;
    for (const auto& key : topic_config_schema().keys()) {
        if (!key.ignored_reason.empty()) continue;
        kafka::creatable_topic_configs config;
        config.name = key.name;
        auto explicit_value = set.find(key.name);
        if (explicit_value != set.end()) {
            config.value = explicit_value->second;
            config.config_source = source_dynamic_topic;
        } else {
            auto [value, source] = topic_default(context, key);
            config.value = std::move(value);
            config.config_source = source;
        }
        configs.push_back(std::move(config));
    }
    return configs;
}

// Runs a controller operation on the controller shard.
template <typename Operation>
auto on_controller(Operation& operation) {
    return submit_to(controller_shard, operation);
}

task<kafka::creatable_topic_result> create_one(const kafka::creatable_topic& topic,
                                               bool validate_only, std::int16_t version) {
    kafka::creatable_topic_result result;
    result.name = topic.name;
    std::map<std::string, std::string> configs;
    for (const auto& config : topic.configs) {
        if (!config.value) {
            result.error_code = code(kafka_error::invalid_config);
            result.error_message = "Null value not supported for topic configs: " + config.name;
            co_return result;
        }
        configs[config.name] = *config.value;
    }
    if (auto valid = validate_topic_configs(configs); !valid) {
        result.error_code = code(kafka_error::invalid_config);
        result.error_message = valid.error();
        co_return result;
    }
    ctl::create_topic_request request{topic.name, topic.num_partitions, topic.replication_factor,
                                      {}, configs};
    for (const auto& assignment : topic.assignments) {
        request.assignment[assignment.partition_index] = assignment.broker_ids;
    }
    auto create = [request, validate_only]() {
        return shard_context::current().controller->create_topic(request, validate_only);
    };
    auto created = co_await on_controller(create);
    if (!created) {
        result.error_code = code(to_kafka_error(created.error().code));
        result.error_message = created.error().message;
        co_return result;
    }
    result.topic_id = to_wire_uuid(*created);
    const auto& image = shard_context::current().metadata;
    if (const auto* made = image.find_topic(topic.name)) {
        result.num_partitions = static_cast<std::int32_t>(made->partitions.size());
        result.replication_factor =
            static_cast<std::int16_t>(made->partitions.front().replicas.size());
    } else {  // validate_only: report what would have been made
        result.num_partitions = topic.num_partitions;
        result.replication_factor = topic.replication_factor;
    }
    if (version >= 5) {
        result.configs = effective_configs(shard_context::current(), configs);
    }
    co_return result;
}

}  // namespace

task<kafka::create_topics_response> handle_create_topics(shard_context&,
                                                         const kafka::request_header& header,
                                                         kafka::create_topics_request request) {
    kafka::create_topics_response response;
    std::vector<std::string> names;
    for (const auto& topic : request.topics) names.push_back(topic.name);
    const auto repeated = duplicates_of(names);
    for (const auto& topic : request.topics) {
        if (repeated.contains(topic.name)) {
            kafka::creatable_topic_result result;
            result.name = topic.name;
            result.error_code = code(kafka_error::invalid_request);
            result.error_message =
                "Create topics request from client contains multiple entries for the topic";
            response.topics.push_back(std::move(result));
            continue;
        }
        response.topics.push_back(
            co_await create_one(topic, request.validate_only, header.api_version));
    }
    co_return response;
}

task<kafka::delete_topics_response> handle_delete_topics(shard_context& context,
                                                         const kafka::request_header& header,
                                                         kafka::delete_topics_request request) {
    kafka::delete_topics_response response;
    std::vector<kafka::delete_topic_state> wanted = std::move(request.topics);
    if (header.api_version < 6) {
        for (auto& name : request.topic_names) wanted.push_back({name, {}});
    }
    for (const auto& topic : wanted) {
        kafka::deletable_topic_result result;
        result.name = topic.name;
        result.topic_id = topic.topic_id;
        std::string name = topic.name.value_or("");
        if (!topic.name) {
            const auto* by_id = context.metadata.find_topic(from_wire_uuid(topic.topic_id));
            if (by_id == nullptr) {
                result.error_code = code(kafka_error::unknown_topic_id);
                result.error_message = "This server does not host this topic ID.";
                response.responses.push_back(std::move(result));
                continue;
            }
            name = by_id->name;
            result.name = name;
        }
        if (is_internal_topic(name) && context.metadata.find_topic(name) != nullptr) {
            // Kafka would delete it; like Redpanda's protected topics we refuse: the group and
            // transaction coordinators keep their state there and hold its logs open.
            result.error_code = code(kafka_error::topic_authorization_failed);
            result.error_message = "Internal topic " + name + " cannot be deleted.";
            response.responses.push_back(std::move(result));
            continue;
        }
        auto remove = [name]() {
            return shard_context::current().controller->delete_topic(name);
        };
        auto deleted = co_await on_controller(remove);
        if (!deleted) {
            result.error_code = code(to_kafka_error(deleted.error().code));
            result.error_message = deleted.error().message;
        } else {
            result.topic_id = to_wire_uuid(*deleted);
        }
        response.responses.push_back(std::move(result));
    }
    co_return response;
}

task<kafka::create_partitions_response> handle_create_partitions(
    shard_context&, const kafka::request_header&, kafka::create_partitions_request request) {
    kafka::create_partitions_response response;
    std::vector<std::string> names;
    for (const auto& topic : request.topics) names.push_back(topic.name);
    const auto repeated = duplicates_of(names);
    for (const auto& topic : request.topics) {
        kafka::create_partitions_topic_result result;
        result.name = topic.name;
        if (repeated.contains(topic.name)) {
            result.error_code = code(kafka_error::invalid_request);
            result.error_message = "Duplicate topic in request.";
            response.results.push_back(std::move(result));
            continue;
        }
        std::vector<std::vector<std::int32_t>> assignment;
        if (topic.assignments) {
            for (const auto& entry : *topic.assignments) assignment.push_back(entry.broker_ids);
        }
        auto grow = [name = topic.name, count = topic.count, assignment,
                     validate_only = request.validate_only]() {
            return shard_context::current().controller->create_partitions(name, count, assignment,
                                                                          validate_only);
        };
        auto grown = co_await on_controller(grow);
        if (!grown) {
            result.error_code = code(to_kafka_error(grown.error().code));
            result.error_message = grown.error().message;
        }
        response.results.push_back(std::move(result));
    }
    co_return response;
}

kafka::describe_cluster_response handle_describe_cluster(
    shard_context& context, const kafka::describe_cluster_request& request) {
    kafka::describe_cluster_response response;
    response.cluster_id = context.cluster_id;
    // In --dev the broker is its own controller, so both endpoint types name this node.
    response.endpoint_type = request.endpoint_type;
    response.controller_id = context.settings->node_id;
    for (const auto& [id, broker] : context.metadata.brokers()) {
        if (broker.endpoints.empty()) continue;
        const auto& endpoint = broker.endpoints.front();
        response.brokers.push_back(
            {id, endpoint.host, endpoint.port,
             broker.rack.empty() ? std::nullopt : std::optional<std::string>(broker.rack)});
    }
    if (request.include_cluster_authorized_operations) {
        response.cluster_authorized_operations = cluster_operations_all;
    }
    return response;
}

}  // namespace laminar::broker
