#include "broker/api_alter_configs.h"

#include <set>
#include <utility>

#include "broker/config_alter.h"
#include "broker/kafka_errors.h"
#include "broker/metadata_controller.h"
#include "core/cross_shard.h"

namespace laminar::broker {

namespace {

// Kafka's ConfigResource types.
constexpr std::int8_t resource_topic = 2;
constexpr std::int8_t resource_broker = 4;

void set_error(kafka::alter_configs_resource_response& answer, const ctl::command_error& error) {
    answer.error_code = code(to_kafka_error(error.code));
    answer.error_message = error.message;
}

// Broker resources: the name must be this broker's id or empty (the cluster-wide defaults);
// false when it is answered.
template <typename Resource>
bool check_broker_name(const shard_context& context, const Resource& resource,
                       kafka::alter_configs_resource_response& answer) {
    const auto node = std::to_string(context.settings->node_id);
    if (!resource.resource_name.empty() && resource.resource_name != node) {
        answer.error_code = code(kafka_error::invalid_request);
        answer.error_message = "Unexpected broker id, expected " + node + " or empty string, but "
                               "received " + resource.resource_name;
        return false;
    }
    return true;
}

// Runs `rewrite` against the resource's current configs (a topic's, or a broker resource's
// dynamic ones) on the controller and commits the result.
task<void> rewrite_configs(std::int8_t type, std::string name,
                           metadata_controller::config_rewrite rewrite, bool validate_only,
                           kafka::alter_configs_resource_response& answer) {
    auto change = [type, name = std::move(name), rewrite = std::move(rewrite), validate_only]() {
        auto& controller = *shard_context::current().controller;
        return type == resource_broker
                   ? controller.rewrite_broker_configs(name, rewrite, validate_only)
                   : controller.rewrite_topic_configs(name, rewrite, validate_only);
    };
    auto changed = co_await submit_to(controller_shard, change);
    if (!changed) set_error(answer, changed.error());
}

// The names of resources named more than once: Kafka refuses every copy.
template <typename Resources>
std::set<std::pair<std::int8_t, std::string>> repeated_resources(const Resources& resources) {
    std::set<std::pair<std::int8_t, std::string>> seen;
    std::set<std::pair<std::int8_t, std::string>> twice;
    for (const auto& resource : resources) {
        if (!seen.insert({resource.resource_type, resource.resource_name}).second) {
            twice.insert({resource.resource_type, resource.resource_name});
        }
    }
    return twice;
}

// The answer's identity and the checks every resource gets first; false when it is answered.
template <typename Resource, typename Repeated>
bool start_answer(const Resource& resource, const Repeated& repeated,
                  kafka::alter_configs_resource_response& answer) {
    answer.resource_type = resource.resource_type;
    answer.resource_name = resource.resource_name;
    if (repeated.contains({resource.resource_type, resource.resource_name})) {
        answer.error_code = code(kafka_error::invalid_request);
        answer.error_message = "Error due to duplicate resources in the request";
        return false;
    }
    if (resource.resource_type != resource_topic && resource.resource_type != resource_broker) {
        answer.error_code = code(kafka_error::invalid_request);
        answer.error_message = "Unsupported resource type " +
                               std::to_string(resource.resource_type);
        return false;
    }
    return true;
}

}  // namespace

task<kafka::alter_configs_response> handle_alter_configs(shard_context& context,
                                                         const kafka::request_header&,
                                                         kafka::alter_configs_request request) {
    kafka::alter_configs_response response;
    const auto repeated = repeated_resources(request.resources);
    for (const auto& resource : request.resources) {
        auto& answer = response.responses.emplace_back();
        if (!start_answer(resource, repeated, answer)) continue;
        const bool broker = resource.resource_type == resource_broker;
        if (broker && !check_broker_name(context, resource, answer)) continue;
        auto wanted = broker ? replaced_broker_configs(resource.configs)
                             : replaced_topic_configs(resource.configs);
        if (!wanted) {
            set_error(answer, wanted.error());
            continue;
        }
        metadata_controller::config_rewrite rewrite =
            [wanted = std::move(*wanted)](const topic_configs&) {
                return ctl::command_result<topic_configs>(wanted);
            };
        co_await rewrite_configs(resource.resource_type, resource.resource_name,
                                 std::move(rewrite), request.validate_only, answer);
    }
    co_return response;
}

task<kafka::incremental_alter_configs_response> handle_incremental_alter_configs(
    shard_context& context, const kafka::request_header&,
    kafka::incremental_alter_configs_request request) {
    kafka::incremental_alter_configs_response response;
    const auto repeated = repeated_resources(request.resources);
    for (auto& resource : request.resources) {
        auto& answer = response.responses.emplace_back();
        if (!start_answer(resource, repeated, answer)) continue;
        if (auto checked = check_incremental_configs(resource.configs); !checked) {
            set_error(answer, checked.error());
            continue;
        }
        const bool broker = resource.resource_type == resource_broker;
        if (broker && !check_broker_name(context, resource, answer)) continue;
        metadata_controller::config_rewrite rewrite =
            [broker, configs = std::move(resource.configs)](const topic_configs& current) {
                return broker ? incremented_broker_configs(current, configs)
                              : incremented_topic_configs(current, configs);
            };
        co_await rewrite_configs(resource.resource_type, resource.resource_name,
                                 std::move(rewrite), request.validate_only, answer);
    }
    co_return response;
}

}  // namespace laminar::broker
