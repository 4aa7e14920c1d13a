// The partition logs a shard owns. A partition belongs to one shard, chosen by hashing its topic
// id and index; every request touching it hops there (submit_to). Logs open lazily on first use,
// so a broker with many partitions starts without opening them all, and a topic created a moment
// ago is usable at once. Deleted topics' logs are closed and their directories removed.
//
// A cap on open logs (laminar.log.open.max, split over the shards) bounds the descriptors and
// memory of a broker with more partitions than it should keep open: opening one more closes the
// least recently used idle log first (cleanly: its clean-shutdown marker lets the reopen scan
// nothing). Opens that run at once (one fetch over many cold partitions) may take the shard over
// the cap while they are held; the next maintenance tick closes the excess once idle
// (trim_to_cap). A log is idle when nothing holds it: no lease (a request working on it), no
// maintenance pass, and it was never handed out by get() (pinned: the group coordinator keeps
// its __consumer_offsets logs). A reopened log rebuilds its producer state from its active
// segment, as after a restart.
//
// Each partition directory holds partition.metadata (Kafka's file: the topic id), so a directory
// left by a deleted topic is never served as a new topic of the same name.
//
// @locality owning shard.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "broker/fetch_waiters.h"
#include "broker/log_maintenance.h"
#include "broker/producer_state.h"
#include "broker/topic_config.h"
#include "core/async_mutex.h"
#include "core/wait_group.h"
#include "ctl/metadata_image.h"
#include "storage/partition_log.h"

namespace laminar::broker {

// The shard that owns partition `partition` of the topic with `topic_id`: a hash of the two
// over `owners`, the shards that hold partitions (shard_context::partition_shards).
unsigned owner_shard(const ctl::uuid& topic_id, std::int32_t partition,
                     std::span<const unsigned> owners);

// The cap of one shard from laminar.log.open.max (0: half the soft RLIMIT_NOFILE, as each open
// log holds a descriptor per segment and connections need theirs); at least 1.
std::size_t open_logs_max_per_shard(std::int64_t configured, unsigned shard_count);

// Storage settings of a topic from its configs.
storage::log_config log_config_of(const topic_settings& settings);

enum class partition_errc : std::uint8_t {
    unknown_topic_or_partition,
    not_owner,        // asked on a shard that does not own the partition (a bug in routing)
    storage_failed,   // the log could not be opened
};

class partition_manager {
public:
    // open_logs_max: the cap on this shard's open logs; 0: none. `owners`: the shards that hold
    // partitions (shard_context::partition_shards); empty: all.
    partition_manager(std::string data_dir, unsigned shard_id, unsigned shard_count,
                      std::size_t open_logs_max = 0, std::vector<unsigned> owners = {});
    ~partition_manager();

    // The broker's topic defaults (shard_context::topic_defaults: its file under its dynamic
    // configs), under every topic's own keys when its logs open or are reconfigured; must
    // outlive this manager.
    void set_topic_defaults(const std::map<std::string, std::string>* defaults) noexcept {
        _topic_defaults = defaults;
    }

    // The open log of a partition this shard owns, opening it if needed, held open for as long
    // as the returned pointer lives (the cap never closes it meanwhile). `image` is this shard's
    // metadata: the partition must exist there.
    task<result<std::shared_ptr<storage::partition_log>, partition_errc>> acquire(
        const ctl::metadata_image& image, std::string topic, std::int32_t partition);
    // The same for a holder that keeps the log for good (the group coordinator): the log is
    // pinned, never closed by the cap, until its topic is dropped or close_all().
    task<result<storage::partition_log*, partition_errc>> get(const ctl::metadata_image& image,
                                                             std::string topic,
                                                             std::int32_t partition);

    // Closes and removes the logs of topics no longer in `image`.
    task<void> drop_removed(const ctl::metadata_image& image);

    // Hands every open log the settings its topic's configs in `image` give (after a config
    // change), so they take effect without reopening. A log still opening when it is called
    // takes them once it is open (`image`, the shard's copy, must outlive this manager).
    void reconfigure(const ctl::metadata_image& image);

    // Back under the cap after more logs opened than it allows (the opens of one request's
    // partitions run at once, and make_room closes only idle logs): closes least recently used
    // idle logs, one after another and at most `closes_max`, until the open ones fit. The
    // maintenance tick calls it (logs a retention pass still holds wait for a later tick).
    task<void> trim_to_cap(std::size_t closes_max = SIZE_MAX);
    // The maintenance tick's retry of the producer snapshots an append could not start (a busy
    // partition may never be settled right after an append completes).
    void snapshot_due_logs();

    // Starts the periodic retention, flush and compaction work on this shard's open logs.
    void start_maintenance(const log_maintenance_settings& settings);
    const log_maintenance* maintenance() const noexcept { return _maintenance.get(); }

    // Replaces `out` with every open log (for the maintenance walks); the pointers keep a log
    // alive while it is worked on even if its topic is dropped meanwhile.
    void collect_open_logs(std::vector<std::shared_ptr<storage::partition_log>>& out) const;
    // The same with each log's last stable offset (the cleaner's bound; compaction_options).
    void collect_open_logs(
        std::vector<std::pair<std::shared_ptr<storage::partition_log>, std::int64_t>>& out) const;
    // What the cleaner must know of an open log's transactions: its last stable offset and its
    // aborted transactions; nullopt when the log is no longer open here.
    std::optional<storage::compaction_options> compaction_bounds(
        const storage::partition_log& log) const;

