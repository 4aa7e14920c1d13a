// A response on its way out: a chain of memory slices (headers, encoded fields) and file ranges
// (record batches in segment files). send_chain writes runs of memory with one sendmsg (writev
// semantics) and moves file ranges to the socket with splice through a pipe, so record bytes go
// from the page cache to the socket without passing through user space.
//
// Except small ones: io_uring runs every splice in its worker pool, so a spliced range costs
// two hand-offs to a kernel thread and back (context switches, which a paravirtualised guest pays
// dearly); a tail fetch of a few hundred bytes spent more on those than on the bytes. A chain
// whose file ranges total at most send_options::copy_bytes_max reads them on the shard thread
// with preadv2(RWF_NOWAIT), which copies from the page cache and never waits for the disk (a
// range not cached is spliced as before), and goes out in one sendmsg with its headers. The
// memory it copies into comes from the shard's copy_buffers, reused from one response to the next.
//
// @locality owning shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/buffer_pool.h"
#include "core/result.h"
#include "core/task.h"
#include "core/unique_fd.h"

namespace laminar::net {

class outbound_chain {
public:
    struct slice {
        const std::byte* data = nullptr;  // memory slice, or nullptr for a file range
        int fd = -1;                      // file range
        std::uint64_t offset = 0;
        std::size_t size = 0;
        bool is_file() const noexcept { return data == nullptr; }
    };

    // Memory the caller keeps alive until the chain is sent.
    void append_view(std::span<const std::byte> bytes);
    // Memory the chain keeps alive.
    void append(std::vector<std::byte> bytes);
    void append(pooled_buffer buffer, std::size_t used_bytes);
    // `size` bytes of `fd` from `offset`; the fd must stay open until the chain is sent.
    void append_file(int fd, std::uint64_t offset, std::size_t size);
    // Keeps memory that append_view slices point into alive until the chain is cleared (a
    // vector's buffer does not move when the vector does).
    void keep(std::vector<std::byte> bytes) { _owned_vectors.push_back(std::move(bytes)); }
    // Keeps an object alive until the chain is cleared (what holds a file range's fd open).
    void keep_alive(std::shared_ptr<const void> owner) {
        _owned_objects.push_back(std::move(owner));
    }

    std::span<const slice> slices() const noexcept { return _slices; }
    std::size_t total_bytes() const noexcept { return _total_bytes; }
    bool empty() const noexcept { return _total_bytes == 0; }
    void clear();

private:
    std::vector<slice> _slices;
    std::vector<std::vector<std::byte>> _owned_vectors;
    std::vector<pooled_buffer> _owned_buffers;
    std::vector<std::shared_ptr<const void>> _owned_objects;
    std::size_t _total_bytes = 0;
};

// Pipes for splice, reused across sends. A pipe is returned only when empty; one left holding
// bytes by a failed send is closed instead.
//
// @locality owning shard.
class splice_pipes {
public:
    explicit splice_pipes(std::size_t pipes_max = 16, std::size_t pipe_bytes = 1 << 20)
        : _pipes_max(pipes_max), _pipe_bytes(pipe_bytes) {}

    struct pipe {
        unique_fd read_end;
        unique_fd write_end;
        std::size_t capacity = 0;
    };
    result<pipe> acquire();
    void release(pipe&& empty_pipe);
    std::size_t idle() const noexcept { return _idle.size(); }

private:
    std::size_t _pipes_max;
    std::size_t _pipe_bytes;
    std::vector<pipe> _idle;
};

// Memory for send_chain's copy path, reused across the responses (and connections) of a shard:
// a send takes a buffer for the time of its sendmsg and gives it back, so a connection holds none
// while it waits for its next request. A buffer grows to the largest chain it has carried (at
// most copy_bytes_max, rounded up to a page); the pool keeps idle buffers up to idle_bytes_max
// in total (always one), and frees the rest as they come back.
//
// @locality owning shard.
class copy_buffers {
public:
    explicit copy_buffers(std::size_t idle_bytes_max = 1 << 20) : _idle_bytes_max(idle_bytes_max) {}

    struct buffer {
        std::unique_ptr<std::byte[]> bytes;
        std::size_t capacity = 0;
        std::vector<outbound_chain::slice> slices;  // the chain with its copied ranges as memory
    };
    // A buffer of at least `bytes` (bytes <= capacity_max): the smallest idle one that fits, else
    // the largest idle one (or a new one) grown to `bytes` rounded up to a page, capped there.
    buffer acquire(std::size_t bytes, std::size_t capacity_max);
    void release(buffer&& used);

    std::size_t idle() const noexcept { return _idle.size(); }
    std::size_t idle_bytes() const noexcept { return _idle_bytes; }
    // Byte buffers allocated, new or grown (tests: a steady stream of responses allocates none).
    std::uint64_t allocations() const noexcept { return _allocations; }

private:
    std::size_t _idle_bytes_max;
    std::size_t _idle_bytes = 0;
    std::uint64_t _allocations = 0;
    std::vector<buffer> _idle;
};

struct send_options {
    // File ranges of a chain totalling at most this are copied from the page cache rather than
    // spliced (0: always splice).
    std::size_t copy_bytes_max = 64 * 1024;
};

// What send_chain did with the chain's file bytes (tests, benchmarks).
struct send_stats {
    std::uint64_t file_bytes_copied = 0;
    std::uint64_t file_bytes_spliced = 0;
};

// Sends the whole chain on `socket_fd` (a connected stream socket). Fails with the first error;
// then the connection is unusable (a partial response may have gone out). `copies` lends the
// memory of the copy path.
task<status> send_chain(int socket_fd, const outbound_chain& chain, splice_pipes& pipes,
                        copy_buffers& copies, send_options options = {},
                        send_stats* stats = nullptr);

}  // namespace laminar::net
