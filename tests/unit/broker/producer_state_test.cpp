// Kafka's sequence rules for idempotent producers (producer_state.h), batch by batch.
#include "broker/producer_state.h"

#include <limits>

#include <gtest/gtest.h>

namespace laminar::broker {
namespace {

constexpr std::int32_t int32_max = std::numeric_limits<std::int32_t>::max();

record_batch_header batch(std::int64_t producer_id, std::int16_t epoch, std::int32_t sequence,
                          std::int32_t records = 1) {
    record_batch_header header;
    header.producer_id = producer_id;
    header.producer_epoch = epoch;
    header.base_sequence = sequence;
    header.last_offset_delta = records - 1;
    header.records_count = records;
    return header;
}

// Checks, then completes the append at `offset` when accepted.
sequence_check produce(producer_state_table& table, const record_batch_header& header,
                       std::int64_t offset) {
    auto checked = table.check_and_record(header);
    if (checked.verdict == sequence_verdict::append) table.appended(header, offset);
    return checked;
}

TEST(producer_state, sequences_wrap_at_int32_max) {
    EXPECT_EQ(sequence_after(0, 1), 1);
    EXPECT_EQ(sequence_after(10, 4), 14);
    EXPECT_EQ(sequence_after(int32_max, 1), 0);
    EXPECT_EQ(sequence_after(int32_max - 1, 3), 1);
}

TEST(producer_state, in_sequence_batches_are_appended) {
    producer_state_table table;
    EXPECT_EQ(produce(table, batch(7, 0, 0, 3), 0).verdict, sequence_verdict::append);
    EXPECT_EQ(produce(table, batch(7, 0, 3, 2), 3).verdict, sequence_verdict::append);
    EXPECT_EQ(table.last_of(7), std::make_pair(std::int16_t{0}, 4));
    // Producers are independent.
    EXPECT_EQ(produce(table, batch(8, 0, 0), 5).verdict, sequence_verdict::append);
    EXPECT_EQ(table.size(), 2u);
}

TEST(producer_state, a_gap_is_out_of_order) {
    producer_state_table table;
    ASSERT_EQ(produce(table, batch(7, 0, 0, 3), 0).verdict, sequence_verdict::append);
    EXPECT_EQ(produce(table, batch(7, 0, 4), 3).verdict, sequence_verdict::out_of_order);
    EXPECT_EQ(produce(table, batch(7, 0, 2), 3).verdict, sequence_verdict::out_of_order);
    EXPECT_EQ(table.last_of(7).second, 2);  // refused batches change nothing
    EXPECT_EQ(produce(table, batch(7, 0, 3), 3).verdict, sequence_verdict::append);
}

TEST(producer_state, retries_of_the_last_five_batches_are_duplicates) {
    producer_state_table table;
    for (int index = 0; index < 6; ++index) {
        ASSERT_EQ(produce(table, batch(7, 0, index * 2, 2), 100 + index * 2).verdict,
                  sequence_verdict::append);
    }
    for (int index = 1; index < 6; ++index) {
        auto retry = table.check_and_record(batch(7, 0, index * 2, 2));
        EXPECT_EQ(retry.verdict, sequence_verdict::duplicate) << index;
        EXPECT_EQ(retry.duplicate_base_offset, 100 + index * 2) << index;
    }
    // The sixth-newest is forgotten: a retry of it is out of order, as in Kafka.
    EXPECT_EQ(table.check_and_record(batch(7, 0, 0, 2)).verdict, sequence_verdict::out_of_order);
    // A retry with the same first sequence but a different length is not a duplicate.
    EXPECT_EQ(table.check_and_record(batch(7, 0, 10, 1)).verdict, sequence_verdict::out_of_order);
    EXPECT_EQ(table.last_of(7).second, 11);
}

TEST(producer_state, a_retry_while_the_original_is_in_flight_is_retriable) {
    producer_state_table table;
    ASSERT_EQ(table.check_and_record(batch(7, 0, 0)).verdict, sequence_verdict::append);
    EXPECT_EQ(table.check_and_record(batch(7, 0, 0)).verdict, sequence_verdict::in_flight);
    // The next batch is checked against the in-flight one.
    EXPECT_EQ(table.check_and_record(batch(7, 0, 1)).verdict, sequence_verdict::append);
    table.appended(batch(7, 0, 0), 40);
    table.appended(batch(7, 0, 1), 41);
    EXPECT_EQ(table.check_and_record(batch(7, 0, 0)).duplicate_base_offset, 40);
    EXPECT_EQ(table.check_and_record(batch(7, 0, 1)).duplicate_base_offset, 41);
}

TEST(producer_state, a_failed_append_is_withdrawn) {
    producer_state_table table;
    ASSERT_EQ(produce(table, batch(7, 0, 0), 0).verdict, sequence_verdict::append);
    ASSERT_EQ(table.check_and_record(batch(7, 0, 1)).verdict, sequence_verdict::append);
    table.append_failed(batch(7, 0, 1));
    EXPECT_EQ(table.last_of(7).second, 0);
    EXPECT_EQ(produce(table, batch(7, 0, 1), 1).verdict, sequence_verdict::append);
    // The only batch of a producer failing: the producer is forgotten (unknown: accepted).
    ASSERT_EQ(table.check_and_record(batch(9, 0, 0)).verdict, sequence_verdict::append);
    table.append_failed(batch(9, 0, 0));
    EXPECT_EQ(table.last_of(9).first, -1);
}

TEST(producer_state, epochs_fence_and_bump) {
    producer_state_table table;
    ASSERT_EQ(produce(table, batch(7, 3, 0, 5), 0).verdict, sequence_verdict::append);
    EXPECT_EQ(produce(table, batch(7, 2, 5), 5).verdict, sequence_verdict::invalid_epoch);
    EXPECT_EQ(produce(table, batch(7, 2, 0), 5).verdict, sequence_verdict::invalid_epoch);
    // A bumped epoch must start again at sequence 0.
    EXPECT_EQ(produce(table, batch(7, 4, 5), 5).verdict, sequence_verdict::out_of_order);
    EXPECT_EQ(produce(table, batch(7, 4, 0), 5).verdict, sequence_verdict::append);
    EXPECT_EQ(table.last_of(7), std::make_pair(std::int16_t{4}, 0));
    // The old epoch is fenced now, its retries included.
    EXPECT_EQ(table.check_and_record(batch(7, 3, 0, 5)).verdict, sequence_verdict::invalid_epoch);
}

TEST(producer_state, unknown_producers_are_accepted_at_any_sequence) {
    producer_state_table table;
    EXPECT_EQ(produce(table, batch(7, 0, 42), 0).verdict, sequence_verdict::append);
    EXPECT_EQ(produce(table, batch(7, 0, 43), 1).verdict, sequence_verdict::append);
}

TEST(producer_state, the_sequence_wraps_after_int32_max) {
    producer_state_table table;
    ASSERT_EQ(produce(table, batch(7, 0, int32_max - 1, 2), 0).verdict,
              sequence_verdict::append);
    EXPECT_EQ(table.last_of(7).second, int32_max);
    EXPECT_EQ(produce(table, batch(7, 0, int32_max), 2).verdict, sequence_verdict::out_of_order);
    EXPECT_EQ(produce(table, batch(7, 0, 0), 2).verdict, sequence_verdict::append);
    // A batch that itself crosses the wrap.
    producer_state_table crossing;
    ASSERT_EQ(produce(crossing, batch(8, 0, int32_max, 3), 0).verdict, sequence_verdict::append);
    EXPECT_EQ(crossing.last_of(8).second, 1);
    EXPECT_EQ(crossing.check_and_record(batch(8, 0, int32_max, 3)).verdict,
              sequence_verdict::duplicate);
    EXPECT_EQ(produce(crossing, batch(8, 0, 2), 3).verdict, sequence_verdict::append);
}

TEST(producer_state, replay_rebuilds_what_the_log_holds) {
    producer_state_table table;
    auto first = batch(7, 1, 0, 4);
    first.base_offset = 10;
    auto second = batch(7, 1, 4, 4);
    second.base_offset = 14;
    auto control = batch(7, 1, -1);
    control.attributes = record_batch_attributes::control;
    auto plain = batch(-1, -1, -1);
    for (const auto& header : {first, second, control, plain}) table.replay(header);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.last_of(7), std::make_pair(std::int16_t{1}, 7));
    EXPECT_EQ(table.check_and_record(batch(7, 1, 0, 4)).duplicate_base_offset, 10);
    EXPECT_EQ(table.check_and_record(batch(7, 1, 9)).verdict, sequence_verdict::out_of_order);
    EXPECT_EQ(table.check_and_record(batch(7, 1, 8)).verdict, sequence_verdict::append);
}

TEST(producer_state, the_table_is_bounded_by_forgetting_the_least_recently_used) {
    producer_state_table table(3);
    for (std::int64_t id = 0; id < 3; ++id) ASSERT_EQ(produce(table, batch(id, 0, 0), id).verdict,
                                                      sequence_verdict::append);
    ASSERT_EQ(produce(table, batch(0, 0, 1), 3).verdict, sequence_verdict::append);  // 0 used
    ASSERT_EQ(produce(table, batch(3, 0, 0), 4).verdict, sequence_verdict::append);
    EXPECT_EQ(table.size(), 3u);
    EXPECT_EQ(table.last_of(1).first, -1);  // the least recently used went
    EXPECT_EQ(table.last_of(0).second, 1);
}

TEST(producer_state, active_producers_list_the_newest_appended_batch_of_each) {
    producer_state_table table;
    EXPECT_TRUE(table.active_producers().empty());
    auto first = batch(9, 0, 0, 2);
    first.max_timestamp = 1000;
    ASSERT_EQ(produce(table, first, 0).verdict, sequence_verdict::append);
    auto other = batch(4, 3, 0);
    other.max_timestamp = 1500;
    ASSERT_EQ(produce(table, other, 2).verdict, sequence_verdict::append);
    // In flight: listed with its last appended batch, not this one.
    auto pending = batch(9, 0, 2);
    pending.max_timestamp = 2000;
    ASSERT_EQ(table.check_and_record(pending).verdict, sequence_verdict::append);
    auto listed = table.active_producers();
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].producer_id, 4);  // by producer id
    EXPECT_EQ(listed[0].epoch, 3);
    EXPECT_EQ(listed[0].last_sequence, 0);
    EXPECT_EQ(listed[0].last_timestamp, 1500);
    EXPECT_EQ(listed[1].producer_id, 9);
    EXPECT_EQ(listed[1].last_sequence, 1);
    EXPECT_EQ(listed[1].last_timestamp, 1000);
    // Appended with the log's LogAppendTime stamp: that time is the batch's.
    table.appended(pending, 3, 7777);
    listed = table.active_producers();
    EXPECT_EQ(listed[1].last_sequence, 2);
    EXPECT_EQ(listed[1].last_timestamp, 7777);
    // A producer whose only batch is in flight is not listed yet.
    ASSERT_EQ(table.check_and_record(batch(1, 0, 0)).verdict, sequence_verdict::append);
    EXPECT_EQ(table.active_producers().size(), 2u);
}

