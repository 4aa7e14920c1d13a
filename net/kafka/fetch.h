// Fetch (key 1), versions 4-16 (message format v2), flexible from 12. The response's records are
// spliced_bytes: decoded as bytes, encoded either as bytes or as a length prefix and a splice
// point where the broker's send path puts a file range (splice), without copying.
#pragma once

#include "net/kafka/common_structs.h"

namespace laminar::kafka {

struct replica_state {
    std::int32_t replica_id = -1;
    std::int64_t replica_epoch = -1;
    bool operator==(const replica_state&) const = default;
};
template <typename V>
void visit(V& v, replica_state& m) {
    v.field(m.replica_id, {.default_value = -1});
    v.field(m.replica_epoch, {.default_value = -1});
}

struct fetch_partition {
    std::int32_t partition = 0;
    std::int32_t current_leader_epoch = -1;
    std::int64_t fetch_offset = 0;
    std::int32_t last_fetched_epoch = -1;
    std::int64_t log_start_offset = -1;
    std::int32_t partition_max_bytes = 0;
    bool operator==(const fetch_partition&) const = default;
};
template <typename V>
void visit(V& v, fetch_partition& m) {
    v.field(m.partition, {});
    v.field(m.current_leader_epoch, {.min = 9, .default_value = -1});
    v.field(m.fetch_offset, {});
    v.field(m.last_fetched_epoch, {.min = 12, .default_value = -1});
    v.field(m.log_start_offset, {.min = 5, .default_value = -1});
    v.field(m.partition_max_bytes, {});
}

struct fetch_topic {
    std::string topic;
    uuid topic_id;
    std::vector<fetch_partition> partitions;
    bool operator==(const fetch_topic&) const = default;
};
template <typename V>
void visit(V& v, fetch_topic& m) {
    v.field(m.topic, {.max = 12});
    v.field(m.topic_id, {.min = 13});
    v.field(m.partitions, {});
}

struct forgotten_topic {
    std::string topic;
    uuid topic_id;
    std::vector<std::int32_t> partitions;
    bool operator==(const forgotten_topic&) const = default;
};
template <typename V>
void visit(V& v, forgotten_topic& m) {
    v.field(m.topic, {.min = 7, .max = 12});
    v.field(m.topic_id, {.min = 13});
    v.field(m.partitions, {.min = 7});
}

struct fetch_request {
    static constexpr api_key key = api_key::fetch;
    std::optional<std::string> cluster_id;
    std::int32_t replica_id = -1;
    replica_state replica;  // v15+ (Kafka: ReplicaState)
    std::int32_t max_wait_ms = 0;
    std::int32_t min_bytes = 0;
    std::int32_t max_bytes = 0x7fffffff;
    std::int8_t isolation_level = 0;
    std::int32_t session_id = 0;
    std::int32_t session_epoch = -1;
    std::vector<fetch_topic> topics;
    std::vector<forgotten_topic> forgotten_topics_data;
    std::string rack_id;
    bool operator==(const fetch_request&) const = default;
};
template <typename V>
void visit(V& v, fetch_request& m) {
    v.field(m.cluster_id, {.min = 12, .nullable_min = 12, .tag = 0});
    v.field(m.replica_id, {.max = 14, .default_value = -1});
    v.field(m.replica, {.min = 15, .tag = 1});
    v.field(m.max_wait_ms, {});
    v.field(m.min_bytes, {});
    v.field(m.max_bytes, {.min = 3, .default_value = 0x7fffffff});
    v.field(m.isolation_level, {.min = 4});
    v.field(m.session_id, {.min = 7});
    v.field(m.session_epoch, {.min = 7, .default_value = -1});
    v.field(m.topics, {});
    v.field(m.forgotten_topics_data, {.min = 7});
    v.field(m.rack_id, {.min = 11});
}

struct epoch_end_offset {
    std::int32_t epoch = -1;
    std::int64_t end_offset = -1;
    bool operator==(const epoch_end_offset&) const = default;
};
template <typename V>
void visit(V& v, epoch_end_offset& m) {
    v.field(m.epoch, {.default_value = -1});
    v.field(m.end_offset, {.default_value = -1});
}

struct snapshot_id {
    std::int64_t end_offset = -1;
    std::int32_t epoch = -1;
    bool operator==(const snapshot_id&) const = default;
};
template <typename V>
void visit(V& v, snapshot_id& m) {
    v.field(m.end_offset, {.default_value = -1});
    v.field(m.epoch, {.default_value = -1});
}

struct aborted_transaction {
    std::int64_t producer_id = 0;
    std::int64_t first_offset = 0;
    bool operator==(const aborted_transaction&) const = default;
};
template <typename V>
void visit(V& v, aborted_transaction& m) {
    v.field(m.producer_id, {.min = 4});
    v.field(m.first_offset, {.min = 4});
}

struct fetch_response_partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::int64_t high_watermark = 0;
    std::int64_t last_stable_offset = -1;
    std::int64_t log_start_offset = -1;
    epoch_end_offset diverging_epoch;
    leader_id_and_epoch current_leader;
    snapshot_id snapshot;
    std::optional<std::vector<aborted_transaction>> aborted_transactions =
        std::vector<aborted_transaction>{};
    std::int32_t preferred_read_replica = -1;
    spliced_bytes records;  // the broker splices file ranges in place of these bytes
    bool operator==(const fetch_response_partition&) const = default;
};
template <typename V>
void visit(V& v, fetch_response_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.error_code, {});
    v.field(m.high_watermark, {});
    v.field(m.last_stable_offset, {.min = 4, .default_value = -1});
    v.field(m.log_start_offset, {.min = 5, .default_value = -1});
    v.field(m.diverging_epoch, {.min = 12, .tag = 0});
    v.field(m.current_leader, {.min = 12, .tag = 1});
    v.field(m.snapshot, {.min = 12, .tag = 2});
    v.field(m.aborted_transactions, {.min = 4, .nullable_min = 4});
    v.field(m.preferred_read_replica, {.min = 11, .default_value = -1});
    v.field(m.records, {.nullable_min = 0});
}

struct fetchable_topic_response {
    std::string topic;
    uuid topic_id;
    std::vector<fetch_response_partition> partitions;
    bool operator==(const fetchable_topic_response&) const = default;
};
template <typename V>
void visit(V& v, fetchable_topic_response& m) {
    v.field(m.topic, {.max = 12});
    v.field(m.topic_id, {.min = 13});
    v.field(m.partitions, {});
}

struct fetch_response {
    static constexpr api_key key = api_key::fetch;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::int32_t session_id = 0;
    std::vector<fetchable_topic_response> responses;
    std::vector<node_endpoint> node_endpoints;
    bool operator==(const fetch_response&) const = default;
};
template <typename V>
void visit(V& v, fetch_response& m) {
    v.field(m.throttle_time_ms, {.min = 1});
    v.field(m.error_code, {.min = 7});
    v.field(m.session_id, {.min = 7});
    v.field(m.responses, {});
    v.field(m.node_endpoints, {.min = 16, .tag = 0});
}

}  // namespace laminar::kafka
