// Transaction APIs: AddPartitionsToTxn (key 24, v0-4, flexible from 3; v4 batches several
// transactions and is what brokers send each other), AddOffsetsToTxn (25, v0-3, flexible from 3),
// EndTxn (26, v0-3, flexible from 3), WriteTxnMarkers (27, v0-1, flexible from 1), TxnOffsetCommit
// (28, v0-3, flexible from 3), DescribeTransactions (65, v0) and ListTransactions (66, v0), both
// flexible from v0. Field layouts from Kafka 3.7's message JSON.
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

// AddPartitionsToTxn

struct add_partitions_to_txn_topic {
    std::string name;
    std::vector<std::int32_t> partitions;
    bool operator==(const add_partitions_to_txn_topic&) const = default;
};
template <typename V>
void visit(V& v, add_partitions_to_txn_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct add_partitions_to_txn_transaction {
    std::string transactional_id;
    std::int64_t producer_id = 0;
    std::int16_t producer_epoch = 0;
    bool verify_only = false;  // only check that the partitions are in the transaction
    std::vector<add_partitions_to_txn_topic> topics;
    bool operator==(const add_partitions_to_txn_transaction&) const = default;
};
template <typename V>
void visit(V& v, add_partitions_to_txn_transaction& m) {
    v.field(m.transactional_id, {});
    v.field(m.producer_id, {});
    v.field(m.producer_epoch, {});
    v.field(m.verify_only, {});
    v.field(m.topics, {});
}

struct add_partitions_to_txn_request {
    static constexpr api_key key = api_key::add_partitions_to_txn;
    std::vector<add_partitions_to_txn_transaction> transactions;  // v4+
    // v0-3: one transaction, at the top level
    std::string v3_and_below_transactional_id;
    std::int64_t v3_and_below_producer_id = 0;
    std::int16_t v3_and_below_producer_epoch = 0;
    std::vector<add_partitions_to_txn_topic> v3_and_below_topics;
    bool operator==(const add_partitions_to_txn_request&) const = default;
};
template <typename V>
void visit(V& v, add_partitions_to_txn_request& m) {
    v.field(m.transactions, {.min = 4});
    v.field(m.v3_and_below_transactional_id, {.max = 3});
    v.field(m.v3_and_below_producer_id, {.max = 3});
    v.field(m.v3_and_below_producer_epoch, {.max = 3});
    v.field(m.v3_and_below_topics, {.max = 3});
}

struct add_partitions_to_txn_partition_result {
    std::int32_t partition_index = 0;
    std::int16_t partition_error_code = 0;
    bool operator==(const add_partitions_to_txn_partition_result&) const = default;
};
template <typename V>
void visit(V& v, add_partitions_to_txn_partition_result& m) {
    v.field(m.partition_index, {});
    v.field(m.partition_error_code, {});
}

struct add_partitions_to_txn_topic_result {
    std::string name;
    std::vector<add_partitions_to_txn_partition_result> results_by_partition;
    bool operator==(const add_partitions_to_txn_topic_result&) const = default;
};
template <typename V>
void visit(V& v, add_partitions_to_txn_topic_result& m) {
    v.field(m.name, {});
    v.field(m.results_by_partition, {});
}

struct add_partitions_to_txn_result {
    std::string transactional_id;
    std::vector<add_partitions_to_txn_topic_result> topic_results;
    bool operator==(const add_partitions_to_txn_result&) const = default;
};
template <typename V>
void visit(V& v, add_partitions_to_txn_result& m) {
    v.field(m.transactional_id, {});
    v.field(m.topic_results, {});
}

struct add_partitions_to_txn_response {
    static constexpr api_key key = api_key::add_partitions_to_txn;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;                                                    // v4+
    std::vector<add_partitions_to_txn_result> results_by_transaction;               // v4+
    std::vector<add_partitions_to_txn_topic_result> results_by_topic_v3_and_below;  // v0-3
    bool operator==(const add_partitions_to_txn_response&) const = default;
};
template <typename V>
void visit(V& v, add_partitions_to_txn_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {.min = 4});
    v.field(m.results_by_transaction, {.min = 4});
    v.field(m.results_by_topic_v3_and_below, {.max = 3});
}

// AddOffsetsToTxn

struct add_offsets_to_txn_request {
    static constexpr api_key key = api_key::add_offsets_to_txn;
    std::string transactional_id;
    std::int64_t producer_id = 0;
    std::int16_t producer_epoch = 0;
    std::string group_id;
    bool operator==(const add_offsets_to_txn_request&) const = default;
};
template <typename V>
void visit(V& v, add_offsets_to_txn_request& m) {
    v.field(m.transactional_id, {});
    v.field(m.producer_id, {});
    v.field(m.producer_epoch, {});
    v.field(m.group_id, {});
}

