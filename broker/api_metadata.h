// ApiVersions and Metadata: what a client asks first. Metadata answers from this shard's copy of
// the cluster metadata; auto-creation of topics goes to the controller shard.
//
// @locality owning shard.
#pragma once

#include <string_view>

#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/api_versions.h"
#include "net/kafka/header.h"
#include "net/kafka/metadata.h"

namespace laminar::broker {

// Kafka's internal topics (Topic.isInternal): __consumer_offsets and __transaction_state. Clients
// may read them but not produce to them or delete their records.
bool is_internal_topic(std::string_view name);

// Our API versions, and from v3 the supported and finalized features (ctl/features.h) with the
// offset of the last metadata record this shard's image has applied as their epoch.
kafka::api_versions_response handle_api_versions(const shard_context& context,
                                                 const kafka::api_versions_request& request);
// For an ApiVersions request of a version we do not speak: UNSUPPORTED_VERSION plus our versions,
// to be encoded as v0.
kafka::api_versions_response unsupported_api_versions();

task<kafka::metadata_response> handle_metadata(shard_context& context,
                                               const kafka::request_header& header,
                                               kafka::metadata_request request);

}  // namespace laminar::broker
