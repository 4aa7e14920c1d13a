// Metadata (key 3), versions 0-12, flexible from 9.
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

inline constexpr std::int32_t authorized_operations_unknown = -2147483648;

struct metadata_request_topic {
    uuid topic_id;
    std::optional<std::string> name = std::string();
    bool operator==(const metadata_request_topic&) const = default;
};
template <typename V>
void visit(V& v, metadata_request_topic& m) {
    v.field(m.topic_id, {.min = 10});
    v.field(m.name, {.nullable_min = 10});
}

struct metadata_request {
    static constexpr api_key key = api_key::metadata;
    // v1+: null asks for all topics, empty for none; v0: empty asks for all (null invalid).
    std::optional<std::vector<metadata_request_topic>> topics =
        std::vector<metadata_request_topic>{};
    bool allow_auto_topic_creation = true;
    bool include_cluster_authorized_operations = false;
    bool include_topic_authorized_operations = false;
    bool operator==(const metadata_request&) const = default;
};
template <typename V>
void visit(V& v, metadata_request& m) {
    v.field(m.topics, {.nullable_min = 1});
    v.field(m.allow_auto_topic_creation, {.min = 4, .default_value = 1});
    v.field(m.include_cluster_authorized_operations, {.min = 8, .max = 10});
    v.field(m.include_topic_authorized_operations, {.min = 8});
}

struct metadata_response_broker {
    std::int32_t node_id = 0;
    std::string host;
    std::int32_t port = 0;
    std::optional<std::string> rack;
    bool operator==(const metadata_response_broker&) const = default;
};
template <typename V>
void visit(V& v, metadata_response_broker& m) {
    v.field(m.node_id, {});
    v.field(m.host, {});
    v.field(m.port, {});
    v.field(m.rack, {.min = 1, .nullable_min = 1});
}

struct metadata_response_partition {
    std::int16_t error_code = 0;
    std::int32_t partition_index = 0;
    std::int32_t leader_id = 0;
    std::int32_t leader_epoch = -1;
    std::vector<std::int32_t> replica_nodes;
    std::vector<std::int32_t> isr_nodes;
    std::vector<std::int32_t> offline_replicas;
    bool operator==(const metadata_response_partition&) const = default;
};
template <typename V>
void visit(V& v, metadata_response_partition& m) {
    v.field(m.error_code, {});
    v.field(m.partition_index, {});
    v.field(m.leader_id, {});
    v.field(m.leader_epoch, {.min = 7, .default_value = -1});
    v.field(m.replica_nodes, {});
    v.field(m.isr_nodes, {});
    v.field(m.offline_replicas, {.min = 5});
}

struct metadata_response_topic {
    std::int16_t error_code = 0;
    std::optional<std::string> name = std::string();
    uuid topic_id;
    bool is_internal = false;
    std::vector<metadata_response_partition> partitions;
    std::int32_t topic_authorized_operations = authorized_operations_unknown;
    bool operator==(const metadata_response_topic&) const = default;
};
template <typename V>
void visit(V& v, metadata_response_topic& m) {
    v.field(m.error_code, {});
    v.field(m.name, {.nullable_min = 12});
    v.field(m.topic_id, {.min = 10});
    v.field(m.is_internal, {.min = 1});
    v.field(m.partitions, {});
    v.field(m.topic_authorized_operations,
            {.min = 8, .default_value = authorized_operations_unknown});
}

struct metadata_response {
    static constexpr api_key key = api_key::metadata;
    std::int32_t throttle_time_ms = 0;
    std::vector<metadata_response_broker> brokers;
    std::optional<std::string> cluster_id;
    std::int32_t controller_id = -1;
    std::vector<metadata_response_topic> topics;
    std::int32_t cluster_authorized_operations = authorized_operations_unknown;
    bool operator==(const metadata_response&) const = default;
};
template <typename V>
void visit(V& v, metadata_response& m) {
    v.field(m.throttle_time_ms, {.min = 3});
    v.field(m.brokers, {});
    v.field(m.cluster_id, {.min = 2, .nullable_min = 2});
    v.field(m.controller_id, {.min = 1, .default_value = -1});
    v.field(m.topics, {});
    v.field(m.cluster_authorized_operations,
            {.min = 8, .max = 10, .default_value = authorized_operations_unknown});
}

}  // namespace laminar::kafka
