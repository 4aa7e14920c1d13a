// The records of the cluster metadata log, after KRaft's: a broker registers, a topic and its
// partitions are created, a config is set, a partition changes leader or ISR, a topic is
// removed, a client quota is set or removed, a feature level is finalized, a leader takes an
// epoch, a broker is unregistered. Records are appended in batches (creating a topic is
// one batch: the topic, its partitions, its configs), applied in order to a metadata_image, and
// will be what the Raft quorum replicates. Encoding: our own versioned binary layout, big-endian,
// bounds-checked on decode (a batch from disk or the network is untrusted input).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace laminar::ctl {

using uuid = std::array<std::uint8_t, 16>;
inline constexpr uuid zero_uuid{};
// Kafka's topic ids are random v4 UUIDs, printed base64url without padding by its tools.
uuid random_uuid();
std::string to_base64url(const uuid& id);
// The inverse of to_base64url; nullopt for text that is not 22 base64url characters.
std::optional<uuid> from_base64url(std::string_view text);

enum class metadata_record_type : std::uint8_t {
    register_broker = 1,
    topic = 2,
    partition = 3,
    config = 4,
    partition_change = 5,
    remove_topic = 6,
    client_quota = 7,
    feature_level = 8,
    leader_change = 9,
    unregister_broker = 10,
};

// Kafka's ConfigResource types.
enum class config_resource_type : std::uint8_t { topic = 2, broker = 4 };

struct broker_endpoint {
    std::string listener;  // "PLAINTEXT"
    std::string host;
    std::uint16_t port = 0;
    friend bool operator==(const broker_endpoint&, const broker_endpoint&) = default;
};

struct register_broker_record {
    std::int32_t node_id = 0;
    uuid incarnation_id{};
    std::vector<broker_endpoint> endpoints;
    std::string rack;  // empty: none
    friend bool operator==(const register_broker_record&, const register_broker_record&) = default;
};

struct topic_record {
    std::string name;
    uuid topic_id{};
    friend bool operator==(const topic_record&, const topic_record&) = default;
};

struct partition_record {
    uuid topic_id{};
    std::int32_t partition = 0;
    std::vector<std::int32_t> replicas;
    std::vector<std::int32_t> isr;
    std::int32_t leader = -1;
    std::int32_t leader_epoch = 0;
    std::int32_t partition_epoch = 0;
    friend bool operator==(const partition_record&, const partition_record&) = default;
};

struct config_record {
    config_resource_type resource_type = config_resource_type::topic;
    std::string resource_name;  // topic name, or the broker id as text ("" = cluster default)
    std::string key;
    std::optional<std::string> value;  // nullopt: remove the key (back to its default)
    friend bool operator==(const config_record&, const config_record&) = default;
};

struct partition_change_record {
    uuid topic_id{};
    std::int32_t partition = 0;
    std::optional<std::int32_t> leader;
    std::optional<std::vector<std::int32_t>> isr;
    std::optional<std::vector<std::int32_t>> replicas;
    friend bool operator==(const partition_change_record&,
                           const partition_change_record&) = default;
};

struct remove_topic_record {
    uuid topic_id{};
    friend bool operator==(const remove_topic_record&, const remove_topic_record&) = default;
};

// A client quota entity (Kafka's ClientQuotaEntity): entity type ("user", "client-id", "ip") ->
// name, nullopt for the type's default entity; one entry per type.
using quota_entity = std::map<std::string, std::optional<std::string>>;

// Sets (or removes) one quota key of an entity (Kafka's ClientQuotaRecord).
struct client_quota_record {
    quota_entity entity;
    std::string key;
    double value = 0;  // ignored when removing
    bool remove = false;
    friend bool operator==(const client_quota_record&, const client_quota_record&) = default;
};

// Finalizes a feature at a level (Kafka's FeatureLevelRecord); level 0 removes a feature other
// than metadata.version.
struct feature_level_record {
    std::string name;
    std::int16_t level = 0;
    friend bool operator==(const feature_level_record&, const feature_level_record&) = default;
};

// A voter became the leader of the metadata log for `epoch` (Kafka's LeaderChangeMessage): the
// first record of each epoch, so the epoch survives restarts and only ever grows.
struct leader_change_record {
    std::int32_t leader_id = 0;
    std::int32_t epoch = 0;
    std::vector<std::int32_t> voters;
    friend bool operator==(const leader_change_record&, const leader_change_record&) = default;
};

// Removes a broker's registration (Kafka's UnregisterBrokerRecord).
struct unregister_broker_record {
    std::int32_t node_id = 0;
    friend bool operator==(const unregister_broker_record&,
                           const unregister_broker_record&) = default;
};

// One record; `type` says which member is meaningful. (Not a std::variant: the fuzz build's
// clang 14 cannot compile libstdc++ 12's variant.)
struct metadata_record {
    metadata_record_type type = metadata_record_type::topic;
    register_broker_record broker;
    topic_record topic;
    partition_record partition;
    config_record config;
    partition_change_record partition_change;
    remove_topic_record remove_topic;
    client_quota_record client_quota;
    feature_level_record feature_level;
    leader_change_record leader_change;
    unregister_broker_record unregister_broker;

    static metadata_record of(register_broker_record record);
    static metadata_record of(topic_record record);
    static metadata_record of(partition_record record);
    static metadata_record of(config_record record);
    static metadata_record of(partition_change_record record);
    static metadata_record of(remove_topic_record record);
    static metadata_record of(client_quota_record record);
    static metadata_record of(feature_level_record record);
    static metadata_record of(leader_change_record record);
    static metadata_record of(unregister_broker_record record);
    friend bool operator==(const metadata_record&, const metadata_record&) = default;
};

// Bounds on decoding untrusted bytes.
inline constexpr std::size_t metadata_batch_records_max = 1 << 20;
inline constexpr std::size_t metadata_string_bytes_max = 1 << 16;
inline constexpr std::size_t metadata_list_items_max = 1 << 16;

// A batch's payload (records back to back, without framing).
std::vector<std::byte> encode_records(std::span<const metadata_record> records);
result<std::vector<metadata_record>> decode_records(std::span<const std::byte> payload);

}  // namespace laminar::ctl
