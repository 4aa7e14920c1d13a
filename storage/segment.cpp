// Faults and promises: see segment.h.
#include "storage/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <limits>

#include "core/endian.h"
#include "core/reactor.h"
#include "core/worker_read.h"
#include "storage/file_ops.h"

namespace laminar::storage {

namespace layout = record_batch_layout;

namespace {

constexpr std::size_t header_walk_chunk_bytes = 64 << 10;
constexpr std::size_t recovery_chunk_bytes = 1 << 20;
constexpr std::size_t segment_name_digits = 20;
// A zero tail with more cached or written bytes than this to check is cut instead.
constexpr std::uint64_t zero_check_bytes_max = 4 << 20;

errc last_errno() noexcept { return errc_from_core(errc_from_errno(errno)); }

// Copies what the page cache holds of [position, position + length) into `into` without
// waiting for the disk (preadv2 RWF_NOWAIT): the bytes copied, 0 when none could be.
std::size_t read_cached(int fd, std::byte* into, std::size_t length,
                        std::uint64_t position) noexcept {
    iovec target{into, length};
    const ssize_t got = ::preadv2(fd, &target, 1, static_cast<off_t>(position), RWF_NOWAIT);
    return got > 0 ? static_cast<std::size_t>(got) : 0;
}

// Buffers of recovery_chunk_bytes kept on the shard thread between scans: opening many logs
// at once would otherwise fault in (and zero) a fresh buffer per segment.
constexpr std::size_t pooled_buffers_max = 16;
thread_local std::vector<std::unique_ptr<std::byte[]>> pooled_buffers;

// Reads a file region through one buffer, so walks over many small batches cost few reads.
class file_window {
public:
    // What the page cache holds is copied at once with preadv2(RWF_NOWAIT), which fails rather
    // than wait for the disk; only the rest goes through the ring. After a process crash the
    // whole scan is cached, and a fetch at the tail always is: a ring round trip per read cost
    // more than the copy (three per tail fetch, each a turn of the shard's loop). A cold scan's
    // reads (header_reads::in_workers) skip that attempt and go to the ring's workers: on the
    // shard thread it is what starts the kernel's read-ahead of the next window (read_ahead.h).
    file_window(int fd, std::uint64_t end, std::size_t chunk_bytes,
                header_reads where = header_reads::shard_first) noexcept
        : _fd(fd), _end(end), _chunk_bytes(chunk_bytes),
          _in_workers(where == header_reads::in_workers) {}
    ~file_window() {
        if (_capacity == recovery_chunk_bytes && pooled_buffers.size() < pooled_buffers_max) {
            pooled_buffers.push_back(std::move(_buffer));
        }
    }
    file_window(const file_window&) = delete;
    file_window& operator=(const file_window&) = delete;

    // Reads of at least this many bytes from now on (a walk over large batches that needs only
    // their headers reads less).
    void set_chunk(std::size_t chunk_bytes) noexcept { _chunk_bytes = chunk_bytes; }
    // Reads the page cache could not serve whole.
    std::uint64_t cold_reads() const noexcept { return _cold_reads; }

    // Up to `length` bytes at `position`; fewer only where the region ends.
    task<result<std::span<const std::byte>>> view(std::uint64_t position, std::size_t length) {
        const std::uint64_t want_end = std::min<std::uint64_t>(position + length, _end);
        if (position >= want_end) co_return std::span<const std::byte>{};
        if (position >= _start && want_end <= _start + _filled) {
            co_return std::span<const std::byte>(_buffer.get() + (position - _start),
                                                 want_end - position);
        }
        const std::size_t wanted = std::min<std::uint64_t>(std::max(length, _chunk_bytes),
                                                           _end - position);
        reserve(wanted);
        _filled = 0;
        std::size_t filled = 0;
        // Not cached, an error or a short read: the rest through the ring, which reports
        // errors and the end of the file.
        if (!_in_workers) filled = read_cached(_fd, _buffer.get(), wanted, position);
        if (filled < wanted) ++_cold_reads;
        while (filled < wanted) {
            auto target = std::span(_buffer.get() + filled, wanted - filled);
            auto got = _in_workers ? co_await io::read_in_worker(_fd, target, position + filled)
                                   : co_await io::read(_fd, target, position + filled);
            if (!got) co_return fail(errc_from_core(got.error()));
            if (*got == 0) break;
            filled += *got;
        }
        _start = position;
        _filled = filled;
        co_return std::span<const std::byte>(_buffer.get(),
                                             std::min<std::uint64_t>(filled, want_end - position));
    }

private:
    void reserve(std::size_t bytes) {
        if (_capacity >= bytes) return;
        if (bytes <= recovery_chunk_bytes && !pooled_buffers.empty()) {
            _buffer = std::move(pooled_buffers.back());
            pooled_buffers.pop_back();
            _capacity = recovery_chunk_bytes;
            return;
        }
        const std::size_t capacity = std::max(bytes, std::min(_chunk_bytes, recovery_chunk_bytes));
        _buffer.reset(new std::byte[capacity]);  // not zeroed: only the bytes read are viewed
        _capacity = capacity;
    }

