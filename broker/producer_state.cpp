#include "broker/producer_state.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <string>
#include <vector>

#include "core/assert.h"
#include "core/log.h"
#include "core/reactor.h"
#include "net/kafka/records.h"
#include "storage/checkpoint.h"
#include "storage/file_ops.h"
#include "storage/segment.h"

namespace laminar::broker {

std::int32_t sequence_after(std::int32_t sequence, std::int32_t delta) noexcept {
    constexpr std::int32_t max = std::numeric_limits<std::int32_t>::max();
    if (sequence > max - delta) return delta - (max - sequence) - 1;
    return sequence + delta;
}

namespace {

std::int32_t last_sequence_of(const record_batch_header& batch) noexcept {
    return sequence_after(batch.base_sequence, batch.last_offset_delta);
}

}  // namespace

const producer_state_table::batch_sequences*
producer_state_table::producer_entry::newest() const noexcept {
    if (count == 0) return nullptr;
    return &batches[(head + count - 1) % batches.size()];
}

void producer_state_table::producer_entry::push(const batch_sequences& batch) noexcept {
    if (count == batches.size()) {
        head = (head + 1) % batches.size();
        --count;
    }
    batches[(head + count) % batches.size()] = batch;
    ++count;
}

bool producer_state_table::producer_entry::pop_newest() noexcept {
    if (count == 0) return false;
    --count;
    return true;
}

producer_state_table::producer_entry& producer_state_table::entry_for(std::int64_t producer_id) {
    auto found = _producers.find(producer_id);
    if (found == _producers.end()) {
        if (_producers.size() >= _producers_max) {
            // Forget the least recently used producer without an open transaction: linear, but
            // only when the table is full.
            const auto rank = [](const producer_entry& entry) {
                return entry.txn_first_offset >= 0 ? std::numeric_limits<std::uint64_t>::max()
                                                   : entry.last_used;
            };
            auto oldest = std::min_element(
                _producers.begin(), _producers.end(),
                [&](const auto& a, const auto& b) { return rank(a.second) < rank(b.second); });
            if (oldest->second.txn_first_offset < 0) _producers.erase(oldest);
        }
        found = _producers.emplace(producer_id, producer_entry{}).first;
    }
    found->second.last_used = ++_clock;
    return found->second;
}

void producer_state_table::record(producer_entry& entry, const record_batch_header& batch,
                                  std::int64_t offset) {
    if (entry.epoch != batch.producer_epoch) {
        entry.epoch = batch.producer_epoch;
        entry.count = 0;
        entry.head = 0;
    }
    entry.push({batch.base_sequence, last_sequence_of(batch), offset, batch.max_timestamp});
    entry.marker_timestamp = -1;
}

void producer_state_table::open_txn(std::int64_t producer_id, producer_entry& entry,
                                    std::int64_t first_offset, bool in_flight,
                                    std::int32_t first_sequence) {
    entry.txn_first_offset = first_offset;
    entry.txn_first_in_flight = in_flight;
    entry.txn_first_sequence = first_sequence;
    _open_txns.emplace(first_offset, producer_id);
}

void producer_state_table::close_txn(std::int64_t producer_id, producer_entry& entry) {
    if (entry.txn_first_offset < 0) return;
    auto [from, to] = _open_txns.equal_range(entry.txn_first_offset);
    for (auto it = from; it != to; ++it) {
        if (it->second == producer_id) {
            _open_txns.erase(it);
            break;
        }
    }
    entry.txn_first_offset = -1;
    entry.txn_first_in_flight = false;
}

sequence_check producer_state_table::check_and_record(const record_batch_header& batch,
                                                      std::int64_t log_end_offset) {
    LAMINAR_ASSERT(batch.producer_id >= 0);
    auto found = _producers.find(batch.producer_id);
    if (found != _producers.end()) {
        const producer_entry& known = found->second;
        const std::int32_t last = last_sequence_of(batch);
        if (known.epoch == batch.producer_epoch) {
            for (std::size_t index = 0; index < known.count; ++index) {
                const auto& retained = known.batches[(known.head + index) % known.batches.size()];
                if (retained.first_sequence != batch.base_sequence ||
                    retained.last_sequence != last) {
                    continue;
                }
                if (retained.base_offset < 0) return {sequence_verdict::in_flight, -1};
                return {sequence_verdict::duplicate, retained.base_offset};
            }
        }
        if (batch.producer_epoch < known.epoch) return {sequence_verdict::invalid_epoch, -1};
        if (batch.producer_epoch != known.epoch) {
            if (batch.base_sequence != 0) return {sequence_verdict::out_of_order, -1};
        } else {
            const auto* newest = known.newest();
            if (newest != nullptr &&
                batch.base_sequence != sequence_after(newest->last_sequence, 1)) {
                return {sequence_verdict::out_of_order, -1};
            }
        }
        if (!batch.is_transactional() && known.txn_first_offset >= 0) {
            return {sequence_verdict::invalid_txn_state, -1};
        }
    }
    auto& entry = entry_for(batch.producer_id);
    record(entry, batch, -1);
    ++_in_flight;
    if (batch.is_transactional() && entry.txn_first_offset < 0) {
        open_txn(batch.producer_id, entry, log_end_offset, true, batch.base_sequence);
    }
    return {};
}

void producer_state_table::appended(const record_batch_header& batch, std::int64_t base_offset,
                                    std::int64_t log_append_time_ms) {
    if (_in_flight > 0) --_in_flight;
    auto found = _producers.find(batch.producer_id);
    if (found == _producers.end() || found->second.epoch != batch.producer_epoch) return;
    producer_entry& entry = found->second;
    if (entry.txn_first_in_flight && batch.is_transactional() &&
        entry.txn_first_sequence == batch.base_sequence) {
        close_txn(batch.producer_id, entry);
        open_txn(batch.producer_id, entry, base_offset, false, batch.base_sequence);
    }
    for (std::size_t index = 0; index < entry.count; ++index) {
        auto& retained = entry.batches[(entry.head + index) % entry.batches.size()];
        if (retained.first_sequence == batch.base_sequence && retained.base_offset < 0) {
            retained.base_offset = base_offset;
            if (log_append_time_ms >= 0) retained.max_timestamp = log_append_time_ms;
            return;
        }
    }
}

void producer_state_table::append_failed(const record_batch_header& batch) {
    if (_in_flight > 0) --_in_flight;
    auto found = _producers.find(batch.producer_id);
    if (found == _producers.end()) return;
    producer_entry& entry = found->second;
    if (entry.txn_first_in_flight && entry.txn_first_sequence == batch.base_sequence &&
        entry.epoch == batch.producer_epoch) {
        close_txn(batch.producer_id, entry);
    }
    const auto* newest = entry.newest();
    if (entry.epoch == batch.producer_epoch && newest != nullptr &&
        newest->first_sequence == batch.base_sequence && newest->base_offset < 0 &&
        entry.count > 1) {
        entry.pop_newest();
        return;
    }
    // Not the newest (another batch was accepted after it) or the only one: what the producer
    // may send next is no longer known, so forget it (rule 3 accepts its next batch). A
    // producer with an open transaction keeps it, and forgets only its sequences.
    if (entry.txn_first_offset >= 0) {
        entry.count = 0;
        entry.head = 0;
        return;
    }
    _producers.erase(found);
}

void producer_state_table::replay(const record_batch_header& batch) {
    if (batch.producer_id < 0 || batch.is_control()) return;
    auto& entry = entry_for(batch.producer_id);
    if (batch.producer_epoch < entry.epoch) return;
    record(entry, batch, batch.base_offset);
    if (batch.is_transactional() && entry.txn_first_offset < 0) {
        open_txn(batch.producer_id, entry, batch.base_offset, false, batch.base_sequence);
    }
}

void producer_state_table::take_marker_epochs(producer_entry& entry, std::int16_t producer_epoch,
                                              std::int32_t coordinator_epoch) {
    if (producer_epoch > entry.epoch) {
        // A fence: the producer's batches of the old epoch no longer count.
        entry.epoch = producer_epoch;
        entry.count = 0;
        entry.head = 0;
    }
    entry.coordinator_epoch = std::max(entry.coordinator_epoch, coordinator_epoch);
    entry.last_marker_at = ++_marker_clock;
}

marker_verdict producer_state_table::check_marker(std::int64_t producer_id,
                                                  std::int16_t producer_epoch,
                                                  std::int32_t coordinator_epoch) {
    auto found = _producers.find(producer_id);
    if (found != _producers.end()) {
        if (producer_epoch < found->second.epoch) return marker_verdict::invalid_epoch;
        if (coordinator_epoch < found->second.coordinator_epoch) {
            return marker_verdict::coordinator_fenced;
        }
    }
    take_marker_epochs(entry_for(producer_id), producer_epoch, coordinator_epoch);
    ++_in_flight;
    return marker_verdict::append;
}

void producer_state_table::marker_settled() noexcept {
    if (_in_flight > 0) --_in_flight;
}

void producer_state_table::coordinator_append_started(const record_batch_header& batch,
                                                      std::int64_t log_end_offset) {
    ++_in_flight;
    if (batch.producer_id < 0 || !batch.is_transactional()) return;
    auto& entry = entry_for(batch.producer_id);
    if (batch.producer_epoch < entry.epoch || entry.txn_first_offset >= 0) return;
    open_txn(batch.producer_id, entry, log_end_offset, true, batch.base_sequence);
}

void producer_state_table::coordinator_append_done(const record_batch_header& batch,
                                                   std::int64_t base_offset) {
    if (_in_flight > 0) --_in_flight;
    if (batch.producer_id >= 0) {
        // The provisional start goes; the replay opens the transaction where it landed.
        auto found = _producers.find(batch.producer_id);
        if (found != _producers.end() && found->second.txn_first_in_flight) {
            close_txn(batch.producer_id, found->second);
        }
    }
    if (base_offset < 0) return;
    auto appended = batch;
    appended.base_offset = base_offset;
    replay(appended);
}

void producer_state_table::marker_appended(std::int64_t producer_id, std::int16_t producer_epoch,
                                           std::int32_t coordinator_epoch, bool commit,
                                           std::int64_t offset, std::int64_t timestamp) {
    auto& entry = entry_for(producer_id);
    take_marker_epochs(entry, producer_epoch, coordinator_epoch);
    entry.marker_timestamp = timestamp;
    if (entry.txn_first_offset < 0) return;
    const std::int64_t first = entry.txn_first_offset;
    close_txn(producer_id, entry);
    if (commit) return;
    const std::int64_t stable = _open_txns.empty() ? offset + 1 : _open_txns.begin()->first;
    _aborted.push_back({producer_id, first, offset, stable});
}

std::optional<std::uint64_t> producer_state_table::txn_verification_needed(
    std::int64_t producer_id, std::int16_t producer_epoch) const {
    auto found = _producers.find(producer_id);
    if (found != _producers.end() && found->second.txn_first_offset >= 0 &&
        found->second.epoch == producer_epoch) {
        return std::nullopt;
    }
    return _marker_clock;
}

bool producer_state_table::verification_holds(std::int64_t producer_id, std::uint64_t guard) const {
    auto found = _producers.find(producer_id);
    return found == _producers.end() || found->second.last_marker_at <= guard;
}

std::int64_t producer_state_table::last_stable_offset(std::int64_t high_watermark) const noexcept {
    if (_open_txns.empty()) return high_watermark;
    return std::min(high_watermark, _open_txns.begin()->first);
}

std::vector<aborted_txn> producer_state_table::aborted_between(std::int64_t from,
                                                               std::int64_t to) const {
    std::vector<aborted_txn> found;
    auto it =
        std::partition_point(_aborted.begin(), _aborted.end(),
                             [from](const aborted_txn& txn) { return txn.last_offset < from; });
    for (; it != _aborted.end(); ++it) {
        if (it->first_offset < to) found.push_back(*it);
    }
    return found;
}

void producer_state_table::forget_aborted_below(std::int64_t log_start_offset) {
    auto end = std::partition_point(
        _aborted.begin(), _aborted.end(),
        [log_start_offset](const aborted_txn& txn) { return txn.last_offset < log_start_offset; });
    _aborted.erase(_aborted.begin(), end);
}

std::vector<producer_summary> producer_state_table::active_producers() const {
    std::vector<producer_summary> listed;
    for (const auto& [producer_id, entry] : _producers) {
        const std::int64_t txn_start = entry.txn_first_in_flight ? -1 : entry.txn_first_offset;
        if (entry.count == 0) {
            // Known from a marker alone (its batches went with a fence): no sequence yet.
            listed.push_back({producer_id, entry.epoch, -1, entry.marker_timestamp,
                              entry.coordinator_epoch, txn_start});
            continue;
        }
        for (std::size_t back = entry.count; back > 0; --back) {
            const auto& batch = entry.batches[(entry.head + back - 1) % entry.batches.size()];
            if (batch.base_offset < 0) continue;  // in flight
            const std::int64_t timestamp =
                entry.marker_timestamp >= 0 ? entry.marker_timestamp : batch.max_timestamp;
            listed.push_back({producer_id, entry.epoch, batch.last_sequence, timestamp,
                              entry.coordinator_epoch, txn_start});
            break;
        }
    }
    std::sort(listed.begin(), listed.end(),
              [](const auto& a, const auto& b) { return a.producer_id < b.producer_id; });
    return listed;
}

producer_snapshot producer_state_table::snapshot(std::int64_t offset) const {
    producer_snapshot out;
    out.offset = offset;
    out.producers.reserve(_producers.size());
    for (const auto& [producer_id, entry] : _producers) {
        snapshot_producer producer{producer_id,
                                   entry.epoch,
                                   entry.coordinator_epoch,
                                   entry.txn_first_in_flight ? -1 : entry.txn_first_offset,
                                   entry.marker_timestamp,
                                   {}};
        for (std::size_t index = 0; index < entry.count; ++index) {
            const auto& batch = entry.batches[(entry.head + index) % entry.batches.size()];
            if (batch.base_offset < 0 || batch.base_offset >= offset) continue;  // in flight
            producer.batches.push_back({batch.first_sequence, batch.last_sequence,
                                        batch.base_offset, batch.max_timestamp});
        }
        out.producers.push_back(std::move(producer));
    }
    std::sort(out.producers.begin(), out.producers.end(),
              [](const auto& a, const auto& b) { return a.producer_id < b.producer_id; });
    for (const auto& txn : _aborted) {
        if (txn.last_offset < offset) out.aborted.push_back(txn);
    }
    return out;
}

void producer_state_table::restore(const producer_snapshot& snapshot) {
    _producers.clear();
    _open_txns.clear();
    _in_flight = 0;
    for (const auto& producer : snapshot.producers) {
        auto& entry = _producers[producer.producer_id];
        entry.epoch = producer.epoch;
        entry.coordinator_epoch = producer.coordinator_epoch;
        entry.marker_timestamp = producer.marker_timestamp;
        for (const auto& batch : producer.batches) {
            entry.push({batch.first_sequence, batch.last_sequence, batch.base_offset,
                        batch.max_timestamp});
        }
        entry.last_used = ++_clock;
        if (producer.txn_first_offset >= 0) {
            open_txn(producer.producer_id, entry, producer.txn_first_offset, false, 0);
        }
    }
    _aborted = snapshot.aborted;
}

std::pair<std::int16_t, std::int32_t> producer_state_table::last_of(
    std::int64_t producer_id) const {
    auto found = _producers.find(producer_id);
    if (found == _producers.end() || found->second.newest() == nullptr) return {-1, -1};
    return {found->second.epoch, found->second.newest()->last_sequence};
}

namespace {

constexpr std::size_t rebuild_chunk_bytes = 64 * 1024;
constexpr std::size_t control_batch_bytes_max = 4096;

// A transaction marker found in the log; other control records (KRaft's) change nothing here.
void replay_control(producer_state_table& table, std::span<const std::byte> batch,
                    const record_batch_header& header) {
    auto records = kafka::parse_records(batch, header, control_batch_bytes_max);
    if (!records) return;
    auto marker = kafka::transaction_marker_of(*records);
    if (!marker) return;
    table.replay_marker(header, marker->commit, marker->coordinator_epoch);
}

// Walks the batch headers of `segment` in 64 KiB reads and replays those with an offset at or
// above `from`. The log was recovered (or closed cleanly) when it opened, so the segment holds
// whole valid batches up to its size.
task<storage::status> replay_segment(const storage::segment& segment, std::int64_t from,
                                     producer_state_table& table) {
    const std::uint64_t end = segment.size_bytes();
    std::vector<std::byte> chunk(rebuild_chunk_bytes);
    std::uint64_t position = 0;
    while (position + record_batch_layout::header_bytes <= end) {
        const std::size_t wanted = std::min<std::uint64_t>(chunk.size(), end - position);
        std::size_t filled = 0;
        while (filled < wanted) {
            auto target = std::span(chunk).subspan(filled, wanted - filled);
            auto got = co_await io::read(segment.fd(), target, position + filled);
            if (!got) co_return fail(storage::errc_from_core(got.error()));
            if (*got == 0) co_return fail(storage::errc::corrupt_log);
            filled += *got;
        }
        std::size_t inside = 0;  // at least one header fits: wanted >= header_bytes
        while (inside + record_batch_layout::header_bytes <= filled) {
            auto header = read_record_batch_header(std::span(chunk).subspan(inside));
            if (!header || header->total_bytes() < record_batch_layout::header_bytes) {
                co_return fail(storage::errc::corrupt_log);
            }
            if (header->base_offset + header->last_offset_delta < from) {
                // Below the snapshot: already in the table.
            } else if (!header->is_control()) {
                table.replay(*header);
            } else if (inside + header->total_bytes() <= filled) {
                replay_control(table, std::span(chunk).subspan(inside, header->total_bytes()),
                               *header);
            } else if (inside > 0) {
                break;  // read whole from the next chunk
            }
            inside += header->total_bytes();
        }
        position += inside;  // may be past the chunk: the next header is read from there
    }
    co_return storage::status{};
}

std::string snapshot_path(const std::string& dir, std::int64_t offset) {
    return dir + "/" + storage::segment_file_name(offset, producer_snapshot_suffix);
}

// The offsets of the snapshots in `dir`, ascending.
std::vector<std::int64_t> list_snapshots(const std::string& dir) {
    std::vector<std::int64_t> offsets;
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) return offsets;
    while (const dirent* entry = ::readdir(handle)) {
        if (auto offset =
                storage::parse_segment_file_name(entry->d_name, producer_snapshot_suffix)) {
            offsets.push_back(*offset);
        }
    }
    ::closedir(handle);
    std::sort(offsets.begin(), offsets.end());
    return offsets;
}

// A file whole: an I/O error (EMFILE, EIO: the file may be fine) or, as an empty vector, a file
// that is gone or larger than any snapshot we write (not one).
task<storage::result<std::vector<std::byte>>> read_snapshot_file(const std::string& path) {
    constexpr std::uint64_t snapshot_bytes_max = 1ull << 30;
    auto fd = co_await storage::open_existing_file(path, O_RDONLY);
    if (!fd) co_return fail(fd.error());
    if (!*fd) co_return std::vector<std::byte>{};
    struct stat status {};
    if (::fstat((*fd)->get(), &status) != 0) {
        co_return fail(storage::errc_from_core(errc_from_errno(errno)));
    }
    if (status.st_size < 0 || static_cast<std::uint64_t>(status.st_size) > snapshot_bytes_max) {
        co_return std::vector<std::byte>{};
    }
    std::vector<std::byte> bytes(static_cast<std::size_t>(status.st_size));
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        auto got = co_await io::read((*fd)->get(), std::span(bytes).subspan(filled), filled);
        if (!got) co_return fail(storage::errc_from_core(got.error()));
        if (*got == 0) {
            bytes.resize(filled);  // shorter than it was: torn, the decode rejects it
            break;
        }
        filled += *got;
    }
    co_return bytes;
}

