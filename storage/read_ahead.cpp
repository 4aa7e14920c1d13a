#include "storage/read_ahead.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace laminar::storage {

namespace {

// cachestat(2) (Linux 6.5): the C library's headers here predate it, so the call is made by
// number (451 on every architecture) with the kernel's structs as it defines them.
constexpr long cachestat_syscall = 451;
struct cachestat_range {
    std::uint64_t offset;
    std::uint64_t length;
};
struct cachestat_counts {
    std::uint64_t cached;
    std::uint64_t dirty;
    std::uint64_t writeback;
    std::uint64_t evicted;
    std::uint64_t recently_evicted;
};
constexpr std::uint64_t page_bytes = 4096;

}  // namespace

std::optional<bool> page_cache_holds(int fd, std::uint64_t position, std::uint64_t length) {
    if (length == 0) return true;
    cachestat_range range{position, length};
    cachestat_counts counts{};
    if (::syscall(cachestat_syscall, fd, &range, &counts, 0) != 0) return std::nullopt;
    const std::uint64_t pages = (position + length - 1) / page_bytes - position / page_bytes + 1;
    return counts.cached >= pages;
}

scan_read_ahead::stream* scan_read_ahead::continued(std::int64_t segment_base,
                                                    std::uint64_t start) noexcept {
    for (auto& each : _streams) {
        if (each.segment_base == segment_base && each.next_position == start) return &each;
    }
    return nullptr;
}

scan_read_ahead::stream* scan_read_ahead::next_segment(std::int64_t segment_base) noexcept {
    // A scan that read its segment to the end goes on at the start of a later one (the next,
    // or one after a gap): same stream, the new segment's file not yet advised.
    for (auto& each : _streams) {
        if (each.segment_base >= 0 && each.segment_base < segment_base && each.at_segment_end) {
            each = stream{.segment_base = segment_base, .last_use = each.last_use};
            return &each;
        }
    }
    return nullptr;
}

void scan_read_ahead::start_stream(std::int64_t segment_base, std::uint64_t end,
                                   std::uint64_t data_end) noexcept {
    auto oldest = std::min_element(_streams.begin(), _streams.end(),
                                   [](const stream& a, const stream& b) {
                                       return a.last_use < b.last_use;
                                   });
    *oldest = stream{.segment_base = segment_base,
                     .next_position = end,
                     .probed_until = end,
                     .at_segment_end = end >= data_end,
                     .last_use = ++_uses};
}

header_reads scan_read_ahead::placement(std::int64_t segment_base) const noexcept {
    for (const auto& each : _streams) {
        if (each.segment_base == segment_base && each.advised && !each.at_segment_end) {
            return header_reads::in_workers;
        }
    }
    return header_reads::shard_first;
}

void scan_read_ahead::on_read(std::int64_t segment_base, int fd, std::uint64_t start,
                              std::uint64_t end, std::uint64_t data_end, header_reads where) {
    if (where == header_reads::in_workers) ++_stats.worker_reads;
    stream* scan = continued(segment_base, start);
    if (scan == nullptr && start == 0) scan = next_segment(segment_base);
    if (scan == nullptr) {
        // A first read or a jump: not (yet) a scan. The next read from `end` will be.
        start_stream(segment_base, end, data_end);
        return;
    }
    ++_stats.sequential_reads;
    scan->next_position = end;
    scan->at_segment_end = end >= data_end;
    scan->last_use = ++_uses;
    // A tail read (nothing behind it) or a segment already advised costs nothing more.
    if (scan->advised || end >= data_end || end < scan->probed_until) return;
    const std::uint64_t probe_end = std::min(data_end, end + read_ahead_probe_bytes);
    scan->probed_until = probe_end;
    ++_stats.probes;
    const auto cached = page_cache_holds(fd, end, probe_end - end);
    // The kernel cannot say (before 6.5): advise anyway, the advice costs no I/O when cached.
    if (cached.value_or(false)) return;
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    scan->advised = true;
    ++_stats.advised;
}

}  // namespace laminar::storage
