// The controller's decisions: a request to change metadata is checked against the current image
// and turned into the batch of records that makes the change (or an error saying why not, with
// the Kafka error it maps to). Pure functions of (image, request, randomness): no I/O, so the
// same logic runs in the broker's --dev controller, in laminar-ctld, and in simulation.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ctl/metadata_image.h"

namespace laminar::ctl {

enum class command_errc : std::uint8_t {
    invalid_topic,               // INVALID_TOPIC_EXCEPTION
    topic_already_exists,        // TOPIC_ALREADY_EXISTS
    unknown_topic,               // UNKNOWN_TOPIC_OR_PARTITION
    unknown_topic_id,            // UNKNOWN_TOPIC_ID
    invalid_partitions,          // INVALID_PARTITIONS
    invalid_replication_factor,  // INVALID_REPLICATION_FACTOR
    invalid_replica_assignment,  // INVALID_REPLICA_ASSIGNMENT
    invalid_request,             // INVALID_REQUEST
    invalid_config,              // INVALID_CONFIG
    unsupported_version,         // UNSUPPORTED_VERSION
    invalid_update_version,      // INVALID_UPDATE_VERSION
    broker_id_not_registered,    // BROKER_ID_NOT_REGISTERED
};

struct command_error {
    command_errc code;
    std::string message;
};

template <typename T>
using command_result = result<T, command_error>;

// Kafka's rule: 1 to 249 characters of [a-zA-Z0-9._-], and not "." or "..".
command_result<void> validate_topic_name(std::string_view name);
// The existing topic whose name equals `name` with every '.' and '_' made the same (Kafka's
// Topic.hasCollision), other than `name` itself; nullopt for none.
std::optional<std::string> colliding_topic(const metadata_image& image, std::string_view name);

struct create_topic_request {
    std::string name;
    std::int32_t partitions = -1;           // -1: the default
    std::int16_t replication_factor = -1;   // -1: the default
    // Manual assignment: partition id -> replica broker ids (then both counts must be -1).
    std::map<std::int32_t, std::vector<std::int32_t>> assignment;
    std::map<std::string, std::string> configs;  // already validated by the caller
};

struct topic_defaults {
    std::int32_t partitions = 1;
    std::int16_t replication_factor = 1;
    std::int32_t partitions_max = 100000;
};

// `random` picks the first broker of the round-robin assignment (Kafka starts at a random one).
command_result<std::vector<metadata_record>> plan_create_topic(
    const metadata_image& image, const create_topic_request& request,
    const topic_defaults& defaults, const std::function<std::uint32_t()>& random);

command_result<std::vector<metadata_record>> plan_delete_topic(const metadata_image& image,
                                                               std::string_view name);

// Grows a topic to `total_partitions` (at most partitions_max, the bound topic creation has);
// `assignment` optionally gives the new partitions' replicas.
command_result<std::vector<metadata_record>> plan_create_partitions(
    const metadata_image& image, std::string_view name, std::int32_t total_partitions,
    const std::vector<std::vector<std::int32_t>>& assignment,
    const std::function<std::uint32_t()>& random,
    std::int32_t partitions_max = topic_defaults{}.partitions_max);

// Sets (value) or removes (nullopt) topic config keys, already validated by the caller.
command_result<std::vector<metadata_record>> plan_alter_topic_configs(
    const metadata_image& image, std::string_view name,
    const std::map<std::string, std::optional<std::string>>& changes);

// Kafka's ReplicationControlManager.unregisterBroker: the broker leaves every ISR (except as the
// last member, which KRaft keeps so that the partition can elect it cleanly again) and gives up
// every leadership (leader -1), then its registration is removed. broker_id_not_registered for a
// broker that is not registered.
command_result<std::vector<metadata_record>> plan_unregister_broker(const metadata_image& image,
                                                                    std::int32_t node_id);

// Makes `node_id` the leader of every partition that has none and whose ISR holds it: the clean
// election Kafka's controller runs when a broker comes back (is unfenced).
std::vector<metadata_record> plan_elect_leaderless(const metadata_image& image,
                                                   std::int32_t node_id);

}  // namespace laminar::ctl
