// How AlterConfigs and IncrementalAlterConfigs change a topic's explicit configs (and a broker's
// dynamic configs, at the end), checked as Kafka
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

// A broker resource's dynamic configs ("<node id>": this broker's own; "": the cluster-wide
// defaults), by broker key. The topic defaults Kafka lets change while a broker runs
// (dynamic_topic_synonym: log.retention.ms, log.segment.bytes, compression.type, ...), which
// apply to every topic that does not set its own key, and the connection limits
// (dynamic_broker_setting: max.connections, max.connections.per.ip) can be set.
using broker_configs = std::map<std::string, std::string>;

// AlterConfigs on a broker resource: its new set of dynamic configs.
ctl::command_result<broker_configs> replaced_broker_configs(
    const std::vector<kafka::alterable_config>& configs);

// IncrementalAlterConfigs on a broker resource: `current` with the operations applied, validated.
ctl::command_result<broker_configs> incremented_broker_configs(
    const broker_configs& current,
    const std::vector<kafka::incremental_alterable_config>& configs);

// The refusal of broker keys that cannot change while the broker runs, which Kafka answers with
// INVALID_REQUEST naming the keys.
ctl::command_error broker_configs_refusal(const std::vector<std::string>& names);

}  // namespace laminar::broker
