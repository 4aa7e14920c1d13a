// Compaction of a partition log (cleanup.policy=compact): keeps the latest record per key.
//
// One pass: the cleanable range is the inactive segments before the first one holding a record
// younger than min.compaction.lag.ms or an offset at or above the last stable offset (the
// owner's; an open transaction is never cleaned, as Kafka's firstUncleanableOffset). An offset
// map (key -> latest offset) is built over its
// dirty part (from the cleaner offset on), then every segment from the log start to the end of
// the mapped part is rewritten, consecutive segments whose sizes sum to at most segment.bytes
// (and whose offsets fit the index's 32-bit relative offsets) into one (Kafka's
// groupSegmentsBySize; the sizes are the sources', so a group's output fits too). A record goes
// when its key has a later record in the map, when it has no key (Kafka refuses those at
// produce), when it is a tombstone in a batch whose delete horizon has passed, or when its batch
// belongs to a transaction the owner says was aborted (compaction_options::aborted; such batches
// also map no key, so an aborted value never hides the committed one before it). Delete horizon
// (KIP-534): a batch that keeps a tombstone and has no horizon yet is rewritten with attribute
// bit 6 and base timestamp = now + delete.retention.ms (record timestamps unchanged); a later
// pass after that time drops its tombstones. Transaction markers (control batches) stay while
// the pass read a batch of their transaction before them; then they get a horizon the same way
// and go once it has passed (Kafka's CleanedTransactionMetadata).
// Batches whose records do not parse stay whole (they map nothing). A batch keeps its header
// (offsets, timestamps, producer fields) with fewer records and a new CRC; a batch left without
// records goes (Kafka keeps the last batch of each producer for idempotence; Laminar does not,
// so a producer whose every batch was compacted away is unknown after a restart).
//
// Faults tolerated: a crash at any step. Each group is swapped in as Kafka does: the cleaned
// bytes go to <first base>.log.cleaned (synced), which is renamed to <first base>.log.swap
// (directory synced: the new content is now committed), then the group's later segments are
// unlinked (directory synced), the first one's indexes are unlinked and the .swap is renamed over
// <first base>.log. open() deletes .cleaned files and completes a .swap (complete_cleaned_swap:
// unlinks the segments the .swap's offsets cover, renames it, rebuilds the indexes). A later
// segment of the group whose records were all dropped is not covered by the .swap's offsets: if
// a crash left it, it stays with its old records, after the cleaned ones (a less clean but
// consistent log, which the next pass cleans). The cleaner offset checkpoint is written after
// the pass: a crash before it redoes the pass, which keeps the same records (cleaning is
// idempotent). A pass that fails on the data (a batch that does not validate) or on I/O
// leaves the log as it was, serving, and records where it failed (last_compaction_failure).
// Promises: the records kept are exactly those above; offsets never change; reads in flight
// keep the old files (a file_range holds the old segment and its descriptor).
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/endian.h"
#include "core/reactor.h"
#include "storage/batch_records.h"
#include "storage/checkpoint.h"
#include "storage/file_ops.h"
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
    batch_reader(const segment& source, cleaner_budget& budget) noexcept
        : _fd(source.fd()), _end(source.size_bytes()), _budget(budget),
          _next_offset(source.base_offset()) {}

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
        if (!header || header->base_offset < _next_offset) co_return fail(errc::corrupt_log);
        _position += total;
        _next_offset = header->last_offset() + 1;
        co_return *bytes;
    }
    std::uint64_t bytes_read() const noexcept { return _bytes_read; }
    // Where the next batch starts, and the offset expected there.
    std::uint64_t position() const noexcept { return _position; }
    std::int64_t next_offset() const noexcept { return _next_offset; }

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
    std::int64_t _next_offset;
    std::vector<std::byte> _buffer;
    std::uint64_t _start = 0;
    std::uint64_t _position = 0;
    std::uint64_t _bytes_read = 0;
    std::uint64_t _served = 0;
    static constexpr std::uint64_t yield_every_batches = 64;
};

}  // namespace

// Key -> latest offset over the mapped segments.
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

