// What the drivers of the coordinators a shard hosts share (group_manager: one group coordinator
// per __consumer_offsets partition; txn_manager: one transaction coordinator per
// __transaction_state partition). Each coordinator is a pure state machine; its host feeds it
// requests with the wall clock, hands the replies it emits to the waiting callers, arms one
// timer per machine for its next deadline, and loads it by replaying its partition when the
// shard starts or the topic appears.
//
// A host derives from coordinator_host<Derived, Machine, Reply> (CRTP) and provides:
//   static constexpr std::string_view topic_name;
//   std::unique_ptr<Machine> make_machine(const ctl::partition_state& partition);
//   void replay(Machine& machine, const kafka::parsed_batch& batch, std::int64_t from,
//               std::uint64_t& records);  // one batch of the partition at load
//   void pump(slot& target);  // carries out the effects the machine queued, then calls rearm
// Machine provides load_complete(now_ms), next_deadline() and advance(now_ms).
//
// @locality owning shard; other shards reach a coordinator with submit_to(owner, ...).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/partition_manager.h"
#include "broker/partition_replay.h"
#include "broker/shard_context.h"
#include "core/log.h"
#include "core/reactor.h"
#include "core/reply_slot.h"
#include "core/task.h"
#include "core/wait_group.h"
#include "ctl/metadata_image.h"
#include "storage/partition_log.h"

namespace laminar::broker {

// The coordinators' wall clock (ms since the epoch).
inline std::int64_t coordinator_now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

template <typename Derived, typename Machine, typename Reply>
class coordinator_host {
public:
    coordinator_host(const coordinator_host&) = delete;
    coordinator_host& operator=(const coordinator_host&) = delete;

    // Starts a coordinator (and its load) for every partition of the topic this shard owns and
    // has none for yet. Called at start and when the metadata changes.
    void adopt(shard_context& context) {
        if (_stopping) return;
        const auto* topic = context.metadata.find_topic(std::string(Derived::topic_name));
        if (topic == nullptr) return;
        for (const auto& partition : topic->partitions) {
            const auto index = partition.partition;
            if (owner_shard(topic->topic_id, index, context.partition_shards) != _shard_id ||
                _slots.contains(index)) {
                continue;
            }
            auto made = std::make_unique<slot>();
            made->partition = index;
            made->machine = derived().make_machine(partition);
            auto& target = *made;
            _slots.emplace(index, std::move(made));
            _tasks.add();
            reactor::current().spawn(load(target));
        }
    }

    // Runs `invoke(machine, request_id, now_ms)` on the coordinator of `partition` and waits for
    // the reply it eventually emits. nullopt: this shard hosts no coordinator for the partition,
    // or the broker is stopping (the caller answers NOT_COORDINATOR).
    template <typename Invoke>
    task<std::optional<Reply>> call_machine(std::int32_t partition, Invoke invoke) {
        slot* target = find(partition);
        if (target == nullptr || _stopping) co_return std::nullopt;
        reply_slot<Reply> pending;
        const auto id = ++_next_id;
        target->waiting.emplace(id, &pending);
        invoke(*target->machine, id, now_ms());
        derived().pump(*target);
        co_return std::move(co_await pending);
    }

    // Runs `work(machine, now_ms)` for a request answered at once, then carries out the effects
    // it left. nullopt when this shard hosts no coordinator for the partition.
    template <typename Work>
    auto with_coordinator(std::int32_t partition, const Work& work)
        -> std::optional<decltype(work(std::declval<Machine&>(), std::int64_t{}))> {
        slot* target = find(partition);
        if (target == nullptr || _stopping) return std::nullopt;
        auto outcome = work(*target->machine, now_ms());
        derived().pump(*target);
        return outcome;
    }

    // Completes once the coordinator of `partition` has replayed its partition (at once when it
    // has, or when this shard hosts no coordinator for it, or the broker is stopping).
    task<void> wait_loaded(std::int32_t partition) {
        slot* target = find(partition);
        if (target == nullptr || !target->loading || _stopping) co_return;
        reply_slot<bool> pending;
        target->load_waiters.push_back(&pending);
        co_await pending;
    }

    // Every coordinator of this shard.
    template <typename Visit>
    void for_each(Visit visit) const {
        for (const auto& [partition, slot] : _slots) visit(partition, *slot->machine);
    }

    // Stops timers, answers waiting requests with nullopt and waits for work in flight.
    task<void> stop() {
        _stopping = true;
        for (auto& [partition, target] : _slots) {
            if (target->timer_wake != nullptr) target->timer_wake->cancel();
            for (auto* pending : std::exchange(target->load_waiters, {})) pending->complete(false);
            auto waiting = std::exchange(target->waiting, {});
            for (auto& [id, pending] : waiting) pending->complete(std::nullopt);
        }
        co_await _tasks.wait();
    }

