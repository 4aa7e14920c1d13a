// Compaction of a partition log (cleanup.policy=compact): keeps the latest record per key.
//
// One pass: the cleanable range is the inactive segments before the first one holding a record
// younger than min.compaction.lag.ms. An offset map (key -> latest offset) is built over its
// dirty part (from the cleaner offset on), then every segment from the log start to the end of
// the mapped part is rewritten: a record goes when its key has a later record in the map, when
// it has no key (Kafka refuses those at produce), or when it is a tombstone whose segment's max
// timestamp is older than delete.retention.ms. Control batches stay whole, and so do batches
// whose records do not parse (they map nothing). A batch keeps its
// header (offsets, timestamps, producer fields) with fewer records and a new CRC; a batch left
// without records goes (Kafka keeps the last batch of each producer for idempotence; Laminar
// does not, so a producer whose every batch was compacted away is unknown after a restart).
//
// Faults tolerated: a crash at any step. Each segment is swapped in as Kafka does: the cleaned
// bytes go to <base>.log.cleaned (synced), which is renamed to <base>.log.swap (directory
// synced: the new content is now committed), then the old indexes are unlinked and the .swap is
// renamed over <base>.log. open() deletes .cleaned files and completes a .swap (renames it over
// its .log and rebuilds the indexes). The cleaner offset checkpoint is written after the pass:
// a crash before it redoes the pass, which keeps the same records (cleaning is idempotent).
// Promises: the records kept are exactly those above; offsets never change; reads in flight
// keep the old file (a file_range holds the old segment and its descriptor).
#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <unordered_map>

#include "core/endian.h"
#include "core/reactor.h"
#include "storage/batch_records.h"
#include "storage/checkpoint.h"
#include "storage/partition_log.h"

namespace laminar::storage {

namespace {

namespace layout = record_batch_layout;

constexpr std::size_t read_chunk_bytes = 1 << 20;
constexpr std::size_t write_chunk_bytes = 1 << 20;
constexpr std::uint32_t batch_bytes_max = 64u << 20;
constexpr std::uint64_t map_entry_overhead_bytes = 64;

errc last_errno() noexcept { return errc_from_core(errc_from_errno(errno)); }

// Whole batches of one segment file in order, read in chunks paced by the budget.
class batch_reader {
public:
    batch_reader(int fd, std::uint64_t end, cleaner_budget& budget) noexcept
        : _fd(fd), _end(end), _budget(budget) {}

    // The next batch (validated: length, magic, CRC); empty at the end.
    task<result<std::span<const std::byte>>> next() {
        if (_position >= _end) co_return std::span<const std::byte>{};
        // Batches served from the buffer complete without suspending; without the tail call
        // that symmetric transfer relies on (g++ does not make it under ASan) each one would
        // nest a stack frame, and a segment of thousands of batches overflowed the shard's
        // stack. A turn through the reactor every so often unwinds it.
        if (++_served % yield_every_batches == 0) co_await io::yield();
        auto prefix = co_await view(layout::length_field_end);
        if (!prefix) co_return fail(prefix.error());
        const auto length = load_be<std::int32_t>(prefix->data() + layout::batch_length);
        if (length <= 0) co_return fail(errc::corrupt_log);
        const std::size_t total = layout::length_field_end + static_cast<std::size_t>(length);
        auto bytes = co_await view(total);
        if (!bytes) co_return fail(bytes.error());
        auto header = validate_record_batch(*bytes, batch_bytes_max);
        if (!header) co_return fail(errc::corrupt_log);
        _position += total;
        co_return *bytes;
    }
    std::uint64_t bytes_read() const noexcept { return _bytes_read; }

private:
    // `length` bytes at _position (corrupt_log past the end).
    task<result<std::span<const std::byte>>> view(std::size_t length) {
        if (length > _end - _position) co_return fail(errc::corrupt_log);
        if (_position < _start || _position + length > _start + _buffer.size()) {
            const std::size_t wanted = std::min<std::uint64_t>(std::max(length, read_chunk_bytes),
                                                               _end - _position);
            if (!co_await _budget.spend(wanted)) co_return fail(errc::closed);
            _buffer.resize(wanted);
            std::size_t filled = 0;
            while (filled < wanted) {
                auto target = std::span(_buffer).subspan(filled);
                auto got = co_await io::read(_fd, target, _position + filled);
                if (!got) co_return fail(errc_from_core(got.error()));
                if (*got == 0) co_return fail(errc::corrupt_log);
                filled += *got;
            }
            _start = _position;
            _bytes_read += wanted;
        }
        co_return std::span<const std::byte>(_buffer).subspan(_position - _start, length);
    }

