#include "broker/txn_manager.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "broker/kafka_errors.h"
#include "broker/partition_access.h"
#include "broker/partition_manager.h"
#include "broker/partition_replay.h"
#include "broker/shard_context.h"
#include "broker/txn_markers.h"
#include "core/log.h"
#include "net/kafka/records.h"
#include "storage/partition_log.h"

namespace laminar::broker {

namespace {

// With nothing due, the timer still wakes this often (it costs nothing and bounds any drift).
constexpr std::int64_t idle_timer_ms = 60'000;

std::int32_t clamp_to_int32(std::int64_t value) {
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(value, INT32_MIN, INT32_MAX));
}

// Writes one partition's marker and records how it went in `outcome`.
task<void> write_one_marker(txn::topic_partition partition, txn_marker marker,
                            txn::marker_outcome* outcome, wait_group* written) {
    const auto error = co_await write_txn_marker(partition.topic, partition.partition, marker);
    outcome->partition = std::move(partition);
    outcome->error = error;
    written->done();
}

}  // namespace

std::optional<txn_location> locate_transaction(const shard_context& context,
                                               std::string_view transactional_id) {
    const auto* topic = context.metadata.find_topic(std::string(txn_state_topic_name));
    if (topic == nullptr || topic->partitions.empty()) return std::nullopt;
    const auto count = static_cast<std::int32_t>(topic->partitions.size());
    txn_location location;
    location.partition = txn::txn_state_partition_for(transactional_id, count);
    location.shard = owner_shard(topic->topic_id, location.partition, context.partition_shards);
    return location;
}

txn::coordinator_config txn_config_of(const txn_settings& settings) {
    txn::coordinator_config config;
    config.transaction_max_timeout_ms = clamp_to_int32(settings.max_timeout_ms);
    config.transactional_id_expiration_ms = settings.transactional_id_expiration_ms;
    config.abort_timed_out_interval_ms = settings.abort_timed_out_interval_ms;
    config.remove_expired_interval_ms = settings.remove_expired_interval_ms;
    return config;
}

txn_manager::txn_manager(const txn_settings& settings, unsigned shard_id)
    : _config(txn_config_of(settings)), _shard_id(shard_id) {}

txn_manager::~txn_manager() = default;

std::int64_t txn_manager::now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

txn_manager::slot* txn_manager::find(std::int32_t partition) noexcept {
    auto found = _slots.find(partition);
    return found == _slots.end() ? nullptr : found->second.get();
}

void txn_manager::adopt(shard_context& context) {
    if (_stopping) return;
    const auto* topic = context.metadata.find_topic(std::string(txn_state_topic_name));
    if (topic == nullptr) return;
    for (const auto& partition : topic->partitions) {
        const auto index = partition.partition;
        if (owner_shard(topic->topic_id, index, context.partition_shards) != _shard_id) continue;
        if (_slots.contains(index)) continue;
        auto made = std::make_unique<slot>();
        made->partition = index;
        made->machine = std::make_unique<txn::txn_coordinator>(_config, partition.leader_epoch);
        auto& target = *made;
        _slots.emplace(index, std::move(made));
        _tasks.add();
        reactor::current().spawn(load(target));
    }
}

task<void> txn_manager::wait_loaded(std::int32_t partition) {
    slot* target = find(partition);
    if (target == nullptr || !target->loading || _stopping) co_return;
    load_waiter pending;
    target->load_waiters.push_back(&pending);
    co_await pending;
}

void txn_manager::pump(slot& target) {
    for (auto& effect : target.machine->take_effects()) {
        switch (effect.type) {
            case txn::effect::kind::reply: {
                auto waiting = target.waiting.find(effect.reply.id);
                if (waiting == target.waiting.end()) break;  // its caller is gone (stopping)
                auto* pending = waiting->second;
                target.waiting.erase(waiting);
                pending->complete(effect.reply);
                break;
            }
            case txn::effect::kind::persist:
                _tasks.add();
                reactor::current().spawn(append(target, std::move(effect.persist)));
                break;
            case txn::effect::kind::markers:
                _tasks.add();
                reactor::current().spawn(write_markers(target, std::move(effect.markers)));
                break;
        }
    }
    const auto next = target.machine->next_deadline();
    if (target.timer_wake != nullptr && next && (!target.armed || *next < *target.armed)) {
        target.timer_wake->cancel();  // the timer re-reads the deadline
    }
}

