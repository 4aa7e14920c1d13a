// `topic alter-config` on the wire: one blocking connection to the broker that answered the
// metadata request, ApiVersions to check that it serves IncrementalAlterConfigs v0, then the
// request itself (encoding in config_alter_codec.h). Topic configs may go to any broker in
// Kafka; the broker forwards them to the controller.
#pragma once

#include <string_view>
#include <vector>

#include "ctl/cli/config_alter_codec.h"
#include "ctl/cli/kafka_client.h"

namespace laminar::cli {

// Ends the command with exit code 1 (the broker's error message, or "not supported"), or 3
// when the broker cannot be reached.
void alter_topic_configs(const client& kafka, const rd_kafka_metadata_t& metadata,
                         std::string_view topic, const std::vector<config_alteration>& alterations);

}  // namespace laminar::cli
