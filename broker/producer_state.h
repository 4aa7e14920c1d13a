// Idempotent producers on one partition: the sequence rules Kafka 3.7 applies to a produced batch
// that carries a producer id (ProducerStateManager / ProducerAppendInfo, without transactions),
// and the state they need, rebuilt from the tail of the log when the partition opens.
//
// Rules, in Kafka's order, for a batch of producer P, epoch E, sequences [first, last]:
// 1. Duplicate: P is known with epoch E and one of its last 5 batches had exactly [first, last]
//    -> success with that batch's base offset, nothing appended (modern Kafka does not return
//    DUPLICATE_SEQUENCE_NUMBER for this).
// 2. E below P's epoch -> INVALID_PRODUCER_EPOCH (47), for every Produce version (Kafka 2.7+).
// 3. P unknown (never seen, or its batches are older than what was scanned at open) -> accepted
//    whatever the sequence (Kafka 3.7 no longer answers UNKNOWN_PRODUCER_ID: KIP-360).
//    E above P's epoch (the client bumped it) -> first must be 0. Same epoch -> first must be
//    P's last sequence + 1, wrapping from INT32_MAX to 0. Otherwise OUT_OF_ORDER_SEQUENCE_NUMBER.
// An accepted batch is recorded at once, before its append completes, so that the next batch of
// the same producer is checked against it (appends of one partition take offsets in call order);
// a failed append withdraws it.
//
// Transactions (Kafka's ProducerStateEntry.currentTxnFirstOffset, the transaction index):
// 4. A transactional batch opens its producer's transaction unless one is open; a
//    non-transactional batch from a producer with an open transaction -> INVALID_TXN_STATE (48).
// 5. A transaction marker (a control batch the broker writes) with an epoch below the
//    producer's -> INVALID_PRODUCER_EPOCH; with a coordinator epoch below the last one seen ->
//    TRANSACTION_COORDINATOR_FENCED (52). It closes the open transaction, takes the producer to
//    the marker's epoch (a fence bumps it), and an ABORT records the transaction as aborted.
// The last stable offset (LSO) is the first offset of the oldest open transaction, or the high
// watermark when none is open: read_committed consumers read below it, and the aborted
// transactions overlapping what they read tell them which batches to drop. A transaction opened
// by a batch still in flight counts from the log end offset it found (an LSO lower than exact
// until the append completes, never higher).
//
// Bounds: 5 batches per producer (Kafka's NUM_BATCHES_TO_RETAIN), producers_max producers per
// partition (the least recently used without an open transaction is forgotten beyond it: it
// becomes unknown, rule 3; one with an open transaction is never forgotten, as in Kafka).
//
// @locality owning shard of the partition.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "broker/producer_snapshot.h"
#include "core/record_batch.h"
#include "core/task.h"
#include "storage/partition_log.h"

namespace laminar::broker {

inline constexpr std::size_t producer_batches_retained = 5;
inline constexpr std::size_t producers_max_default = 10'000;

enum class sequence_verdict : std::uint8_t {
    append,             // in sequence (or the producer is unknown): append it
    duplicate,          // a retry of a batch already in the log: answer with its offset
    in_flight,          // a retry of a batch whose append has not completed yet (retriable)
    out_of_order,       // OUT_OF_ORDER_SEQUENCE_NUMBER
    invalid_epoch,      // INVALID_PRODUCER_EPOCH
    invalid_txn_state,  // INVALID_TXN_STATE: not transactional inside an open transaction
};

enum class marker_verdict : std::uint8_t {
    append,              // write it
    invalid_epoch,       // INVALID_PRODUCER_EPOCH
    coordinator_fenced,  // TRANSACTION_COORDINATOR_FENCED
};

// A producer as DescribeProducers lists it.
struct producer_summary {
    std::int64_t producer_id = -1;
    std::int16_t epoch = -1;
    std::int32_t last_sequence = -1;
    std::int64_t last_timestamp = -1;  // the max timestamp of its last appended batch
    std::int32_t coordinator_epoch = -1;
    std::int64_t current_txn_start_offset = -1;  // -1: no open transaction
};

struct sequence_check {
    sequence_verdict verdict = sequence_verdict::append;
    std::int64_t duplicate_base_offset = -1;
};

// The sequence number `delta` after `sequence`, as Kafka counts: INT32_MAX is followed by 0.
std::int32_t sequence_after(std::int32_t sequence, std::int32_t delta) noexcept;

class producer_state_table {
public:
    explicit producer_state_table(std::size_t producers_max = producers_max_default)
        : _producers_max(producers_max) {}

