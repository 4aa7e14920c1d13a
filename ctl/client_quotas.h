// Client quotas (KIP-546's APIs) as Kafka 3.7's KRaft controller and metadata image decide them:
// AlterClientQuotas checked entity by entity and turned into client quota records
// (ClientQuotaControlManager), and DescribeClientQuotas' filters matched against the image
// (ClientQuotasImage.describe), with Kafka's error codes and messages. Pure functions of the
// image, as metadata_commands.h.
//
// Entities: "user", "client-id" (either or both) or "ip" alone; a null name is the type's
// default entity. Keys: producer_byte_rate and consumer_byte_rate (whole numbers),
// request_percentage and controller_mutation_rate for users and client ids;
// connection_creation_rate (a whole number within an int) for IPs. Every value is above 0.
//
// One departure: Kafka resolves an ip entity's name with InetAddress.getByName, which also
// accepts host names (a DNS lookup on the controller). Only IPv4 and IPv6 literals are accepted
// here; a host name gets the message Kafka gives a name it cannot resolve.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ctl/metadata_commands.h"

namespace laminar::ctl {

inline constexpr std::string_view quota_entity_user = "user";
inline constexpr std::string_view quota_entity_client_id = "client-id";
inline constexpr std::string_view quota_entity_ip = "ip";

inline constexpr std::string_view quota_producer_byte_rate = "producer_byte_rate";
inline constexpr std::string_view quota_consumer_byte_rate = "consumer_byte_rate";
inline constexpr std::string_view quota_request_percentage = "request_percentage";
inline constexpr std::string_view quota_controller_mutation_rate = "controller_mutation_rate";
inline constexpr std::string_view quota_connection_creation_rate = "connection_creation_rate";

// Kafka's ClientQuotaEntity.toString: "ClientQuotaEntity(entries={client-id=c, user=u})", the
// entries in the order Java's HashMap keeps these types, a default as "null".
std::string describe_quota_entity(const quota_entity& entity);

// One entity's changes, as AlterClientQuotas carries them.
struct quota_alteration {
    // As sent: a type repeated within one entity collapses, the last name winning (Kafka).
    std::vector<std::pair<std::string, std::optional<std::string>>> entity;
    struct op {
        std::string key;
        double value = 0;
        bool remove = false;
    };
    std::vector<op> ops;
};

struct quota_alteration_outcome {
    quota_entity entity;
    std::optional<command_error> error;  // nullopt: done (or would be, validate_only)
};

struct quota_alteration_plan {
    // One per distinct entity, in the order each first appears.
    std::vector<quota_alteration_outcome> outcomes;
    // The records of every entity that passed (one batch: Kafka commits them atomically).
    std::vector<metadata_record> records;
};

// Kafka's alterClientQuotas: an entity with any invalid part changes nothing (INVALID_REQUEST
// with Kafka's message); a key repeated within an entity refuses the entity; an entity named
// twice is applied once and answered with an error. Only changes make records: setting a
// value it has, or removing a key it lacks, writes nothing.
quota_alteration_plan plan_alter_client_quotas(const metadata_image& image,
                                               std::span<const quota_alteration> alterations);

// DescribeClientQuotas' match types.
enum class quota_match : std::int8_t { exact = 0, default_entity = 1, specified = 2 };

struct quota_filter_component {
    std::string entity_type;
    std::int8_t match_type = 0;
    std::optional<std::string> match;
};

struct quota_description {
    quota_entity entity;
    std::map<std::string, double> values;
};

// The entities matching every component (a name, the default, or any entity of the type, the
// default included), and with `strict` only those with no other type. Errors: an unknown entity
// type is unsupported_version; an empty or repeated type, a match inconsistent with its match
// type, an unknown match type, or ip with user or client-id is invalid_request.
command_result<std::vector<quota_description>> describe_client_quotas(
    const metadata_image& image, std::span<const quota_filter_component> components, bool strict);

}  // namespace laminar::ctl
