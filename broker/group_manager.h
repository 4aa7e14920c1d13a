// The driver of the group coordinators a shard hosts: one groups::group_coordinator (a pure state
// machine) per partition of __consumer_offsets this shard owns (coordinator_host.h has what it
// shares with txn_manager: requests, replies, timers, the load). Its effects are replies to
// waiting requests and appends of records to the partition.
//
// Effects are carried out in the order the machine emits them: appends of one partition start in
// that order (spawned tasks start in spawn order and append before any other suspension), so
// the log holds the records in the order the machine decided them.
//
// @locality owning shard; other shards reach a coordinator with submit_to(owner, ...).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "broker/broker_config.h"
#include "broker/coordinator_host.h"
#include "broker/group_coordinator.h"
#include "core/task.h"
#include "ctl/metadata_image.h"
#include "net/kafka/records.h"

namespace laminar::storage {
class partition_log;
}

namespace laminar::broker {

struct shard_context;

inline constexpr std::string_view offsets_topic_name = "__consumer_offsets";

// The partition of __consumer_offsets holding a group, and the shard that coordinates it.
struct group_location {
    ctl::uuid topic_id{};
    std::int32_t partition = 0;
    unsigned shard = 0;
};
// nullopt when __consumer_offsets does not exist (yet).
std::optional<group_location> locate_group(const shard_context& context,
                                           std::string_view group_id);

groups::coordinator_config coordinator_config_of(const group_settings& settings);

class group_manager
    : public coordinator_host<group_manager, groups::group_coordinator, groups::response> {
public:
    static constexpr std::string_view topic_name = offsets_topic_name;

    group_manager(const group_settings& settings, unsigned shard_id);

    // Runs `invoke(machine, request_id, now_ms)` on the coordinator of `partition` and waits for
    // its reply of type Response. nullopt: this shard hosts no coordinator for the partition, or
    // the broker is stopping (the caller answers NOT_COORDINATOR).
    template <typename Response, typename Invoke>
    task<std::optional<Response>> call(std::int32_t partition, Invoke invoke);

    // Topics deleted from the cluster: every coordinator drops their committed offsets.
    void topics_deleted(const std::vector<std::string>& topics);

private:
    friend class coordinator_host<group_manager, groups::group_coordinator, groups::response>;

    std::unique_ptr<groups::group_coordinator> make_machine(const ctl::partition_state& partition);
    void replay(groups::group_coordinator& machine, const kafka::parsed_batch& batch,
                std::int64_t from, std::uint64_t& records);
    // Carries out the effects the machine has queued and re-arms its timer if needed.
    void pump(slot& target);
    task<void> append(slot& target, groups::persist_effect persist);

    groups::coordinator_config _config;
};

template <typename Response, typename Invoke>
task<std::optional<Response>> group_manager::call(std::int32_t partition, Invoke invoke) {
    auto answer = co_await call_machine(partition, std::move(invoke));
    if (!answer) co_return std::nullopt;
    auto* reply = std::get_if<Response>(&*answer);
    if (reply == nullptr) co_return std::nullopt;
    co_return std::move(*reply);
}

}  // namespace laminar::broker
