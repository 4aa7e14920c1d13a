#include "broker/api_list_offsets.h"

#include <algorithm>
#include <array>

#include "core/endian.h"

#include "broker/offset_answers.h"
#include "broker/partition_access.h"
#include "core/wait_group.h"

namespace laminar::broker {

namespace {

constexpr std::int64_t latest_timestamp = -1;
constexpr std::int64_t earliest_timestamp = -2;
constexpr std::int64_t max_timestamp = -3;  // KIP-734, v7+

struct lookup_outcome {
    kafka_error error = kafka_error::none;
    std::int64_t offset = -1;
    std::int64_t timestamp = -1;
    std::int32_t leader_epoch = -1;  // Kafka: the found batch's epoch; -1 when none
    explicit lookup_outcome(kafka_error failed = kafka_error::none) : error(failed) {}
};

// Fills `bytes` from the start of `range`: its first bytes.size() bytes, fewer when the range is
// shorter. Returns how many.
task<storage::result<std::size_t>> read_range_start(const storage::file_range& range,
                                                    std::span<std::byte> bytes) {
    bytes = bytes.first(std::min<std::size_t>(bytes.size(), range.length));
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        auto got = co_await io::read(range.fd, bytes.subspan(filled), range.position + filled);
        if (!got) co_return fail(storage::errc_from_core(got.error()));
        if (*got == 0) co_return fail(storage::errc::corrupt_log);
        filled += *got;
    }
    co_return filled;
}

// The whole batch holding `offset` (the read answers whole batches, at least one).
task<storage::result<std::vector<std::byte>>> read_first_batch(storage::partition_log& log,
                                                               std::int64_t offset) {
    auto read = co_await log.read(offset, 1);
    if (!read) co_return fail(read.error());
    std::vector<std::byte> bytes(read->range.length);
    auto filled = co_await read_range_start(read->range, bytes);
    if (!filled) co_return fail(filled.error());
    co_return bytes;
}

// The leader epoch of the batch holding `offset`, -1 when it has none (Kafka's epoch cache:
// epochForOffset). Reads the batch header only.
task<storage::result<std::int32_t>> epoch_of_batch_at(storage::partition_log& log,
                                                      std::int64_t offset) {
    auto read = co_await log.read(offset, 1);
    if (!read) co_return fail(read.error());
    std::array<std::byte, record_batch_layout::header_bytes> header{};
    auto filled = co_await read_range_start(read->range, header);
    if (!filled) co_return fail(filled.error());
    if (*filled < header.size()) co_return -1;
    const auto epoch = load_be<std::int32_t>(header.data() +
                                             record_batch_layout::partition_leader_epoch);
    co_return epoch >= 0 ? epoch : -1;
}

std::int32_t epoch_or_none(std::int32_t epoch) noexcept { return epoch >= 0 ? epoch : -1; }

task<void> lookup_one(const std::string& topic_name, const kafka::list_offsets_partition& wanted,
                      std::int16_t version, bool read_committed,
                      kafka::list_offsets_partition_response& answer, wait_group& pending) {
    answer.partition_index = wanted.partition_index;
    const auto* topic = shard_context::current().metadata.find_topic(topic_name);
    if (topic == nullptr || wanted.partition_index < 0 ||
        wanted.partition_index >= static_cast<std::int32_t>(topic->partitions.size())) {
        answer.error_code = code(kafka_error::unknown_topic_or_partition);
        pending.done();
        co_return;
    }
    const auto& partition = topic->partitions[static_cast<std::size_t>(wanted.partition_index)];
    if (wanted.current_leader_epoch >= 0 && wanted.current_leader_epoch != partition.leader_epoch) {
        answer.error_code = code(wanted.current_leader_epoch > partition.leader_epoch
                                     ? kafka_error::unknown_leader_epoch
                                     : kafka_error::fenced_leader_epoch);
        pending.done();
        co_return;
    }
    const std::int64_t timestamp = wanted.timestamp;
    // Kafka's leader epochs in the answer (UnifiedLog.fetchOffsetByTimestamp, Partition): the
    // current one for the latest offset, the found batch's for the others; -1 when nothing is
    // found (buildErrorResponse leaves LeaderEpoch at its default).
    const std::int32_t current_epoch = partition.leader_epoch;
    const std::int32_t index = wanted.partition_index;
    auto lookup = [timestamp, current_epoch, &topic_name, index,
                   read_committed](storage::partition_log& log) -> task<lookup_outcome> {
        // Kafka's lastFetchableOffset: a read_committed client sees up to the last stable offset.
        auto fetchable_end = [&]() {
            const auto* producers =
                shard_context::current().partitions->producers(topic_name, index);
            const std::int64_t end = log.log_end_offset();  // one node: the high watermark
            return read_committed && producers != nullptr ? producers->last_stable_offset(end)
                                                          : end;
        };
        lookup_outcome outcome;
        if (timestamp == earliest_timestamp) {
            // The epoch cache's epoch at the log start: its batch's, or on an empty log the
            // current epoch (the cache holds it from the log end at the leader's election).
            outcome.offset = log.log_start_offset();
            outcome.leader_epoch = current_epoch;
            if (outcome.offset < log.log_end_offset()) {
                auto epoch = co_await epoch_of_batch_at(log, outcome.offset);
                if (!epoch) co_return lookup_outcome(to_kafka_error(epoch.error()));
                outcome.leader_epoch = *epoch;
            }
        } else if (timestamp == latest_timestamp) {
            outcome.offset = fetchable_end();
            outcome.leader_epoch = current_epoch;
        } else if (timestamp == max_timestamp) {
            auto batch = co_await log.batch_with_max_timestamp();
            if (!batch) co_return lookup_outcome(to_kafka_error(batch.error()));
            if (*batch) {
                auto header = read_record_batch_header(**batch);
                outcome.timestamp = header ? header->max_timestamp : -1;
                outcome.offset = offset_of_max_timestamp(**batch);
                if (header) outcome.leader_epoch = epoch_or_none(header->partition_leader_epoch);
            }
        } else {
            auto found = co_await log.offset_for_timestamp(timestamp);
            if (!found) co_return lookup_outcome(to_kafka_error(found.error()));
            if (*found) {
                outcome.offset = (*found)->offset;
                outcome.timestamp = (*found)->timestamp;
                // The log names the batch; the answer is the record inside it.
                auto batch = co_await read_first_batch(log, (*found)->offset);
                if (!batch) co_return lookup_outcome(to_kafka_error(batch.error()));
                if (auto header = read_record_batch_header(*batch)) {
                    outcome.leader_epoch = epoch_or_none(header->partition_leader_epoch);
                }
                auto record = first_record_at_or_after(*batch, timestamp, log.log_start_offset());
                if (record) {
                    outcome.offset = record->offset;
                    outcome.timestamp = record->timestamp;
                }
            }
        }
        if (timestamp != earliest_timestamp && timestamp != latest_timestamp &&
            outcome.offset >= fetchable_end()) {
            outcome = lookup_outcome();  // not fetchable yet: as if nothing were found
        }
        co_return outcome;
    };
    auto outcome = co_await on_partition<lookup_outcome>(topic->topic_id, topic->name,
                                                         wanted.partition_index, lookup);
    answer.error_code = code(outcome.error);
    answer.offset = outcome.offset;
    answer.timestamp = outcome.timestamp;
    answer.leader_epoch = outcome.error == kafka_error::none ? outcome.leader_epoch : -1;
    if (version == 0 && outcome.error == kafka_error::none && outcome.offset >= 0) {
        answer.old_style_offsets = {outcome.offset};
    }
    pending.done();
}

}  // namespace

task<kafka::list_offsets_response> handle_list_offsets(const kafka::request_header& header,
                                                       const kafka::list_offsets_request& request) {
    kafka::list_offsets_response response;
    wait_group pending;
    response.topics.resize(request.topics.size());
    for (std::size_t t = 0; t < request.topics.size(); ++t) {
        const auto& topic = request.topics[t];
        response.topics[t].name = topic.name;
        response.topics[t].partitions.resize(topic.partitions.size());
        for (std::size_t p = 0; p < topic.partitions.size(); ++p) {
            pending.add();
            reactor::current().spawn(lookup_one(topic.name, topic.partitions[p], header.api_version,
                                                request.isolation_level == 1,
                                                response.topics[t].partitions[p], pending));
        }
    }
    co_await pending.wait();
    co_return response;
}

}  // namespace laminar::broker
