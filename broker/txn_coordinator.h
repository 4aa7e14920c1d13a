// The transaction coordinator of one __transaction_state partition, as a pure state machine: it
// behaves as Apache Kafka 3.7's TransactionCoordinator (TransactionCoordinator.scala,
// TransactionMetadata.scala, TransactionStateManager.scala; transaction protocol version 0-1,
// before KIP-890's epoch bump per transaction) but does no I/O, reads no clock and knows no wire
// codec. Inputs are calls carrying `now_ms`; outputs are effects the driver takes with
// take_effects():
//   reply    the answer to an earlier request (its request_id): an error code, and for
//            InitProducerId the producer id and epoch
//   persist  one record to append to this partition of __transaction_state; the driver appends
//            records in the order it takes them and then calls persisted(token, error). Replies
//            Kafka sends only after its append come out only after persisted().
//   markers  transaction markers (COMMIT or ABORT control batches) to write to the data
//            partitions of a transaction; the driver writes them and calls
//            markers_written(token, outcomes). Partitions that failed, or that the outcomes do
//            not name, are sent again after marker_retry_backoff_ms; a partition that no longer
//            exists, or that refuses the marker as stale (INVALID_PRODUCER_EPOCH,
//            TRANSACTION_COORDINATOR_FENCED), is settled (marker_settled in the .cpp says why).
// Deadlines (transaction timeouts, expiry of idle transactional ids, marker retries) fire in
// advance(now_ms); next_deadline() tells the driver when to call it.
//
// A transaction's life: InitProducerId (Empty, epoch bumped) -> AddPartitionsToTxn /
// AddOffsetsToTxn (Ongoing) -> EndTxn (PrepareCommit or PrepareAbort, answered once durable) ->
// markers on every partition -> CompleteCommit or CompleteAbort. InitProducerId while a
// transaction is Ongoing, and a transaction older than its timeout, fence the producer (epoch + 1)
// and abort it.
//
// What it promises: a reply only after the state it reports is durable; at most one transition
// of a transactional id in flight (others get CONCURRENT_TRANSACTIONS, retriable); markers are
// written for every partition of a transaction that reached PrepareCommit/PrepareAbort, also
// after a restart (load_complete resumes them); replaying the persisted records with
// load_record() + load_complete() restores every transactional id. What it tolerates: failed
// appends (the in-memory state stays as it was and the reply gets Kafka's mapped error),
// undecodable records (skipped).
//
// Locality: one instance per __transaction_state partition, owned by the shard that leads it;
// not thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "broker/kafka_errors.h"
#include "broker/txn_records.h"

namespace laminar::broker::txn {

using request_id = std::uint64_t;

// Kafka's broker settings for transactions, with its names and defaults.
struct coordinator_config {
    std::int32_t transaction_max_timeout_ms = 900000;         // transaction.max.timeout.ms
    std::int64_t transactional_id_expiration_ms = 604800000;  // transactional.id.expiration.ms
    // transaction.abort.timed.out.transaction.cleanup.interval.ms
    std::int64_t abort_timed_out_interval_ms = 10000;
    // transaction.remove.expired.transaction.cleanup.interval.ms
    std::int64_t remove_expired_interval_ms = 3600000;
    std::int64_t marker_retry_backoff_ms = 100;
};

struct topic_partition {
    std::string topic;
    std::int32_t partition = 0;
    auto operator<=>(const topic_partition&) const = default;
};

inline constexpr std::int16_t producer_epoch_none = -1;
inline constexpr std::int64_t producer_id_none = -1;

struct reply_effect {
    request_id id = 0;
    kafka_error error = kafka_error::none;
    std::int64_t producer_id = producer_id_none;  // InitProducerId only
    std::int16_t producer_epoch = producer_epoch_none;
};

struct persist_effect {
    std::uint64_t token = 0;
    kafka::bytes key;
    std::optional<kafka::bytes> value;  // nullopt: tombstone
};

struct markers_effect {
    std::uint64_t token = 0;
    std::int64_t producer_id = producer_id_none;
    std::int16_t producer_epoch = producer_epoch_none;
    bool commit = false;
    std::int32_t coordinator_epoch = 0;
    std::vector<topic_partition> partitions;
};

struct marker_outcome {
    topic_partition partition;
    kafka_error error = kafka_error::none;
};

// One effect; `type` says which member holds it.
struct effect {
    enum class kind : std::uint8_t { reply, persist, markers };
    kind type = kind::reply;
    reply_effect reply;
    persist_effect persist;
    markers_effect markers;
};

struct init_producer_id_input {
    std::string transactional_id;
    std::int32_t transaction_timeout_ms = 0;
    std::int64_t expected_producer_id = producer_id_none;  // InitProducerId v3+: current id
    std::int16_t expected_producer_epoch = producer_epoch_none;
};

// What DescribeTransactions and ListTransactions show of one transactional id.
struct txn_description {
    std::string transactional_id;
    txn_state state = txn_state::empty;
    std::int32_t transaction_timeout_ms = 0;
    std::int64_t transaction_start_time_ms = -1;
    std::int64_t producer_id = producer_id_none;
    std::int16_t producer_epoch = producer_epoch_none;
    std::vector<topic_partition> partitions;
};

class txn_coordinator {
public:
    explicit txn_coordinator(coordinator_config config, std::int32_t coordinator_epoch = 0);
    ~txn_coordinator();
    txn_coordinator(const txn_coordinator&) = delete;
    txn_coordinator& operator=(const txn_coordinator&) = delete;

