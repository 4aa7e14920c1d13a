#include "broker/partition_manager.h"

#include <fcntl.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>

#include "core/crc32c.h"
#include "broker/shard_context.h"
#include "core/log.h"
#include "storage/file_ops.h"

namespace laminar::broker {

namespace {

namespace fs = std::filesystem;

std::string partition_dir(const std::string& data_dir, const std::string& topic,
                          std::int32_t partition) {
    return data_dir + "/" + topic + "-" + std::to_string(partition);
}

constexpr std::size_t partition_metadata_bytes_max = 4096;

// Kafka's partition.metadata: "version: 0" and "topic_id: <base64url>"; empty when the file is
// missing or unreadable. Through the ring: a first open of a partition does not stall the shard.
task<std::string> read_topic_id(const std::string& dir) {
    const std::string path = dir + "/partition.metadata";
    auto opened = co_await storage::open_existing_file(path, O_RDONLY);
    if (!opened || !*opened) co_return std::string();
    std::string text(partition_metadata_bytes_max, '\0');
    auto bytes = std::as_writable_bytes(std::span(text.data(), text.size()));
    auto got = co_await io::read((*opened)->get(), bytes, 0);
    if (!got) co_return std::string();
    text.resize(*got);
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("topic_id: ", 0) == 0) co_return line.substr(10);
    }
    co_return std::string();
}

// Not synced, as the log's own files at creation: a lost file is written again at the next open.
task<bool> write_topic_id(const std::string& dir, const ctl::uuid& topic_id) {
    const std::string path = dir + "/partition.metadata";
    const std::string text = "version: 0\ntopic_id: " + ctl::to_base64url(topic_id) + "\n";
    auto opened = co_await storage::open_file(path, O_CREAT | O_TRUNC | O_WRONLY);
    if (!opened) co_return false;
    auto bytes = std::as_bytes(std::span(text.data(), text.size()));
    auto written = co_await io::write(opened->get(), bytes, 0);
    co_return written && *written == bytes.size();
}

void remove_dir(const std::string& dir) {
    std::error_code error;
    fs::remove_all(dir, error);
    if (error) LAMINAR_LOG_WARN("cannot remove {}: {}", dir, error.message());
}

}  // namespace

std::size_t open_logs_max_per_shard(std::int64_t configured, unsigned shard_count) {
    std::int64_t total = configured;
    if (total <= 0) {
        rlimit limit{};
        if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
        total = static_cast<std::int64_t>(limit.rlim_cur / 2);
    }
    const std::size_t shards = std::max(1u, shard_count);
    return std::max<std::size_t>(1, (static_cast<std::size_t>(total) + shards - 1) / shards);
}

partition_manager::partition_manager(std::string data_dir, unsigned shard_id,
                                     unsigned shard_count, std::size_t open_logs_max,
                                     std::vector<unsigned> owners)
    : _data_dir(std::move(data_dir)),
      _shard_id(shard_id),
      _shard_count(shard_count),
      _owners(std::move(owners)),
      _open_logs_max(open_logs_max) {
    if (_owners.empty()) {
        for (unsigned shard = 0; shard < shard_count; ++shard) _owners.push_back(shard);
    }
    for (unsigned target = 0; target < shard_count; ++target) {
        auto wake = std::make_unique<wake_message>();
        wake->handler = [](cross_shard_message& message) {
            // Cleared before waking: an append after this point sends a new message.
            static_cast<wake_message&>(message).in_flight.store(false);
            shard_context::current().waiters.wake_all();
        };
        _wakes.push_back(std::move(wake));
    }
}

partition_manager::~partition_manager() {
    // close_all() stops the maintenance loop first; it must not outlive the manager.
    LAMINAR_ASSERT(!_maintenance || _closed);
}

void partition_manager::start_maintenance(const log_maintenance_settings& settings) {
    if (_maintenance || _closed) return;
    _maintenance = std::make_unique<log_maintenance>(*this, settings);
    _maintenance->start();
}

void partition_manager::collect_open_logs(
    std::vector<std::shared_ptr<storage::partition_log>>& out) const {
    out.clear();
    out.reserve(_logs.size());
    for (const auto& [key, entry] : _logs) out.push_back(entry.log);
}

// One node: the high watermark is the log end offset (every replica in the ISR is this one).
void partition_manager::collect_open_logs(
    std::vector<std::pair<std::shared_ptr<storage::partition_log>, std::int64_t>>& out) const {
    out.clear();
    out.reserve(_logs.size());
    for (const auto& [key, entry] : _logs) {
        out.emplace_back(entry.log,
                         entry.producers->last_stable_offset(entry.log->log_end_offset()));
    }
}

