// The classic consumer group coordinator of one __consumer_offsets partition, as a pure state
// machine: it behaves as Apache Kafka 3.7's classic group coordinator (GroupCoordinator.scala,
// GroupMetadata.scala, GroupMetadataManager.scala) but does no I/O, reads no clock, starts no
// thread and knows no wire codec. Inputs are calls carrying `now_ms`; outputs are effects the
// driver takes with take_effects():
//   reply    the response to an earlier request (its request_id)
//   persist  records to append, as one batch, to this partition of __consumer_offsets; the
//            driver appends them in the order it takes them and then calls persisted(token,
//            error). Replies Kafka sends only after its append (the leader's SyncGroup, a static
//            member's rejoin in a Stable group, OffsetCommit) come out only after persisted().
// Deadlines (session expiry, rebalance timeout, initial rebalance delay, pending sync, offsets
// retention) fire in advance(now_ms); next_deadline() tells the driver when to call it, so one
// timer per instance suffices.
//
// What it promises: committed offsets are visible to OffsetFetch only once durable; a request
// always gets exactly one reply (a request that Kafka would leave unanswered because the same
// member sent a newer one gets REBALANCE_IN_PROGRESS); replaying the persisted records with
// load_record() + load_complete() restores every group's generation, members, assignments and
// offsets. What it tolerates: failed appends (the waiting replies get Kafka's mapped error and
// the in-memory state is rolled back as Kafka does), undecodable records (skipped).
// Randomness (member ids) comes from the seed given at construction, so a run is reproducible.
//
// Locality: one instance per __consumer_offsets partition, owned by the shard that leads it;
// not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "broker/group_types.h"

namespace laminar::broker::groups {

// Kafka's broker settings for groups, with its names and defaults.
struct coordinator_config {
    std::int32_t group_min_session_timeout_ms = 6000;         // group.min.session.timeout.ms
    std::int32_t group_max_session_timeout_ms = 1800000;      // group.max.session.timeout.ms
    std::int32_t group_initial_rebalance_delay_ms = 3000;     // group.initial.rebalance.delay.ms
    std::int32_t group_max_size = 2147483647;                 // group.max.size
    std::int32_t offsets_retention_minutes = 10080;           // offsets.retention.minutes
    std::int32_t offset_metadata_max_bytes = 4096;            // offset.metadata.max.bytes
    std::int64_t offsets_retention_check_interval_ms = 600000;
    // offsets.retention.check.interval.ms
};

// One record for __consumer_offsets: Kafka's key and value bytes (broker/group_records.h).
struct offsets_record {
    bytes key;
    std::optional<bytes> value;  // nullopt = tombstone
};

using response = std::variant<join_response, sync_response, heartbeat_response, leave_response,
                              offset_commit_response>;

struct reply_effect {
    request_id id = 0;
    response body;
};

struct persist_effect {
    std::uint64_t token = 0;
    std::vector<offsets_record> records;
    // A transaction's offsets (TxnOffsetCommit) go in a transactional batch of its producer.
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
};

using effect = std::variant<reply_effect, persist_effect>;

class group_coordinator {
public:
    group_coordinator(coordinator_config config, std::uint64_t random_seed);
    ~group_coordinator();
    group_coordinator(const group_coordinator&) = delete;
    group_coordinator& operator=(const group_coordinator&) = delete;

    // Requests answered through effects (the reply may wait for a rebalance or an append).
    void join(request_id id, const join_request& request, std::int64_t now_ms);
    void sync(request_id id, const sync_request& request, std::int64_t now_ms);
    void heartbeat(request_id id, const heartbeat_request& request, std::int64_t now_ms);
    void leave(request_id id, const leave_request& request, std::int64_t now_ms);
    void offset_commit(request_id id, const offset_commit_request& request, std::int64_t now_ms);
    // TxnOffsetCommit: the offsets are written in a transactional batch of the producer and
    // count (OffsetFetch sees them) once the transaction's COMMIT marker is written to this
    // partition (txn_completed); until then require_stable fetches get UNSTABLE_OFFSET_COMMIT.
    void txn_offset_commit(request_id id, const txn_offset_commit_request& request,
                           std::int64_t now_ms);
    // A transaction marker of `producer_id` was written to this partition.
    void txn_completed(std::int64_t producer_id, bool commit);

    // Requests answered at once. delete_groups and offset_delete may also queue a persist effect
    // (tombstones) whose completion changes nothing further, as in Kafka.
    offset_fetch_response offset_fetch(const offset_fetch_request& request) const;
    describe_response describe(const std::string& group_id) const;
    list_response list(const list_request& request) const;
    std::vector<deleted_group> delete_groups(const std::vector<std::string>& group_ids,
                                             std::int64_t now_ms);
    offset_delete_response offset_delete(const offset_delete_request& request,
                                         std::int64_t now_ms);
    // Topics deleted from the cluster: their committed offsets go (tombstones), as Kafka does.
    void topics_deleted(const std::vector<std::string>& topics, std::int64_t now_ms);

    // Fires every deadline at or before now_ms.
    void advance(std::int64_t now_ms);
    std::optional<std::int64_t> next_deadline() const;

    std::vector<effect> take_effects();
    // The append of persist `token` finished: error 0 = durable, else the append's Kafka error
    // code (NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, ...), mapped as Kafka maps it.
    void persisted(std::uint64_t token, std::int16_t error_code, std::int64_t now_ms);

    // Startup: every record of the partition in offset order, then load_complete. Until then
    // requests get COORDINATOR_LOAD_IN_PROGRESS (Heartbeat gets no error and SyncGroup gets
    // REBALANCE_IN_PROGRESS, as Kafka answers them while loading).
    // `producer_id` >= 0: the record is in a transactional batch of that producer, and counts
    // once load_txn_marker sees its COMMIT (a transaction left open stays pending).
    void load_record(std::span<const std::byte> key,
                     std::optional<std::span<const std::byte>> value,
                     std::int64_t producer_id = -1);
    void load_txn_marker(std::int64_t producer_id, bool commit);
    void load_complete(std::int64_t now_ms);
    bool loaded() const noexcept;

    // For tests and the simulation: the committed offset of one partition (nullopt if none),
    // a group's generation, and how many groups exist.
    std::optional<std::int64_t> committed_offset(const std::string& group_id,
                                                 const std::string& topic,
                                                 std::int32_t partition) const;
    std::optional<std::int32_t> generation(const std::string& group_id) const;
    std::size_t group_count() const noexcept;

private:
    struct state;
    std::unique_ptr<state> _state;
};

}  // namespace laminar::broker::groups