    int _fd;
    std::uint64_t _end;
    cleaner_budget& _budget;
    std::vector<std::byte> _buffer;
    std::uint64_t _start = 0;
    std::uint64_t _position = 0;
    std::uint64_t _bytes_read = 0;
    std::uint64_t _served = 0;
    static constexpr std::uint64_t yield_every_batches = 64;
};

struct offset_map {
    std::unordered_map<std::string, std::int64_t> latest;
    std::uint64_t bytes = 0;

    void put(std::span<const std::byte> key, std::int64_t offset) {
        auto [entry, added] = latest.try_emplace(
            std::string(reinterpret_cast<const char*>(key.data()), key.size()), offset);
        if (added) {
            bytes += key.size() + map_entry_overhead_bytes;
        } else {
            entry->second = offset;
        }
    }
    // The latest offset of a key, -1 when the map does not hold it.
    std::int64_t find(std::span<const std::byte> key, std::string& scratch) const {
        scratch.assign(reinterpret_cast<const char*>(key.data()), key.size());
        auto found = latest.find(scratch);
        return found == latest.end() ? -1 : found->second;
    }
};

// Adds the keyed records of one segment to the map.
task<result<std::uint64_t>> map_segment(const segment& source, cleaner_budget& budget,
                                        offset_map& map) {
    batch_reader reader(source.fd(), source.size_bytes(), budget);
    std::vector<std::byte> scratch;
    std::vector<record_entry> records;
    while (true) {
        auto batch = co_await reader.next();
        if (!batch) co_return fail(batch.error());
        if (batch->empty()) break;
        auto header = read_record_batch_header(*batch);
        if (!header) co_return fail(errc::corrupt_log);
        if (header->is_control()) continue;
        auto bytes = batch_records_bytes(*batch, *header, scratch);
        // Records that do not parse (written before the topic became compacted, when produce
        // did not read records): the batch is kept whole and maps nothing.
        if (!bytes || !parse_batch_records(*bytes, *header, records)) continue;
        for (const auto& record : records) {
            if (record.key_length >= 0) map.put(record_key(*bytes, record), record.offset);
        }
    }
    co_return reader.bytes_read();
}

// Writes a cleaned copy of one segment to `target`; its size is in `written`.
struct segment_cleaning {
    std::uint64_t bytes_read = 0;
    std::uint64_t written = 0;
    std::uint64_t records_removed = 0;
    std::uint64_t tombstones_removed = 0;
};

class chunked_writer {
public:
    explicit chunked_writer(int fd) noexcept : _fd(fd) {}
    std::vector<std::byte>& buffer() noexcept { return _buffer; }
    task<status> drain(bool all) {
        if (!all && _buffer.size() < write_chunk_bytes) co_return status{};
        std::size_t done = 0;
        while (done < _buffer.size()) {
            auto rest = std::span<const std::byte>(_buffer).subspan(done);
            auto wrote = co_await io::write(_fd, rest, _position + done);
            if (!wrote) co_return fail(errc_from_core(wrote.error()));
            if (*wrote == 0) co_return fail(errc::io_error);
            done += *wrote;
        }
        _position += _buffer.size();
        _buffer.clear();
        co_return status{};
    }
    std::uint64_t position() const noexcept { return _position + _buffer.size(); }

private:
    int _fd;
    std::uint64_t _position = 0;
    std::vector<std::byte> _buffer;
};

task<result<segment_cleaning>> clean_segment(const segment& source, const offset_map& map,
                                             bool drop_tombstones, int target,
                                             cleaner_budget& budget) {
    batch_reader reader(source.fd(), source.size_bytes(), budget);
    chunked_writer writer(target);
    segment_cleaning outcome;
    std::vector<std::byte> scratch;
    std::vector<record_entry> records;
    std::vector<record_entry> kept;
    std::string key_scratch;
    while (true) {
        auto batch = co_await reader.next();
        if (!batch) co_return fail(batch.error());
        if (batch->empty()) break;
        auto header = read_record_batch_header(*batch);
        if (!header) co_return fail(errc::corrupt_log);
        auto& out = writer.buffer();
        std::optional<std::span<const std::byte>> bytes;
        if (!header->is_control()) {
            auto decoded = batch_records_bytes(*batch, *header, scratch);
            if (decoded && parse_batch_records(*decoded, *header, records)) bytes = *decoded;
        }
        if (!bytes) {
            // Control batches, and batches whose records do not parse, stay whole.
            out.insert(out.end(), batch->begin(), batch->end());
        } else {
            kept.clear();
            for (const auto& record : records) {
                const bool keyed = record.key_length >= 0;
                const std::int64_t latest =
                    keyed ? map.find(record_key(*bytes, record), key_scratch) : -1;
                const bool superseded = latest > record.offset;
                const bool expired_tombstone = record.tombstone && drop_tombstones;
                if (keyed && !superseded && !expired_tombstone) {
                    kept.push_back(record);
                    continue;
                }
                ++outcome.records_removed;
                if (record.tombstone && !superseded && keyed) ++outcome.tombstones_removed;
            }
            if (kept.size() == records.size()) {
                out.insert(out.end(), batch->begin(), batch->end());
            } else if (!kept.empty()) {
                if (auto rebuilt = rebuild_batch(*batch, *header, *bytes, kept, out); !rebuilt) {
                    co_return fail(rebuilt.error());
                }
            }
        }
        if (auto drained = co_await writer.drain(false); !drained) {
            co_return fail(drained.error());
        }
    }
    if (auto drained = co_await writer.drain(true); !drained) co_return fail(drained.error());
    outcome.bytes_read = reader.bytes_read();
    outcome.written = writer.position();
    co_return outcome;
}

std::string cleaned_path(const std::string& dir, std::int64_t base) {
    return dir + "/" + segment_file_name(base, cleaned_suffix);
}

}  // namespace

partition_log::cleanable_range partition_log::cleanable(std::int64_t now_ms) const noexcept {
    cleanable_range range;
    const auto& config = _options.config;
    range.end_index = _segments.empty() ? 0 : _segments.size() - 1;
    for (std::size_t i = 0; i < range.end_index; ++i) {
        if (config.min_compaction_lag_ms > 0 &&
            _segments[i]->max_timestamp() > now_ms - config.min_compaction_lag_ms) {
            range.end_index = i;
            break;
        }
    }
    const std::int64_t first_dirty = std::max(_cleaner_offset, _log_start_offset);
    range.dirty_index = range.end_index;
    for (std::size_t i = 0; i < range.end_index; ++i) {
        const bool dirty = _segments[i]->next_offset() > first_dirty &&
                           _segments[i + 1]->base_offset() > first_dirty;
        if (dirty && range.dirty_index == range.end_index) range.dirty_index = i;
        (range.dirty_index <= i ? range.dirty_bytes : range.clean_bytes) +=
            _segments[i]->size_bytes();
    }
    return range;
}

double partition_log::dirty_ratio() const noexcept {
    const auto range = cleanable(_clock->now_ms());
    const auto total = range.clean_bytes + range.dirty_bytes;
    return total == 0 ? 0.0 : static_cast<double>(range.dirty_bytes) / static_cast<double>(total);
}

task<result<compaction_report>> partition_log::compact(const compaction_options& options,
                                                       cleaner_budget& budget) {
    if (_closed) co_return fail(errc::closed);
    if (_failed) co_return fail(errc::log_failed);
    compaction_report report;
    const std::int64_t now = _clock->now_ms();
    const auto range = cleanable(now);
    const auto total = range.clean_bytes + range.dirty_bytes;
    report.clean_offset = _cleaner_offset;
    report.dirty_ratio = total == 0 ? 0.0
                                    : static_cast<double>(range.dirty_bytes) /
                                          static_cast<double>(total);
    if (range.dirty_bytes == 0) co_return report;
    if (!options.force && report.dirty_ratio < _options.config.min_cleanable_dirty_ratio) {
        co_return report;
    }
    // Segments are immutable once inactive; the snapshot keeps them readable whatever happens.
    const std::vector<std::shared_ptr<segment>> snapshot(_segments.begin(), _segments.end());
    offset_map map;
    std::size_t mapped_end = range.dirty_index;
    while (mapped_end < range.end_index &&
           (mapped_end == range.dirty_index || map.bytes < options.map_bytes_max)) {
        auto read = co_await map_segment(*snapshot[mapped_end], budget, map);
        if (!read) co_return fail(read.error());
        report.bytes_read += *read;
        ++mapped_end;
    }
    const std::int64_t clean_end = snapshot[mapped_end]->base_offset();
    const auto delete_retention_ms = _options.config.delete_retention_ms;
    bool moved_on = false;  // a segment changed under us (truncation, retention)
    for (std::size_t i = 0; i < mapped_end; ++i) {
        const auto& source = snapshot[i];
        const std::uint64_t source_size = source->size_bytes();
        const std::string path = cleaned_path(_dir, source->base_offset());
        unique_fd target(::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644));
        if (!target) co_return fail(last_errno());
        const bool drop_tombstones = source->max_timestamp() < now - delete_retention_ms;
        auto cleaned = co_await clean_segment(*source, map, drop_tombstones, target.get(), budget);
        if (cleaned) report.bytes_read += cleaned->bytes_read;
        if (!cleaned || cleaned->records_removed == 0) {
            ::unlink(path.c_str());
            if (!cleaned) co_return fail(cleaned.error());
            continue;
        }
        auto synced = co_await io::fdatasync(target.get());
        if (!synced) {
            ::unlink(path.c_str());
            co_return fail(errc_from_core(synced.error()));
        }
        target.reset();
        if (options.crash_at == cleaner_crash_point::after_cleaned) {
            _failed = true;
            co_return fail(errc::log_failed);
        }
        const bool empty = cleaned->written == 0;
        auto installed = co_await install_cleaned(source, source_size, empty, options.crash_at);
        if (!installed) co_return fail(installed.error());
        if (!*installed) {
            moved_on = true;  // the log moved on (retention, truncation): skip it
            continue;
        }
        report.records_removed += cleaned->records_removed;
        report.tombstones_removed += cleaned->tombstones_removed;
        report.bytes_written += cleaned->written;
        ++(empty ? report.segments_removed : report.segments_rewritten);
    }
    report.ran = true;
    // After a truncation below clean_end the offsets there are new: leave them dirty.
    if (!moved_on && !_closed && !_failed && clean_end > _cleaner_offset &&
        clean_end <= _log_end_offset) {
        const std::string name(cleaner_offset_file);
        unique_fd dir(::open(_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir) co_return fail(last_errno());
        auto written = co_await write_checkpoint(_dir, dir.get(), name, clean_end);
        if (!written) co_return fail(written.error());
        _cleaner_offset = clean_end;
    }
    report.clean_offset = _cleaner_offset;
    co_return report;
}

task<result<bool>> partition_log::install_cleaned(const std::shared_ptr<segment>& original,
                                                  std::uint64_t original_size, bool empty,
                                                  cleaner_crash_point crash_at) {
    auto guard = co_await _append_mutex.lock();
    const std::int64_t base = original->base_offset();
    const std::string cleaned = cleaned_path(_dir, base);
    std::size_t index = 0;
    while (index < _segments.size() && _segments[index] != original) ++index;
    if (_closed || _failed || index + 1 >= _segments.size() ||
        original->size_bytes() != original_size) {
        ::unlink(cleaned.c_str());
        if (_closed) co_return fail(errc::closed);
        if (_failed) co_return fail(errc::log_failed);
        co_return false;
    }
    if (empty) {
        ::unlink(cleaned.c_str());
        auto removed = co_await remove_emptied_segment(index);
        if (!removed) co_return fail(removed.error());
        co_return true;
    }
    const std::string swap = _dir + "/" + segment_file_name(base, swap_suffix);
    if (::rename(cleaned.c_str(), swap.c_str()) != 0) co_return fail(last_errno());
    auto synced = co_await sync_dir();
    if (!synced) co_return fail(synced.error());
    if (crash_at == cleaner_crash_point::after_swap) {
        _failed = true;
        co_return fail(errc::log_failed);
    }
    // From here the cleaned content is committed: recovery completes the swap.
    for (auto suffix : {index_suffix, time_index_suffix}) {
        ::unlink((_dir + "/" + segment_file_name(base, suffix)).c_str());
    }
    if (::rename(swap.c_str(), original->log_path().c_str()) != 0) {
        _failed = true;  // the .swap stays; reopening completes it
        co_return fail(last_errno());
    }
    synced = co_await sync_dir();
    if (!synced) {
        _failed = true;
        co_return fail(synced.error());
    }
    if (crash_at == cleaner_crash_point::after_replace) {
        _failed = true;
        co_return fail(errc::log_failed);
    }
    auto opened = co_await segment::open(_dir, base);
    if (!opened) {
        _failed = true;
        co_return fail(opened.error());
    }
    auto scanned = co_await (*opened)->recover(base, batch_bytes_max,
                                               _options.config.index_interval_bytes);
    if (!scanned || scanned->dropped_bytes > 0) {
        _failed = true;
        co_return fail(scanned ? errc::corrupt_log : scanned.error());
    }
    auto persisted = co_await (*opened)->persist_indexes();
    if (!persisted) {
        _failed = true;
        co_return fail(persisted.error());
    }
    _segments[index] = std::move(*opened);
    co_return true;
}

task<status> partition_log::remove_emptied_segment(std::size_t index) {
    if (index == 0) {
        // Nothing is left below the next segment: the log starts there (as after a crash
        // part-way, open() would drop the segment as wholly below the start offset).
        const std::int64_t start = _segments[1]->base_offset();
        if (start > _log_start_offset) {
            auto written = co_await write_checkpoint_value(log_start_offset_file, start);
            if (!written) co_return written;
            _log_start_offset = start;
        }
    }
    _segments[index]->remove_files();
    _segments.erase(_segments.begin() + static_cast<std::ptrdiff_t>(index));
    co_return co_await sync_dir();
}

}  // namespace laminar::storage