// ---- transactions (rules 4 and 5) ----

record_batch_header txn_batch(std::int64_t producer_id, std::int16_t epoch, std::int32_t sequence,
                              std::int32_t records = 1) {
    auto header = batch(producer_id, epoch, sequence, records);
    header.attributes = record_batch_attributes::transactional;
    return header;
}

sequence_check produce_at(producer_state_table& table, const record_batch_header& header,
                          std::int64_t offset) {
    auto checked = table.check_and_record(header, offset);
    if (checked.verdict == sequence_verdict::append) table.appended(header, offset);
    return checked;
}

TEST(producer_state_txn, the_lso_stops_at_the_oldest_open_transaction) {
    producer_state_table table;
    EXPECT_EQ(table.last_stable_offset(10), 10);
    ASSERT_EQ(produce_at(table, txn_batch(7, 0, 0, 2), 10).verdict, sequence_verdict::append);
    ASSERT_EQ(produce_at(table, txn_batch(8, 0, 0), 12).verdict, sequence_verdict::append);
    ASSERT_EQ(produce_at(table, txn_batch(7, 0, 2), 13).verdict, sequence_verdict::append);
    EXPECT_EQ(table.last_stable_offset(14), 10);
    table.marker_appended(7, 0, 0, true, 14, 5000);
    EXPECT_EQ(table.last_stable_offset(15), 12);
    table.marker_appended(8, 0, 0, true, 15, 5000);
    EXPECT_EQ(table.last_stable_offset(16), 16);
    EXPECT_TRUE(table.aborted().empty());
}

