#include "net/outbound_chain.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>

#include "core/reactor.h"

namespace laminar::net {

void outbound_chain::append_view(std::span<const std::byte> bytes) {
    if (bytes.empty()) return;
    _slices.push_back(slice{.data = bytes.data(), .size = bytes.size()});
    _total_bytes += bytes.size();
}

void outbound_chain::append(std::vector<std::byte> bytes) {
    if (bytes.empty()) return;
    _owned_vectors.push_back(std::move(bytes));
    append_view(_owned_vectors.back());
}

void outbound_chain::append(pooled_buffer buffer, std::size_t used_bytes) {
    LAMINAR_ASSERT(used_bytes <= buffer.capacity());
    if (used_bytes == 0) return;
    append_view({buffer.data(), used_bytes});
    _owned_buffers.push_back(std::move(buffer));
}

void outbound_chain::append_file(int fd, std::uint64_t offset, std::size_t size) {
    if (size == 0) return;
    _slices.push_back(slice{.fd = fd, .offset = offset, .size = size});
    _total_bytes += size;
}

void outbound_chain::clear() {
    _slices.clear();
    _owned_vectors.clear();
    _owned_buffers.clear();
    _owned_objects.clear();
    _total_bytes = 0;
}

copy_buffers::buffer copy_buffers::acquire(std::size_t bytes, std::size_t capacity_max) {
    LAMINAR_ASSERT(bytes <= capacity_max);
    // The smallest idle buffer that fits; failing that the largest, to grow.
    std::size_t chosen = _idle.size();
    for (std::size_t i = 0; i < _idle.size(); ++i) {
        const std::size_t capacity = _idle[i].capacity;
        if (chosen == _idle.size()) {
            chosen = i;
            continue;
        }
        const std::size_t best = _idle[chosen].capacity;
        const bool better = best < bytes ? capacity > best : capacity >= bytes && capacity < best;
        if (better) chosen = i;
    }
    buffer taken;
    if (chosen < _idle.size()) {
        std::swap(_idle[chosen], _idle.back());
        taken = std::move(_idle.back());
        _idle.pop_back();
        _idle_bytes -= taken.capacity;
    }
    if (taken.capacity < bytes) {
        constexpr std::size_t page_bytes = 4096;
        const std::size_t rounded = (bytes + page_bytes - 1) / page_bytes * page_bytes;
        taken.capacity = std::min(rounded, capacity_max);
        taken.bytes = std::make_unique_for_overwrite<std::byte[]>(taken.capacity);
        ++_allocations;
    }
    return taken;
}

void copy_buffers::release(buffer&& used) {
    used.slices.clear();
    if (!_idle.empty() && _idle_bytes + used.capacity > _idle_bytes_max) return;  // freed
    _idle_bytes += used.capacity;
    _idle.push_back(std::move(used));
}

result<splice_pipes::pipe> splice_pipes::acquire() {
    if (!_idle.empty()) {
        pipe reused = std::move(_idle.back());
        _idle.pop_back();
        return reused;
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail(errc_from_errno(errno));
    pipe created{unique_fd(fds[0]), unique_fd(fds[1]), 0};
    // A larger pipe moves more per splice pair; the default (64 KiB) is the fallback.
    int size = ::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(_pipe_bytes));
    if (size < 0) size = ::fcntl(fds[1], F_GETPIPE_SZ);
    created.capacity = size > 0 ? static_cast<std::size_t>(size) : 65536;
    return created;
}

void splice_pipes::release(pipe&& empty_pipe) {
    if (_idle.size() < _pipes_max) _idle.push_back(std::move(empty_pipe));
}

namespace {

constexpr std::size_t iovecs_per_send_max = 64;

// Sends slices [first, last) — all memory — advancing through partial sends.
task<status> send_memory(int socket_fd, std::span<const outbound_chain::slice> run, bool more) {
    std::size_t index = 0;
    std::size_t skip = 0;  // bytes of run[index] already sent
    while (index < run.size()) {
        std::array<iovec, iovecs_per_send_max> vectors;
        unsigned count = 0;
        for (std::size_t i = index; i < run.size() && count < vectors.size(); ++i, ++count) {
            const std::size_t from = i == index ? skip : 0;
            vectors[count] = iovec{const_cast<std::byte*>(run[i].data) + from, run[i].size - from};
        }
        msghdr message{};
        message.msg_iov = vectors.data();
        message.msg_iovlen = count;
        const bool last_batch = index + count == run.size();
        auto sent = co_await io::sendmsg(socket_fd, &message, (more || !last_batch) ? MSG_MORE : 0);
        if (!sent) co_return fail(sent.error());
        std::size_t remaining = *sent;
        if (remaining == 0) co_return fail(errc::connection_closed);
        while (remaining > 0 && index < run.size()) {
            const std::size_t left_here = run[index].size - skip;
            if (remaining < left_here) {
                skip += remaining;
                remaining = 0;
            } else {
                remaining -= left_here;
                ++index;
                skip = 0;
            }
        }
    }
    co_return status{};
}

// Moves one file range to the socket: file -> pipe -> socket, a pipe's worth at a time.
task<status> send_file(int socket_fd, const outbound_chain::slice& range, bool more,
                       splice_pipes& pipes) {
    auto acquired = pipes.acquire();
    if (!acquired) co_return fail(acquired.error());
    splice_pipes::pipe pipe = std::move(*acquired);
    std::uint64_t offset = range.offset;
    std::size_t remaining = range.size;
    while (remaining > 0) {
        const auto chunk = static_cast<std::uint32_t>(std::min(remaining, pipe.capacity));
        auto filled = co_await io::splice(range.fd, static_cast<std::int64_t>(offset),
                                          pipe.write_end.get(), -1, chunk, SPLICE_F_MOVE);
        if (!filled) co_return fail(filled.error());  // the pipe is dropped: may hold bytes
        if (*filled == 0) co_return fail(errc::corrupt_data);  // the file is shorter than said
        std::size_t in_pipe = *filled;
        while (in_pipe > 0) {
            const bool more_after = more || remaining > *filled;
            auto drained = co_await io::splice(pipe.read_end.get(), -1, socket_fd, -1,
                                               static_cast<std::uint32_t>(in_pipe),
                                               SPLICE_F_MOVE | (more_after ? SPLICE_F_MORE : 0));
            if (!drained) co_return fail(drained.error());
            if (*drained == 0) co_return fail(errc::connection_closed);
            in_pipe -= *drained;
        }
        offset += *filled;
        remaining -= *filled;
    }
    pipes.release(std::move(pipe));
    co_return status{};
}

std::size_t file_bytes_of(std::span<const outbound_chain::slice> slices) {
    std::size_t file_bytes = 0;
    for (const auto& slice : slices) {
        if (slice.is_file()) file_bytes += slice.size;
    }
    return file_bytes;
}

// Copies the file ranges of `slices` that the page cache holds into `buffer` (room for all of
// them) and leaves in buffer.slices the chain with them as memory slices (a range partly cached
// keeps its uncached rest as a file range).
void copy_cached_ranges(std::span<const outbound_chain::slice> slices,
                        copy_buffers::buffer& buffer, std::uint64_t& copied_bytes) {
    buffer.slices.clear();
    buffer.slices.reserve(slices.size() + 1);
    std::byte* next = buffer.bytes.get();
    for (const auto& slice : slices) {
        if (!slice.is_file()) {
            buffer.slices.push_back(slice);
            continue;
        }
        LAMINAR_ASSERT(next + slice.size <= buffer.bytes.get() + buffer.capacity);
        std::size_t done = 0;
        while (done < slice.size) {
            iovec vector{next + done, slice.size - done};
            const auto got = ::preadv2(slice.fd, &vector, 1,
                                       static_cast<off_t>(slice.offset + done), RWF_NOWAIT);
            if (got <= 0) break;  // EAGAIN: not cached; 0: the file is shorter (splice reports it)
            done += static_cast<std::size_t>(got);
        }
        if (done > 0) buffer.slices.push_back(outbound_chain::slice{.data = next, .size = done});
        if (done < slice.size) {
            buffer.slices.push_back(outbound_chain::slice{
                .fd = slice.fd, .offset = slice.offset + done, .size = slice.size - done});
        }
        next += done;
        copied_bytes += done;
    }
}

}  // namespace

task<status> send_chain(int socket_fd, const outbound_chain& chain, splice_pipes& pipes,
                        copy_buffers& copies, send_options options, send_stats* stats) {
    std::span<const outbound_chain::slice> slices = chain.slices();
    const std::size_t file_bytes = file_bytes_of(slices);
    copy_buffers::buffer copy;
    std::uint64_t copied_bytes = 0;
    if (file_bytes > 0 && file_bytes <= options.copy_bytes_max) {
        copy = copies.acquire(file_bytes, options.copy_bytes_max);
        copy_cached_ranges(slices, copy, copied_bytes);
        slices = copy.slices;
    }
    if (stats != nullptr) {
        stats->file_bytes_copied += copied_bytes;
        for (const auto& slice : slices) {
            if (slice.is_file()) stats->file_bytes_spliced += slice.size;
        }
    }
    status sent{};
    std::size_t index = 0;
    while (sent && index < slices.size()) {
        if (slices[index].is_file()) {
            const bool more = index + 1 < slices.size();
            sent = co_await send_file(socket_fd, slices[index], more, pipes);
            ++index;
            continue;
        }
        std::size_t end = index;
        while (end < slices.size() && !slices[end].is_file()) ++end;
        const auto run = slices.subspan(index, end - index);
        sent = co_await send_memory(socket_fd, run, end < slices.size());
        index = end;
    }
    if (copy.capacity > 0) copies.release(std::move(copy));  // failed or not: the bytes are done
    co_return sent;
}

}  // namespace laminar::net
