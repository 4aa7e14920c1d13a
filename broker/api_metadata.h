// ApiVersions and Metadata: what a client asks first. Metadata answers from this shard's copy of
// the cluster metadata; auto-creation of topics goes to the controller shard.
//
// @locality owning shard.
#pragma once

#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/api_versions.h"
#include "net/kafka/header.h"
#include "net/kafka/metadata.h"

namespace laminar::broker {

kafka::api_versions_response handle_api_versions(const kafka::request_header& header,
                                                 const kafka::api_versions_request& request);
// For an ApiVersions request of a version we do not speak: UNSUPPORTED_VERSION plus our versions,
// to be encoded as v0.
kafka::api_versions_response unsupported_api_versions();

task<kafka::metadata_response> handle_metadata(shard_context& context,
                                               const kafka::request_header& header,
                                               kafka::metadata_request request);

}  // namespace laminar::broker
