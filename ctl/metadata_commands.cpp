#include "ctl/metadata_commands.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace laminar::ctl {

namespace {

constexpr std::size_t topic_name_length_max = 249;

failure<command_error> refuse(command_errc code, std::string message) {
    return fail(command_error{code, std::move(message)});
}

std::vector<std::int32_t> live_broker_ids(const metadata_image& image) {
    std::vector<std::int32_t> ids;
    for (const auto& [id, broker] : image.brokers()) ids.push_back(id);
    return ids;  // sorted: std::map order
}

// Kafka's rack-unaware assignment: partition p's first replica is broker (start + p) mod n,
// the others follow with a shift, so leaders and followers spread evenly.
std::vector<std::int32_t> assign_replicas(const std::vector<std::int32_t>& brokers,
                                          std::int32_t partition, std::int16_t factor,
                                          std::uint32_t start, std::uint32_t shift) {
    const auto n = static_cast<std::uint32_t>(brokers.size());
    std::vector<std::int32_t> replicas;
    const std::uint32_t first = (start + static_cast<std::uint32_t>(partition)) % n;
    replicas.push_back(brokers[first]);
    for (std::int16_t r = 1; r < factor; ++r) {
        const std::uint32_t step = 1 + (shift + static_cast<std::uint32_t>(r) - 1) % (n - 1);
        replicas.push_back(brokers[(first + step) % n]);
    }
    return replicas;
}

command_result<void> check_assignment(const metadata_image& image,
                                      const std::vector<std::int32_t>& replicas,
                                      std::int32_t partition) {
    if (replicas.empty()) {
        return refuse(command_errc::invalid_replica_assignment,
                      fmt::format("partition {} has no replicas", partition));
    }
    std::set<std::int32_t> seen;
    for (auto id : replicas) {
        if (!seen.insert(id).second) {
            return refuse(command_errc::invalid_replica_assignment,
                          fmt::format("partition {} lists broker {} twice", partition, id));
        }
        if (image.find_broker(id) == nullptr) {
            return refuse(command_errc::invalid_replica_assignment,
                          fmt::format("partition {} names unknown broker {}", partition, id));
        }
    }
    return {};
}

metadata_record partition_of(const uuid& topic_id, std::int32_t partition,
                             std::vector<std::int32_t> replicas) {
    partition_record record;
    record.topic_id = topic_id;
    record.partition = partition;
    record.isr = replicas;
    record.leader = replicas.front();
    record.replicas = std::move(replicas);
    return metadata_record::of(std::move(record));
}

// The replicas of partitions [first, first + count), from `assignment` or round-robin.
command_result<std::vector<std::vector<std::int32_t>>> replicas_for(
    const metadata_image& image, std::int32_t first, std::int32_t count, std::int16_t factor,
    const std::map<std::int32_t, std::vector<std::int32_t>>& assignment,
    const std::function<std::uint32_t()>& random) {
    std::vector<std::vector<std::int32_t>> replicas;
    if (!assignment.empty()) {
        std::int32_t expected = first;
        for (const auto& [partition, brokers] : assignment) {
            if (partition != expected++) {
                return refuse(command_errc::invalid_replica_assignment,
                              "partitions in the assignment must be consecutive from " +
                                  std::to_string(first));
            }
            if (auto checked = check_assignment(image, brokers, partition); !checked) {
                return fail(checked.error());
            }
            if (!replicas.empty() && brokers.size() != replicas.front().size()) {
                return refuse(command_errc::invalid_replica_assignment,
                              "all partitions must have the same number of replicas");
            }
            replicas.push_back(brokers);
        }
        return replicas;
    }
    const auto brokers = live_broker_ids(image);
    if (factor > static_cast<std::int16_t>(brokers.size())) {
        return refuse(command_errc::invalid_replication_factor,
                      fmt::format("Replication factor: {} larger than available brokers: {}.",
                                  factor, brokers.size()));
    }
    const std::uint32_t start = random() % brokers.size();
    const std::uint32_t shift = brokers.size() > 1 ? random() % (brokers.size() - 1) : 0;
    for (std::int32_t p = first; p < first + count; ++p) {
        replicas.push_back(assign_replicas(brokers, p, factor, start, shift));
    }
    return replicas;
}

}  // namespace

