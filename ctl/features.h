// Feature levels (KIP-584/KIP-778): what this software supports, and the controller's decision
// on an UpdateFeatures request, after Kafka 3.7's FeatureControlManager. Laminar supports one
// feature, metadata.version, at the levels Kafka 3.7 calls 3.0-IV1 (1) to 3.7-IV4 (19), and
// bootstraps a new metadata log at 19, Kafka 3.7's latest production level.
//
// What metadata.version changes here: what ApiVersions and DescribeFeatures report. Laminar's
// metadata records have one layout at every level, so no behaviour depends on it yet.
//
// Pure functions of (image, request); no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctl/metadata_commands.h"

namespace laminar::ctl {

inline constexpr std::string_view metadata_version_feature = "metadata.version";
inline constexpr std::int16_t metadata_version_min = 1;      // 3.0-IV1, Kafka's first KRaft level
inline constexpr std::int16_t metadata_version_latest = 19;  // 3.7-IV4
// The lowest level a cluster can be set to: 3.3-IV0, the first with feature level records.
inline constexpr std::int16_t metadata_version_bootstrap_min = 4;

struct supported_feature {
    std::string_view name;
    std::int16_t min_level;
    std::int16_t max_level;
};
// What this software supports (ApiVersions' SupportedFeatures).
std::vector<supported_feature> supported_features();

// Kafka's name of a metadata.version level ("3.7-IV4"); empty for a level Kafka 3.7 does not
// define.
std::string_view metadata_version_name(std::int16_t level);

// Kafka's FeatureUpdate.UpgradeType; other codes are unknown.
enum class feature_upgrade : std::int8_t {
    unknown = 0,
    upgrade = 1,
    safe_downgrade = 2,
    unsafe_downgrade = 3,
};
feature_upgrade feature_upgrade_of(std::int8_t code);

struct feature_update {
    std::string name;
    std::int16_t level = 0;
    feature_upgrade type = feature_upgrade::upgrade;
};

struct feature_update_outcome {
    std::string name;
    std::optional<command_error> error;  // invalid_update_version, with Kafka's message
};

struct feature_update_plan {
    std::vector<metadata_record> records;          // for the updates that passed
    std::vector<feature_update_outcome> outcomes;  // one per feature name, in name order
};

// Checks each update as Kafka 3.7's controller does (a later update of the same name replaces an
// earlier one): the upgrade type, a level below 0, what this controller (`node_id`) supports,
// the direction against the finalized level, and for metadata.version the bootstrap minimum and
// whether a downgrade would lose metadata. Every update that passes gets its record.
feature_update_plan plan_update_features(const metadata_image& image,
                                         const std::vector<feature_update>& updates,
                                         std::int32_t node_id);

}  // namespace laminar::ctl
