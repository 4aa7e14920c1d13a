// The group coordinator's inside (private to group_coordinator.cpp and group_offsets.cpp): the
// groups of one __consumer_offsets partition, their members and offsets, the appends in flight
// and the deadlines. Names follow Kafka's GroupMetadata / MemberMetadata so the two read side
// by side. Containers are ordered maps: iteration order is part of the behaviour (which member
// becomes leader when the leader leaves) and must be reproducible in the simulation.
//
// Locality: owned by one group_coordinator, on its shard.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "broker/group_coordinator.h"
#include "broker/group_records.h"
#include "broker/kafka_errors.h"

namespace laminar::broker::groups {

enum class group_state : std::uint8_t {
    empty,
    preparing_rebalance,
    completing_rebalance,
    stable,
    dead,
};
std::string_view state_name(group_state state) noexcept;

struct topic_partition {
    std::string topic;
    std::int32_t partition = 0;
    auto operator<=>(const topic_partition&) const = default;
};

struct member_state {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    std::int32_t rebalance_timeout_ms = 0;
    std::int32_t session_timeout_ms = 0;
    std::string protocol_type;
    std::vector<join_protocol> protocols;
    bytes assignment;
    std::optional<request_id> awaiting_join;
    bool awaiting_join_skip_assignment = false;  // the waiting JoinGroup is v9+
    std::optional<request_id> awaiting_sync;
    bool is_new = false;
    std::optional<std::int64_t> heartbeat_deadline_ms;

    const bytes* metadata(const std::string& protocol) const;
};

// Kafka's DelayedJoin (initial = false) and InitialDelayedJoin (initial = true).
struct join_timer {
    std::int64_t deadline_ms = 0;
    bool initial = false;
    std::int32_t delay_ms = 0;      // initial only: this round's delay
    std::int32_t remaining_ms = 0;  // initial only: how much longer it may be extended
};

struct stored_offset {
    offset_commit_value value;
    std::uint64_t append_order = 0;  // the persist token that wrote it (0 = loaded)
};

// An offset of an open transaction (Kafka's pendingTransactionalOffsetCommits).
struct pending_txn_offset {
    offset_commit_value value;
    std::uint64_t append_order = 0;  // 0 while its append is in flight
    std::uint64_t written_by = 0;    // the persist token writing it
};

struct group {
    std::string group_id;
    group_state state = group_state::empty;
    std::optional<std::int64_t> state_timestamp_ms;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    std::optional<std::string> leader_id;
    std::int32_t generation_id = 0;
    std::map<std::string, member_state> members;
    std::map<std::string, std::string> static_members;   // group.instance.id -> member id
    std::map<std::string, std::int64_t> pending_members;  // member id -> session deadline
    std::set<std::string> pending_sync_members;
    bool new_member_added = false;
    std::optional<join_timer> join;
    std::optional<std::int64_t> sync_deadline_ms;
    std::optional<std::set<std::string>> subscribed_topics;
    std::map<topic_partition, stored_offset> offsets;
    std::map<topic_partition, std::uint64_t> pending_offset_commits;  // -> newest token
    // producer id -> the offsets its open transaction wrote
    std::map<std::int64_t, std::map<topic_partition, pending_txn_offset>> pending_txn_offsets;

    bool has_offsets() const {
        return !offsets.empty() || !pending_offset_commits.empty() || !pending_txn_offsets.empty();
    }
    bool has_pending_commit(const topic_partition& tp) const;
    std::int32_t rebalance_timeout_ms() const;
};

// What a persist's completion must finish.
struct pending_group_store {  // the leader's SyncGroup
    std::string group_id;
    std::int32_t generation_id = 0;
    std::map<std::string, bytes> assignment;
};
struct pending_static_rejoin {  // a static member replaced in a Stable group
    std::string group_id;
    request_id id = 0;
    std::string instance_id;
    std::string old_member_id;
    std::string new_member_id;
    std::optional<std::string> leader_before;  // the leader id before the replacement
    std::vector<join_protocol> old_protocols;
    std::int32_t old_rebalance_timeout_ms = 0;
    std::int32_t old_session_timeout_ms = 0;
};
struct pending_offset_commit {
    std::string group_id;
    request_id id = 0;
    offset_commit_response response;  // OFFSET_METADATA_TOO_LARGE already filled in
    std::vector<std::pair<topic_partition, offset_commit_value>> written;
    std::int64_t producer_id = -1;  // >= 0: TxnOffsetCommit
};
struct pending_nothing {};  // tombstones and empty-group writes: failures are only logged
using pending_persist = std::variant<pending_group_store, pending_static_rejoin,
                                     pending_offset_commit, pending_nothing>;

struct group_coordinator::state {
    coordinator_config config;
    std::uint64_t random;
    bool loaded = false;
    std::map<std::string, group> groups;
    std::vector<effect> effects;
    // From 2: order 1 ranks offsets of transactions left open by the load (load_complete)
    // below every commit made after it.
    std::uint64_t next_token = 2;
    std::map<std::uint64_t, pending_persist> persists;
    std::optional<std::int64_t> retention_check_ms;
    std::int64_t seen_ms = 0;  // the latest now_ms of any call
    // Loading: the latest record of each key; offsets with their place in the log (`order`),
    // since a transaction's offsets count at its COMMIT only if nothing newer replaced them.
    struct loaded_offset {
        offset_commit_value value;
        std::uint64_t order = 0;
    };
    using loaded_offsets = std::map<std::string, std::map<topic_partition, loaded_offset>>;
    std::map<std::string, std::optional<group_metadata_value>> loading_groups;
    loaded_offsets loading_offsets;
    std::map<std::int64_t, loaded_offsets> loading_txn_offsets;  // by producer id
    std::uint64_t loading_order = 0;