std::optional<storage::compaction_options> partition_manager::compaction_bounds(
    const storage::partition_log& log) const {
    for (const auto& [key, entry] : _logs) {
        if (entry.log.get() != &log) continue;
        storage::compaction_options options;
        options.stable_end = entry.producers->last_stable_offset(log.log_end_offset());
        for (const auto& txn : entry.producers->aborted()) {
            options.aborted.push_back({txn.producer_id, txn.first_offset, txn.last_offset});
        }
        return options;
    }
    return std::nullopt;
}

void partition_manager::watch(const std::string& topic, std::int32_t partition,
                              unsigned waiter) {
    auto found = _logs.find({topic, partition});
    if (found == _logs.end()) return;
    auto& watchers = found->second.watchers;
    if (watchers.size() < _shard_count) watchers.assign(_shard_count, false);
    watchers[waiter] = true;
}

void partition_manager::appended(const std::string& topic, std::int32_t partition) {
    auto found = _logs.find({topic, partition});
    if (found == _logs.end()) return;
    maybe_snapshot(found->second);
    auto& watchers = found->second.watchers;
    for (unsigned target = 0; target < watchers.size(); ++target) {
        if (!watchers[target]) continue;
        watchers[target] = false;
        if (target == _shard_id) {
            // Queued now, ahead of the append's acknowledgement (fetch_waiters.h).
            shard_context::current().waiters.wake_all();
            continue;
        }
        auto& wake = *_wakes[target];
        if (wake.in_flight.exchange(true)) continue;  // one already on its way
        reactor::current().send_message(target, wake);
    }
}

namespace {

task<void> write_snapshot_in_background(std::string dir, producer_snapshot snapshot,
                                        wait_group& writes) {
    if (auto written = co_await write_producer_snapshot(dir, snapshot); !written) {
        // The next roll or the close writes another; a restart replays more meanwhile.
        LAMINAR_LOG_WARN("{}: producer snapshot at {} not written: {}", dir, snapshot.offset,
                         storage::to_string(written.error()));
    }
    writes.done();
}

}  // namespace

void partition_manager::maybe_snapshot(open_log& entry) {
    if (!entry.producers || !entry.log || !entry.producers->settled() || entry.log->failed()) {
        return;
    }
    const storage::partition_log& log = *entry.log;
    // A restart replays from the snapshot (or the log start): past the active segment's start,
    // it would read a whole sealed segment or more.
    if (log.active_segment().base_offset() <=
        std::max(entry.snapshot_offset, log.log_start_offset())) {
        return;
    }
    entry.snapshot_offset = log.log_end_offset();
    _snapshot_writes.add();
    reactor::current().spawn(write_snapshot_in_background(
        log.dir(), entry.producers->snapshot(entry.snapshot_offset), _snapshot_writes));
}

void partition_manager::snapshot_due_logs() {
    if (_closed) return;
    for (auto& [key, entry] : _logs) maybe_snapshot(entry);
}

task<void> partition_manager::snapshot_at_close(const storage::partition_log& log,
                                                const producer_state_table* producers) {
    if (producers == nullptr || !producers->settled() || log.failed()) co_return;
    const auto offset = log.log_end_offset();
    if (auto written = co_await write_producer_snapshot(log.dir(), producers->snapshot(offset));
        !written) {
        LAMINAR_LOG_WARN("{}: producer snapshot at {} not written: {}", log.dir(), offset,
                         storage::to_string(written.error()));
    }
}

producer_state_table* partition_manager::producers(const std::string& topic,
                                                   std::int32_t partition) {
    auto found = _logs.find({topic, partition});
    return found == _logs.end() ? nullptr : found->second.producers.get();
}

unsigned owner_shard(const ctl::uuid& topic_id, std::int32_t partition,
                     std::span<const unsigned> owners) {
    auto bytes = std::as_bytes(std::span(topic_id));
    std::uint32_t hash = crc32c(bytes);
    hash = crc32c_extend(hash, std::as_bytes(std::span(&partition, 1)));
    return owners[hash % owners.size()];
}

