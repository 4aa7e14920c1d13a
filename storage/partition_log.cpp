// Append, group commit, reads and rolls of a partition log. Faults and promises: partition_log.h;
// recovery is in partition_log_open.cpp, truncation and retention in partition_log_maintenance.cpp.
#include "storage/partition_log.h"

#include <algorithm>
#include <chrono>
#include <limits>

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
        _log.start_flush();
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
      _dir(_options.data_dir + "/" + _options.topic + "-" + std::to_string(_options.partition)) {}

partition_log::~partition_log() {
    // A flush in flight references this log: close() (or awaiting flush()) first.
    LAMINAR_ASSERT(!_flush_running);
    LAMINAR_ASSERT(_waiters == nullptr);
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

task<result<append_result>> partition_log::append(std::span<std::byte> batch) {
    auto header = validate_for_append(batch);
    if (!header) co_return fail(header.error());
    auto done = co_await append_in_order(batch, *header);
    if (!done) co_return fail(done.error());
    if (flush_policy_of(_options.config) == flush_policy::every_batch) {
        auto durable = co_await wait_durable(done->sequence);
        if (!durable) co_return fail(durable.error());
    }
    co_return done->offsets;
}

task<result<partition_log::appended>> partition_log::append_in_order(std::span<std::byte> batch,
                                                                     record_batch_header header) {
    auto guard = co_await _append_mutex.lock();
    if (_closed) co_return fail(errc::closed);
    if (_failed) co_return fail(errc::log_failed);
    const auto& config = _options.config;
    const std::int64_t now = _clock->now_ms();
    auto rolled = co_await roll_if_needed(header, now);
    if (!rolled) co_return fail(rolled.error());

    header.base_offset = _log_end_offset;
    set_base_offset(batch, header.base_offset);
    append_result offsets{header.base_offset, header.last_offset(), -1};
    if (config.message_timestamp_type == timestamp_type::log_append_time) {
        set_log_append_time(batch, now);
        header.attributes |= record_batch_attributes::log_append_time;
        header.max_timestamp = now;
        offsets.log_append_time_ms = now;
    }
    auto active = _segments.back();
    if (active->empty()) _active_created_ms = now;
    auto reserved = co_await active->preallocate(active->size_bytes() + batch.size(),
                                                 config.preallocate_extent_bytes,
                                                 config.segment_bytes);
    // Disk full before anything was written: this append fails, the log stays usable.
    if (!reserved) co_return fail(reserved.error());
    auto written = co_await active->append(batch, header, config.index_interval_bytes);
    if (!written) {
        // What reached the file is unknown: refuse writes until reopened (recovery decides).
        _failed = true;
        fail_waiters(written.error());
        co_return fail(written.error());
    }
    _log_end_offset = header.last_offset() + 1;
    ++_appended_sequence;
    _unflushed_messages += static_cast<std::uint64_t>(header.records_count);
    if (flush_policy_of(config) == flush_policy::interval) {
        const bool by_count = config.flush_messages > 1 &&
                              _unflushed_messages >= config.flush_messages;
        const bool by_time = config.flush_ms > 0 && now - _last_flush_ms >= config.flush_ms;
        if (by_count || by_time) start_flush();
    }
    co_return appended{offsets, _appended_sequence};
}

task<status> partition_log::roll_if_needed(const record_batch_header& header,
                                           std::int64_t now_ms) {
    const segment& active = *_segments.back();
    if (active.empty()) co_return status{};
    const auto& config = _options.config;
    const bool full = active.size_bytes() + header.total_bytes() > config.segment_bytes;
    const bool aged = now_ms - _active_created_ms >= config.segment_ms;
    const bool offsets_overflow = _log_end_offset + header.last_offset_delta -
                                      active.base_offset() >
                                  std::numeric_limits<std::uint32_t>::max();
    if (!full && !aged && !offsets_overflow) co_return status{};
    co_return co_await roll(now_ms);
}

// Seals the active segment (trimmed, synced, indexes persisted), starts a new one and moves the
// recovery point to it, in an order where a crash at any step leaves a recoverable log.
task<status> partition_log::roll(std::int64_t now_ms) {
    auto sealed = _segments.back();
    const std::uint64_t covered = _appended_sequence;
    auto trimmed = sealed->trim();
    if (!trimmed) co_return trimmed;
    ++_fdatasync_count;
    auto synced = co_await sealed->sync();
    if (synced && !_directories_durable) synced = co_await sync_directories();
    if (!synced) {
        _failed = true;
        fail_waiters(synced.error());
        co_return synced;
    }
    mark_durable(covered);
    auto persisted = co_await sealed->persist_indexes();
    if (!persisted) co_return persisted;
    auto created = co_await segment::create(_dir, _log_end_offset);
    if (!created) co_return fail(created.error());
    _segments.push_back(std::move(*created));
    auto dir_synced = co_await sync_dir();
    if (!dir_synced) {
        _failed = true;
        co_return dir_synced;
    }
    _recovery_point = _log_end_offset;
    _active_created_ms = now_ms;
    co_return co_await write_checkpoint_value(recovery_point_file, _recovery_point);
}

partition_log::durable_operation partition_log::wait_durable(std::uint64_t sequence) noexcept {
    return durable_operation(*this, sequence);
}

void partition_log::start_flush() noexcept {
    if (_flush_running || _durable_sequence >= _appended_sequence) return;
    _flush_running = true;
    reactor::current().spawn(flush_loop());
}

// The group commit: one fdatasync at a time; each covers every batch whose write completed
// before it started, and wakes their appends when it completes.
task<void> partition_log::flush_loop() {
    while (!_failed && _durable_sequence < _appended_sequence) {
        const std::uint64_t target = _appended_sequence;
        auto active = _segments.back();
        ++_fdatasync_count;
        auto synced = co_await active->sync();
        // A new log's first flush: its batches are durable once the names of its files are.
        if (synced && !_directories_durable) synced = co_await sync_directories();
        if (!synced) {
            _failed = true;  // after a failed fsync the page cache state is unknown (fsyncgate)
            fail_waiters(synced.error());
            break;
        }
        mark_durable(target);
    }
    if (_failed) fail_waiters(errc::log_failed);
    _flush_running = false;
}

void partition_log::mark_durable(std::uint64_t sequence) noexcept {
    _durable_sequence = std::max(_durable_sequence, sequence);
    if (_durable_sequence >= _appended_sequence) _unflushed_messages = 0;
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

task<result<read_result>> partition_log::read(std::int64_t offset,
                                              std::uint64_t max_bytes) const {
    if (offset < _log_start_offset || offset > _log_end_offset) {
        co_return fail(errc::offset_out_of_range);
    }
    read_result found_nothing{{}, offset};
    if (offset == _log_end_offset) co_return found_nothing;
    std::shared_ptr<const segment> current = _segments[segment_index_for(offset)];
    while (current) {
        // Bytes appended while this read waits are not part of it.
        const std::uint64_t limit = current->size_bytes();
        auto found = co_await current->find_offset(offset, limit);
        if (!found) co_return fail(found.error());
        if (*found) {
            const std::uint64_t start = (*found)->position;
            auto end = co_await current->whole_batches_end(start, max_bytes, limit);
            if (!end) co_return fail(end.error());
            read_result slice{file_range{current, current->fd(), start, *end - start},
                              (*found)->header.base_offset};
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