    static std::int64_t now_ms() noexcept { return coordinator_now_ms(); }

protected:
    struct slot {
        std::int32_t partition = 0;
        std::unique_ptr<Machine> machine;
        storage::partition_log* log = nullptr;  // set once loaded
        std::map<std::uint64_t, reply_slot<Reply>*> waiting;
        std::optional<std::int64_t> armed;  // the deadline the timer sleeps towards
        cancel_token* timer_wake = nullptr;
        bool loading = true;
        std::vector<reply_slot<bool>*> load_waiters;  // wait_loaded() callers
    };

    explicit coordinator_host(unsigned shard_id) : _shard_id(shard_id) {}
    ~coordinator_host() = default;

    slot* find(std::int32_t partition) noexcept {
        auto found = _slots.find(partition);
        return found == _slots.end() ? nullptr : found->second.get();
    }

    // Hands a reply to the caller waiting for request `id` (gone when stopping).
    static void reply(slot& target, std::uint64_t id, Reply body) {
        auto waiting = target.waiting.find(id);
        if (waiting == target.waiting.end()) return;
        auto* pending = waiting->second;
        target.waiting.erase(waiting);
        pending->complete(std::move(body));
    }

    // After effects: wakes the timer when the machine's next deadline moved earlier.
    static void rearm(slot& target) {
        const auto next = target.machine->next_deadline();
        if (target.timer_wake != nullptr && next && (!target.armed || *next < *target.armed)) {
            target.timer_wake->cancel();  // the timer re-reads the deadline
        }
    }

    // Runs `work` as a task the host waits for when it stops.
    void spawn_tracked(task<void> work) {
        _tasks.add();
        reactor::current().spawn(std::move(work));
    }
    void tracked_done() noexcept { _tasks.done(); }

    bool stopping() const noexcept { return _stopping; }
    std::map<std::int32_t, std::unique_ptr<slot>>& slots() noexcept { return _slots; }

private:
    // With nothing due, the timer still wakes this often (it costs nothing and bounds any drift).
    static constexpr std::int64_t idle_timer_ms = 60'000;

    Derived& derived() noexcept { return static_cast<Derived&>(*this); }

    void loaded(slot& target) {
        target.loading = false;
        for (auto* pending : std::exchange(target.load_waiters, {})) pending->complete(true);
    }

    task<void> load(slot& target) {
        auto& here = shard_context::current();
        const auto started = std::chrono::steady_clock::now();
        std::string topic(Derived::topic_name);
        auto opened = co_await here.partitions->get(here.metadata, topic, target.partition);
        if (!opened) {
            LAMINAR_LOG_ERROR(
                "{}-{}: cannot open the partition; its coordinator stays "
                "unavailable",
                topic, target.partition);
            loaded(target);
            _tasks.done();
            co_return;
        }
        auto* log = *opened;
        std::uint64_t records = 0;
        auto& machine = *target.machine;
        // Named: g++ 12 mishandles temporaries with destructors in co_await expressions.
        const std::function<void(const kafka::parsed_batch&, std::int64_t)> visit =
            [&](const kafka::parsed_batch& batch, std::int64_t from) {
                derived().replay(machine, batch, from, records);
            };
        auto replayed = co_await replay_partition(*log, _stopping, visit);
        if (_stopping) {
            // A replay cut short by the stop: the machine knows only a prefix of its partition
            // and must not act on it (it would resume markers, and write records, from stale
            // states).
            loaded(target);
            _tasks.done();
            co_return;
        }
        if (replayed.failed) {
            LAMINAR_LOG_ERROR(
                "{}-{}: replay stopped at offset {} (unreadable batch); the "
                "coordinator loads from what was read",
                topic, target.partition, replayed.next_offset);
        }
        target.log = log;
        machine.load_complete(now_ms());
        loaded(target);
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        LAMINAR_LOG_DEBUG("{}-{}: loaded {} records in {} ms", topic, target.partition, records,
                          took.count());
        derived().pump(target);
        if (!_stopping) spawn_tracked(run_timer(target));
        _tasks.done();
    }

    task<void> run_timer(slot& target) {
        while (!_stopping) {
            const auto now = now_ms();
            const auto next = target.machine->next_deadline();
            const auto until = next ? *next : now + idle_timer_ms;
            target.armed = until;
            if (until > now) {
                cancel_token wake;
                reactor::current().cancel_on_stop(wake);
                target.timer_wake = &wake;
                (void)co_await io::sleep_for(std::chrono::milliseconds(until - now))
                    .with_cancel(wake);
                target.timer_wake = nullptr;
            }
            target.armed.reset();
            if (_stopping || reactor::current().stopping()) break;
            target.machine->advance(now_ms());
            derived().pump(target);
        }
        _tasks.done();
    }

    unsigned _shard_id;
    std::uint64_t _next_id = 0;
    bool _stopping = false;
    std::map<std::int32_t, std::unique_ptr<slot>> _slots;
    wait_group _tasks;
};

}  // namespace laminar::broker