    int _fd;
    std::uint64_t _end;
    std::size_t _chunk_bytes;
    bool _in_workers;
    std::uint64_t _cold_reads = 0;
    std::unique_ptr<std::byte[]> _buffer;
    std::size_t _capacity = 0;
    std::uint64_t _start = 0;
    std::size_t _filled = 0;
};

bool all_zero(std::span<const std::byte> bytes) noexcept {
    return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

// Replaces the file at `path` with `bytes` and syncs it. A crash leaves a prefix at worst, which
// the checks of load_indexes catch or accept (a prefix of a sparse index is still correct).
task<status> write_whole_file(const std::string& path, std::span<const std::byte> bytes) {
    unique_fd fd(::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644));
    if (!fd) co_return fail(last_errno());
    auto written = co_await write_fully(fd.get(), bytes, 0);
    if (!written) co_return written;
    auto synced = co_await io::fdatasync(fd.get());
    if (!synced) co_return fail(errc_from_core(synced.error()));
    co_return status{};
}

// The whole file, or nullopt if it does not exist or is longer than `size_max` (not read: a
// garbage file, which the caller treats as it treats a missing one).
task<result<std::optional<std::vector<std::byte>>>> read_whole_file(const std::string& path,
                                                                    std::uint64_t size_max) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) co_return std::optional<std::vector<std::byte>>{};
        co_return fail(last_errno());
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) co_return fail(last_errno());
    if (static_cast<std::uint64_t>(info.st_size) > size_max) {
        co_return std::optional<std::vector<std::byte>>{};
    }
    std::vector<std::byte> bytes(static_cast<std::size_t>(info.st_size));
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        auto target = std::span(bytes).subspan(filled);
        auto got = co_await io::read(fd.get(), target, filled);
        if (!got) co_return fail(errc_from_core(got.error()));
        if (*got == 0) break;
        filled += *got;
    }
    bytes.resize(filled);
    co_return std::optional<std::vector<std::byte>>(std::move(bytes));
}

}  // namespace

std::string segment_file_name(std::int64_t base_offset, std::string_view suffix) {
    char digits[32];
    std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(base_offset));
    return std::string(digits) + std::string(suffix);
}

std::optional<std::int64_t> parse_segment_file_name(std::string_view name,
                                                    std::string_view suffix) noexcept {
    if (name.size() != segment_name_digits + suffix.size() || !name.ends_with(suffix)) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    const char* end = name.data() + segment_name_digits;
    auto [parsed_end, error] = std::from_chars(name.data(), end, value);
    if (error != std::errc{} || parsed_end != end || value < 0) return std::nullopt;
    return value;
}

segment::segment(std::string dir, std::int64_t base_offset, unique_fd log)
    : _dir(std::move(dir)),
      _base_offset(base_offset),
      _log(std::move(log)),
      _next_offset(base_offset) {
    _log_path = path_of(log_suffix);
}

std::string segment::path_of(std::string_view suffix) const {
    return _dir + "/" + segment_file_name(_base_offset, suffix);
}

task<result<std::shared_ptr<segment>>> segment::create(const std::string& dir,
                                                       std::int64_t base_offset) {
    const std::string base = dir + "/" + segment_file_name(base_offset, "");
    for (auto suffix : {index_suffix, time_index_suffix}) {
        const std::string path = base + std::string(suffix);
        auto index = co_await open_file(path, O_CREAT | O_TRUNC | O_WRONLY);
        if (!index) co_return fail(index.error());
    }
    const std::string path = base + std::string(log_suffix);
    auto log = co_await open_file(path, O_CREAT | O_TRUNC | O_RDWR);
    if (!log) co_return fail(log.error());
    co_return std::shared_ptr<segment>(new segment(dir, base_offset, std::move(*log)));
}

task<result<std::shared_ptr<segment>>> segment::open(const std::string& dir,
                                                     std::int64_t base_offset) {
    const std::string path = dir + "/" + segment_file_name(base_offset, log_suffix);
    auto log = co_await open_file(path, O_RDWR);
    if (!log) co_return fail(log.error());
    struct stat info {};
    if (::fstat(log->get(), &info) != 0) co_return fail(last_errno());
    std::shared_ptr<segment> opened(new segment(dir, base_offset, std::move(*log)));
    opened->_size = static_cast<std::uint64_t>(info.st_size);
    opened->_allocated = opened->_size;
    co_return opened;
}

task<status> segment::preallocate(std::uint64_t end, std::uint64_t extent_bytes,
                                  std::uint64_t limit_bytes) {
    if (end <= _allocated) co_return status{};
    LAMINAR_ASSERT(extent_bytes > 0);
    if (_preallocation_unsupported) {
        _allocated = end;  // the write itself extends the file
        co_return status{};
    }
    // Reservations grow with the segment: a new segment reserves first_extent_bytes, then as
    // much again as it holds, up to extent_bytes per step. An idle partition costs 64 KiB of
    // disk, not a whole extent (10,000 partitions x 16 MiB would reserve 160 GB); a busy one
    // reaches full extents after a few steps.
    const std::uint64_t step =
        std::min(extent_bytes, std::max(_allocated, first_extent_bytes));
    const std::uint64_t extents = (end - _allocated + step - 1) / step;
    const std::uint64_t target = std::min(_allocated + extents * step,
                                          std::max(limit_bytes, end));
    auto reserved = co_await io::fallocate(_log.get(), 0, _allocated, target - _allocated);
    if (!reserved && reserved.error() == laminar::errc::unsupported) {
        // A file system without fallocate: appends extend the file (and its metadata).
        _preallocation_unsupported = true;
        _allocated = end;
        co_return status{};
    }
    if (!reserved) co_return fail(errc_from_core(reserved.error()));
    _allocated = target;
    co_return status{};
}

