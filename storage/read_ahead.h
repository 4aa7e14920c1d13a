// Read-ahead for sequential scans of cold data (a consumer catching up from old segments).
//
// A cold range is spliced to the socket while the kernel reads ahead of it, one read-ahead
// window (the device's read_ahead_kb, 8 MiB on the measured disk) beyond the position the reader
// has reached. With one 1 MiB fetch after another, that window is started only when the reader
// enters the previous one, so the disk worked one window at a time and sat idle whenever the
// sender was slower or descheduled (0.6-1.2 reads in flight on average, against 2.5-4.6 for
// fio's cold read of the same file system; bench/README.md, Storage). For a scan found to be
// sequential and cold, the segment's file gets POSIX_FADV_SEQUENTIAL: the kernel doubles the
// window for that open file (2 x read_ahead_kb, its own bound), so twice as much is read ahead
// in the same large requests and large folios. POSIX_FADV_WILLNEED of the next ranges was tried
// and measured slower: it reads into single pages in ~1 MiB requests.
//
// Only scans pay: a read that ends at the end of its segment's data (a tail read, hot) costs a
// comparison; a read that continues an earlier one with more data behind it asks the page cache
// once per read_ahead_probe_bytes of the scan (cachestat, no I/O) whether the next bytes are
// there, and advises nothing when they are. The advice itself only sets the file's read-ahead
// size (no I/O, no wait). Within a cold scan the kernel's read-ahead is started by whichever
// read first reaches a window's mark; for the header reads of the lookups that would be the
// shard thread (a ring read is tried inline first), so while a scan of a segment is cold its
// lookups read headers in the ring's workers (header_reads::in_workers); the splices already
// run there.
//
// @locality owning shard (one per partition_log).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "storage/segment.h"

namespace laminar::storage {

// Concurrent sequential readers of one log recognised at once (consumers catching up on the
// same partition); a further one replaces the least recently used.
inline constexpr std::size_t read_ahead_streams_max = 4;
// A scan asks the page cache about the next this many bytes, once per as many bytes read.
inline constexpr std::uint64_t read_ahead_probe_bytes = 8 << 20;

struct read_ahead_stats {
    std::uint64_t sequential_reads = 0;  // reads that continued a stream
    std::uint64_t worker_reads = 0;      // reads whose header reads ran in the ring's workers
    std::uint64_t probes = 0;            // page cache questions asked (cachestat)
    std::uint64_t advised = 0;           // POSIX_FADV_SEQUENTIAL given to a segment's file
};

// Whether the page cache holds every page of [position, position + length) of `fd`
// (cachestat(2), Linux 6.5; it reads nothing); nullopt when the kernel cannot say.
std::optional<bool> page_cache_holds(int fd, std::uint64_t position, std::uint64_t length);

class scan_read_ahead {
public:
    // A read returned [start, end) of the segment starting at `segment_base` (file `fd`), whose
    // batches end at `data_end`, its header reads placed `where`. Advises the file when this
    // read continues a scan of cold data.
    void on_read(std::int64_t segment_base, int fd, std::uint64_t start, std::uint64_t end,
                 std::uint64_t data_end, header_reads where = header_reads::shard_first);
    // Where the header reads of a read in this segment should run: in the ring's workers while
    // a cold scan is under way in it (not one that reached the end of the data, now a tail
    // reader), else tried on the shard thread first.
    header_reads placement(std::int64_t segment_base) const noexcept;
    const read_ahead_stats& stats() const noexcept { return _stats; }

private:
    struct stream {
        std::int64_t segment_base = -1;  // -1: unused
        std::uint64_t next_position = 0;
        std::uint64_t probed_until = 0;  // the page cache was last asked up to here
        bool advised = false;
        bool at_segment_end = false;  // the last read ended where the segment's data did
        std::uint64_t last_use = 0;
    };
    stream* continued(std::int64_t segment_base, std::uint64_t start) noexcept;
    stream* next_segment(std::int64_t segment_base) noexcept;
    void start_stream(std::int64_t segment_base, std::uint64_t end,
                      std::uint64_t data_end) noexcept;

    std::array<stream, read_ahead_streams_max> _streams{};
    std::uint64_t _uses = 0;
    read_ahead_stats _stats;
};

}  // namespace laminar::storage