    state(coordinator_config config_in, std::uint64_t seed) : config(config_in), random(seed) {}

    void saw(std::int64_t now_ms) { seen_ms = std::max(seen_ms, now_ms); }

    // effects
    void reply(request_id id, response body);
    std::uint64_t persist(std::vector<offsets_record> records, pending_persist pending,
                          std::int64_t producer_id = -1, std::int16_t producer_epoch = -1);
    offsets_record group_record(const group& g, const std::map<std::string, bytes>& assignment);

    // membership (group_coordinator.cpp)
    group* find(const std::string& group_id);
    group& create_group(const std::string& group_id, std::int64_t now_ms);
    void transition(group& g, group_state next, std::int64_t now_ms);
    std::string generate_member_id(const group& g, const std::string& prefix);
    void join(request_id id, const join_request& request, std::int64_t now_ms);
    void new_member_join(group& g, request_id id, const join_request& request,
                         std::int32_t rebalance_timeout_ms, std::int64_t now_ms);
    void current_member_join(group& g, request_id id, const join_request& request,
                             std::int32_t rebalance_timeout_ms, std::int64_t now_ms);
    void add_member_and_rebalance(group& g, request_id id, const std::string& member_id,
                                  const join_request& request, std::int32_t rebalance_timeout_ms,
                                  std::int64_t now_ms);
    void update_static_member_and_rebalance(group& g, request_id id,
                                            const std::string& old_member_id,
                                            const std::string& new_member_id,
                                            const join_request& request,
                                            std::int32_t rebalance_timeout_ms,
                                            std::int64_t now_ms);
    member_state& replace_static_member(group& g, const std::string& instance_id,
                                        const std::string& old_member_id,
                                        const std::string& new_member_id);
    void update_member(member_state& m, const std::vector<join_protocol>& protocols,
                       std::int32_t rebalance_timeout_ms, std::int32_t session_timeout_ms,
                       std::optional<request_id> id, bool skip_assignment);
    join_response generation_response(const group& g, const member_state& m) const;
    void remove_member(group& g, const std::string& member_id);
    void remove_member_and_update_group(group& g, const std::string& member_id,
                                        std::int64_t now_ms);
    void maybe_prepare_rebalance(group& g, std::int64_t now_ms);
    void prepare_rebalance(group& g, std::int64_t now_ms);
    void try_complete_join(group& g, std::int64_t now_ms);
    void complete_join(group& g, std::int64_t now_ms);
    void init_next_generation(group& g, std::int64_t now_ms);
    std::string select_protocol(const group& g) const;
    void propagate_assignment(group& g, std::int16_t error, std::int64_t now_ms);
    void sync(request_id id, const sync_request& request, std::int64_t now_ms);
    void heartbeat(request_id id, const heartbeat_request& request, std::int64_t now_ms);
    void leave(request_id id, const leave_request& request, std::int64_t now_ms);
    void finish_group_store(const pending_group_store& pending, std::int16_t error,
                            std::int64_t now_ms);
    void finish_static_rejoin(const pending_static_rejoin& pending, std::int16_t error,
                              std::int64_t now_ms);

    // deadlines
    std::optional<std::int64_t> next_deadline() const;
    bool fire_one(std::int64_t until_ms);
    void expire_member(group& g, const std::string& member_id, std::int64_t now_ms);
    void expire_join(group& g, std::int64_t now_ms);
    void expire_sync(group& g, std::int64_t now_ms);

    // offsets (group_offsets.cpp)
    void offset_commit(request_id id, const offset_commit_request& request, std::int64_t now_ms);
    std::optional<kafka_error> invalid_commit(const group& g,
                                              const offset_commit_request& request) const;
    void txn_offset_commit(request_id id, const txn_offset_commit_request& request,
                           std::int64_t now_ms);
    void txn_completed(std::int64_t producer_id, bool commit);
    // `producer_id` >= 0: the offsets of that producer's transaction.
    void store_offsets(group& g, request_id id, const offset_commit_request& request,
                       std::int64_t now_ms, std::int64_t producer_id = -1,
                       std::int16_t producer_epoch = -1);
    void finish_offset_commit(const pending_offset_commit& pending, std::uint64_t token,
                              std::int16_t error);
    offset_fetch_response offset_fetch(const offset_fetch_request& request) const;
    std::vector<deleted_group> delete_groups(const std::vector<std::string>& ids,
                                             std::int64_t now_ms);
    offset_delete_response offset_delete(const offset_delete_request& request,
                                         std::int64_t now_ms);
    void topics_deleted(const std::vector<std::string>& topics, std::int64_t now_ms);
    // Removes `removed` offsets, and the group too when it is Empty with no offsets left
    // (Kafka's cleanupGroupMetadata); appends the tombstones. The group may be gone after.
    void cleanup_group(const std::string& group_id, const std::vector<topic_partition>& removed,
                       std::int64_t now_ms);
    std::vector<topic_partition> expired_offsets(const group& g, std::int64_t now_ms) const;
    void expire_offsets(std::int64_t now_ms);
    void load_record(std::span<const std::byte> key,
                     std::optional<std::span<const std::byte>> value, std::int64_t producer_id);
    void load_txn_marker(std::int64_t producer_id, bool commit);
    void load_complete(std::int64_t now_ms);
    void load_group(const std::string& group_id, const group_metadata_value& value,
                    std::int64_t now_ms);
};

std::optional<std::set<std::string>> subscribed_topics_of(const group& g);

}  // namespace laminar::broker::groups
