// Authentication APIs: SaslHandshake (key 17, v0-1, never flexible), SaslAuthenticate (36, v0-2,
// flexible from 2), and the delegation token APIs CreateDelegationToken (38, v0-3),
// RenewDelegationToken (39, v0-2), ExpireDelegationToken (40, v0-2) and DescribeDelegationToken
// (41, v0-3), all flexible from 2. Field layouts from Kafka 3.7's message JSON.
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

// SaslHandshake

struct sasl_handshake_request {
    static constexpr api_key key = api_key::sasl_handshake;
    std::string mechanism;
    bool operator==(const sasl_handshake_request&) const = default;
};
template <typename V>
void visit(V& v, sasl_handshake_request& m) {
    v.field(m.mechanism, {});
}

struct sasl_handshake_response {
    static constexpr api_key key = api_key::sasl_handshake;
    std::int16_t error_code = 0;
    std::vector<std::string> mechanisms;
    bool operator==(const sasl_handshake_response&) const = default;
};
template <typename V>
void visit(V& v, sasl_handshake_response& m) {
    v.field(m.error_code, {});
    v.field(m.mechanisms, {});
}

// SaslAuthenticate

struct sasl_authenticate_request {
    static constexpr api_key key = api_key::sasl_authenticate;
    bytes auth_bytes;
    bool operator==(const sasl_authenticate_request&) const = default;
};
template <typename V>
void visit(V& v, sasl_authenticate_request& m) {
    v.field(m.auth_bytes, {});
}

struct sasl_authenticate_response {
    static constexpr api_key key = api_key::sasl_authenticate;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    bytes auth_bytes;
    std::int64_t session_lifetime_ms = 0;
    bool operator==(const sasl_authenticate_response&) const = default;
};
template <typename V>
void visit(V& v, sasl_authenticate_response& m) {
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.auth_bytes, {});
    v.field(m.session_lifetime_ms, {.min = 1});
}

// A principal as the delegation token APIs carry it (owner, renewer, requester).
struct token_principal {
    std::string principal_type;
    std::string principal_name;
    bool operator==(const token_principal&) const = default;
};
template <typename V>
void visit(V& v, token_principal& m) {
    v.field(m.principal_type, {});
    v.field(m.principal_name, {});
}

// CreateDelegationToken

struct create_delegation_token_request {
    static constexpr api_key key = api_key::create_delegation_token;
    std::optional<std::string> owner_principal_type;  // v3+; null: the requester
    std::optional<std::string> owner_principal_name;  // v3+
    std::vector<token_principal> renewers;
    std::int64_t max_lifetime_ms = 0;
    bool operator==(const create_delegation_token_request&) const = default;
};
template <typename V>
void visit(V& v, create_delegation_token_request& m) {
    v.field(m.owner_principal_type, {.min = 3, .nullable_min = 3});
    v.field(m.owner_principal_name, {.min = 3, .nullable_min = 3});
    v.field(m.renewers, {});
    v.field(m.max_lifetime_ms, {});
}

struct create_delegation_token_response {
    static constexpr api_key key = api_key::create_delegation_token;
    std::int16_t error_code = 0;
    std::string principal_type;  // the owner
    std::string principal_name;
    std::string token_requester_principal_type;  // v3+
    std::string token_requester_principal_name;  // v3+
    std::int64_t issue_timestamp_ms = 0;
    std::int64_t expiry_timestamp_ms = 0;
    std::int64_t max_timestamp_ms = 0;
    std::string token_id;
    bytes hmac;
    std::int32_t throttle_time_ms = 0;
    bool operator==(const create_delegation_token_response&) const = default;
};
template <typename V>
void visit(V& v, create_delegation_token_response& m) {
    v.field(m.error_code, {});
    v.field(m.principal_type, {});
    v.field(m.principal_name, {});
    v.field(m.token_requester_principal_type, {.min = 3});
    v.field(m.token_requester_principal_name, {.min = 3});
    v.field(m.issue_timestamp_ms, {});
    v.field(m.expiry_timestamp_ms, {});
    v.field(m.max_timestamp_ms, {});
    v.field(m.token_id, {});
    v.field(m.hmac, {});
    v.field(m.throttle_time_ms, {});
}