TEST(producer_state_txn, a_batch_in_flight_holds_the_lso_at_the_log_end_it_found) {
    producer_state_table table;
    auto first = txn_batch(7, 0, 0);
    ASSERT_EQ(table.check_and_record(first, 20).verdict, sequence_verdict::append);
    EXPECT_EQ(table.last_stable_offset(20), 20);
    EXPECT_EQ(table.active_producers().size(), 0u);  // nothing of it in the log yet
    table.appended(first, 23);                       // other appends went first
    EXPECT_EQ(table.last_stable_offset(24), 23);
    EXPECT_EQ(table.active_producers().at(0).current_txn_start_offset, 23);

    // A failed append of the batch that opened the transaction withdraws it.
    auto other = txn_batch(9, 0, 0);
    ASSERT_EQ(table.check_and_record(other, 24).verdict, sequence_verdict::append);
    table.append_failed(other);
    table.marker_appended(7, 0, 0, true, 24, 5000);
    EXPECT_EQ(table.last_stable_offset(25), 25);
}

TEST(producer_state_txn, only_a_batch_opening_a_transaction_needs_verification) {
    producer_state_table table;
    auto guard = table.txn_verification_needed(7, 0);  // unknown producer: it would open one
    ASSERT_TRUE(guard.has_value());
    EXPECT_TRUE(table.verification_holds(7, *guard));
    ASSERT_EQ(produce_at(table, txn_batch(7, 0, 0), 0).verdict, sequence_verdict::append);
    EXPECT_FALSE(table.txn_verification_needed(7, 0).has_value());  // continues its own
    EXPECT_TRUE(table.txn_verification_needed(7, 1).has_value());   // a newer epoch opens anew
    EXPECT_TRUE(table.txn_verification_needed(8, 0).has_value());
    table.marker_appended(7, 0, 0, true, 1, 5000);
    EXPECT_TRUE(table.txn_verification_needed(7, 0).has_value());  // closed: the next opens
}

