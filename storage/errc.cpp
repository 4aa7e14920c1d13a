#include "storage/errc.h"

namespace laminar::storage {

std::string_view to_string(errc code) noexcept {
    switch (code) {
    case errc::ok: return "ok";
    case errc::io_error: return "I/O error";
    case errc::no_space: return "no space left on device";
    case errc::offset_out_of_range: return "offset out of range";
    case errc::invalid_batch: return "invalid record batch";
    case errc::batch_too_large: return "record batch too large";
    case errc::log_failed: return "log failed after an I/O error; reopen to recover";
    case errc::corrupt_log: return "corrupt log";
    case errc::invalid_argument: return "invalid argument";
    case errc::closed: return "log closed";
    }
    return "unknown storage error";
}

errc errc_from_core(laminar::errc code) noexcept {
    switch (code) {
    case laminar::errc::ok: return errc::ok;
    case laminar::errc::no_space: return errc::no_space;
    case laminar::errc::invalid_argument: return errc::invalid_argument;
    case laminar::errc::cancelled: return errc::closed;
    default: return errc::io_error;
    }
}

}  // namespace laminar::storage