task<status> segment::append(std::span<const std::byte> batch, const record_batch_header& header,
                             std::uint32_t index_interval_bytes) {
    const std::span<const std::byte> one[] = {batch};
    auto written = co_await append(one, std::span(&header, 1), index_interval_bytes);
    if (written.error != errc::ok) co_return fail(written.error);
    co_return status{};
}

bool segment::append_inline(std::span<const std::byte> batch, const record_batch_header& header,
                            std::uint32_t index_interval_bytes) {
    LAMINAR_ASSERT(batch.size() == header.total_bytes());
    LAMINAR_ASSERT(_size + batch.size() <= _allocated);
    iovec part{const_cast<std::byte*>(batch.data()), batch.size()};
    std::span<iovec> pending(&part, 1);
    if (write_inline(pending) < batch.size()) return false;
    record_batch(_size, header, index_interval_bytes);
    return true;
}

task<group_write> segment::append(std::span<const std::span<const std::byte>> batches,
                                  std::span<const record_batch_header> headers,
                                  std::uint32_t index_interval_bytes) {
    LAMINAR_ASSERT(batches.size() == headers.size());
    LAMINAR_ASSERT(batches.size() <= group_write_batches_max);
    std::array<iovec, group_write_batches_max> parts;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < batches.size(); ++i) {
        LAMINAR_ASSERT(batches[i].size() == headers[i].total_bytes());
        parts[i] = iovec{const_cast<std::byte*>(batches[i].data()), batches[i].size()};
        total += batches[i].size();
    }
    LAMINAR_ASSERT(_size + total <= _allocated);
    std::span<iovec> pending(parts.data(), batches.size());
    // Most writes complete on the shard thread: only a rest needs write_at_head (and its frame).
    head_write written{write_inline(pending), errc::ok};
    if (written.bytes < total) {
        auto rest = co_await write_at_head(pending, written.bytes);
        written.bytes += rest.bytes;
        written.error = rest.error;
    }
    group_write outcome{0, written.error};
    std::uint64_t covered = 0;
    for (std::size_t i = 0; i < batches.size(); ++i) {
        if (covered + batches[i].size() > written.bytes) break;
        record_batch(_size, headers[i], index_interval_bytes);
        covered += batches[i].size();
        ++outcome.batches;
    }
    co_return outcome;
}

namespace {

std::uint64_t total_bytes_of(std::span<const iovec> parts) noexcept {
    std::uint64_t total = 0;
    for (const iovec& part : parts) total += part.iov_len;
    return total;
}

// Skips what was written: whole parts, then the front of a part cut short.
void skip_written(std::span<iovec>& parts, std::size_t moved) noexcept {
    while (moved > 0) {
        iovec& part = parts.front();
        const std::size_t taken = std::min(moved, part.iov_len);
        part.iov_base = static_cast<std::byte*>(part.iov_base) + taken;
        part.iov_len -= taken;
        moved -= taken;
        if (part.iov_len == 0) parts = parts.subspan(1);
    }
}

}  // namespace

// Page-cache copies are made here, on the shard thread, where they cost a few microseconds:
// first pwritev2(RWF_NOWAIT), which fails rather than block; on a file system that refuses
// RWF_NOWAIT for buffered writes (ext4), a plain pwritev when the shard allows inline writes of
// this size (reactor_options::inline_write_bytes_max; a write that stalls pauses them). io_uring
// would hand such a write to a kernel worker thread (a hand-off and a wake-up per write). What
// would block (EAGAIN), or what the shard does not allow inline, goes through the ring; any
// other error from an inline attempt is left for the ring to report, so the ring's result is
// the verdict. Partial writes continue where they stopped.
std::size_t segment::write_inline_once(std::span<iovec> parts, std::uint64_t position) {
    const auto count = static_cast<int>(parts.size());
    if (!_nowait_unsupported) {
        const ssize_t wrote = ::pwritev2(_log.get(), parts.data(), count,
                                         static_cast<off_t>(position), RWF_NOWAIT);
        if (wrote > 0) return static_cast<std::size_t>(wrote);
        if (wrote < 0 && errno == EOPNOTSUPP) _nowait_unsupported = true;
    }
    reactor& shard = reactor::current();
    if (!_nowait_unsupported || !shard.inline_write_allowed(total_bytes_of(parts))) return 0;
    const auto started = std::chrono::steady_clock::now();
    // One part (an append alone, the common case) as pwrite: the kernel then takes one user
    // buffer (ITER_UBUF) instead of copying in and walking an iovec array.
    const ssize_t wrote =
        count == 1 ? ::pwrite(_log.get(), parts[0].iov_base, parts[0].iov_len,
                              static_cast<off_t>(position))
                   : ::pwritev(_log.get(), parts.data(), count, static_cast<off_t>(position));
    shard.inline_write_took(std::chrono::steady_clock::now() - started);
    return wrote > 0 ? static_cast<std::size_t>(wrote) : 0;
}

