#include "ctl/cli/time_text.h"

#include <charconv>
#include <chrono>

namespace laminar::cli {
namespace {

// Reads exactly `digits` decimal digits at `position`.
std::optional<int> read_number(std::string_view text, std::size_t& position, std::size_t digits) {
    if (position + digits > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        const char c = text[position + i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    position += digits;
    return value;
}

bool expect(std::string_view text, std::size_t& position, char wanted) {
    if (position >= text.size() || text[position] != wanted) return false;
    ++position;
    return true;
}

std::optional<std::int64_t> days_since_epoch(int year, int month, int day) {
    using namespace std::chrono;
    const year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                              std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok()) return std::nullopt;
    return sys_days(date).time_since_epoch().count();
}

// "Z", "+HH:MM", "-HH:MM", "+HHMM" or nothing: the offset east of UTC in minutes.
std::optional<int> read_zone(std::string_view text, std::size_t& position) {
    if (position == text.size()) return 0;
    if (text[position] == 'Z' || text[position] == 'z') {
        ++position;
        return 0;
    }
    if (text[position] != '+' && text[position] != '-') return std::nullopt;
    const int sign = text[position++] == '-' ? -1 : 1;
    auto hours = read_number(text, position, 2);
    if (position < text.size() && text[position] == ':') ++position;
    auto minutes = read_number(text, position, 2);
    if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
    return sign * (*hours * 60 + *minutes);
}

std::optional<std::int64_t> parse_iso_8601(std::string_view text) {
    std::size_t position = 0;
    auto year = read_number(text, position, 4);
    if (!year || !expect(text, position, '-')) return std::nullopt;
    auto month = read_number(text, position, 2);
    if (!month || !expect(text, position, '-')) return std::nullopt;
    auto day = read_number(text, position, 2);
    if (!day) return std::nullopt;
    auto days = days_since_epoch(*year, *month, *day);
    if (!days) return std::nullopt;
    std::int64_t ms = *days * 86'400'000;
    if (position < text.size() && (text[position] == 'T' || text[position] == ' ')) {
        ++position;
        auto hour = read_number(text, position, 2);
        if (!hour || !expect(text, position, ':')) return std::nullopt;
        auto minute = read_number(text, position, 2);
        if (!minute) return std::nullopt;
        int second = 0;
        int millisecond = 0;
        if (expect(text, position, ':')) {
            auto seconds = read_number(text, position, 2);
            if (!seconds) return std::nullopt;
            second = *seconds;
            if (expect(text, position, '.')) {
                auto fraction = read_number(text, position, 3);
                if (!fraction) return std::nullopt;
                millisecond = *fraction;
            }
        }
        if (*hour > 23 || *minute > 59 || second > 60) return std::nullopt;
        ms += ((*hour * 60 + *minute) * 60 + second) * 1000LL + millisecond;
    }
    auto zone_minutes = read_zone(text, position);
    if (!zone_minutes || position != text.size()) return std::nullopt;
    return ms - *zone_minutes * 60'000LL;
}

}  // namespace

std::optional<std::int64_t> parse_time_ms(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t ms = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (error == std::errc() && end == text.data() + text.size()) {
        if (ms < 0) return std::nullopt;
        return ms;
    }
    return parse_iso_8601(text);
}

}  // namespace laminar::cli