    // Rules 1-4 for a produced batch with producer_id >= 0; on `append` the batch is recorded
    // as in flight. `log_end_offset`: where a transaction this batch opens counts from until
    // its append completes.
    sequence_check check_and_record(const record_batch_header& batch,
                                    std::int64_t log_end_offset = 0);
    // The append of a batch recorded by check_and_record completed at `base_offset`;
    // `log_append_time_ms` is the time the log stamped (message.timestamp.type=LogAppendTime),
    // else -1 (the batch's own max timestamp stands).
    void appended(const record_batch_header& batch, std::int64_t base_offset,
                  std::int64_t log_append_time_ms = -1);
    // The append of a batch recorded by check_and_record failed: withdraw it.
    void append_failed(const record_batch_header& batch);
    // A batch already in the log (rebuilding at open): recorded without checks. Control
    // batches go to replay_marker.
    void replay(const record_batch_header& batch);

    // Rule 5 for a marker the broker is about to write; on `append` its epochs take effect at
    // once (a fence refuses the old epoch's batches while the marker is being written, as
    // Kafka's check and append under one lock do), and stay if the write fails.
    marker_verdict check_marker(std::int64_t producer_id, std::int16_t producer_epoch,
                                std::int32_t coordinator_epoch);
    // A marker was written at `offset` with `timestamp` (or found at open): the transaction
    // closes.
    void marker_appended(std::int64_t producer_id, std::int16_t producer_epoch,
                         std::int32_t coordinator_epoch, bool commit, std::int64_t offset,
                         std::int64_t timestamp);
    void replay_marker(const record_batch_header& batch, bool commit,
                       std::int32_t coordinator_epoch) {
        marker_appended(batch.producer_id, batch.producer_epoch, coordinator_epoch, commit,
                        batch.base_offset, batch.max_timestamp);
    }

    // Transaction verification (Kafka's transaction.partition.verification.enable, KIP-890
    // part 1): a transactional batch that would open a transaction here is appended only once
    // its coordinator confirmed the partition is in the producer's ongoing transaction.
    // nullopt: the batch continues the producer's open transaction, nothing to verify. Else a
    // guard to pass to verification_holds() after the verification: false when a marker of the
    // producer arrived meanwhile (the transaction the coordinator confirmed may have ended, and
    // the batch would open a hanging one).
    std::optional<std::uint64_t> txn_verification_needed(std::int64_t producer_id,
                                                         std::int16_t producer_epoch) const;
    bool verification_holds(std::int64_t producer_id, std::uint64_t guard) const;

    // The LSO for a partition whose high watermark is `high_watermark`.
    std::int64_t last_stable_offset(std::int64_t high_watermark) const noexcept;
    // The aborted transactions a read of [from, to) must know of: those with a batch there.
    std::vector<aborted_txn> aborted_between(std::int64_t from, std::int64_t to) const;
    // Aborted transactions wholly below the log start offset are forgotten.
    void forget_aborted_below(std::int64_t log_start_offset);
    const std::vector<aborted_txn>& aborted() const noexcept { return _aborted; }

    // Batches recorded by check_and_record and markers passed by check_marker whose appends
    // have not settled (appended, append_failed, marker_settled). A snapshot is exact only while
    // none is: then the table holds every producer batch and marker below the log end offset.
    bool settled() const noexcept { return _in_flight == 0; }
    // A marker passed by check_marker was written (after marker_appended) or failed.
    void marker_settled() noexcept;
    // A batch the broker appends itself, without the sequence checks (Kafka's
    // AppendOrigin.COORDINATOR: a TxnOffsetCommit's transactional offsets): in flight from
    // before its append (`batch`, to go at `log_end_offset`) until coordinator_append_done,
    // which records it at `base_offset` when appended (-1: it was not). A transactional batch
    // that starts its producer's transaction here opens it provisionally at the log end, as
    // check_and_record does, so the LSO (and the cleaner's bound) stays below it meanwhile.
    void coordinator_append_started(const record_batch_header& batch, std::int64_t log_end_offset);
    void coordinator_append_done(const record_batch_header& batch, std::int64_t base_offset);
    // The table as of `offset` (take it while settled(), at the log end offset), and the table
    // rebuilt from one (replacing what it held).
    producer_snapshot snapshot(std::int64_t offset) const;
    void restore(const producer_snapshot& snapshot);

