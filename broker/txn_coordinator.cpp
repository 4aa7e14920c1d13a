#include "broker/txn_coordinator.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace laminar::broker::txn {
namespace {

constexpr std::int16_t epoch_max = std::numeric_limits<std::int16_t>::max();

// Kafka's TransactionMetadata.isEpochExhausted: the last epoch is kept for fencing (the
// coordinator bumps it once more to abort), so a producer may use at most epoch_max - 1.
bool epoch_exhausted(std::int16_t epoch) noexcept { return epoch >= epoch_max - 1; }

bool is_prepare(txn_state state) noexcept {
    return state == txn_state::prepare_commit || state == txn_state::prepare_abort;
}
bool is_complete_or_empty(txn_state state) noexcept {
    return state == txn_state::empty || state == txn_state::complete_commit ||
           state == txn_state::complete_abort;
}

// Kafka's TransactionStateManager.appendTransactionToLog: the error a request gets when its
// state change could not be appended.
kafka_error append_error_for_client(kafka_error error) noexcept {
    switch (error) {
        case kafka_error::unknown_topic_or_partition:
        case kafka_error::not_enough_replicas:
        case kafka_error::not_enough_replicas_after_append:
        case kafka_error::request_timed_out: return kafka_error::coordinator_not_available;
        case kafka_error::not_leader_or_follower:
        case kafka_error::kafka_storage_error: return kafka_error::not_coordinator;
        case kafka_error::message_too_large:
        case kafka_error::record_list_too_large: return kafka_error::unknown_server_error;
        default: return error;
    }
}

// TransactionMarkerRequestCompletionHandler: which partitions' markers are settled. A stale
// epoch or a fenced coordinator ends the sending in Kafka (a newer coordinator takes over);
// with one coordinator per partition here nothing would ever take over, so those partitions
// count as settled, as a gone one does. Every other error is retried.
bool marker_settled(kafka_error error) noexcept {
    switch (error) {
        case kafka_error::none:
        case kafka_error::unknown_topic_or_partition:
        case kafka_error::invalid_producer_epoch:
        case kafka_error::transaction_coordinator_fenced:
        case kafka_error::unsupported_for_message_format: return true;
        default: return false;
    }
}

// The fields a transition changes (Kafka's TxnTransitMetadata).
struct transit {
    txn_state state = txn_state::empty;
    std::int64_t producer_id = producer_id_none;
    std::int64_t last_producer_id = producer_id_none;
    std::int16_t producer_epoch = producer_epoch_none;
    std::int16_t last_producer_epoch = producer_epoch_none;
    std::int32_t timeout_ms = 0;
    std::set<topic_partition> partitions;
    std::int64_t start_ms = -1;
    std::int64_t update_ms = 0;
};

// What a durable transition leads to.
enum class then_do : std::uint8_t {
    reply_init,          // reply NONE with the new producer id and epoch
    reply_none,          // reply NONE (AddPartitionsToTxn)
    reply_then_markers,  // reply NONE, then write the markers (EndTxn)
    markers,             // write the markers, reply CONCURRENT_TRANSACTIONS if asked (a fence)
    complete,            // the markers are written: nothing more
    expire,              // the tombstone is written: forget the id
};

}  // namespace

struct txn_coordinator::state {
    struct metadata {
        transit current;
        std::optional<transit> pending;  // at most one transition in flight
        // Markers of a PrepareCommit/PrepareAbort: partitions still to write, whether a write
        // is in flight, and when to retry the failed ones (or the Complete append).
        std::set<topic_partition> markers_left;
        bool markers_in_flight = false;
        std::int64_t retry_at_ms = -1;
        // A fence whose PrepareAbort append failed keeps its bumped epoch in memory (Kafka's
        // hasFailedEpochFence): the old producer stays fenced, the next try bumps no further.
        bool failed_epoch_fence = false;
    };
    struct pending_write {
        std::string transactional_id;
        then_do then = then_do::reply_none;
        std::optional<request_id> reply_to;
    };

