// The --dev controller: the single voter of the metadata log, running on controller_shard. It
// turns requests into record batches (ctl/metadata_commands.h), appends each batch durably to the
// metadata log, applies it to its image, then to every shard's copy before answering, so a client
// that created a topic sees it in the next Metadata response from any shard.
//
// Changes are serialized (one batch at a time): planning reads the image, which must not change
// between the check and the append.
//
// @locality controller_shard; other shards reach it with submit_to(controller_shard, ...).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/async_mutex.h"
#include "core/task.h"
#include "ctl/client_quotas.h"
#include "ctl/features.h"
#include "ctl/metadata_commands.h"
#include "ctl/metadata_log.h"

namespace laminar::broker {

class metadata_controller {
public:
    metadata_controller(ctl::metadata_log log, ctl::metadata_image image,
                        ctl::topic_defaults defaults, unsigned shard_count, std::int32_t node_id);

    const ctl::metadata_image& image() const noexcept { return _image; }

    // Takes the metadata log's next epoch as its only voter (a leader change record), bootstraps
    // metadata.version in a new log (ctl/features.h), registers this broker (again when its
    // endpoints changed or it was unregistered) and makes it the leader of the partitions left
    // without one that it is in the ISR of: one durable batch, before the first change.
    task<ctl::command_result<void>> start(ctl::register_broker_record broker);
    task<ctl::command_result<ctl::uuid>> create_topic(ctl::create_topic_request request,
                                                      bool validate_only);
    task<ctl::command_result<ctl::uuid>> delete_topic(std::string name);
    task<ctl::command_result<void>> create_partitions(
        std::string name, std::int32_t total_partitions,
        std::vector<std::vector<std::int32_t>> assignment, bool validate_only);
    task<ctl::command_result<void>> alter_topic_configs(
        std::string name, std::map<std::string, std::optional<std::string>> changes,
        bool validate_only);
    // Replaces a topic's explicit configs by what `rewrite` makes of the current ones (run here,
    // under the change lock, so concurrent alterations never lose each other's keys), and
    // commits the difference.
    using config_rewrite = std::function<ctl::command_result<std::map<std::string, std::string>>(
        const std::map<std::string, std::string>& current)>;
    task<ctl::command_result<void>> rewrite_topic_configs(std::string name,
                                                          config_rewrite rewrite,
                                                          bool validate_only);
    // The same for a broker resource's dynamic configs ("": the cluster-wide defaults, else a
    // node id); every shard then applies them again (apply_broker_configs).
    task<ctl::command_result<void>> rewrite_broker_configs(std::string name,
                                                           config_rewrite rewrite,
                                                           bool validate_only);

    // AlterClientQuotas: every entity that passes is changed in one batch; the outcome of each
    // (a failed commit fails those that passed).
    task<std::vector<ctl::quota_alteration_outcome>> alter_client_quotas(
        std::vector<ctl::quota_alteration> alterations, bool validate_only);

    // UnregisterBroker (ctl::plan_unregister_broker). The broker stays out of the metadata until
    // it starts again, as a Kafka broker whose registration was removed.
    task<ctl::command_result<void>> unregister_broker(std::int32_t node_id);

    // UpdateFeatures: the updates that pass are committed in one batch; the outcome of each
    // feature (a failed commit fails those that passed).
    task<std::vector<ctl::feature_update_outcome>> update_features(
        std::vector<ctl::feature_update> updates, bool validate_only);

private:
    // Appends, applies, and spreads one planned batch to every shard.
    task<ctl::command_result<void>> commit(std::vector<ctl::metadata_record> batch);

    ctl::metadata_log _log;
    ctl::metadata_image _image;
    ctl::topic_defaults _defaults;
    unsigned _shard_count;
    std::int32_t _node_id;
    async_mutex _changes;
    std::mt19937 _random{std::random_device{}()};
    std::function<std::uint32_t()> _next_random;
};

struct shard_context;

// Applies the dynamic broker configs in the shard's image copy over the broker's file: sets
// `shard.topic_defaults` (effective_topic_defaults) and drops the settings resolved from the old
// ones (the partition logs take them at their next reconfigure()); on the controller shard, sets
// the connection limits every listener keeps (effective_connection_limits).
void apply_broker_configs(shard_context& shard);

}  // namespace laminar::broker