storage::log_config log_config_of(const topic_settings& settings) {
    storage::log_config config;
    config.segment_bytes = static_cast<std::uint64_t>(settings.segment_bytes);
    config.segment_ms = settings.segment_ms;
    config.max_message_bytes = static_cast<std::uint32_t>(settings.max_message_bytes);
    config.message_timestamp_type = settings.log_append_time ? timestamp_type::log_append_time
                                                             : timestamp_type::create_time;
    config.flush_messages = settings.flush_messages == INT64_MAX
                                ? 0
                                : static_cast<std::uint64_t>(settings.flush_messages);
    config.flush_ms = settings.flush_ms == INT64_MAX ? 0 : settings.flush_ms;
    config.retention_ms = settings.retention_ms;
    config.retention_bytes = settings.retention_bytes;
    config.cleanup_delete = settings.cleanup != cleanup_policy::compact;
    config.cleanup_compact = settings.cleanup != cleanup_policy::remove;
    config.delete_retention_ms = settings.delete_retention_ms;
    config.min_cleanable_dirty_ratio = settings.min_cleanable_dirty_ratio;
    config.min_compaction_lag_ms = settings.min_compaction_lag_ms;
    config.max_compaction_lag_ms = settings.max_compaction_lag_ms;
    return config;
}

task<result<std::shared_ptr<storage::partition_log>, partition_errc>>
partition_manager::acquire(const ctl::metadata_image& image, std::string topic,
                           std::int32_t partition) {
    auto entry = co_await find_or_open(image, std::move(topic), partition);
    if (!entry) co_return fail(entry.error());
    co_return (*entry)->log;
}

task<result<storage::partition_log*, partition_errc>> partition_manager::get(
    const ctl::metadata_image& image, std::string topic, std::int32_t partition) {
    auto entry = co_await find_or_open(image, std::move(topic), partition);
    if (!entry) co_return fail(entry.error());
    (*entry)->pinned = true;
    co_return (*entry)->log.get();
}

void partition_manager::touch(open_log& entry) noexcept {
    _recency.splice(_recency.begin(), _recency, entry.recency);
}

task<result<partition_manager::open_log*, partition_errc>> partition_manager::find_or_open(
    const ctl::metadata_image& image, std::string topic, std::int32_t partition) {
    if (auto found = _logs.find({topic, partition}); found != _logs.end()) {
        touch(found->second);
        co_return &found->second;
    }
    const ctl::topic_state* state = image.find_topic(topic);
    if (state == nullptr || partition < 0 ||
        partition >= static_cast<std::int32_t>(state->partitions.size())) {
        co_return fail(partition_errc::unknown_topic_or_partition);
    }
    if (owner_shard(state->topic_id, partition, _owners) != _shard_id) {
        co_return fail(partition_errc::not_owner);
    }
    auto& stripe = opening_lock(topic, partition);
    auto held = co_await stripe.lock();
    if (_closed) co_return fail(partition_errc::not_owner);
    if (auto found = _logs.find({topic, partition}); found != _logs.end()) {
        touch(found->second);
        co_return &found->second;  // opened while we waited
    }
    co_await make_room(stripe);
    // A metadata change while we waited replaces the image: look the topic up again, and give
    // open() its own copy (it awaits the disk, during which the image may change again).
    state = image.find_topic(topic);
    if (state == nullptr || partition >= static_cast<std::int32_t>(state->partitions.size())) {
        co_return fail(partition_errc::unknown_topic_or_partition);
    }
    if (owner_shard(state->topic_id, partition, _owners) != _shard_id) {
        co_return fail(partition_errc::not_owner);
    }
    const ctl::topic_state copy = *state;
    // Counted against the cap until it is in _logs: an open elsewhere making room meanwhile
    // must not take this one's place too.
    ++_opens_in_flight;
    auto opened = co_await open(copy, partition);
    --_opens_in_flight;
    co_return opened;
}

task<void> partition_manager::make_room(const async_mutex& held) {
    if (_open_logs_max > 0) co_await close_idle_until(_open_logs_max - 1, &held, SIZE_MAX);
}

task<void> partition_manager::trim_to_cap(std::size_t closes_max) {
    if (_open_logs_max > 0) co_await close_idle_until(_open_logs_max, nullptr, closes_max);
}

task<void> partition_manager::close_idle_until(std::size_t open_max, const async_mutex* held,
                                               std::size_t closes_max) {
    for (std::size_t closes = 0;
         closes < closes_max && !_closed && _logs.size() + _opens_in_flight > open_max; ++closes) {
        // None idle (all busy or pinned): over the cap until some are released.
        if (!co_await close_for_room(held)) co_return;
    }
}

