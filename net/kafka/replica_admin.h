// Replica and producer admin APIs: ElectLeaders (key 43, v0-2, flexible from 2),
// AlterPartitionReassignments (45, v0, flexible), ListPartitionReassignments (46, v0, flexible)
// and DescribeProducers (61, v0, flexible). Field layouts from Kafka 3.7's message JSON.
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

// ElectLeaders

struct elect_leaders_topic {
    std::string topic;
    std::vector<std::int32_t> partitions;
    bool operator==(const elect_leaders_topic&) const = default;
};
template <typename V>
void visit(V& v, elect_leaders_topic& m) {
    v.field(m.topic, {});
    v.field(m.partitions, {});
}

struct elect_leaders_request {
    static constexpr api_key key = api_key::elect_leaders;
    std::int8_t election_type = 0;  // v1+: 0 preferred, 1 unclean; v0 is preferred
    // null: every partition
    std::optional<std::vector<elect_leaders_topic>> topic_partitions =
        std::vector<elect_leaders_topic>{};
    std::int32_t timeout_ms = 60000;
    bool operator==(const elect_leaders_request&) const = default;
};
template <typename V>
void visit(V& v, elect_leaders_request& m) {
    v.field(m.election_type, {.min = 1});
    v.field(m.topic_partitions, {.nullable_min = 0});
    v.field(m.timeout_ms, {.default_value = 60000});
}

struct elect_leaders_partition_result {
    std::int32_t partition_id = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    bool operator==(const elect_leaders_partition_result&) const = default;
};
template <typename V>
void visit(V& v, elect_leaders_partition_result& m) {
    v.field(m.partition_id, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
}

struct elect_leaders_topic_result {
    std::string topic;
    std::vector<elect_leaders_partition_result> partition_result;
    bool operator==(const elect_leaders_topic_result&) const = default;
};
template <typename V>
void visit(V& v, elect_leaders_topic_result& m) {
    v.field(m.topic, {});
    v.field(m.partition_result, {});
}

struct elect_leaders_response {
    static constexpr api_key key = api_key::elect_leaders;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;  // v1+
    std::vector<elect_leaders_topic_result> replica_election_results;
    bool operator==(const elect_leaders_response&) const = default;
};
template <typename V>
void visit(V& v, elect_leaders_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {.min = 1});
    v.field(m.replica_election_results, {});
}

// AlterPartitionReassignments

struct reassignable_partition {
    std::int32_t partition_index = 0;
    // null: cancel the partition's reassignment
    std::optional<std::vector<std::int32_t>> replicas = std::vector<std::int32_t>{};
    bool operator==(const reassignable_partition&) const = default;
};
template <typename V>
void visit(V& v, reassignable_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.replicas, {.nullable_min = 0});
}

