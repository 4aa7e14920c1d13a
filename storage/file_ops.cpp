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

task<result<bool>> make_directory(const std::string& path) {
    auto operation = io::mkdirat(AT_FDCWD, path.c_str(), 0755);
    auto made = co_await operation;
    if (made) co_return true;
    if (operation.raw_result() == -EEXIST) co_return false;
    co_return fail(errc_from_core(made.error()));
}

}  // namespace laminar::storage
