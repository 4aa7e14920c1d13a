#include "broker/api_acls.h"

#include "broker/kafka_errors.h"

namespace laminar::broker {

std::optional<kafka::describe_acls_response> answer_describe_acls(
    const kafka::describe_acls_request& request) {
    if (kafka::has_unknown_element(request)) return std::nullopt;
    kafka::describe_acls_response response;
    response.error_code = code(kafka_error::security_disabled);
    response.error_message = std::string(describe_acls_disabled_message);
    return response;
}

std::optional<kafka::create_acls_response> answer_create_acls(
    const kafka::create_acls_request& request) {
    if (kafka::has_unknown_element(request)) return std::nullopt;
    kafka::create_acls_response response;
    response.results.resize(request.creations.size(), {code(kafka_error::security_disabled),
                                                       std::string(alter_acls_disabled_message)});
    return response;
}

std::optional<kafka::delete_acls_response> answer_delete_acls(
    const kafka::delete_acls_request& request) {
    if (kafka::has_unknown_element(request)) return std::nullopt;
    kafka::delete_acls_response response;
    response.filter_results.resize(
        request.filters.size(),
        {code(kafka_error::security_disabled), std::string(alter_acls_disabled_message), {}});
    return response;
}

}  // namespace laminar::broker
