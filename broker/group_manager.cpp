#include "broker/group_manager.h"

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
    : coordinator_host(shard_id), _config(coordinator_config_of(settings)) {}

std::unique_ptr<groups::group_coordinator> group_manager::make_machine(
    const ctl::partition_state& partition) {
    // Member ids carry randomness: seeded per partition and start, never reused.
    const std::uint64_t seed = std::random_device{}() ^
                               (static_cast<std::uint64_t>(now_ms()) << 16) ^
                               static_cast<std::uint64_t>(partition.partition);
    return std::make_unique<groups::group_coordinator>(_config, seed);
}

void group_manager::topics_deleted(const std::vector<std::string>& topics) {
    if (stopping()) return;
    for (auto& [partition, target] : slots()) {
        if (!target->machine->loaded()) continue;
        target->machine->topics_deleted(topics, now_ms());
        pump(*target);
    }
}

void group_manager::pump(slot& target) {
    for (auto& effect : target.machine->take_effects()) {
        if (auto* answer = std::get_if<groups::reply_effect>(&effect)) {
            reply(target, answer->id, std::move(answer->body));
        } else {
            spawn_tracked(append(target, std::get<groups::persist_effect>(std::move(effect))));
        }
    }
    rearm(target);
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
        auto& partitions = *shard_context::current().partitions;
        const std::string topic(offsets_topic_name);
        const bool transactional = persist.producer_id >= 0;
        // The partition's producer state follows the transaction's offsets as Kafka's does.
        auto* producers = transactional ? partitions.producers(topic, target.partition) : nullptr;
        const auto header = read_record_batch_header(*batch);
        if (producers != nullptr && header) {
            producers->coordinator_append_started(*header, target.log->log_end_offset());
        }
        auto appended = co_await target.log->append(std::span<std::byte>(*batch));
        producers = transactional ? partitions.producers(topic, target.partition) : nullptr;
        if (producers != nullptr && header) {
            producers->coordinator_append_done(*header, appended ? appended->base_offset : -1);
        }
        if (!appended) {
            LAMINAR_LOG_WARN("{}-{}: group records not appended: {}", offsets_topic_name,
                             target.partition, to_string(appended.error()));
            error = code(to_kafka_error(appended.error()));
        } else {
            partitions.appended(topic, target.partition);
        }
    }
    target.machine->persisted(token, error, now_ms());
    pump(target);
    tracked_done();
}

void group_manager::replay(groups::group_coordinator& machine, const kafka::parsed_batch& batch,
                           std::int64_t from, std::uint64_t& records) {
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
}

}  // namespace laminar::broker
