#include "broker/api_init_producer_id.h"

#include "broker/api_transactions.h"
#include "broker/kafka_errors.h"
#include "broker/producer_ids.h"
#include "core/cross_shard.h"
#include "core/log.h"

namespace laminar::broker {

task<kafka::init_producer_id_response> handle_init_producer_id(
    shard_context& context, const kafka::request_header& header,
    const kafka::init_producer_id_request& request) {
    kafka::init_producer_id_response response;
    // v3+: the current id and epoch come together or not at all (Kafka's KafkaApis).
    if ((request.producer_id == -1) != (request.producer_epoch == -1)) {
        response.error_code = code(kafka_error::invalid_request);
        co_return response;
    }
    if (request.transactional_id) {
        co_return co_await init_transactional_producer(context, header, request);
    }
    auto allocated = co_await reserve_producer_id();
    if (!allocated) {
        response.error_code = code(kafka_error::coordinator_not_available);  // retriable
        co_return response;
    }
    response.producer_id = *allocated;
    response.producer_epoch = 0;
    co_return response;
}

}  // namespace laminar::broker
