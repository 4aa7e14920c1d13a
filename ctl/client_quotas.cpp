#include "ctl/client_quotas.h"

#include <arpa/inet.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

namespace laminar::ctl {

namespace {

bool is_entity_type(std::string_view type) noexcept {
    return type == quota_entity_user || type == quota_entity_client_id || type == quota_entity_ip;
}

// Where Java's HashMap (16 buckets) keeps the three types: ip, client-id, user.
int java_order(std::string_view type) noexcept {
    if (type == quota_entity_ip) return 0;
    if (type == quota_entity_client_id) return 1;
    if (type == quota_entity_user) return 2;
    return 3;
}

std::vector<std::pair<std::string, std::optional<std::string>>> in_java_order(
    const quota_entity& entity) {
    std::vector<std::pair<std::string, std::optional<std::string>>> entries(entity.begin(),
                                                                            entity.end());
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return java_order(a.first) < java_order(b.first);
    });
    return entries;
}

command_error invalid(std::string message) {
    return {command_errc::invalid_request, std::move(message)};
}

enum class quota_value_type : std::uint8_t { long_value, int_value, double_value };

// The keys an entity may set (Kafka's QuotaConfigs), nullopt for any other.
std::optional<quota_value_type> key_type(std::string_view key, bool ip) noexcept {
    if (ip) {
        if (key == quota_connection_creation_rate) return quota_value_type::int_value;
        return std::nullopt;
    }
    if (key == quota_producer_byte_rate || key == quota_consumer_byte_rate) {
        return quota_value_type::long_value;
    }
    if (key == quota_request_percentage || key == quota_controller_mutation_rate) {
        return quota_value_type::double_value;
    }
    return std::nullopt;
}

// Kafka's validateQuotaKeyValue. NaN is refused here (Kafka's comparisons all pass it).
std::optional<command_error> check_value(const std::string& key, double value, bool ip) {
    const auto type = key_type(key, ip);
    if (!type) return invalid("Invalid configuration key " + key);
    if (std::isnan(value) || value <= 0.0) {
        return invalid("Quota " + key + " must be greater than 0");
    }
    if (*type == quota_value_type::double_value) return std::nullopt;
    if (*type == quota_value_type::long_value &&
        value > static_cast<double>(std::numeric_limits<std::int64_t>::max())) {
        return invalid("Proposed value for " + key + " is too large for a LONG.");
    }
    if (*type == quota_value_type::int_value &&
        value > static_cast<double>(std::numeric_limits<std::int32_t>::max())) {
        return invalid("Proposed value for " + key + " is too large for an INT.");
    }
    if (std::abs(std::fmod(value, 1.0)) > 1e-6) {
        return invalid(key + " cannot be a fractional value.");
    }
    return std::nullopt;
}

bool is_ip_literal(const std::string& name) {
    unsigned char address[16];
    return ::inet_pton(AF_INET, name.c_str(), address) == 1 ||
           ::inet_pton(AF_INET6, name.c_str(), address) == 1;
}

// Kafka's validateEntity and configKeysForEntityType.
std::optional<command_error> check_entity(const quota_entity& entity) {
    if (entity.empty()) return invalid("Invalid empty client quota entity");
    for (const auto& [type, name] : in_java_order(entity)) {
        if (!is_entity_type(type)) return invalid("Unhandled client quota entity type: " + type);
        if (name && name->empty()) return invalid("Empty " + type + " not supported");
    }
    const auto ip = entity.find(std::string(quota_entity_ip));
    if (ip != entity.end()) {
        if (entity.size() > 1) {
            // Kafka's message, the missing space included.
            return invalid(
                "Invalid quota entity combination, IP entity shouldnot be combined "
                "with User or ClientId");
        }
        if (ip->second && !is_ip_literal(*ip->second)) {
            return invalid(*ip->second + " is not a valid IP or resolvable host.");
        }
    }
    return std::nullopt;
}

// The records that make `changes` to `entity`, or the first reason it cannot change.
std::optional<command_error> plan_entity(
    const metadata_image& image, const quota_entity& entity,
    const std::vector<std::pair<std::string, std::optional<double>>>& changes,
    std::vector<metadata_record>& out) {
    if (auto refused = check_entity(entity)) return refused;
    const bool ip = entity.contains(std::string(quota_entity_ip));
    const auto existing = image.client_quotas().find(entity);
    auto current = [&](const std::string& key) -> std::optional<double> {
        if (existing == image.client_quotas().end()) return std::nullopt;
        auto found = existing->second.find(key);
        if (found == existing->second.end()) return std::nullopt;
        return found->second;
    };
    std::vector<metadata_record> records;
    for (const auto& [key, value] : changes) {
        const auto now = current(key);
        if (!value) {
            if (now)
                records.push_back(metadata_record::of(client_quota_record{entity, key, 0, true}));
            continue;
        }
        if (auto refused = check_value(key, *value, ip)) return refused;
        if (!now || std::bit_cast<std::uint64_t>(*now) != std::bit_cast<std::uint64_t>(*value)) {
            records.push_back(metadata_record::of(client_quota_record{entity, key, *value, false}));
        }
    }
    out.insert(out.end(), std::make_move_iterator(records.begin()),
               std::make_move_iterator(records.end()));
    return std::nullopt;
}

}  // namespace