task<bool> partition_manager::close_for_room(const async_mutex* held) {
    for (auto it = _recency.rbegin(); it != _recency.rend(); ++it) {
        auto found = _logs.find(*it);
        LAMINAR_ASSERT(found != _logs.end());
        auto& entry = found->second;
        if (entry.pinned || entry.log.use_count() > 1) continue;
        // The victim's stripe keeps a reopen of it waiting until the close is done. Never wait
        // for a stripe here (an open holding it may be making room too): take a free one.
        auto& stripe = opening_lock(found->first.first, found->first.second);
        if (&stripe != held && stripe.locked()) continue;
        std::optional<async_mutex::guard> guard;
        if (&stripe != held) guard.emplace(co_await stripe.lock());  // free: no suspension
        auto log = std::move(entry.log);
        auto producers = std::move(entry.producers);
        if (std::find(entry.watchers.begin(), entry.watchers.end(), true) !=
            entry.watchers.end()) {
            _parked[found->first] = parked_watchers{entry.topic_id, std::move(entry.watchers)};
        }
        forget(found);
        ++_logs_closed_for_room;
        if (auto closed = co_await log->close(); !closed) {
            LAMINAR_LOG_WARN("closing {} to stay under laminar.log.open.max: {}", log->dir(),
                             storage::to_string(closed.error()));
        } else {
            co_await snapshot_at_close(*log, producers.get());
        }
        co_return true;
    }
    co_return false;
}

void partition_manager::forget(std::map<partition_key, open_log>::iterator it) {
    _recency.erase(it->second.recency);
    _logs.erase(it);
}

task<result<partition_manager::open_log*, partition_errc>> partition_manager::open(
    const ctl::topic_state& topic, std::int32_t partition) {
    const auto dir = partition_dir(_data_dir, topic.name, partition);
    const auto wanted_id = ctl::to_base64url(topic.topic_id);
    const auto existing_id = co_await read_topic_id(dir);
    if (!existing_id.empty() && existing_id != wanted_id) {
        LAMINAR_LOG_INFO("{} belonged to an earlier topic {}: removing it", dir, existing_id);
        remove_dir(dir);
    }
    storage::log_options options;
    options.data_dir = _data_dir;
    options.topic = topic.name;
    options.partition = partition;
    const auto config_changes = _config_changes;  // resolved now, applied after the waits below
    options.config = log_config_of(resolve_topic_settings(topic.configs, _topic_defaults));
    auto opened = co_await storage::partition_log::open(options);
    if (!opened) {
        LAMINAR_LOG_ERROR("cannot open the log of {}-{}: {}", topic.name, partition,
                          storage::to_string(opened.error()));
        co_return fail(partition_errc::storage_failed);
    }
    if (existing_id != wanted_id) {
        const bool written = co_await write_topic_id(dir, topic.topic_id);
        if (!written) {
            LAMINAR_LOG_ERROR("cannot write {}/partition.metadata", dir);
            co_return fail(partition_errc::storage_failed);
        }
    }
    auto producers = std::make_unique<producer_state_table>();
    auto rebuilt = co_await rebuild_producer_state(**opened, *producers);
    if (!rebuilt) {
        LAMINAR_LOG_ERROR("cannot read the producers of {}-{}: {}", topic.name, partition,
                          storage::to_string(rebuilt.error()));
        co_return fail(partition_errc::storage_failed);
    }
    const partition_key key{topic.name, partition};
    _recency.push_front(key);
    auto& entry = _logs[key] = open_log{topic.topic_id,
                                        std::shared_ptr<storage::partition_log>(std::move(*opened)),
                                        {},
                                        std::move(producers),
                                        _recency.begin(),
                                        false,
                                        *rebuilt};
    maybe_snapshot(entry);  // when the replay read sealed segments, the next open will not
    if (_config_changes != config_changes && _config_image != nullptr) {
        reconfigure_one(key, entry, *_config_image);  // a config changed while it opened
    }
    if (auto parked = _parked.find(key); parked != _parked.end()) {
        if (parked->second.topic_id == topic.topic_id) {
            entry.watchers = std::move(parked->second.watchers);
        }
        _parked.erase(parked);
    }
    co_return &entry;
}

// "<topic>-<partition>" -> partition, or -1 when the name does not end in a partition index.
std::int32_t partition_of_dir(const std::string& name) {
    const auto dash = name.rfind('-');
    if (dash == std::string::npos || dash + 1 == name.size()) return -1;
    std::int32_t partition = 0;
    for (char c : name.substr(dash + 1)) {
        if (c < '0' || c > '9' || partition > 100'000'000) return -1;
        partition = partition * 10 + (c - '0');
    }
    return partition;
}

async_mutex& partition_manager::opening_lock(const std::string& topic,
                                            std::int32_t partition) noexcept {
    const auto hash = std::hash<std::string>{}(topic) ^ static_cast<std::size_t>(partition);
    return _opening[hash % opening_stripes];
}

