// Known byte vectors of the ACL APIs (DescribeAcls 29, CreateAcls 30, DeleteAcls 31), written by
// hand field by field from Kafka's message JSON (3.7): requests decode to the expected message and
// re-encode to the same bytes; responses as the broker builds them encode to the expected bytes.
// v0 has no pattern type (LITERAL, 3, when absent), v2+ is flexible (compact strings and arrays,
// tagged fields, request header v2): the requests' bytes come from one field writer per struct
// and a table of what each version changes, independent of the schema code they check. The
// schema-derived round trips of every version are in messages_test.cpp. Also
// has_unknown_element: Kafka's refusal of an UNKNOWN (0) enum code.
#include "net/kafka/acls.h"

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <gtest/gtest.h>

#include "net/kafka/messages.h"
#include "known_bytes.h"

namespace laminar::kafka {
namespace {

using testing::byte_builder;
using testing::check_known_request;
using testing::check_known_response;

constexpr std::int8_t resource_any = 1;
constexpr std::int8_t resource_topic = 2;
constexpr std::int8_t resource_group = 3;
constexpr std::int8_t pattern_any = 1;
constexpr std::int8_t pattern_match = 2;
constexpr std::int8_t pattern_prefixed = 4;
constexpr std::int8_t operation_any = 1;
constexpr std::int8_t operation_read = 3;
constexpr std::int8_t operation_write = 4;
constexpr std::int8_t permission_any = 1;
constexpr std::int8_t permission_deny = 2;
constexpr std::int8_t permission_allow = 3;
constexpr std::int16_t security_disabled = 54;

// What the versions of the ACL APIs change on the wire, a row each (all three APIs alike).
struct acl_version {
    std::int16_t version;
    bool pattern_type;  // v1+: the pattern type follows the resource name
    bool flexible;      // v2+: request header v2, compact strings and arrays, tagged fields
};
constexpr acl_version acl_versions[] = {
    {0, false, false}, {1, true, false}, {2, true, true}, {3, true, true}};

std::size_t header_bytes(const acl_version& v) { return 2 + 2 + 4 + 2 + 1 + (v.flexible ? 1 : 0); }

// Request header v1 (key, version, correlation id, client id "c"), v2 when flexible (then no
// tagged fields).
void header(byte_builder& frame, std::int16_t key, const acl_version& v, std::int32_t id) {
    frame.i16(key).i16(v.version).i32(id).string("c");
    if (v.flexible) frame.u8(0);
}

void text(byte_builder& frame, const std::string& value, const acl_version& v) {
    if (v.flexible) {
        frame.compact_string(value);
    } else {
        frame.string(value);
    }
}

// Null: int16 -1, or compact length 0.
void text(byte_builder& frame, const std::optional<std::string>& value, const acl_version& v) {
    if (value) return text(frame, *value, v);
    if (v.flexible) {
        frame.u8(0);
    } else {
        frame.i16(-1);
    }
}

// An array's length: int32, or compact (unsigned varint length + 1, all < 127 here).
void array_length(byte_builder& frame, std::size_t length, const acl_version& v) {
    if (v.flexible) {
        frame.u8(static_cast<int>(length) + 1);
    } else {
        frame.i32(static_cast<std::int64_t>(length));
    }
}

// A struct's tagged fields (none): flexible versions only.
void no_tags(byte_builder& frame, const acl_version& v) {
    if (v.flexible) frame.u8(0);
}

// An ACL binding's fields in Kafka's order (a DescribeAcls body, a DeleteAcls filter with
// nullable strings, a creation with plain ones), then the struct's tagged fields.
template <typename Text>
void binding_fields(byte_builder& frame, std::int8_t resource_type, const Text& resource_name,
                    std::int8_t pattern_type, const Text& principal, const Text& host,
                    std::int8_t operation, std::int8_t permission_type, const acl_version& v) {
    frame.u8(resource_type);
    text(frame, resource_name, v);
    if (v.pattern_type) frame.u8(pattern_type);
    text(frame, principal, v);
    text(frame, host, v);
    frame.u8(operation).u8(permission_type);
    no_tags(frame, v);
}

void filter_fields(byte_builder& frame, const acl_filter& f, const acl_version& v) {
    binding_fields(frame, f.resource_type_filter, f.resource_name_filter, f.pattern_type_filter,
                   f.principal_filter, f.host_filter, f.operation, f.permission_type, v);
}

void creation_fields(byte_builder& frame, const acl_creation& c, const acl_version& v) {
    binding_fields(frame, c.resource_type, c.resource_name, c.resource_pattern_type, c.principal,
                   c.host, c.operation, c.permission_type, v);
}

// Each request's frame from the message the test expects, field by field as above; decoded,
// re-encoded and truncated by check_known_request.
template <typename M>
M check_request_at(const M& expected, std::int16_t key, const acl_version& v, std::int32_t id) {
    byte_builder frame;
    header(frame, key, v, id);
    if constexpr (std::is_same_v<M, describe_acls_request>) {
        filter_fields(frame, expected.filter, v);  // its tagged fields are the request's
    } else if constexpr (std::is_same_v<M, create_acls_request>) {
        array_length(frame, expected.creations.size(), v);
        for (const auto& creation : expected.creations) creation_fields(frame, creation, v);
        no_tags(frame, v);
    } else {
        array_length(frame, expected.filters.size(), v);
        for (const auto& filter : expected.filters) filter_fields(frame, filter, v);
        no_tags(frame, v);
    }
    return check_known_request(frame.done(), expected, v.version, header_bytes(v));
}

// DescribeAcls v0: describe everything (ANY resource, null name, principal and host, ANY
// operation and permission), as `kafka-acls --list` sends it. No pattern type on the wire: the
// message holds LITERAL, what Kafka's broker makes of a v0 filter.
TEST(acls, describe_acls_v0_request_lists_everything) {
    describe_acls_request expected;
    expected.filter.resource_type_filter = resource_any;
    expected.filter.operation = operation_any;
    expected.filter.permission_type = permission_any;
    auto decoded = check_request_at(expected, 29, acl_versions[0], 1);
    EXPECT_EQ(decoded.filter.pattern_type_filter, acl_pattern_literal);
    EXPECT_FALSE(decoded.filter.resource_name_filter.has_value());
}

// DescribeAcls v1 (pattern type after the resource name) with a MATCH pattern on one topic.
TEST(acls, describe_acls_v1_request_with_pattern_type) {
    describe_acls_request expected;
    expected.filter = {resource_topic, "orders",       pattern_match,   "User:alice",
                       std::nullopt,   operation_read, permission_allow};
    check_request_at(expected, 29, acl_versions[1], 2);
}

// DescribeAcls v2 (flexible, request header v2): compact strings, null as length 0.
TEST(acls, describe_acls_v2_request_flexible) {
    describe_acls_request expected;
    expected.filter = {resource_group, "grp",         pattern_prefixed, std::nullopt,
                       "*",            operation_any, permission_deny};
    check_request_at(expected, 29, acl_versions[2], 3);
}

// CreateAcls v1: two creations, one literal and one prefixed.
TEST(acls, create_acls_v1_request) {
    create_acls_request expected;
    expected.creations.push_back({resource_topic, "orders", acl_pattern_literal, "User:alice", "*",
                                  operation_read, permission_allow});
    expected.creations.push_back({resource_group, "app-", pattern_prefixed, "User:bob",
                                  "10.0.0.1", operation_write, permission_deny});
    check_request_at(expected, 30, acl_versions[1], 4);
}

// CreateAcls v3 (flexible): a compact array of one creation with its tagged fields.
TEST(acls, create_acls_v3_request_flexible) {
    create_acls_request expected;
    expected.creations.push_back({resource_topic, "orders", acl_pattern_literal, "User:alice", "*",
                                  operation_read, permission_allow});
    check_request_at(expected, 30, acl_versions[3], 5);
}

// DeleteAcls v0: one filter without a pattern type (LITERAL when decoded).
TEST(acls, delete_acls_v0_request) {
    delete_acls_request expected;
    expected.filters.push_back({resource_topic, "orders", acl_pattern_literal, std::nullopt,
                                std::nullopt, operation_any, permission_any});
    check_request_at(expected, 31, acl_versions[0], 6);
}

// DeleteAcls v2 (flexible): two filters, the second with an ANY pattern type.
TEST(acls, delete_acls_v2_request_flexible) {
    delete_acls_request expected;
    expected.filters.push_back({resource_topic, "orders", acl_pattern_literal, "User:alice",
                                std::nullopt, operation_read, permission_allow});
    expected.filters.push_back({resource_any, std::nullopt, pattern_any, std::nullopt,
                                std::nullopt, operation_any, permission_any});
    check_request_at(expected, 31, acl_versions[2], 7);
}

// The answers of a broker without an authorizer, as Kafka 3.7 sends them.

TEST(acls, describe_acls_v1_response_security_disabled) {
    describe_acls_response response;
    response.error_code = security_disabled;
    response.error_message = "No Authorizer is configured on the broker";
    const bytes expected = byte_builder()
                               .i32(0)                // throttle_time_ms
                               .i16(security_disabled)  // error_code
                               .string("No Authorizer is configured on the broker")
                               .i32(0)  // resources: 0
                               .done();
    check_known_response(response, 1, expected);
}

TEST(acls, describe_acls_v3_response_flexible) {
    describe_acls_response response;
    response.error_code = security_disabled;
    response.error_message = "No Authorizer is configured on the broker";
    const bytes expected = byte_builder()
                               .i32(0)                  // throttle_time_ms
                               .i16(security_disabled)  // error_code
                               .compact_string("No Authorizer is configured on the broker")
                               .u8(1)  // resources: compact array of 0
                               .u8(0)  // tagged fields
                               .done();
    check_known_response(response, 3, expected);
}

// A resource with one ACL (what a broker with an authorizer lists), v1: pattern type present.
TEST(acls, describe_acls_v1_response_with_a_resource) {
    describe_acls_response response;
    response.resources.push_back({resource_topic, "orders", pattern_prefixed,
                                  {{"User:alice", "*", operation_read, permission_allow}}});
    const bytes expected = byte_builder()
                               .i32(0)                // throttle_time_ms
                               .i16(0)                // error_code
                               .i16(-1)               // error_message: null
                               .i32(1)                // resources: 1
                               .u8(resource_topic)    //   resource_type
                               .string("orders")      //   resource_name
                               .u8(pattern_prefixed)  //   pattern_type (v1+)
                               .i32(1)                //   acls: 1
                               .string("User:alice")  //     principal
                               .string("*")           //     host
                               .u8(operation_read)    //     operation
                               .u8(permission_allow)  //     permission_type
                               .done();
    check_known_response(response, 1, expected);
}

TEST(acls, create_acls_v2_response_flexible) {
    create_acls_response response;
    response.results.assign(2, {security_disabled, "No Authorizer is configured."});
    const bytes expected = byte_builder()
                               .i32(0)  // throttle_time_ms
                               .u8(3)   // results: compact array of 2
                               .i16(security_disabled)
                               .compact_string("No Authorizer is configured.")
                               .u8(0)  //   tagged fields
                               .i16(security_disabled)
                               .compact_string("No Authorizer is configured.")
                               .u8(0)  //   tagged fields
                               .u8(0)  // tagged fields
                               .done();
    check_known_response(response, 2, expected);
}

TEST(acls, delete_acls_v0_response) {
    delete_acls_response response;
    response.filter_results.push_back({security_disabled, "No Authorizer is configured.", {}});
    const bytes expected = byte_builder()
                               .i32(0)  // throttle_time_ms
                               .i32(1)  // filter_results: 1
                               .i16(security_disabled)
                               .string("No Authorizer is configured.")
                               .i32(0)  //   matching_acls: 0
                               .done();
    check_known_response(response, 0, expected);
}

TEST(acls, delete_acls_v3_response_flexible) {
    delete_acls_response response;
    response.filter_results.push_back({security_disabled, "No Authorizer is configured.", {}});
    const bytes expected = byte_builder()
                               .i32(0)  // throttle_time_ms
                               .u8(2)   // filter_results: compact array of 1
                               .i16(security_disabled)
                               .compact_string("No Authorizer is configured.")
                               .u8(1)  //   matching_acls: compact array of 0
                               .u8(0)  //   tagged fields
                               .u8(0)  // tagged fields
                               .done();
    check_known_response(response, 3, expected);
}

// Code 0 (UNKNOWN) in any of the four enums of any creation or filter; other codes, even ones
// Kafka does not define, are not UNKNOWN (Kafka compares with 0).
TEST(acls, unknown_elements) {
    describe_acls_request describe;
    describe.filter.resource_type_filter = resource_any;
    describe.filter.operation = operation_any;
    describe.filter.permission_type = permission_any;
    EXPECT_FALSE(has_unknown_element(describe));
    describe.filter.operation = 99;
    EXPECT_FALSE(has_unknown_element(describe));
    for (std::int8_t acl_filter::*field :
         {&acl_filter::resource_type_filter, &acl_filter::pattern_type_filter,
          &acl_filter::operation, &acl_filter::permission_type}) {
        describe_acls_request unknown = describe;
        unknown.filter.*field = acl_code_unknown;
        EXPECT_TRUE(has_unknown_element(unknown));
    }
    EXPECT_TRUE(has_unknown_element(describe_acls_request{}));

    const acl_creation good_creation{resource_topic, "t",           acl_pattern_literal, "User:a",
                                     "*",            operation_read, permission_allow};
    create_acls_request create;
    EXPECT_FALSE(has_unknown_element(create));
    create.creations = {good_creation, good_creation};
    EXPECT_FALSE(has_unknown_element(create));
    for (std::int8_t acl_creation::*field :
         {&acl_creation::resource_type, &acl_creation::resource_pattern_type,
          &acl_creation::operation, &acl_creation::permission_type}) {
        create_acls_request unknown = create;
        unknown.creations[1].*field = acl_code_unknown;
        EXPECT_TRUE(has_unknown_element(unknown));
    }

    const acl_filter good_filter{resource_any,  std::nullopt,  pattern_any,   std::nullopt,
                                         std::nullopt, operation_any, permission_any};
    delete_acls_request remove;
    EXPECT_FALSE(has_unknown_element(remove));
    remove.filters = {good_filter, good_filter};
    EXPECT_FALSE(has_unknown_element(remove));
    for (std::int8_t acl_filter::*field :
         {&acl_filter::resource_type_filter, &acl_filter::pattern_type_filter,
          &acl_filter::operation, &acl_filter::permission_type}) {
        delete_acls_request unknown = remove;
        unknown.filters[0].*field = acl_code_unknown;
        EXPECT_TRUE(has_unknown_element(unknown));
    }
}

}  // namespace
}  // namespace laminar::kafka
