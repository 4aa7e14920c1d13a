// The cluster metadata as of some offset of the metadata log: brokers, topics, partitions,
// configs, client quotas, finalized features and the log's leader and epoch. The image changes only
// by apply(), record by record in log order, so every node that applies the same log holds the same
// image (the Raft state machine). Records are validated by the controller before they are appended
// (metadata_commands.h); a record that does not fit the image here means a corrupt or divergent
// log, reported as an error rather than applied.
//
// @locality single owner (the controller shard, or a broker shard's cache); not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ctl/metadata_records.h"

namespace laminar::ctl {

struct partition_state {
    std::int32_t partition = 0;
    std::vector<std::int32_t> replicas;
    std::vector<std::int32_t> isr;
    std::int32_t leader = -1;
    std::int32_t leader_epoch = 0;
    std::int32_t partition_epoch = 0;
};

struct topic_state {
    std::string name;
    uuid topic_id{};
    std::vector<partition_state> partitions;  // index = partition id
    std::map<std::string, std::string> configs;  // explicitly set keys only
};

struct broker_state {
    std::int32_t node_id = 0;
    uuid incarnation_id{};
    std::vector<broker_endpoint> endpoints;
    std::string rack;
};

// Who leads the metadata log, in which epoch, among which voters (from the last
// leader_change_record; epoch 0 and leader -1 before the first).
struct quorum_state {
    std::int32_t leader_id = -1;
    std::int32_t epoch = 0;
    std::vector<std::int32_t> voters;
};

class metadata_image {
public:
    // Applies one record; an error leaves the image unchanged.
    result<void, std::string> apply(const metadata_record& record);
    // Applies a batch all or nothing.
    result<void, std::string> apply(std::span<const metadata_record> records);

    const topic_state* find_topic(std::string_view name) const;
    const topic_state* find_topic(const uuid& topic_id) const;
    const std::map<std::string, topic_state, std::less<>>& topics() const noexcept {
        return _topics;
    }
    const broker_state* find_broker(std::int32_t node_id) const;
    const std::map<std::int32_t, broker_state>& brokers() const noexcept { return _brokers; }
    // Broker-level configs set dynamically ("" = cluster-wide default).
    const std::map<std::string, std::string>* broker_configs(std::string_view name) const;

    // Client quotas by entity: key -> value (Kafka's ClientQuotasImage); an entity with no key
    // left is gone.
    const std::map<quota_entity, std::map<std::string, double>>& client_quotas() const noexcept {
        return _client_quotas;
    }

    // Finalized feature levels by name (Kafka's FeaturesImage): metadata.version once the log
    // is bootstrapped, and any other feature set above 0.
    const std::map<std::string, std::int16_t, std::less<>>& features() const noexcept {
        return _features;
    }
    // A feature's finalized level; 0 when it is not finalized.
    std::int16_t feature_level(std::string_view name) const;

    const quorum_state& quorum() const noexcept { return _quorum; }

    // Batches applied so far.
    std::uint64_t applied_batches() const noexcept { return _applied_batches; }
    // Records applied so far: the offset the next record of the metadata log will take (Kafka
    // counts its metadata log's offsets by record).
    std::uint64_t applied_records() const noexcept { return _applied_records; }

private:
    result<void, std::string> apply_one(const metadata_record& record);
    result<void, std::string> apply_partition(const partition_record& record);
    result<void, std::string> apply_change(const partition_change_record& record);
    result<void, std::string> apply_config(const config_record& record);
    result<void, std::string> apply_client_quota(const client_quota_record& record);
    result<void, std::string> apply_feature_level(const feature_level_record& record);
    result<void, std::string> apply_leader_change(const leader_change_record& record);
    topic_state* mutable_topic(const uuid& topic_id);

    std::map<std::string, topic_state, std::less<>> _topics;
    std::map<uuid, std::string> _topic_names;
    std::map<std::int32_t, broker_state> _brokers;
    std::map<std::string, std::map<std::string, std::string>, std::less<>> _broker_configs;
    std::map<quota_entity, std::map<std::string, double>> _client_quotas;
    std::map<std::string, std::int16_t, std::less<>> _features;
    quorum_state _quorum;
    std::uint64_t _applied_batches = 0;
    std::uint64_t _applied_records = 0;
};

}  // namespace laminar::ctl
