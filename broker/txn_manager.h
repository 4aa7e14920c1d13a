// The driver of the transaction coordinators a shard hosts: one txn::txn_coordinator (a pure
// state machine) per partition of __transaction_state this shard owns (coordinator_host.h has
// what it shares with group_manager: requests, replies, timers, the load). Its effects are
// replies to waiting requests, appends of records to the partition, and transaction markers on
// the data partitions. The coordinator epoch is the partition's leader epoch.
//
// Appends of one partition start in the order the machine emits them (as group_manager's), so
// the log holds the records in the order the machine decided them. The markers of one
// transaction are written to its partitions concurrently; the machine hears of them together.
//
// @locality owning shard; other shards reach a coordinator with submit_to(owner, ...).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "broker/broker_config.h"
#include "broker/coordinator_host.h"
#include "broker/txn_coordinator.h"
#include "core/task.h"
#include "ctl/metadata_image.h"
#include "net/kafka/records.h"

namespace laminar::broker {

struct shard_context;

inline constexpr std::string_view txn_state_topic_name = "__transaction_state";

// The partition of __transaction_state holding a transactional id, and the shard that
// coordinates it.
struct txn_location {
    std::int32_t partition = 0;
    unsigned shard = 0;
};
// nullopt when __transaction_state does not exist (yet).
std::optional<txn_location> locate_transaction(const shard_context& context,
                                               std::string_view transactional_id);

txn::coordinator_config txn_config_of(const txn_settings& settings);

class txn_manager : public coordinator_host<txn_manager, txn::txn_coordinator, txn::reply_effect> {
public:
    static constexpr std::string_view topic_name = txn_state_topic_name;

    txn_manager(const txn_settings& settings, unsigned shard_id);

    // Runs `invoke(machine, request_id, now_ms)` on the coordinator of `partition` and waits for
    // its reply. nullopt: this shard hosts no coordinator for the partition, or the broker is
    // stopping (the caller answers NOT_COORDINATOR).
    template <typename Invoke>
    task<std::optional<txn::reply_effect>> call(std::int32_t partition, Invoke invoke) {
        return call_machine(partition, std::move(invoke));
    }

private:
    friend class coordinator_host<txn_manager, txn::txn_coordinator, txn::reply_effect>;

    std::unique_ptr<txn::txn_coordinator> make_machine(const ctl::partition_state& partition);
    void replay(txn::txn_coordinator& machine, const kafka::parsed_batch& batch, std::int64_t from,
                std::uint64_t& records);
    // Carries out the effects the machine has queued and re-arms its timer if needed.
    void pump(slot& target);
    task<void> append(slot& target, txn::persist_effect persist);
    task<void> write_markers(slot& target, txn::markers_effect markers);

    txn::coordinator_config _config;
};

}  // namespace laminar::broker
