#include "core/result.h"

#include <cerrno>

namespace laminar {

std::string_view to_string(errc code) noexcept {
    switch (code) {
    case errc::ok: return "ok";
    case errc::io_error: return "I/O error";
    case errc::would_block: return "would block";
    case errc::cancelled: return "cancelled";
    case errc::timed_out: return "timed out";
    case errc::connection_closed: return "connection closed";
    case errc::no_space: return "no space left on device";
    case errc::invalid_argument: return "invalid argument";
    case errc::queue_full: return "queue full";
    case errc::corrupt_data: return "corrupt data";
    case errc::too_large: return "too large";
    case errc::unsupported: return "unsupported";
    case errc::not_found: return "not found";
    }
    return "unknown error";
}

errc errc_from_errno(int error_number) noexcept {
    switch (error_number) {
    case 0: return errc::ok;
    case EAGAIN: return errc::would_block;
    case ECANCELED: return errc::cancelled;
    case ETIME:
    case ETIMEDOUT: return errc::timed_out;
    case ECONNRESET:
    case EPIPE:
    case ENOTCONN:
    case ECONNABORTED: return errc::connection_closed;
    case ENOSPC:
    case EDQUOT: return errc::no_space;
    case EINVAL: return errc::invalid_argument;
    case ENOENT: return errc::not_found;
    case EOPNOTSUPP: return errc::unsupported;
    default: return errc::io_error;
    }
}

}  // namespace laminar
