// Errors as values for the data path: every subsystem has an `enum class errc` and returns
// `result<T>` from its hot path. Success carries no allocation (std::expected holds the value in
// place). Kafka error codes are mapped from these in one place, the broker's API layer.
#pragma once

#include <cstdint>
#include <expected>
#include <string_view>

namespace laminar {

// Errors the runtime (core/) itself reports. Other modules declare their own errc.
enum class errc : std::uint16_t {
    ok = 0,
    io_error,           // an errno from a syscall or io_uring completion not listed below
    would_block,
    cancelled,          // the operation was cancelled (shutdown, timeout, explicit cancel)
    timed_out,
    connection_closed,  // peer closed or reset the connection
    no_space,           // ENOSPC / EDQUOT
    invalid_argument,
    queue_full,
    corrupt_data,       // input failed validation (bad frame, bad checksum, bad compression)
    too_large,          // output would exceed the caller's bound
    unsupported,
    not_found,
};

std::string_view to_string(errc code) noexcept;

// Maps a positive errno value to errc; the errno itself is kept by callers that need it.
errc errc_from_errno(int error_number) noexcept;

// The error type defaults to errc; startup paths that need a human message (configuration) use
// their own error type, e.g. result<config, config_error>.
template <typename T, typename E = errc>
using result = std::expected<T, E>;

using status = std::expected<void, errc>;

inline std::unexpected<errc> fail(errc code) noexcept { return std::unexpected<errc>(code); }

// The error of a result, or errc::ok when it holds a value.
template <typename T>
errc error_of(const std::expected<T, errc>& outcome) noexcept {
    return outcome ? errc::ok : outcome.error();
}

}  // namespace laminar