std::string describe_quota_entity(const quota_entity& entity) {
    std::string entries;
    for (const auto& [type, name] : in_java_order(entity)) {
        if (!entries.empty()) entries += ", ";
        entries += type + "=" + name.value_or("null");
    }
    return "ClientQuotaEntity(entries={" + entries + "})";
}

quota_alteration_plan plan_alter_client_quotas(const metadata_image& image,
                                               std::span<const quota_alteration> alterations) {
    quota_alteration_plan plan;
    std::map<quota_entity, std::size_t> seen;
    for (const auto& alteration : alterations) {
        quota_entity entity;
        for (const auto& [type, name] : alteration.entity) entity[type] = name;
        std::vector<std::pair<std::string, std::optional<double>>> changes;
        std::set<std::string> keys;
        bool repeated_key = false;
        for (const auto& op : alteration.ops) {
            if (!keys.insert(op.key).second) {
                repeated_key = true;
                continue;
            }
            changes.emplace_back(op.key, op.remove ? std::nullopt : std::optional(op.value));
        }
        auto [at, first] = seen.try_emplace(entity, plan.outcomes.size());
        if (first) plan.outcomes.push_back({entity, std::nullopt});
        auto& outcome = plan.outcomes[at->second];
        // Kafka records the repeated key's error, then finds the entity answered already and
        // answers it as a repeated entity; a repeated entity keeps its first alteration.
        if (!first || repeated_key) {
            outcome.error = invalid("Ignoring duplicate entity " + describe_quota_entity(entity));
            continue;
        }
        outcome.error = plan_entity(image, entity, changes, plan.records);
    }
    return plan;
}

command_result<std::vector<quota_description>> describe_client_quotas(
    const metadata_image& image, std::span<const quota_filter_component> components, bool strict) {
    quota_entity exact;
    std::set<std::string> specified;
    for (const auto& component : components) {
        const auto& type = component.entity_type;
        if (type.empty()) return fail(invalid("Invalid empty entity type."));
        if (exact.contains(type) || specified.contains(type)) {
            return fail(
                invalid("Entity type " + type + " cannot appear more than once in the filter."));
        }
        if (!is_entity_type(type)) {
            return fail(command_error{command_errc::unsupported_version,
                                      "Unsupported entity type " + type});
        }
        switch (static_cast<quota_match>(component.match_type)) {
            case quota_match::exact:
                if (!component.match) {
                    return fail(invalid(
                        "Request specified MATCH_TYPE_EXACT, but set match string to null."));
                }
                exact[type] = component.match;
                break;
            case quota_match::default_entity:
                if (component.match) {
                    return fail(
                        invalid("Request specified MATCH_TYPE_DEFAULT, but also specified a match "
                                "string."));
                }
                exact[type] = std::nullopt;
                break;
            case quota_match::specified:
                if (component.match) {
                    return fail(
                        invalid("Request specified MATCH_TYPE_SPECIFIED, but also specified a "
                                "match string."));
                }
                specified.insert(type);
                break;
            default:
                return fail(invalid(fmt::format("Unknown match type {}", component.match_type)));
        }
    }
    auto filtered = [&](std::string_view type) {
        const std::string key(type);
        return exact.contains(key) || specified.contains(key);
    };
    if (filtered(quota_entity_ip) &&
        (filtered(quota_entity_user) || filtered(quota_entity_client_id))) {
        return fail(
            invalid("Invalid entity filter component combination. IP filter component "
                    "should not be used with user or clientId filter component."));
    }
    std::vector<quota_description> found;
    for (const auto& [entity, values] : image.client_quotas()) {
        if (strict && entity.size() != exact.size() + specified.size()) continue;
        const bool matches =
            std::all_of(exact.begin(), exact.end(),
                        [&](const auto& wanted) {
                            auto has = entity.find(wanted.first);
                            return has != entity.end() && has->second == wanted.second;
                        }) &&
            std::all_of(specified.begin(), specified.end(),
                        [&](const std::string& type) { return entity.contains(type); });
        if (matches) found.push_back({entity, values});
    }
    return found;
}

}  // namespace laminar::ctl
