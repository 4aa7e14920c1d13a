// Cluster-level KRaft APIs on the broker listener: DescribeQuorum (key 55, v0-1, flexible from 0;
// KIP-595, v1 adds the replica timestamps of KIP-836), UpdateFeatures (57, v0-1, flexible from 0;
// KIP-584, v1 replaces AllowDowngrade by UpgradeType and adds ValidateOnly, KIP-778) and
// UnregisterBroker (64, v0, flexible from 0; KIP-631).
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

// DescribeQuorum

struct describe_quorum_partition_request {
    std::int32_t partition_index = 0;
    bool operator==(const describe_quorum_partition_request&) const = default;
};
template <typename V>
void visit(V& v, describe_quorum_partition_request& m) {
    v.field(m.partition_index, {});
}

struct describe_quorum_topic_request {
    std::string topic_name;
    std::vector<describe_quorum_partition_request> partitions;
    bool operator==(const describe_quorum_topic_request&) const = default;
};
template <typename V>
void visit(V& v, describe_quorum_topic_request& m) {
    v.field(m.topic_name, {});
    v.field(m.partitions, {});
}

struct describe_quorum_request {
    static constexpr api_key key = api_key::describe_quorum;
    std::vector<describe_quorum_topic_request> topics;
    bool operator==(const describe_quorum_request&) const = default;
};
template <typename V>
void visit(V& v, describe_quorum_request& m) {
    v.field(m.topics, {});
}

struct quorum_replica_state {
    std::int32_t replica_id = 0;
    std::int64_t log_end_offset = -1;
    std::int64_t last_fetch_timestamp = -1;      // v1+
    std::int64_t last_caught_up_timestamp = -1;  // v1+
    bool operator==(const quorum_replica_state&) const = default;
};
template <typename V>
void visit(V& v, quorum_replica_state& m) {
    v.field(m.replica_id, {});
    v.field(m.log_end_offset, {});
    v.field(m.last_fetch_timestamp, {.min = 1, .default_value = -1});
    v.field(m.last_caught_up_timestamp, {.min = 1, .default_value = -1});
}

struct describe_quorum_partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::int32_t leader_id = 0;
    std::int32_t leader_epoch = 0;
    std::int64_t high_watermark = 0;
    std::vector<quorum_replica_state> current_voters;
    std::vector<quorum_replica_state> observers;
    bool operator==(const describe_quorum_partition&) const = default;
};
template <typename V>
void visit(V& v, describe_quorum_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.error_code, {});
    v.field(m.leader_id, {});
    v.field(m.leader_epoch, {});
    v.field(m.high_watermark, {});
    v.field(m.current_voters, {});
    v.field(m.observers, {});
}

struct describe_quorum_topic {
    std::string topic_name;
    std::vector<describe_quorum_partition> partitions;
    bool operator==(const describe_quorum_topic&) const = default;
};
template <typename V>
void visit(V& v, describe_quorum_topic& m) {
    v.field(m.topic_name, {});
    v.field(m.partitions, {});
}

struct describe_quorum_response {
    static constexpr api_key key = api_key::describe_quorum;
    std::int16_t error_code = 0;
    std::vector<describe_quorum_topic> topics;
    bool operator==(const describe_quorum_response&) const = default;
};
template <typename V>
void visit(V& v, describe_quorum_response& m) {
    v.field(m.error_code, {});
    v.field(m.topics, {});
}

// UpdateFeatures

struct feature_update_key {
    std::string feature;
    std::int16_t max_version_level = 0;
    bool allow_downgrade = false;  // v0
    std::int8_t upgrade_type = 1;  // v1+: 1 upgrade, 2 safe downgrade, 3 unsafe downgrade
    bool operator==(const feature_update_key&) const = default;
};
template <typename V>
void visit(V& v, feature_update_key& m) {
    v.field(m.feature, {});
    v.field(m.max_version_level, {});
    v.field(m.allow_downgrade, {.max = 0});
    v.field(m.upgrade_type, {.min = 1, .default_value = 1});
}

struct update_features_request {
    static constexpr api_key key = api_key::update_features;
    std::int32_t timeout_ms = 60000;
    std::vector<feature_update_key> feature_updates;
    bool validate_only = false;  // v1+
    bool operator==(const update_features_request&) const = default;
};
template <typename V>
void visit(V& v, update_features_request& m) {
    v.field(m.timeout_ms, {.default_value = 60000});
    v.field(m.feature_updates, {});
    v.field(m.validate_only, {.min = 1});
}

struct updatable_feature_result {
    std::string feature;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    bool operator==(const updatable_feature_result&) const = default;
};
template <typename V>
void visit(V& v, updatable_feature_result& m) {
    v.field(m.feature, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
}

struct update_features_response {
    static constexpr api_key key = api_key::update_features;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::vector<updatable_feature_result> results;
    bool operator==(const update_features_response&) const = default;
};
template <typename V>
void visit(V& v, update_features_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.results, {});
}

// UnregisterBroker

struct unregister_broker_request {
    static constexpr api_key key = api_key::unregister_broker;
    std::int32_t broker_id = 0;
    bool operator==(const unregister_broker_request&) const = default;
};
template <typename V>
void visit(V& v, unregister_broker_request& m) {
    v.field(m.broker_id, {});
}

struct unregister_broker_response {
    static constexpr api_key key = api_key::unregister_broker;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    bool operator==(const unregister_broker_response&) const = default;
};
template <typename V>
void visit(V& v, unregister_broker_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
}

}  // namespace laminar::kafka