TEST(producer_state_txn, a_marker_during_verification_voids_it) {
    producer_state_table table;
    ASSERT_EQ(produce_at(table, txn_batch(7, 0, 0), 0).verdict, sequence_verdict::append);
    table.marker_appended(7, 0, 0, true, 1, 5000);
    const auto guard = table.txn_verification_needed(7, 0);
    ASSERT_TRUE(guard.has_value());
    table.marker_appended(8, 0, 0, false, 2, 5000);  // another producer's marker: no matter
    EXPECT_TRUE(table.verification_holds(7, *guard));
    // The transaction the coordinator confirmed ended (a late batch of a zombie, say): the
    // batch would open a transaction nobody ends.
    ASSERT_EQ(table.check_marker(7, 0, 0), marker_verdict::append);
    EXPECT_FALSE(table.verification_holds(7, *guard));
}

TEST(producer_state_txn, aborts_are_recorded_for_read_committed_reads) {
    producer_state_table table;
    ASSERT_EQ(produce_at(table, txn_batch(7, 0, 0), 0).verdict, sequence_verdict::append);
    ASSERT_EQ(produce_at(table, txn_batch(8, 0, 0), 1).verdict, sequence_verdict::append);
    ASSERT_EQ(produce_at(table, txn_batch(7, 0, 1), 2).verdict, sequence_verdict::append);
    table.marker_appended(7, 0, 0, false, 3, 5000);  // 8 is still open: the LSO is its start
    table.marker_appended(8, 0, 0, false, 4, 5000);
    ASSERT_EQ(table.aborted().size(), 2u);
    EXPECT_EQ(table.aborted()[0], (aborted_txn{7, 0, 3, 1}));
    EXPECT_EQ(table.aborted()[1], (aborted_txn{8, 1, 4, 5}));
    EXPECT_EQ(table.aborted_between(0, 1).size(), 1u);  // 8 starts at 1
    EXPECT_EQ(table.aborted_between(0, 5).size(), 2u);
    EXPECT_EQ(table.aborted_between(4, 5).size(), 1u);  // 7 ended at 3
    EXPECT_TRUE(table.aborted_between(5, 9).empty());
    table.forget_aborted_below(4);
    ASSERT_EQ(table.aborted().size(), 1u);
    EXPECT_EQ(table.aborted()[0].producer_id, 8);
}

