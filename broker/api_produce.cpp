#include "broker/api_produce.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "broker/api_metadata.h"
#include "broker/api_transactions.h"
#include "broker/batch_checks.h"
#include "broker/partition_access.h"
#include "broker/producer_state.h"
#include "broker/topic_config.h"
#include "core/batch_recompression.h"
#include "core/log.h"
#include "core/record_batch.h"
#include "core/wait_group.h"

namespace laminar::broker {

namespace {

struct append_outcome {
    kafka_error error = kafka_error::none;
    std::int64_t base_offset = -1;
    std::int64_t log_append_time_ms = -1;
    std::int64_t log_start_offset = -1;
    explicit append_outcome(kafka_error failed = kafka_error::none) : error(failed) {}
};

// compression.type: a topic's own value, else the broker's. "producer" keeps batches as sent;
// a codec ("uncompressed" is none) recompresses batches in another codec before the append,
// on the connection's shard. Only topics with a codec pay for it.
kafka_error apply_compression_type(const topic_settings& settings,
                                   kafka::bytes& records, std::string& message) {
    const auto* broker = shard_context::current().settings;
    const std::string& wanted = settings.compression_type;  // the topic's, else the broker's
    if (wanted == "producer") return kafka_error::none;
    const auto codec = wanted == "uncompressed" ? compression_codec::none
                                                : parse_compression_codec(wanted).value_or(
                                                      compression_codec::none);
    const auto header = read_record_batch_header(records);  // validated by check_produced_batch
    if (header->compression() == codec || header->is_control()) return kafka_error::none;
    // Decompressed records may be larger than the batch, not larger than a request may be.
    const std::size_t records_max = broker != nullptr ? broker->socket_request_bytes_max
                                                      : std::size_t{100} << 20;
    auto recompressed = recompress_record_batch(records, codec, records_max);
    if (!recompressed) {
        message = "The record batch's records do not decompress";
        return recompressed.error() == errc::too_large ? kafka_error::message_too_large
                                                       : kafka_error::corrupt_message;
    }
    if (static_cast<std::int64_t>(recompressed->size()) > settings.max_message_bytes + 12) {
        message = "The record batch is larger than max.message.bytes once recompressed";
        return kafka_error::message_too_large;
    }
    records = std::move(*recompressed);
    return kafka_error::none;
}

// Kafka's checks of a batch with a producer id (producer_state.h): an error, a duplicate's
// original offset (base_offset >= 0: answer without appending), or go on (none, -1).
append_outcome check_producer(const record_batch_header& header, producer_state_table* producers,
                              const storage::partition_log& log) {
    if (header.base_sequence < 0) return append_outcome(kafka_error::invalid_record);
    if (producers == nullptr) return append_outcome(kafka_error::not_leader_or_follower);
    auto checked = producers->check_and_record(header, log.log_end_offset());
    switch (checked.verdict) {
    case sequence_verdict::append: return append_outcome();
    case sequence_verdict::duplicate: {
        append_outcome duplicate;
        duplicate.base_offset = checked.duplicate_base_offset;
        duplicate.log_start_offset = log.log_start_offset();
        return duplicate;
    }
    // The original is still being written: retriable, the retry will find it appended.
    case sequence_verdict::in_flight: return append_outcome(kafka_error::request_timed_out);
    case sequence_verdict::out_of_order:
        return append_outcome(kafka_error::out_of_order_sequence_number);
    case sequence_verdict::invalid_epoch:
        return append_outcome(kafka_error::invalid_producer_epoch);
    case sequence_verdict::invalid_txn_state: return append_outcome(kafka_error::invalid_txn_state);
    }
    return append_outcome(kafka_error::unknown_server_error);
}

// LogValidator's checks of a batch's contents: no control batch from a client, then every record
// read (check_batch_records) and, where the topic's configs ask for it, held to the record rules
// (keys of a compacted topic, CreateTime bounds).
kafka_error check_batch_contents(const std::string& topic_name, std::int32_t index,
                                 const topic_settings& settings, std::span<std::byte> batch,
                                 std::vector<kafka::batch_index_and_error_message>& record_errors,
                                 std::string& message) {
    const auto header = read_record_batch_header(batch);  // validated by check_produced_batch
    const record_rules rules{.compacted = settings.cleanup != cleanup_policy::remove,
                             .log_append_time = settings.log_append_time,
                             .before_max_ms = settings.timestamp_before_max_ms,
                             .after_max_ms = settings.timestamp_after_max_ms};
    const bool create_time = !settings.log_append_time;
    if (!header->is_control() && !records_need_checks(rules, *header)) {
        return check_batch_records(batch, create_time, nullptr, message);
    }
    const std::string partition = topic_name + "-" + std::to_string(index);
    if (auto control = check_not_control(*header, partition, message);
        control != kafka_error::none) {
        return control;
    }
    const record_check check{.rules = rules,
                             .now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count(),
                             .partition = partition,
                             .errors = &record_errors};
    return check_batch_records(batch, create_time, &check, message);
}

// Kafka's RequestUtils.hasTransactionalRecords: a partition's batch says it is transactional.
bool has_transactional_records(const kafka::produce_request& request) {
    for (const auto& topic : request.topic_data) {
        for (const auto& partition : topic.partition_data) {
            if (!partition.records) continue;
            // Only magic 2 has the flag (older message sets are never transactional).
            const auto header = read_record_batch_header(*partition.records);
            if (header && header->magic == record_batch_magic && header->is_transactional())
                return true;
        }
    }
    return false;
}

// Fills `answer` for one partition. Copies what it needs from the shard's metadata before its
// first suspension: the image may be replaced by a metadata change while it waits.
task<void> produce_one(const std::string& topic_name, std::int16_t version,
                       const std::optional<std::string>& transactional_id, bool internal_allowed,
                       std::int16_t acks, kafka::produce_request_partition& data,
                       kafka::produce_response_partition& answer, wait_group& pending) {
    answer.index = data.index;
    auto& context = shard_context::current();
    const ctl::topic_state* topic = context.metadata.find_topic(topic_name);
    if (topic == nullptr || data.index < 0 ||
        data.index >= static_cast<std::int32_t>(topic->partitions.size())) {
        answer.error_code = code(kafka_error::unknown_topic_or_partition);
        answer.base_offset = -1;
        pending.done();
        co_return;
    }
    // A reference into the shard's cache: used only before the first suspension below.
    const topic_settings& settings = context.topic_settings.of(context.metadata, *topic);
    std::string message;
    kafka_error invalid = kafka_error::none;
    if (!internal_allowed && is_internal_topic(topic_name)) {
        message = "Cannot append to internal topic " + topic_name;
        invalid = kafka_error::invalid_topic_exception;
    }
    // Kafka 3.7's Partition.appendRecordsToLeader, before anything is appended: the effective
    // min.insync.replicas is at most the replication factor (KAFKA-15583).
    const auto& partition = topic->partitions[static_cast<std::size_t>(data.index)];
    const auto min_isr = std::min<std::int64_t>(
        settings.min_insync_replicas, static_cast<std::int64_t>(partition.replicas.size()));
    if (invalid == kafka_error::none && !context.leads(partition)) {
        message = fmt::format("Broker {} is not the leader of {}-{}", context.settings->node_id,
                              topic_name, data.index);
        invalid = kafka_error::not_leader_or_follower;
    }
    if (invalid == kafka_error::none && acks == -1 &&
        static_cast<std::int64_t>(partition.isr.size()) < min_isr) {
        message = fmt::format(
            "The size of the current ISR ({}) is insufficient to satisfy the min.isr requirement "
            "of {} for partition {}-{}",
            partition.isr.size(), min_isr, topic_name, data.index);
        invalid = kafka_error::not_enough_replicas;
    }
    if (invalid == kafka_error::none) {
        invalid = check_produced_batch(data.records, version, settings.max_message_bytes, message);
    }
    if (invalid == kafka_error::none) {
        invalid = check_batch_contents(topic_name, data.index, settings, *data.records,
                                       answer.record_errors, message);
    }
    if (invalid == kafka_error::none) {
        invalid = apply_compression_type(settings, *data.records, message);
    }
    if (invalid == kafka_error::none &&
        static_cast<std::int64_t>(data.records->size()) > settings.segment_bytes) {
        // Kafka's RecordBatchTooLargeException: a batch must fit in one segment.
        message = "The record batch is larger than the topic's segment.bytes";
        invalid = kafka_error::record_list_too_large;
    }
    if (invalid != kafka_error::none) {
        answer.error_code = code(invalid);
        LAMINAR_LOG_DEBUG("produce to {}-{} refused: {}", topic_name, data.index, message);
        answer.error_message = message;
        answer.base_offset = -1;
        pending.done();
        co_return;
    }
    std::span<std::byte> batch(*data.records);
    // The leader stamps its epoch (not covered by the CRC), as Kafka does: OffsetForLeaderEpoch
    // answers from these.
    set_partition_leader_epoch(
        batch, topic->partitions[static_cast<std::size_t>(data.index)].leader_epoch);
    const bool verify =
        context.settings == nullptr || context.settings->transactions.partition_verification;
    auto append = [batch, &topic_name, &transactional_id, verify,
                   index = data.index](storage::partition_log& log) -> task<append_outcome> {
        auto& partitions = *shard_context::current().partitions;
        const auto header = read_record_batch_header(batch);  // validated by check_produced_batch
        const bool idempotent = header->producer_id >= 0;
        if (header->is_transactional() && transactional_id) {
            auto* producers = partitions.producers(topic_name, index);
            std::optional<std::uint64_t> guard;
            if (verify && producers != nullptr) {
                guard =
                    producers->txn_verification_needed(header->producer_id, header->producer_epoch);
            }
            if (guard) {
                const auto verified =
                    co_await verify_in_transaction(*transactional_id, header->producer_id,
                                                   header->producer_epoch, topic_name, index);
                if (verified != kafka_error::none) co_return append_outcome(verified);
                producers = partitions.producers(topic_name, index);
                if (producers != nullptr &&
                    !producers->verification_holds(header->producer_id, *guard)) {
                    co_return append_outcome(kafka_error::invalid_txn_state);
                }
            }
        }
        if (idempotent) {
            auto checked = check_producer(*header, partitions.producers(topic_name, index), log);
            if (checked.error != kafka_error::none) co_return checked;
            if (checked.base_offset >= 0) {
                // A retry of a batch in the log. Under flush.messages=1 its first append may
                // have failed for want of an fdatasync: answer success only once it is durable.
                if (storage::flush_policy_of(log.config()) == storage::flush_policy::every_batch) {
                    auto flushed = co_await log.flush();
                    if (!flushed) co_return append_outcome(to_kafka_error(flushed.error()));
                }
                co_return checked;
            }
        }
        storage::append_result written{.base_offset = -1};
        auto appended = co_await log.append(batch, &written);
        auto* producers = idempotent ? partitions.producers(topic_name, index) : nullptr;
        if (!appended) {
            // Written but not made durable: the batch is in the log, so the producer's retry
            // must find it (a duplicate, answered once durable), not append it a second time.
            const bool in_log = written.base_offset >= 0;
            if (producers != nullptr) {
                if (in_log) {
                    producers->appended(*header, written.base_offset);
                } else {
                    producers->append_failed(*header);
                }
            }
            if (in_log) partitions.appended(topic_name, index);
            co_return append_outcome(to_kafka_error(appended.error()));
        }
        if (producers != nullptr) {
            producers->appended(*header, appended->base_offset, appended->log_append_time_ms);
        }
        partitions.appended(topic_name, index);
        append_outcome outcome;
        outcome.base_offset = appended->base_offset;
        outcome.log_append_time_ms = appended->log_append_time_ms;
        outcome.log_start_offset = log.log_start_offset();
        co_return outcome;
    };
    auto outcome = co_await on_partition<append_outcome>(topic->topic_id, topic->name, data.index,
                                                         append);
    answer.error_code = code(outcome.error);
    answer.base_offset = outcome.base_offset;
    answer.log_append_time_ms = outcome.log_append_time_ms;
    answer.log_start_offset = outcome.log_start_offset;
    pending.done();
}

}  // namespace

task<kafka::produce_response> handle_produce(shard_context&, const kafka::request_header& header,
                                             kafka::produce_request& request) {
    kafka::produce_response response;
    // Refused whole, as Kafka does: transactional records without a transactional id (checked
    // first), and acks it does not know.
    kafka_error refused = kafka_error::none;
    if (!request.transactional_id && has_transactional_records(request)) {
        refused = kafka_error::transactional_id_authorization_failed;
    } else if (request.acks != 0 && request.acks != 1 && request.acks != -1) {
        refused = kafka_error::invalid_required_acks;
    }
    if (refused != kafka_error::none) {
        for (const auto& topic : request.topic_data) {
            auto& out = response.responses.emplace_back();
            out.name = topic.name;
            for (const auto& partition : topic.partition_data) {
                auto& answer = out.partition_responses.emplace_back();
                answer.index = partition.index;
                answer.error_code = code(refused);
                answer.base_offset = -1;
            }
        }
        co_return response;
    }
    // Kafka lets only its own admin tools append to internal topics.
    const bool internal_allowed = header.client_id == "__admin_client";
    // Fan out: every partition appends concurrently on its owner; gather before answering.
    wait_group pending;
    response.responses.resize(request.topic_data.size());
    for (std::size_t t = 0; t < request.topic_data.size(); ++t) {
        auto& topic = request.topic_data[t];
        auto& out = response.responses[t];
        out.name = topic.name;
        out.partition_responses.resize(topic.partition_data.size());
        for (std::size_t p = 0; p < topic.partition_data.size(); ++p) {
            pending.add();
            reactor::current().spawn(produce_one(
                topic.name, header.api_version, request.transactional_id, internal_allowed,
                request.acks, topic.partition_data[p], out.partition_responses[p], pending));
        }
    }
    co_await pending.wait();
    co_return response;
}

}  // namespace laminar::broker