// Each write's own temporary: two writes of one offset (a roll's and a close's) never share one.
std::atomic<std::uint64_t> snapshot_temporaries{0};

}  // namespace

task<storage::status> write_producer_snapshot(const std::string& dir,
                                              const producer_snapshot& snapshot) {
    constexpr std::size_t snapshots_kept = 2;
    const auto bytes = encode_producer_snapshot(snapshot);
    const auto path = snapshot_path(dir, snapshot.offset);
    const auto temporary = path + "." + std::to_string(++snapshot_temporaries) +
                           std::string(storage::checkpoint_temporary_suffix);
    auto fd = co_await storage::open_file(temporary, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) co_return fail(fd.error());
    if (auto written = co_await storage::write_fully(fd->get(), bytes, 0); !written) {
        ::unlink(temporary.c_str());
        co_return written;
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const auto error = storage::errc_from_core(errc_from_errno(errno));
        ::unlink(temporary.c_str());
        co_return fail(error);
    }
    const auto listed = list_snapshots(dir);
    for (std::size_t index = 0; index + snapshots_kept < listed.size(); ++index) {
        ::unlink(snapshot_path(dir, listed[index]).c_str());
    }
    co_return storage::status{};
}

task<storage::result<std::int64_t>> rebuild_producer_state(const storage::partition_log& log,
                                                           producer_state_table& table) {
    const auto listed = list_snapshots(log.dir());
    std::int64_t used = -1;
    for (auto it = listed.rbegin(); it != listed.rend() && used < 0; ++it) {
        const auto path = snapshot_path(log.dir(), *it);
        if (*it > log.log_end_offset()) {
            ::unlink(path.c_str());  // the log it describes was lost in a crash
            continue;
        }
        const auto bytes = co_await read_snapshot_file(path);
        if (!bytes) {
            LAMINAR_LOG_WARN("{}: cannot be read ({}), an older snapshot is used", path,
                             storage::to_string(bytes.error()));
            continue;
        }
        const auto snapshot = decode_producer_snapshot(*bytes);
        if (!snapshot || snapshot->offset != *it) {
            LAMINAR_LOG_WARN("{}: not a whole producer snapshot, removed", path);
            ::unlink(path.c_str());
            continue;
        }
        table.restore(*snapshot);
        used = *it;
    }
    const std::int64_t from = std::max(used, log.log_start_offset());
    for (const auto& segment : log.segments()) {
        if (segment->next_offset() <= from) continue;
        if (auto replayed = co_await replay_segment(*segment, from, table); !replayed) {
            co_return fail(replayed.error());
        }
    }
    table.forget_aborted_below(log.log_start_offset());
    co_return used;
}

}  // namespace laminar::broker
