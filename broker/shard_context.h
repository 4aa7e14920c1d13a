// What one shard of the broker owns: its copy of the cluster metadata (kept in step with the
// controller's log), and on the controller shard the controller itself. Shards share nothing:
// each reads its own copy; changes arrive as metadata batches through the cross-shard queues.
//
// @locality owning shard; current() is the calling shard's context.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "broker/broker_config.h"
#include "broker/fetch_session.h"
#include "broker/fetch_waiters.h"
#include "broker/topic_config.h"
#include "ctl/metadata_image.h"

namespace laminar::broker {

class connection_admission;
class group_manager;
class metadata_controller;
class partition_manager;
class producer_id_allocator;
class client_quota_registry;
class txn_manager;

// The shard that runs the (single-voter, --dev) controller.
inline constexpr unsigned controller_shard = 0;

struct shard_context {
    unsigned shard_id = 0;
    unsigned shard_count = 1;
    // The shards that hold partitions (owner_shard hashes over them): every shard, or with
    // laminar.partition.placement=numa those on the data disk's NUMA node.
    std::vector<unsigned> partition_shards{0};
    const broker_settings* settings = nullptr;
    const config* broker_config = nullptr;         // every key with its source
    connection_admission* admission = nullptr;     // the limits every shard's listener keeps
    client_quota_registry* quotas = nullptr;       // the client quota rates, of every shard
    std::string cluster_id;                        // from meta.properties
    ctl::metadata_image metadata;                  // this shard's copy
    metadata_controller* controller = nullptr;     // on controller_shard only
    producer_id_allocator* producer_ids = nullptr; // on controller_shard only
    partition_manager* partitions = nullptr;       // the logs this shard owns
    group_manager* groups = nullptr;               // the group coordinators this shard hosts
    txn_manager* transactions = nullptr;           // the transaction coordinators it hosts
    fetch_waiters waiters;                         // fetches parked on this shard
    std::unique_ptr<fetch_session_cache> fetch_sessions;  // made by the first fetch
    topic_settings_cache topic_settings;           // resolved settings, per metadata change
    // The topic defaults in force: the broker's file under its dynamic configs in `metadata`
    // (apply_broker_configs, after every broker config change).
    std::map<std::string, std::string> topic_defaults;

    // Whether this broker leads `partition` (every partition when no settings are known: tests
    // that run handlers without a broker).
    bool leads(const ctl::partition_state& partition) const noexcept {
        return settings == nullptr || partition.leader == settings->node_id;
    }

    static shard_context& current() noexcept;
    static void set_current(shard_context* context) noexcept;
};

}  // namespace laminar::broker
