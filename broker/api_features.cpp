#include "broker/api_features.h"

#include <chrono>

#include "broker/kafka_errors.h"
#include "broker/metadata_controller.h"
#include "broker/shard_context.h"
#include "core/cross_shard.h"
#include "ctl/features.h"

namespace laminar::broker {

namespace {

std::int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Kafka's RaftUtil.hasValidTopicPartition: exactly __cluster_metadata, partition 0.
bool asks_for_metadata_log(const kafka::describe_quorum_request& request) {
    return request.topics.size() == 1 && request.topics[0].topic_name == cluster_metadata_topic &&
           request.topics[0].partitions.size() == 1 &&
           request.topics[0].partitions[0].partition_index == 0;
}

}  // namespace

kafka::describe_quorum_response answer_describe_quorum(
    const shard_context& context, const kafka::describe_quorum_request& request) {
    kafka::describe_quorum_response response;
    if (!asks_for_metadata_log(request)) {
        // Kafka echoes every partition asked for with UNKNOWN_TOPIC_OR_PARTITION.
        for (const auto& topic : request.topics) {
            auto& answer = response.topics.emplace_back();
            answer.topic_name = topic.topic_name;
            for (const auto& partition : topic.partitions) {
                auto& described = answer.partitions.emplace_back();
                described.partition_index = partition.partition_index;
                described.error_code = code(kafka_error::unknown_topic_or_partition);
            }
        }
        return response;
    }
    auto& topic = response.topics.emplace_back();
    topic.topic_name = std::string(cluster_metadata_topic);
    auto& partition = topic.partitions.emplace_back();
    const auto& quorum = context.metadata.quorum();
    if (quorum.epoch == 0) {
        // No leader has taken an epoch yet (the controller is still starting).
        partition.error_code = code(kafka_error::not_leader_or_follower);
        return response;
    }
    // Every record of the metadata log is durable before it is applied, and the controller is
    // the only voter: the high watermark is the end of the log.
    const auto end = static_cast<std::int64_t>(context.metadata.applied_records());
    partition.leader_id = quorum.leader_id;
    partition.leader_epoch = quorum.epoch;
    partition.high_watermark = end;
    const auto now = wall_clock_ms();
    for (const auto voter : quorum.voters) {
        // Kafka's leader reports itself as fetched and caught up now; Laminar has no other voter.
        const bool leader = voter == quorum.leader_id;
        partition.current_voters.push_back(
            {voter, leader ? end : -1, leader ? now : -1, leader ? now : -1});
    }
    return response;
}

task<kafka::update_features_response> handle_update_features(
    const kafka::request_header& header, kafka::update_features_request request) {
    std::vector<ctl::feature_update> updates;
    for (auto& update : request.feature_updates) {
        // v0 says AllowDowngrade; v1 names the kind of downgrade.
        const auto type = header.api_version == 0
                              ? (update.allow_downgrade ? ctl::feature_upgrade::safe_downgrade
                                                        : ctl::feature_upgrade::upgrade)
                              : ctl::feature_upgrade_of(update.upgrade_type);
        updates.push_back({std::move(update.feature), update.max_version_level, type});
    }
    kafka::update_features_response response;
    if (updates.empty()) co_return response;
    const bool validate_only = request.validate_only;
    auto change = [updates = std::move(updates), validate_only]() mutable {
        return shard_context::current().controller->update_features(std::move(updates),
                                                                    validate_only);
    };
    auto outcomes = co_await submit_to(controller_shard, change);
    for (auto& outcome : outcomes) {
        auto& result = response.results.emplace_back();
        result.feature = std::move(outcome.name);
        if (outcome.error) {
            result.error_code = code(to_kafka_error(outcome.error->code));
            result.error_message = std::move(outcome.error->message);
        }
    }
    co_return response;
}

task<kafka::unregister_broker_response> handle_unregister_broker(
    kafka::unregister_broker_request request) {
    auto change = [node_id = request.broker_id] {
        return shard_context::current().controller->unregister_broker(node_id);
    };
    auto outcome = co_await submit_to(controller_shard, change);
    kafka::unregister_broker_response response;
    if (!outcome) response.error_code = code(to_kafka_error(outcome.error().code));
    co_return response;
}

}  // namespace laminar::broker