std::optional<std::string> colliding_topic(const metadata_image& image, std::string_view name) {
    if (name.find_first_of("._") == std::string_view::npos) return std::nullopt;
    const auto unified = [](std::string_view text) {
        std::string out(text);
        std::replace(out.begin(), out.end(), '.', '_');
        return out;
    };
    const auto wanted = unified(name);
    for (const auto& [existing, topic] : image.topics()) {  // by name: the least one collides
        if (existing != name && existing.size() == name.size() && unified(existing) == wanted) {
            return existing;
        }
    }
    return std::nullopt;
}

command_result<void> validate_topic_name(std::string_view name) {
    if (name.empty()) {
        return refuse(command_errc::invalid_topic, "Topic name is illegal, it can't be empty");
    }
    if (name == "." || name == "..") {
        return refuse(command_errc::invalid_topic, "Topic name cannot be \".\" or \"..\"");
    }
    if (name.size() > topic_name_length_max) {
        return refuse(command_errc::invalid_topic,
                      fmt::format("Topic name is illegal, it can't be longer than {} characters",
                                  topic_name_length_max));
    }
    for (char c : name) {
        const bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!legal) {
            return refuse(command_errc::invalid_topic,
                          fmt::format("Topic name \"{}\" is illegal, it contains a character "
                                      "other than ASCII alphanumerics, '.', '_' and '-'",
                                      name));
        }
    }
    return {};
}

command_result<std::vector<metadata_record>> plan_create_topic(
    const metadata_image& image, const create_topic_request& request,
    const topic_defaults& defaults, const std::function<std::uint32_t()>& random) {
    if (auto valid = validate_topic_name(request.name); !valid) return fail(valid.error());
    if (image.find_topic(request.name) != nullptr) {
        return refuse(command_errc::topic_already_exists,
                      fmt::format("Topic '{}' already exists.", request.name));
    }
    if (auto colliding = colliding_topic(image, request.name)) {
        // Kafka: '.' and '_' are the same in metric names, so such names may not coexist.
        return refuse(
            command_errc::invalid_topic,
            fmt::format("Topic '{}' collides with existing topic: {}", request.name, *colliding));
    }
    if (!request.assignment.empty() &&
        (request.partitions != -1 || request.replication_factor != -1)) {
        return refuse(command_errc::invalid_request,
                      "Both numPartitions or replicationFactor and replicasAssignments were set. "
                      "Both cannot be used at the same time.");
    }
    const std::int32_t partitions = request.partitions == -1 ? defaults.partitions
                                                             : request.partitions;
    const std::int16_t factor = request.replication_factor == -1 ? defaults.replication_factor
                                                                 : request.replication_factor;
    if (request.assignment.empty() && (partitions <= 0 || partitions > defaults.partitions_max)) {
        return refuse(command_errc::invalid_partitions,
                      fmt::format("Number of partitions was set to an invalid non-positive "
                                  "value: {}.", partitions));
    }
    if (request.assignment.empty() && factor <= 0) {
        return refuse(command_errc::invalid_replication_factor,
                      fmt::format("Replication factor must be larger than 0, or -1 to use the "
                                  "default value. Got {}.", factor));
    }
    auto replicas = replicas_for(image, 0, partitions, factor, request.assignment, random);
    if (!replicas) return fail(replicas.error());

    std::vector<metadata_record> batch;
    topic_record topic{request.name, random_uuid()};
    batch.push_back(metadata_record::of(topic));
    for (std::size_t p = 0; p < replicas->size(); ++p) {
        batch.push_back(partition_of(topic.topic_id, static_cast<std::int32_t>(p),
                                     std::move((*replicas)[p])));
    }
    for (const auto& [key, value] : request.configs) {
        batch.push_back(metadata_record::of(
            config_record{config_resource_type::topic, request.name, key, value}));
    }
    return batch;
}

command_result<std::vector<metadata_record>> plan_delete_topic(const metadata_image& image,
                                                               std::string_view name) {
    const topic_state* topic = image.find_topic(name);
    if (topic == nullptr) {
        return refuse(command_errc::unknown_topic,
                      fmt::format("This server does not host this topic: {}", name));
    }
    return std::vector<metadata_record>{
        metadata_record::of(remove_topic_record{topic->topic_id})};
}

