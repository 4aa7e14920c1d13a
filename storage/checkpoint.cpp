// Faults and promises: see checkpoint.h.
#include "storage/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>

#include "core/reactor.h"
#include "core/unique_fd.h"
#include "storage/file_ops.h"

namespace laminar::storage {

namespace {

std::atomic<fsync_fault> injected_fsync_fault{nullptr};

task<status> checked_fsync(int fd) {
    if (const fsync_fault fault = injected_fsync_fault.load(std::memory_order_relaxed)) {
        if (const errc error = fault(fd); error != errc::ok) co_return fail(error);
    }
    auto synced = co_await io::fsync(fd);
    if (!synced) co_return fail(errc_from_core(synced.error()));
    co_return status{};
}

}  // namespace

void set_fsync_fault_for_testing(fsync_fault fault) noexcept {
    injected_fsync_fault.store(fault, std::memory_order_relaxed);
}

task<status> sync_directory(int dir_fd) { co_return co_await checked_fsync(dir_fd); }

task<status> prepare_checkpoint(const std::string& dir, const std::string& temporary,
                                std::int64_t value, bool* fsync_failed) {
    if (fsync_failed) *fsync_failed = false;
    const std::string path = dir + "/" + temporary;
    const std::string text = format_checkpoint(value);
    auto fd = co_await open_file(path, O_CREAT | O_TRUNC | O_WRONLY);
    if (!fd) co_return fail(fd.error());
    auto bytes = std::as_bytes(std::span(text.data(), text.size()));
    auto written = co_await io::write(fd->get(), bytes, 0);
    if (!written) co_return fail(errc_from_core(written.error()));
    if (*written != bytes.size()) co_return fail(errc::io_error);
    auto synced = co_await checked_fsync(fd->get());
    if (!synced && fsync_failed) *fsync_failed = true;
    if (!synced) co_return synced;
    fd->reset();
    co_return status{};
}

status commit_checkpoint(const std::string& dir, const std::string& temporary,
                         const std::string& name) {
    const std::string from = dir + "/" + temporary;
    const std::string to = dir + "/" + name;
    if (::rename(from.c_str(), to.c_str()) != 0) return fail(errc_from_core(errc_from_errno(errno)));
    return {};
}

task<status> write_checkpoint(const std::string& dir, int dir_fd, const std::string& name,
                              std::int64_t value, bool* fsync_failed) {
    if (fsync_failed) *fsync_failed = false;
    const std::string temporary = name + std::string(checkpoint_temporary_suffix);
    auto prepared = co_await prepare_checkpoint(dir, temporary, value, fsync_failed);
    if (!prepared) co_return prepared;
    if (auto committed = commit_checkpoint(dir, temporary, name); !committed) co_return committed;
    auto synced = co_await sync_directory(dir_fd);
    if (!synced && fsync_failed) *fsync_failed = true;
    co_return synced;
}

task<result<std::optional<std::int64_t>>> read_checkpoint(const std::string& dir,
                                                          const std::string& name) {
    const std::string path = dir + "/" + name;
    auto fd = co_await open_existing_file(path, O_RDONLY);
    if (!fd) co_return fail(fd.error());
    if (!*fd) co_return std::optional<std::int64_t>{};
    std::array<std::byte, 32> buffer{};
    auto got = co_await io::read((*fd)->get(), buffer, 0);
    if (!got) co_return fail(errc_from_core(got.error()));
    auto value = parse_checkpoint(
        std::string_view(reinterpret_cast<const char*>(buffer.data()), *got));
    if (!value) co_return fail(errc::corrupt_log);
    co_return value;
}

}  // namespace laminar::storage