std::uint64_t segment::write_inline(std::span<iovec>& parts) {
    std::uint64_t written = 0;
    while (!parts.empty()) {
        const std::size_t moved = write_inline_once(parts, _size + written);
        if (moved == 0) break;
        written += moved;
        skip_written(parts, moved);
    }
    return written;
}

task<segment::head_write> segment::write_at_head(std::span<iovec> parts, std::uint64_t offset) {
    const std::uint64_t total = total_bytes_of(parts);
    head_write outcome;
    bool try_inline = false;  // write_inline just stopped: the ring first
    while (outcome.bytes < total) {
        const std::uint64_t position = _size + offset + outcome.bytes;
        std::size_t moved = try_inline ? write_inline_once(parts, position) : 0;
        try_inline = true;
        if (moved == 0) {
            auto written = co_await io::writev(_log.get(), parts.data(),
                                               static_cast<unsigned>(parts.size()), position);
            if (!written) {
                outcome.error = errc_from_core(written.error());
                co_return outcome;
            }
            if (*written == 0) {
                outcome.error = errc::io_error;
                co_return outcome;
            }
            moved = *written;
        }
        outcome.bytes += moved;
        skip_written(parts, moved);
    }
    co_return outcome;
}

task<status> segment::sync() {
    auto synced = co_await io::fdatasync(_log.get());
    if (!synced) co_return fail(errc_from_core(synced.error()));
    co_return status{};
}

void segment::record_batch(std::uint64_t position, const record_batch_header& header,
                           std::uint32_t index_interval_bytes) {
    const std::int64_t relative = header.last_offset() - _base_offset;
    LAMINAR_ASSERT(relative >= 0 && relative <= std::numeric_limits<std::uint32_t>::max());
    LAMINAR_ASSERT(position <= std::numeric_limits<std::uint32_t>::max());
    LAMINAR_ASSERT(header.base_offset >= _next_offset);
    if (header.max_timestamp > _max_timestamp) {
        _max_timestamp = header.max_timestamp;
        _offset_of_max_timestamp = header.last_offset();
    }
    // As Kafka: an entry once more than index.interval.bytes were appended since the last one.
    if (_bytes_since_index_entry > index_interval_bytes) {
        _offsets.push_back({static_cast<std::uint32_t>(relative),
                            static_cast<std::uint32_t>(position)});
        if (_times.empty() || _max_timestamp > _times.back().timestamp) {
            _times.push_back({_max_timestamp,
                              static_cast<std::uint32_t>(_offset_of_max_timestamp - _base_offset)});
        }
        _bytes_since_index_entry = 0;
    }
    _bytes_since_index_entry += header.total_bytes();
    _size = position + header.total_bytes();
    _next_offset = header.last_offset() + 1;
}

void segment::reset_indexes() noexcept {
    _offsets.clear();
    _times.clear();
    _max_timestamp = -1;
    _offset_of_max_timestamp = -1;
    _bytes_since_index_entry = 0;
}

task<result<segment::scan_outcome>> segment::scan(std::uint64_t from, std::uint64_t file_size,
                                                   std::int64_t first_offset_min,
                                                   std::uint32_t batch_bytes_max,
                                                   std::uint32_t index_interval_bytes,
                                                   bool rebuild, std::int64_t trusted_below) {
    scan_outcome outcome{from, first_offset_min, 0, from, false};
    // From the first hole on (an unwritten preallocated extent with nothing cached reads as a
    // hole) the file holds zeros: the scan stops there without reading them. A batch that
    // crosses it is torn, as its CRC would say.
    const std::uint64_t data_end = [&] {
        const off_t hole = ::lseek(_log.get(), static_cast<off_t>(from), SEEK_HOLE);
        return hole >= 0 ? std::min<std::uint64_t>(static_cast<std::uint64_t>(hole), file_size)
                         : file_size;
    }();
    // No read-ahead while only headers are read (it would read whole batches) or while the
    // page cache serves every read (after a process crash: read-ahead would only zero-fill up
    // to read_ahead_kb of the preallocated tail past the end, CPU spent on zeros). Once a read
    // of batches read whole misses the cache (after a power loss, or pages evicted), the
    // kernel's read-ahead again: without it a cold 10 GiB scan took 28 s instead of 12.6 s
    // (recover() drops the zero pages it brings in past the end).
    struct read_ahead {
        int fd;
        bool off = false;
        void set(bool wanted_off) noexcept {
            if (wanted_off == off) return;
            (void)::posix_fadvise(fd, 0, 0, wanted_off ? POSIX_FADV_RANDOM : POSIX_FADV_NORMAL);
            off = wanted_off;
        }
        ~read_ahead() { set(false); }
    } advice{_log.get()};
    file_window window(_log.get(), data_end, recovery_chunk_bytes);
    // Below the trusted offset only headers are read: small batches share a chunk, a large one
    // costs a page.
    file_window headers(_log.get(), data_end, header_walk_chunk_bytes);
    while (outcome.end < data_end) {
        const std::uint64_t position = outcome.end;
        const bool trusting = outcome.next_offset < trusted_below;
        advice.set(trusting || window.cold_reads() == 0);
        file_window& source = trusting ? headers : window;
        auto prefix = co_await source.view(
            position, trusting ? layout::header_bytes : layout::length_field_end);
        if (!prefix) co_return fail(prefix.error());
        if (all_zero(prefix->first(std::min(prefix->size(), layout::length_field_end)))) {
            outcome.zero_tail = true;
            break;
        }
        if (prefix->size() < layout::length_field_end) break;
        const auto length = load_be<std::int32_t>(prefix->data() + layout::batch_length);
        const std::uint64_t total = layout::length_field_end + static_cast<std::uint64_t>(
                                                                   std::max(length, 0));
        if (length <= 0 || total > batch_bytes_max || position + total > data_end) break;
        std::optional<record_batch_header> header;
        if (trusting && prefix->size() >= layout::header_bytes) {
            // Synced before the recovery point passed it: the header's own checks only.
            auto walked = read_record_batch_header(*prefix);
            if (walked && walked->magic == record_batch_magic &&
                walked->batch_length >= static_cast<std::int32_t>(layout::header_bytes -
                                                                  layout::length_field_end) &&
                walked->records_count >= 0 && walked->last_offset_delta >= 0 &&
                walked->last_offset() < trusted_below) {
                header = *walked;
                headers.set_chunk(total >= (16u << 10) ? 4096 : header_walk_chunk_bytes);
            }
        }
        if (!header) {
            auto bytes = co_await window.view(position, total);
            if (!bytes) co_return fail(bytes.error());
            auto validated = validate_record_batch(*bytes, batch_bytes_max);
            if (!validated) break;
            header = *validated;
        }
        if (header->base_offset < outcome.next_offset || header->records_count == 0) break;
        if (header->last_offset() - _base_offset > std::numeric_limits<std::uint32_t>::max() ||
            position > std::numeric_limits<std::uint32_t>::max()) {
            break;
        }
        if (rebuild) record_batch(position, *header, index_interval_bytes);
        outcome.end = position + total;
        outcome.next_offset = header->last_offset() + 1;
        if (outcome.next_offset <= trusted_below) outcome.trusted_end = outcome.end;
        ++outcome.batches;
    }
    if (outcome.end == data_end && data_end < file_size) outcome.zero_tail = true;
    co_return outcome;
}

