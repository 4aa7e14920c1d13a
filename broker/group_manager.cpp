#include "broker/group_manager.h"

#include <chrono>
#include <random>
#include <utility>

#include "broker/group_records.h"
#include "broker/kafka_errors.h"
#include "broker/partition_access.h"
#include "broker/partition_manager.h"
#include "broker/partition_replay.h"
#include "broker/shard_context.h"
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

// A transaction marker in __consumer_offsets settles the offsets its producer's transaction
// wrote; other control records change nothing.
void load_marker(groups::group_coordinator& machine, const kafka::parsed_batch& batch) {
    if (auto marker = kafka::transaction_marker_of(batch.records)) {
        machine.load_txn_marker(batch.header.producer_id, marker->commit);
    }
}

}  // namespace

std::optional<group_location> locate_group(const shard_context& context,
                                           std::string_view group_id) {
    const auto* topic = context.metadata.find_topic(std::string(offsets_topic_name));
    if (topic == nullptr || topic->partitions.empty()) return std::nullopt;
    const auto count = static_cast<std::int32_t>(topic->partitions.size());
    group_location location;
    location.topic_id = topic->topic_id;
    location.partition = groups::offsets_partition_for(group_id, count);
    location.shard = owner_shard(topic->topic_id, location.partition, context.partition_shards);
    return location;
}

groups::coordinator_config coordinator_config_of(const group_settings& settings) {
    groups::coordinator_config config;
    config.group_min_session_timeout_ms = clamp_to_int32(settings.group_min_session_timeout_ms);
    config.group_max_session_timeout_ms = clamp_to_int32(settings.group_max_session_timeout_ms);
    config.group_initial_rebalance_delay_ms =
        clamp_to_int32(settings.group_initial_rebalance_delay_ms);
    config.group_max_size = clamp_to_int32(settings.group_max_size);
    config.offsets_retention_minutes = clamp_to_int32(settings.offsets_retention_minutes);
    config.offset_metadata_max_bytes = clamp_to_int32(settings.offset_metadata_max_bytes);
    config.offsets_retention_check_interval_ms = settings.offsets_retention_check_interval_ms;
    return config;
}

group_manager::group_manager(const group_settings& settings, unsigned shard_id)
    : _config(coordinator_config_of(settings)), _shard_id(shard_id) {}

group_manager::~group_manager() = default;

std::int64_t group_manager::now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

group_manager::slot* group_manager::find(std::int32_t partition) noexcept {
    auto found = _slots.find(partition);
    return found == _slots.end() ? nullptr : found->second.get();
}

void group_manager::adopt(shard_context& context) {
    if (_stopping) return;
    const auto* topic = context.metadata.find_topic(std::string(offsets_topic_name));
    if (topic == nullptr) return;
    for (const auto& partition : topic->partitions) {
        const auto index = partition.partition;
        if (owner_shard(topic->topic_id, index, context.partition_shards) != _shard_id) continue;
        if (_slots.contains(index)) continue;
        auto made = std::make_unique<slot>();
        made->partition = index;
        // Member ids carry randomness: seeded per partition and start, never reused.
        const std::uint64_t seed = std::random_device{}() ^
                                   (static_cast<std::uint64_t>(now_ms()) << 16) ^
                                   static_cast<std::uint64_t>(index);
        made->machine = std::make_unique<groups::group_coordinator>(_config, seed);
        auto& target = *made;
        _slots.emplace(index, std::move(made));
        _tasks.add();
        reactor::current().spawn(load(target));
    }
}

task<void> group_manager::wait_loaded(std::int32_t partition) {
    slot* target = find(partition);
    if (target == nullptr || !target->loading || _stopping) co_return;
    waiter pending;
    target->load_waiters.push_back(&pending);
    co_await pending;
}

void group_manager::topics_deleted(const std::vector<std::string>& topics) {
    if (_stopping) return;
    for (auto& [partition, target] : _slots) {
        if (!target->machine->loaded()) continue;
        target->machine->topics_deleted(topics, now_ms());
        pump(*target);
    }
}

void group_manager::pump(slot& target) {
    for (auto& effect : target.machine->take_effects()) {
        if (auto* reply = std::get_if<groups::reply_effect>(&effect)) {
            auto waiting = target.waiting.find(reply->id);
            if (waiting == target.waiting.end()) continue;  // its caller is gone (stopping)
            auto* pending = waiting->second;
            target.waiting.erase(waiting);
            pending->complete(std::move(reply->body));
        } else {
            auto& persist = std::get<groups::persist_effect>(effect);
            _tasks.add();
            reactor::current().spawn(append(target, std::move(persist)));
        }
    }
    const auto next = target.machine->next_deadline();
    if (target.timer_wake != nullptr && next && (!target.armed || *next < *target.armed)) {
        target.timer_wake->cancel();  // the timer re-reads the deadline
    }
}

