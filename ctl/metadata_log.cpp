#include "ctl/metadata_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/crc32c.h"
#include "core/endian.h"
#include "core/reactor.h"

namespace laminar::ctl {

namespace {

constexpr std::uint32_t frame_magic = 0x4c4d4431;  // "LMD1"
constexpr std::size_t frame_header_bytes = 12;

std::string errno_text(const std::string& what, int error_number) {
    return fmt::format("{}: {}", what, std::strerror(error_number));
}

result<std::vector<std::byte>, std::string> read_whole(int fd, const std::string& path) {
    std::vector<std::byte> bytes;
    std::byte chunk[65536];
    while (true) {
        const auto got = ::read(fd, chunk, sizeof(chunk));
        if (got < 0) {
            if (errno == EINTR) continue;
            return fail(errno_text("read " + path, errno));
        }
        if (got == 0) break;
        bytes.insert(bytes.end(), chunk, chunk + got);
    }
    return bytes;
}

status sync_directory(const std::filesystem::path& directory) {
    unique_fd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsync(dir.get()) != 0) return fail(errc_from_errno(errno));
    return {};
}

}  // namespace

result<metadata_log::opened, std::string> metadata_log::open(
    const std::filesystem::path& directory) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) return fail(fmt::format("create {}: {}", directory.string(), error.message()));
    const auto path = (directory / "metadata.log").string();
    const bool existed = std::filesystem::exists(path);
    unique_fd file(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!file) return fail(errno_text("open " + path, errno));
    if (!existed && !sync_directory(directory)) return fail("fsync " + directory.string());
    auto bytes = read_whole(file.get(), path);
    if (!bytes) return fail(bytes.error());

    std::vector<std::vector<metadata_record>> batches;
    std::size_t at = 0;
    while (bytes->size() - at >= frame_header_bytes) {
        const std::byte* frame = bytes->data() + at;
        const auto magic = load_be<std::uint32_t>(frame);
        const auto length = load_be<std::uint32_t>(frame + 4);
        const auto crc = load_be<std::uint32_t>(frame + 8);
        if (magic != frame_magic || length > metadata_batch_bytes_max ||
            bytes->size() - at - frame_header_bytes < length) {
            break;
        }
        const std::span<const std::byte> payload(frame + frame_header_bytes, length);
        if (crc32c(payload) != crc) break;
        auto records = decode_records(payload);
        if (!records) break;
        batches.push_back(std::move(*records));
        at += frame_header_bytes + length;
    }
    const std::uint64_t torn = bytes->size() - at;
    if (torn > 0) {
        // Cut the torn tail so the next append starts at a frame boundary.
        if (::ftruncate(file.get(), static_cast<off_t>(at)) != 0 || ::fsync(file.get()) != 0) {
            return fail(errno_text("truncate torn tail of " + path, errno));
        }
    }
    const auto count = batches.size();
    return opened{metadata_log(std::move(file), at, count, torn), std::move(batches)};
}

task<status> metadata_log::append(std::span<const metadata_record> batch) {
    const auto payload = encode_records(batch);
    if (payload.size() > metadata_batch_bytes_max) co_return fail(errc::too_large);
    std::vector<std::byte> frame(frame_header_bytes + payload.size());
    store_be(frame.data(), frame_magic);
    store_be(frame.data() + 4, static_cast<std::uint32_t>(payload.size()));
    store_be(frame.data() + 8, crc32c(payload));
    std::memcpy(frame.data() + frame_header_bytes, payload.data(), payload.size());
    std::size_t written = 0;
    while (written < frame.size()) {
        auto done = co_await io::write(_file.get(), std::span(frame).subspan(written),
                                       _end + written);
        if (!done) co_return fail(done.error());
        if (*done == 0) co_return fail(errc::io_error);
        written += *done;
    }
    if (auto synced = co_await io::fdatasync(_file.get()); !synced) co_return fail(synced.error());
    _end += frame.size();
    ++_batches;
    co_return status{};
}

}  // namespace laminar::ctl
