// Faults and promises: see recovery_index.h.
#include "storage/recovery_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "core/reactor.h"
#include "storage/file_ops.h"

namespace laminar::storage {

namespace {

std::string path_in(const std::string& dir, std::string_view name) {
    return dir + "/" + std::string(name);
}

recovery_index_written written_of(const segment_snapshot& snapshot,
                                  const recovery_index_tail& tail) {
    recovery_index_written written{snapshot.base_offset, tail, {}, {}};
    if (!snapshot.offsets.empty()) written.last_offset = snapshot.offsets.back();
    if (!snapshot.times.empty()) written.last_time = snapshot.times.back();
    return written;
}

// An id for a whole file: random, so that no earlier file of the same segment (whose stale tail
// a crash may leave past this one's end) had it, and its chunks do not continue this file's chain.
std::uint64_t new_file_id() {
    thread_local std::mt19937_64 random(std::random_device{}());
    return random();
}

// Writes all of `bytes` at `at`, then fdatasync.
task<status> write_and_sync(int fd, std::span<const std::byte> bytes, std::uint64_t at) {
    auto written = co_await write_fully(fd, bytes, at);
    if (!written) co_return written;
    auto synced = co_await io::fdatasync(fd);
    if (!synced) co_return fail(errc_from_core(synced.error()));
    co_return status{};
}

}  // namespace

bool recovery_index_appendable(const recovery_index_written& written,
                               const segment_snapshot& snapshot) noexcept {
    const auto& tail = written.tail;
    if (written.base_offset < 0 || written.base_offset != snapshot.base_offset ||
        snapshot.offsets.size() < tail.offsets || snapshot.times.size() < tail.times) {
        return false;
    }
    // The file's last entries are still the snapshot's at the same places (entries are only
    // ever added to the active segment between truncations, which reset `written`).
    if (tail.offsets > 0 && snapshot.offsets[tail.offsets - 1] != written.last_offset) return false;
    if (tail.times > 0 && snapshot.times[tail.times - 1] != written.last_time) return false;
    const std::uint64_t offsets = snapshot.offsets.size();
    const std::uint64_t times = snapshot.times.size();
    const std::uint64_t chunk_bytes = recovery_index_chunk_overhead_bytes +
                                      (offsets - tail.offsets) * offset_index_entry_bytes +
                                      (times - tail.times) * time_index_entry_bytes;
    return tail.file_bytes + chunk_bytes <=
           2 * recovery_index_whole_bytes(offsets, times) + recovery_index_slack_bytes;
}

task<result<recovery_index_written>> prepare_recovery_index(const std::string& dir,
                                                            const std::string& temporary,
                                                            const segment_snapshot& snapshot) {
    recovery_index_tail tail;
    const std::vector<std::byte> bytes = encode_recovery_index(snapshot, new_file_id(), tail);
    auto fd = co_await open_file(path_in(dir, temporary), O_CREAT | O_TRUNC | O_WRONLY);
    if (!fd) co_return fail(fd.error());
    auto written = co_await write_and_sync(fd->get(), bytes, 0);
    if (!written) co_return fail(written.error());
    co_return written_of(snapshot, tail);
}

status commit_recovery_index(const std::string& dir, const std::string& temporary) {
    const std::string from = path_in(dir, temporary);
    const std::string to = path_in(dir, recovery_index_file);
    if (::rename(from.c_str(), to.c_str()) != 0) {
        return fail(errc_from_core(errc_from_errno(errno)));
    }
    return {};
}

task<result<recovery_index_written>> append_recovery_index(const std::string& dir,
                                                           const recovery_index_written& written,
                                                           const segment_snapshot& snapshot) {
    recovery_index_tail tail = written.tail;
    std::vector<std::byte> chunk;
    encode_recovery_index_chunk(snapshot, tail, chunk);
    // No O_CREAT: a file removed meanwhile (truncate_to) must not come back as a tail alone.
    auto fd = co_await open_existing_file(path_in(dir, recovery_index_file), O_WRONLY);
    if (!fd) co_return fail(fd.error());
    if (!*fd) co_return fail(errc::io_error);
    auto appended = co_await write_and_sync((*fd)->get(), chunk, written.tail.file_bytes);
    if (!appended) co_return fail(appended.error());
    co_return written_of(snapshot, tail);
}

task<result<read_index>> read_recovery_index(const std::string& dir,
                                             std::uint64_t segment_file_bytes,
                                             std::int64_t next_offset_max) {
    auto fd = co_await open_existing_file(path_in(dir, recovery_index_file), O_RDONLY);
    if (!fd) co_return fail(fd.error());
    if (!*fd) co_return read_index{};
    struct stat info {};
    if (::fstat((*fd)->get(), &info) != 0) co_return fail(errc_from_core(errc_from_errno(errno)));
    const auto size = static_cast<std::uint64_t>(info.st_size);
    // No more entries than the segment can hold, and no more chunks than the appender leaves:
    // a bigger file is garbage, not read.
    const std::uint64_t entries_max = std::min<std::uint64_t>(
        recovery_index_entries_max, index_entries_max(segment_file_bytes));
    if (size > recovery_index_bytes_max(entries_max)) co_return read_index{true, std::nullopt, 0};
    std::vector<std::byte> bytes(size);
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        auto target = std::span(bytes).subspan(filled);
        auto got = co_await io::read((*fd)->get(), target, filled);
        if (!got) co_return fail(errc_from_core(got.error()));
        if (*got == 0) break;
        filled += *got;
    }
    bytes.resize(filled);
    auto parsed = parse_recovery_index(bytes, next_offset_max);
    if (!parsed) co_return read_index{true, std::nullopt, 0};
    co_return read_index{true, std::move(parsed->snapshot), parsed->chunks};
}

status remove_recovery_index(const std::string& dir) {
    const std::string path = path_in(dir, recovery_index_file);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return fail(errc_from_core(errc_from_errno(errno)));
    }
    return {};
}

}  // namespace laminar::storage
