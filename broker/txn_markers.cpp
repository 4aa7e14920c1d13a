#include "broker/txn_markers.h"

#include "broker/group_manager.h"
#include "broker/partition_access.h"
#include "core/log.h"
#include "core/wait_group.h"
#include "net/kafka/records.h"

namespace laminar::broker {

namespace {

kafka_error marker_error(marker_verdict verdict) noexcept {
    switch (verdict) {
        case marker_verdict::append: return kafka_error::none;
        case marker_verdict::invalid_epoch: return kafka_error::invalid_producer_epoch;
        case marker_verdict::coordinator_fenced: return kafka_error::transaction_coordinator_fenced;
    }
    return kafka_error::unknown_server_error;
}

// The marker's settled: the partition's transaction state, waiting fetches, and on
// __consumer_offsets the offsets the transaction committed there.
void settle(const std::string& topic, std::int32_t partition, const txn_marker& marker,
            std::int64_t offset, std::int64_t timestamp, storage::partition_log& log) {
    auto& here = shard_context::current();
    if (auto* producers = here.partitions->producers(topic, partition)) {
        producers->marker_appended(marker.producer_id, marker.producer_epoch,
                                   marker.coordinator_epoch, marker.commit, offset, timestamp);
        producers->marker_settled();
        producers->forget_aborted_below(log.log_start_offset());
    }
    here.partitions->appended(topic, partition);
    if (topic == offsets_topic_name && here.groups != nullptr) {
        (void)here.groups->with_coordinator(
            partition, [&marker](groups::group_coordinator& machine, std::int64_t) {
                machine.txn_completed(marker.producer_id, marker.commit);
                return 0;
            });
    }
}

}  // namespace

task<kafka_error> write_txn_marker(const std::string& topic, std::int32_t partition,
                                   const txn_marker& marker) {
    auto& context = shard_context::current();
    const ctl::topic_state* state = context.metadata.find_topic(topic);
    if (state == nullptr || partition < 0 ||
        partition >= static_cast<std::int32_t>(state->partitions.size())) {
        co_return kafka_error::unknown_topic_or_partition;
    }
    kafka::record_batch_options options;
    options.partition_leader_epoch =
        state->partitions[static_cast<std::size_t>(partition)].leader_epoch;
    options.base_timestamp = group_manager::now_ms();  // the coordinators' wall clock
    options.producer_id = marker.producer_id;
    options.producer_epoch = marker.producer_epoch;
    options.transactional = true;
    options.control = true;
    const kafka::record record = kafka::make_transaction_marker(
        marker.commit ? kafka::control_record_type::commit : kafka::control_record_type::abort,
        marker.coordinator_epoch);
    auto built = kafka::build_record_batch(options, std::span(&record, 1));
    if (!built) co_return kafka_error::unknown_server_error;
    const std::int64_t timestamp = options.base_timestamp;
    auto write = [&topic, partition, &marker, timestamp, batch = std::move(*built)](
                     storage::partition_log& log) mutable -> task<kafka_error> {
        auto* producers = shard_context::current().partitions->producers(topic, partition);
        if (producers == nullptr) co_return kafka_error::not_leader_or_follower;
        const auto verdict = producers->check_marker(marker.producer_id, marker.producer_epoch,
                                                     marker.coordinator_epoch);
        if (verdict != marker_verdict::append) co_return marker_error(verdict);
        storage::append_result written{.base_offset = -1};
        auto appended = co_await log.append(std::span<std::byte>(batch), &written);
        const std::int64_t offset = appended ? appended->base_offset : written.base_offset;
        if (offset >= 0) {
            settle(topic, partition, marker, offset, timestamp, log);
        } else if (auto* settled =
                       shard_context::current().partitions->producers(topic, partition)) {
            settled->marker_settled();
        }
        if (!appended) {
            LAMINAR_LOG_WARN("{}-{}: transaction marker of producer {} not written: {}", topic,
                             partition, marker.producer_id, to_string(appended.error()));
            co_return to_kafka_error(appended.error());
        }
        co_return kafka_error::none;
    };
    co_return co_await on_partition<kafka_error>(state->topic_id, topic, partition, write);
}

namespace {

task<void> write_one(const std::string& topic, std::int32_t partition, const txn_marker& marker,
                     kafka::writable_txn_marker_partition_result& answer, wait_group& pending) {
    answer.partition_index = partition;
    answer.error_code = code(co_await write_txn_marker(topic, partition, marker));
    pending.done();
}

}  // namespace

task<kafka::write_txn_markers_response> handle_write_txn_markers(
    const kafka::write_txn_markers_request& request) {
    kafka::write_txn_markers_response response;
    std::vector<txn_marker> markers;
    response.markers.resize(request.markers.size());
    markers.reserve(request.markers.size());
    for (const auto& wanted : request.markers) {
        markers.push_back({wanted.producer_id, wanted.producer_epoch, wanted.transaction_result,
                           wanted.coordinator_epoch});
    }
    wait_group pending;
    for (std::size_t m = 0; m < request.markers.size(); ++m) {
        const auto& wanted = request.markers[m];
        auto& answer = response.markers[m];
        answer.producer_id = wanted.producer_id;
        answer.topics.resize(wanted.topics.size());
        for (std::size_t t = 0; t < wanted.topics.size(); ++t) {
            const auto& topic = wanted.topics[t];
            answer.topics[t].name = topic.name;
            answer.topics[t].partitions.resize(topic.partition_indexes.size());
            for (std::size_t p = 0; p < topic.partition_indexes.size(); ++p) {
                pending.add();
                reactor::current().spawn(write_one(topic.name, topic.partition_indexes[p],
                                                   markers[m], answer.topics[t].partitions[p],
                                                   pending));
            }
        }
    }
    co_await pending.wait();
    co_return response;
}

}  // namespace laminar::broker