task<result<bool>> segment::holds_only_zeros(std::uint64_t from, std::uint64_t to) const {
    file_window window(_log.get(), to, recovery_chunk_bytes);
    std::uint64_t budget = zero_check_bytes_max;
    std::uint64_t at = from;
    while (at < to) {
        const off_t data = ::lseek(_log.get(), static_cast<off_t>(at), SEEK_DATA);
        if (data < 0) co_return errno == ENXIO;  // ENXIO: no data up to the end of the file
        const off_t hole = ::lseek(_log.get(), data, SEEK_HOLE);
        if (hole < 0) co_return false;
        const std::uint64_t end = std::min<std::uint64_t>(static_cast<std::uint64_t>(hole), to);
        for (at = static_cast<std::uint64_t>(data); at < end;) {
            const std::size_t length = std::min<std::uint64_t>(end - at, recovery_chunk_bytes);
            if (length > budget) co_return false;
            budget -= length;
            auto bytes = co_await window.view(at, length);
            if (!bytes) co_return fail(bytes.error());
            if (bytes->empty() || !all_zero(*bytes)) co_return false;
            at += bytes->size();
        }
        at = std::max(at, end);
    }
    co_return true;
}

task<result<segment_recovery>> segment::recover(std::int64_t first_offset_min,
                                                std::uint32_t batch_bytes_max,
                                                std::uint32_t index_interval_bytes,
                                                std::int64_t trusted_below,
                                                bool keep_zero_tail,
                                                const segment_snapshot* known) {
    struct stat info {};
    if (::fstat(_log.get(), &info) != 0) co_return fail(last_errno());
    const auto file_size = static_cast<std::uint64_t>(info.st_size);
    reset_indexes();
    _size = 0;
    _next_offset = std::max(_base_offset, first_offset_min);
    bool adopted = false;
    if (known != nullptr && known->next_offset <= trusted_below) {
        auto fits = co_await adopt_snapshot(*known, file_size, first_offset_min);
        if (!fits) co_return fail(fits.error());
        adopted = *fits;
    }
    const std::uint64_t from = _size;
    auto scanned = co_await scan(from, file_size, _next_offset, batch_bytes_max,
                                 index_interval_bytes, true, trusted_below);
    if (!scanned) co_return fail(scanned.error());
    const std::uint64_t position = scanned->end;
    if (scanned->batches == 0 && !adopted) _next_offset = _base_offset;
    segment_recovery report{position,
                            scanned->batches,
                            scanned->trusted_end - from,
                            position - scanned->trusted_end,
                            from,
                            file_size - position,
                            0,
                            scanned->zero_tail};
    // Bytes past the write head must be zeros, or a later append that ends where an old batch
    // began would bring that batch back. A tail of zeros (the preallocated space a crash left)
    // may stay: nothing changes on disk, so nothing needs a sync.
    bool keep = false;
    if (position < file_size && keep_zero_tail && scanned->zero_tail) {
        // Clean cached pages past the end (zeros the scan's read-ahead brought in) go, so only
        // written or dirty pages read as data to holds_only_zeros.
        const std::uint64_t page_end = (position + 4095) / 4096 * 4096;
        if (page_end < file_size) {
            (void)::posix_fadvise(_log.get(), static_cast<off_t>(page_end),
                                  static_cast<off_t>(file_size - page_end),
                                  POSIX_FADV_DONTNEED);
        }
        auto zeros = co_await holds_only_zeros(position, file_size);
        if (!zeros) co_return fail(zeros.error());
        keep = *zeros;
    }
    if (keep) {
        report.zero_bytes_kept = file_size - position;
        report.dropped_bytes = 0;
    } else if (position < file_size) {
        if (::ftruncate(_log.get(), static_cast<off_t>(position)) != 0) {
            co_return fail(last_errno());
        }
        auto synced = co_await sync();
        if (!synced) co_return fail(synced.error());
    }
    _size = position;
    _allocated = keep ? file_size : position;
    co_return report;
}

