// The driver of the group coordinators a shard hosts: one groups::group_coordinator (a pure state
// machine) per partition of __consumer_offsets this shard owns. It feeds the machines requests
// with the wall clock, carries out their effects (replies to waiting requests, appends of
// records to the partition), arms one timer per machine for its next deadline, and loads each
// machine by replaying its partition when the shard starts or the topic appears.
//
// Effects are carried out in the order the machine emits them: appends of one partition start in
// that order (spawned tasks start in spawn order and append before any other suspension), so
// the log holds the records in the order the machine decided them.
//
// @locality owning shard; other shards reach a coordinator with submit_to(owner, ...).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "broker/broker_config.h"
#include "broker/group_coordinator.h"
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

inline constexpr std::string_view offsets_topic_name = "__consumer_offsets";

// The partition of __consumer_offsets holding a group, and the shard that coordinates it.
struct group_location {
    ctl::uuid topic_id{};
    std::int32_t partition = 0;
    unsigned shard = 0;
};
// nullopt when __consumer_offsets does not exist (yet).
std::optional<group_location> locate_group(const shard_context& context,
                                           std::string_view group_id);

groups::coordinator_config coordinator_config_of(const group_settings& settings);

class group_manager {
public:
    group_manager(const group_settings& settings, unsigned shard_id);
    ~group_manager();
    group_manager(const group_manager&) = delete;
    group_manager& operator=(const group_manager&) = delete;

    // Starts a coordinator (and its load) for every partition of __consumer_offsets this shard
    // owns and has none for yet. Called at start and when the metadata changes.
    void adopt(shard_context& context);

    // Runs `invoke(machine, request_id, now_ms)` on the coordinator of `partition` and waits for
    // the reply it eventually emits. nullopt: this shard hosts no coordinator for the partition,
    // or the broker is stopping (the caller answers NOT_COORDINATOR).
    template <typename Response, typename Invoke>
    task<std::optional<Response>> call(std::int32_t partition, Invoke invoke);

    // Runs `work(machine, now_ms)` for a request answered at once, then carries out the effects
    // it left. nullopt when this shard hosts no coordinator for the partition.
    template <typename Work>
    auto with_coordinator(std::int32_t partition, const Work& work)
        -> std::optional<decltype(work(std::declval<groups::group_coordinator&>(),
                                       std::int64_t{}))>;

    // Completes once the coordinator of `partition` has replayed its partition (at once when it
    // has, or when this shard hosts no coordinator for it, or the broker is stopping).
    task<void> wait_loaded(std::int32_t partition);

    // Topics deleted from the cluster: every coordinator drops their committed offsets.
    void topics_deleted(const std::vector<std::string>& topics);

    // Every coordinator of this shard, for ListGroups.
    template <typename Visit>
    void for_each(Visit visit) const {
        for (const auto& [partition, slot] : _slots) visit(partition, *slot->machine);
    }

    // Stops timers, answers waiting requests with nullopt and waits for appends in flight.
    task<void> stop();

    static std::int64_t now_ms() noexcept;

private:
    using waiter = reply_slot<groups::response>;

    struct slot {
        std::int32_t partition = 0;
        std::unique_ptr<groups::group_coordinator> machine;
        storage::partition_log* log = nullptr;  // set once loaded
        std::map<groups::request_id, waiter*> waiting;
        std::optional<std::int64_t> armed;  // the deadline the timer sleeps towards
        cancel_token* timer_wake = nullptr;
        bool loading = true;
        std::vector<waiter*> load_waiters;  // wait_loaded() callers
    };

    slot* find(std::int32_t partition) noexcept;
    // Carries out the effects the machine has queued and re-arms its timer if needed.
    void pump(slot& target);
    task<void> load(slot& target);
    task<void> run_timer(slot& target);
    task<void> append(slot& target, groups::persist_effect persist);

    groups::coordinator_config _config;
    unsigned _shard_id;
    std::uint64_t _next_id = 0;
    bool _stopping = false;
    std::map<std::int32_t, std::unique_ptr<slot>> _slots;
    wait_group _tasks;
};

template <typename Response, typename Invoke>
task<std::optional<Response>> group_manager::call(std::int32_t partition, Invoke invoke) {
    slot* target = find(partition);
    if (target == nullptr || _stopping) co_return std::nullopt;
    waiter pending;
    const auto id = ++_next_id;
    target->waiting.emplace(id, &pending);
    invoke(*target->machine, id, now_ms());
    pump(*target);
    auto& answer = co_await pending;
    if (!answer) co_return std::nullopt;
    auto* reply = std::get_if<Response>(&*answer);
    if (reply == nullptr) co_return std::nullopt;
    co_return std::move(*reply);
}

template <typename Work>
auto group_manager::with_coordinator(std::int32_t partition, const Work& work)
    -> std::optional<decltype(work(std::declval<groups::group_coordinator&>(),
                                   std::int64_t{}))> {
    slot* target = find(partition);
    if (target == nullptr || _stopping) return std::nullopt;
    auto outcome = work(*target->machine, now_ms());
    pump(*target);
    return outcome;
}

}  // namespace laminar::broker
