// DescribeClientQuotas and AlterClientQuotas (KIP-546) as a Kafka 3.7 KRaft broker answers them:
// a description from this shard's copy of the metadata image, an alteration on the controller
// (ctl/client_quotas.h has the rules, the errors and the messages). Laminar has no authorizer,
// so neither is refused for authorization. The quotas are kept in the metadata log and survive
// restarts; client_quota_manager.h enforces the byte rates.
//
// @locality any shard; the alteration hops to controller_shard.
#pragma once

#include "core/task.h"
#include "net/kafka/client_quotas.h"

namespace laminar::broker {

struct shard_context;

kafka::describe_client_quotas_response handle_describe_client_quotas(
    const shard_context& context, const kafka::describe_client_quotas_request& request);
task<kafka::alter_client_quotas_response> handle_alter_client_quotas(
    kafka::alter_client_quotas_request request);

}  // namespace laminar::broker
