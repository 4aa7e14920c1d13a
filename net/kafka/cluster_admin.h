// Cluster and client bootstrap APIs: InitProducerId (key 22, v0-4, flexible from 2),
// FindCoordinator (10, v0-4, flexible from 3), DescribeConfigs (32, v0-4, flexible from 4),
// DescribeCluster (60, v0-1, flexible from 0), OffsetForLeaderEpoch (23, v0-4, flexible from 4).
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

// InitProducerId

struct init_producer_id_request {
    static constexpr api_key key = api_key::init_producer_id;
    std::optional<std::string> transactional_id;
    std::int32_t transaction_timeout_ms = 0;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    bool operator==(const init_producer_id_request&) const = default;
};
template <typename V>
void visit(V& v, init_producer_id_request& m) {
    v.field(m.transactional_id, {.nullable_min = 0});
    v.field(m.transaction_timeout_ms, {});
    v.field(m.producer_id, {.min = 3, .default_value = -1});
    v.field(m.producer_epoch, {.min = 3, .default_value = -1});
}

struct init_producer_id_response {
    static constexpr api_key key = api_key::init_producer_id;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = 0;
    bool operator==(const init_producer_id_response&) const = default;
};
template <typename V>
void visit(V& v, init_producer_id_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
    v.field(m.producer_id, {.default_value = -1});
    v.field(m.producer_epoch, {});
}

// FindCoordinator

struct find_coordinator_request {
    static constexpr api_key key = api_key::find_coordinator;
    std::string coordinator_key;                // v0-3 (Kafka: Key)
    std::int8_t key_type = 0;                   // 0 group, 1 transaction
    std::vector<std::string> coordinator_keys;  // v4+
    bool operator==(const find_coordinator_request&) const = default;
};
template <typename V>
void visit(V& v, find_coordinator_request& m) {
    v.field(m.coordinator_key, {.max = 3});
    v.field(m.key_type, {.min = 1});
    v.field(m.coordinator_keys, {.min = 4});
}

struct coordinator {
    std::string key;
    std::int32_t node_id = 0;
    std::string host;
    std::int32_t port = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    bool operator==(const coordinator&) const = default;
};
template <typename V>
void visit(V& v, coordinator& m) {
    v.field(m.key, {.min = 4});
    v.field(m.node_id, {.min = 4});
    v.field(m.host, {.min = 4});
    v.field(m.port, {.min = 4});
    v.field(m.error_code, {.min = 4});
    v.field(m.error_message, {.min = 4, .nullable_min = 4});
}

struct find_coordinator_response {
    static constexpr api_key key = api_key::find_coordinator;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int32_t node_id = 0;
    std::string host;
    std::int32_t port = 0;
    std::vector<coordinator> coordinators;
    bool operator==(const find_coordinator_response&) const = default;
};
template <typename V>
void visit(V& v, find_coordinator_response& m) {
    v.field(m.throttle_time_ms, {.min = 1});
    v.field(m.error_code, {.max = 3});
    v.field(m.error_message, {.min = 1, .max = 3, .nullable_min = 1});
    v.field(m.node_id, {.max = 3});
    v.field(m.host, {.max = 3});
    v.field(m.port, {.max = 3});
    v.field(m.coordinators, {.min = 4});
}

// DescribeConfigs

struct describe_configs_resource {
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::optional<std::vector<std::string>> configuration_keys = std::vector<std::string>{};
    bool operator==(const describe_configs_resource&) const = default;
};
template <typename V>
void visit(V& v, describe_configs_resource& m) {
    v.field(m.resource_type, {});
    v.field(m.resource_name, {});
    v.field(m.configuration_keys, {.nullable_min = 0});
}

struct describe_configs_request {
    static constexpr api_key key = api_key::describe_configs;
    std::vector<describe_configs_resource> resources;
    bool include_synonyms = false;
    bool include_documentation = false;
    bool operator==(const describe_configs_request&) const = default;
};
template <typename V>
void visit(V& v, describe_configs_request& m) {
    v.field(m.resources, {});
    v.field(m.include_synonyms, {.min = 1});
    v.field(m.include_documentation, {.min = 3});
}

struct describe_configs_synonym {
    std::string name;
    std::optional<std::string> value;
    std::int8_t source = 0;
    bool operator==(const describe_configs_synonym&) const = default;
};
template <typename V>
void visit(V& v, describe_configs_synonym& m) {
    v.field(m.name, {.min = 1});
    v.field(m.value, {.min = 1, .nullable_min = 0});
    v.field(m.source, {.min = 1});
}

struct describe_configs_resource_result {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    bool is_default = false;
    std::int8_t config_source = -1;
    bool is_sensitive = false;
    std::vector<describe_configs_synonym> synonyms;
    std::int8_t config_type = 0;
    std::optional<std::string> documentation;
    bool operator==(const describe_configs_resource_result&) const = default;
};
template <typename V>
void visit(V& v, describe_configs_resource_result& m) {
    v.field(m.name, {});
    v.field(m.value, {.nullable_min = 0});
    v.field(m.read_only, {});
    v.field(m.is_default, {.max = 0});
    v.field(m.config_source, {.min = 1, .default_value = -1});
    v.field(m.is_sensitive, {});
    v.field(m.synonyms, {.min = 1});
    v.field(m.config_type, {.min = 3});
    v.field(m.documentation, {.min = 3, .nullable_min = 0});
}

