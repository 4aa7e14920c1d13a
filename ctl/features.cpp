#include "ctl/features.h"

#include <array>
#include <map>

#include <fmt/format.h>

namespace laminar::ctl {

namespace {

struct metadata_version_info {
    std::string_view name;
    // Whether this level changed the metadata format (Kafka's didMetadataChange): a downgrade
    // across such a level could lose metadata and is refused.
    bool metadata_changed;
};

// Levels 1-19 (index = level - 1), as Kafka 3.7's MetadataVersion.
constexpr std::array<metadata_version_info, metadata_version_latest> metadata_versions = {{
    {"3.0-IV1", true},  {"3.1-IV0", false}, {"3.2-IV0", true},  {"3.3-IV0", false},
    {"3.3-IV1", true},  {"3.3-IV2", true},  {"3.3-IV3", true},  {"3.4-IV0", true},
    {"3.5-IV0", false}, {"3.5-IV1", false}, {"3.5-IV2", true},  {"3.6-IV0", false},
    {"3.6-IV1", true},  {"3.6-IV2", true},  {"3.7-IV0", true},  {"3.7-IV1", false},
    {"3.7-IV2", true},  {"3.7-IV3", false}, {"3.7-IV4", false},
}};

bool metadata_changed_at(std::int16_t level) {
    return metadata_versions[static_cast<std::size_t>(level - 1)].metadata_changed;
}

// Kafka's MetadataVersion.checkIfMetadataChanged: walking down from the higher level, does a
// level that changed the metadata come before the lower one?
bool metadata_changed_between(std::int16_t a, std::int16_t b) {
    std::int16_t level = std::max(a, b);
    const std::int16_t low = std::min(a, b);
    while (level != low && !metadata_changed_at(level)) --level;
    return level != low;
}

// Kafka's VersionRange.toString.
std::string range_text(std::int16_t min, std::int16_t max) {
    return min == max ? fmt::format("{}", min) : fmt::format("{}-{}", min, max);
}

command_error invalid_update(std::string_view name, std::int16_t level, std::string_view why) {
    return {command_errc::invalid_update_version,
            fmt::format("Invalid update version {} for feature {}. {}", level, name, why)};
}

command_error invalid_metadata_version(std::int16_t level, std::string_view why) {
    return {command_errc::invalid_update_version,
            fmt::format("Invalid metadata.version {}. {}", level, why)};
}

// Kafka's QuorumFeatures.reasonNotSupported for this controller.
std::optional<std::string> reason_not_supported(std::string_view name, std::int16_t level,
                                                std::int32_t node_id) {
    std::int16_t min = 0;
    std::int16_t max = 0;  // not supported: Kafka's DISABLED range, 0-0
    for (const auto& feature : supported_features()) {
        if (feature.name == name) {
            min = feature.min_level;
            max = feature.max_level;
        }
    }
    if (level >= min && level <= max) return std::nullopt;
    if (max == 0) return fmt::format("Local controller {} does not support this feature.", node_id);
    return fmt::format("Local controller {} only supports versions {}", node_id,
                       range_text(min, max));
}

std::optional<command_error> check_update(const metadata_image& image, const feature_update& update,
                                          std::int32_t node_id) {
    const auto& name = update.name;
    const auto level = update.level;
    if (update.type == feature_upgrade::unknown) {
        return invalid_update(name, level,
                              "The controller does not support the given upgrade type.");
    }
    const std::int16_t current = image.feature_level(name);
    if (level < 0) return invalid_update(name, level, "A feature version cannot be less than 0.");
    if (auto reason = reason_not_supported(name, level, node_id)) {
        return invalid_update(name, level, *reason);
    }
    if (level < current && update.type == feature_upgrade::upgrade) {
        return invalid_update(name, level,
                              "Can't downgrade the version of this feature without setting the "
                              "upgrade type to either safe or unsafe downgrade.");
    }
    if (level > current && update.type != feature_upgrade::upgrade) {
        return invalid_update(name, level, "Can't downgrade to a newer version.");
    }
    if (name != metadata_version_feature) return std::nullopt;
    if (level < metadata_version_bootstrap_min) {
        return invalid_metadata_version(
            level, fmt::format("Unable to set a metadata.version less than {}",
                               metadata_version_name(metadata_version_bootstrap_min)));
    }
    if (level < current && metadata_changed_between(current, level)) {
        if (update.type == feature_upgrade::unsafe_downgrade) {
            return invalid_metadata_version(
                level, "Unsafe metadata downgrade is not supported in this version.");
        }
        return invalid_metadata_version(level,
                                        "Refusing to perform the requested downgrade because it "
                                        "might delete metadata information.");
    }
    return std::nullopt;
}

}  // namespace

std::vector<supported_feature> supported_features() {
    return {{metadata_version_feature, metadata_version_min, metadata_version_latest}};
}

std::string_view metadata_version_name(std::int16_t level) {
    if (level < 1 || level > metadata_version_latest) return {};
    return metadata_versions[static_cast<std::size_t>(level - 1)].name;
}

feature_upgrade feature_upgrade_of(std::int8_t code) {
    switch (code) {
        case 1: return feature_upgrade::upgrade;
        case 2: return feature_upgrade::safe_downgrade;
        case 3: return feature_upgrade::unsafe_downgrade;
        default: return feature_upgrade::unknown;
    }
}

feature_update_plan plan_update_features(const metadata_image& image,
                                         const std::vector<feature_update>& updates,
                                         std::int32_t node_id) {
    std::map<std::string_view, const feature_update*> latest;  // the last update of each name
    for (const auto& update : updates) latest[update.name] = &update;
    feature_update_plan plan;
    for (const auto& [name, update] : latest) {
        auto error = check_update(image, *update, node_id);
        if (!error) {
            plan.records.push_back(
                metadata_record::of(feature_level_record{update->name, update->level}));
        }
        plan.outcomes.push_back({update->name, std::move(error)});
    }
    return plan;
}

}  // namespace laminar::ctl
