#include "broker/api_partition_admin.h"

#include <sys/statvfs.h>

#include <filesystem>
#include <map>
#include <string>

#include "broker/api_metadata.h"
#include "broker/offset_answers.h"
#include "broker/partition_access.h"
#include "broker/topic_config.h"
#include "core/wait_group.h"

namespace laminar::broker {

namespace {

constexpr std::int64_t delete_to_high_watermark = -1;

const ctl::topic_state* find_partition(const std::string& name, std::int32_t partition) {
    const auto* topic = shard_context::current().metadata.find_topic(name);
    if (topic == nullptr || partition < 0 ||
        partition >= static_cast<std::int32_t>(topic->partitions.size())) {
        return nullptr;
    }
    return topic;
}

// DeleteRecords

struct delete_outcome {
    kafka_error error = kafka_error::none;
    std::int64_t low_watermark = -1;
    explicit delete_outcome(kafka_error failed = kafka_error::none) : error(failed) {}
};

task<void> delete_one(const std::string& topic_name, const kafka::delete_records_partition& wanted,
                      kafka::delete_records_partition_result& answer, wait_group& pending) {
    answer.partition_index = wanted.partition_index;
    answer.low_watermark = -1;
    const auto* topic = find_partition(topic_name, wanted.partition_index);
    if (topic == nullptr) {
        answer.error_code = code(kafka_error::unknown_topic_or_partition);
        pending.done();
        co_return;
    }
    if (is_internal_topic(topic_name)) {
        // Kafka: "Cannot delete records of internal topic".
        answer.error_code = code(kafka_error::invalid_topic_exception);
        pending.done();
        co_return;
    }
    auto& context = shard_context::current();
    if (context.topic_settings.of(context.metadata, *topic).cleanup == cleanup_policy::compact) {
        // Kafka: records of a compacted-only topic are removed by compaction, not on request.
        answer.error_code = code(kafka_error::policy_violation);
        pending.done();
        co_return;
    }
    const std::int64_t requested = wanted.offset;
    auto advance = [requested](storage::partition_log& log) -> task<delete_outcome> {
        // One node: the high watermark is the log end offset.
        const std::int64_t offset =
            requested == delete_to_high_watermark ? log.log_end_offset() : requested;
        if (offset < 0 || offset > log.log_end_offset()) {
            co_return delete_outcome(kafka_error::offset_out_of_range);
        }
        auto advanced = co_await log.advance_log_start_offset(offset);
        if (!advanced) co_return delete_outcome(to_kafka_error(advanced.error()));
        delete_outcome outcome;
        outcome.low_watermark = log.log_start_offset();
        co_return outcome;
    };
    auto outcome = co_await on_partition<delete_outcome>(topic->topic_id, topic->name,
                                                         wanted.partition_index, advance);
    answer.error_code = code(outcome.error);
    answer.low_watermark = outcome.low_watermark;
    pending.done();
}

// DescribeLogDirs

struct size_outcome {
    kafka_error error = kafka_error::none;
    std::int64_t size_bytes = 0;
    explicit size_outcome(kafka_error failed = kafka_error::none) : error(failed) {}
};

task<void> describe_one(const std::string& topic_name, std::int32_t partition,
                        kafka::describe_log_dirs_partition& answer, wait_group& pending) {
    answer.partition_index = partition;
    const auto* topic = find_partition(topic_name, partition);
    if (topic != nullptr) {
        auto measure = [](storage::partition_log& log) -> task<size_outcome> {
            size_outcome outcome;
            outcome.size_bytes = static_cast<std::int64_t>(log.size_bytes());
            co_return outcome;
        };
        auto outcome = co_await on_partition<size_outcome>(topic->topic_id, topic->name,
                                                           partition, measure);
        answer.partition_size = outcome.size_bytes;
    }
    pending.done();
}

// The partitions to describe: every one (topics null) or those asked for that exist.
std::vector<kafka::describable_log_dir_topic> wanted_partitions(
    const ctl::metadata_image& image, const kafka::describe_log_dirs_request& request) {
    std::vector<kafka::describable_log_dir_topic> wanted;
    if (!request.topics) {
        for (const auto& [name, topic] : image.topics()) {
            auto& entry = wanted.emplace_back();
            entry.topic = name;
            for (std::size_t p = 0; p < topic.partitions.size(); ++p) {
                entry.partitions.push_back(static_cast<std::int32_t>(p));
            }
        }
        return wanted;
    }
    for (const auto& asked : *request.topics) {
        const auto* topic = image.find_topic(asked.topic);
        if (topic == nullptr) continue;
        auto& entry = wanted.emplace_back();
        entry.topic = asked.topic;
        for (auto partition : asked.partitions) {
            if (partition >= 0 && partition < static_cast<std::int32_t>(topic->partitions.size()))
                entry.partitions.push_back(partition);
        }
    }
    return wanted;
}

// OffsetForLeaderEpoch

struct epoch_outcome {
    kafka_error error = kafka_error::none;
    epoch_end end;
    explicit epoch_outcome(kafka_error failed = kafka_error::none) : error(failed) {}
};

task<void> epoch_end_one(const std::string& topic_name,
                         const kafka::offset_for_leader_partition& wanted,
                         kafka::offset_for_leader_epoch_end_offset& answer, wait_group& pending) {
    answer.partition = wanted.partition;
    const auto* topic = find_partition(topic_name, wanted.partition);
    if (topic == nullptr) {
        answer.error_code = code(kafka_error::unknown_topic_or_partition);
        pending.done();
        co_return;
    }
    const std::int32_t current =
        topic->partitions[static_cast<std::size_t>(wanted.partition)].leader_epoch;
    if (wanted.current_leader_epoch >= 0 && wanted.current_leader_epoch != current) {
        answer.error_code = code(wanted.current_leader_epoch > current
                                     ? kafka_error::unknown_leader_epoch
                                     : kafka_error::fenced_leader_epoch);
        pending.done();
        co_return;
    }
    const std::int32_t requested = wanted.leader_epoch;
    auto lookup = [requested, current](storage::partition_log& log) -> task<epoch_outcome> {
        epoch_outcome outcome;
        storage::epoch_scan scan;
        if (requested >= 0 && requested < current) {
            auto scanned = co_await log.scan_leader_epochs(requested);
            if (!scanned) co_return epoch_outcome(to_kafka_error(scanned.error()));
            scan = *scanned;
        }
        outcome.end = end_offset_for_epoch(requested, current, log.log_start_offset(),
                                           log.log_end_offset(), scan);
        co_return outcome;
    };
    auto outcome = co_await on_partition<epoch_outcome>(topic->topic_id, topic->name,
                                                        wanted.partition, lookup);
    answer.error_code = code(outcome.error);
    answer.leader_epoch = outcome.end.epoch;
    answer.end_offset = outcome.end.end_offset;
    pending.done();
}

}  // namespace

task<kafka::offset_for_leader_epoch_response> handle_offset_for_leader_epoch(
    const kafka::request_header&, const kafka::offset_for_leader_epoch_request& request) {
    kafka::offset_for_leader_epoch_response response;
    wait_group pending;
    response.topics.resize(request.topics.size());
    for (std::size_t t = 0; t < request.topics.size(); ++t) {
        const auto& topic = request.topics[t];
        response.topics[t].topic = topic.topic;
        response.topics[t].partitions.resize(topic.partitions.size());
        for (std::size_t p = 0; p < topic.partitions.size(); ++p) {
            pending.add();
            reactor::current().spawn(epoch_end_one(topic.topic, topic.partitions[p],
                                                   response.topics[t].partitions[p], pending));
        }
    }
    co_await pending.wait();
    co_return response;
}

task<kafka::delete_records_response> handle_delete_records(
    const kafka::request_header&, const kafka::delete_records_request& request) {
    kafka::delete_records_response response;
    wait_group pending;
    response.topics.resize(request.topics.size());
    for (std::size_t t = 0; t < request.topics.size(); ++t) {
        const auto& topic = request.topics[t];
        response.topics[t].name = topic.name;
        response.topics[t].partitions.resize(topic.partitions.size());
        for (std::size_t p = 0; p < topic.partitions.size(); ++p) {
            pending.add();
            reactor::current().spawn(delete_one(topic.name, topic.partitions[p],
                                                response.topics[t].partitions[p], pending));
        }
    }
    co_await pending.wait();
    co_return response;
}

namespace {

// The log dir as DescribeLogDirs names it: the data dir's absolute path.
std::string log_dir_path(const shard_context& context) {
    std::error_code error;
    auto path =
        std::filesystem::absolute(context.settings->data_dir, error).lexically_normal().string();
    return error ? context.settings->data_dir : path;
}

}  // namespace

task<kafka::describe_log_dirs_response> handle_describe_log_dirs(
    const shard_context& context, const kafka::request_header& header,
    const kafka::describe_log_dirs_request& request) {
    kafka::describe_log_dirs_response response;
    auto& dir = response.results.emplace_back();
    dir.log_dir = log_dir_path(context);
    if (header.api_version >= 4) {
        struct statvfs space {};
        if (::statvfs(dir.log_dir.c_str(), &space) == 0) {
            dir.total_bytes = static_cast<std::int64_t>(space.f_blocks * space.f_frsize);
            dir.usable_bytes = static_cast<std::int64_t>(space.f_bavail * space.f_frsize);
        }
    }
    const auto wanted = wanted_partitions(context.metadata, request);
    wait_group pending;
    dir.topics.resize(wanted.size());
    for (std::size_t t = 0; t < wanted.size(); ++t) {
        dir.topics[t].name = wanted[t].topic;
        dir.topics[t].partitions.resize(wanted[t].partitions.size());
        for (std::size_t p = 0; p < wanted[t].partitions.size(); ++p) {
            pending.add();
            reactor::current().spawn(describe_one(wanted[t].topic, wanted[t].partitions[p],
                                                  dir.topics[t].partitions[p], pending));
        }
    }
    co_await pending.wait();
    co_return response;
}

kafka::alter_replica_log_dirs_response answer_alter_replica_log_dirs(
    const shard_context& context, const kafka::alter_replica_log_dirs_request& request) {
    std::map<std::pair<std::string_view, std::int32_t>, std::string_view> moves;
    for (const auto& dir : request.dirs) {
        for (const auto& topic : dir.topics) {
            for (const auto partition : topic.partitions) moves[{topic.name, partition}] = dir.path;
        }
    }
    const auto here = log_dir_path(context);
    kafka::alter_replica_log_dirs_response response;
    for (const auto& [where, path] : moves) {
        const auto& [name, partition] = where;
        if (response.results.empty() || response.results.back().topic_name != name) {
            response.results.emplace_back().topic_name = std::string(name);
        }
        auto& result = response.results.back().partitions.emplace_back();
        result.partition_index = partition;
        // The future log's directory, "<topic>-<partition>.<32 hex digits>-future", must fit in
        // a file name (KAFKA-4893).
        const auto future_dir_name =
            name.size() + 1 + std::to_string(partition).size() + 1 + 32 + 7;
        const auto* topic = context.metadata.find_topic(name);
        if (future_dir_name > 255) {
            result.error_code = code(kafka_error::invalid_topic_exception);
        } else if (path != here) {
            result.error_code = code(kafka_error::log_dir_not_found);
        } else if (topic == nullptr || partition < 0 ||
                   partition >= static_cast<std::int32_t>(topic->partitions.size())) {
            result.error_code = code(kafka_error::unknown_topic_or_partition);
        }
    }
    return response;
}

}  // namespace laminar::broker
