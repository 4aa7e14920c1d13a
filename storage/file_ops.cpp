// See file_ops.h.
#include "storage/file_ops.h"

#include <fcntl.h>

#include <cerrno>

#include "core/reactor.h"

namespace laminar::storage {

task<result<unique_fd>> open_file(const std::string& path, int flags, unsigned mode) {
    auto opened = co_await io::openat(AT_FDCWD, path.c_str(), flags, mode);
    if (!opened) co_return fail(errc_from_core(opened.error()));
    co_return unique_fd(static_cast<int>(*opened));
}

task<result<std::optional<unique_fd>>> open_existing_file(const std::string& path, int flags) {
    auto opened = co_await io::openat(AT_FDCWD, path.c_str(), flags);
    if (!opened && opened.error() == laminar::errc::not_found) {
        co_return std::optional<unique_fd>{};
    }
    if (!opened) co_return fail(errc_from_core(opened.error()));
    co_return std::optional<unique_fd>(unique_fd(static_cast<int>(*opened)));
}

namespace {

// mkdir(2) through the ring: 0 or a negative errno.
task<int> make_one_directory(const std::string& path) {
    auto operation = io::mkdirat(AT_FDCWD, path.c_str(), 0755);
    auto made = co_await operation;
    co_return made ? 0 : operation.raw_result();
}

}  // namespace

task<result<bool>> make_directory(const std::string& path) {
    int outcome = co_await make_one_directory(path);
    if (outcome == -ENOENT) {
        // The parent (the data directory) is missing: made once, not tried before every log.
        const auto slash = path.rfind('/');
        if (slash != std::string::npos && slash > 0) {
            const std::string parent = path.substr(0, slash);
            const int parent_outcome = co_await make_one_directory(parent);
            if (parent_outcome != 0 && parent_outcome != -EEXIST) {
                co_return fail(errc_from_core(errc_from_errno(-parent_outcome)));
            }
            outcome = co_await make_one_directory(path);
        }
    }
    if (outcome == 0) co_return true;
    if (outcome == -EEXIST) co_return false;
    co_return fail(errc_from_core(errc_from_errno(-outcome)));
}

task<status> write_fully(int fd, std::span<const std::byte> bytes, std::uint64_t position) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        auto rest = bytes.subspan(done);
        auto written = co_await io::write(fd, rest, position + done);
        if (!written) co_return fail(errc_from_core(written.error()));
        if (*written == 0) co_return fail(errc::io_error);
        done += *written;
    }
    co_return status{};
}

}  // namespace laminar::storage
