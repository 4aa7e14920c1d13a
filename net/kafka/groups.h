// Consumer-group APIs (the classic protocol): OffsetCommit (key 8, v0-9, flexible from 8),
// OffsetFetch (9, v0-9, flexible from 6), JoinGroup (11, v0-9, flexible from 6), Heartbeat (12,
// v0-4, flexible from 4), LeaveGroup (13, v0-5, flexible from 4), SyncGroup (14, v0-5, flexible
// from 4), DescribeGroups (15, v0-5, flexible from 5), ListGroups (16, v0-4, flexible from 3),
// DeleteGroups (42, v0-2, flexible from 2), OffsetDelete (47, v0, never flexible).
// None of them has tagged fields at 3.7.
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

// OffsetCommit

struct offset_commit_request_partition {
    std::int32_t partition_index = 0;
    std::int64_t committed_offset = 0;
    std::int32_t committed_leader_epoch = -1;
    std::int64_t commit_timestamp = -1;  // v1 only
    std::optional<std::string> committed_metadata;
    bool operator==(const offset_commit_request_partition&) const = default;
};
template <typename V>
void visit(V& v, offset_commit_request_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.committed_offset, {});
    v.field(m.committed_leader_epoch, {.min = 6, .default_value = -1});
    v.field(m.commit_timestamp, {.min = 1, .max = 1, .default_value = -1});
    v.field(m.committed_metadata, {.nullable_min = 0});
}

struct offset_commit_request_topic {
    std::string name;
    std::vector<offset_commit_request_partition> partitions;
    bool operator==(const offset_commit_request_topic&) const = default;
};
template <typename V>
void visit(V& v, offset_commit_request_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct offset_commit_request {
    static constexpr api_key key = api_key::offset_commit;
    std::string group_id;
    std::int32_t generation_id_or_member_epoch = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::int64_t retention_time_ms = -1;  // v2-4
    std::vector<offset_commit_request_topic> topics;
    bool operator==(const offset_commit_request&) const = default;
};
template <typename V>
void visit(V& v, offset_commit_request& m) {
    v.field(m.group_id, {});
    v.field(m.generation_id_or_member_epoch, {.min = 1, .default_value = -1});
    v.field(m.member_id, {.min = 1});
    v.field(m.group_instance_id, {.min = 7, .nullable_min = 7});
    v.field(m.retention_time_ms, {.min = 2, .max = 4, .default_value = -1});
    v.field(m.topics, {});
}

struct offset_commit_response_partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    bool operator==(const offset_commit_response_partition&) const = default;
};
template <typename V>
void visit(V& v, offset_commit_response_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.error_code, {});
}

