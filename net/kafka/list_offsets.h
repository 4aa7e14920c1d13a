// ListOffsets (key 2), versions 0-8, flexible from 6.
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

struct list_offsets_partition {
    std::int32_t partition_index = 0;
    std::int32_t current_leader_epoch = -1;
    std::int64_t timestamp = 0;
    std::int32_t max_num_offsets = 1;
    bool operator==(const list_offsets_partition&) const = default;
};
template <typename V>
void visit(V& v, list_offsets_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.current_leader_epoch, {.min = 4, .default_value = -1});
    v.field(m.timestamp, {});
    v.field(m.max_num_offsets, {.max = 0, .default_value = 1});
}

struct list_offsets_topic {
    std::string name;
    std::vector<list_offsets_partition> partitions;
    bool operator==(const list_offsets_topic&) const = default;
};
template <typename V>
void visit(V& v, list_offsets_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct list_offsets_request {
    static constexpr api_key key = api_key::list_offsets;
    std::int32_t replica_id = 0;
    std::int8_t isolation_level = 0;
    std::vector<list_offsets_topic> topics;
    bool operator==(const list_offsets_request&) const = default;
};
template <typename V>
void visit(V& v, list_offsets_request& m) {
    v.field(m.replica_id, {});
    v.field(m.isolation_level, {.min = 2});
    v.field(m.topics, {});
}

struct list_offsets_partition_response {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::vector<std::int64_t> old_style_offsets;
    std::int64_t timestamp = -1;
    std::int64_t offset = -1;
    std::int32_t leader_epoch = -1;
    bool operator==(const list_offsets_partition_response&) const = default;
};
template <typename V>
void visit(V& v, list_offsets_partition_response& m) {
    v.field(m.partition_index, {});
    v.field(m.error_code, {});
    v.field(m.old_style_offsets, {.max = 0});
    v.field(m.timestamp, {.min = 1, .default_value = -1});
    v.field(m.offset, {.min = 1, .default_value = -1});
    v.field(m.leader_epoch, {.min = 4, .default_value = -1});
}

struct list_offsets_topic_response {
    std::string name;
    std::vector<list_offsets_partition_response> partitions;
    bool operator==(const list_offsets_topic_response&) const = default;
};
template <typename V>
void visit(V& v, list_offsets_topic_response& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct list_offsets_response {
    static constexpr api_key key = api_key::list_offsets;
    std::int32_t throttle_time_ms = 0;
    std::vector<list_offsets_topic_response> topics;
    bool operator==(const list_offsets_response&) const = default;
};
template <typename V>
void visit(V& v, list_offsets_response& m) {
    v.field(m.throttle_time_ms, {.min = 2});
    v.field(m.topics, {});
}

}  // namespace laminar::kafka