    coordinator_config config;
    std::int32_t coordinator_epoch = 0;
    bool loaded = false;
    std::map<std::string, metadata> transactions;
    std::map<std::uint64_t, pending_write> writes;
    std::map<std::uint64_t, std::string> marker_writes;
    std::vector<effect> effects;
    std::uint64_t next_token = 1;
    std::int64_t next_abort_check_ms = 0;
    std::int64_t next_expire_check_ms = 0;

    void reply(request_id id, kafka_error error, std::int64_t producer_id = producer_id_none,
               std::int16_t epoch = producer_epoch_none) {
        effect out;
        out.type = effect::kind::reply;
        out.reply = {id, error, producer_id, epoch};
        effects.push_back(std::move(out));
    }

    txn_log_value to_value(const transit& to) const {
        txn_log_value value;
        value.producer_id = to.producer_id;
        value.previous_producer_id = to.last_producer_id;
        value.producer_epoch = to.producer_epoch;
        value.transaction_timeout_ms = to.timeout_ms;
        value.transaction_status = static_cast<std::int8_t>(to.state);
        value.transaction_last_update_timestamp_ms = to.update_ms;
        value.transaction_start_timestamp_ms = to.start_ms;
        if (to.state == txn_state::empty) {
            value.transaction_partitions.reset();  // Kafka writes null for Empty
        } else {
            auto& topics = value.transaction_partitions.emplace();
            for (const auto& partition : to.partitions) {
                if (topics.empty() || topics.back().topic != partition.topic) {
                    topics.push_back({partition.topic, {}});
                }
                topics.back().partition_ids.push_back(partition.partition);
            }
        }
        return value;
    }

    // Starts the append of `to` for `id`; `then` runs once it is durable.
    void begin(const std::string& transactional_id, metadata& txn, transit to, then_do then,
               std::optional<request_id> reply_to) {
        effect out;
        out.type = effect::kind::persist;
        out.persist.token = next_token++;
        out.persist.key = encode_txn_log_key(transactional_id);
        // Kafka's prepareTransitionTo: the previous producer id is the one before the change.
        to.last_producer_id = txn.current.producer_id;
        if (to.state != txn_state::dead) out.persist.value = encode_txn_log_value(to_value(to));
        writes[out.persist.token] = {transactional_id, then, reply_to};
        txn.pending = std::move(to);
        effects.push_back(std::move(out));
    }

    void send_markers(const std::string& transactional_id, metadata& txn) {
        effect out;
        out.type = effect::kind::markers;
        out.markers.token = next_token++;
        out.markers.producer_id = txn.current.producer_id;
        out.markers.producer_epoch = txn.current.producer_epoch;
        out.markers.commit = txn.current.state == txn_state::prepare_commit;
        out.markers.coordinator_epoch = coordinator_epoch;
        out.markers.partitions.assign(txn.markers_left.begin(), txn.markers_left.end());
        marker_writes[out.markers.token] = transactional_id;
        txn.markers_in_flight = true;
        txn.retry_at_ms = -1;
        effects.push_back(std::move(out));
    }

    // Markers of a prepared transaction: written, or (none left) the Complete transition.
    void continue_prepared(const std::string& transactional_id, metadata& txn,
                           std::int64_t now_ms) {
        if (!txn.markers_left.empty()) {
            send_markers(transactional_id, txn);
            return;
        }
        transit complete = txn.current;
        complete.state = txn.current.state == txn_state::prepare_commit ? txn_state::complete_commit
                                                                        : txn_state::complete_abort;
        complete.partitions.clear();
        complete.update_ms = now_ms;
        begin(transactional_id, txn, std::move(complete), then_do::complete, std::nullopt);
    }