segment_snapshot segment::snapshot() const {
    return segment_snapshot{_base_offset, _next_offset, _size, _max_timestamp,
                            _offset_of_max_timestamp, _bytes_since_index_entry, _offsets, _times};
}

task<result<bool>> segment::adopt_snapshot(const segment_snapshot& known, std::uint64_t file_size,
                                           std::int64_t first_offset_min) {
    const std::int64_t span_offsets = known.next_offset - _base_offset;
    bool fits = known.base_offset == _base_offset && known.size <= file_size &&
                known.size <= std::numeric_limits<std::uint32_t>::max() &&
                span_offsets >= 0 && span_offsets - 1 <= std::numeric_limits<std::uint32_t>::max() &&
                (known.size == 0) == (span_offsets == 0) && known.next_offset >= first_offset_min &&
                known.bytes_since_index_entry <= known.size;
    for (std::size_t i = 0; fits && i < known.offsets.size(); ++i) {
        const auto& entry = known.offsets[i];
        fits = entry.relative_offset < span_offsets && entry.position < known.size &&
               (i == 0 || (entry.relative_offset > known.offsets[i - 1].relative_offset &&
                           entry.position > known.offsets[i - 1].position));
    }
    for (std::size_t i = 0; fits && i < known.times.size(); ++i) {
        const auto& entry = known.times[i];
        fits = entry.relative_offset < span_offsets &&
               (i == 0 || entry.timestamp > known.times[i - 1].timestamp);
    }
    if (fits && known.size > 0) {
        fits = known.max_timestamp >= -1 &&
               known.offset_of_max_timestamp < known.next_offset &&
               (known.times.empty() || known.times.back().timestamp <= known.max_timestamp);
    }
    if (fits && !known.offsets.empty()) {
        // The batch the last entry points at must be there, with the entry's last offset: a
        // file of other data (or of this segment before a cut the checkpoint missed) fails here.
        const auto& last = known.offsets.back();
        file_window window(_log.get(), known.size, layout::header_bytes);
        auto bytes = co_await window.view(last.position, layout::header_bytes);
        if (!bytes) co_return fail(bytes.error());
        auto header = read_record_batch_header(*bytes);
        fits = header && header->magic == record_batch_magic &&
               header->last_offset() == _base_offset + last.relative_offset &&
               last.position + header->total_bytes() <= known.size;
    }
    if (!fits) co_return false;
    _size = known.size;
    _next_offset = known.next_offset;
    _max_timestamp = known.max_timestamp;
    _offset_of_max_timestamp = known.offset_of_max_timestamp;
    _bytes_since_index_entry = known.bytes_since_index_entry;
    _offsets = known.offsets;
    _times = known.times;
    co_return true;
}

task<result<bool>> segment::verify_tail(std::uint32_t batch_bytes_max) {
    if (_size == 0) co_return _next_offset == _base_offset;
    const std::uint64_t from = _offsets.empty() ? 0 : _offsets.back().position;
    auto scanned = co_await scan(from, _size, _base_offset, batch_bytes_max, 0, false);
    if (!scanned) co_return fail(scanned.error());
    co_return scanned->batches > 0 && scanned->end == _size &&
        scanned->next_offset == _next_offset;
}

static_assert(index_entries_max(record_batch_layout::header_bytes) == 2);