task<void> txn_manager::append(slot& target, txn::persist_effect persist) {
    // No suspension before log->append starts: appends begin in the order pump() spawned them.
    kafka_error error = kafka_error::none;
    std::vector<kafka::record> records(1);
    records[0].key = std::move(persist.key);
    records[0].value = std::move(persist.value);
    kafka::record_batch_options options;
    options.base_timestamp = now_ms();
    auto batch = kafka::build_record_batch(options, records);
    if (!batch || target.log == nullptr) {
        error = kafka_error::not_coordinator;
    } else {
        auto appended = co_await target.log->append(std::span<std::byte>(*batch));
        if (!appended) {
            LAMINAR_LOG_WARN("{}-{}: transaction record not appended: {}", txn_state_topic_name,
                             target.partition, to_string(appended.error()));
            error = to_kafka_error(appended.error());
        } else {
            shard_context::current().partitions->appended(std::string(txn_state_topic_name),
                                                          target.partition);
        }
    }
    target.machine->persisted(persist.token, error, now_ms());
    pump(target);
    _tasks.done();
}

task<void> txn_manager::write_markers(slot& target, txn::markers_effect markers) {
    txn_marker marker;
    marker.producer_id = markers.producer_id;
    marker.producer_epoch = markers.producer_epoch;
    marker.commit = markers.commit;
    marker.coordinator_epoch = markers.coordinator_epoch;
    std::vector<txn::marker_outcome> outcomes(markers.partitions.size());
    wait_group written;
    written.add(markers.partitions.size());
    for (std::size_t index = 0; index < markers.partitions.size(); ++index) {
        reactor::current().spawn(write_one_marker(std::move(markers.partitions[index]), marker,
                                                  &outcomes[index], &written));
    }
    co_await written.wait();
    target.machine->markers_written(markers.token, outcomes, now_ms());
    pump(target);
    _tasks.done();
}

void txn_manager::loaded(slot& target) {
    target.loading = false;
    for (auto* pending : std::exchange(target.load_waiters, {})) pending->complete(true);
}

task<void> txn_manager::load(slot& target) {
    auto& here = shard_context::current();
    const auto started = std::chrono::steady_clock::now();
    std::string topic(txn_state_topic_name);
    auto opened = co_await here.partitions->get(here.metadata, topic, target.partition);
    if (!opened) {
        LAMINAR_LOG_ERROR(
            "{}-{}: cannot open the partition; its transactional ids stay "
            "unavailable",
            txn_state_topic_name, target.partition);
        loaded(target);
        _tasks.done();
        co_return;
    }
    auto* log = *opened;
    std::uint64_t records = 0;
    auto& machine = *target.machine;
    auto replayed = co_await replay_partition(
        *log, _stopping, [&](const kafka::parsed_batch& batch, std::int64_t from) {
            if (batch.header.is_control()) return;
            for (const auto& record : batch.records) {
                if (batch.header.base_offset + record.offset_delta < from || !record.key) {
                    continue;
                }
                std::optional<std::span<const std::byte>> value;
                if (record.value) value = std::span<const std::byte>(*record.value);
                machine.load_record(*record.key, value);
                ++records;
            }
        });
    if (replayed.failed) {
        LAMINAR_LOG_ERROR(
            "{}-{}: replay stopped at offset {} (unreadable batch); transactional "
            "ids load from what was read",
            txn_state_topic_name, target.partition, replayed.next_offset);
    }
    target.log = log;
    machine.load_complete(now_ms());
    loaded(target);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    LAMINAR_LOG_DEBUG("{}-{}: loaded {} records, {} transactional ids in {} ms",
                      txn_state_topic_name, target.partition, records, machine.size(),
                      took.count());
    pump(target);
    if (!_stopping) {
        _tasks.add();
        reactor::current().spawn(run_timer(target));
    }
    _tasks.done();
}

task<void> txn_manager::run_timer(slot& target) {
    while (!_stopping) {
        const auto now = now_ms();
        const auto next = target.machine->next_deadline();
        const auto until = next ? *next : now + idle_timer_ms;
        target.armed = until;
        if (until > now) {
            cancel_token wake;
            reactor::current().cancel_on_stop(wake);
            target.timer_wake = &wake;
            (void)co_await io::sleep_for(std::chrono::milliseconds(until - now)).with_cancel(wake);
            target.timer_wake = nullptr;
        }
        target.armed.reset();
        if (_stopping || reactor::current().stopping()) break;
        target.machine->advance(now_ms());
        pump(target);
    }
    _tasks.done();
}

task<void> txn_manager::stop() {
    _stopping = true;
    for (auto& [partition, target] : _slots) {
        if (target->timer_wake != nullptr) target->timer_wake->cancel();
        for (auto* pending : std::exchange(target->load_waiters, {})) pending->complete(false);
        auto waiting = std::move(target->waiting);
        target->waiting.clear();
        for (auto& [id, pending] : waiting) pending->complete(std::nullopt);
    }
    co_await _tasks.wait();
}

}  // namespace laminar::broker