    // Kafka's prepareFenceProducerEpoch followed by an abort from the coordinator: the epoch
    // goes up by one (fencing the producer), the transaction goes to PrepareAbort.
    void fence_and_abort(const std::string& transactional_id, metadata& txn,
                         std::optional<request_id> reply_to, std::int64_t now_ms) {
        transit abort = txn.current;
        if (!txn.failed_epoch_fence && abort.producer_epoch < epoch_max) ++abort.producer_epoch;
        abort.last_producer_epoch = producer_epoch_none;
        abort.state = txn_state::prepare_abort;
        abort.update_ms = now_ms;
        begin(transactional_id, txn, std::move(abort), then_do::markers, reply_to);
    }

    // The transaction of `transactional_id` when the producer named is its current one; else
    // Kafka's error is the reply and nullptr the result.
    metadata* of_producer(request_id id, const std::string& transactional_id,
                          std::int64_t producer_id, std::int16_t producer_epoch) {
        auto found = transactions.find(transactional_id);
        if (found == transactions.end() || found->second.current.producer_id != producer_id) {
            reply(id, kafka_error::invalid_producer_id_mapping);
            return nullptr;
        }
        if (found->second.current.producer_epoch != producer_epoch) {
            reply(id, kafka_error::producer_fenced);
            return nullptr;
        }
        return &found->second;
    }

    void init_existing(request_id id, const std::string& transactional_id, metadata& txn,
                       const init_producer_id_input& input, std::int64_t fresh_producer_id,
                       std::int64_t now_ms);
    void add_partitions(request_id id, const std::string& transactional_id,
                        std::int64_t producer_id, std::int16_t producer_epoch,
                        const std::vector<topic_partition>& partitions, std::int64_t now_ms);
    void end_txn(request_id id, const std::string& transactional_id, std::int64_t producer_id,
                 std::int16_t producer_epoch, bool commit, std::int64_t now_ms);
    void persisted(std::uint64_t token, kafka_error error, std::int64_t now_ms);
    void abort_timed_out(std::int64_t now_ms);
    void expire_idle(std::int64_t now_ms);
};

void txn_coordinator::state::init_existing(request_id id, const std::string& transactional_id,
                                           metadata& txn, const init_producer_id_input& input,
                                           std::int64_t fresh_producer_id, std::int64_t now_ms) {
    const transit& now = txn.current;
    const bool expected = input.expected_producer_id != producer_id_none;
    // Kafka's isValidProducerId (KIP-360): a client that names its current id must hold the
    // current one, or the previous one with an exhausted epoch (a retry after a rotation).
    if (expected && now.producer_epoch != producer_epoch_none &&
        input.expected_producer_id != now.producer_id &&
        !(input.expected_producer_id == now.last_producer_id &&
          epoch_exhausted(input.expected_producer_epoch))) {
        reply(id, kafka_error::producer_fenced);
        return;
    }
    if (is_prepare(now.state)) {
        reply(id, kafka_error::concurrent_transactions);
        return;
    }
    if (now.state == txn_state::ongoing) {
        // Abort the producer's open transaction first; the client retries once it is done.
        fence_and_abort(transactional_id, txn, id, now_ms);
        return;
    }
    if (!is_complete_or_empty(now.state)) {
        reply(id, kafka_error::concurrent_transactions);
        return;
    }
    transit next = now;
    next.state = txn_state::empty;
    next.timeout_ms = input.transaction_timeout_ms;
    next.partitions.clear();
    next.start_ms = -1;
    next.update_ms = now_ms;
    if (epoch_exhausted(now.producer_epoch) &&
        (!expected || input.expected_producer_epoch == now.producer_epoch)) {
        // Kafka's prepareProducerIdRotation: a new producer id starting at epoch 0.
        next.last_producer_id = now.producer_id;
        next.producer_id = fresh_producer_id;
        next.producer_epoch = 0;
        next.last_producer_epoch = expected ? now.producer_epoch : producer_epoch_none;
    } else if (!expected) {
        next.producer_epoch = static_cast<std::int16_t>(now.producer_epoch + 1);
        next.last_producer_epoch = producer_epoch_none;
    } else if (now.producer_epoch == producer_epoch_none ||
               input.expected_producer_epoch == now.producer_epoch) {
        next.producer_epoch = static_cast<std::int16_t>(now.producer_epoch + 1);
        next.last_producer_epoch = now.producer_epoch;
    } else if (input.expected_producer_epoch == now.last_producer_epoch) {
        // A retry of a bump whose answer was lost: the current epoch, not bumped again.
    } else {
        reply(id, kafka_error::producer_fenced);
        return;
    }
    begin(transactional_id, txn, std::move(next), then_do::reply_init, id);
}