task<std::vector<async_mutex::guard>> partition_manager::lock_all_openings() {
    std::vector<async_mutex::guard> guards;
    guards.reserve(opening_stripes);
    for (auto& stripe : _opening) guards.push_back(co_await stripe.lock());
    co_return guards;
}

task<void> partition_manager::drop_removed(const ctl::metadata_image& image) {
    auto held = co_await lock_all_openings();
    // A snapshot still being written must not land in a directory removed below (or in the one
    // a topic of the same name makes next).
    co_await _snapshot_writes.wait();
    // Directories of topics that are gone (deleted while this broker was down, or never
    // opened since), claimed by the shard their topic id and partition hash to.
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(_data_dir, error)) {
        const auto name = entry.path().filename().string();
        const auto partition = partition_of_dir(name);
        const auto path = entry.path().string();
        std::string id_text;
        if (partition >= 0) id_text = co_await read_topic_id(path);
        if (id_text.empty() || _logs.contains({name.substr(0, name.rfind('-')), partition})) {
            continue;
        }
        const auto* topic = image.find_topic(name.substr(0, name.rfind('-')));
        if (topic != nullptr && ctl::to_base64url(topic->topic_id) == id_text) continue;
        // Hash the directory's own topic id to pick the one shard that removes it.
        const auto id = ctl::from_base64url(id_text);
        if (!id || owner_shard(*id, partition, _owners) != _shard_id) continue;
        LAMINAR_LOG_INFO("removing {}: its topic was deleted", entry.path().string());
        remove_dir(entry.path().string());
    }
    for (auto it = _logs.begin(); it != _logs.end();) {
        const ctl::topic_state* topic = image.find_topic(it->first.first);
        if (topic != nullptr && topic->topic_id == it->second.topic_id) {
            ++it;
            continue;
        }
        (void)co_await it->second.log->close();
        const auto dir = it->second.log->dir();
        _recency.erase(it->second.recency);
        it = _logs.erase(it);
        remove_dir(dir);
    }
    std::erase_if(_parked, [&](const auto& parked) {
        const ctl::topic_state* topic = image.find_topic(parked.first.first);
        return topic == nullptr || topic->topic_id != parked.second.topic_id;
    });
}

void partition_manager::reconfigure(const ctl::metadata_image& image) {
    ++_config_changes;
    _config_image = &image;
    for (auto& [key, entry] : _logs) reconfigure_one(key, entry, image);
}

void partition_manager::reconfigure_one(const partition_key& key, open_log& entry,
                                        const ctl::metadata_image& image) {
    const ctl::topic_state* topic = image.find_topic(key.first);
    if (topic == nullptr || topic->topic_id != entry.topic_id) return;  // being dropped
    const auto config = log_config_of(resolve_topic_settings(topic->configs, _topic_defaults));
    if (auto changed = entry.log->reconfigure(config); !changed) {
        LAMINAR_LOG_WARN("{}-{} keeps its old settings: {}", key.first, key.second,
                         storage::to_string(changed.error()));
    }
}

task<void> partition_manager::close_entries(std::vector<open_log*>& entries, std::size_t& next,
                                            wait_group& closing) {
    while (next < entries.size()) {
        auto& entry = *entries[next++];
        if (auto closed = co_await entry.log->close(); !closed) {
            LAMINAR_LOG_WARN("closing {}: {}", entry.log->dir(),
                             storage::to_string(closed.error()));
        } else {
            co_await snapshot_at_close(*entry.log, entry.producers.get());
        }
    }
    closing.done();
}

task<void> partition_manager::close_all() {
    if (_maintenance) co_await _maintenance->stop();
    auto held = co_await lock_all_openings();
    _closed = true;
    // Each close syncs and writes checkpoints (several fsyncs): with thousands of partitions,
    // one after another takes minutes; this many at once lets the file system batch them.
    constexpr std::size_t closers = 64;
    std::vector<open_log*> entries;
    entries.reserve(_logs.size());
    for (auto& [key, entry] : _logs) entries.push_back(&entry);
    std::size_t next = 0;
    wait_group closing;
    for (std::size_t i = 0; i < std::min(closers, entries.size()); ++i) {
        closing.add();
        reactor::current().spawn(close_entries(entries, next, closing));
    }
    co_await closing.wait();
    co_await _snapshot_writes.wait();
    _logs.clear();
    _recency.clear();
    _parked.clear();
}

}  // namespace laminar::broker
