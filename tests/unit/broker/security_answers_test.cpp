// The authentication APIs' answers on a PLAINTEXT listener, as a Kafka 3.7 KRaft broker gives
// them (api_security.h): ILLEGAL_SASL_STATE for SASL, DELEGATION_TOKEN_REQUEST_NOT_ALLOWED for
// every delegation token API.
#include "broker/api_security.h"

#include <gtest/gtest.h>

namespace laminar::broker {
namespace {

constexpr std::int16_t illegal_sasl_state = 34;
constexpr std::int16_t token_request_not_allowed = 64;

TEST(security_answers, sasl_is_an_illegal_state_with_no_mechanisms) {
    auto handshake = answer_sasl_handshake({.mechanism = "PLAIN"});
    EXPECT_EQ(handshake.error_code, illegal_sasl_state);
    EXPECT_TRUE(handshake.mechanisms.empty());

    auto authenticate = answer_sasl_authenticate({});
    EXPECT_EQ(authenticate.error_code, illegal_sasl_state);
    EXPECT_EQ(authenticate.error_message,
              "SaslAuthenticate request received after successful authentication");
    EXPECT_TRUE(authenticate.auth_bytes.empty());
    EXPECT_EQ(authenticate.session_lifetime_ms, 0);
}

TEST(security_answers, create_names_the_owner_or_the_anonymous_requester) {
    kafka::create_delegation_token_request request;
    auto answer = answer_create_delegation_token(request);
    EXPECT_EQ(answer.error_code, token_request_not_allowed);
    EXPECT_EQ(answer.principal_type, "User");
    EXPECT_EQ(answer.principal_name, "ANONYMOUS");
    EXPECT_EQ(answer.token_requester_principal_type, "User");
    EXPECT_EQ(answer.token_requester_principal_name, "ANONYMOUS");
    EXPECT_EQ(answer.issue_timestamp_ms, -1);
    EXPECT_EQ(answer.expiry_timestamp_ms, -1);
    EXPECT_EQ(answer.max_timestamp_ms, -1);
    EXPECT_TRUE(answer.token_id.empty());
    EXPECT_TRUE(answer.hmac.empty());

    request.owner_principal_type = "Group";
    request.owner_principal_name = "ops";
    answer = answer_create_delegation_token(request);
    EXPECT_EQ(answer.principal_type, "Group");
    EXPECT_EQ(answer.principal_name, "ops");
    EXPECT_EQ(answer.token_requester_principal_name, "ANONYMOUS");

    request.owner_principal_name = "";  // an empty owner name means the requester, as null does
    answer = answer_create_delegation_token(request);
    EXPECT_EQ(answer.principal_type, "User");
    EXPECT_EQ(answer.principal_name, "ANONYMOUS");
}

TEST(security_answers, renew_expire_and_describe_are_refused) {
    auto renewed = answer_renew_delegation_token({.hmac = {std::byte{1}}, .renew_period_ms = 5});
    EXPECT_EQ(renewed.error_code, token_request_not_allowed);
    EXPECT_EQ(renewed.expiry_timestamp_ms, -1);
    auto expired = answer_expire_delegation_token({});
    EXPECT_EQ(expired.error_code, token_request_not_allowed);
    EXPECT_EQ(expired.expiry_timestamp_ms, -1);
    auto described = answer_describe_delegation_token({.owners = std::nullopt});
    EXPECT_EQ(described.error_code, token_request_not_allowed);
    EXPECT_TRUE(described.tokens.empty());
}

}  // namespace
}  // namespace laminar::broker