// Which data batches belong to an aborted transaction: a transactional batch of the producer
// whose base offset falls in one of its aborted transactions' [first, last] (a producer has at
// most one transaction open, so its aborted ranges do not overlap).
class aborted_batches {
public:
    explicit aborted_batches(std::span<const aborted_transaction> aborted) {
        for (const auto& txn : aborted) {
            _ranges[txn.producer_id].emplace_back(txn.first_offset, txn.last_offset);
        }
        for (auto& [producer, ranges] : _ranges) std::sort(ranges.begin(), ranges.end());
    }
    bool contains(const record_batch_header& header) const {
        if (!header.is_transactional() || header.is_control()) return false;
        auto found = _ranges.find(header.producer_id);
        if (found == _ranges.end()) return false;
        const auto& ranges = found->second;
        auto after = std::upper_bound(
            ranges.begin(), ranges.end(), header.base_offset,
            [](std::int64_t offset, const auto& range) { return offset < range.first; });
        return after != ranges.begin() && header.base_offset <= std::prev(after)->second;
    }

private:
    std::unordered_map<std::int64_t, std::vector<std::pair<std::int64_t, std::int64_t>>> _ranges;
};

namespace {

// Adds the keyed records of one segment to the map (aborted batches map nothing).
task<result<std::uint64_t>> map_segment(const segment& source, const aborted_batches& aborted,
                                        cleaner_budget& budget, offset_map& map,
                                        compaction_failure& failure) {
    batch_reader reader(source, budget);
    std::vector<std::byte> scratch;
    std::vector<record_entry> records;
    while (true) {
        auto batch = co_await reader.next();
        if (!batch) {
            failure = {batch.error(), source.base_offset(), reader.position(),
                       reader.next_offset()};
            co_return fail(batch.error());
        }
        if (batch->empty()) break;
        auto header = read_record_batch_header(*batch);
        if (!header) co_return fail(errc::corrupt_log);
        if (header->is_control() || aborted.contains(*header)) continue;
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

// What cleaning one group wrote; its size is in `written`.
struct group_cleaning {
    std::uint64_t bytes_read = 0;
    std::uint64_t written = 0;
    std::uint64_t records_removed = 0;
    std::uint64_t tombstones_removed = 0;
    std::uint64_t markers_removed = 0;
    std::uint64_t horizons_set = 0;
    std::uint64_t batches_dropped = 0;
    bool skipped = false;  // a lone segment with nothing to change: no file was kept
    bool changed() const noexcept {
        return records_removed > 0 || markers_removed > 0 || horizons_set > 0 ||
               batches_dropped > 0;
    }
};

class chunked_writer {
public:
    explicit chunked_writer(int fd) noexcept : _fd(fd) {}
    std::vector<std::byte>& buffer() noexcept { return _buffer; }
    task<status> drain(bool all) {
        if (!all && _buffer.size() < write_chunk_bytes) co_return status{};
        auto wrote = co_await write_fully(_fd, _buffer, _position);
        if (!wrote) co_return wrote;
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

// Transactions met in offset order over one pass (from the log start): a marker's transaction
// still has data when this pass read a transactional batch of its producer since that
// producer's previous marker, whether it kept the batch or not (Kafka's
// CleanedTransactionMetadata). So a marker outlives its data by at least one pass: were a group
// holding the data skipped (the log moved on under the pass), the marker still stays.
class transaction_tracker {
public:
    void data_read(const record_batch_header& header) {
        if (header.is_transactional()) _with_data.insert(header.producer_id);
    }
    // For each marker in order: true when no batch of its transaction is left.
    bool marker_of_empty_transaction(const record_batch_header& header) {
        return _with_data.erase(header.producer_id) == 0;
    }

private:
    std::unordered_set<std::int64_t> _with_data;
};

// What decides a record's and a batch's fate in one pass.
struct cleaning_rules {
    const offset_map& map;
    const aborted_batches& aborted;
    std::int64_t now_ms = 0;
    std::int64_t new_horizon_ms = 0;  // now + delete.retention.ms (saturated)
    transaction_tracker& transactions;
};

bool horizon_passed(const record_batch_header& header, std::int64_t now_ms) noexcept {
    const auto horizon = delete_horizon_of(header);
    return horizon && now_ms >= *horizon;
}

// Appends the cleaned form of one data batch (nothing when every record goes).
status clean_data_batch(std::span<const std::byte> batch, const record_batch_header& header,
                        std::span<const std::byte> records, std::span<const record_entry> entries,
                        cleaning_rules& rules, group_cleaning& outcome,
                        std::vector<std::byte>& out) {
    rules.transactions.data_read(header);
    const bool drop_tombstones = horizon_passed(header, rules.now_ms);
    std::vector<record_entry> kept;
    std::string key_scratch;
    bool kept_tombstone = false;
    for (const auto& record : entries) {
        const bool keyed = record.key_length >= 0;
        const std::int64_t latest =
            keyed ? rules.map.find(record_key(records, record), key_scratch) : -1;
        const bool superseded = latest > record.offset;
        if (keyed && !superseded && !(record.tombstone && drop_tombstones)) {
            kept.push_back(record);
            kept_tombstone = kept_tombstone || record.tombstone;
            continue;
        }
        ++outcome.records_removed;
        if (record.tombstone && !superseded && keyed) ++outcome.tombstones_removed;
    }
    if (kept.empty()) {
        ++outcome.batches_dropped;
        return {};
    }
    const bool set_horizon = kept_tombstone && !delete_horizon_of(header);
    if (kept.size() == entries.size() && !set_horizon) {
        out.insert(out.end(), batch.begin(), batch.end());
        return {};
    }
    if (set_horizon) ++outcome.horizons_set;
    std::optional<std::int64_t> horizon;
    if (set_horizon) horizon = rules.new_horizon_ms;
    return rebuild_batch(batch, header, records, kept, out, horizon);
}

// Appends what stays of one control batch (a transaction marker).
status clean_marker(std::span<const std::byte> batch, const record_batch_header& header,
                    cleaning_rules& rules, group_cleaning& outcome, std::vector<std::byte>& out) {
    const bool empty_transaction = rules.transactions.marker_of_empty_transaction(header);
    if (empty_transaction && horizon_passed(header, rules.now_ms)) {
        ++outcome.markers_removed;
        ++outcome.batches_dropped;
        return {};
    }
    std::vector<std::byte> scratch;
    std::vector<record_entry> entries;
    auto records = batch_records_bytes(batch, header, scratch);
    const bool set_horizon = empty_transaction && !delete_horizon_of(header) && records &&
                             parse_batch_records(*records, header, entries) && !entries.empty();
    if (!set_horizon) {
        out.insert(out.end(), batch.begin(), batch.end());
        return {};
    }
    ++outcome.horizons_set;
    return rebuild_batch(batch, header, *records, entries, out, rules.new_horizon_ms);
}

// Appends the cleaned copy of one segment to `writer`.
task<status> clean_segment(const segment& source, cleaning_rules& rules, chunked_writer& writer,
                           cleaner_budget& budget, group_cleaning& outcome,
                           compaction_failure& failure) {
    batch_reader reader(source, budget);
    std::vector<std::byte> scratch;
    std::vector<record_entry> records;
    while (true) {
        const compaction_failure here{errc::corrupt_log, source.base_offset(), reader.position(),
                                      reader.next_offset()};
        auto batch = co_await reader.next();
        if (!batch) {
            failure = here;
            failure.error = batch.error();
            co_return fail(batch.error());
        }
        if (batch->empty()) break;
        auto header = read_record_batch_header(*batch);
        if (!header) {
            failure = here;
            co_return fail(errc::corrupt_log);
        }
        auto& out = writer.buffer();
        status cleaned;
        if (header->is_control()) {
            cleaned = clean_marker(*batch, *header, rules, outcome, out);
        } else if (rules.aborted.contains(*header)) {
            // Aborted data goes whole, whatever its records (Kafka's shouldDiscardBatch).
            rules.transactions.data_read(*header);
            outcome.records_removed += static_cast<std::uint32_t>(header->records_count);
            ++outcome.batches_dropped;
        } else if (auto bytes = batch_records_bytes(*batch, *header, scratch);
                   bytes && parse_batch_records(*bytes, *header, records)) {
            cleaned = clean_data_batch(*batch, *header, *bytes, records, rules, outcome, out);
        } else {
            // Records that do not parse (written before the topic became compacted): whole.
            rules.transactions.data_read(*header);
            out.insert(out.end(), batch->begin(), batch->end());
        }
        if (!cleaned) {
            failure = here;
            failure.error = cleaned.error();
            co_return fail(cleaned.error());
        }
        if (auto drained = co_await writer.drain(false); !drained) {
            failure = here;
            failure.error = drained.error();
            co_return fail(drained.error());
        }
    }
    outcome.bytes_read += reader.bytes_read();
    co_return status{};
}

// Consecutive segments [first, first + count) of the snapshot rewritten into one.
struct segment_group {
    std::size_t first = 0;
    std::size_t count = 0;
};

// Kafka's groupSegmentsBySize over [0, end): sizes summing to at most segment_bytes, offsets
// within the 32-bit relative offsets of one segment's indexes.
std::vector<segment_group> group_by_size(std::span<const std::shared_ptr<segment>> segments,
                                         std::size_t end, std::uint64_t segment_bytes) {
    std::vector<segment_group> groups;
    std::size_t first = 0;
    while (first < end) {
        std::uint64_t bytes = segments[first]->size_bytes();
        std::size_t next = first + 1;
        while (next < end) {
            const auto& candidate = *segments[next];
            const std::int64_t span = candidate.next_offset() - 1 - segments[first]->base_offset();
            if (bytes + candidate.size_bytes() > segment_bytes ||
                span > static_cast<std::int64_t>(std::numeric_limits<std::uint32_t>::max())) {
                break;
            }
            bytes += candidate.size_bytes();
            ++next;
        }
        groups.push_back({first, next - first});
        first = next;
    }
    return groups;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? INT64_MAX : INT64_MIN;
    return sum;
}

std::string cleaned_path(const std::string& dir, std::int64_t base) {
    return dir + "/" + segment_file_name(base, cleaned_suffix);
}

// Writes the cleaned copy of `group` to `path`, synced; a lone segment that would not change is
// skipped (no file left).
task<result<group_cleaning>> write_cleaned_group(const std::string& path,
                                                 std::span<const std::shared_ptr<segment>> group,
                                                 cleaning_rules& rules, cleaner_budget& budget,
                                                 compaction_failure& failure) {
    const std::int64_t base = group.front()->base_offset();
    unique_fd target(::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644));
    if (!target) {
        failure = {last_errno(), base, 0, base};
        co_return fail(failure.error);
    }
    chunked_writer writer(target.get());
    group_cleaning outcome;
    status written;
    for (const auto& member : group) {
        written = co_await clean_segment(*member, rules, writer, budget, outcome, failure);
        if (!written) break;
    }
    if (written) {
        written = co_await writer.drain(true);
        if (!written) failure = {written.error(), base, writer.position(), base};
    }
    outcome.written = writer.position();
    outcome.skipped = written && group.size() == 1 && !outcome.changed();
    if (written && !outcome.skipped) {
        auto synced = co_await io::fdatasync(target.get());
        if (!synced) {
            written = fail(errc_from_core(synced.error()));
            failure = {written.error(), base, outcome.written, base};
        }
    }
    if (!written || outcome.skipped) ::unlink(path.c_str());
    if (!written) co_return fail(written.error());
    co_return outcome;
}

// The offset after the last batch of a .swap file (its base when it holds none): the group it
// replaces covers the segments whose base is below it.
task<result<std::int64_t>> swap_next_offset(const std::string& path, std::int64_t base) {
    unique_fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file) co_return fail(last_errno());
    std::int64_t next = base;
    std::uint64_t position = 0;
    std::array<std::byte, layout::header_bytes> header{};
    while (true) {
        auto got = co_await io::read(file.get(), std::span(header), position);
        if (!got) co_return fail(errc_from_core(got.error()));
        if (*got < header.size()) break;
        auto parsed = read_record_batch_header(header);
        if (!parsed || parsed->total_bytes() < layout::header_bytes ||
            parsed->base_offset < next) {
            break;
        }
        next = parsed->last_offset() + 1;
        position += parsed->total_bytes();
    }
    co_return next;
}

}  // namespace

task<status> complete_cleaned_swap(const std::string& dir, std::int64_t base,
                                   std::vector<std::int64_t>& segment_bases) {
    const std::string swap = dir + "/" + segment_file_name(base, swap_suffix);
    if (!std::binary_search(segment_bases.begin(), segment_bases.end(), base)) {
        ::unlink(swap.c_str());
        co_return status{};
    }
    auto covered = co_await swap_next_offset(swap, base);
    if (!covered) co_return fail(covered.error());
    auto later = std::upper_bound(segment_bases.begin(), segment_bases.end(), base);
    while (later != segment_bases.end() && *later < *covered) {
        for (auto suffix : {index_suffix, time_index_suffix, log_suffix}) {
            ::unlink((dir + "/" + segment_file_name(*later, suffix)).c_str());
        }
        later = segment_bases.erase(later);
    }
    for (auto suffix : {index_suffix, time_index_suffix}) {
        ::unlink((dir + "/" + segment_file_name(base, suffix)).c_str());
    }
    const std::string log = dir + "/" + segment_file_name(base, log_suffix);
    if (::rename(swap.c_str(), log.c_str()) != 0) co_return fail(last_errno());
    co_return status{};
}

partition_log::cleanable_range partition_log::cleanable(std::int64_t now_ms,
                                                        std::int64_t stable_end) const noexcept {
    cleanable_range range;
    const auto& config = _options.config;
    range.end_index = _segments.empty() ? 0 : _segments.size() - 1;
    for (std::size_t i = 0; i < range.end_index; ++i) {
        const bool too_young =
            config.min_compaction_lag_ms > 0 &&
            _segments[i]->max_timestamp() > now_ms - config.min_compaction_lag_ms;
        if (too_young || _segments[i]->next_offset() > stable_end) {
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

double partition_log::dirty_ratio(std::int64_t stable_end) const noexcept {
    const auto range = cleanable(_clock->now_ms(), stable_end);
    const auto total = range.clean_bytes + range.dirty_bytes;
    return total == 0 ? 0.0 : static_cast<double>(range.dirty_bytes) / static_cast<double>(total);
}

task<result<std::int64_t>> partition_log::first_batch_timestamp(
    const std::shared_ptr<segment>& source) {
    for (const auto& [known, timestamp] : _first_batch_timestamps) {
        if (known.lock() == source) co_return timestamp;
    }
    std::array<std::byte, layout::header_bytes> header{};
    auto got = co_await io::read(source->fd(), std::span(header), 0);
    if (!got) co_return fail(errc_from_core(got.error()));
    std::int64_t timestamp = -1;
    if (*got == header.size()) {
        timestamp = load_be<std::int64_t>(header.data() + layout::max_timestamp);
    }
    _first_batch_timestamps.emplace_back(source, timestamp);
    co_return timestamp;
}

task<result<std::int64_t>> partition_log::max_compaction_delay_ms(std::int64_t stable_end) {
    const std::int64_t max_lag = std::max<std::int64_t>(_options.config.max_compaction_lag_ms, 0);
    if (max_lag == std::numeric_limits<std::int64_t>::max() || _segments.size() < 2) co_return 0;
    std::erase_if(_first_batch_timestamps, [](const auto& entry) { return entry.first.expired(); });
    const std::int64_t first_dirty = std::max(_cleaner_offset, _log_start_offset);
    const std::vector<std::shared_ptr<segment>> inactive(_segments.begin(), _segments.end() - 1);
    std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
    for (const auto& each : inactive) {
        if (each->next_offset() <= first_dirty) continue;
        if (each->next_offset() > stable_end) break;
        auto timestamp = co_await first_batch_timestamp(each);
        if (!timestamp) co_return fail(timestamp.error());
        if (*timestamp > 0) earliest = std::min(earliest, *timestamp);
    }
    const std::int64_t clean_until = _clock->now_ms() - max_lag;
    co_return earliest < clean_until ? clean_until - earliest : 0;
}

task<result<compaction_report>> partition_log::compact(const compaction_options& options,
                                                       cleaner_budget& budget) {
    if (_closed) co_return fail(errc::closed);
    if (_failed) co_return fail(errc::log_failed);
    compaction_report report;
    const std::int64_t now = _clock->now_ms();
    const auto range = cleanable(now, options.stable_end);
    const auto total = range.clean_bytes + range.dirty_bytes;
    report.clean_offset = _cleaner_offset;
    report.dirty_ratio = total == 0 ? 0.0
                                    : static_cast<double>(range.dirty_bytes) /
                                          static_cast<double>(total);
    if (range.dirty_bytes == 0) co_return report;
    auto delay = co_await max_compaction_delay_ms(options.stable_end);
    if (!delay) co_return fail(delay.error());
    report.max_compaction_delay_ms = *delay;
    if (!options.force && *delay == 0 &&
        report.dirty_ratio < _options.config.min_cleanable_dirty_ratio) {
        co_return report;
    }
    _compaction_failure = {};
    // Segments are immutable once inactive; the snapshot keeps them readable whatever happens.
    const std::vector<std::shared_ptr<segment>> snapshot(_segments.begin(), _segments.end());
    const aborted_batches aborted(options.aborted);
    offset_map map;
    std::size_t mapped_end = range.dirty_index;
    while (mapped_end < range.end_index &&
           (mapped_end == range.dirty_index || map.bytes < options.map_bytes_max)) {
        auto read =
            co_await map_segment(*snapshot[mapped_end], aborted, budget, map, _compaction_failure);
        if (!read) co_return fail(read.error());
        report.bytes_read += *read;
        ++mapped_end;
    }
    const std::int64_t clean_end = snapshot[mapped_end]->base_offset();
    auto cleaned =
        co_await clean_mapped(snapshot, mapped_end, map, aborted, options, budget, report);
    if (!cleaned) co_return fail(cleaned.error());
    report.ran = true;
    // After a truncation below clean_end the offsets there are new: leave them dirty.
    if (*cleaned && !_closed && !_failed && clean_end > _cleaner_offset &&
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

// Rewrites the groups of snapshot[0, end) and swaps them in; false when a segment changed under
// the pass (truncation, retention) and was skipped.
task<result<bool>> partition_log::clean_mapped(std::span<const std::shared_ptr<segment>> snapshot,
                                               std::size_t end, const offset_map& map,
                                               const aborted_batches& aborted,
                                               const compaction_options& options,
                                               cleaner_budget& budget, compaction_report& report) {
    const std::int64_t now = _clock->now_ms();
    transaction_tracker transactions;
    cleaning_rules rules{map, aborted, now,
                         saturating_add(now, _options.config.delete_retention_ms), transactions};
    bool whole = true;
    for (const auto& group : group_by_size(snapshot, end, _options.config.segment_bytes)) {
        const auto members = snapshot.subspan(group.first, group.count);
        std::vector<std::uint64_t> sizes;
        for (const auto& member : members) sizes.push_back(member->size_bytes());
        const std::string path = cleaned_path(_dir, members.front()->base_offset());
        auto cleaned = co_await write_cleaned_group(path, members, rules, budget,
                                                    _compaction_failure);
        if (!cleaned) co_return fail(cleaned.error());
        report.bytes_read += cleaned->bytes_read;
        if (cleaned->skipped) continue;
        if (options.crash_at == cleaner_crash_point::after_cleaned) {
            _failed = true;
            co_return fail(errc::log_failed);
        }
        const bool empty = cleaned->written == 0;
        auto installed = co_await install_cleaned(members, sizes, empty, options.crash_at);
        if (!installed) co_return fail(installed.error());
        if (!*installed) {
            whole = false;  // the log moved on (retention, truncation): skip it
            continue;
        }
        report.records_removed += cleaned->records_removed;
        report.tombstones_removed += cleaned->tombstones_removed;
        report.markers_removed += cleaned->markers_removed;
        report.horizons_set += cleaned->horizons_set;
        report.bytes_written += cleaned->written;
        report.segments_rewritten += empty ? 0 : 1;
        report.segments_removed += empty ? group.count : group.count - 1;
        report.segments_merged += empty ? 0 : group.count - 1;
    }
    co_return whole;
}

task<result<bool>> partition_log::install_cleaned(std::span<const std::shared_ptr<segment>> group,
                                                  std::span<const std::uint64_t> sizes,
                                                  bool empty, cleaner_crash_point crash_at) {
    auto guard = co_await _append_mutex.lock();
    co_await wait_sealed();
    const std::string cleaned = cleaned_path(_dir, group.front()->base_offset());
    std::size_t index = 0;
    while (index < _segments.size() && _segments[index] != group.front()) ++index;
    bool in_place = !_closed && !_failed && index + group.size() < _segments.size();
    for (std::size_t k = 0; in_place && k < group.size(); ++k) {
        in_place = _segments[index + k] == group[k] && group[k]->size_bytes() == sizes[k];
    }
    if (!in_place) {
        ::unlink(cleaned.c_str());
        if (_closed) co_return fail(errc::closed);
        if (_failed) co_return fail(errc::log_failed);
        co_return false;
    }
    if (empty) {
        ::unlink(cleaned.c_str());
        for (std::size_t k = 0; k < group.size(); ++k) {
            auto removed = co_await remove_emptied_segment(index);
            if (!removed) co_return fail(removed.error());
        }
        co_return true;
    }
    auto replaced = co_await replace_by_swap(index, group.size(), crash_at);
    if (!replaced) co_return fail(replaced.error());
    co_return true;
}

// .cleaned -> .swap (committed), the group's later segments unlinked, .swap -> .log; then the
// segment is opened again with fresh indexes. Under the append lock.
task<status> partition_log::replace_by_swap(std::size_t index, std::size_t count,
                                            cleaner_crash_point crash_at) {
    const auto first = _segments[index];
    const std::int64_t base = first->base_offset();
    const std::string cleaned = cleaned_path(_dir, base);
    const std::string swap = _dir + "/" + segment_file_name(base, swap_suffix);
    if (::rename(cleaned.c_str(), swap.c_str()) != 0) co_return fail(last_errno());
    auto synced = co_await sync_dir();
    if (!synced) co_return synced;
    auto crash = [&](cleaner_crash_point point) {
        if (crash_at == point) _failed = true;
        return crash_at == point;
    };
    if (crash(cleaner_crash_point::after_swap)) co_return fail(errc::log_failed);
    // From here the cleaned content is committed: recovery completes the swap. Any failure
    // fails the log so that reopening does.
    for (std::size_t k = 1; k < count; ++k) _segments[index + k]->remove_files();
    if (count > 1) synced = co_await sync_dir();
    if (!synced) {
        _failed = true;
        co_return synced;
    }
    if (crash(cleaner_crash_point::after_members_removed)) co_return fail(errc::log_failed);
    for (auto suffix : {index_suffix, time_index_suffix}) {
        ::unlink((_dir + "/" + segment_file_name(base, suffix)).c_str());
    }
    if (::rename(swap.c_str(), first->log_path().c_str()) != 0) {
        _failed = true;  // the .swap stays; reopening completes it
        co_return fail(last_errno());
    }
    synced = co_await sync_dir();
    if (!synced) {
        _failed = true;
        co_return synced;
    }
    if (crash(cleaner_crash_point::after_replace)) co_return fail(errc::log_failed);
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
        co_return persisted;
    }
    _segments[index] = std::move(*opened);
    const auto erased_from = _segments.begin() + static_cast<std::ptrdiff_t>(index + 1);
    _segments.erase(erased_from, erased_from + static_cast<std::ptrdiff_t>(count - 1));
    co_return status{};
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