struct add_offsets_to_txn_response {
    static constexpr api_key key = api_key::add_offsets_to_txn;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    bool operator==(const add_offsets_to_txn_response&) const = default;
};
template <typename V>
void visit(V& v, add_offsets_to_txn_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
}

// EndTxn

struct end_txn_request {
    static constexpr api_key key = api_key::end_txn;
    std::string transactional_id;
    std::int64_t producer_id = 0;
    std::int16_t producer_epoch = 0;
    bool committed = false;  // false: abort
    bool operator==(const end_txn_request&) const = default;
};
template <typename V>
void visit(V& v, end_txn_request& m) {
    v.field(m.transactional_id, {});
    v.field(m.producer_id, {});
    v.field(m.producer_epoch, {});
    v.field(m.committed, {});
}

struct end_txn_response {
    static constexpr api_key key = api_key::end_txn;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    bool operator==(const end_txn_response&) const = default;
};
template <typename V>
void visit(V& v, end_txn_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
}

// WriteTxnMarkers

struct writable_txn_marker_topic {
    std::string name;
    std::vector<std::int32_t> partition_indexes;
    bool operator==(const writable_txn_marker_topic&) const = default;
};
template <typename V>
void visit(V& v, writable_txn_marker_topic& m) {
    v.field(m.name, {});
    v.field(m.partition_indexes, {});
}

struct writable_txn_marker {
    std::int64_t producer_id = 0;
    std::int16_t producer_epoch = 0;
    bool transaction_result = false;  // false: ABORT, true: COMMIT
    std::vector<writable_txn_marker_topic> topics;
    std::int32_t coordinator_epoch = 0;
    bool operator==(const writable_txn_marker&) const = default;
};
template <typename V>
void visit(V& v, writable_txn_marker& m) {
    v.field(m.producer_id, {});
    v.field(m.producer_epoch, {});
    v.field(m.transaction_result, {});
    v.field(m.topics, {});
    v.field(m.coordinator_epoch, {});
}

struct write_txn_markers_request {
    static constexpr api_key key = api_key::write_txn_markers;
    std::vector<writable_txn_marker> markers;
    bool operator==(const write_txn_markers_request&) const = default;
};
template <typename V>
void visit(V& v, write_txn_markers_request& m) {
    v.field(m.markers, {});
}

struct writable_txn_marker_partition_result {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    bool operator==(const writable_txn_marker_partition_result&) const = default;
};
template <typename V>
void visit(V& v, writable_txn_marker_partition_result& m) {
    v.field(m.partition_index, {});
    v.field(m.error_code, {});
}

struct writable_txn_marker_topic_result {
    std::string name;
    std::vector<writable_txn_marker_partition_result> partitions;
    bool operator==(const writable_txn_marker_topic_result&) const = default;
};
template <typename V>
void visit(V& v, writable_txn_marker_topic_result& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct writable_txn_marker_result {
    std::int64_t producer_id = 0;
    std::vector<writable_txn_marker_topic_result> topics;
    bool operator==(const writable_txn_marker_result&) const = default;
};
template <typename V>
void visit(V& v, writable_txn_marker_result& m) {
    v.field(m.producer_id, {});
    v.field(m.topics, {});
}

struct write_txn_markers_response {
    static constexpr api_key key = api_key::write_txn_markers;
    std::vector<writable_txn_marker_result> markers;
    bool operator==(const write_txn_markers_response&) const = default;
};
template <typename V>
void visit(V& v, write_txn_markers_response& m) {
    v.field(m.markers, {});
}

// TxnOffsetCommit

struct txn_offset_commit_request_partition {
    std::int32_t partition_index = 0;
    std::int64_t committed_offset = 0;
    std::int32_t committed_leader_epoch = -1;  // v2+
    std::optional<std::string> committed_metadata;
    bool operator==(const txn_offset_commit_request_partition&) const = default;
};
template <typename V>
void visit(V& v, txn_offset_commit_request_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.committed_offset, {});
    v.field(m.committed_leader_epoch, {.min = 2, .default_value = -1});
    v.field(m.committed_metadata, {.nullable_min = 0});
}

