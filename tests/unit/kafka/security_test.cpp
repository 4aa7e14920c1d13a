// Known byte vectors of the authentication APIs: SaslHandshake (17, never flexible),
// SaslAuthenticate (36, flexible from 2) and the delegation token APIs (38-41, flexible from 2),
// written by hand field by field from Kafka 3.7's message JSON: requests decode to the expected
// message and re-encode to the same bytes; responses encode to the expected bytes and decode
// back. The schema-derived round trips of every version are in messages_test.cpp.
#include "net/kafka/security.h"

#include <gtest/gtest.h>

#include "known_bytes.h"
#include "net/kafka/messages.h"

namespace laminar::kafka {
namespace {

using testing::byte_builder;
using testing::check_known_request;
using testing::check_known_response;
using testing::header;

bytes of_text(std::string_view text) {
    bytes out;
    for (char c : text) out.push_back(static_cast<std::byte>(c));
    return out;
}

TEST(security, sasl_handshake_v0_and_v1_are_a_mechanism_name) {
    for (std::int16_t version : {0, 1}) {
        auto frame = header(17, version, false);
        frame.string("PLAIN");
        sasl_handshake_request expected{.mechanism = "PLAIN"};
        check_known_request(frame.done(), expected, version, 11);

        // error_code int16, mechanisms: int32 count, int16-length strings.
        sasl_handshake_response response{.error_code = 34, .mechanisms = {"PLAIN"}};
        byte_builder body;
        body.i16(34).i32(1).string("PLAIN");
        check_known_response(response, version, body.done());
    }
}

TEST(security, sasl_authenticate_v1_nonflexible_and_v2_compact) {
    sasl_authenticate_request expected{.auth_bytes = of_text(std::string_view("\0u\0p", 4))};
    auto v1 = header(36, 1, false);
    v1.i32(4).text(std::string_view("\0u\0p", 4));  // bytes: int32 length
    check_known_request(v1.done(), expected, 1, 11);
    auto v2 = header(36, 2, true);
    v2.u8(5).text(std::string_view("\0u\0p", 4)).u8(0);  // compact bytes, tagged fields
    check_known_request(v2.done(), expected, 2, 12);

    sasl_authenticate_response response{
        .error_code = 34, .error_message = "no", .auth_bytes = {}, .session_lifetime_ms = 0};
    byte_builder r0;  // v0: no session lifetime
    r0.i16(34).string("no").i32(0);
    check_known_response(response, 0, r0.done());
    byte_builder r1;
    r1.i16(34).string("no").i32(0).i64(0);
    check_known_response(response, 1, r1.done());
    byte_builder r2;
    r2.i16(34).compact_string("no").u8(1).i64(0).u8(0);
    check_known_response(response, 2, r2.done());
    response.error_message.reset();
    byte_builder null2;  // a null compact string is length 0
    null2.i16(34).u8(0).u8(1).i64(0).u8(0);
    check_known_response(response, 2, null2.done());
}

TEST(security, create_delegation_token_owner_fields_from_v3) {
    create_delegation_token_request expected{.owner_principal_type = std::nullopt,
                                             .owner_principal_name = std::nullopt,
                                             .renewers = {{"User", "bob"}},
                                             .max_lifetime_ms = -1};
    auto v1 = header(38, 1, false);
    v1.i32(1).string("User").string("bob").i64(-1);
    check_known_request(v1.done(), expected, 1, 11);

    expected.owner_principal_type = "User";
    expected.owner_principal_name = "alice";
    auto v3 = header(38, 3, true);
    v3.compact_string("User").compact_string("alice");
    v3.u8(2).compact_string("User").compact_string("bob").u8(0);  // renewers, tagged fields
    v3.i64(-1).u8(0);
    check_known_request(v3.done(), expected, 3, 12);
    auto null_owner = header(38, 3, true);
    null_owner.u8(0).u8(0).u8(1).i64(86400000).u8(0);
    create_delegation_token_request defaults{.owner_principal_type = std::nullopt,
                                             .owner_principal_name = std::nullopt,
                                             .renewers = {},
                                             .max_lifetime_ms = 86400000};
    check_known_request(null_owner.done(), defaults, 3, 12);

    create_delegation_token_response response;
    response.error_code = 64;
    response.principal_type = "User";
    response.principal_name = "alice";
    response.token_requester_principal_type = "User";
    response.token_requester_principal_name = "ANONYMOUS";
    byte_builder r2;  // v2: flexible, no requester
    r2.i16(64).compact_string("User").compact_string("alice");
    r2.i64(0).i64(0).i64(0).compact_string("").u8(1).i32(0).u8(0);
    response.token_requester_principal_type.clear();
    response.token_requester_principal_name.clear();
    check_known_response(response, 2, r2.done());
    response.token_requester_principal_type = "User";
    response.token_requester_principal_name = "ANONYMOUS";
    byte_builder r3;
    r3.i16(64).compact_string("User").compact_string("alice");
    r3.compact_string("User").compact_string("ANONYMOUS");
    r3.i64(0).i64(0).i64(0).compact_string("").u8(1).i32(0).u8(0);
    check_known_response(response, 3, r3.done());
}

TEST(security, renew_and_expire_delegation_token) {
    renew_delegation_token_request renew{.hmac = of_text("mac"), .renew_period_ms = 1000};
    auto r1 = header(39, 1, false);
    r1.i32(3).text("mac").i64(1000);
    check_known_request(r1.done(), renew, 1, 11);
    auto r2 = header(39, 2, true);
    r2.u8(4).text("mac").i64(1000).u8(0);
    check_known_request(r2.done(), renew, 2, 12);

    expire_delegation_token_request expire{.hmac = of_text("mac"), .expiry_time_period_ms = -1};
    auto e0 = header(40, 0, false);
    e0.i32(3).text("mac").i64(-1);
    check_known_request(e0.done(), expire, 0, 11);

    renew_delegation_token_response answer{
        .error_code = 64, .expiry_timestamp_ms = 0, .throttle_time_ms = 0};
    byte_builder a1;
    a1.i16(64).i64(0).i32(0);
    check_known_response(answer, 1, a1.done());
    byte_builder a2;
    a2.i16(64).i64(0).i32(0).u8(0);
    check_known_response(answer, 2, a2.done());
    expire_delegation_token_response expired{
        .error_code = 64, .expiry_timestamp_ms = 0, .throttle_time_ms = 0};
    check_known_response(expired, 2, a2.done());
}

TEST(security, describe_delegation_token_owners_may_be_null) {
    describe_delegation_token_request all{.owners = std::nullopt};
    auto v0 = header(41, 0, false);
    v0.i32(-1);
    check_known_request(v0.done(), all, 0, 11);
    auto v3 = header(41, 3, true);
    v3.u8(0).u8(0);
    check_known_request(v3.done(), all, 3, 12);
    describe_delegation_token_request one{.owners = std::vector<token_principal>{{"User", "a"}}};
    auto v2 = header(41, 2, true);
    v2.u8(2).compact_string("User").compact_string("a").u8(0).u8(0);
    check_known_request(v2.done(), one, 2, 12);

    describe_delegation_token_response refused{
        .error_code = 64, .tokens = {}, .throttle_time_ms = 0};
    byte_builder r1;
    r1.i16(64).i32(0).i32(0);
    check_known_response(refused, 1, r1.done());
    byte_builder r3;
    r3.i16(64).u8(1).i32(0).u8(0);
    check_known_response(refused, 3, r3.done());

    // A described token, v3: owner, requester, timestamps, id, HMAC, renewers.
    described_delegation_token token;
    token.principal_type = "User";
    token.principal_name = "a";
    token.token_requester_principal_type = "User";
    token.token_requester_principal_name = "b";
    token.issue_timestamp = 1;
    token.expiry_timestamp = 2;
    token.max_timestamp = 3;
    token.token_id = "t";
    token.hmac = of_text("h");
    token.renewers = {{"User", "c"}};
    describe_delegation_token_response listed{
        .error_code = 0, .tokens = {token}, .throttle_time_ms = 0};
    byte_builder t3;
    t3.i16(0).u8(2);
    t3.compact_string("User").compact_string("a").compact_string("User").compact_string("b");
    t3.i64(1).i64(2).i64(3).compact_string("t").u8(2).text("h");
    t3.u8(2).compact_string("User").compact_string("c").u8(0);  // renewers
    t3.u8(0);                                                   // token's tagged fields
    t3.i32(0).u8(0);
    check_known_response(listed, 3, t3.done());
}

}  // namespace
}  // namespace laminar::kafka
