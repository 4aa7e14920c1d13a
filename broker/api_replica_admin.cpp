#include "broker/api_replica_admin.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "broker/kafka_errors.h"
#include "broker/partition_access.h"
#include "core/wait_group.h"
#include "ctl/metadata_commands.h"

namespace laminar::broker {

namespace {

constexpr std::int8_t election_preferred = 0;
constexpr std::int8_t election_unclean = 1;

const ctl::partition_state* find_partition(const ctl::topic_state& topic, std::int32_t index) {
    if (index < 0 || index >= static_cast<std::int32_t>(topic.partitions.size())) return nullptr;
    return &topic.partitions[static_cast<std::size_t>(index)];
}

struct api_error {
    kafka_error error = kafka_error::none;
    std::optional<std::string> message;
};

api_error elect_one(const ctl::metadata_image& image, const std::string& topic_name,
                    std::int32_t index, std::int8_t election_type) {
    const auto* topic = image.find_topic(topic_name);
    if (topic == nullptr) {
        return {kafka_error::unknown_topic_or_partition, "No such topic as " + topic_name};
    }
    const auto* partition = find_partition(*topic, index);
    if (partition == nullptr) {
        return {kafka_error::unknown_topic_or_partition,
                fmt::format("No such partition as {}-{}", topic_name, index)};
    }
    const bool has_leader = partition->leader != -1;
    const bool has_preferred_leader =
        has_leader && !partition->replicas.empty() && partition->leader == partition->replicas[0];
    if ((election_type == election_preferred && has_preferred_leader) ||
        (election_type == election_unclean && has_leader)) {
        return {kafka_error::election_not_needed,
                "Leader election not needed for topic partition."};
    }
    if (election_type == election_preferred) {
        return {kafka_error::preferred_leader_not_available,
                "The preferred leader was not available."};
    }
    return {kafka_error::eligible_leaders_not_available,
            "Eligible topic partition leaders are not available."};
}

// Kafka's check of a manual assignment: not empty, then by ascending id every broker registered
// and none twice.
std::optional<std::string> assignment_error(const ctl::metadata_image& image,
                                            std::vector<std::int32_t> replicas) {
    if (replicas.empty()) return "The manual partition assignment includes an empty replica list.";
    std::sort(replicas.begin(), replicas.end());
    for (std::size_t i = 0; i < replicas.size(); ++i) {
        if (image.find_broker(replicas[i]) == nullptr) {
            return fmt::format(
                "The manual partition assignment includes broker {}, but no such broker is "
                "registered.",
                replicas[i]);
        }
        if (i > 0 && replicas[i] == replicas[i - 1]) {
            return fmt::format(
                "The manual partition assignment includes the broker {} more than once.",
                replicas[i]);
        }
    }
    return std::nullopt;
}

// Bytes of an answer with an entry per named partition, each with a message that may name its
// topic (at most): the bound answer_bytes_max is checked against.
constexpr std::size_t entry_bytes = 96;
template <typename Topics, typename NameOf, typename CountOf>
std::size_t answer_bytes_estimate(const Topics& topics, NameOf name_of, CountOf count_of) {
    std::size_t bytes = 0;
    for (const auto& topic : topics) {
        bytes += count_of(topic) * (name_of(topic).size() + entry_bytes);
    }
    return bytes;
}

}  // namespace

std::optional<kafka::elect_leaders_response> answer_elect_leaders(
    const ctl::metadata_image& image, std::int16_t version,
    const kafka::elect_leaders_request& request) {
    if (request.topic_partitions &&
        answer_bytes_estimate(
            *request.topic_partitions, [](const auto& t) -> const std::string& { return t.topic; },
            [](const auto& t) { return t.partitions.size(); }) > answer_bytes_max) {
        return std::nullopt;
    }
    kafka::elect_leaders_response response;
    const std::int8_t type = version >= 1 ? request.election_type : election_preferred;
    if (type != election_preferred && type != election_unclean) {
        const std::string message = fmt::format("Unknown election type {}", type);
        response.error_code = code(kafka_error::invalid_request);
        for (const auto& topic :
             request.topic_partitions.value_or(std::vector<kafka::elect_leaders_topic>{})) {
            auto& result = response.replica_election_results.emplace_back();
            result.topic = topic.topic;
            for (std::int32_t index : topic.partitions) {
                result.partition_result.push_back(
                    {index, code(kafka_error::invalid_request), message});
            }
        }
        return response;
    }
    if (!request.topic_partitions) {
        // Every partition: topics are listed, partitions only where an election was needed.
        for (const auto& [name, topic] : image.topics()) {
            auto& result = response.replica_election_results.emplace_back();
            result.topic = name;
            for (const auto& partition : topic.partitions) {
                auto outcome = elect_one(image, name, partition.partition, type);
                if (outcome.error == kafka_error::election_not_needed) continue;
                result.partition_result.push_back(
                    {partition.partition, code(outcome.error), std::move(outcome.message)});
            }
        }
        return response;
    }
    for (const auto& topic : *request.topic_partitions) {
        auto& result = response.replica_election_results.emplace_back();
        result.topic = topic.topic;
        for (std::int32_t index : topic.partitions) {
            auto outcome = elect_one(image, topic.topic, index, type);
            result.partition_result.push_back(
                {index, code(outcome.error), std::move(outcome.message)});
        }
    }
    return response;
}

std::optional<kafka::alter_partition_reassignments_response> answer_alter_partition_reassignments(
    const ctl::metadata_image& image, const kafka::alter_partition_reassignments_request& request) {
    if (answer_bytes_estimate(
            request.topics, [](const auto& t) -> const std::string& { return t.name; },
            [](const auto& t) { return t.partitions.size(); }) > answer_bytes_max) {
        return std::nullopt;
    }
    kafka::alter_partition_reassignments_response response;
    for (const auto& topic : request.topics) {
        auto& answer = response.responses.emplace_back();
        answer.name = topic.name;
        const auto* state = image.find_topic(topic.name);
        for (const auto& wanted : topic.partitions) {
            auto& result = answer.partitions.emplace_back();
            result.partition_index = wanted.partition_index;
            if (state == nullptr) {
                result.error_code = code(kafka_error::unknown_topic_or_partition);
                result.error_message = "Unable to find a topic named " + topic.name + ".";
                continue;
            }
            const auto* partition = find_partition(*state, wanted.partition_index);
            if (partition == nullptr) {
                result.error_code = code(kafka_error::unknown_topic_or_partition);
                result.error_message = fmt::format("Unable to find partition {}:{}.", topic.name,
                                                   wanted.partition_index);
                continue;
            }
            if (!wanted.replicas) {
                result.error_code = code(kafka_error::no_reassignment_in_progress);
                continue;
            }
            if (auto invalid = assignment_error(image, *wanted.replicas)) {
                result.error_code = code(kafka_error::invalid_replica_assignment);
                result.error_message = std::move(invalid);
                continue;
            }
            // A valid target names only registered brokers, each once: on one broker, the
            // partition's current replica set, so there is nothing to move. Any other target
            // would need replication, which Laminar does not have yet.
            if (*wanted.replicas != partition->replicas) {
                result.error_code = code(kafka_error::invalid_replica_assignment);
                result.error_message =
                    "Laminar cannot move replicas between brokers (no replication yet).";
            }
        }
    }
    return response;
}

kafka::list_partition_reassignments_response answer_list_partition_reassignments(
    const kafka::list_partition_reassignments_request&) {
    return {};
}

namespace {

struct producers_outcome {
    kafka_error error = kafka_error::none;
    std::vector<producer_summary> producers;
    explicit producers_outcome(kafka_error failed = kafka_error::none) : error(failed) {}
};

// Takes the topic's name by value: the shard's metadata image may be replaced meanwhile, and the
// work runs on the partition's owner shard.
task<void> describe_one(const ctl::uuid topic_id, std::string topic_name,
                        kafka::describe_producers_partition& answer, wait_group& pending) {
    const std::int32_t index = answer.partition_index;
    auto list = [topic_name, index](storage::partition_log&) -> task<producers_outcome> {
        producers_outcome outcome;
        const auto* table = shard_context::current().partitions->producers(topic_name, index);
        if (table != nullptr) outcome.producers = table->active_producers();
        co_return outcome;
    };
    auto outcome = co_await on_partition<producers_outcome>(topic_id, topic_name, index, list);
    answer.error_code = code(outcome.error);
    for (const auto& producer : outcome.producers) {
        auto& state = answer.active_producers.emplace_back();
        state.producer_id = producer.producer_id;
        state.producer_epoch = producer.epoch;
        state.last_sequence = producer.last_sequence;
        state.last_timestamp = producer.last_timestamp;
        state.coordinator_epoch = producer.coordinator_epoch;
        state.current_txn_start_offset = producer.current_txn_start_offset;
    }
    pending.done();
}

}  // namespace

task<std::optional<kafka::describe_producers_response>> handle_describe_producers(
    const kafka::describe_producers_request& request) {
    std::size_t bytes = answer_bytes_estimate(
        request.topics, [](const auto& t) -> const std::string& { return t.name; },
        [](const auto& t) { return t.partition_indexes.size(); });
    if (bytes > answer_bytes_max) co_return std::nullopt;
    kafka::describe_producers_response response;
    const auto& image = shard_context::current().metadata;
    wait_group pending;
    // Where a partition named again in the same topic was first named: it is read once.
    std::vector<std::map<std::int32_t, std::size_t>> first_named(request.topics.size());
    response.topics.resize(request.topics.size());
    for (std::size_t t = 0; t < request.topics.size(); ++t) {
        const auto& wanted = request.topics[t];
        auto& answer = response.topics[t];
        answer.name = wanted.name;
        answer.partitions.resize(wanted.partition_indexes.size());
        auto valid = ctl::validate_topic_name(wanted.name);
        const auto* topic = valid ? image.find_topic(wanted.name) : nullptr;
        for (std::size_t p = 0; p < wanted.partition_indexes.size(); ++p) {
            auto& partition = answer.partitions[p];
            partition.partition_index = wanted.partition_indexes[p];
            if (!valid) {
                partition.error_code = code(kafka_error::invalid_topic_exception);
                partition.error_message = valid.error().message;
            } else if (topic == nullptr) {
                partition.error_code = code(kafka_error::unknown_topic_or_partition);
                partition.error_message = "This server does not host this topic-partition.";
            } else if (find_partition(*topic, partition.partition_index) == nullptr) {
                partition.error_code = code(kafka_error::unknown_topic_or_partition);
            } else if (first_named[t].emplace(partition.partition_index, p).second) {
                pending.add();
                reactor::current().spawn(
                    describe_one(topic->topic_id, topic->name, partition, pending));
            }
        }
    }
    co_await pending.wait();
    for (std::size_t t = 0; t < request.topics.size(); ++t) {
        auto& partitions = response.topics[t].partitions;
        for (std::size_t p = 0; p < partitions.size(); ++p) {
            bytes += partitions[p].active_producers.size() * sizeof(kafka::producer_state);
            if (bytes > answer_bytes_max) co_return std::nullopt;
            auto first = first_named[t].find(partitions[p].partition_index);
            if (first != first_named[t].end() && first->second != p) {
                partitions[p] = partitions[first->second];
                bytes += partitions[p].active_producers.size() * sizeof(kafka::producer_state);
            }
        }
    }
    co_return response;
}

}  // namespace laminar::broker
