// AlterConfigs and IncrementalAlterConfigs: topic resources through the controller (the new set
// of explicit configs is computed there, committed to the metadata log, applied on every shard
// and handed to the open logs); broker resources are refused as Kafka refuses configs that cannot
// change dynamically (Laminar has no dynamic broker configs).
//
// @locality owning shard of the connection; the change runs on controller_shard.
#pragma once

#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/admin_configs.h"
#include "net/kafka/header.h"

namespace laminar::broker {

task<kafka::alter_configs_response> handle_alter_configs(shard_context& context,
                                                         const kafka::request_header& header,
                                                         kafka::alter_configs_request request);

task<kafka::incremental_alter_configs_response> handle_incremental_alter_configs(
    shard_context& context, const kafka::request_header& header,
    kafka::incremental_alter_configs_request request);

}  // namespace laminar::broker