void txn_coordinator::state::add_partitions(request_id id, const std::string& transactional_id,
                                            std::int64_t producer_id, std::int16_t producer_epoch,
                                            const std::vector<topic_partition>& partitions,
                                            std::int64_t now_ms) {
    metadata* found = of_producer(id, transactional_id, producer_id, producer_epoch);
    if (found == nullptr) return;
    metadata& txn = *found;
    const transit& now = txn.current;
    if (txn.pending || is_prepare(now.state)) {
        reply(id, kafka_error::concurrent_transactions);
        return;
    }
    const bool all_in = std::all_of(partitions.begin(), partitions.end(),
                                    [&](const auto& p) { return now.partitions.contains(p); });
    if (now.state == txn_state::ongoing && all_in) {
        reply(id, kafka_error::none);
        return;
    }
    if (now.state != txn_state::ongoing && !is_complete_or_empty(now.state)) {
        reply(id, kafka_error::concurrent_transactions);
        return;
    }
    transit next = now;
    if (now.state != txn_state::ongoing) {
        next.partitions.clear();
        next.start_ms = now_ms;
    }
    next.state = txn_state::ongoing;
    next.partitions.insert(partitions.begin(), partitions.end());
    next.update_ms = now_ms;
    begin(transactional_id, txn, std::move(next), then_do::reply_none, id);
}

void txn_coordinator::state::end_txn(request_id id, const std::string& transactional_id,
                                     std::int64_t producer_id, std::int16_t producer_epoch,
                                     bool commit, std::int64_t now_ms) {
    metadata* found = of_producer(id, transactional_id, producer_id, producer_epoch);
    if (found == nullptr) return;
    metadata& txn = *found;
    const transit& now = txn.current;
    if (txn.pending) {
        reply(id, kafka_error::concurrent_transactions);
        return;
    }
    switch (now.state) {
        case txn_state::ongoing: {
            transit next = now;
            next.state = commit ? txn_state::prepare_commit : txn_state::prepare_abort;
            next.update_ms = now_ms;
            begin(transactional_id, txn, std::move(next), then_do::reply_then_markers, id);
            return;
        }
        // A retry of an EndTxn that completed: success; the other outcome: INVALID_TXN_STATE.
        case txn_state::complete_commit:
            reply(id, commit ? kafka_error::none : kafka_error::invalid_txn_state);
            return;
        case txn_state::complete_abort:
            reply(id, commit ? kafka_error::invalid_txn_state : kafka_error::none);
            return;
        case txn_state::prepare_commit:
            reply(id,
                  commit ? kafka_error::concurrent_transactions : kafka_error::invalid_txn_state);
            return;
        case txn_state::prepare_abort:
            reply(id,
                  commit ? kafka_error::invalid_txn_state : kafka_error::concurrent_transactions);
            return;
        default: reply(id, kafka_error::invalid_txn_state); return;
    }
}