struct offset_commit_response_topic {
    std::string name;
    std::vector<offset_commit_response_partition> partitions;
    bool operator==(const offset_commit_response_topic&) const = default;
};
template <typename V>
void visit(V& v, offset_commit_response_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct offset_commit_response {
    static constexpr api_key key = api_key::offset_commit;
    std::int32_t throttle_time_ms = 0;
    std::vector<offset_commit_response_topic> topics;
    bool operator==(const offset_commit_response&) const = default;
};
template <typename V>
void visit(V& v, offset_commit_response& m) {
    v.field(m.throttle_time_ms, {.min = 3});
    v.field(m.topics, {});
}

// OffsetFetch: one group at the top level up to v7, an array of groups from v8.

struct offset_fetch_request_topic {
    std::string name;
    std::vector<std::int32_t> partition_indexes;
    bool operator==(const offset_fetch_request_topic&) const = default;
};
template <typename V>
void visit(V& v, offset_fetch_request_topic& m) {
    v.field(m.name, {});
    v.field(m.partition_indexes, {});
}

struct offset_fetch_request_group {
    std::string group_id;
    std::optional<std::string> member_id;  // v9+, KIP-848 members only
    std::int32_t member_epoch = -1;
    // null: every partition the group has an offset for.
    std::optional<std::vector<offset_fetch_request_topic>> topics =
        std::vector<offset_fetch_request_topic>{};
    bool operator==(const offset_fetch_request_group&) const = default;
};
template <typename V>
void visit(V& v, offset_fetch_request_group& m) {
    v.field(m.group_id, {.min = 8});
    v.field(m.member_id, {.min = 9, .nullable_min = 9});
    v.field(m.member_epoch, {.min = 9, .default_value = -1});
    v.field(m.topics, {.min = 8, .nullable_min = 8});
}

struct offset_fetch_request {
    static constexpr api_key key = api_key::offset_fetch;
    std::string group_id;  // v0-7
    std::optional<std::vector<offset_fetch_request_topic>> topics =
        std::vector<offset_fetch_request_topic>{};  // v0-7; null (v2+): all
    std::vector<offset_fetch_request_group> groups;  // v8+
    bool require_stable = false;
    bool operator==(const offset_fetch_request&) const = default;
};
template <typename V>
void visit(V& v, offset_fetch_request& m) {
    v.field(m.group_id, {.max = 7});
    v.field(m.topics, {.max = 7, .nullable_min = 2});
    v.field(m.groups, {.min = 8});
    v.field(m.require_stable, {.min = 7});
}

// One partition's committed offset, in the v0-7 topics and in the v8+ group entries alike (Kafka
// declares two structs with the same fields; the leader epoch is there from v5 in both).
struct offset_fetch_response_partition {
    std::int32_t partition_index = 0;
    std::int64_t committed_offset = 0;
    std::int32_t committed_leader_epoch = -1;
    std::optional<std::string> metadata;
    std::int16_t error_code = 0;
    bool operator==(const offset_fetch_response_partition&) const = default;
};
template <typename V>
void visit(V& v, offset_fetch_response_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.committed_offset, {});
    v.field(m.committed_leader_epoch, {.min = 5, .default_value = -1});
    v.field(m.metadata, {.nullable_min = 0});
    v.field(m.error_code, {});
}

struct offset_fetch_response_topic {
    std::string name;
    std::vector<offset_fetch_response_partition> partitions;
    bool operator==(const offset_fetch_response_topic&) const = default;
};
template <typename V>
void visit(V& v, offset_fetch_response_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct offset_fetch_response_group {
    std::string group_id;
    std::vector<offset_fetch_response_topic> topics;
    std::int16_t error_code = 0;
    bool operator==(const offset_fetch_response_group&) const = default;
};
template <typename V>
void visit(V& v, offset_fetch_response_group& m) {
    v.field(m.group_id, {.min = 8});
    v.field(m.topics, {.min = 8});
    v.field(m.error_code, {.min = 8});
}

struct offset_fetch_response {
    static constexpr api_key key = api_key::offset_fetch;
    std::int32_t throttle_time_ms = 0;
    std::vector<offset_fetch_response_topic> topics;  // v0-7
    std::int16_t error_code = 0;                      // v2-7
    std::vector<offset_fetch_response_group> groups;  // v8+
    bool operator==(const offset_fetch_response&) const = default;
};
template <typename V>
void visit(V& v, offset_fetch_response& m) {
    v.field(m.throttle_time_ms, {.min = 3});
    v.field(m.topics, {.max = 7});
    v.field(m.error_code, {.min = 2, .max = 7});
    v.field(m.groups, {.min = 8});
}

// JoinGroup

struct join_group_request_protocol {
    std::string name;
    bytes metadata;
    bool operator==(const join_group_request_protocol&) const = default;
};
template <typename V>
void visit(V& v, join_group_request_protocol& m) {
    v.field(m.name, {});
    v.field(m.metadata, {});
}

struct join_group_request {
    static constexpr api_key key = api_key::join_group;
    std::string group_id;
    std::int32_t session_timeout_ms = 0;
    std::int32_t rebalance_timeout_ms = -1;  // v1+; v0: the session timeout
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string protocol_type;
    std::vector<join_group_request_protocol> protocols;
    std::optional<std::string> reason;
    bool operator==(const join_group_request&) const = default;
};
template <typename V>
void visit(V& v, join_group_request& m) {
    v.field(m.group_id, {});
    v.field(m.session_timeout_ms, {});
    v.field(m.rebalance_timeout_ms, {.min = 1, .default_value = -1});
    v.field(m.member_id, {});
    v.field(m.group_instance_id, {.min = 5, .nullable_min = 5});
    v.field(m.protocol_type, {});
    v.field(m.protocols, {});
    v.field(m.reason, {.min = 8, .nullable_min = 8});
}

struct join_group_response_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    bytes metadata;
    bool operator==(const join_group_response_member&) const = default;
};
template <typename V>
void visit(V& v, join_group_response_member& m) {
    v.field(m.member_id, {});
    v.field(m.group_instance_id, {.min = 5, .nullable_min = 5});
    v.field(m.metadata, {});
}