command_result<std::vector<metadata_record>> plan_create_partitions(
    const metadata_image& image, std::string_view name, std::int32_t total_partitions,
    const std::vector<std::vector<std::int32_t>>& assignment,
    const std::function<std::uint32_t()>& random, std::int32_t partitions_max) {
    const topic_state* topic = image.find_topic(name);
    if (topic == nullptr) {
        return refuse(command_errc::unknown_topic,
                      fmt::format("This server does not host this topic: {}", name));
    }
    // Without a bound, a request for 2^31 partitions stalls the shard building their records.
    if (total_partitions > partitions_max) {
        return refuse(command_errc::invalid_partitions,
                      fmt::format("Number of partitions {} is above the limit of {}.",
                                  total_partitions, partitions_max));
    }
    const auto current = static_cast<std::int32_t>(topic->partitions.size());
    if (total_partitions <= current) {
        return refuse(command_errc::invalid_partitions,
                      fmt::format("Topic currently has {} partitions, which is higher than the "
                                  "requested {}.", current, total_partitions));
    }
    const auto added = total_partitions - current;
    if (!assignment.empty() && static_cast<std::int32_t>(assignment.size()) != added) {
        return refuse(command_errc::invalid_replica_assignment,
                      fmt::format("Increasing the number of partitions by {} but {} assignments "
                                  "provided.", added, assignment.size()));
    }
    std::map<std::int32_t, std::vector<std::int32_t>> by_partition;
    for (std::size_t i = 0; i < assignment.size(); ++i) {
        by_partition[current + static_cast<std::int32_t>(i)] = assignment[i];
    }
    const auto factor = static_cast<std::int16_t>(topic->partitions.front().replicas.size());
    auto replicas = replicas_for(image, current, added, factor, by_partition, random);
    if (!replicas) return fail(replicas.error());
    std::vector<metadata_record> batch;
    for (std::int32_t i = 0; i < added; ++i) {
        batch.push_back(partition_of(topic->topic_id, current + i,
                                     std::move((*replicas)[static_cast<std::size_t>(i)])));
    }
    return batch;
}

command_result<std::vector<metadata_record>> plan_alter_topic_configs(
    const metadata_image& image, std::string_view name,
    const std::map<std::string, std::optional<std::string>>& changes) {
    if (image.find_topic(name) == nullptr) {
        return refuse(command_errc::unknown_topic,
                      fmt::format("This server does not host this topic: {}", name));
    }
    std::vector<metadata_record> batch;
    for (const auto& [key, value] : changes) {
        batch.push_back(metadata_record::of(
            config_record{config_resource_type::topic, std::string(name), key, value}));
    }
    return batch;
}

command_result<std::vector<metadata_record>> plan_unregister_broker(const metadata_image& image,
                                                                    std::int32_t node_id) {
    if (image.find_broker(node_id) == nullptr) {
        return refuse(command_errc::broker_id_not_registered,
                      fmt::format("Broker ID {} is not currently registered", node_id));
    }
    std::vector<metadata_record> batch;
    for (const auto& [name, topic] : image.topics()) {
        for (const auto& partition : topic.partitions) {
            if (std::find(partition.isr.begin(), partition.isr.end(), node_id) ==
                partition.isr.end()) {
                continue;
            }
            partition_change_record change{topic.topic_id, partition.partition, std::nullopt,
                                           std::nullopt, std::nullopt};
            if (partition.isr.size() > 1) {
                auto isr = partition.isr;
                std::erase(isr, node_id);
                change.isr = std::move(isr);
            }
            if (partition.leader == node_id) change.leader = -1;
            if (change.isr || change.leader)
                batch.push_back(metadata_record::of(std::move(change)));
        }
    }
    batch.push_back(metadata_record::of(unregister_broker_record{node_id}));
    return batch;
}

std::vector<metadata_record> plan_elect_leaderless(const metadata_image& image,
                                                   std::int32_t node_id) {
    std::vector<metadata_record> batch;
    for (const auto& [name, topic] : image.topics()) {
        for (const auto& partition : topic.partitions) {
            if (partition.leader >= 0 || std::find(partition.isr.begin(), partition.isr.end(),
                                                   node_id) == partition.isr.end()) {
                continue;
            }
            batch.push_back(metadata_record::of(partition_change_record{
                topic.topic_id, partition.partition, node_id, std::nullopt, std::nullopt}));
        }
    }
    return batch;
}

}  // namespace laminar::ctl