task<void> group_manager::append(slot& target, groups::persist_effect persist) {
    // No suspension before log->append starts: appends begin in the order pump() spawned them.
    auto& records = persist.records;
    const auto token = persist.token;
    std::int16_t error = 0;
    const auto now = now_ms();
    std::vector<kafka::record> batch_records;
    batch_records.reserve(records.size());
    for (std::size_t index = 0; index < records.size(); ++index) {
        kafka::record record;
        record.offset_delta = static_cast<std::int32_t>(index);
        record.key = std::move(records[index].key);
        record.value = std::move(records[index].value);
        batch_records.push_back(std::move(record));
    }
    kafka::record_batch_options options;
    options.base_timestamp = now;
    if (persist.producer_id >= 0) {
        // A transaction's offsets (TxnOffsetCommit): a transactional batch of its producer, as
        // Kafka writes it (sequence 0: the coordinator's writes are not sequence-checked).
        options.producer_id = persist.producer_id;
        options.producer_epoch = persist.producer_epoch;
        options.base_sequence = 0;
        options.transactional = true;
    }
    auto batch = batch_records.empty()
                     ? kafka::codec_result<kafka::bytes>(kafka::bytes{})
                     : kafka::build_record_batch(options, batch_records);
    if (!batch || target.log == nullptr) {
        error = code(kafka_error::not_coordinator);
    } else if (!batch->empty()) {
        auto appended = co_await target.log->append(std::span<std::byte>(*batch));
        if (!appended) {
            LAMINAR_LOG_WARN("{}-{}: group records not appended: {}", offsets_topic_name,
                             target.partition, to_string(appended.error()));
            error = code(to_kafka_error(appended.error()));
        } else {
            shard_context::current().partitions->appended(std::string(offsets_topic_name),
                                                          target.partition);
        }
    }
    target.machine->persisted(token, error, now_ms());
    pump(target);
    _tasks.done();
}

task<void> group_manager::load(slot& target) {
    auto& here = shard_context::current();
    const auto started = std::chrono::steady_clock::now();
    std::string topic(offsets_topic_name);
    auto opened = co_await here.partitions->get(here.metadata, topic, target.partition);
    if (!opened) {
        LAMINAR_LOG_ERROR("{}-{}: cannot open the partition; its groups stay unavailable",
                          offsets_topic_name, target.partition);
        target.loading = false;
        for (auto* pending : std::exchange(target.load_waiters, {})) pending->complete(std::nullopt);
        _tasks.done();
        co_return;
    }
    auto* log = *opened;
    std::uint64_t records = 0;
    auto& machine = *target.machine;
    auto replayed = co_await replay_partition(
        *log, _stopping, [&](const kafka::parsed_batch& batch, std::int64_t from) {
            const auto& header = batch.header;
            if (header.is_control()) {
                load_marker(machine, batch);
                return;
            }
            const std::int64_t producer_id = header.is_transactional() ? header.producer_id : -1;
            for (const auto& record : batch.records) {
                if (header.base_offset + record.offset_delta < from || !record.key) continue;
                std::optional<std::span<const std::byte>> value;
                if (record.value) value = std::span<const std::byte>(*record.value);
                machine.load_record(*record.key, value, producer_id);
                ++records;
            }
        });
    if (replayed.failed) {
        LAMINAR_LOG_ERROR(
            "{}-{}: replay stopped at offset {} (unreadable batch); groups load "
            "from what was read",
            offsets_topic_name, target.partition, replayed.next_offset);
    }
    target.log = log;
    target.machine->load_complete(now_ms());
    target.loading = false;
    for (auto* pending : std::exchange(target.load_waiters, {})) pending->complete(std::nullopt);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    LAMINAR_LOG_DEBUG("{}-{}: loaded {} records, {} groups in {} ms", offsets_topic_name,
                      target.partition, records, target.machine->group_count(), took.count());
    pump(target);
    if (!_stopping) {
        _tasks.add();
        reactor::current().spawn(run_timer(target));
    }
    _tasks.done();
}

task<void> group_manager::run_timer(slot& target) {
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

task<void> group_manager::stop() {
    _stopping = true;
    for (auto& [partition, target] : _slots) {
        if (target->timer_wake != nullptr) target->timer_wake->cancel();
        for (auto* pending : std::exchange(target->load_waiters, {})) {
            pending->complete(std::nullopt);
        }
        auto waiting = std::move(target->waiting);
        target->waiting.clear();
        for (auto& [id, pending] : waiting) pending->complete(std::nullopt);
    }
    co_await _tasks.wait();
}

}  // namespace laminar::broker