task<result<bool>> segment::load_indexes(std::int64_t next_offset) {
    reset_indexes();
    _next_offset = next_offset;
    const std::string offsets_path = path_of(index_suffix);
    const std::string times_path = path_of(time_index_suffix);
    // Bounded by what this segment can hold, so a garbage file is not read into memory whole.
    const std::uint64_t entries_max = index_entries_max(_size);
    auto offsets = co_await read_whole_file(offsets_path, entries_max * offset_index_entry_bytes);
    if (!offsets) co_return fail(offsets.error());
    auto times = co_await read_whole_file(times_path, entries_max * time_index_entry_bytes);
    if (!times) co_return fail(times.error());
    if (!*offsets || !*times) co_return false;
    const auto& offset_bytes = **offsets;
    const auto& time_bytes = **times;
    if (offset_bytes.size() % offset_index_entry_bytes != 0 ||
        time_bytes.size() % time_index_entry_bytes != 0) {
        co_return false;
    }
    const std::int64_t span_offsets = next_offset - _base_offset;
    for (std::size_t at = 0; at < offset_bytes.size(); at += offset_index_entry_bytes) {
        offset_index_entry entry{load_be<std::uint32_t>(offset_bytes.data() + at),
                                 load_be<std::uint32_t>(offset_bytes.data() + at + 4)};
        const bool ordered = _offsets.empty() || (entry.relative_offset >
                                                      _offsets.back().relative_offset &&
                                                  entry.position > _offsets.back().position);
        if (!ordered || entry.relative_offset >= span_offsets || entry.position >= _size) {
            co_return false;
        }
        _offsets.push_back(entry);
    }
    for (std::size_t at = 0; at < time_bytes.size(); at += time_index_entry_bytes) {
        time_index_entry entry{load_be<std::int64_t>(time_bytes.data() + at),
                               load_be<std::uint32_t>(time_bytes.data() + at + 8)};
        const bool ordered = _times.empty() || entry.timestamp > _times.back().timestamp;
        if (!ordered || entry.relative_offset >= span_offsets) co_return false;
        _times.push_back(entry);
    }
    // persist_indexes ends the time index with the segment's max timestamp, so a segment with
    // batches has at least one time entry.
    if (_size > 0 && _times.empty()) co_return false;
    if (!_times.empty()) {
        _max_timestamp = _times.back().timestamp;
        _offset_of_max_timestamp = _base_offset + _times.back().relative_offset;
    }
    _bytes_since_index_entry = _size - (_offsets.empty() ? 0 : _offsets.back().position);
    co_return true;
}

task<status> segment::persist_indexes() {
    if (_max_timestamp >= 0 && (_times.empty() || _max_timestamp > _times.back().timestamp)) {
        _times.push_back(
            {_max_timestamp, static_cast<std::uint32_t>(_offset_of_max_timestamp - _base_offset)});
    }
    std::vector<std::byte> offset_bytes(_offsets.size() * offset_index_entry_bytes);
    for (std::size_t i = 0; i < _offsets.size(); ++i) {
        store_be(offset_bytes.data() + i * offset_index_entry_bytes, _offsets[i].relative_offset);
        store_be(offset_bytes.data() + i * offset_index_entry_bytes + 4, _offsets[i].position);
    }
    std::vector<std::byte> time_bytes(_times.size() * time_index_entry_bytes);
    for (std::size_t i = 0; i < _times.size(); ++i) {
        store_be(time_bytes.data() + i * time_index_entry_bytes, _times[i].timestamp);
        store_be(time_bytes.data() + i * time_index_entry_bytes + 8, _times[i].relative_offset);
    }
    const std::string offsets_path = path_of(index_suffix);
    auto offsets_written = co_await write_whole_file(offsets_path, offset_bytes);
    if (!offsets_written) co_return offsets_written;
    const std::string times_path = path_of(time_index_suffix);
    co_return co_await write_whole_file(times_path, time_bytes);
}

status segment::trim() {
    if (_allocated == _size) return {};
    if (::ftruncate(_log.get(), static_cast<off_t>(_size)) != 0) return fail(last_errno());
    _allocated = _size;
    return {};
}

task<status> segment::truncate_to_position(std::uint64_t position, std::int64_t next_offset) {
    LAMINAR_ASSERT(position <= _size);
    if (::ftruncate(_log.get(), static_cast<off_t>(position)) != 0) co_return fail(last_errno());
    auto synced = co_await sync();
    if (!synced) co_return synced;
    _size = position;
    _allocated = position;
    _next_offset = position == 0 ? _base_offset : next_offset;
    std::erase_if(_offsets, [&](const offset_index_entry& e) { return e.position >= position; });
    std::erase_if(_times, [&](const time_index_entry& e) {
        return _base_offset + e.relative_offset >= _next_offset;
    });
    // The max timestamp of what is left: from the last time entry on, walk the headers.
    _max_timestamp = _times.empty() ? -1 : _times.back().timestamp;
    _offset_of_max_timestamp = _times.empty() ? -1 : _base_offset + _times.back().relative_offset;
    std::uint64_t at = _times.empty() ? 0 : floor_position(_offset_of_max_timestamp);
    file_window window(_log.get(), _size, header_walk_chunk_bytes);
    while (at < _size) {
        auto bytes = co_await window.view(at, layout::header_bytes);
        if (!bytes) co_return fail(bytes.error());
        auto header = read_record_batch_header(*bytes);
        if (!header || header->magic != record_batch_magic) co_return fail(errc::corrupt_log);
        if (header->max_timestamp > _max_timestamp) {
            _max_timestamp = header->max_timestamp;
            _offset_of_max_timestamp = header->last_offset();
        }
        at += header->total_bytes();
    }
    _bytes_since_index_entry = _size - (_offsets.empty() ? 0 : _offsets.back().position);
    co_return status{};
}

void segment::remove_files() noexcept {
    for (auto suffix : {log_suffix, index_suffix, time_index_suffix}) {
        const std::string path = path_of(suffix);
        ::unlink(path.c_str());
    }
}

std::uint64_t segment::floor_position(std::int64_t offset) const noexcept {
    const std::int64_t relative = offset - _base_offset;
    auto after = std::upper_bound(_offsets.begin(), _offsets.end(), relative,
                                  [](std::int64_t value, const offset_index_entry& entry) {
                                      return value < entry.relative_offset;
                                  });
    return after == _offsets.begin() ? 0 : std::prev(after)->position;
}

