#include "broker/txn_manager.h"

#include <algorithm>
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
    : coordinator_host(shard_id), _config(txn_config_of(settings)) {}

std::unique_ptr<txn::txn_coordinator> txn_manager::make_machine(
    const ctl::partition_state& partition) {
    return std::make_unique<txn::txn_coordinator>(_config, partition.leader_epoch);
}

void txn_manager::pump(slot& target) {
    for (auto& effect : target.machine->take_effects()) {
        switch (effect.type) {
            case txn::effect::kind::reply: reply(target, effect.reply.id, effect.reply); break;
            case txn::effect::kind::persist:
                spawn_tracked(append(target, std::move(effect.persist)));
                break;
            case txn::effect::kind::markers:
                spawn_tracked(write_markers(target, std::move(effect.markers)));
                break;
        }
    }
    rearm(target);
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
    tracked_done();
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
    tracked_done();
}

void txn_manager::replay(txn::txn_coordinator& machine, const kafka::parsed_batch& batch,
                         std::int64_t from, std::uint64_t& records) {
    if (batch.header.is_control()) return;
    for (const auto& record : batch.records) {
        if (batch.header.base_offset + record.offset_delta < from || !record.key) continue;
        std::optional<std::span<const std::byte>> value;
        if (record.value) value = std::span<const std::byte>(*record.value);
        machine.load_record(*record.key, value);
        ++records;
    }
}

}  // namespace laminar::broker
