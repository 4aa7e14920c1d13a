// DescribeAcls, CreateAcls and DeleteAcls as Kafka 3.7 answers them without an authorizer
// (AclApis with authorizer None): SECURITY_DISABLED (54) on the whole DescribeAcls response and on
// every creation and every filter, with Kafka's messages. Laminar has no authorizer, so no ACL is
// ever stored or listed; the APIs exist because clients infer the broker's release from the
// advertised ranges, and so that admin tools get Kafka's clear error rather than a closed
// connection.
//
// A request with an UNKNOWN (0) resource type, pattern type, operation or permission type gets no
// answer (std::nullopt): Kafka's request classes refuse it while parsing and the broker closes the
// connection (net/kafka/acls.h).
//
// @locality any shard; pure functions of the request.
#pragma once

#include <optional>
#include <string_view>

#include "net/kafka/acls.h"

namespace laminar::broker {

// Kafka's messages: DescribeAcls sets its own, CreateAcls and DeleteAcls carry the message of
// the SecurityDisabledException they answer with.
inline constexpr std::string_view describe_acls_disabled_message =
    "No Authorizer is configured on the broker";
inline constexpr std::string_view alter_acls_disabled_message = "No Authorizer is configured.";

std::optional<kafka::describe_acls_response> answer_describe_acls(
    const kafka::describe_acls_request& request);
std::optional<kafka::create_acls_response> answer_create_acls(
    const kafka::create_acls_request& request);
std::optional<kafka::delete_acls_response> answer_delete_acls(
    const kafka::delete_acls_request& request);

}  // namespace laminar::broker
