// Known byte vectors of the ACL APIs (DescribeAcls 29, CreateAcls 30, DeleteAcls 31), written by
// hand field by field from Kafka's message JSON (3.7): requests decode to the expected message and
// re-encode to the same bytes; responses as the broker builds them encode to the expected bytes.
// v0 has no pattern type (LITERAL, 3, when absent), v2+ is flexible (compact strings and arrays,
// tagged fields, request header v2). The schema-derived round trips of every version are in
// messages_test.cpp. Also has_unknown_element: Kafka's refusal of an UNKNOWN (0) enum code.
#include "net/kafka/acls.h"

#include <string_view>

#include <gtest/gtest.h>

#include "net/kafka/messages.h"

namespace laminar::kafka {
namespace {

class byte_builder {
public:
    byte_builder& u8(int value) {
        _out.push_back(static_cast<std::byte>(value));
        return *this;
    }
    byte_builder& i16(int value) { return u8((value >> 8) & 0xff).u8(value & 0xff); }
    byte_builder& i32(std::int64_t value) {
        for (int shift = 24; shift >= 0; shift -= 8) u8(static_cast<int>((value >> shift) & 0xff));
        return *this;
    }
    byte_builder& text(std::string_view value) {
        for (char c : value) u8(static_cast<unsigned char>(c));
        return *this;
    }
    // Non-flexible string: int16 length, bytes.
    byte_builder& string(std::string_view value) {
        return i16(static_cast<int>(value.size())).text(value);
    }
    // Flexible (compact) string: unsigned varint length + 1 (all lengths here are < 127).
    byte_builder& compact_string(std::string_view value) {
        return u8(static_cast<int>(value.size()) + 1).text(value);
    }
    const bytes& done() const { return _out; }

private:
    bytes _out;
};

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

// The payload is a request header then the body; checks check_request, decode, re-encode and
// that every truncation of the body is an error.
template <typename M>
M check_known_request(const bytes& payload, const M& expected, std::int16_t version,
                      std::size_t header_bytes) {
    EXPECT_TRUE(check_request(payload));
    auto body = std::span(payload).subspan(header_bytes);
    auto decoded = decode_message<M>(body, version);
    EXPECT_TRUE(decoded) << (decoded ? "" : to_string(decoded.error()));
    if (!decoded) return M{};
    EXPECT_TRUE(*decoded == expected);
    bytes encoded;
    EXPECT_TRUE(encode_message(expected, version, encoded));
    EXPECT_EQ(encoded, bytes(body.begin(), body.end()));
    for (std::size_t size = 0; size < body.size(); ++size) {
        EXPECT_FALSE(decode_message<M>(body.first(size), version)) << size;
    }
    return *decoded;
}

template <typename M>
void check_known_response(const M& message, std::int16_t version, const bytes& expected) {
    bytes encoded;
    ASSERT_TRUE(encode_message(message, version, encoded));
    EXPECT_EQ(encoded, expected);
    auto decoded = decode_message<M>(expected, version);
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    EXPECT_TRUE(*decoded == message);
}

// DescribeAcls v0: describe everything (ANY resource, null name, principal and host, ANY
// operation and permission), as `kafka-acls --list` sends it. No pattern type on the wire: the
// message holds LITERAL, what Kafka's broker makes of a v0 filter.
TEST(acls, describe_acls_v0_request_lists_everything) {
    byte_builder frame;
    frame.i16(29).i16(0).i32(1).string("c");  // header v1
    frame.u8(resource_any)                    // resource_type_filter
        .i16(-1)                              // resource_name_filter: null
        .i16(-1)                              // principal_filter: null
        .i16(-1)                              // host_filter: null
        .u8(operation_any)                    // operation
        .u8(permission_any);                  // permission_type

    describe_acls_request expected;
    expected.filter.resource_type_filter = resource_any;
    expected.filter.operation = operation_any;
    expected.filter.permission_type = permission_any;
    auto decoded = check_known_request(frame.done(), expected, 0, 2 + 2 + 4 + 2 + 1);
    EXPECT_EQ(decoded.filter.pattern_type_filter, acl_pattern_literal);
    EXPECT_FALSE(decoded.filter.resource_name_filter.has_value());
}

// DescribeAcls v1 (pattern type after the resource name) with a MATCH pattern on one topic.
TEST(acls, describe_acls_v1_request_with_pattern_type) {
    byte_builder frame;
    frame.i16(29).i16(1).i32(2).string("c");  // header v1
    frame.u8(resource_topic)                  // resource_type_filter
        .string("orders")                     // resource_name_filter
        .u8(pattern_match)                    // pattern_type_filter (v1+)
        .string("User:alice")                 // principal_filter
        .i16(-1)                              // host_filter: null
        .u8(operation_read)                   // operation
        .u8(permission_allow);                // permission_type

    describe_acls_request expected;
    expected.filter.resource_type_filter = resource_topic;
    expected.filter.resource_name_filter = "orders";
    expected.filter.pattern_type_filter = pattern_match;
    expected.filter.principal_filter = "User:alice";
    expected.filter.operation = operation_read;
    expected.filter.permission_type = permission_allow;
    check_known_request(frame.done(), expected, 1, 2 + 2 + 4 + 2 + 1);
}

// DescribeAcls v2 (flexible, request header v2): compact strings, null as length 0.
TEST(acls, describe_acls_v2_request_flexible) {
    byte_builder frame;
    frame.i16(29).i16(2).i32(3).string("c").u8(0);  // header v2: client id, no tagged fields
    frame.u8(resource_group)                        // resource_type_filter
        .compact_string("grp")                      // resource_name_filter
        .u8(pattern_prefixed)                       // pattern_type_filter
        .u8(0)                                      // principal_filter: null
        .compact_string("*")                        // host_filter
        .u8(operation_any)                          // operation
        .u8(permission_deny)                        // permission_type
        .u8(0);                                     // tagged fields

    describe_acls_request expected;
    expected.filter.resource_type_filter = resource_group;
    expected.filter.resource_name_filter = "grp";
    expected.filter.pattern_type_filter = pattern_prefixed;
    expected.filter.host_filter = "*";
    expected.filter.operation = operation_any;
    expected.filter.permission_type = permission_deny;
    check_known_request(frame.done(), expected, 2, 2 + 2 + 4 + 2 + 1 + 1);
}

// CreateAcls v1: two creations, one literal and one prefixed.
TEST(acls, create_acls_v1_request) {
    byte_builder frame;
    frame.i16(30).i16(1).i32(4).string("c");  // header v1
    frame.i32(2)                              // creations: 2
        .u8(resource_topic)                   //   resource_type
        .string("orders")                     //   resource_name
        .u8(acl_pattern_literal)              //   resource_pattern_type (v1+)
        .string("User:alice")                 //   principal
        .string("*")                          //   host
        .u8(operation_read)                   //   operation
        .u8(permission_allow)                 //   permission_type
        .u8(resource_group)                   //   resource_type
        .string("app-")                       //   resource_name
        .u8(pattern_prefixed)                 //   resource_pattern_type
        .string("User:bob")                   //   principal
        .string("10.0.0.1")                   //   host
        .u8(operation_write)                  //   operation
        .u8(permission_deny);                 //   permission_type

    create_acls_request expected;
    expected.creations.push_back({resource_topic, "orders", acl_pattern_literal, "User:alice", "*",
                                  operation_read, permission_allow});
    expected.creations.push_back({resource_group, "app-", pattern_prefixed, "User:bob",
                                  "10.0.0.1", operation_write, permission_deny});
    check_known_request(frame.done(), expected, 1, 2 + 2 + 4 + 2 + 1);
}

// CreateAcls v3 (flexible): a compact array of one creation with its tagged fields.
TEST(acls, create_acls_v3_request_flexible) {
    byte_builder frame;
    frame.i16(30).i16(3).i32(5).string("c").u8(0);  // header v2
    frame.u8(2)                                     // creations: compact array of 1
        .u8(resource_topic)                         //   resource_type
        .compact_string("orders")                   //   resource_name
        .u8(acl_pattern_literal)                    //   resource_pattern_type
        .compact_string("User:alice")               //   principal
        .compact_string("*")                        //   host
        .u8(operation_read)                         //   operation
        .u8(permission_allow)                       //   permission_type
        .u8(0)                                      //   creation tagged fields
        .u8(0);                                     // tagged fields

    create_acls_request expected;
    expected.creations.push_back({resource_topic, "orders", acl_pattern_literal, "User:alice", "*",
                                  operation_read, permission_allow});
    check_known_request(frame.done(), expected, 3, 2 + 2 + 4 + 2 + 1 + 1);
}

// DeleteAcls v0: one filter without a pattern type (LITERAL when decoded).
TEST(acls, delete_acls_v0_request) {
    byte_builder frame;
    frame.i16(31).i16(0).i32(6).string("c");  // header v1
    frame.i32(1)                              // filters: 1
        .u8(resource_topic)                   //   resource_type_filter
        .string("orders")                     //   resource_name_filter
        .i16(-1)                              //   principal_filter: null
        .i16(-1)                              //   host_filter: null
        .u8(operation_any)                    //   operation
        .u8(permission_any);                  //   permission_type

    delete_acls_request expected;
    expected.filters.push_back({resource_topic, "orders", acl_pattern_literal, std::nullopt,
                                std::nullopt, operation_any, permission_any});
    check_known_request(frame.done(), expected, 0, 2 + 2 + 4 + 2 + 1);
}

// DeleteAcls v2 (flexible): two filters, the second with an ANY pattern type.
TEST(acls, delete_acls_v2_request_flexible) {
    byte_builder frame;
    frame.i16(31).i16(2).i32(7).string("c").u8(0);  // header v2
    frame.u8(3)                                     // filters: compact array of 2
        .u8(resource_topic)                         //   resource_type_filter
        .compact_string("orders")                   //   resource_name_filter
        .u8(acl_pattern_literal)                    //   pattern_type_filter
        .compact_string("User:alice")               //   principal_filter
        .u8(0)                                      //   host_filter: null
        .u8(operation_read)                         //   operation
        .u8(permission_allow)                       //   permission_type
        .u8(0)                                      //   filter tagged fields
        .u8(resource_any)                           //   resource_type_filter
        .u8(0)                                      //   resource_name_filter: null
        .u8(pattern_any)                            //   pattern_type_filter
        .u8(0)                                      //   principal_filter: null
        .u8(0)                                      //   host_filter: null
        .u8(operation_any)                          //   operation
        .u8(permission_any)                         //   permission_type
        .u8(0)                                      //   filter tagged fields
        .u8(0);                                     // tagged fields

    delete_acls_request expected;
    expected.filters.push_back({resource_topic, "orders", acl_pattern_literal, "User:alice",
                                std::nullopt, operation_read, permission_allow});
    expected.filters.push_back({resource_any, std::nullopt, pattern_any, std::nullopt,
                                std::nullopt, operation_any, permission_any});
    check_known_request(frame.done(), expected, 2, 2 + 2 + 4 + 2 + 1 + 1);
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
