// The KRaft cluster APIs a Kafka 3.7 broker forwards to its controller: DescribeQuorum answers
// from this shard's copy of the metadata image (the --dev controller is the single voter of the
// metadata log, so its image knows the leader, epoch and end offset); UpdateFeatures is decided
// on the controller (ctl/features.h) and committed to the metadata log. ApiVersions reports the
// features (api_metadata.h). UnregisterBroker removes a broker's registration on the controller,
// as Kafka's does, even this broker's own: its partitions are then leaderless (Produce and Fetch
// answer NOT_LEADER_OR_FOLLOWER) until it starts again and registers. Laminar has no authorizer,
// so none of these is refused for authorization.
//
// @locality any shard; UpdateFeatures and UnregisterBroker hop to controller_shard.
#pragma once

#include "core/task.h"
#include "net/kafka/cluster_features.h"
#include "net/kafka/header.h"

namespace laminar::broker {

struct shard_context;

// The metadata log's topic, the only one DescribeQuorum describes.
inline constexpr std::string_view cluster_metadata_topic = "__cluster_metadata";

kafka::describe_quorum_response answer_describe_quorum(
    const shard_context& context, const kafka::describe_quorum_request& request);
task<kafka::update_features_response> handle_update_features(
    const kafka::request_header& header, kafka::update_features_request request);
// Kafka answers only the error code (BROKER_ID_NOT_REGISTERED for a broker not registered),
// never a message.
task<kafka::unregister_broker_response> handle_unregister_broker(
    kafka::unregister_broker_request request);

}  // namespace laminar::broker
