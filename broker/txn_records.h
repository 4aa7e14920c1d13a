// The records of __transaction_state in Kafka's own formats (TransactionLogKey and
// TransactionLogValue), so a log written by Kafka loads here and Kafka's tools
// (kafka-dump-log --transaction-log-decoder) read ours. Key and value start with an int16 version:
//   key    v0      TransactionLogKey    transactional id
//   value  v0-1    TransactionLogValue  v1 is flexible: compact strings and arrays, tagged fields
//                                       (tag 0 PreviousProducerId, 1 NextProducerId, 2
//                                       ClientTransactionVersion, as Kafka 4 defines them)
// We write value v1 with the previous producer id tagged, which Kafka 3.5+ reads. A null value
// is a tombstone: the transactional id expired.
//
// Faults: decoding treats the bytes as hostile (bounded reads, codec_error values, never a crash
// or an allocation larger than the input); unknown tagged fields are skipped.
// Locality: pure functions, any thread. No std::variant here: the fuzz target compiles this file
// with clang 14.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/kafka/schema.h"

namespace laminar::broker::txn {

// Kafka's TransactionState ids (the TransactionStatus byte of the value) and names (what
// DescribeTransactions and ListTransactions show).
enum class txn_state : std::int8_t {
    empty = 0,
    ongoing = 1,
    prepare_commit = 2,
    prepare_abort = 3,
    complete_commit = 4,
    complete_abort = 5,
    dead = 6,
    prepare_epoch_fence = 7,
};
inline constexpr std::int8_t txn_state_max = 7;

std::string_view state_name(txn_state state) noexcept;
std::optional<txn_state> state_named(std::string_view name) noexcept;

struct txn_log_partitions {
    std::string topic;
    std::vector<std::int32_t> partition_ids;
    bool operator==(const txn_log_partitions&) const = default;
};
template <typename V>
void visit(V& v, txn_log_partitions& m) {
    v.field(m.topic, {});
    v.field(m.partition_ids, {});
}

struct txn_log_value {
    std::int64_t producer_id = 0;
    std::int64_t previous_producer_id = -1;  // v1+, tagged
    std::int64_t next_producer_id = -1;      // v1+, tagged
    std::int16_t producer_epoch = 0;
    std::int32_t transaction_timeout_ms = 0;
    std::int8_t transaction_status = 0;  // txn_state
    std::optional<std::vector<txn_log_partitions>> transaction_partitions =
        std::vector<txn_log_partitions>{};
    std::int64_t transaction_last_update_timestamp_ms = 0;
    std::int64_t transaction_start_timestamp_ms = 0;
    std::int16_t client_transaction_version = 0;  // v1+, tagged
    bool operator==(const txn_log_value&) const = default;
};
template <typename V>
void visit(V& v, txn_log_value& m) {
    v.field(m.producer_id, {});
    v.field(m.previous_producer_id, {.min = 1, .tag = 0, .default_value = -1});
    v.field(m.next_producer_id, {.min = 1, .tag = 1, .default_value = -1});
    v.field(m.producer_epoch, {});
    v.field(m.transaction_timeout_ms, {});
    v.field(m.transaction_status, {});
    v.field(m.transaction_partitions, {.nullable_min = 0});
    v.field(m.transaction_last_update_timestamp_ms, {});
    v.field(m.transaction_start_timestamp_ms, {});
    v.field(m.client_transaction_version, {.min = 1, .tag = 2});
}

inline constexpr std::int16_t txn_log_key_version = 0;
inline constexpr std::int16_t txn_log_value_version = 1;
inline constexpr std::int16_t txn_log_value_version_max = 1;

kafka::bytes encode_txn_log_key(std::string_view transactional_id);
kafka::codec_result<std::string> decode_txn_log_key(std::span<const std::byte> data);

kafka::bytes encode_txn_log_value(const txn_log_value& value,
                                  std::int16_t version = txn_log_value_version);
kafka::codec_result<txn_log_value> decode_txn_log_value(std::span<const std::byte> data);

// Kafka's partition of __transaction_state for a transactional id: abs(hashCode) % count, as
// for groups (groups::offsets_partition_for).
std::int32_t txn_state_partition_for(std::string_view transactional_id,
                                     std::int32_t partition_count);

}  // namespace laminar::broker::txn
