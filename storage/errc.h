// Errors of the partition log, as values (core/result.h). The broker maps them to Kafka error
// codes in its API layer; nothing here knows those codes.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace laminar::storage {

enum class errc : std::uint16_t {
    ok = 0,
    io_error,             // a read, write or sync failed (EIO and friends); see log_failed
    no_space,             // ENOSPC / EDQUOT: preallocation or a write found the disk full
    offset_out_of_range,  // below the log start offset or above the log end offset
    invalid_batch,        // the batch failed validation (length, magic, CRC, offsets)
    batch_too_large,      // the batch is bigger than max.message.bytes or a whole segment
    log_failed,           // an earlier write or sync failed: the log refuses writes until reopened
    corrupt_log,          // on-disk state recovery cannot make sense of (not a torn tail)
    invalid_argument,
    closed,               // the log was closed
};

std::string_view to_string(errc code) noexcept;

// Maps the runtime's error of an I/O operation.
errc errc_from_core(laminar::errc code) noexcept;

// result<T> and status of storage carry storage::errc.
template <typename T>
using result = laminar::result<T, errc>;
using status = laminar::result<void, errc>;

}  // namespace laminar::storage