task<result<std::optional<located_batch>>> segment::walk(std::uint64_t from,
                                                         std::uint64_t size_limit,
                                                         std::int64_t offset,
                                                         std::int64_t timestamp,
                                                         header_reads where) const {
    file_window window(_log.get(), size_limit, header_walk_chunk_bytes, where);
    std::uint64_t at = from;
    while (at < size_limit) {
        auto bytes = co_await window.view(at, layout::header_bytes);
        if (!bytes) co_return fail(bytes.error());
        auto header = read_record_batch_header(*bytes);
        // Batches were validated when appended or recovered; a bad header here is a broken index
        // or a file changed under us, and is never served.
        if (!header || header->magic != record_batch_magic ||
            header->batch_length < static_cast<std::int32_t>(layout::header_bytes -
                                                             layout::length_field_end) ||
            at + header->total_bytes() > size_limit) {
            co_return fail(errc::corrupt_log);
        }
        if (header->last_offset() >= offset && header->max_timestamp >= timestamp) {
            co_return std::optional<located_batch>(located_batch{at, *header});
        }
        at += header->total_bytes();
    }
    co_return std::optional<located_batch>{};
}

task<result<std::optional<located_batch>>> segment::find_offset(std::int64_t offset,
                                                                std::uint64_t size_limit,
                                                                header_reads where) const {
    const std::uint64_t from = std::min(floor_position(offset), size_limit);
    co_return co_await walk(from, size_limit, offset, std::numeric_limits<std::int64_t>::min(),
                            where);
}

task<result<std::optional<located_batch>>> segment::find_timestamp(
    std::int64_t timestamp, std::uint64_t size_limit) const {
    // The last entry with a timestamp below the target: every batch up to its offset is older.
    auto after = std::lower_bound(_times.begin(), _times.end(), timestamp,
                                  [](const time_index_entry& entry, std::int64_t value) {
                                      return entry.timestamp < value;
                                  });
    std::uint64_t from = 0;
    if (after != _times.begin()) {
        from = floor_position(_base_offset + std::prev(after)->relative_offset);
    }
    from = std::min(from, size_limit);
    co_return co_await walk(from, size_limit, std::numeric_limits<std::int64_t>::min(), timestamp,
                            header_reads::shard_first);
}

task<status> segment::scan_epochs(std::int32_t epoch, std::uint64_t size_limit,
                                  epoch_scan& scan) const {
    file_window window(_log.get(), size_limit, header_walk_chunk_bytes);
    std::uint64_t at = 0;
    while (at < size_limit) {
        auto bytes = co_await window.view(at, layout::header_bytes);
        if (!bytes) co_return fail(bytes.error());
        auto header = read_record_batch_header(*bytes);
        if (!header || header->magic != record_batch_magic ||
            header->batch_length < static_cast<std::int32_t>(layout::header_bytes -
                                                             layout::length_field_end) ||
            at + header->total_bytes() > size_limit) {
            co_return fail(errc::corrupt_log);
        }
        if (header->partition_leader_epoch > epoch) {
            scan.above = located_batch{at, *header};
            co_return status{};
        }
        if (header->partition_leader_epoch >= 0) {
            scan.floor_epoch = std::max(scan.floor_epoch, header->partition_leader_epoch);
        }
        at += header->total_bytes();
    }
    co_return status{};
}

task<result<std::uint64_t>> segment::whole_batches_end(std::uint64_t start, std::uint64_t max_bytes,
                                                       std::uint64_t size_limit,
                                                       header_reads where) const {
    auto first = co_await walk(start, size_limit, std::numeric_limits<std::int64_t>::min(),
                               std::numeric_limits<std::int64_t>::min(), where);
    if (!first) co_return fail(first.error());
    if (!*first) co_return start;
    co_return co_await whole_batches_end(**first, max_bytes, size_limit, where);
}

task<result<std::uint64_t>> segment::whole_batches_end(const located_batch& first,
                                                       std::uint64_t max_bytes,
                                                       std::uint64_t size_limit,
                                                       header_reads where) const {
    const std::uint64_t start = first.position;
    std::uint64_t end = start + first.header.total_bytes();
    const std::uint64_t bound = std::min(size_limit, start + max_bytes);
    if (end >= bound) co_return end;
    // Index entries point at batch starts: jump to the last one within the bound, then walk.
    auto after = std::upper_bound(_offsets.begin(), _offsets.end(), bound,
                                  [](std::uint64_t value, const offset_index_entry& entry) {
                                      return value < entry.position;
                                  });
    if (after != _offsets.begin() && std::prev(after)->position > end) {
        end = std::prev(after)->position;
    }
    file_window window(_log.get(), size_limit, header_walk_chunk_bytes, where);
    while (end < bound) {
        auto bytes = co_await window.view(end, layout::header_bytes);
        if (!bytes) co_return fail(bytes.error());
        auto header = read_record_batch_header(*bytes);
        if (!header || header->magic != record_batch_magic) co_return fail(errc::corrupt_log);
        if (end + header->total_bytes() > bound) break;
        end += header->total_bytes();
    }
    co_return end;
}

}  // namespace laminar::storage
