// A checkpoint file's text (checkpoint.h): apart from the file I/O so that the fuzz target
// (tests/fuzz/text_formats_fuzz.cpp) builds it alone.
#include <charconv>
#include <string>

#include "storage/checkpoint.h"

namespace laminar::storage {

std::string format_checkpoint(std::int64_t value) { return std::to_string(value) + "\n"; }

std::optional<std::int64_t> parse_checkpoint(std::string_view text) noexcept {
    if (text.size() < 2 || text.back() != '\n') return std::nullopt;
    text.remove_suffix(1);
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

}  // namespace laminar::storage