void txn_coordinator::state::persisted(std::uint64_t token, kafka_error error,
                                       std::int64_t now_ms) {
    auto found = writes.find(token);
    if (found == writes.end()) return;
    pending_write write = std::move(found->second);
    writes.erase(found);
    auto entry = transactions.find(write.transactional_id);
    if (entry == transactions.end() || !entry->second.pending) return;
    metadata& txn = entry->second;
    transit to = std::move(*txn.pending);
    txn.pending.reset();
    if (error != kafka_error::none) {
        if (write.then == then_do::markers && to.state == txn_state::prepare_abort &&
            txn.current.state == txn_state::ongoing) {
            txn.current.producer_epoch = to.producer_epoch;
            txn.failed_epoch_fence = true;
        }
        if (write.reply_to) reply(*write.reply_to, append_error_for_client(error));
        // A prepared transaction must still complete: retry its markers or Complete later.
        if (is_prepare(txn.current.state))
            txn.retry_at_ms = now_ms + config.marker_retry_backoff_ms;
        return;
    }
    if (write.then == then_do::expire) {
        transactions.erase(entry);
        return;
    }
    txn.current = std::move(to);
    txn.failed_epoch_fence = false;
    switch (write.then) {
        case then_do::reply_init:
            reply(*write.reply_to, kafka_error::none, txn.current.producer_id,
                  txn.current.producer_epoch);
            return;
        case then_do::reply_none: reply(*write.reply_to, kafka_error::none); return;
        case then_do::reply_then_markers:
        case then_do::markers:
            if (write.reply_to) {
                reply(*write.reply_to, write.then == then_do::markers
                                           ? kafka_error::concurrent_transactions
                                           : kafka_error::none);
            }
            txn.markers_left = txn.current.partitions;
            continue_prepared(write.transactional_id, txn, now_ms);
            return;
        case then_do::complete:
        case then_do::expire: return;
    }
}

void txn_coordinator::state::abort_timed_out(std::int64_t now_ms) {
    for (auto& [transactional_id, txn] : transactions) {
        const transit& now = txn.current;
        if (now.state != txn_state::ongoing || txn.pending) continue;
        if (now.start_ms + now.timeout_ms >= now_ms) continue;
        fence_and_abort(transactional_id, txn, std::nullopt, now_ms);
    }
}

void txn_coordinator::state::expire_idle(std::int64_t now_ms) {
    for (auto& [transactional_id, txn] : transactions) {
        const transit& now = txn.current;
        if (!is_complete_or_empty(now.state) || txn.pending) continue;
        if (now.update_ms + config.transactional_id_expiration_ms > now_ms) continue;
        transit dead = now;
        dead.state = txn_state::dead;
        dead.update_ms = now_ms;
        begin(transactional_id, txn, std::move(dead), then_do::expire, std::nullopt);
    }
}

txn_coordinator::txn_coordinator(coordinator_config config, std::int32_t coordinator_epoch)
    : _state(std::make_unique<state>()) {
    _state->config = config;
    _state->coordinator_epoch = coordinator_epoch;
}

txn_coordinator::~txn_coordinator() = default;

void txn_coordinator::init_producer_id(request_id id, const init_producer_id_input& input,
                                       std::int64_t fresh_producer_id, std::int64_t now_ms) {
    state& s = *_state;
    if (input.transactional_id.empty()) return s.reply(id, kafka_error::invalid_request);
    if (input.transaction_timeout_ms <= 0 ||
        input.transaction_timeout_ms > s.config.transaction_max_timeout_ms) {
        return s.reply(id, kafka_error::invalid_transaction_timeout);
    }
    // KafkaApis: the current id and epoch come together or not at all.
    if ((input.expected_producer_id == producer_id_none) !=
        (input.expected_producer_epoch == producer_epoch_none)) {
        return s.reply(id, kafka_error::invalid_request);
    }
    if (!s.loaded) return s.reply(id, kafka_error::coordinator_load_in_progress);
    auto [entry, created] = s.transactions.try_emplace(input.transactional_id);
    state::metadata& txn = entry->second;
    if (created) {
        txn.current.producer_id = fresh_producer_id;
        txn.current.timeout_ms = input.transaction_timeout_ms;
        txn.current.update_ms = now_ms;
    }
    if (txn.pending) return s.reply(id, kafka_error::concurrent_transactions);
    s.init_existing(id, input.transactional_id, txn, input, fresh_producer_id, now_ms);
}

