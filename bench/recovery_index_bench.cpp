// What the recovery checkpoints write to `recovery-index` over an active segment's life (issue 3's
// write amplification), computed with the format's own encoder and the appender's own rule
// (storage/recovery_index.h), no disk: a segment filled with batches of --batch-bytes, index
// entries added as segment::record_batch adds them (one once more than --interval-bytes were
// appended since the last, a time entry with it as timestamps rise), and a checkpoint every
// --checkpoint-kib of batches. For each cadence: the bytes the old format (version 1: the whole
// file at every checkpoint, 66 bytes + the entries) and the new one (a chunk per checkpoint, the
// file rewritten whole at the run's first checkpoint and at the size bound) write, as a share of
// the segment's bytes, the largest single write and the file's size at the end; then how long
// recovery's parse of that file takes against a whole file of the same entries (one chunk).
//
//   build/release/bench/recovery_index_bench [--segment-mib=1024] [--batch-bytes=1024]
//       [--interval-bytes=4096] [--checkpoint-kib=65536,1024,64,1]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "storage/recovery_index.h"

namespace {

using namespace laminar::storage;

std::string text_option(int argc, char** argv, std::string_view name, std::string fallback) {
    for (int index = 1; index < argc; ++index) {
        const std::string_view argument = argv[index];
        if (argument.size() > name.size() + 3 && argument.substr(0, 2) == "--" &&
            argument.substr(2, name.size()) == name && argument[name.size() + 2] == '=') {
            return std::string(argument.substr(name.size() + 3));
        }
    }
    return fallback;
}

std::uint64_t option(int argc, char** argv, std::string_view name, std::uint64_t fallback) {
    const std::string text = text_option(argc, argv, name, "");
    return text.empty() ? fallback : std::strtoull(text.c_str(), nullptr, 10);
}

struct written_bytes {
    std::uint64_t checkpoints = 0;
    std::uint64_t whole_bytes = 0;        // version 1: the whole file every time
    std::uint64_t incremental_bytes = 0;  // version 2: chunks, and the rewrites
    std::uint64_t rewrites = 0;
    std::uint64_t write_bytes_max = 0;
    std::uint64_t file_bytes = 0;
    std::vector<std::byte> file;  // as the last checkpoint left it
};

// The segment grows batch by batch; every `checkpoint_bytes` a checkpoint writes the index.
written_bytes simulate(std::uint64_t segment_bytes, std::uint64_t batch_bytes,
                       std::uint64_t interval_bytes, std::uint64_t checkpoint_bytes) {
    written_bytes out;
    segment_snapshot segment;
    recovery_index_written written;
    std::uint64_t since_checkpoint = 0;
    std::vector<std::byte> buffer;
    for (std::int64_t batch = 0; segment.size + batch_bytes <= segment_bytes; ++batch) {
        segment.max_timestamp = 1'000'000 + batch;  // rising: a time entry with each offset one
        segment.offset_of_max_timestamp = batch;
        if (segment.bytes_since_index_entry > interval_bytes) {
            const auto relative = static_cast<std::uint32_t>(batch);
            segment.offsets.push_back({relative, static_cast<std::uint32_t>(segment.size)});
            segment.times.push_back({segment.max_timestamp, relative});
            segment.bytes_since_index_entry = 0;
        }
        segment.bytes_since_index_entry += batch_bytes;
        segment.size += batch_bytes;
        segment.next_offset = batch + 1;
        since_checkpoint += batch_bytes;
        if (since_checkpoint < checkpoint_bytes) continue;
        since_checkpoint = 0;
        ++out.checkpoints;
        out.whole_bytes += 66 + segment.offsets.size() * offset_index_entry_bytes +
                           segment.times.size() * time_index_entry_bytes;
        buffer.clear();
        recovery_index_tail tail = written.tail;
        if (recovery_index_appendable(written, segment)) {
            encode_recovery_index_chunk(segment, tail, buffer);
        } else {
            buffer = encode_recovery_index(segment, out.rewrites, tail);
            ++out.rewrites;
        }
        written = {segment.base_offset, tail, segment.offsets.empty() ? offset_index_entry{}
                                                                      : segment.offsets.back(),
                   segment.times.empty() ? time_index_entry{} : segment.times.back()};
        out.incremental_bytes += buffer.size();
        out.write_bytes_max = std::max<std::uint64_t>(out.write_bytes_max, buffer.size());
        out.file_bytes = tail.file_bytes;
        if (buffer.size() == tail.file_bytes) out.file.clear();
        out.file.insert(out.file.end(), buffer.begin(), buffer.end());
    }
    return out;
}

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// Microseconds recovery's parse of `file` takes (the median of 21), and its chunk count.
double parse_us(const std::vector<std::byte>& file, std::size_t& chunks) {
    std::vector<double> runs;
    for (int run = 0; run < 21; ++run) {
        const auto start = std::chrono::steady_clock::now();
        const auto parsed = parse_recovery_index(file);
        const auto end = std::chrono::steady_clock::now();
        chunks = parsed ? parsed->chunks : 0;
        runs.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
    std::sort(runs.begin(), runs.end());
    return runs[runs.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const std::uint64_t segment_bytes = option(argc, argv, "segment-mib", 1024) << 20;
    const std::uint64_t batch_bytes = option(argc, argv, "batch-bytes", 1024);
    const std::uint64_t interval_bytes = option(argc, argv, "interval-bytes", 4096);
    std::string cadences = text_option(argc, argv, "checkpoint-kib", "65536,1024,64,1");
    std::printf("segment %.0f MiB of %llu-byte batches, index.interval.bytes %llu\n",
                mib(segment_bytes), static_cast<unsigned long long>(batch_bytes),
                static_cast<unsigned long long>(interval_bytes));
    std::printf("| checkpoint every | checkpoints | v1 whole, MiB | v1 / segment | v2 chunks, MiB "
                "| v2 / segment | v2 rewrites | v2 largest write, KiB | v2 file, MiB "
                "| v2 parse, us (chunks) | whole file parse, us |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
    while (!cadences.empty()) {
        const std::size_t comma = cadences.find(',');
        const std::uint64_t kib = std::strtoull(cadences.substr(0, comma).c_str(), nullptr, 10);
        cadences = comma == std::string::npos ? "" : cadences.substr(comma + 1);
        if (kib == 0) continue;
        const auto out = simulate(segment_bytes, batch_bytes, interval_bytes, kib << 10);
        const double segment = static_cast<double>(segment_bytes);
        std::size_t chunks = 0;
        const double chunked_us = parse_us(out.file, chunks);
        const auto parsed = parse_recovery_index(out.file);
        recovery_index_tail tail;
        std::size_t one = 0;
        const double whole_us =
            parsed ? parse_us(encode_recovery_index(parsed->snapshot, parsed->file_id, tail), one)
                   : 0;
        std::printf("| %llu KiB | %llu | %.1f | %.1f%% | %.2f | %.2f%% | %llu | %.1f | %.2f "
                    "| %.0f (%zu) | %.0f |\n",
                    static_cast<unsigned long long>(kib),
                    static_cast<unsigned long long>(out.checkpoints), mib(out.whole_bytes),
                    100.0 * static_cast<double>(out.whole_bytes) / segment,
                    mib(out.incremental_bytes),
                    100.0 * static_cast<double>(out.incremental_bytes) / segment,
                    static_cast<unsigned long long>(out.rewrites),
                    static_cast<double>(out.write_bytes_max) / 1024, mib(out.file_bytes),
                    chunked_us, chunks, whole_us);
    }
    return 0;
}