TEST(producer_state_txn, non_transactional_writes_inside_a_transaction_are_refused) {
    producer_state_table table;
    ASSERT_EQ(produce_at(table, txn_batch(7, 0, 0), 0).verdict, sequence_verdict::append);
    EXPECT_EQ(produce_at(table, batch(7, 0, 1), 1).verdict, sequence_verdict::invalid_txn_state);
    table.marker_appended(7, 0, 0, true, 1, 5000);
    // Sequences go on across transactions of one epoch.
    EXPECT_EQ(produce_at(table, batch(7, 0, 1), 2).verdict, sequence_verdict::append);
}

TEST(producer_state_txn, markers_check_epochs_and_a_fence_bumps_the_epoch) {
    producer_state_table table;
    ASSERT_EQ(produce_at(table, txn_batch(7, 3, 0), 0).verdict, sequence_verdict::append);
    EXPECT_EQ(table.check_marker(7, 2, 0), marker_verdict::invalid_epoch);
    EXPECT_EQ(table.check_marker(7, 4, 0), marker_verdict::append);
    EXPECT_EQ(table.check_marker(99, 0, 0), marker_verdict::append);  // unknown producer
    table.marker_appended(7, 4, 5, false, 1, 5000);  // the coordinator fenced the producer
    EXPECT_EQ(table.check_marker(7, 4, 4), marker_verdict::coordinator_fenced);
    EXPECT_EQ(produce_at(table, txn_batch(7, 3, 1), 2).verdict, sequence_verdict::invalid_epoch);
    EXPECT_EQ(produce_at(table, txn_batch(7, 5, 0), 2).verdict, sequence_verdict::append);
}

TEST(producer_state_txn, a_producer_with_an_open_transaction_is_never_forgotten) {
    producer_state_table table(2);
    ASSERT_EQ(produce_at(table, txn_batch(1, 0, 0), 0).verdict, sequence_verdict::append);
    ASSERT_EQ(produce_at(table, batch(2, 0, 0), 1).verdict, sequence_verdict::append);
    ASSERT_EQ(produce_at(table, batch(3, 0, 0), 2).verdict, sequence_verdict::append);
    EXPECT_EQ(table.last_stable_offset(3), 0);
    EXPECT_EQ(table.last_of(2).first, -1);  // 2 went, not 1
    // A failed append that is not the newest keeps the transaction, forgetting sequences.
    auto second = txn_batch(1, 0, 1);
    auto third = txn_batch(1, 0, 2);
    ASSERT_EQ(table.check_and_record(second, 3).verdict, sequence_verdict::append);
    ASSERT_EQ(table.check_and_record(third, 3).verdict, sequence_verdict::append);
    table.append_failed(second);
    EXPECT_EQ(table.last_stable_offset(3), 0);
}

TEST(producer_state_txn, a_fence_takes_effect_when_its_marker_is_checked) {
    producer_state_table table;
    ASSERT_EQ(produce_at(table, txn_batch(7, 0, 0), 0).verdict, sequence_verdict::append);
    ASSERT_EQ(table.check_marker(7, 1, 0), marker_verdict::append);
    // While the marker is being written, the fenced epoch's batches are refused already.
    EXPECT_EQ(produce_at(table, txn_batch(7, 0, 1), 1).verdict, sequence_verdict::invalid_epoch);
    EXPECT_EQ(table.last_stable_offset(1), 0);  // the transaction closes with the marker
    table.marker_appended(7, 1, 0, false, 1, 5000);
    EXPECT_EQ(table.last_stable_offset(2), 2);
    auto listed = table.active_producers();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].epoch, 1);
    EXPECT_EQ(listed[0].last_sequence, -1);
    EXPECT_EQ(listed[0].last_timestamp, 5000);  // the marker's, as Kafka's lastTimestamp
}

TEST(producer_state_txn, a_failed_old_epoch_batch_leaves_a_newer_transaction_open) {
    producer_state_table table;
    auto old_batch = txn_batch(7, 0, 0);
    ASSERT_EQ(table.check_and_record(old_batch, 0).verdict, sequence_verdict::append);
    table.appended(old_batch, 0);
    table.marker_appended(7, 1, 0, false, 1, 5000);
    auto fresh = txn_batch(7, 1, 0);
    ASSERT_EQ(table.check_and_record(fresh, 2).verdict, sequence_verdict::append);
    table.append_failed(old_batch);  // a stale failure report of the old epoch's batch
    EXPECT_EQ(table.last_stable_offset(3), 2);
}

}  // namespace
}  // namespace laminar::broker
