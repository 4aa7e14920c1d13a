// The classic consumer group protocol's requests and responses as the group coordinator sees
// them: plain, version-independent structs holding the union of the fields over every version
// the broker serves. The API layer converts the wire codec's messages to and from these, and
// fills the behaviour flags that depend on the request's version (they are named after the
// version rule Kafka applies). Error codes are Kafka's int16 codes (broker/kafka_errors.h).
//
// Locality: plain data, any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace laminar::broker::groups {

// The driver's handle for a request whose reply comes later, through the coordinator's effects.
using request_id = std::uint64_t;
using bytes = std::vector<std::byte>;

// ---- JoinGroup ----
struct join_protocol {
    std::string name;
    bytes metadata;
    bool operator==(const join_protocol&) const = default;
};

struct join_request {
    std::string group_id;
    std::int32_t session_timeout_ms = 0;
    // -1 (JoinGroup v0 has no such field) means "the session timeout", as Kafka does for v0.
    std::int32_t rebalance_timeout_ms = -1;
    std::string member_id;  // "" = unknown member
    std::optional<std::string> group_instance_id;  // v5+ (static membership, KIP-345)
    std::string protocol_type;
    std::vector<join_protocol> protocols;
    std::optional<std::string> reason;  // v8+, logged only
    std::string client_id;              // from the request header
    std::string client_host;            // the connection's peer address, as Kafka prints it
    // JoinGroup v4+ (KIP-394): a dynamic member joining with no member id gets one back with
    // MEMBER_ID_REQUIRED and must rejoin with it. The coordinator ignores it for static members.
    bool require_known_member_id = false;
    // JoinGroup v9+ (KIP-814): a static leader rejoining a Stable group is told to skip the
    // assignment instead of being made to rebalance the group.
    bool support_skip_assignment = false;
};

struct join_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    bytes metadata;
    bool operator==(const join_member&) const = default;
};

struct join_response {
    std::int16_t error_code = 0;
    std::int32_t generation_id = -1;
    std::optional<std::string> protocol_type;  // v7+ on the wire
    std::optional<std::string> protocol_name;  // null before v7 is written as ""
    std::string leader;
    bool skip_assignment = false;  // v9+
    std::string member_id;
    std::vector<join_member> members;  // only the leader's response lists the members
};

// ---- SyncGroup ----
struct sync_assignment {
    std::string member_id;
    bytes assignment;
};

struct sync_request {
    std::string group_id;
    std::int32_t generation_id = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v3+
    std::optional<std::string> protocol_type;      // v5+, checked when present
    std::optional<std::string> protocol_name;      // v5+, checked when present
    std::vector<sync_assignment> assignments;      // the leader's only
};

struct sync_response {
    std::int16_t error_code = 0;
    std::optional<std::string> protocol_type;  // v5+
    std::optional<std::string> protocol_name;  // v5+
    bytes assignment;
};

// ---- Heartbeat ----
struct heartbeat_request {
    std::string group_id;
    std::int32_t generation_id = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v3+
};

struct heartbeat_response {
    std::int16_t error_code = 0;
};

// ---- LeaveGroup ----
// v0-2 carry one member (the top-level member id); v3+ a batch. For v0-2 the API layer answers
// with `error_code` when it is not 0, else with that one member's error_code (as Kafka does).
struct leave_member {
    std::string member_id;  // "" with a group_instance_id: remove that static member (admin)
    std::optional<std::string> group_instance_id;
    std::optional<std::string> reason;  // v5+, logged only
};

struct leave_request {
    std::string group_id;
    std::vector<leave_member> members;
};

struct leave_member_response {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::int16_t error_code = 0;
};

struct leave_response {
    std::int16_t error_code = 0;
    std::vector<leave_member_response> members;
};

