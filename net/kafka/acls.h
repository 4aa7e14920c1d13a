// ACL administration: DescribeAcls (key 29), CreateAcls (30) and DeleteAcls (31), each v0-3,
// flexible from 2. Laminar has no authorizer: it answers them as Kafka does without one
// (SECURITY_DISABLED), and advertises them as Kafka does, since clients infer the broker's release
// from the ranges (kafka-python takes DescribeAcls v2 as Kafka 2.5).
#pragma once

#include <algorithm>

#include "net/kafka/schema.h"

namespace laminar::kafka {

// A pattern type of 3 is LITERAL, what v0 (which has no pattern type) means.
constexpr std::int64_t acl_pattern_literal = 3;

// Code 0 is UNKNOWN in each of Kafka's ACL enums (resource type, pattern type, operation,
// permission type). Kafka's DescribeAcls, CreateAcls and DeleteAcls request classes refuse an
// UNKNOWN element while the broker parses the request, and the broker then closes the
// connection without an answer: the has_unknown_element functions below say when Laminar must
// do the same. Other undefined codes (99, say) pass there as in Kafka.
constexpr std::int8_t acl_code_unknown = 0;

// The filter of DescribeAcls and of each DeleteAcls filter: the same seven fields in both of
// Kafka's schemas. Null strings and the ANY codes match everything.
struct acl_filter {
    std::int8_t resource_type_filter = 0;
    std::optional<std::string> resource_name_filter;
    std::int8_t pattern_type_filter = acl_pattern_literal;
    std::optional<std::string> principal_filter;
    std::optional<std::string> host_filter;
    std::int8_t operation = 0;
    std::int8_t permission_type = 0;
    bool operator==(const acl_filter&) const = default;
};
template <typename V>
void visit(V& v, acl_filter& m) {
    v.field(m.resource_type_filter, {});
    v.field(m.resource_name_filter, {.nullable_min = 0});
    v.field(m.pattern_type_filter, {.min = 1, .default_value = acl_pattern_literal});
    v.field(m.principal_filter, {.nullable_min = 0});
    v.field(m.host_filter, {.nullable_min = 0});
    v.field(m.operation, {});
    v.field(m.permission_type, {});
}

inline bool has_unknown_element(const acl_filter& m) {
    return m.resource_type_filter == acl_code_unknown ||
           m.pattern_type_filter == acl_code_unknown || m.operation == acl_code_unknown ||
           m.permission_type == acl_code_unknown;
}

// DescribeAcls

// The filter's fields are the request's own top-level fields on the wire: its visit lists them
// in this struct, which ends with the request's tagged fields.
struct describe_acls_request {
    static constexpr api_key key = api_key::describe_acls;
    acl_filter filter;
    bool operator==(const describe_acls_request&) const = default;
};
template <typename V>
void visit(V& v, describe_acls_request& m) {
    visit(v, m.filter);
}

inline bool has_unknown_element(const describe_acls_request& m) {
    return has_unknown_element(m.filter);
}

struct acl_description {
    std::string principal;
    std::string host;
    std::int8_t operation = 0;
    std::int8_t permission_type = 0;
    bool operator==(const acl_description&) const = default;
};
template <typename V>
void visit(V& v, acl_description& m) {
    v.field(m.principal, {});
    v.field(m.host, {});
    v.field(m.operation, {});
    v.field(m.permission_type, {});
}

struct describe_acls_resource {
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::int8_t pattern_type = acl_pattern_literal;
    std::vector<acl_description> acls;
    bool operator==(const describe_acls_resource&) const = default;
};
template <typename V>
void visit(V& v, describe_acls_resource& m) {
    v.field(m.resource_type, {});
    v.field(m.resource_name, {});
    v.field(m.pattern_type, {.min = 1, .default_value = acl_pattern_literal});
    v.field(m.acls, {});
}

struct describe_acls_response {
    static constexpr api_key key = api_key::describe_acls;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::vector<describe_acls_resource> resources;
    bool operator==(const describe_acls_response&) const = default;
};
template <typename V>
void visit(V& v, describe_acls_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.resources, {});
}

// CreateAcls

struct acl_creation {
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::int8_t resource_pattern_type = acl_pattern_literal;
    std::string principal;
    std::string host;
    std::int8_t operation = 0;
    std::int8_t permission_type = 0;
    bool operator==(const acl_creation&) const = default;
};
template <typename V>
void visit(V& v, acl_creation& m) {
    v.field(m.resource_type, {});
    v.field(m.resource_name, {});
    v.field(m.resource_pattern_type, {.min = 1, .default_value = acl_pattern_literal});
    v.field(m.principal, {});
    v.field(m.host, {});
    v.field(m.operation, {});
    v.field(m.permission_type, {});
}

struct create_acls_request {
    static constexpr api_key key = api_key::create_acls;
    std::vector<acl_creation> creations;
    bool operator==(const create_acls_request&) const = default;
};
template <typename V>
void visit(V& v, create_acls_request& m) {
    v.field(m.creations, {});
}

inline bool has_unknown_element(const create_acls_request& m) {
    for (const acl_creation& creation : m.creations) {
        if (creation.resource_type == acl_code_unknown ||
            creation.resource_pattern_type == acl_code_unknown ||
            creation.operation == acl_code_unknown ||
            creation.permission_type == acl_code_unknown) {
            return true;
        }
    }
    return false;
}

struct acl_creation_result {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    bool operator==(const acl_creation_result&) const = default;
};
template <typename V>
void visit(V& v, acl_creation_result& m) {
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
}

struct create_acls_response {
    static constexpr api_key key = api_key::create_acls;
    std::int32_t throttle_time_ms = 0;
    std::vector<acl_creation_result> results;
    bool operator==(const create_acls_response&) const = default;
};
template <typename V>
void visit(V& v, create_acls_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.results, {});
}

// DeleteAcls

struct delete_acls_request {
    static constexpr api_key key = api_key::delete_acls;
    std::vector<acl_filter> filters;
    bool operator==(const delete_acls_request&) const = default;
};
template <typename V>
void visit(V& v, delete_acls_request& m) {
    v.field(m.filters, {});
}

inline bool has_unknown_element(const delete_acls_request& m) {
    return std::ranges::any_of(
        m.filters, [](const acl_filter& filter) { return has_unknown_element(filter); });
}

struct delete_acls_matching_acl {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::int8_t pattern_type = acl_pattern_literal;
    std::string principal;
    std::string host;
    std::int8_t operation = 0;
    std::int8_t permission_type = 0;
    bool operator==(const delete_acls_matching_acl&) const = default;
};
template <typename V>
void visit(V& v, delete_acls_matching_acl& m) {
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.resource_type, {});
    v.field(m.resource_name, {});
    v.field(m.pattern_type, {.min = 1, .default_value = acl_pattern_literal});
    v.field(m.principal, {});
    v.field(m.host, {});
    v.field(m.operation, {});
    v.field(m.permission_type, {});
}

struct delete_acls_filter_result {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::vector<delete_acls_matching_acl> matching_acls;
    bool operator==(const delete_acls_filter_result&) const = default;
};
template <typename V>
void visit(V& v, delete_acls_filter_result& m) {
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.matching_acls, {});
}

struct delete_acls_response {
    static constexpr api_key key = api_key::delete_acls;
    std::int32_t throttle_time_ms = 0;
    std::vector<delete_acls_filter_result> filter_results;
    bool operator==(const delete_acls_response&) const = default;
};
template <typename V>
void visit(V& v, delete_acls_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.filter_results, {});
}

}  // namespace laminar::kafka
