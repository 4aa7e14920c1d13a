// SaslHandshake, SaslAuthenticate and the delegation token APIs as a Kafka 3.7 KRaft broker
// answers them on a PLAINTEXT listener, which is all Laminar has: no SASL mechanism is enabled
// and no delegation token secret is configured, so none of them can succeed. They exist so that
// a client configured for SASL, or an admin tool managing tokens, gets Kafka's clear error
// instead of a closed connection, and so that the advertised ranges are Kafka's (clients infer
// the broker's release from them).
//
// - SaslHandshake: ILLEGAL_SASL_STATE (34) and no mechanisms; SaslAuthenticate: ILLEGAL_SASL_STATE
//   with Kafka's message. Kafka's KafkaApis answers both so once a connection is past
//   authentication, and a PLAINTEXT connection is past it from the start.
// - The delegation token APIs: a Kafka broker refuses token requests on a PLAINTEXT connection
//   before anything else (before forwarding Create, Renew and Expire to the controller, since
//   KAFKA-15219): DELEGATION_TOKEN_REQUEST_NOT_ALLOWED (64). The create answer still names the
//   owner (the request's when it names one, else the requester) and, from v3, the requester,
//   the anonymous principal User:ANONYMOUS; its timestamps are -1, its token id and HMAC empty.
//   Renew and expire answer an expiry of -1; describe lists no tokens.
//
// @locality any shard; pure functions of the request.
#pragma once

#include <string_view>

#include "net/kafka/security.h"

namespace laminar::broker {

inline constexpr std::string_view sasl_authenticate_refused_message =
    "SaslAuthenticate request received after successful authentication";

// The principal of every connection: a PLAINTEXT listener does not authenticate.
inline constexpr std::string_view anonymous_principal_type = "User";
inline constexpr std::string_view anonymous_principal_name = "ANONYMOUS";

kafka::sasl_handshake_response answer_sasl_handshake(const kafka::sasl_handshake_request& request);
kafka::sasl_authenticate_response answer_sasl_authenticate(
    const kafka::sasl_authenticate_request& request);
kafka::create_delegation_token_response answer_create_delegation_token(
    const kafka::create_delegation_token_request& request);
kafka::renew_delegation_token_response answer_renew_delegation_token(
    const kafka::renew_delegation_token_request& request);
kafka::expire_delegation_token_response answer_expire_delegation_token(
    const kafka::expire_delegation_token_request& request);
kafka::describe_delegation_token_response answer_describe_delegation_token(
    const kafka::describe_delegation_token_request& request);

}  // namespace laminar::broker
