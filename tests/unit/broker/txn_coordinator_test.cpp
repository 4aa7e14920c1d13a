// Scenarios of the transaction protocol against the coordinator state machine, each checking the
// behaviour of Kafka 3.7's TransactionCoordinator: producer id and epoch handling (KIP-360
// included), the Ongoing -> Prepare -> Complete path with its markers, fencing, timeouts,
// failed appends, marker retries, expiry and replay of the persisted records.
#include "broker/txn_coordinator.h"

#include <gtest/gtest.h>

#include <map>

namespace laminar::broker::txn {
namespace {

struct harness {
    coordinator_config config;
    std::unique_ptr<txn_coordinator> coordinator;
    std::int64_t now = 1'000'000;
    request_id next_id = 1;
    std::int64_t next_producer_id = 1000;
    std::map<request_id, reply_effect> replies;
    std::vector<persist_effect> persists;  // not yet answered
    std::vector<markers_effect> markers;   // not yet answered
    std::vector<persist_effect> log;       // every durable record, in order
    bool auto_persist = true;
    bool auto_markers = true;

    explicit harness(coordinator_config c = {}, bool load = true) : config(c) {
        coordinator = std::make_unique<txn_coordinator>(config);
        if (load) coordinator->load_complete(now);
    }

    void drain() {
        for (bool more = true; more;) {
            more = false;
            for (auto& e : coordinator->take_effects()) {
                switch (e.type) {
                    case effect::kind::reply:
                        EXPECT_FALSE(replies.contains(e.reply.id))
                            << "two replies to " << e.reply.id;
                        replies[e.reply.id] = e.reply;
                        break;
                    case effect::kind::persist: persists.push_back(std::move(e.persist)); break;
                    case effect::kind::markers: markers.push_back(std::move(e.markers)); break;
                }
            }
            if (auto_persist && !persists.empty()) {
                persist_all(kafka_error::none);
                more = true;
            }
            if (auto_markers && !markers.empty()) {
                write_markers(kafka_error::none);
                more = true;
            }
        }
    }

    void persist_all(kafka_error error) {
        auto pending = std::exchange(persists, {});
        for (auto& p : pending) {
            if (error == kafka_error::none) log.push_back(p);
            coordinator->persisted(p.token, error, now);
        }
    }

    void write_markers(kafka_error error) {
        auto pending = std::exchange(markers, {});
        for (auto& m : pending) {
            std::vector<marker_outcome> outcomes;
            for (auto& p : m.partitions) outcomes.push_back({p, error});
            coordinator->markers_written(m.token, outcomes, now);
        }
    }

    reply_effect init(const std::string& id, std::int32_t timeout = 60'000,
                      std::int64_t expected_id = -1, std::int16_t expected_epoch = -1) {
        request_id request = next_id++;
        coordinator->init_producer_id(request, {id, timeout, expected_id, expected_epoch},
                                      next_producer_id++, now);
        drain();
        return take_reply(request);
    }

    reply_effect add(const std::string& id, std::int64_t producer_id, std::int16_t epoch,
                     std::vector<topic_partition> partitions) {
        request_id request = next_id++;
        coordinator->add_partitions(request, id, producer_id, epoch, partitions, now);
        drain();
        return take_reply(request);
    }

    reply_effect end(const std::string& id, std::int64_t producer_id, std::int16_t epoch,
                     bool commit) {
        request_id request = next_id++;
        coordinator->end_txn(request, id, producer_id, epoch, commit, now);
        drain();
        return take_reply(request);
    }

    reply_effect take_reply(request_id request) {
        auto found = replies.find(request);
        if (found == replies.end()) {
            ADD_FAILURE() << "no reply to request " << request;
            return {};
        }
        return found->second;
    }

    txn_state state_of(const std::string& id) { return coordinator->describe(id)->state; }