struct join_group_response {
    static constexpr api_key key = api_key::join_group;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::int32_t generation_id = -1;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name = std::string{};  // null allowed from v7
    std::string leader;
    bool skip_assignment = false;
    std::string member_id;
    std::vector<join_group_response_member> members;
    bool operator==(const join_group_response&) const = default;
};
template <typename V>
void visit(V& v, join_group_response& m) {
    v.field(m.throttle_time_ms, {.min = 2});
    v.field(m.error_code, {});
    v.field(m.generation_id, {.default_value = -1});
    v.field(m.protocol_type, {.min = 7, .nullable_min = 7});
    v.field(m.protocol_name, {.nullable_min = 7});
    v.field(m.leader, {});
    v.field(m.skip_assignment, {.min = 9});
    v.field(m.member_id, {});
    v.field(m.members, {});
}

// Heartbeat

struct heartbeat_request {
    static constexpr api_key key = api_key::heartbeat;
    std::string group_id;
    std::int32_t generation_id = 0;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    bool operator==(const heartbeat_request&) const = default;
};
template <typename V>
void visit(V& v, heartbeat_request& m) {
    v.field(m.group_id, {});
    v.field(m.generation_id, {});
    v.field(m.member_id, {});
    v.field(m.group_instance_id, {.min = 3, .nullable_min = 3});
}

struct heartbeat_response {
    static constexpr api_key key = api_key::heartbeat;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    bool operator==(const heartbeat_response&) const = default;
};
template <typename V>
void visit(V& v, heartbeat_response& m) {
    v.field(m.throttle_time_ms, {.min = 1});
    v.field(m.error_code, {});
}

// LeaveGroup: one member up to v2, a batch of members from v3.

struct leave_group_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::optional<std::string> reason;
    bool operator==(const leave_group_member&) const = default;
};
template <typename V>
void visit(V& v, leave_group_member& m) {
    v.field(m.member_id, {.min = 3});
    v.field(m.group_instance_id, {.min = 3, .nullable_min = 3});
    v.field(m.reason, {.min = 5, .nullable_min = 5});
}

struct leave_group_request {
    static constexpr api_key key = api_key::leave_group;
    std::string group_id;
    std::string member_id;                    // v0-2
    std::vector<leave_group_member> members;  // v3+
    bool operator==(const leave_group_request&) const = default;
};
template <typename V>
void visit(V& v, leave_group_request& m) {
    v.field(m.group_id, {});
    v.field(m.member_id, {.max = 2});
    v.field(m.members, {.min = 3});
}

struct leave_group_member_response {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::int16_t error_code = 0;
    bool operator==(const leave_group_member_response&) const = default;
};
template <typename V>
void visit(V& v, leave_group_member_response& m) {
    v.field(m.member_id, {.min = 3});
    v.field(m.group_instance_id, {.min = 3, .nullable_min = 3});
    v.field(m.error_code, {.min = 3});
}

