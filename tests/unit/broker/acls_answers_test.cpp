// The ACL APIs' answers without an authorizer, as Kafka 3.7's AclApis gives them: SECURITY_DISABLED
// (54) with Kafka's messages, one result per creation and per filter (none for none), no ACLs
// listed or matched; no answer at all (the connection closes) for an UNKNOWN element.
#include "broker/api_acls.h"

#include <gtest/gtest.h>

namespace laminar::broker {
namespace {

constexpr std::int16_t security_disabled = 54;

kafka::acl_creation creation(std::string name) {
    return {2, std::move(name), kafka::acl_pattern_literal, "User:alice", "*", 3, 3};
}

kafka::acl_filter filter_all() {
    return {1, std::nullopt, 1, std::nullopt, std::nullopt, 1, 1};
}

TEST(acls_answers, describe_is_security_disabled) {
    kafka::describe_acls_request request;
    request.filter.resource_type_filter = 1;
    request.filter.operation = 1;
    request.filter.permission_type = 1;
    auto answer = answer_describe_acls(request);
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->error_code, security_disabled);
    EXPECT_EQ(answer->error_message, "No Authorizer is configured on the broker");
    EXPECT_TRUE(answer->resources.empty());
    EXPECT_EQ(answer->throttle_time_ms, 0);
}

TEST(acls_answers, create_answers_every_creation) {
    kafka::create_acls_request request;
    auto none = answer_create_acls(request);
    ASSERT_TRUE(none.has_value());
    EXPECT_TRUE(none->results.empty());

    request.creations = {creation("a"), creation("b"), creation("c")};
    auto answer = answer_create_acls(request);
    ASSERT_TRUE(answer.has_value());
    ASSERT_EQ(answer->results.size(), 3u);
    for (const auto& result : answer->results) {
        EXPECT_EQ(result.error_code, security_disabled);
        EXPECT_EQ(result.error_message, "No Authorizer is configured.");
    }
}

TEST(acls_answers, delete_answers_every_filter) {
    kafka::delete_acls_request request;
    request.filters = {filter_all(), filter_all()};
    auto answer = answer_delete_acls(request);
    ASSERT_TRUE(answer.has_value());
    ASSERT_EQ(answer->filter_results.size(), 2u);
    for (const auto& result : answer->filter_results) {
        EXPECT_EQ(result.error_code, security_disabled);
        EXPECT_EQ(result.error_message, "No Authorizer is configured.");
        EXPECT_TRUE(result.matching_acls.empty());
    }
}

TEST(acls_answers, unknown_element_gets_no_answer) {
    kafka::describe_acls_request describe;  // every enum 0 but the pattern type
    EXPECT_FALSE(answer_describe_acls(describe).has_value());

    kafka::create_acls_request create;
    create.creations = {creation("a"), creation("b")};
    create.creations[1].operation = 0;
    EXPECT_FALSE(answer_create_acls(create).has_value());

    kafka::delete_acls_request remove;
    remove.filters = {filter_all(), filter_all()};
    remove.filters[0].permission_type = 0;
    EXPECT_FALSE(answer_delete_acls(remove).has_value());
}

}  // namespace
}  // namespace laminar::broker
