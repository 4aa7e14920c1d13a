// The driver of the transaction coordinators a shard hosts: one txn::txn_coordinator (a pure
// state machine) per partition of __transaction_state this shard owns. It feeds the machines
// requests with the wall clock, carries out their effects (replies to waiting requests, appends
// of records to the partition, transaction markers on the data partitions), arms one timer per
// machine for its next deadline, and loads each machine by replaying its partition when the shard
// starts or the topic appears. The coordinator epoch is the partition's leader epoch.
//
// Appends of one partition start in the order the machine emits them (as group_manager's), so
// the log holds the records in the order the machine decided them. The markers of one
// transaction are written to its partitions concurrently; the machine hears of them together.
//
// @locality owning shard; other shards reach a coordinator with submit_to(owner, ...).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/broker_config.h"
#include "broker/txn_coordinator.h"
#include "core/reactor.h"
#include "core/reply_slot.h"
#include "core/task.h"
#include "core/wait_group.h"
#include "ctl/metadata_image.h"

namespace laminar::storage {
class partition_log;
}

namespace laminar::broker {

struct shard_context;

inline constexpr std::string_view txn_state_topic_name = "__transaction_state";

// The partition of __transaction_state holding a transactional id, and the shard that
// coordinates it.
struct txn_location {
    std::int32_t partition = 0;
    unsigned shard = 0;
};
// nullopt when __transaction_state does not exist (yet).
std::optional<txn_location> locate_transaction(const shard_context& context,
                                               std::string_view transactional_id);

txn::coordinator_config txn_config_of(const txn_settings& settings);

class txn_manager {
public:
    txn_manager(const txn_settings& settings, unsigned shard_id);
    ~txn_manager();
    txn_manager(const txn_manager&) = delete;
    txn_manager& operator=(const txn_manager&) = delete;

    // Starts a coordinator (and its load) for every partition of __transaction_state this shard
    // owns and has none for yet. Called at start and when the metadata changes.
    void adopt(shard_context& context);

    // Runs `invoke(machine, request_id, now_ms)` on the coordinator of `partition` and waits for
    // the reply it eventually emits. nullopt: this shard hosts no coordinator for the partition,
    // or the broker is stopping (the caller answers NOT_COORDINATOR).
    template <typename Invoke>
    task<std::optional<txn::reply_effect>> call(std::int32_t partition, Invoke invoke);

    // Runs `work(machine, now_ms)` for a request answered at once, then carries out the effects
    // it left. nullopt when this shard hosts no coordinator for the partition.
    template <typename Work>
    auto with_coordinator(std::int32_t partition, const Work& work)
        -> std::optional<decltype(work(std::declval<txn::txn_coordinator&>(), std::int64_t{}))>;

    // Completes once the coordinator of `partition` has replayed its partition (at once when it
    // has, or when this shard hosts no coordinator for it, or the broker is stopping).
    task<void> wait_loaded(std::int32_t partition);

    // Every coordinator of this shard, for ListTransactions.
    template <typename Visit>
    void for_each(Visit visit) const {
        for (const auto& [partition, slot] : _slots) visit(partition, *slot->machine);
    }

    // Stops timers, answers waiting requests with nullopt and waits for work in flight.
    task<void> stop();

    static std::int64_t now_ms() noexcept;

private:
    using waiter = reply_slot<txn::reply_effect>;
    using load_waiter = reply_slot<bool>;

    struct slot {
        std::int32_t partition = 0;
        std::unique_ptr<txn::txn_coordinator> machine;
        storage::partition_log* log = nullptr;  // set once loaded
        std::map<txn::request_id, waiter*> waiting;
        std::optional<std::int64_t> armed;  // the deadline the timer sleeps towards
        cancel_token* timer_wake = nullptr;
        bool loading = true;
        std::vector<load_waiter*> load_waiters;  // wait_loaded() callers
    };

    slot* find(std::int32_t partition) noexcept;
    // Carries out the effects the machine has queued and re-arms its timer if needed.
    void pump(slot& target);
    task<void> load(slot& target);
    task<void> run_timer(slot& target);
    task<void> append(slot& target, txn::persist_effect persist);
    task<void> write_markers(slot& target, txn::markers_effect markers);
    void loaded(slot& target);

    txn::coordinator_config _config;
    unsigned _shard_id;
    std::uint64_t _next_id = 0;
    bool _stopping = false;
    std::map<std::int32_t, std::unique_ptr<slot>> _slots;
    wait_group _tasks;
};

template <typename Invoke>
task<std::optional<txn::reply_effect>> txn_manager::call(std::int32_t partition, Invoke invoke) {
    slot* target = find(partition);
    if (target == nullptr || _stopping) co_return std::nullopt;
    waiter pending;
    const auto id = ++_next_id;
    target->waiting.emplace(id, &pending);
    invoke(*target->machine, id, now_ms());
    pump(*target);
    co_return std::move(co_await pending);
}

template <typename Work>
auto txn_manager::with_coordinator(std::int32_t partition, const Work& work)
    -> std::optional<decltype(work(std::declval<txn::txn_coordinator&>(), std::int64_t{}))> {
    slot* target = find(partition);
    if (target == nullptr || _stopping) return std::nullopt;
    auto outcome = work(*target->machine, now_ms());
    pump(*target);
    return outcome;
}

}  // namespace laminar::broker