struct leave_group_response {
    static constexpr api_key key = api_key::leave_group;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::vector<leave_group_member_response> members;  // v3+
    bool operator==(const leave_group_response&) const = default;
};
template <typename V>
void visit(V& v, leave_group_response& m) {
    v.field(m.throttle_time_ms, {.min = 1});
    v.field(m.error_code, {});
    v.field(m.members, {.min = 3});
}

// SyncGroup

struct sync_group_request_assignment {
    std::string member_id;
    bytes assignment;
    bool operator==(const sync_group_request_assignment&) const = default;
};
template <typename V>
void visit(V& v, sync_group_request_assignment& m) {
    v.field(m.member_id, {});
    v.field(m.assignment, {});
}

struct sync_group_request {
    static constexpr api_key key = api_key::sync_group;
    std::string group_id;
    std::int32_t generation_id = 0;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    std::vector<sync_group_request_assignment> assignments;  // from the leader only
    bool operator==(const sync_group_request&) const = default;
};
template <typename V>
void visit(V& v, sync_group_request& m) {
    v.field(m.group_id, {});
    v.field(m.generation_id, {});
    v.field(m.member_id, {});
    v.field(m.group_instance_id, {.min = 3, .nullable_min = 3});
    v.field(m.protocol_type, {.min = 5, .nullable_min = 5});
    v.field(m.protocol_name, {.min = 5, .nullable_min = 5});
    v.field(m.assignments, {});
}

struct sync_group_response {
    static constexpr api_key key = api_key::sync_group;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    bytes assignment;
    bool operator==(const sync_group_response&) const = default;
};
template <typename V>
void visit(V& v, sync_group_response& m) {
    v.field(m.throttle_time_ms, {.min = 1});
    v.field(m.error_code, {});
    v.field(m.protocol_type, {.min = 5, .nullable_min = 5});
    v.field(m.protocol_name, {.min = 5, .nullable_min = 5});
    v.field(m.assignment, {});
}

// DescribeGroups

struct describe_groups_request {
    static constexpr api_key key = api_key::describe_groups;
    std::vector<std::string> groups;
    bool include_authorized_operations = false;
    bool operator==(const describe_groups_request&) const = default;
};
template <typename V>
void visit(V& v, describe_groups_request& m) {
    v.field(m.groups, {});
    v.field(m.include_authorized_operations, {.min = 3});
}

struct described_group_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    bytes member_metadata;
    bytes member_assignment;
    bool operator==(const described_group_member&) const = default;
};
template <typename V>
void visit(V& v, described_group_member& m) {
    v.field(m.member_id, {});
    v.field(m.group_instance_id, {.min = 4, .nullable_min = 4});
    v.field(m.client_id, {});
    v.field(m.client_host, {});
    v.field(m.member_metadata, {});
    v.field(m.member_assignment, {});
}

struct described_group {
    std::int16_t error_code = 0;
    std::string group_id;
    std::string group_state;
    std::string protocol_type;
    std::string protocol_data;
    std::vector<described_group_member> members;
    std::int32_t authorized_operations = -2147483648;
    bool operator==(const described_group&) const = default;
};
template <typename V>
void visit(V& v, described_group& m) {
    v.field(m.error_code, {});
    v.field(m.group_id, {});
    v.field(m.group_state, {});
    v.field(m.protocol_type, {});
    v.field(m.protocol_data, {});
    v.field(m.members, {});
    v.field(m.authorized_operations, {.min = 3, .default_value = -2147483648});
}

struct describe_groups_response {
    static constexpr api_key key = api_key::describe_groups;
    std::int32_t throttle_time_ms = 0;
    std::vector<described_group> groups;
    bool operator==(const describe_groups_response&) const = default;
};
template <typename V>
void visit(V& v, describe_groups_response& m) {
    v.field(m.throttle_time_ms, {.min = 1});
    v.field(m.groups, {});
}