struct txn_offset_commit_request_topic {
    std::string name;
    std::vector<txn_offset_commit_request_partition> partitions;
    bool operator==(const txn_offset_commit_request_topic&) const = default;
};
template <typename V>
void visit(V& v, txn_offset_commit_request_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct txn_offset_commit_request {
    static constexpr api_key key = api_key::txn_offset_commit;
    std::string transactional_id;
    std::string group_id;
    std::int64_t producer_id = 0;
    std::int16_t producer_epoch = 0;
    std::int32_t generation_id = -1;               // v3+
    std::string member_id;                         // v3+
    std::optional<std::string> group_instance_id;  // v3+
    std::vector<txn_offset_commit_request_topic> topics;
    bool operator==(const txn_offset_commit_request&) const = default;
};
template <typename V>
void visit(V& v, txn_offset_commit_request& m) {
    v.field(m.transactional_id, {});
    v.field(m.group_id, {});
    v.field(m.producer_id, {});
    v.field(m.producer_epoch, {});
    v.field(m.generation_id, {.min = 3, .default_value = -1});
    v.field(m.member_id, {.min = 3});
    v.field(m.group_instance_id, {.min = 3, .nullable_min = 3});
    v.field(m.topics, {});
}

struct txn_offset_commit_response_partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    bool operator==(const txn_offset_commit_response_partition&) const = default;
};
template <typename V>
void visit(V& v, txn_offset_commit_response_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.error_code, {});
}

struct txn_offset_commit_response_topic {
    std::string name;
    std::vector<txn_offset_commit_response_partition> partitions;
    bool operator==(const txn_offset_commit_response_topic&) const = default;
};
template <typename V>
void visit(V& v, txn_offset_commit_response_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct txn_offset_commit_response {
    static constexpr api_key key = api_key::txn_offset_commit;
    std::int32_t throttle_time_ms = 0;
    std::vector<txn_offset_commit_response_topic> topics;
    bool operator==(const txn_offset_commit_response&) const = default;
};
template <typename V>
void visit(V& v, txn_offset_commit_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.topics, {});
}

// DescribeTransactions

struct describe_transactions_request {
    static constexpr api_key key = api_key::describe_transactions;
    std::vector<std::string> transactional_ids;
    bool operator==(const describe_transactions_request&) const = default;
};
template <typename V>
void visit(V& v, describe_transactions_request& m) {
    v.field(m.transactional_ids, {});
}

struct transaction_topic_data {
    std::string topic;
    std::vector<std::int32_t> partitions;
    bool operator==(const transaction_topic_data&) const = default;
};
template <typename V>
void visit(V& v, transaction_topic_data& m) {
    v.field(m.topic, {});
    v.field(m.partitions, {});
}

struct described_transaction {
    std::int16_t error_code = 0;
    std::string transactional_id;
    std::string transaction_state;  // Kafka's state names: "Empty", "Ongoing", ...
    std::int32_t transaction_timeout_ms = 0;
    std::int64_t transaction_start_time_ms = 0;
    std::int64_t producer_id = 0;
    std::int16_t producer_epoch = 0;
    std::vector<transaction_topic_data> topics;
    bool operator==(const described_transaction&) const = default;
};
template <typename V>
void visit(V& v, described_transaction& m) {
    v.field(m.error_code, {});
    v.field(m.transactional_id, {});
    v.field(m.transaction_state, {});
    v.field(m.transaction_timeout_ms, {});
    v.field(m.transaction_start_time_ms, {});
    v.field(m.producer_id, {});
    v.field(m.producer_epoch, {});
    v.field(m.topics, {});
}

struct describe_transactions_response {
    static constexpr api_key key = api_key::describe_transactions;
    std::int32_t throttle_time_ms = 0;
    std::vector<described_transaction> transaction_states;
    bool operator==(const describe_transactions_response&) const = default;
};
template <typename V>
void visit(V& v, describe_transactions_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.transaction_states, {});
}

// ListTransactions

struct list_transactions_request {
    static constexpr api_key key = api_key::list_transactions;
    std::vector<std::string> state_filters;         // empty: every state
    std::vector<std::int64_t> producer_id_filters;  // empty: every producer
    bool operator==(const list_transactions_request&) const = default;
};
template <typename V>
void visit(V& v, list_transactions_request& m) {
    v.field(m.state_filters, {});
    v.field(m.producer_id_filters, {});
}

struct listed_transaction {
    std::string transactional_id;
    std::int64_t producer_id = 0;
    std::string transaction_state;
    bool operator==(const listed_transaction&) const = default;
};
template <typename V>
void visit(V& v, listed_transaction& m) {
    v.field(m.transactional_id, {});
    v.field(m.producer_id, {});
    v.field(m.transaction_state, {});
}

struct list_transactions_response {
    static constexpr api_key key = api_key::list_transactions;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::vector<std::string> unknown_state_filters;
    std::vector<listed_transaction> transaction_states;
    bool operator==(const list_transactions_response&) const = default;
};
template <typename V>
void visit(V& v, list_transactions_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
    v.field(m.unknown_state_filters, {});
    v.field(m.transaction_states, {});
}

}  // namespace laminar::kafka