struct reassignable_topic {
    std::string name;
    std::vector<reassignable_partition> partitions;
    bool operator==(const reassignable_topic&) const = default;
};
template <typename V>
void visit(V& v, reassignable_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct alter_partition_reassignments_request {
    static constexpr api_key key = api_key::alter_partition_reassignments;
    std::int32_t timeout_ms = 60000;
    std::vector<reassignable_topic> topics;
    bool operator==(const alter_partition_reassignments_request&) const = default;
};
template <typename V>
void visit(V& v, alter_partition_reassignments_request& m) {
    v.field(m.timeout_ms, {.default_value = 60000});
    v.field(m.topics, {});
}

struct reassignable_partition_response {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    bool operator==(const reassignable_partition_response&) const = default;
};
template <typename V>
void visit(V& v, reassignable_partition_response& m) {
    v.field(m.partition_index, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
}

struct reassignable_topic_response {
    std::string name;
    std::vector<reassignable_partition_response> partitions;
    bool operator==(const reassignable_topic_response&) const = default;
};
template <typename V>
void visit(V& v, reassignable_topic_response& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct alter_partition_reassignments_response {
    static constexpr api_key key = api_key::alter_partition_reassignments;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::vector<reassignable_topic_response> responses;
    bool operator==(const alter_partition_reassignments_response&) const = default;
};
template <typename V>
void visit(V& v, alter_partition_reassignments_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.responses, {});
}

// ListPartitionReassignments

struct list_partition_reassignments_topic {
    std::string name;
    std::vector<std::int32_t> partition_indexes;
    bool operator==(const list_partition_reassignments_topic&) const = default;
};
template <typename V>
void visit(V& v, list_partition_reassignments_topic& m) {
    v.field(m.name, {});
    v.field(m.partition_indexes, {});
}

struct list_partition_reassignments_request {
    static constexpr api_key key = api_key::list_partition_reassignments;
    std::int32_t timeout_ms = 60000;
    // null: every partition being reassigned
    std::optional<std::vector<list_partition_reassignments_topic>> topics =
        std::vector<list_partition_reassignments_topic>{};
    bool operator==(const list_partition_reassignments_request&) const = default;
};
template <typename V>
void visit(V& v, list_partition_reassignments_request& m) {
    v.field(m.timeout_ms, {.default_value = 60000});
    v.field(m.topics, {.nullable_min = 0});
}

struct ongoing_partition_reassignment {
    std::int32_t partition_index = 0;
    std::vector<std::int32_t> replicas;
    std::vector<std::int32_t> adding_replicas;
    std::vector<std::int32_t> removing_replicas;
    bool operator==(const ongoing_partition_reassignment&) const = default;
};
template <typename V>
void visit(V& v, ongoing_partition_reassignment& m) {
    v.field(m.partition_index, {});
    v.field(m.replicas, {});
    v.field(m.adding_replicas, {});
    v.field(m.removing_replicas, {});
}

struct ongoing_topic_reassignment {
    std::string name;
    std::vector<ongoing_partition_reassignment> partitions;
    bool operator==(const ongoing_topic_reassignment&) const = default;
};
template <typename V>
void visit(V& v, ongoing_topic_reassignment& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct list_partition_reassignments_response {
    static constexpr api_key key = api_key::list_partition_reassignments;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::vector<ongoing_topic_reassignment> topics;
    bool operator==(const list_partition_reassignments_response&) const = default;
};
template <typename V>
void visit(V& v, list_partition_reassignments_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.topics, {});
}

// DescribeProducers

struct describe_producers_topic {
    std::string name;
    std::vector<std::int32_t> partition_indexes;
    bool operator==(const describe_producers_topic&) const = default;
};
template <typename V>
void visit(V& v, describe_producers_topic& m) {
    v.field(m.name, {});
    v.field(m.partition_indexes, {});
}

struct describe_producers_request {
    static constexpr api_key key = api_key::describe_producers;
    std::vector<describe_producers_topic> topics;
    bool operator==(const describe_producers_request&) const = default;
};
template <typename V>
void visit(V& v, describe_producers_request& m) {
    v.field(m.topics, {});
}

struct producer_state {
    std::int64_t producer_id = 0;
    std::int32_t producer_epoch = 0;
    std::int32_t last_sequence = -1;
    std::int64_t last_timestamp = -1;
    std::int32_t coordinator_epoch = 0;
    std::int64_t current_txn_start_offset = -1;
    bool operator==(const producer_state&) const = default;
};
template <typename V>
void visit(V& v, producer_state& m) {
    v.field(m.producer_id, {});
    v.field(m.producer_epoch, {});
    v.field(m.last_sequence, {.default_value = -1});
    v.field(m.last_timestamp, {.default_value = -1});
    v.field(m.coordinator_epoch, {});
    v.field(m.current_txn_start_offset, {.default_value = -1});
}

struct describe_producers_partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::vector<producer_state> active_producers;
    bool operator==(const describe_producers_partition&) const = default;
};
template <typename V>
void visit(V& v, describe_producers_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.active_producers, {});
}

struct describe_producers_topic_response {
    std::string name;
    std::vector<describe_producers_partition> partitions;
    bool operator==(const describe_producers_topic_response&) const = default;
};
template <typename V>
void visit(V& v, describe_producers_topic_response& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct describe_producers_response {
    static constexpr api_key key = api_key::describe_producers;
    std::int32_t throttle_time_ms = 0;
    std::vector<describe_producers_topic_response> topics;
    bool operator==(const describe_producers_response&) const = default;
};
template <typename V>
void visit(V& v, describe_producers_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.topics, {});
}

}  // namespace laminar::kafka