// ListGroups

struct list_groups_request {
    static constexpr api_key key = api_key::list_groups;
    std::vector<std::string> states_filter;  // v4+; empty: every state
    bool operator==(const list_groups_request&) const = default;
};
template <typename V>
void visit(V& v, list_groups_request& m) {
    v.field(m.states_filter, {.min = 4});
}

struct listed_group {
    std::string group_id;
    std::string protocol_type;
    std::string group_state;
    bool operator==(const listed_group&) const = default;
};
template <typename V>
void visit(V& v, listed_group& m) {
    v.field(m.group_id, {});
    v.field(m.protocol_type, {});
    v.field(m.group_state, {.min = 4});
}

struct list_groups_response {
    static constexpr api_key key = api_key::list_groups;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::vector<listed_group> groups;
    bool operator==(const list_groups_response&) const = default;
};
template <typename V>
void visit(V& v, list_groups_response& m) {
    v.field(m.throttle_time_ms, {.min = 1});
    v.field(m.error_code, {});
    v.field(m.groups, {});
}

// DeleteGroups

struct delete_groups_request {
    static constexpr api_key key = api_key::delete_groups;
    std::vector<std::string> groups_names;
    bool operator==(const delete_groups_request&) const = default;
};
template <typename V>
void visit(V& v, delete_groups_request& m) {
    v.field(m.groups_names, {});
}

struct deletable_group_result {
    std::string group_id;
    std::int16_t error_code = 0;
    bool operator==(const deletable_group_result&) const = default;
};
template <typename V>
void visit(V& v, deletable_group_result& m) {
    v.field(m.group_id, {});
    v.field(m.error_code, {});
}

struct delete_groups_response {
    static constexpr api_key key = api_key::delete_groups;
    std::int32_t throttle_time_ms = 0;
    std::vector<deletable_group_result> results;
    bool operator==(const delete_groups_response&) const = default;
};
template <typename V>
void visit(V& v, delete_groups_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.results, {});
}

// OffsetDelete

struct offset_delete_request_partition {
    std::int32_t partition_index = 0;
    bool operator==(const offset_delete_request_partition&) const = default;
};
template <typename V>
void visit(V& v, offset_delete_request_partition& m) {
    v.field(m.partition_index, {});
}

struct offset_delete_request_topic {
    std::string name;
    std::vector<offset_delete_request_partition> partitions;
    bool operator==(const offset_delete_request_topic&) const = default;
};
template <typename V>
void visit(V& v, offset_delete_request_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct offset_delete_request {
    static constexpr api_key key = api_key::offset_delete;
    std::string group_id;
    std::vector<offset_delete_request_topic> topics;
    bool operator==(const offset_delete_request&) const = default;
};
template <typename V>
void visit(V& v, offset_delete_request& m) {
    v.field(m.group_id, {});
    v.field(m.topics, {});
}

struct offset_delete_response_partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    bool operator==(const offset_delete_response_partition&) const = default;
};
template <typename V>
void visit(V& v, offset_delete_response_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.error_code, {});
}

struct offset_delete_response_topic {
    std::string name;
    std::vector<offset_delete_response_partition> partitions;
    bool operator==(const offset_delete_response_topic&) const = default;
};
template <typename V>
void visit(V& v, offset_delete_response_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct offset_delete_response {
    static constexpr api_key key = api_key::offset_delete;
    std::int16_t error_code = 0;
    std::int32_t throttle_time_ms = 0;
    std::vector<offset_delete_response_topic> topics;
    bool operator==(const offset_delete_response&) const = default;
};
template <typename V>
void visit(V& v, offset_delete_response& m) {
    v.field(m.error_code, {});
    v.field(m.throttle_time_ms, {});
    v.field(m.topics, {});
}

}  // namespace laminar::kafka
