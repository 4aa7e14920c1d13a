// Topic administration: CreateTopics (key 19, v0-7, flexible from 5), DeleteTopics (20, v0-6,
// flexible from 4), CreatePartitions (37, v0-3, flexible from 2).
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

// CreateTopics

struct creatable_replica_assignment {
    std::int32_t partition_index = 0;
    std::vector<std::int32_t> broker_ids;
    bool operator==(const creatable_replica_assignment&) const = default;
};
template <typename V>
void visit(V& v, creatable_replica_assignment& m) {
    v.field(m.partition_index, {});
    v.field(m.broker_ids, {});
}

struct creatable_topic_config {
    std::string name;
    std::optional<std::string> value;
    bool operator==(const creatable_topic_config&) const = default;
};
template <typename V>
void visit(V& v, creatable_topic_config& m) {
    v.field(m.name, {});
    v.field(m.value, {.nullable_min = 0});
}

struct creatable_topic {
    std::string name;
    std::int32_t num_partitions = 0;
    std::int16_t replication_factor = 0;
    std::vector<creatable_replica_assignment> assignments;
    std::vector<creatable_topic_config> configs;
    bool operator==(const creatable_topic&) const = default;
};
template <typename V>
void visit(V& v, creatable_topic& m) {
    v.field(m.name, {});
    v.field(m.num_partitions, {});
    v.field(m.replication_factor, {});
    v.field(m.assignments, {});
    v.field(m.configs, {});
}

struct create_topics_request {
    static constexpr api_key key = api_key::create_topics;
    std::vector<creatable_topic> topics;
    std::int32_t timeout_ms = 60000;
    bool validate_only = false;
    bool operator==(const create_topics_request&) const = default;
};
template <typename V>
void visit(V& v, create_topics_request& m) {
    v.field(m.topics, {});
    v.field(m.timeout_ms, {.default_value = 60000});
    v.field(m.validate_only, {.min = 1});
}

struct creatable_topic_configs {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    std::int8_t config_source = -1;
    bool is_sensitive = false;
    bool operator==(const creatable_topic_configs&) const = default;
};
template <typename V>
void visit(V& v, creatable_topic_configs& m) {
    v.field(m.name, {.min = 5});
    v.field(m.value, {.min = 5, .nullable_min = 5});
    v.field(m.read_only, {.min = 5});
    v.field(m.config_source, {.min = 5, .default_value = -1});
    v.field(m.is_sensitive, {.min = 5});
}

struct creatable_topic_result {
    std::string name;
    uuid topic_id;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int16_t topic_config_error_code = 0;
    std::int32_t num_partitions = -1;
    std::int16_t replication_factor = -1;
    std::optional<std::vector<creatable_topic_configs>> configs =
        std::vector<creatable_topic_configs>{};
    bool operator==(const creatable_topic_result&) const = default;
};
template <typename V>
void visit(V& v, creatable_topic_result& m) {
    v.field(m.name, {});
    v.field(m.topic_id, {.min = 7});
    v.field(m.error_code, {});
    v.field(m.error_message, {.min = 1, .nullable_min = 0});
    v.field(m.topic_config_error_code, {.min = 5, .tag = 0});
    v.field(m.num_partitions, {.min = 5, .default_value = -1});
    v.field(m.replication_factor, {.min = 5, .default_value = -1});
    v.field(m.configs, {.min = 5, .nullable_min = 5});
}

struct create_topics_response {
    static constexpr api_key key = api_key::create_topics;
    std::int32_t throttle_time_ms = 0;
    std::vector<creatable_topic_result> topics;
    bool operator==(const create_topics_response&) const = default;
};
template <typename V>
void visit(V& v, create_topics_response& m) {
    v.field(m.throttle_time_ms, {.min = 2});
    v.field(m.topics, {});
}

// DeleteTopics

struct delete_topic_state {
    std::optional<std::string> name;
    uuid topic_id;
    bool operator==(const delete_topic_state&) const = default;
};
template <typename V>
void visit(V& v, delete_topic_state& m) {
    v.field(m.name, {.min = 6, .nullable_min = 6});
    v.field(m.topic_id, {.min = 6});
}

struct delete_topics_request {
    static constexpr api_key key = api_key::delete_topics;
    std::vector<delete_topic_state> topics;  // v6+
    std::vector<std::string> topic_names;    // v0-5
    std::int32_t timeout_ms = 0;
    bool operator==(const delete_topics_request&) const = default;
};
template <typename V>
void visit(V& v, delete_topics_request& m) {
    v.field(m.topics, {.min = 6});
    v.field(m.topic_names, {.max = 5});
    v.field(m.timeout_ms, {});
}

struct deletable_topic_result {
    std::optional<std::string> name = std::string();
    uuid topic_id;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    bool operator==(const deletable_topic_result&) const = default;
};
template <typename V>
void visit(V& v, deletable_topic_result& m) {
    v.field(m.name, {.nullable_min = 6});
    v.field(m.topic_id, {.min = 6});
    v.field(m.error_code, {});
    v.field(m.error_message, {.min = 5, .nullable_min = 5});
}

struct delete_topics_response {
    static constexpr api_key key = api_key::delete_topics;
    std::int32_t throttle_time_ms = 0;
    std::vector<deletable_topic_result> responses;
    bool operator==(const delete_topics_response&) const = default;
};
template <typename V>
void visit(V& v, delete_topics_response& m) {
    v.field(m.throttle_time_ms, {.min = 1});
    v.field(m.responses, {});
}

// CreatePartitions

struct create_partitions_assignment {
    std::vector<std::int32_t> broker_ids;
    bool operator==(const create_partitions_assignment&) const = default;
};
template <typename V>
void visit(V& v, create_partitions_assignment& m) {
    v.field(m.broker_ids, {});
}

struct create_partitions_topic {
    std::string name;
    std::int32_t count = 0;
    std::optional<std::vector<create_partitions_assignment>> assignments =
        std::vector<create_partitions_assignment>{};
    bool operator==(const create_partitions_topic&) const = default;
};
template <typename V>
void visit(V& v, create_partitions_topic& m) {
    v.field(m.name, {});
    v.field(m.count, {});
    v.field(m.assignments, {.nullable_min = 0});
}

struct create_partitions_request {
    static constexpr api_key key = api_key::create_partitions;
    std::vector<create_partitions_topic> topics;
    std::int32_t timeout_ms = 0;
    bool validate_only = false;
    bool operator==(const create_partitions_request&) const = default;
};
template <typename V>
void visit(V& v, create_partitions_request& m) {
    v.field(m.topics, {});
    v.field(m.timeout_ms, {});
    v.field(m.validate_only, {});
}

struct create_partitions_topic_result {
    std::string name;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    bool operator==(const create_partitions_topic_result&) const = default;
};
template <typename V>
void visit(V& v, create_partitions_topic_result& m) {
    v.field(m.name, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
}

struct create_partitions_response {
    static constexpr api_key key = api_key::create_partitions;
    std::int32_t throttle_time_ms = 0;
    std::vector<create_partitions_topic_result> results;
    bool operator==(const create_partitions_response&) const = default;
};
template <typename V>
void visit(V& v, create_partitions_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.results, {});
}

}  // namespace laminar::kafka
