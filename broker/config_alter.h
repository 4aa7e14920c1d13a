// How AlterConfigs and IncrementalAlterConfigs change a topic's explicit configs, checked as Kafka
// checks them: AlterConfigs gives the whole new set (keys left out return to their defaults);
// IncrementalAlterConfigs applies SET, DELETE, APPEND and SUBTRACT per key to the current set
// (APPEND and SUBTRACT only on list-typed keys, from the default when the key is not set).
// Either way the resulting set must pass validate_topic_configs (INVALID_CONFIG otherwise).
//
// Pure functions: the controller runs them against its image under its change lock.
// @locality any shard.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ctl/metadata_commands.h"
#include "net/kafka/admin_configs.h"

namespace laminar::broker {

using topic_configs = std::map<std::string, std::string>;

// AlterConfigs: the new set of a topic's explicit configs.
ctl::command_result<topic_configs> replaced_topic_configs(
    const std::vector<kafka::alterable_config>& configs);

// IncrementalAlterConfigs: the checks that need no current state (null values, duplicate keys,
// operation codes), so validate_only and unknown topics answer as Kafka does.
ctl::command_result<void> check_incremental_configs(
    const std::vector<kafka::incremental_alterable_config>& configs);

// IncrementalAlterConfigs: `current` with the operations applied, validated.
ctl::command_result<topic_configs> incremented_topic_configs(
    const topic_configs& current, const std::vector<kafka::incremental_alterable_config>& configs);

// The refusal for broker resources: no broker config can change while the broker runs, which
// Kafka answers with INVALID_REQUEST naming the keys.
ctl::command_error broker_configs_refusal(const std::vector<std::string>& names);

}  // namespace laminar::broker