    std::size_t size() const noexcept { return _producers.size(); }
    // The producers with a batch in the log (not only in flight), by producer id, each with its
    // newest such batch; and those known only from a marker (last sequence and timestamp -1).
    std::vector<producer_summary> active_producers() const;
    // The epoch and last sequence of a producer, for tests; (-1, -1) when it is unknown.
    std::pair<std::int16_t, std::int32_t> last_of(std::int64_t producer_id) const;

private:
    struct batch_sequences {
        std::int32_t first_sequence = 0;
        std::int32_t last_sequence = 0;
        std::int64_t base_offset = -1;  // -1 while its append is in flight
        std::int64_t max_timestamp = -1;
    };
    struct producer_entry {
        std::int16_t epoch = -1;
        std::int32_t coordinator_epoch = -1;
        // The open transaction: its first offset (provisional while the batch that opened it
        // is in flight, which has first sequence txn_first_sequence), or -1.
        std::int64_t txn_first_offset = -1;
        bool txn_first_in_flight = false;
        std::int32_t txn_first_sequence = 0;
        // The last marker's timestamp while no batch came after it (Kafka's lastTimestamp
        // follows markers too), else -1.
        std::int64_t marker_timestamp = -1;
        std::uint64_t last_marker_at = 0;  // _marker_clock when its last marker came
        std::array<batch_sequences, producer_batches_retained> batches{};  // ring, oldest first
        std::size_t count = 0;
        std::size_t head = 0;  // index of the oldest
        std::uint64_t last_used = 0;

        const batch_sequences* newest() const noexcept;
        void push(const batch_sequences& batch) noexcept;
        bool pop_newest() noexcept;
    };

    producer_entry& entry_for(std::int64_t producer_id);
    void record(producer_entry& entry, const record_batch_header& batch, std::int64_t offset);
    void take_marker_epochs(producer_entry& entry, std::int16_t producer_epoch,
                            std::int32_t coordinator_epoch);
    void open_txn(std::int64_t producer_id, producer_entry& entry, std::int64_t first_offset,
                  bool in_flight, std::int32_t first_sequence);
    void close_txn(std::int64_t producer_id, producer_entry& entry);

    std::size_t _producers_max;
    std::uint64_t _clock = 0;
    std::uint64_t _marker_clock = 0;  // counts markers (checked or replayed)
    std::size_t _in_flight = 0;
    std::unordered_map<std::int64_t, producer_entry> _producers;
    // Open transactions by first offset (a producer has at most one).
    std::multimap<std::int64_t, std::int64_t> _open_txns;
    std::vector<aborted_txn> _aborted;  // by last offset
};

// Producer snapshots: <offset>.snapshot files in the partition's directory (Kafka's names; our
// format, producer_snapshot.h). One is written when a partition's active segment is newer than
// its last snapshot (after a roll, once no append of a producer is in flight) and when the log
// closes, so a restart replays only the log past the newest one. The newest two are kept.
//
// Faults tolerated: a snapshot is written to a temporary and renamed, without an fsync: a crash
// may leave it missing, torn or empty, and the CRC (or the name's offset) rejects it; one above
// the log end offset after recovery (its data was lost) is removed unread. Either way the open
// falls back to the older snapshot, or to replaying the log from its start. Promises: a snapshot
// that is used describes exactly the log below its offset.
inline constexpr std::string_view producer_snapshot_suffix = ".snapshot";

// Writes <dir>/<offset>.snapshot and removes all but the newest two snapshots.
task<storage::status> write_producer_snapshot(const std::string& dir,
                                              const producer_snapshot& snapshot);

// What a partition remembers of its producers when it opens: the newest usable snapshot at or
// below the log end offset, then the producer batches and transaction markers of the log from
// there (from its start when there is none), header by header. Producers whose batches are
// older than that become unknown (rule 3). Aborted transactions wholly below the log start
// offset are forgotten. Gives the offset of the snapshot used, -1 for none.
task<storage::result<std::int64_t>> rebuild_producer_state(const storage::partition_log& log,
                                                           producer_state_table& table);

}  // namespace laminar::broker
