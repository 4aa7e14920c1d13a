#include "broker/api_metadata.h"

#include "broker/kafka_errors.h"
#include "broker/kafka_handler.h"
#include "broker/metadata_controller.h"
#include "broker/wire_uuid.h"
#include "core/cross_shard.h"
#include "core/log.h"
#include "ctl/features.h"
#include "net/kafka/messages.h"

namespace laminar::broker {

namespace {

// With no authorizer, Kafka reports every operation a resource supports as allowed:
// topics READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS;
// the cluster CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS,
// IDEMPOTENT_WRITE.
constexpr std::int32_t topic_operations_all =
    (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);
constexpr std::int32_t cluster_operations_all =
    (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

kafka::metadata_response_topic describe_topic(const ctl::topic_state& topic,
                                              const ctl::metadata_image& image,
                                              bool with_operations) {
    kafka::metadata_response_topic out;
    out.name = topic.name;
    out.topic_id = to_wire_uuid(topic.topic_id);
    out.is_internal = is_internal_topic(topic.name);
    if (with_operations) out.topic_authorized_operations = topic_operations_all;
    for (const auto& partition : topic.partitions) {
        kafka::metadata_response_partition p;
        p.partition_index = partition.partition;
        p.leader_id = partition.leader;
        p.leader_epoch = partition.leader_epoch;
        p.replica_nodes = partition.replicas;
        p.isr_nodes = partition.isr;
        for (auto replica : partition.replicas) {
            if (image.find_broker(replica) == nullptr) p.offline_replicas.push_back(replica);
        }
        if (image.find_broker(partition.leader) == nullptr) {
            p.error_code = code(kafka_error::leader_not_available);
        }
        out.partitions.push_back(std::move(p));
    }
    return out;
}

kafka::metadata_response_topic topic_error(std::optional<std::string> name,
                                           const kafka::uuid& id, kafka_error error) {
    kafka::metadata_response_topic out;
    out.name = std::move(name);
    out.topic_id = id;
    out.error_code = code(error);
    out.is_internal = out.name && is_internal_topic(*out.name);
    return out;
}

// Creates `name` with the broker's defaults on the controller shard; the shard's copy of the
// metadata holds it once this returns successfully.
task<ctl::command_result<ctl::uuid>> auto_create(std::string name) {
    auto create = [name]() {
        ctl::create_topic_request request;
        request.name = name;
        return shard_context::current().controller->create_topic(std::move(request), false);
    };
    co_return co_await submit_to(controller_shard, create);
}

}  // namespace

bool is_internal_topic(std::string_view name) {
    return name == "__consumer_offsets" || name == "__transaction_state";
}

namespace {

// What the codec advertises, less what the broker does not serve yet.
kafka::api_versions_response served_api_versions() {
    auto response = kafka::make_api_versions_response();
    std::erase_if(response.api_keys,
                  [](const auto& entry) { return !broker_handles(entry.api_key); });
    return response;
}

}  // namespace

kafka::api_versions_response unsupported_api_versions() {
    // Encoded as v0, which has no features.
    kafka::api_versions_response response = served_api_versions();
    response.error_code = code(kafka_error::unsupported_version);
    return response;
}

kafka::api_versions_response handle_api_versions(const shard_context& context,
                                                 const kafka::api_versions_request&) {
    auto response = served_api_versions();
    for (const auto& feature : ctl::supported_features()) {
        response.supported_features.push_back(
            {std::string(feature.name), feature.min_level, feature.max_level});
    }
    // Kafka: the finalized levels (min = max = the level) and, as their epoch, the offset of the
    // last record of the metadata image.
    for (const auto& [name, level] : context.metadata.features()) {
        response.finalized_features.push_back({name, level, level});
    }
    const auto records = context.metadata.applied_records();
    if (records > 0) response.finalized_features_epoch = static_cast<std::int64_t>(records) - 1;
    return response;
}

task<kafka::metadata_response> handle_metadata(shard_context& context,
                                               const kafka::request_header& header,
                                               kafka::metadata_request request) {
    const auto& settings = *context.settings;
    kafka::metadata_response response;
    response.cluster_id = context.cluster_id;
    response.controller_id = settings.node_id;
    for (const auto& [id, broker] : context.metadata.brokers()) {
        if (broker.endpoints.empty()) continue;
        const auto& endpoint = broker.endpoints.front();
        response.brokers.push_back({id, endpoint.host, endpoint.port,
                                    broker.rack.empty() ? std::nullopt
                                                        : std::optional<std::string>(broker.rack)});
    }
    if (request.include_cluster_authorized_operations) {
        response.cluster_authorized_operations = cluster_operations_all;
    }
    const bool operations = request.include_topic_authorized_operations;
    // v0: an empty list means every topic; v1+: null means every topic.
    const bool all = !request.topics || (header.api_version == 0 && request.topics->empty());
    if (all) {
        for (const auto& [name, topic] : context.metadata.topics()) {
            response.topics.push_back(describe_topic(topic, context.metadata, operations));
        }
        co_return response;
    }
    const bool may_create = request.allow_auto_topic_creation && settings.auto_create_topics;
    for (const auto& wanted : *request.topics) {
        if (!wanted.name) {
            const auto* topic = context.metadata.find_topic(from_wire_uuid(wanted.topic_id));
            response.topics.push_back(
                topic ? describe_topic(*topic, context.metadata, operations)
                      : topic_error(std::nullopt, wanted.topic_id, kafka_error::unknown_topic_id));
            continue;
        }
        const std::string name = *wanted.name;
        if (auto valid = ctl::validate_topic_name(name); !valid) {
            response.topics.push_back(topic_error(name, {}, kafka_error::invalid_topic_exception));
            continue;
        }
        const auto* topic = context.metadata.find_topic(name);
        if (topic == nullptr && may_create && !is_internal_topic(name)) {
            auto created = co_await auto_create(name);
            if (!created && created.error().code == ctl::command_errc::invalid_topic) {
                // A client's choice of name (one colliding with a topic): not worth a warning on
                // every Metadata request that names it.
                LAMINAR_LOG_DEBUG("auto-creating topic {}: {}", name, created.error().message);
            } else if (!created &&
                       created.error().code != ctl::command_errc::topic_already_exists) {
                LAMINAR_LOG_WARN("auto-creating topic {}: {}", name, created.error().message);
            }
            topic = context.metadata.find_topic(name);
        }
        response.topics.push_back(
            topic ? describe_topic(*topic, context.metadata, operations)
                  : topic_error(name, {}, kafka_error::unknown_topic_or_partition));
    }
    co_return response;
}

}  // namespace laminar::broker