void txn_coordinator::add_partitions(request_id id, const std::string& transactional_id,
                                     std::int64_t producer_id, std::int16_t producer_epoch,
                                     const std::vector<topic_partition>& partitions,
                                     std::int64_t now_ms) {
    if (transactional_id.empty()) return _state->reply(id, kafka_error::invalid_request);
    if (!_state->loaded) return _state->reply(id, kafka_error::coordinator_load_in_progress);
    _state->add_partitions(id, transactional_id, producer_id, producer_epoch, partitions, now_ms);
}

void txn_coordinator::end_txn(request_id id, const std::string& transactional_id,
                              std::int64_t producer_id, std::int16_t producer_epoch, bool commit,
                              std::int64_t now_ms) {
    if (transactional_id.empty()) return _state->reply(id, kafka_error::invalid_request);
    if (!_state->loaded) return _state->reply(id, kafka_error::coordinator_load_in_progress);
    _state->end_txn(id, transactional_id, producer_id, producer_epoch, commit, now_ms);
}

kafka_error txn_coordinator::verify_partition(const std::string& transactional_id,
                                              std::int64_t producer_id, std::int16_t producer_epoch,
                                              const topic_partition& partition) const {
    if (!_state->loaded) return kafka_error::coordinator_load_in_progress;
    auto found = _state->transactions.find(transactional_id);
    if (found == _state->transactions.end()) return kafka_error::invalid_producer_id_mapping;
    const transit& now = found->second.current;
    if (now.producer_id != producer_id) return kafka_error::invalid_producer_id_mapping;
    if (now.producer_epoch != producer_epoch) return kafka_error::producer_fenced;
    if (is_prepare(now.state)) return kafka_error::concurrent_transactions;
    if (now.state == txn_state::ongoing && now.partitions.contains(partition)) {
        return kafka_error::none;
    }
    return kafka_error::invalid_txn_state;
}

std::optional<txn_description> txn_coordinator::describe(
    const std::string& transactional_id) const {
    auto found = _state->transactions.find(transactional_id);
    if (found == _state->transactions.end()) return std::nullopt;
    const transit& now = found->second.current;
    txn_description out;
    out.transactional_id = transactional_id;
    out.state = now.state;
    out.transaction_timeout_ms = now.timeout_ms;
    out.transaction_start_time_ms = now.start_ms;
    out.producer_id = now.producer_id;
    out.producer_epoch = now.producer_epoch;
    // While markers are being written, only the partitions still without theirs (as Kafka).
    const auto& partitions = is_prepare(now.state) ? found->second.markers_left : now.partitions;
    out.partitions.assign(partitions.begin(), partitions.end());
    return out;
}

std::vector<txn_description> txn_coordinator::list(
    std::span<const txn_state> states, std::span<const std::int64_t> producer_ids) const {
    std::vector<txn_description> out;
    for (const auto& [transactional_id, txn] : _state->transactions) {
        const transit& now = txn.current;
        if (!states.empty() && std::find(states.begin(), states.end(), now.state) == states.end()) {
            continue;
        }
        if (!producer_ids.empty() && std::find(producer_ids.begin(), producer_ids.end(),
                                               now.producer_id) == producer_ids.end()) {
            continue;
        }
        out.push_back(*describe(transactional_id));
    }
    return out;
}

void txn_coordinator::advance(std::int64_t now_ms) {
    state& s = *_state;
    if (!s.loaded) return;
    for (auto& [transactional_id, txn] : s.transactions) {
        if (txn.retry_at_ms < 0 || txn.retry_at_ms > now_ms || txn.pending) continue;
        txn.retry_at_ms = -1;
        if (is_prepare(txn.current.state) && !txn.markers_in_flight) {
            s.continue_prepared(transactional_id, txn, now_ms);
        }
    }
    if (now_ms >= s.next_abort_check_ms) {
        s.next_abort_check_ms = now_ms + s.config.abort_timed_out_interval_ms;
        s.abort_timed_out(now_ms);
    }
    if (now_ms >= s.next_expire_check_ms) {
        s.next_expire_check_ms = now_ms + s.config.remove_expired_interval_ms;
        s.expire_idle(now_ms);
    }
}

