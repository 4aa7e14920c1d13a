#include "ctl/metadata_image.h"

#include <fmt/format.h>

namespace laminar::ctl {

const topic_state* metadata_image::find_topic(std::string_view name) const {
    auto found = _topics.find(name);
    return found == _topics.end() ? nullptr : &found->second;
}

const topic_state* metadata_image::find_topic(const uuid& topic_id) const {
    auto name = _topic_names.find(topic_id);
    return name == _topic_names.end() ? nullptr : find_topic(name->second);
}

topic_state* metadata_image::mutable_topic(const uuid& topic_id) {
    auto name = _topic_names.find(topic_id);
    if (name == _topic_names.end()) return nullptr;
    return &_topics.find(name->second)->second;
}

const broker_state* metadata_image::find_broker(std::int32_t node_id) const {
    auto found = _brokers.find(node_id);
    return found == _brokers.end() ? nullptr : &found->second;
}

const std::map<std::string, std::string>* metadata_image::broker_configs(
    std::string_view name) const {
    auto found = _broker_configs.find(name);
    return found == _broker_configs.end() ? nullptr : &found->second;
}

result<void, std::string> metadata_image::apply_partition(const partition_record& record) {
    topic_state* topic = mutable_topic(record.topic_id);
    if (topic == nullptr) return fail(std::string("partition record for an unknown topic id"));
    if (record.partition != static_cast<std::int32_t>(topic->partitions.size())) {
        return fail(fmt::format("partition {} of {} is not the next one ({})", record.partition,
                                topic->name, topic->partitions.size()));
    }
    topic->partitions.push_back({record.partition, record.replicas, record.isr, record.leader,
                                 record.leader_epoch, record.partition_epoch});
    return {};
}

result<void, std::string> metadata_image::apply_change(const partition_change_record& record) {
    topic_state* topic = mutable_topic(record.topic_id);
    if (topic == nullptr) return fail(std::string("partition change for an unknown topic id"));
    if (record.partition < 0 ||
        record.partition >= static_cast<std::int32_t>(topic->partitions.size())) {
        return fail(fmt::format("partition change for unknown partition {}-{}", topic->name,
                                record.partition));
    }
    auto& partition = topic->partitions[static_cast<std::size_t>(record.partition)];
    // Kafka's rule: a new leader bumps the leader epoch; every change bumps the partition epoch.
    if (record.leader && *record.leader != partition.leader) {
        partition.leader = *record.leader;
        ++partition.leader_epoch;
    }
    if (record.isr) partition.isr = *record.isr;
    if (record.replicas) partition.replicas = *record.replicas;
    ++partition.partition_epoch;
    return {};
}

result<void, std::string> metadata_image::apply_config(const config_record& record) {
    if (record.resource_type == config_resource_type::topic) {
        auto topic = _topics.find(record.resource_name);
        if (topic == _topics.end()) return fail("config for unknown topic " + record.resource_name);
        if (record.value) topic->second.configs[record.key] = *record.value;
        else topic->second.configs.erase(record.key);
        return {};
    }
    auto& configs = _broker_configs[record.resource_name];
    if (record.value) configs[record.key] = *record.value;
    else configs.erase(record.key);
    return {};
}

result<void, std::string> metadata_image::apply_client_quota(const client_quota_record& record) {
    if (record.entity.empty()) return fail(std::string("client quota record without an entity"));
    if (record.remove) {
        auto found = _client_quotas.find(record.entity);
        if (found == _client_quotas.end()) return {};
        found->second.erase(record.key);
        if (found->second.empty()) _client_quotas.erase(found);
        return {};
    }
    _client_quotas[record.entity][record.key] = record.value;
    return {};
}

std::int16_t metadata_image::feature_level(std::string_view name) const {
    auto found = _features.find(name);
    return found == _features.end() ? std::int16_t{0} : found->second;
}

result<void, std::string> metadata_image::apply_feature_level(const feature_level_record& record) {
    if (record.level < 0 || (record.name == "metadata.version" && record.level == 0)) {
        return fail(fmt::format("feature {} at level {}", record.name, record.level));
    }
    if (record.level == 0)
        _features.erase(record.name);
    else
        _features[record.name] = record.level;
    return {};
}

result<void, std::string> metadata_image::apply_leader_change(const leader_change_record& record) {
    if (record.epoch <= _quorum.epoch) {
        return fail(fmt::format("leader epoch {} after epoch {}", record.epoch, _quorum.epoch));
    }
    _quorum = quorum_state{record.leader_id, record.epoch, record.voters};
    return {};
}

result<void, std::string> metadata_image::apply(const metadata_record& record) {
    auto applied = apply_one(record);
    if (applied) ++_applied_records;
    return applied;
}

result<void, std::string> metadata_image::apply_one(const metadata_record& record) {
    switch (record.type) {
    case metadata_record_type::register_broker: {
        const auto& r = record.broker;
        _brokers[r.node_id] = broker_state{r.node_id, r.incarnation_id, r.endpoints, r.rack};
        return {};
    }
    case metadata_record_type::topic: {
        if (_topics.contains(record.topic.name)) {
            return fail("topic " + record.topic.name + " already exists");
        }
        if (_topic_names.contains(record.topic.topic_id)) {
            return fail(std::string("topic id already in use"));
        }
        _topics[record.topic.name] = topic_state{record.topic.name, record.topic.topic_id, {}, {}};
        _topic_names[record.topic.topic_id] = record.topic.name;
        return {};
    }
    case metadata_record_type::partition:
        return apply_partition(record.partition);
    case metadata_record_type::config:
        return apply_config(record.config);
    case metadata_record_type::partition_change:
        return apply_change(record.partition_change);
    case metadata_record_type::client_quota: return apply_client_quota(record.client_quota);
    case metadata_record_type::feature_level: return apply_feature_level(record.feature_level);
    case metadata_record_type::leader_change: return apply_leader_change(record.leader_change);
    case metadata_record_type::unregister_broker:
        if (_brokers.erase(record.unregister_broker.node_id) == 0) {
            return fail(fmt::format("unregistration of unknown broker {}",
                                    record.unregister_broker.node_id));
        }
        return {};
    case metadata_record_type::remove_topic: {
        auto name = _topic_names.find(record.remove_topic.topic_id);
        if (name == _topic_names.end()) return fail(std::string("removal of an unknown topic id"));
        _topics.erase(name->second);
        _topic_names.erase(name);
        return {};
    }
    }
    return fail(std::string("unknown record type"));
}

result<void, std::string> metadata_image::apply(std::span<const metadata_record> records) {
    // All or nothing: apply to a copy. Metadata batches are rare and small next to data.
    metadata_image next = *this;
    for (const auto& record : records) {
        if (auto applied = next.apply(record); !applied) return applied;
    }
    next._applied_batches = _applied_batches + 1;
    *this = std::move(next);
    return {};
}

}  // namespace laminar::ctl
