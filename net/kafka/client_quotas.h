// Client quota APIs (KIP-546): DescribeClientQuotas (key 48, v0-1, flexible from 1) and
// AlterClientQuotas (49, v0-1, flexible from 1).
#pragma once

#include <bit>

#include "net/kafka/schema.h"

namespace laminar::kafka {

// DescribeClientQuotas

struct quota_filter_component {
    std::string entity_type;
    std::int8_t match_type = 0;  // 0 exact name, 1 default name, 2 any specified name
    std::optional<std::string> match;
    bool operator==(const quota_filter_component&) const = default;
};
template <typename V>
void visit(V& v, quota_filter_component& m) {
    v.field(m.entity_type, {});
    v.field(m.match_type, {});
    v.field(m.match, {.nullable_min = 0});
}

struct describe_client_quotas_request {
    static constexpr api_key key = api_key::describe_client_quotas;
    std::vector<quota_filter_component> components;
    bool strict = false;
    bool operator==(const describe_client_quotas_request&) const = default;
};
template <typename V>
void visit(V& v, describe_client_quotas_request& m) {
    v.field(m.components, {});
    v.field(m.strict, {});
}

struct quota_entity_part {
    std::string entity_type;
    std::optional<std::string> entity_name;  // null: the default entity
    bool operator==(const quota_entity_part&) const = default;
};
template <typename V>
void visit(V& v, quota_entity_part& m) {
    v.field(m.entity_type, {});
    v.field(m.entity_name, {.nullable_min = 0});
}

// The float64 fields compare by their bits, so that a NaN decoded off the wire equals itself
// (the fuzz target checks decode(encode(decode(x))) == decode(x)).
inline bool same_float64(double a, double b) noexcept {
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

struct quota_value {
    std::string key;
    double value = 0;
    bool operator==(const quota_value& other) const {
        return key == other.key && same_float64(value, other.value);
    }
};
template <typename V>
void visit(V& v, quota_value& m) {
    v.field(m.key, {});
    v.field(m.value, {});
}

struct quota_entry {
    std::vector<quota_entity_part> entity;
    std::vector<quota_value> values;
    bool operator==(const quota_entry&) const = default;
};
template <typename V>
void visit(V& v, quota_entry& m) {
    v.field(m.entity, {});
    v.field(m.values, {});
}

struct describe_client_quotas_response {
    static constexpr api_key key = api_key::describe_client_quotas;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::optional<std::vector<quota_entry>> entries = std::vector<quota_entry>{};
    bool operator==(const describe_client_quotas_response&) const = default;
};
template <typename V>
void visit(V& v, describe_client_quotas_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.entries, {.nullable_min = 0});
}

// AlterClientQuotas

struct quota_op {
    std::string key;
    double value = 0;  // ignored when removing
    bool remove = false;
    bool operator==(const quota_op& other) const {
        return key == other.key && same_float64(value, other.value) && remove == other.remove;
    }
};
template <typename V>
void visit(V& v, quota_op& m) {
    v.field(m.key, {});
    v.field(m.value, {});
    v.field(m.remove, {});
}

struct quota_alteration_entry {
    std::vector<quota_entity_part> entity;
    std::vector<quota_op> ops;
    bool operator==(const quota_alteration_entry&) const = default;
};
template <typename V>
void visit(V& v, quota_alteration_entry& m) {
    v.field(m.entity, {});
    v.field(m.ops, {});
}

struct alter_client_quotas_request {
    static constexpr api_key key = api_key::alter_client_quotas;
    std::vector<quota_alteration_entry> entries;
    bool validate_only = false;
    bool operator==(const alter_client_quotas_request&) const = default;
};
template <typename V>
void visit(V& v, alter_client_quotas_request& m) {
    v.field(m.entries, {});
    v.field(m.validate_only, {});
}

struct quota_alteration_answer {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::vector<quota_entity_part> entity;
    bool operator==(const quota_alteration_answer&) const = default;
};
template <typename V>
void visit(V& v, quota_alteration_answer& m) {
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.entity, {});
}

struct alter_client_quotas_response {
    static constexpr api_key key = api_key::alter_client_quotas;
    std::int32_t throttle_time_ms = 0;
    std::vector<quota_alteration_answer> entries;
    bool operator==(const alter_client_quotas_response&) const = default;
};
template <typename V>
void visit(V& v, alter_client_quotas_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.entries, {});
}

}  // namespace laminar::kafka