    // Stops the maintenance, then cleanly shuts down every open log; later get() calls fail
    // (the broker is stopping).
    task<void> close_all();

    std::size_t open_logs() const noexcept { return _logs.size(); }
    std::size_t open_logs_max() const noexcept { return _open_logs_max; }
    // Logs closed to make room under the cap since start.
    std::uint64_t logs_closed_for_room() const noexcept { return _logs_closed_for_room; }

    // The idempotent producers of an open partition (rebuilt from its log when it opened);
    // nullptr when the log is not open here. Look it up again after every suspension: a
    // deleted topic's log and state go away.
    producer_state_table* producers(const std::string& topic, std::int32_t partition);

    // A fetch on shard `waiter` wants to hear of the next append to this partition.
    void watch(const std::string& topic, std::int32_t partition, unsigned waiter);
    // After an append: wakes the fetches of every shard watching the partition.
    void appended(const std::string& topic, std::int32_t partition);

private:
    using partition_key = std::pair<std::string, std::int32_t>;
    struct open_log {
        ctl::uuid topic_id{};
        std::shared_ptr<storage::partition_log> log;
        std::vector<bool> watchers;  // by shard: a fetch there waits for this partition
        std::unique_ptr<producer_state_table> producers;
        std::list<partition_key>::iterator recency;  // its place in _recency
        bool pinned = false;
        std::int64_t snapshot_offset = -1;  // of its newest producer snapshot (-1: none)
    };
    // Watchers of a log the cap closed, given back when it reopens (a parked fetch must still
    // hear of the next append).
    struct parked_watchers {
        ctl::uuid topic_id{};
        std::vector<bool> watchers;
    };

    task<result<open_log*, partition_errc>> find_or_open(const ctl::metadata_image& image,
                                                         std::string topic,
                                                         std::int32_t partition);
    task<result<open_log*, partition_errc>> open(const ctl::topic_state& topic,
                                                 std::int32_t partition);
    void touch(open_log& entry) noexcept;
    // Writes a producer snapshot in the background when the log's active segment is newer than
    // its last one and no producer's append is in flight (producer_state.h).
    void maybe_snapshot(open_log& entry);
    // At a close: a snapshot at the log end offset, so that the reopen replays nothing.
    static task<void> snapshot_at_close(const storage::partition_log& log,
                                        const producer_state_table* producers);
    void reconfigure_one(const partition_key& key, open_log& entry,
                         const ctl::metadata_image& image);
    // Under the cap: closes least recently used idle logs until one more may open (the opens in
    // flight count as open). `held` is the opening stripe the caller holds.
    task<void> make_room(const async_mutex& held);
    // Closes least recently used idle logs, at most `closes_max`, until at most `open_max` are
    // open (the opens in flight counted); `held` as for close_for_room.
    task<void> close_idle_until(std::size_t open_max, const async_mutex* held,
                                std::size_t closes_max);
    // Closes the least recently used idle log (none: false). `held`: the caller's stripe, or
    // nullptr when it holds none.
    task<bool> close_for_room(const async_mutex* held);
    void forget(std::map<partition_key, open_log>::iterator it);
    async_mutex& opening_lock(const std::string& topic, std::int32_t partition) noexcept;
    // Every opening lock, in order: no open runs until the guards go.
    task<std::vector<async_mutex::guard>> lock_all_openings();
    task<void> close_entries(std::vector<open_log*>& entries, std::size_t& next,
                             wait_group& closing);

    std::string _data_dir;
    unsigned _shard_id;
    unsigned _shard_count;
    std::vector<unsigned> _owners;
    const std::map<std::string, std::string>* _topic_defaults = nullptr;
    // Counts reconfigure() calls, so an open that spanned one knows its settings may be stale.
    std::uint64_t _config_changes = 0;
    const ctl::metadata_image* _config_image = nullptr;  // the last reconfigure()'s
    bool _closed = false;
    // Opens of different partitions run concurrently (a first produce to thousands of cold
    // partitions would otherwise wait for one open after another); one open per stripe at a
    // time, and drops and the close take every stripe: a directory is never half-made twice.
    static constexpr std::size_t opening_stripes = 64;
    std::array<async_mutex, opening_stripes> _opening;
    std::map<partition_key, open_log> _logs;
    // Open logs, most recently used first.
    std::list<partition_key> _recency;
    std::map<partition_key, parked_watchers> _parked;
    std::size_t _open_logs_max = 0;
    std::size_t _opens_in_flight = 0;  // past make_room, not yet in _logs
    std::uint64_t _logs_closed_for_room = 0;
    std::vector<std::unique_ptr<wake_message>> _wakes;  // by target shard
    std::unique_ptr<log_maintenance> _maintenance;
    wait_group _snapshot_writes;  // background producer snapshots (maybe_snapshot)
};

}  // namespace laminar::broker
