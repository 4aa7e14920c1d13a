// Reads length-prefixed frames (int32 big-endian size, then that many bytes: Kafka's framing)
// from a stream socket. The size is checked against frame_bytes_max before any memory is set
// aside for the frame, so a hostile size costs nothing; a negative or oversized size is an
// error and the caller closes the connection, as Kafka does.
//
// @locality owning shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/byte_budget.h"
#include "core/reactor.h"
#include "core/result.h"
#include "core/task.h"

namespace laminar::net {

class frame_reader {
public:
    // initial_bytes is the buffer kept for small frames; larger frames grow it up to their size.
    // With `cancel`, a read waiting for data ends with errc::cancelled when the token fires.
    frame_reader(int socket_fd, std::size_t frame_bytes_max, std::size_t initial_bytes = 16384,
                 cancel_token* cancel = nullptr);
    ~frame_reader();
    frame_reader(const frame_reader&) = delete;
    frame_reader& operator=(const frame_reader&) = delete;

    // With a budget, each frame's size is reserved from it before its body is read (waiting
    // while the shard holds too much) and given back at the next call or when the reader goes:
    // the frame stays reserved while the caller handles it.
    void set_budget(byte_budget* budget) noexcept { _budget = budget; }

    // The next frame's payload (without the size prefix), valid until the next call.
    // errc::connection_closed at a clean end of stream between frames; errc::too_large for a
    // size above frame_bytes_max; errc::corrupt_data for a negative size or a stream cut
    // inside a frame; errc::cancelled if the cancel token fires while it waits for the budget.
    task<result<std::span<const std::byte>>> next();

    std::size_t buffered_bytes() const noexcept { return _end - _begin; }
    // Bytes received from the socket since the reader was made (what the broker's idle check
    // watches for progress on a frame that is arriving slowly).
    std::uint64_t bytes_received() const noexcept { return _received; }
    // True while next() waits for the budget (the shard, not the peer, holds the request back).
    bool awaiting_budget() const noexcept { return _awaiting_budget; }

    // The frame last returned has been handled and will not be read again: gives back its
    // reservation now, and a large frame's buffer when nothing past it is buffered (what next()
    // does first), for a caller that waits before its next call (a throttled connection).
    void frame_handled() noexcept;

    // Hands a connection over to another reader (on another shard): gives back the reservation
    // of the frame last returned and moves out the bytes received past it (the start of the
    // requests that follow). The reader is empty afterwards.
    std::vector<std::byte> take_buffered();
    // Starts with `bytes` as if they had been received (what take_buffered gave another reader).
    void seed(std::span<const std::byte> bytes);

private:
    task<status> fill(std::size_t bytes_needed);

    void release_reservation() noexcept;

    int _fd;
    cancel_token* _cancel;
    byte_budget* _budget = nullptr;
    std::size_t _reserved = 0;  // of _budget, for the frame last returned
    std::size_t _frame_bytes_max;
    std::size_t _initial_bytes;
    std::vector<std::byte> _buffer;
    std::size_t _begin = 0;  // first unconsumed byte
    std::size_t _end = 0;    // one past the last received byte
    std::uint64_t _received = 0;
    bool _awaiting_budget = false;
};

}  // namespace laminar::net
