#include "broker/api_security.h"

#include "broker/kafka_errors.h"

namespace laminar::broker {

kafka::sasl_handshake_response answer_sasl_handshake(const kafka::sasl_handshake_request&) {
    kafka::sasl_handshake_response response;
    response.error_code = code(kafka_error::illegal_sasl_state);
    return response;
}

kafka::sasl_authenticate_response answer_sasl_authenticate(
    const kafka::sasl_authenticate_request&) {
    kafka::sasl_authenticate_response response;
    response.error_code = code(kafka_error::illegal_sasl_state);
    response.error_message = std::string(sasl_authenticate_refused_message);
    return response;
}

kafka::create_delegation_token_response answer_create_delegation_token(
    const kafka::create_delegation_token_request& request) {
    kafka::create_delegation_token_response response;
    response.error_code = code(kafka_error::delegation_token_request_not_allowed);
    const bool owner_named =
        request.owner_principal_name.has_value() && !request.owner_principal_name->empty();
    response.principal_type = owner_named ? request.owner_principal_type.value_or("")
                                          : std::string(anonymous_principal_type);
    response.principal_name =
        owner_named ? *request.owner_principal_name : std::string(anonymous_principal_name);
    response.token_requester_principal_type = std::string(anonymous_principal_type);
    response.token_requester_principal_name = std::string(anonymous_principal_name);
    response.issue_timestamp_ms = -1;
    response.expiry_timestamp_ms = -1;
    response.max_timestamp_ms = -1;
    return response;
}

namespace {

// Renew and expire refused: the error and Kafka's error expiry, -1.
template <typename Response>
Response refused_with_no_expiry() {
    Response response;
    response.error_code = code(kafka_error::delegation_token_request_not_allowed);
    response.expiry_timestamp_ms = -1;
    return response;
}

}  // namespace

kafka::renew_delegation_token_response answer_renew_delegation_token(
    const kafka::renew_delegation_token_request&) {
    return refused_with_no_expiry<kafka::renew_delegation_token_response>();
}

kafka::expire_delegation_token_response answer_expire_delegation_token(
    const kafka::expire_delegation_token_request&) {
    return refused_with_no_expiry<kafka::expire_delegation_token_response>();
}

kafka::describe_delegation_token_response answer_describe_delegation_token(
    const kafka::describe_delegation_token_request&) {
    kafka::describe_delegation_token_response response;
    response.error_code = code(kafka_error::delegation_token_request_not_allowed);
    return response;
}

}  // namespace laminar::broker
