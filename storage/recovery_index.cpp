// Faults and promises: see recovery_index.h.
#include "storage/recovery_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "core/reactor.h"
#include "storage/file_ops.h"

namespace laminar::storage {

namespace {

std::string path_in(const std::string& dir, std::string_view name) {
    return dir + "/" + std::string(name);
}

}  // namespace

task<status> prepare_recovery_index(const std::string& dir, const std::string& temporary,
                                    const segment_snapshot& snapshot) {
    const std::vector<std::byte> bytes = encode_recovery_index(snapshot);
    auto fd = co_await open_file(path_in(dir, temporary), O_CREAT | O_TRUNC | O_WRONLY);
    if (!fd) co_return fail(fd.error());
    std::size_t done = 0;
    while (done < bytes.size()) {
        auto rest = std::span(bytes).subspan(done);
        auto written = co_await io::write(fd->get(), rest, done);
        if (!written) co_return fail(errc_from_core(written.error()));
        if (*written == 0) co_return fail(errc::io_error);
        done += *written;
    }
    co_return status{};
}

status commit_recovery_index(const std::string& dir, const std::string& temporary) {
    const std::string from = path_in(dir, temporary);
    const std::string to = path_in(dir, recovery_index_file);
    if (::rename(from.c_str(), to.c_str()) != 0) {
        return fail(errc_from_core(errc_from_errno(errno)));
    }
    return {};
}

task<result<read_index>> read_recovery_index(const std::string& dir,
                                             std::uint64_t segment_file_bytes) {
    auto fd = co_await open_existing_file(path_in(dir, recovery_index_file), O_RDONLY);
    if (!fd) co_return fail(fd.error());
    if (!*fd) co_return read_index{};
    struct stat info {};
    if (::fstat((*fd)->get(), &info) != 0) co_return fail(errc_from_core(errc_from_errno(errno)));
    const auto size = static_cast<std::uint64_t>(info.st_size);
    // No more entries than the segment can hold: a bigger file is garbage, not read.
    const std::uint64_t entries_max = std::min<std::uint64_t>(
        recovery_index_entries_max, index_entries_max(segment_file_bytes));
    const std::uint64_t size_max = recovery_index_header_bytes + recovery_index_trailer_bytes +
                                   entries_max * (offset_index_entry_bytes + time_index_entry_bytes);
    if (size > size_max) co_return read_index{true, std::nullopt};
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
    co_return read_index{true, parse_recovery_index(bytes)};
}

status remove_recovery_index(const std::string& dir) {
    const std::string path = path_in(dir, recovery_index_file);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return fail(errc_from_core(errc_from_errno(errno)));
    }
    return {};
}

}  // namespace laminar::storage