// RenewDelegationToken and ExpireDelegationToken: an HMAC and a period in, an expiry out.

struct renew_delegation_token_request {
    static constexpr api_key key = api_key::renew_delegation_token;
    bytes hmac;
    std::int64_t renew_period_ms = 0;
    bool operator==(const renew_delegation_token_request&) const = default;
};
template <typename V>
void visit(V& v, renew_delegation_token_request& m) {
    v.field(m.hmac, {});
    v.field(m.renew_period_ms, {});
}

struct renew_delegation_token_response {
    static constexpr api_key key = api_key::renew_delegation_token;
    std::int16_t error_code = 0;
    std::int64_t expiry_timestamp_ms = 0;
    std::int32_t throttle_time_ms = 0;
    bool operator==(const renew_delegation_token_response&) const = default;
};
template <typename V>
void visit(V& v, renew_delegation_token_response& m) {
    v.field(m.error_code, {});
    v.field(m.expiry_timestamp_ms, {});
    v.field(m.throttle_time_ms, {});
}

struct expire_delegation_token_request {
    static constexpr api_key key = api_key::expire_delegation_token;
    bytes hmac;
    std::int64_t expiry_time_period_ms = 0;
    bool operator==(const expire_delegation_token_request&) const = default;
};
template <typename V>
void visit(V& v, expire_delegation_token_request& m) {
    v.field(m.hmac, {});
    v.field(m.expiry_time_period_ms, {});
}

struct expire_delegation_token_response {
    static constexpr api_key key = api_key::expire_delegation_token;
    std::int16_t error_code = 0;
    std::int64_t expiry_timestamp_ms = 0;
    std::int32_t throttle_time_ms = 0;
    bool operator==(const expire_delegation_token_response&) const = default;
};
template <typename V>
void visit(V& v, expire_delegation_token_response& m) {
    v.field(m.error_code, {});
    v.field(m.expiry_timestamp_ms, {});
    v.field(m.throttle_time_ms, {});
}

// DescribeDelegationToken

struct describe_delegation_token_request {
    static constexpr api_key key = api_key::describe_delegation_token;
    std::optional<std::vector<token_principal>> owners =
        std::vector<token_principal>{};  // null: all
    bool operator==(const describe_delegation_token_request&) const = default;
};
template <typename V>
void visit(V& v, describe_delegation_token_request& m) {
    v.field(m.owners, {.nullable_min = 0});
}

struct described_delegation_token {
    std::string principal_type;
    std::string principal_name;
    std::string token_requester_principal_type;  // v3+
    std::string token_requester_principal_name;  // v3+
    std::int64_t issue_timestamp = 0;
    std::int64_t expiry_timestamp = 0;
    std::int64_t max_timestamp = 0;
    std::string token_id;
    bytes hmac;
    std::vector<token_principal> renewers;
    bool operator==(const described_delegation_token&) const = default;
};
template <typename V>
void visit(V& v, described_delegation_token& m) {
    v.field(m.principal_type, {});
    v.field(m.principal_name, {});
    v.field(m.token_requester_principal_type, {.min = 3});
    v.field(m.token_requester_principal_name, {.min = 3});
    v.field(m.issue_timestamp, {});
    v.field(m.expiry_timestamp, {});
    v.field(m.max_timestamp, {});
    v.field(m.token_id, {});
    v.field(m.hmac, {});
    v.field(m.renewers, {});
}

struct describe_delegation_token_response {
    static constexpr api_key key = api_key::describe_delegation_token;
    std::int16_t error_code = 0;
    std::vector<described_delegation_token> tokens;
    std::int32_t throttle_time_ms = 0;
    bool operator==(const describe_delegation_token_response&) const = default;
};
template <typename V>
void visit(V& v, describe_delegation_token_response& m) {
    v.field(m.error_code, {});
    v.field(m.tokens, {});
    v.field(m.throttle_time_ms, {});
}

}  // namespace laminar::kafka
