// Produce (key 0), versions 3-10 (message format v2), flexible from 9. Records stay raw bytes
// per partition: the broker validates the batch (core/record_batch.h) and appends it unchanged.
#pragma once

#include "net/kafka/common_structs.h"

namespace laminar::kafka {

struct produce_request_partition {
    std::int32_t index = 0;
    std::optional<bytes> records;
    bool operator==(const produce_request_partition&) const = default;
};
template <typename V>
void visit(V& v, produce_request_partition& m) {
    v.field(m.index, {});
    v.field(m.records, {.nullable_min = 0});
}

struct produce_request_topic {
    std::string name;
    std::vector<produce_request_partition> partition_data;
    bool operator==(const produce_request_topic&) const = default;
};
template <typename V>
void visit(V& v, produce_request_topic& m) {
    v.field(m.name, {});
    v.field(m.partition_data, {});
}

struct produce_request {
    static constexpr api_key key = api_key::produce;
    std::optional<std::string> transactional_id;
    std::int16_t acks = 0;
    std::int32_t timeout_ms = 0;
    std::vector<produce_request_topic> topic_data;
    bool operator==(const produce_request&) const = default;
};
template <typename V>
void visit(V& v, produce_request& m) {
    v.field(m.transactional_id, {.min = 3, .nullable_min = 3});
    v.field(m.acks, {});
    v.field(m.timeout_ms, {});
    v.field(m.topic_data, {});
}

struct batch_index_and_error_message {
    std::int32_t batch_index = 0;
    std::optional<std::string> batch_index_error_message;
    bool operator==(const batch_index_and_error_message&) const = default;
};
template <typename V>
void visit(V& v, batch_index_and_error_message& m) {
    v.field(m.batch_index, {.min = 8});
    v.field(m.batch_index_error_message, {.min = 8, .nullable_min = 8});
}

struct produce_response_partition {
    std::int32_t index = 0;
    std::int16_t error_code = 0;
    std::int64_t base_offset = 0;
    std::int64_t log_append_time_ms = -1;
    std::int64_t log_start_offset = -1;
    std::vector<batch_index_and_error_message> record_errors;
    std::optional<std::string> error_message;
    leader_id_and_epoch current_leader;
    bool operator==(const produce_response_partition&) const = default;
};
template <typename V>
void visit(V& v, produce_response_partition& m) {
    v.field(m.index, {});
    v.field(m.error_code, {});
    v.field(m.base_offset, {});
    v.field(m.log_append_time_ms, {.min = 2, .default_value = -1});
    v.field(m.log_start_offset, {.min = 5, .default_value = -1});
    v.field(m.record_errors, {.min = 8});
    v.field(m.error_message, {.min = 8, .nullable_min = 8});
    v.field(m.current_leader, {.min = 10, .tag = 0});
}

struct produce_response_topic {
    std::string name;
    std::vector<produce_response_partition> partition_responses;
    bool operator==(const produce_response_topic&) const = default;
};
template <typename V>
void visit(V& v, produce_response_topic& m) {
    v.field(m.name, {});
    v.field(m.partition_responses, {});
}

struct produce_response {
    static constexpr api_key key = api_key::produce;
    std::vector<produce_response_topic> responses;
    std::int32_t throttle_time_ms = 0;
    std::vector<node_endpoint> node_endpoints;
    bool operator==(const produce_response&) const = default;
};
template <typename V>
void visit(V& v, produce_response& m) {
    v.field(m.responses, {});
    v.field(m.throttle_time_ms, {.min = 1});
    v.field(m.node_endpoints, {.min = 10, .tag = 0});
}

}  // namespace laminar::kafka