// ---- OffsetCommit ----
// The API layer answers partitions of topics that do not exist (UNKNOWN_TOPIC_OR_PARTITION)
// itself and passes the rest here.
struct commit_partition {
    std::int32_t partition_index = 0;
    std::int64_t committed_offset = 0;
    std::int32_t committed_leader_epoch = -1;  // v6+
    std::int64_t commit_timestamp = -1;        // v1 only; -1 = now
    std::optional<std::string> committed_metadata;
};

struct commit_topic {
    std::string name;
    std::vector<commit_partition> partitions;
};

struct offset_commit_request {
    std::string group_id;
    std::int32_t generation_id_or_member_epoch = -1;  // v1+
    std::string member_id;                             // v1+
    std::optional<std::string> group_instance_id;      // v7+
    std::int64_t retention_time_ms = -1;               // v2-4; -1 = the broker's retention
    std::vector<commit_topic> topics;
};

struct commit_partition_result {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    bool operator==(const commit_partition_result&) const = default;
};

struct commit_topic_result {
    std::string name;
    std::vector<commit_partition_result> partitions;
    bool operator==(const commit_topic_result&) const = default;
};

struct offset_commit_response {
    std::vector<commit_topic_result> topics;  // in the request's order
};

// ---- TxnOffsetCommit: a transaction's offsets, answered as OffsetCommit is ----
struct txn_offset_commit_request {
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    offset_commit_request commit;  // group, generation, member, instance id, topics
};

// ---- OffsetFetch (one group; v8+ batches are split per group by the API layer) ----
struct fetch_topic {
    std::string name;
    std::vector<std::int32_t> partition_indexes;
};

struct offset_fetch_request {
    std::string group_id;
    std::optional<std::vector<fetch_topic>> topics;  // nullopt = every committed offset (v2+)
    bool require_stable = false;                     // v7+
};

struct fetch_partition_result {
    std::int32_t partition_index = 0;
    std::int64_t committed_offset = -1;
    std::int32_t committed_leader_epoch = -1;
    std::optional<std::string> metadata;  // Kafka answers "" when there is none
    std::int16_t error_code = 0;
    bool operator==(const fetch_partition_result&) const = default;
};

struct fetch_topic_result {
    std::string name;
    std::vector<fetch_partition_result> partitions;
    bool operator==(const fetch_topic_result&) const = default;
};

struct offset_fetch_response {
    std::int16_t error_code = 0;  // group-level (v2+; v0-1 put it on every partition)
    std::vector<fetch_topic_result> topics;
};

// ---- DescribeGroups (one group; the API layer loops) ----
struct described_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    bytes metadata;    // only in the Stable state, as Kafka
    bytes assignment;  // only in the Stable state
};

struct describe_response {
    std::int16_t error_code = 0;
    std::string group_id;
    std::string state;  // "Stable", "PreparingRebalance", "CompletingRebalance", "Empty", "Dead"
    std::string protocol_type;
    std::string protocol_data;  // the selected protocol when Stable, else ""
    std::vector<described_member> members;
};

// ---- ListGroups ----
struct list_request {
    std::vector<std::string> states_filter;  // v4+; empty = every state
};

struct listed_group {
    std::string group_id;
    std::string protocol_type;
    std::string state;
    bool operator==(const listed_group&) const = default;
};

struct list_response {
    std::int16_t error_code = 0;
    std::vector<listed_group> groups;
};

// ---- DeleteGroups ----
struct deleted_group {
    std::string group_id;
    std::int16_t error_code = 0;
    bool operator==(const deleted_group&) const = default;
};

// ---- OffsetDelete ----
struct offset_delete_topic {
    std::string name;
    std::vector<std::int32_t> partition_indexes;
};

struct offset_delete_request {
    std::string group_id;
    std::vector<offset_delete_topic> topics;
};

struct offset_delete_response {
    std::int16_t error_code = 0;  // when set, `topics` is empty (as Kafka)
    std::vector<commit_topic_result> topics;
};

}  // namespace laminar::broker::groups