struct describe_configs_result {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::vector<describe_configs_resource_result> configs;
    bool operator==(const describe_configs_result&) const = default;
};
template <typename V>
void visit(V& v, describe_configs_result& m) {
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.resource_type, {});
    v.field(m.resource_name, {});
    v.field(m.configs, {});
}

struct describe_configs_response {
    static constexpr api_key key = api_key::describe_configs;
    std::int32_t throttle_time_ms = 0;
    std::vector<describe_configs_result> results;
    bool operator==(const describe_configs_response&) const = default;
};
template <typename V>
void visit(V& v, describe_configs_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.results, {});
}

// DescribeCluster

struct describe_cluster_request {
    static constexpr api_key key = api_key::describe_cluster;
    bool include_cluster_authorized_operations = false;
    std::int8_t endpoint_type = 1;  // 1 brokers, 2 controllers
    bool operator==(const describe_cluster_request&) const = default;
};
template <typename V>
void visit(V& v, describe_cluster_request& m) {
    v.field(m.include_cluster_authorized_operations, {});
    v.field(m.endpoint_type, {.min = 1, .default_value = 1});
}

struct describe_cluster_broker {
    std::int32_t broker_id = 0;
    std::string host;
    std::int32_t port = 0;
    std::optional<std::string> rack;
    bool operator==(const describe_cluster_broker&) const = default;
};
template <typename V>
void visit(V& v, describe_cluster_broker& m) {
    v.field(m.broker_id, {});
    v.field(m.host, {});
    v.field(m.port, {});
    v.field(m.rack, {.nullable_min = 0});
}

struct describe_cluster_response {
    static constexpr api_key key = api_key::describe_cluster;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int8_t endpoint_type = 1;
    std::string cluster_id;
    std::int32_t controller_id = -1;
    std::vector<describe_cluster_broker> brokers;
    std::int32_t cluster_authorized_operations = -2147483648;
    bool operator==(const describe_cluster_response&) const = default;
};
template <typename V>
void visit(V& v, describe_cluster_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.endpoint_type, {.min = 1, .default_value = 1});
    v.field(m.cluster_id, {});
    v.field(m.controller_id, {.default_value = -1});
    v.field(m.brokers, {});
    v.field(m.cluster_authorized_operations, {.default_value = -2147483648});
}

// OffsetForLeaderEpoch

struct offset_for_leader_partition {
    std::int32_t partition = 0;
    std::int32_t current_leader_epoch = -1;
    std::int32_t leader_epoch = 0;
    bool operator==(const offset_for_leader_partition&) const = default;
};
template <typename V>
void visit(V& v, offset_for_leader_partition& m) {
    v.field(m.partition, {});
    v.field(m.current_leader_epoch, {.min = 2, .default_value = -1});
    v.field(m.leader_epoch, {});
}

struct offset_for_leader_topic {
    std::string topic;
    std::vector<offset_for_leader_partition> partitions;
    bool operator==(const offset_for_leader_topic&) const = default;
};
template <typename V>
void visit(V& v, offset_for_leader_topic& m) {
    v.field(m.topic, {});
    v.field(m.partitions, {});
}

struct offset_for_leader_epoch_request {
    static constexpr api_key key = api_key::offset_for_leader_epoch;
    std::int32_t replica_id = -2;  // -2: a consumer, -1: debug, >= 0: a follower
    std::vector<offset_for_leader_topic> topics;
    bool operator==(const offset_for_leader_epoch_request&) const = default;
};
template <typename V>
void visit(V& v, offset_for_leader_epoch_request& m) {
    v.field(m.replica_id, {.min = 3, .default_value = -2});
    v.field(m.topics, {});
}

struct offset_for_leader_epoch_end_offset {
    std::int16_t error_code = 0;
    std::int32_t partition = 0;
    std::int32_t leader_epoch = -1;
    std::int64_t end_offset = -1;
    bool operator==(const offset_for_leader_epoch_end_offset&) const = default;
};
template <typename V>
void visit(V& v, offset_for_leader_epoch_end_offset& m) {
    v.field(m.error_code, {});
    v.field(m.partition, {});
    v.field(m.leader_epoch, {.min = 1, .default_value = -1});
    v.field(m.end_offset, {.default_value = -1});
}

struct offset_for_leader_topic_result {
    std::string topic;
    std::vector<offset_for_leader_epoch_end_offset> partitions;
    bool operator==(const offset_for_leader_topic_result&) const = default;
};
template <typename V>
void visit(V& v, offset_for_leader_topic_result& m) {
    v.field(m.topic, {});
    v.field(m.partitions, {});
}

struct offset_for_leader_epoch_response {
    static constexpr api_key key = api_key::offset_for_leader_epoch;
    std::int32_t throttle_time_ms = 0;
    std::vector<offset_for_leader_topic_result> topics;
    bool operator==(const offset_for_leader_epoch_response&) const = default;
};
template <typename V>
void visit(V& v, offset_for_leader_epoch_response& m) {
    v.field(m.throttle_time_ms, {.min = 2});
    v.field(m.topics, {});
}

}  // namespace laminar::kafka
