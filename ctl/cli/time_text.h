// Points in time as a person types them for --time and --to-time: milliseconds since the Unix
// epoch ("1733000000000"), or ISO-8601 ("2026-11-30", "2026-11-30T04:05:06",
// "2026-11-30T04:05:06.250Z", "2026-11-30T06:05:06+02:00"); without a zone, UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace laminar::cli {

// Milliseconds since the epoch, or nothing when the text is neither form.
std::optional<std::int64_t> parse_time_ms(std::string_view text);

}  // namespace laminar::cli