    // InitProducerId with a transactional id. `fresh_producer_id` is an unused producer id the
    // coordinator takes when the id is new or its epochs are exhausted (else it stays unused).
    void init_producer_id(request_id id, const init_producer_id_input& input,
                          std::int64_t fresh_producer_id, std::int64_t now_ms);
    // AddPartitionsToTxn (and AddOffsetsToTxn, with the group's __consumer_offsets partition).
    void add_partitions(request_id id, const std::string& transactional_id,
                        std::int64_t producer_id, std::int16_t producer_epoch,
                        const std::vector<topic_partition>& partitions, std::int64_t now_ms);
    void end_txn(request_id id, const std::string& transactional_id, std::int64_t producer_id,
                 std::int16_t producer_epoch, bool commit, std::int64_t now_ms);

    // Answered at once: AddPartitionsToTxn v4 verify_only (and a transactional produce's check):
    // NONE when the producer's ongoing transaction holds the partition, else Kafka's error.
    kafka_error verify_partition(const std::string& transactional_id, std::int64_t producer_id,
                                 std::int16_t producer_epoch,
                                 const topic_partition& partition) const;
    std::optional<txn_description> describe(const std::string& transactional_id) const;
    // Every transactional id whose state is in `states` (all when empty) and whose producer id
    // is in `producer_ids` (all when empty).
    std::vector<txn_description> list(std::span<const txn_state> states,
                                      std::span<const std::int64_t> producer_ids) const;

    // Fires every deadline at or before now_ms.
    void advance(std::int64_t now_ms);
    std::optional<std::int64_t> next_deadline() const;

    std::vector<effect> take_effects();
    // The append of persist `token` finished: none = durable, else the append's Kafka error.
    void persisted(std::uint64_t token, kafka_error error, std::int64_t now_ms);
    void markers_written(std::uint64_t token, std::span<const marker_outcome> outcomes,
                         std::int64_t now_ms);

    // Startup: every record of the partition in offset order, then load_complete. Until then
    // requests get COORDINATOR_LOAD_IN_PROGRESS.
    void load_record(std::span<const std::byte> key,
                     std::optional<std::span<const std::byte>> value);
    void load_complete(std::int64_t now_ms);
    bool loaded() const noexcept;

    std::size_t size() const noexcept;

private:
    struct state;
    std::unique_ptr<state> _state;
};

// Kafka's PRODUCER_FENCED for clients too old to know it: AddPartitionsToTxn, AddOffsetsToTxn
// and EndTxn before v2, InitProducerId before v4, TxnOffsetCommit before v3 get
// INVALID_PRODUCER_EPOCH instead.
kafka_error for_version(kafka_error error, bool knows_producer_fenced) noexcept;

}  // namespace laminar::broker::txn