    void advance_to(std::int64_t at) {
        now = at;
        coordinator->advance(now);
        drain();
    }
};

// Loads "tx" with producer id 77 at `epoch` in `state`, then completes the load.
void load_one(harness& h, txn_state state, std::int16_t epoch) {
    txn_log_value value;
    value.producer_id = 77;
    value.producer_epoch = epoch;
    value.transaction_timeout_ms = 60'000;
    value.transaction_status = static_cast<std::int8_t>(state);
    h.coordinator->load_record(encode_txn_log_key("tx"), encode_txn_log_value(value));
    h.coordinator->load_complete(h.now);
}

const topic_partition t0{"t", 0};
const topic_partition t1{"t", 1};

coordinator_config retrying_config() {
    coordinator_config config;
    config.marker_retry_backoff_ms = 50;
    return config;
}

// A transaction on t0 and t1 ended (commit or abort); returns the markers it asked for, which
// the harness holds unwritten.
std::vector<markers_effect> end_holding_markers(harness& h, bool commit) {
    auto id = h.init("tx");
    EXPECT_EQ(h.add("tx", id.producer_id, id.producer_epoch, {t0, t1}).error, kafka_error::none);
    h.auto_markers = false;
    EXPECT_EQ(h.end("tx", id.producer_id, id.producer_epoch, commit).error, kafka_error::none);
    return std::exchange(h.markers, {});
}

TEST(txn_coordinator, init_gives_a_new_id_epoch_zero_then_bumps_the_epoch) {
    harness h;
    auto first = h.init("tx");
    EXPECT_EQ(first.error, kafka_error::none);
    EXPECT_EQ(first.producer_id, 1000);
    EXPECT_EQ(first.producer_epoch, 0);
    EXPECT_EQ(h.log.size(), 1u);
    auto second = h.init("tx");
    EXPECT_EQ(second.producer_id, 1000);  // the fresh id offered this time stays unused
    EXPECT_EQ(second.producer_epoch, 1);
    EXPECT_EQ(h.state_of("tx"), txn_state::empty);
}

TEST(txn_coordinator, init_refuses_bad_input_and_answers_load_in_progress_before_load) {
    harness h;
    EXPECT_EQ(h.init("", 1000).error, kafka_error::invalid_request);
    EXPECT_EQ(h.init("tx", 0).error, kafka_error::invalid_transaction_timeout);
    EXPECT_EQ(h.init("tx", 900'001).error, kafka_error::invalid_transaction_timeout);
    EXPECT_EQ(h.init("tx", 900'000).error, kafka_error::none);

    harness loading({}, false);
    EXPECT_EQ(loading.init("tx").error, kafka_error::coordinator_load_in_progress);
    EXPECT_EQ(loading.add("tx", 1, 0, {t0}).error, kafka_error::coordinator_load_in_progress);
    EXPECT_EQ(loading.end("tx", 1, 0, true).error, kafka_error::coordinator_load_in_progress);
}

TEST(txn_coordinator, commit_goes_through_prepare_markers_and_complete) {
    harness h;
    auto id = h.init("tx");
    h.auto_markers = false;
    EXPECT_EQ(h.add("tx", id.producer_id, id.producer_epoch, {t0, t1}).error, kafka_error::none);
    EXPECT_EQ(h.state_of("tx"), txn_state::ongoing);
    const auto records = h.log.size();
    // Already in the transaction: answered at once, nothing written.
    EXPECT_EQ(h.add("tx", id.producer_id, id.producer_epoch, {t1}).error, kafka_error::none);
    EXPECT_EQ(h.log.size(), records);

    EXPECT_EQ(h.end("tx", id.producer_id, id.producer_epoch, true).error, kafka_error::none);
    EXPECT_EQ(h.state_of("tx"), txn_state::prepare_commit);
    ASSERT_EQ(h.markers.size(), 1u);
    EXPECT_TRUE(h.markers[0].commit);
    EXPECT_EQ(h.markers[0].producer_id, id.producer_id);
    EXPECT_EQ(h.markers[0].producer_epoch, id.producer_epoch);
    EXPECT_EQ(h.markers[0].partitions, (std::vector<topic_partition>{t0, t1}));

    // While the markers are written: the same outcome is retriable, the other one is not.
    EXPECT_EQ(h.end("tx", id.producer_id, id.producer_epoch, true).error,
              kafka_error::concurrent_transactions);
    EXPECT_EQ(h.end("tx", id.producer_id, id.producer_epoch, false).error,
              kafka_error::invalid_txn_state);
    EXPECT_EQ(h.add("tx", id.producer_id, id.producer_epoch, {t0}).error,
              kafka_error::concurrent_transactions);
    EXPECT_EQ(h.init("tx").error, kafka_error::concurrent_transactions);

    h.write_markers(kafka_error::none);
    h.drain();
    EXPECT_EQ(h.state_of("tx"), txn_state::complete_commit);
    EXPECT_TRUE(h.coordinator->describe("tx")->partitions.empty());
    EXPECT_EQ(h.end("tx", id.producer_id, id.producer_epoch, true).error, kafka_error::none);
    EXPECT_EQ(h.end("tx", id.producer_id, id.producer_epoch, false).error,
              kafka_error::invalid_txn_state);

    // The next transaction starts from CompleteCommit with only its own partitions.
    EXPECT_EQ(h.add("tx", id.producer_id, id.producer_epoch, {t1}).error, kafka_error::none);
    EXPECT_EQ(h.coordinator->describe("tx")->partitions, (std::vector<topic_partition>{t1}));
}

TEST(txn_coordinator, wrong_producer_or_epoch_is_refused) {
    harness h;
    auto id = h.init("tx");
    EXPECT_EQ(h.add("other", id.producer_id, 0, {t0}).error,
              kafka_error::invalid_producer_id_mapping);
    EXPECT_EQ(h.add("tx", id.producer_id + 1, 0, {t0}).error,
              kafka_error::invalid_producer_id_mapping);
    EXPECT_EQ(h.add("tx", id.producer_id, 1, {t0}).error, kafka_error::producer_fenced);
    EXPECT_EQ(h.end("tx", id.producer_id, 0, true).error, kafka_error::invalid_txn_state);
    EXPECT_EQ(h.end("tx", id.producer_id, 3, true).error, kafka_error::producer_fenced);
    EXPECT_EQ(h.end("", id.producer_id, 0, true).error, kafka_error::invalid_request);
    EXPECT_EQ(for_version(kafka_error::producer_fenced, false),
              kafka_error::invalid_producer_epoch);
    EXPECT_EQ(for_version(kafka_error::producer_fenced, true), kafka_error::producer_fenced);
}

TEST(txn_coordinator, init_during_an_open_transaction_fences_and_aborts_it) {
    harness h;
    auto old = h.init("tx");
    ASSERT_EQ(h.add("tx", old.producer_id, old.producer_epoch, {t0}).error, kafka_error::none);
    h.auto_markers = false;
    auto retry = h.init("tx");
    EXPECT_EQ(retry.error, kafka_error::concurrent_transactions);
    ASSERT_EQ(h.markers.size(), 1u);
    EXPECT_FALSE(h.markers[0].commit);
    EXPECT_EQ(h.markers[0].producer_epoch, old.producer_epoch + 1);
    EXPECT_EQ(h.state_of("tx"), txn_state::prepare_abort);
    // The old producer is fenced from here on.
    EXPECT_EQ(h.end("tx", old.producer_id, old.producer_epoch, true).error,
              kafka_error::producer_fenced);
    h.write_markers(kafka_error::none);
    h.drain();
    EXPECT_EQ(h.state_of("tx"), txn_state::complete_abort);
    auto fresh = h.init("tx");
    EXPECT_EQ(fresh.error, kafka_error::none);
    EXPECT_EQ(fresh.producer_id, old.producer_id);
    EXPECT_EQ(fresh.producer_epoch, old.producer_epoch + 2);
}

TEST(txn_coordinator, a_transaction_past_its_timeout_is_aborted_and_its_producer_fenced) {
    coordinator_config config;
    config.abort_timed_out_interval_ms = 1000;
    harness h(config);
    auto id = h.init("tx", 5000);
    ASSERT_EQ(h.add("tx", id.producer_id, id.producer_epoch, {t0}).error, kafka_error::none);
    h.auto_markers = false;
    h.advance_to(h.now + 5000);  // start + timeout is not yet past
    EXPECT_EQ(h.state_of("tx"), txn_state::ongoing);
    h.advance_to(h.now + 1000);
    EXPECT_EQ(h.state_of("tx"), txn_state::prepare_abort);
    ASSERT_EQ(h.markers.size(), 1u);
    EXPECT_EQ(h.markers[0].producer_epoch, id.producer_epoch + 1);
    h.write_markers(kafka_error::none);
    h.drain();
    EXPECT_EQ(h.state_of("tx"), txn_state::complete_abort);
    EXPECT_EQ(h.add("tx", id.producer_id, id.producer_epoch, {t0}).error,
              kafka_error::producer_fenced);
}

TEST(txn_coordinator, a_failed_append_changes_nothing_and_maps_the_error) {
    harness h;
    auto id = h.init("tx");
    h.auto_persist = false;
    request_id request = h.next_id++;
    h.coordinator->add_partitions(request, "tx", id.producer_id, id.producer_epoch, {t0}, h.now);
    h.drain();
    ASSERT_EQ(h.persists.size(), 1u);
    // A second request while the first is being written.
    EXPECT_EQ(h.add("tx", id.producer_id, id.producer_epoch, {t1}).error,
              kafka_error::concurrent_transactions);
    h.persist_all(kafka_error::not_leader_or_follower);
    h.drain();
    EXPECT_EQ(h.take_reply(request).error, kafka_error::not_coordinator);
    EXPECT_EQ(h.state_of("tx"), txn_state::empty);

    h.auto_persist = true;
    ASSERT_EQ(h.add("tx", id.producer_id, id.producer_epoch, {t0}).error, kafka_error::none);
    h.auto_persist = false;
    request = h.next_id++;
    h.coordinator->end_txn(request, "tx", id.producer_id, id.producer_epoch, true, h.now);
    h.drain();
    h.persist_all(kafka_error::request_timed_out);
    h.drain();
    EXPECT_EQ(h.take_reply(request).error, kafka_error::coordinator_not_available);
    EXPECT_EQ(h.state_of("tx"), txn_state::ongoing);
    EXPECT_TRUE(h.markers.empty());
}

TEST(txn_coordinator, failed_markers_are_retried_and_gone_partitions_dropped) {
    harness h(retrying_config());
    auto first = end_holding_markers(h, false);
    ASSERT_EQ(first.size(), 1u);
    std::vector<marker_outcome> outcomes = {{t0, kafka_error::not_leader_or_follower},
                                            {t1, kafka_error::none}};
    h.coordinator->markers_written(first[0].token, outcomes, h.now);
    h.drain();
    EXPECT_TRUE(h.markers.empty());
    EXPECT_EQ(h.coordinator->describe("tx")->partitions, (std::vector<topic_partition>{t0}));
    EXPECT_EQ(h.coordinator->next_deadline(), h.now + 50);
    h.advance_to(h.now + 50);
    ASSERT_EQ(h.markers.size(), 1u);
    EXPECT_EQ(h.markers[0].partitions, (std::vector<topic_partition>{t0}));
    h.write_markers(kafka_error::unknown_topic_or_partition);  // deleted meanwhile: dropped
    h.drain();
    EXPECT_EQ(h.state_of("tx"), txn_state::complete_abort);
}

TEST(txn_coordinator, replay_restores_ids_and_resumes_prepared_transactions) {
    harness h;
    auto a = h.init("a");
    auto b = h.init("b");
    auto c = h.init("c");
    ASSERT_EQ(h.add("a", a.producer_id, a.producer_epoch, {t0}).error, kafka_error::none);
    ASSERT_EQ(h.add("b", b.producer_id, b.producer_epoch, {t1}).error, kafka_error::none);
    ASSERT_EQ(h.end("c", c.producer_id, c.producer_epoch, true).error,
              kafka_error::invalid_txn_state);
    h.auto_markers = false;
    ASSERT_EQ(h.end("b", b.producer_id, b.producer_epoch, true).error, kafka_error::none);
    ASSERT_EQ(h.markers.size(), 1u);  // never written: the broker "crashed"

    harness replayed({}, false);
    for (const auto& record : h.log) {
        std::optional<std::span<const std::byte>> value;
        if (record.value) value = *record.value;
        replayed.coordinator->load_record(record.key, value);
    }
    replayed.auto_markers = false;
    replayed.coordinator->load_complete(replayed.now);
    replayed.drain();
    EXPECT_EQ(replayed.coordinator->size(), 3u);
    EXPECT_EQ(replayed.state_of("a"), txn_state::ongoing);
    EXPECT_EQ(replayed.coordinator->describe("a")->partitions, (std::vector<topic_partition>{t0}));
    EXPECT_EQ(replayed.state_of("c"), txn_state::empty);
    ASSERT_EQ(replayed.markers.size(), 1u);
    EXPECT_TRUE(replayed.markers[0].commit);
    EXPECT_EQ(replayed.markers[0].producer_id, b.producer_id);
    EXPECT_EQ(replayed.markers[0].partitions, (std::vector<topic_partition>{t1}));
    replayed.write_markers(kafka_error::none);
    replayed.auto_markers = true;
    replayed.drain();
    EXPECT_EQ(replayed.state_of("b"), txn_state::complete_commit);
    // "a" goes on where it was: same producer, same epoch.
    EXPECT_EQ(replayed.end("a", a.producer_id, a.producer_epoch, false).error, kafka_error::none);
    EXPECT_EQ(replayed.state_of("a"), txn_state::complete_abort);
}

TEST(txn_coordinator, idle_ids_expire_with_a_tombstone) {
    coordinator_config config;
    config.transactional_id_expiration_ms = 10'000;
    config.remove_expired_interval_ms = 1000;
    harness h(config);
    auto id = h.init("idle");
    auto busy = h.init("busy");
    ASSERT_EQ(h.add("busy", busy.producer_id, busy.producer_epoch, {t0}).error, kafka_error::none);
    (void)id;
    h.advance_to(h.now + 10'000);
    EXPECT_EQ(h.coordinator->size(), 1u);  // the ongoing one stays
    ASSERT_FALSE(h.log.empty());
    EXPECT_FALSE(h.log.back().value.has_value());
    EXPECT_EQ(decode_txn_log_key(h.log.back().key).value(), "idle");
    EXPECT_FALSE(h.coordinator->describe("idle"));
}

TEST(txn_coordinator, an_exhausted_epoch_rotates_to_a_new_producer_id) {
    harness h({}, false);
    load_one(h, txn_state::complete_commit, 32766);
    auto rotated = h.init("tx", 60'000, 77, 32766);
    EXPECT_EQ(rotated.error, kafka_error::none);
    EXPECT_EQ(rotated.producer_id, 1000);
    EXPECT_EQ(rotated.producer_epoch, 0);
    auto decoded = decode_txn_log_value(*h.log.back().value);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->previous_producer_id, 77);
    // KIP-360: the old producer retrying with its exhausted epoch (the answer was lost) gets
    // the new id, not fenced and not bumped again.
    auto retried = h.init("tx", 60'000, 77, 32766);
    EXPECT_EQ(retried.error, kafka_error::none);
    EXPECT_EQ(retried.producer_id, 1000);
    EXPECT_EQ(retried.producer_epoch, 0);
    EXPECT_EQ(h.init("tx", 60'000, 76, 32766).error, kafka_error::producer_fenced);
}

TEST(txn_coordinator, an_exhausted_epoch_rotates_for_a_producer_without_an_id_too) {
    harness h({}, false);
    load_one(h, txn_state::complete_abort, 32767);  // fenced by a last abort
    auto rotated = h.init("tx");
    EXPECT_EQ(rotated.producer_id, 1000);
    EXPECT_EQ(rotated.producer_epoch, 0);
}

TEST(txn_coordinator, expected_producer_id_and_epoch_follow_kip_360) {
    harness h;
    auto first = h.init("tx");
    auto bumped = h.init("tx", 60'000, first.producer_id, first.producer_epoch);
    EXPECT_EQ(bumped.error, kafka_error::none);
    EXPECT_EQ(bumped.producer_epoch, first.producer_epoch + 1);
    // The same request again (its answer was lost): the current epoch, not bumped twice.
    auto again = h.init("tx", 60'000, first.producer_id, first.producer_epoch);
    EXPECT_EQ(again.error, kafka_error::none);
    EXPECT_EQ(again.producer_epoch, bumped.producer_epoch);
    EXPECT_EQ(h.init("tx", 60'000, first.producer_id, 40).error, kafka_error::producer_fenced);
    EXPECT_EQ(h.init("tx", 60'000, 5, 0).error, kafka_error::producer_fenced);
}

TEST(txn_coordinator, verify_list_and_describe) {
    harness h;
    auto a = h.init("a");
    auto b = h.init("b");
    ASSERT_EQ(h.add("a", a.producer_id, a.producer_epoch, {t0}).error, kafka_error::none);
    EXPECT_EQ(h.coordinator->verify_partition("a", a.producer_id, a.producer_epoch, t0),
              kafka_error::none);
    EXPECT_EQ(h.coordinator->verify_partition("a", a.producer_id, a.producer_epoch, t1),
              kafka_error::invalid_txn_state);
    EXPECT_EQ(h.coordinator->verify_partition("a", a.producer_id, 9, t0),
              kafka_error::producer_fenced);
    EXPECT_EQ(h.coordinator->verify_partition("b", b.producer_id, b.producer_epoch, t0),
              kafka_error::invalid_txn_state);
    EXPECT_EQ(h.coordinator->verify_partition("x", 1, 0, t0),
              kafka_error::invalid_producer_id_mapping);

    auto described = h.coordinator->describe("a");
    ASSERT_TRUE(described);
    EXPECT_EQ(described->transaction_start_time_ms, h.now);
    EXPECT_EQ(described->transaction_timeout_ms, 60'000);
    EXPECT_EQ(h.coordinator->describe("b")->transaction_start_time_ms, -1);

    std::vector<txn_state> ongoing = {txn_state::ongoing};
    auto listed = h.coordinator->list(ongoing, {});
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].transactional_id, "a");
    std::vector<std::int64_t> ids = {b.producer_id};
    listed = h.coordinator->list({}, ids);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].transactional_id, "b");
    EXPECT_EQ(h.coordinator->list({}, {}).size(), 2u);
}

TEST(txn_coordinator, an_expected_id_without_an_epoch_is_invalid) {
    harness h;
    h.init("tx");
    EXPECT_EQ(h.init("tx", 60'000, 1000, -1).error, kafka_error::invalid_request);
    EXPECT_EQ(h.init("tx", 60'000, -1, 0).error, kafka_error::invalid_request);
}

TEST(txn_coordinator, a_failed_fence_keeps_the_producer_fenced_and_bumps_once) {
    harness h;
    auto old = h.init("tx");
    ASSERT_EQ(h.add("tx", old.producer_id, old.producer_epoch, {t0}).error, kafka_error::none);
    h.auto_persist = false;
    request_id fence = h.next_id++;
    h.coordinator->init_producer_id(fence, {"tx", 60'000, -1, -1}, 5000, h.now);
    h.drain();
    h.persist_all(kafka_error::not_leader_or_follower);
    h.drain();
    EXPECT_EQ(h.take_reply(fence).error, kafka_error::not_coordinator);
    EXPECT_EQ(h.state_of("tx"), txn_state::ongoing);
    // The old producer may not commit what the coordinator set out to abort.
    EXPECT_EQ(h.end("tx", old.producer_id, old.producer_epoch, true).error,
              kafka_error::producer_fenced);
    h.auto_persist = true;
    h.auto_markers = false;
    EXPECT_EQ(h.init("tx").error, kafka_error::concurrent_transactions);
    ASSERT_EQ(h.markers.size(), 1u);
    EXPECT_EQ(h.markers[0].producer_epoch, old.producer_epoch + 1);  // not + 2
}

TEST(txn_coordinator, stale_markers_settle_and_unanswered_partitions_are_retried) {
    harness h(retrying_config());
    auto sent = end_holding_markers(h, true);
    ASSERT_EQ(sent.size(), 1u);
    std::vector<marker_outcome> outcomes = {{t0, kafka_error::invalid_producer_epoch}};
    h.coordinator->markers_written(sent[0].token, outcomes, h.now);  // t1 not answered
    h.drain();
    EXPECT_TRUE(h.markers.empty());  // not at once: after the backoff
    h.advance_to(h.now + 50);
    ASSERT_EQ(h.markers.size(), 1u);
    EXPECT_EQ(h.markers[0].partitions, (std::vector<topic_partition>{t1}));
    h.write_markers(kafka_error::none);
    h.drain();
    EXPECT_EQ(h.state_of("tx"), txn_state::complete_commit);
}

TEST(txn_coordinator, the_previous_producer_id_is_the_one_before_each_change) {
    harness h({}, false);
    load_one(h, txn_state::complete_commit, 32766);
    auto rotated = h.init("tx", 60'000, 77, 32766);
    ASSERT_EQ(rotated.producer_id, 1000);
    ASSERT_EQ(h.add("tx", 1000, 0, {t0}).error, kafka_error::none);
    EXPECT_EQ(decode_txn_log_value(*h.log.back().value)->previous_producer_id, 1000);
    // The retry window of the rotation closed with the next change.
    EXPECT_EQ(h.init("tx", 60'000, 77, 32766).error, kafka_error::producer_fenced);
}

}  // namespace
}  // namespace laminar::broker::txn
