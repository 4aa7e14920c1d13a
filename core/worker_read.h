// A file read the ring gives to its worker threads at once (IOSQE_ASYNC) instead of first trying
// it on the submitting thread. A plain ring read of a file is attempted inline first: when the
// pages are cached that is the cheapest read there is, but when they are not, that attempt
// starts the kernel's read-ahead (allocating the pages and building the disk requests) on the
// shard thread, 150 us at the median per 16 MiB window in a cold scan (bench/README.md,
// Storage). Reads of a scan known to be cold go to the workers instead, so the shard only
// submits and reaps. Declared apart from reactor.h (which most files include); prepared in
// reactor.cpp's one switch with the other opcodes.
//
// @locality the current shard's ring, like every io:: operation.
#pragma once

#include <cstdint>
#include <span>

#include "core/reactor.h"

namespace laminar {

// io_request::flags of a read: run it in the ring's workers.
inline constexpr std::uint32_t io_read_in_worker = 1;

namespace io {

io_operation read_in_worker(int fd, std::span<std::byte> buffer, std::uint64_t offset);

}  // namespace io
}  // namespace laminar
