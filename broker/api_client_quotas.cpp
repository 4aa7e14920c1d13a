#include "broker/api_client_quotas.h"

#include "broker/kafka_errors.h"
#include "broker/metadata_controller.h"
#include "broker/shard_context.h"
#include "core/cross_shard.h"

namespace laminar::broker {

namespace {

std::vector<kafka::quota_entity_part> wire_entity(const ctl::quota_entity& entity) {
    std::vector<kafka::quota_entity_part> parts;
    for (const auto& [type, name] : entity) parts.push_back({type, name});
    return parts;
}

}  // namespace

kafka::describe_client_quotas_response handle_describe_client_quotas(
    const shard_context& context, const kafka::describe_client_quotas_request& request) {
    std::vector<ctl::quota_filter_component> components;
    for (const auto& component : request.components) {
        components.push_back({component.entity_type, component.match_type, component.match});
    }
    kafka::describe_client_quotas_response response;
    auto found = ctl::describe_client_quotas(context.metadata, components, request.strict);
    if (!found) {
        // Kafka's error response: the message, no entries at all.
        response.error_code = code(to_kafka_error(found.error().code));
        response.error_message = found.error().message;
        response.entries = std::nullopt;
        return response;
    }
    // Kafka's KRaft broker leaves the message at its generated default, "".
    response.error_message = std::string();
    auto& entries = response.entries.emplace();
    for (const auto& described : *found) {
        kafka::quota_entry entry;
        entry.entity = wire_entity(described.entity);
        for (const auto& [key, value] : described.values) entry.values.push_back({key, value});
        entries.push_back(std::move(entry));
    }
    return response;
}

task<kafka::alter_client_quotas_response> handle_alter_client_quotas(
    kafka::alter_client_quotas_request request) {
    std::vector<ctl::quota_alteration> alterations;
    for (auto& entry : request.entries) {
        ctl::quota_alteration alteration;
        for (auto& part : entry.entity) {
            alteration.entity.emplace_back(std::move(part.entity_type),
                                           std::move(part.entity_name));
        }
        for (auto& op : entry.ops) {
            alteration.ops.push_back({std::move(op.key), op.value, op.remove});
        }
        alterations.push_back(std::move(alteration));
    }
    kafka::alter_client_quotas_response response;
    if (alterations.empty()) co_return response;
    const bool validate_only = request.validate_only;
    auto change = [alterations = std::move(alterations), validate_only]() mutable {
        return shard_context::current().controller->alter_client_quotas(std::move(alterations),
                                                                        validate_only);
    };
    auto outcomes = co_await submit_to(controller_shard, change);
    for (const auto& outcome : outcomes) {
        kafka::quota_alteration_answer answer;
        answer.entity = wire_entity(outcome.entity);
        if (outcome.error) {
            answer.error_code = code(to_kafka_error(outcome.error->code));
            answer.error_message = outcome.error->message;
        }
        response.entries.push_back(std::move(answer));
    }
    co_return response;
}

}  // namespace laminar::broker