std::optional<std::int64_t> txn_coordinator::next_deadline() const {
    const state& s = *_state;
    if (!s.loaded) return std::nullopt;
    std::int64_t next = std::min(s.next_abort_check_ms, s.next_expire_check_ms);
    for (const auto& [transactional_id, txn] : s.transactions) {
        if (txn.retry_at_ms >= 0) next = std::min(next, txn.retry_at_ms);
    }
    return next;
}

std::vector<effect> txn_coordinator::take_effects() { return std::exchange(_state->effects, {}); }

void txn_coordinator::persisted(std::uint64_t token, kafka_error error, std::int64_t now_ms) {
    _state->persisted(token, error, now_ms);
}

void txn_coordinator::markers_written(std::uint64_t token, std::span<const marker_outcome> outcomes,
                                      std::int64_t now_ms) {
    state& s = *_state;
    auto found = s.marker_writes.find(token);
    if (found == s.marker_writes.end()) return;
    const std::string transactional_id = std::move(found->second);
    s.marker_writes.erase(found);
    auto entry = s.transactions.find(transactional_id);
    if (entry == s.transactions.end()) return;
    state::metadata& txn = entry->second;
    txn.markers_in_flight = false;
    for (const marker_outcome& outcome : outcomes) {
        if (marker_settled(outcome.error)) txn.markers_left.erase(outcome.partition);
    }
    if (!txn.markers_left.empty()) {
        // Failed, or not answered at all: sent again after the backoff.
        txn.retry_at_ms = now_ms + s.config.marker_retry_backoff_ms;
        return;
    }
    s.continue_prepared(transactional_id, txn, now_ms);
}

void txn_coordinator::load_record(std::span<const std::byte> key,
                                  std::optional<std::span<const std::byte>> value) {
    state& s = *_state;
    auto transactional_id = decode_txn_log_key(key);
    if (!transactional_id) return;
    if (!value) {
        s.transactions.erase(*transactional_id);
        return;
    }
    auto decoded = decode_txn_log_value(*value);
    if (!decoded) return;
    transit loaded;
    loaded.state = static_cast<txn_state>(decoded->transaction_status);
    loaded.producer_id = decoded->producer_id;
    loaded.last_producer_id = decoded->previous_producer_id;
    loaded.producer_epoch = decoded->producer_epoch;
    loaded.timeout_ms = decoded->transaction_timeout_ms;
    loaded.start_ms = decoded->transaction_start_timestamp_ms;
    loaded.update_ms = decoded->transaction_last_update_timestamp_ms;
    if (decoded->transaction_partitions) {
        for (const auto& topic : *decoded->transaction_partitions) {
            for (std::int32_t partition : topic.partition_ids) {
                loaded.partitions.insert({topic.topic, partition});
            }
        }
    }
    if (loaded.state == txn_state::dead || loaded.state == txn_state::prepare_epoch_fence) return;
    s.transactions[*transactional_id].current = std::move(loaded);
}

void txn_coordinator::load_complete(std::int64_t now_ms) {
    state& s = *_state;
    s.loaded = true;
    s.next_abort_check_ms = now_ms + s.config.abort_timed_out_interval_ms;
    s.next_expire_check_ms = now_ms + s.config.remove_expired_interval_ms;
    for (auto& [transactional_id, txn] : s.transactions) {
        if (!is_prepare(txn.current.state)) continue;
        txn.markers_left = txn.current.partitions;
        s.continue_prepared(transactional_id, txn, now_ms);
    }
}

bool txn_coordinator::loaded() const noexcept { return _state->loaded; }

std::size_t txn_coordinator::size() const noexcept { return _state->transactions.size(); }

kafka_error for_version(kafka_error error, bool knows_producer_fenced) noexcept {
    if (error == kafka_error::producer_fenced && !knows_producer_fenced) {
        return kafka_error::invalid_producer_epoch;
    }
    return error;
}

}  // namespace laminar::broker::txn
