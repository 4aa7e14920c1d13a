// Append, group commit, reads and rolls of a partition log. Faults and promises: partition_log.h;
// recovery is in partition_log_open.cpp, truncation and retention in partition_log_maintenance.cpp.
#include "storage/partition_log.h"

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>

#include "core/reactor.h"
#include "storage/checkpoint.h"

namespace laminar::storage {

namespace {

class system_clock_source final : public log_clock {
public:
    std::int64_t now_ms() const noexcept override {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

}  // namespace

const log_clock& system_log_clock() noexcept {
    static const system_clock_source clock;
    return clock;
}

// One append (or flush) waiting for the fdatasync that covers its sequence number. Lives in the
// waiting coroutine's frame, linked into _waiters.
struct partition_log::durable_waiter {
    std::uint64_t sequence = 0;
    std::coroutine_handle<> handle;
    errc error = errc::ok;
    durable_waiter* next = nullptr;
};

class [[nodiscard]] partition_log::durable_operation {
public:
    durable_operation(partition_log& log, std::uint64_t sequence) noexcept : _log(log) {
        _waiter.sequence = sequence;
    }
    bool await_ready() noexcept {
        if (_log._durable_sequence >= _waiter.sequence) return true;
        if (_log._failed) {
            _waiter.error = errc::log_failed;
            return true;
        }
        return false;
    }
    void await_suspend(std::coroutine_handle<> handle) noexcept {
        _waiter.handle = handle;
        _waiter.next = _log._waiters;
        _log._waiters = &_waiter;
        _log.start_flush(_waiter.sequence);
    }
    status await_resume() const noexcept {
        if (_waiter.error != errc::ok) return fail(_waiter.error);
        return {};
    }

private:
    partition_log& _log;
    durable_waiter _waiter;
};

partition_log::partition_log(log_options options)
    : _options(std::move(options)),
      _clock(_options.clock ? _options.clock : &system_log_clock()),
      _dir(_options.data_dir + "/" + _options.topic + "-" + std::to_string(_options.partition)),
      _seal_link(std::make_shared<seal_link>(seal_link{this})) {}

partition_log::~partition_log() {
    // A flush in flight references this log: close() (or awaiting flush()) first.
    LAMINAR_ASSERT(!_flush_running);
    LAMINAR_ASSERT(_waiters == nullptr);
    _seal_link->log = nullptr;  // a seal in flight stops at its next step
}

std::uint64_t partition_log::size_bytes() const noexcept {
    std::uint64_t total = 0;
    for (const auto& each : _segments) total += each->size_bytes();
    return total;
}

result<record_batch_header> partition_log::validate_for_append(
    std::span<const std::byte> batch) const {
    const auto& config = _options.config;
    auto header = validate_record_batch(batch, config.max_message_bytes);
    if (!header) {
        const bool too_large = header.error() == batch_error::bad_length &&
                               batch.size() > config.max_message_bytes;
        return fail(too_large ? errc::batch_too_large : errc::invalid_batch);
    }
    if (header->total_bytes() != batch.size()) return fail(errc::invalid_batch);
    if (!check_produced_batch_offsets(*header)) return fail(errc::invalid_batch);
    if (header->total_bytes() > config.segment_bytes) return fail(errc::batch_too_large);
    return *header;
}

task<result<append_result>> partition_log::append(std::span<std::byte> batch,
                                                  append_result* written) {
    auto header = validate_for_append(batch);
    if (!header) co_return fail(header.error());
    appended done;
    if (auto inline_done = try_append_inline(batch, *header)) {
        done = *inline_done;
    } else {
        auto queued = co_await append_in_order(batch, *header);
        if (!queued) co_return fail(queued.error());
        done = *queued;
    }
    if (flush_policy_of(_options.config) == flush_policy::every_batch) {
        auto durable = co_await wait_durable(done.sequence);
        if (!durable) {
            if (written != nullptr) *written = done.offsets;
            co_return fail(durable.error());
        }
    }
    co_return done.offsets;
}

// One append in the write queue. Lives in its append_in_order frame.
struct partition_log::queued_append {
    std::span<std::byte> batch;
    record_batch_header header;
    std::coroutine_handle<> handle;  // set while suspended in the queue
    appended value;
    errc error = errc::ok;
    bool done = false;
    bool leads = false;  // its appender writes the next group
    queued_append* next = nullptr;
};

// Waits until the entry was written (by another appender's group) or its appender is to write.
class [[nodiscard]] partition_log::queue_turn {
public:
    explicit queue_turn(queued_append& entry) noexcept : _entry(entry) {}
    bool await_ready() const noexcept { return _entry.done || _entry.leads; }
    void await_suspend(std::coroutine_handle<> handle) noexcept { _entry.handle = handle; }
    void await_resume() const noexcept {}

private:
    queued_append& _entry;
};

task<result<partition_log::appended>> partition_log::append_in_order(std::span<std::byte> batch,
                                                                     record_batch_header header) {
    queued_append entry{batch, header};
    if (_queue_tail) _queue_tail->next = &entry;
    else _queue_head = &entry;
    _queue_tail = &entry;
    if (!_writer_active) {
        _writer_active = true;
        entry.leads = true;  // the queue was empty: this entry is its head
    } else {
        co_await queue_turn(entry);
    }
    if (!entry.done) {
        LAMINAR_ASSERT(_queue_head == &entry);
        co_await write_queued_group();
        LAMINAR_ASSERT(entry.done);
        pass_writing_on();
    }
    if (entry.error != errc::ok) co_return fail(entry.error);
    co_return entry.value;
}

// Room for one group's batches or headers, left uninitialised: only the group's first `count`
// are constructed. record_batch_header's member initialisers would otherwise write all
// group_write_batches_max of them (4.6 KiB) on every append, most of them for groups of one.
template <typename T>
union group_slots {
    static_assert(std::is_trivially_destructible_v<T>);
    group_slots() noexcept {}
    T each[group_write_batches_max];
};

task<void> partition_log::write_queued_group() {
    auto guard = co_await _append_mutex.lock();
    if (_closed || _failed) co_return complete_queued(SIZE_MAX, _closed ? errc::closed
                                                                         : errc::log_failed);
    const auto& config = _options.config;
    const std::int64_t now = _clock->now_ms();
    if (roll_due(_queue_head->header, now)) {
        auto rolled = co_await roll(now);
        if (!rolled) co_return complete_queued(1, rolled.error());
    }
    std::array<queued_append*, group_write_batches_max> group;
    std::size_t count = gather_group(group);
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < count; ++i) bytes += group[i]->batch.size();
    auto active = _segments.back();
    // Most groups land in space already reserved: no call (and coroutine frame) for them.
    if (active->size_bytes() + bytes > active->allocated_bytes()) {
        auto reserved = co_await active->preallocate(active->size_bytes() + bytes,
                                                     config.preallocate_extent_bytes,
                                                     config.segment_bytes);
        if (!reserved && count > 1) {
            // Disk full for the group: try the head alone, so only an append that cannot be
            // written fails (the others get their own attempt as the queue moves on).
            count = 1;
            auto alone = co_await active->preallocate(
                active->size_bytes() + group[0]->batch.size(), config.preallocate_extent_bytes,
                config.segment_bytes);
            reserved = alone;
        }
        // Disk full before anything was written: the head fails, the log stays usable.
        if (!reserved) co_return complete_queued(1, reserved.error());
    }
    group_slots<std::span<const std::byte>> batches;
    group_slots<record_batch_header> headers;
    assign_offsets(std::span(group.data(), count), headers.each, batches.each, now);
    ++_group_write_count;
    auto written = co_await active->append(std::span(batches.each, count),
                                           std::span(headers.each, count),
                                           config.index_interval_bytes);
    record_written(std::span(group.data(), written.batches), headers.each);
    complete_queued(written.batches, errc::ok);
    if (written.error != errc::ok) {
        // What reached the file past the write head is unknown: refuse writes until reopened
        // (recovery decides). The appends not written whole fail and take no offsets.
        _failed = true;
        fail_waiters(written.error);
        co_return complete_queued(count - written.batches, written.error);
    }
    flush_if_due(now);
}

// The common case of one appender at a time, as write_queued_group does it for a group of one
// but with no coroutine frame, lock or queue: nothing queued or locked, no roll or reservation
// due, and the whole batch written on the shard thread. Anything else (nullopt) takes the queue,
// which writes the batch again from the write head: a part of it written here lies past the
// head, unrecorded, and is overwritten with the same bytes.
std::optional<partition_log::appended> partition_log::try_append_inline(
    std::span<std::byte> batch, const record_batch_header& header) {
    if (_writer_active || _append_mutex.locked() || _closed || _failed) return std::nullopt;
    const std::int64_t now = _clock->now_ms();
    if (roll_due(header, now)) return std::nullopt;
    segment& active = *_segments.back();
    if (active.size_bytes() + batch.size() > active.allocated_bytes()) return std::nullopt;
    queued_append entry{batch, header};
    queued_append* const group[] = {&entry};
    std::span<const std::byte> written_batch[1];
    record_batch_header written_header[1];
    assign_offsets(group, written_header, written_batch, now);
    if (!active.append_inline(written_batch[0], written_header[0],
                              _options.config.index_interval_bytes)) {
        return std::nullopt;
    }
    ++_group_write_count;
    record_written(group, written_header);
    flush_if_due(now);
    return entry.value;
}

// Gives the group's batches their offsets (and log append time) in place, and fills the headers
// and byte spans for the segment's write (`headers` and `batches` hold group.size() unconstructed
// slots).
void partition_log::assign_offsets(std::span<queued_append* const> group,
                                   record_batch_header* headers,
                                   std::span<const std::byte>* batches,
                                   std::int64_t now_ms) noexcept {
    const bool append_time =
        _options.config.message_timestamp_type == timestamp_type::log_append_time;
    std::int64_t next_offset = _log_end_offset;
    for (std::size_t i = 0; i < group.size(); ++i) {
        queued_append& each = *group[i];
        record_batch_header& header = *std::construct_at(&headers[i], each.header);
        header.base_offset = next_offset;
        set_base_offset(each.batch, next_offset);
        each.value.offsets = append_result{next_offset, header.last_offset(), -1};
        if (append_time) {
            set_log_append_time(each.batch, now_ms);
            header.attributes |= record_batch_attributes::log_append_time;
            header.max_timestamp = now_ms;
            each.value.offsets.log_append_time_ms = now_ms;
        }
        std::construct_at(&batches[i], each.batch);
        next_offset = header.last_offset() + 1;
    }
    if (_segments.back()->empty()) _active_created_ms = now_ms;
}

// The log end and sequence numbers move past the batches written whole (the first of the group).
void partition_log::record_written(std::span<queued_append* const> written,
                                   const record_batch_header* headers) noexcept {
    for (std::size_t i = 0; i < written.size(); ++i) {
        _log_end_offset = headers[i].last_offset() + 1;
        written[i]->value.sequence = ++_appended_sequence;
        _appended_messages += static_cast<std::uint64_t>(headers[i].records_count);
    }
}

// flush.messages and flush.ms, after a write.
void partition_log::flush_if_due(std::int64_t now_ms) noexcept {
    const auto& config = _options.config;
    if (flush_policy_of(config) != flush_policy::interval) return;
    const bool by_count = config.flush_messages > 1 &&
                          _appended_messages - _durable_messages >= config.flush_messages;
    const bool by_time = config.flush_ms > 0 && now_ms - _last_flush_ms >= config.flush_ms;
    if (by_count || by_time) start_flush(_appended_sequence);
}

// The head and the appends behind it that the active segment can take after it (the head was
// checked by roll_due), at most group.size().
std::size_t partition_log::gather_group(std::span<queued_append*> group) const noexcept {
    const segment& active = *_segments.back();
    const auto& config = _options.config;
    std::uint64_t end = active.size_bytes();
    std::int64_t next_offset = _log_end_offset;
    std::size_t count = 0;
    for (queued_append* each = _queue_head; each && count < group.size(); each = each->next) {
        const std::int64_t last = next_offset + each->header.last_offset_delta;
        const bool fits = end + each->batch.size() <= config.segment_bytes &&
                          last - active.base_offset() <= std::numeric_limits<std::uint32_t>::max();
        if (count > 0 && !fits) break;
        group[count++] = each;
        end += each->batch.size();
        next_offset = last + 1;
    }
    return count;
}

// Completes the first `count` queued appends (all of them for SIZE_MAX) with `error` (ok: their
// value is set), waking those that wait.
void partition_log::complete_queued(std::size_t count, errc error) noexcept {
    for (std::size_t i = 0; i < count && _queue_head; ++i) {
        queued_append* entry = _queue_head;
        _queue_head = entry->next;
        if (!_queue_head) _queue_tail = nullptr;
        entry->error = error;
        entry->done = true;
        if (entry->handle) reactor::current().schedule(std::exchange(entry->handle, {}));
    }
}

// After a group: the next queued appender writes the next group.
void partition_log::pass_writing_on() noexcept {
    if (!_queue_head) {
        _writer_active = false;
        return;
    }
    _queue_head->leads = true;
    if (_queue_head->handle) reactor::current().schedule(std::exchange(_queue_head->handle, {}));
}

// Whether the active segment must roll before `header`'s batch. A plain function, not a
// coroutine: asked on every group write, it rarely says yes.
bool partition_log::roll_due(const record_batch_header& header,
                             std::int64_t now_ms) const noexcept {
    const segment& active = *_segments.back();
    if (active.empty()) return false;
    const auto& config = _options.config;
    const bool full = active.size_bytes() + header.total_bytes() > config.segment_bytes;
    // A compacted log's active segment is never cleaned: it rolls at max.compaction.lag.ms
    // after its first append so its records become cleanable in time (as Kafka).
    const std::int64_t roll_ms = config.cleanup_compact
                                     ? std::min(config.segment_ms, config.max_compaction_lag_ms)
                                     : config.segment_ms;
    const bool aged = now_ms - _active_created_ms >= roll_ms;
    const bool offsets_overflow = _log_end_offset + header.last_offset_delta -
                                      active.base_offset() >
                                  std::numeric_limits<std::uint32_t>::max();
    return full || aged || offsets_overflow;
}

// A bound on rolled segments waiting for their seal: a roll past it waits for the seals.
constexpr std::size_t seals_pending_max = 2;
// A flush whose directory could not be opened (no descriptor free), or whose seal was refused,
// tries again this often before its waiters fail (about a second).
constexpr unsigned directory_sync_retries_max = 100;
constexpr std::chrono::milliseconds directory_sync_retry_delay{10};

// Starts a new segment at the log end. The full one is only trimmed here (so that a process
// crash leaves it ending at its last batch, as recovery expects of a segment that is not the
// last); its seal runs in seal_loop.
task<status> partition_log::roll(std::int64_t now_ms) {
    if (_seals.size() >= seals_pending_max) {
        auto sealed = co_await finish_seals();
        if (!sealed) co_return sealed;
    }
    auto full = _segments.back();
    auto trimmed = full->trim();
    if (!trimmed) co_return trimmed;
    auto created = co_await segment::create(_dir, _log_end_offset);
    if (!created) co_return fail(created.error());
    _segments.push_back(std::move(*created));
    _active_created_ms = now_ms;
    _seals.push_back(
        pending_seal{std::move(full), _appended_sequence, _appended_messages, _log_end_offset});
    if (!_seal_running) {
        _seal_running = true;
        _seal_error = errc::ok;
        reactor::current().spawn(seal_loop(_seal_link));
    }
    co_return status{};
}

task<status> partition_log::finish_seals() {
    while (!_seals.empty()) {
        if (_failed) co_return fail(errc::log_failed);
        if (!_seal_running) {
            _seal_running = true;
            _seal_error = errc::ok;
            reactor::current().spawn(seal_loop(_seal_link));
        }
        co_await wait_sealed();
        if (_seal_error != errc::ok && !_seals.empty()) co_return fail(_seal_error);
    }
    co_return status{};
}

// One waiter for the seals to finish; lives in the waiting coroutine's frame.
struct partition_log::seal_waiter {
    std::coroutine_handle<> handle;
    seal_waiter* next = nullptr;
};

class [[nodiscard]] partition_log::seal_wait {
public:
    explicit seal_wait(partition_log& log) noexcept : _log(log) {}
    bool await_ready() const noexcept { return !_log._seal_running; }
    void await_suspend(std::coroutine_handle<> handle) noexcept {
        _waiter.handle = handle;
        _waiter.next = _log._seal_waiters;
        _log._seal_waiters = &_waiter;
    }
    void await_resume() const noexcept {}

private:
    partition_log& _log;
    seal_waiter _waiter;
};

task<void> partition_log::wait_sealed() {
    while (_seal_running) co_await seal_wait(*this);
}

task<void> partition_log::seal_loop(std::shared_ptr<seal_link> link) {
    const std::string dir = link->log->_dir;
    while (link->log && !link->log->_seals.empty() && !link->log->_failed) {
        const pending_seal job = link->log->_seals.front();  // rolls may grow _seals meanwhile
        auto& segments = link->log->_segments;
        // Truncation or retention (while a failed seal waited for its retry) removed the
        // segment or made it the active one again: nothing to seal.
        const auto found = std::find(segments.begin(), segments.end(), job.full);
        const bool still_rolled = found != segments.end() && found + 1 != segments.end();
        status sealed;
        if (still_rolled) sealed = co_await seal(link, dir, job);
        partition_log* log = link->log;
        if (!log) co_return;  // destroyed without close(): the next open() recovers
        if (!sealed && log->_failed) {
            log->fail_waiters(sealed.error());  // its fdatasync failed
            break;
        }
        if (!sealed) {
            log->_seal_error = sealed.error();  // kept queued: retried later
            break;
        }
        log->_seals.erase(log->_seals.begin());
    }
    partition_log* log = link->log;
    if (!log) co_return;
    if (log->_failed) log->_seals.clear();
    log->_seal_running = false;
    while (log->_seal_waiters) {
        seal_waiter* waiter = log->_seal_waiters;
        log->_seal_waiters = waiter->next;
        reactor::current().schedule(waiter->handle);
    }
}

// Makes a rolled segment durable (data, size, index files, its successor's directory entry),
// then lets the recovery point pass it. Seals run one at a time, oldest first, so every segment
// before it is sealed already. After each step, a log destroyed meanwhile ends it.
task<status> partition_log::seal(const std::shared_ptr<seal_link>& link, const std::string& dir,
                                 const pending_seal& job) {
    ++link->log->_fdatasync_count;
    auto synced = co_await job.full->sync();
    if (!link->log) co_return synced;
    // After a failed fsync the page cache state is unknown (fsyncgate): the log fails.
    if (!synced) link->log->_failed = true;
    if (!synced) co_return synced;
    if (!link->log->_directories_durable) {
        // A log created (or reopened after a crash) since its directories were last synced: the
        // names of its files (the data directory's entry for the partition directory, then the
        // partition directory) before anything in the segment is acknowledged durable.
        // The paths are this frame's copies: the log may be destroyed while the fsyncs wait.
        const std::string data_dir = link->log->_options.data_dir;
        bool fsync_failed = false;
        auto names = co_await sync_directory_names(data_dir, dir, fsync_failed);
        if (!link->log) co_return names;
        // As for the data: after a failed fsync what reached the disk is unknown; the log fails
        // rather than retry the seal and mark its batches durable on a second fsync's word. A
        // directory that could not be opened (no descriptor free: EMFILE) was not synced at
        // all: the seal stays queued and is retried, the log keeps serving.
        if (!names && fsync_failed) link->log->_failed = true;
        if (!names) co_return names;
        link->log->_directory_sync_count += 2;
        link->log->_directories_durable = true;
    }
    link->log->mark_durable(job.covered_sequence, job.covered_messages);
    auto persisted = co_await job.full->persist_indexes();
    if (!persisted || !link->log) co_return persisted;
    unique_fd directory(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory) co_return fail(errc_from_core(errc_from_errno(errno)));
    auto dir_synced = co_await sync_directory(directory.get());
    if (!dir_synced) {
        // This fsync makes the next segment's name durable, and a retried one may report 0
        // (fsyncgate): the log fails, as after a failed fdatasync.
        if (link->log) link->log->_failed = true;
        co_return dir_synced;
    }
    if (!link->log) co_return dir_synced;
    ++link->log->_directory_sync_count;
    if (job.next_base_offset <= link->log->_recovery_point) co_return status{};
    const std::string name(recovery_point_file);
    bool fsync_failed = false;
    auto written = co_await write_checkpoint(dir, directory.get(), name, job.next_base_offset,
                                             &fsync_failed);
    if (!link->log) co_return written;
    // As for the data and the directory: a failed fsync of the checkpoint (its file or the
    // rename) fails the log. One refused before any fsync (no descriptor, a full disk) synced
    // nothing: the seal stays queued and is retried.
    if (!written && fsync_failed) link->log->_failed = true;
    // Moved in memory only once on disk, so a retried seal writes it again.
    if (written) link->log->_recovery_point = job.next_base_offset;
    co_return written;
}

partition_log::durable_operation partition_log::wait_durable(std::uint64_t sequence) noexcept {
    return durable_operation(*this, sequence);
}

void partition_log::start_flush(std::uint64_t sequence) noexcept {
    _flush_target = std::max(_flush_target, sequence);
    if (_flush_running || _durable_sequence >= _flush_target) return;
    _flush_running = true;
    _flush_loops.add();
    reactor::current().spawn(flush_loop());
}

// The group commit: one fdatasync at a time; each covers every batch whose write completed
// before it started, and wakes their appends when it completes. The loop stops once what was
// asked for (_flush_target) is durable, not once every batch is: under a steady stream of
// appends with no one waiting (flush policy none, a checkpoint's flush) the log would otherwise
// fdatasync back to back for as long as the stream lasts, and each sync (a device cache flush
// here) turns the appends that meet it into blocking writes.
task<void> partition_log::flush_loop() {
    unsigned directory_retries = 0;
    while (!_failed && _durable_sequence < _flush_target) {
        // Batches in a rolled segment are durable once its seal has synced it, and batches in
        // the active one once its directory entry is: let the seals finish first.
        if (!_seals.empty()) {
            auto sealed = co_await finish_seals();
            if (!sealed) {
                // Not a failed fsync (that fails the log): no descriptor free, a full disk. The
                // waiters' batches are in the log; give the seal a second before failing them.
                // A shortage that lasts fails them and leaves the log serving, as the directory
                // sync below does: see there.
                if (!_failed && ++directory_retries <= directory_sync_retries_max) {
                    co_await io::sleep_for(directory_sync_retry_delay);
                    continue;
                }
                fail_waiters(sealed.error());
                break;
            }
            directory_retries = 0;
            continue;
        }
        const std::uint64_t target = _appended_sequence;
        const std::uint64_t messages = _appended_messages;
        auto active = _segments.back();
        ++_fdatasync_count;
        auto synced = co_await active->sync();
        bool fsync_failed = !synced;
        // A new log's first flush: its batches are durable once the names of its files are.
        if (synced && !_directories_durable) synced = co_await sync_directories(fsync_failed);
        if (!synced) {
            // After a failed fsync the page cache state is unknown (fsyncgate): the log fails.
            if (fsync_failed) {
                _failed = true;
                break;
            }
            // A directory that could not be opened (EMFILE) was not synced, but the batches are
            // in the log already: failing their appends would let a producer's retry write
            // them twice. Try again a little later. A shortage that lasts fails the waiters
            // only, as a refused seal does above: EMFILE is no failed fsync and nothing was
            // marked durable, so the log keeps serving and the next flush tries the directories
            // again; a failed log would refuse every append until the process restarts, over a
            // shortage of descriptors that may already be over.
            if (++directory_retries <= directory_sync_retries_max) {
                co_await io::sleep_for(directory_sync_retry_delay);
                continue;
            }
            fail_waiters(synced.error());
            break;
        }
        directory_retries = 0;
        // The messages appended while the sync ran stay unflushed (flush.messages counts them).
        mark_durable(target, messages);
    }
    if (_failed) fail_waiters(errc::log_failed);
    _flush_running = false;
    _flush_loops.done();
}

void partition_log::mark_durable(std::uint64_t sequence, std::uint64_t messages) noexcept {
    // A seal and a flush may complete in either order: each moves the marks only forward.
    _durable_sequence = std::max(_durable_sequence, sequence);
    _durable_messages = std::max(_durable_messages, messages);
    _last_flush_ms = _clock->now_ms();
    durable_waiter** link = &_waiters;
    while (*link) {
        durable_waiter* waiter = *link;
        if (waiter->sequence <= _durable_sequence) {
            *link = waiter->next;
            reactor::current().schedule(waiter->handle);
        } else {
            link = &waiter->next;
        }
    }
}

void partition_log::fail_waiters(errc error) noexcept {
    while (_waiters) {
        durable_waiter* waiter = _waiters;
        _waiters = waiter->next;
        waiter->error = error;
        reactor::current().schedule(waiter->handle);
    }
}

task<status> partition_log::flush() {
    if (!_seals.empty()) {
        auto sealed = co_await finish_seals();
        if (!sealed) co_return sealed;
    }
    if (_failed) co_return fail(errc::log_failed);
    co_return co_await wait_durable(_appended_sequence);
}

task<status> partition_log::flush_if_due() {
    const auto& config = _options.config;
    if (config.flush_ms <= 0 || _durable_sequence >= _appended_sequence) co_return status{};
    if (_clock->now_ms() - _last_flush_ms < config.flush_ms) co_return status{};
    co_return co_await flush();
}

std::size_t partition_log::segment_index_for(std::int64_t offset) const noexcept {
    auto after = std::upper_bound(_segments.begin(), _segments.end(), offset,
                                  [](std::int64_t value, const std::shared_ptr<segment>& each) {
                                      return value < each->base_offset();
                                  });
    return after == _segments.begin() ? 0 : static_cast<std::size_t>(after - _segments.begin() - 1);
}

task<result<read_result>> partition_log::read(std::int64_t offset, std::uint64_t max_bytes,
                                              std::int64_t max_offset) const {
    if (offset < _log_start_offset || offset > _log_end_offset) {
        co_return fail(errc::offset_out_of_range);
    }
    read_result found_nothing{{}, offset};
    if (offset == _log_end_offset || offset >= max_offset) co_return found_nothing;
    std::shared_ptr<const segment> current = _segments[segment_index_for(offset)];
    while (current) {
        // Bytes appended while this read waits are not part of it.
        std::uint64_t limit = current->size_bytes();
        const header_reads where = _read_ahead.placement(current->base_offset());
        bool bounded = false;
        if (max_offset < _log_end_offset && max_offset >= current->base_offset()) {
            // The batch holding max_offset, if this segment has it, bounds the read.
            auto bound = co_await current->find_offset(max_offset, limit, where);
            if (!bound) co_return fail(bound.error());
            if (*bound) {
                limit = std::min(limit, (*bound)->position);
                bounded = true;
            }
        }
        auto found = co_await current->find_offset(offset, limit, where);
        if (!found) co_return fail(found.error());
        if (!*found && bounded) co_return found_nothing;  // offset's batch holds max_offset
        if (*found) {
            const std::uint64_t start = (*found)->position;
            auto end = co_await current->whole_batches_end(**found, max_bytes, limit, where);
            if (!end) co_return fail(end.error());
            read_result slice{file_range{current, current->fd(), start, *end - start},
                              (*found)->header.base_offset};
            _read_ahead.on_read(current->base_offset(), current->fd(), start, *end, limit,
                                where);
            co_return slice;
        }
        // The offset is past this segment's batches (a gap): the next segment has it.
        const std::int64_t base = current->base_offset();
        current = nullptr;
        for (const auto& each : _segments) {
            if (each->base_offset() > base) {
                current = each;
                break;
            }
        }
    }
    co_return found_nothing;
}

task<result<std::optional<timestamp_lookup>>> partition_log::offset_for_timestamp(
    std::int64_t timestamp) const {
    std::int64_t after_base = std::numeric_limits<std::int64_t>::min();
    while (true) {
        std::shared_ptr<const segment> current;
        for (const auto& each : _segments) {
            if (each->base_offset() > after_base && each->max_timestamp() >= timestamp) {
                current = each;
                break;
            }
        }
        if (!current) co_return std::optional<timestamp_lookup>{};
        auto found = co_await current->find_timestamp(timestamp, current->size_bytes());
        if (!found) co_return fail(found.error());
        if (*found) {
            const auto& header = (*found)->header;
            co_return std::optional<timestamp_lookup>(timestamp_lookup{
                std::max(header.base_offset, _log_start_offset), header.max_timestamp});
        }
        after_base = current->base_offset();
    }
}

task<result<epoch_scan>> partition_log::scan_leader_epochs(std::int32_t epoch) const {
    // Holding the segments keeps their files readable if retention removes them meanwhile.
    const auto segments = _segments;
    epoch_scan scan;
    for (const auto& each : segments) {
        auto walked = co_await each->scan_epochs(epoch, each->size_bytes(), scan);
        if (!walked) co_return fail(walked.error());
        if (scan.above) break;
    }
    co_return scan;
}

task<result<std::optional<std::vector<std::byte>>>> partition_log::batch_with_max_timestamp()
    const {
    std::shared_ptr<const segment> latest;
    for (const auto& each : _segments) {
        if (each->empty()) continue;
        if (!latest || each->max_timestamp() > latest->max_timestamp()) latest = each;
    }
    if (!latest) co_return std::optional<std::vector<std::byte>>{};
    auto found = co_await latest->find_timestamp(latest->max_timestamp(), latest->size_bytes());
    if (!found) co_return fail(found.error());
    if (!*found) co_return fail(errc::corrupt_log);  // the segment's max names no batch
    std::vector<std::byte> bytes((*found)->header.total_bytes());
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        auto target = std::span(bytes).subspan(filled);
        auto got = co_await io::read(latest->fd(), target, (*found)->position + filled);
        if (!got) co_return fail(errc_from_core(got.error()));
        if (*got == 0) co_return fail(errc::corrupt_log);
        filled += *got;
    }
    co_return std::optional<std::vector<std::byte>>(std::move(bytes));
}

}  // namespace laminar::storage
