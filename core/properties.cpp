// Java properties parsing; the rules and the deliberate differences are in core/properties.h.
#include "core/properties.h"

#include <fmt/format.h>

namespace laminar {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// Cuts the natural line (without its terminator) off the front of `rest`.
std::string_view take_natural_line(std::string_view& rest) {
    std::size_t end = rest.find_first_of("\r\n");
    if (end == std::string_view::npos) {
        std::string_view line = rest;
        rest = {};
        return line;
    }
    std::string_view line = rest.substr(0, end);
    std::size_t terminator = (rest[end] == '\r' && end + 1 < rest.size() && rest[end + 1] == '\n')
                                 ? 2
                                 : 1;
    rest.remove_prefix(end + terminator);
    return line;
}

std::string_view strip_leading_blanks(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    return text;
}

bool ends_with_odd_backslashes(std::string_view text) {
    std::size_t count = 0;
    while (count < text.size() && text[text.size() - 1 - count] == '\\') ++count;
    return count % 2 == 1;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xC0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
        out += static_cast<char>(0xE0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code_point >> 18));
        out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
}

// Reads the four hex digits after "\u" at text[position]; -1 when malformed.
std::int32_t read_hex4(std::string_view text, std::size_t position) {
    if (position + 4 > text.size()) return -1;
    std::int32_t value = 0;
    for (std::size_t i = position; i < position + 4; ++i) {
        char c = text[i];
        int digit = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

// The result of unescaping one key or value.
struct unescaped {
    std::string text;
    std::size_t kept_size = 0;  // size without unescaped trailing blanks
    std::string error;          // empty when well formed
};

// Decodes a \u escape starting at text[i] == 'u' into out; returns the index of the last byte
// consumed, or npos with `error` set.
std::size_t decode_unicode(std::string_view text, std::size_t i, std::string& out,
                           std::string& error) {
    std::int32_t unit = read_hex4(text, i + 1);
    if (unit < 0) {
        error = "malformed \\uXXXX escape (needs four hex digits)";
        return std::string_view::npos;
    }
    std::size_t last = i + 4;
    std::uint32_t code_point = static_cast<std::uint32_t>(unit);
    if (unit >= 0xD800 && unit <= 0xDBFF) {
        bool has_low = last + 2 < text.size() && text[last + 1] == '\\' && text[last + 2] == 'u';
        std::int32_t low = has_low ? read_hex4(text, last + 3) : -1;
        if (low < 0xDC00 || low > 0xDFFF) {
            error = "unpaired UTF-16 surrogate in \\u escape";
            return std::string_view::npos;
        }
        code_point = 0x10000 + ((code_point - 0xD800) << 10) + (static_cast<std::uint32_t>(low) -
                                                                 0xDC00);
        last += 6;
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
        error = "unpaired UTF-16 surrogate in \\u escape";
        return std::string_view::npos;
    }
    append_utf8(out, code_point);
    return last;
}

unescaped unescape(std::string_view text) {
    unescaped result;
    result.text.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c != '\\') {
            result.text += c;
            if (!is_blank(c)) result.kept_size = result.text.size();
            continue;
        }
        if (++i == text.size()) break;  // a lone backslash at the very end of the file
        switch (text[i]) {
        case 't': result.text += '\t'; break;
        case 'n': result.text += '\n'; break;
        case 'r': result.text += '\r'; break;
        case 'f': result.text += '\f'; break;
        case 'u':
            i = decode_unicode(text, i, result.text, result.error);
            if (i == std::string_view::npos) return result;
            break;
        default: result.text += text[i]; break;
        }
        result.kept_size = result.text.size();
    }
    return result;
}

// Splits a logical line (escapes still in place) at its separator.
void split_key_value(std::string_view line, std::string_view& key, std::string_view& value) {
    std::size_t i = 0;
    while (i < line.size()) {
        char c = line[i];
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (c == '=' || c == ':' || is_blank(c)) break;
        ++i;
    }
    key = line.substr(0, std::min(i, line.size()));
    std::string_view rest = i < line.size() ? line.substr(i) : std::string_view{};
    rest = strip_leading_blanks(rest);
    // One '=' or ':' belongs to the separator, whether the key ended at it or at a blank before
    // it; a second one is part of the value ("a==b" sets a to "=b"), as in Java.
    if (!rest.empty() && (rest.front() == '=' || rest.front() == ':')) {
        rest = strip_leading_blanks(rest.substr(1));
    }
    value = rest;
}

}  // namespace

std::string config_error::message() const {
    std::string text;
    for (const config_problem& problem : problems) {
        if (!text.empty()) text += '\n';
        text += problem.origin.empty() ? problem.message
                                       : fmt::format("{}: {}", problem.origin, problem.message);
    }
    return text;
}

result<std::vector<property>, config_error> parse_properties(std::string_view text,
                                                             std::string_view file_name) {
    std::vector<property> entries;
    config_error error;
    std::string_view rest = text;
    std::uint32_t line_number = 0;
    std::string logical;
    while (!rest.empty()) {
        std::string_view natural = strip_leading_blanks(take_natural_line(rest));
        std::uint32_t first_line = ++line_number;
        if (natural.empty() || natural.front() == '#' || natural.front() == '!') continue;
        logical.assign(natural);
        while (ends_with_odd_backslashes(logical) && !rest.empty()) {
            logical.pop_back();
            logical += strip_leading_blanks(take_natural_line(rest));
            ++line_number;
        }
        std::string_view key_text;
        std::string_view value_text;
        split_key_value(logical, key_text, value_text);
        unescaped key = unescape(key_text);
        unescaped value = unescape(value_text);
        const std::string& problem = key.error.empty() ? value.error : key.error;
        if (!problem.empty()) {
            if (error.problems.size() < config_problems_max) {
                error.problems.push_back({fmt::format("{}:{}", file_name, first_line), problem});
            }
            continue;
        }
        value.text.resize(value.kept_size);
        entries.push_back({std::move(key.text), std::move(value.text), first_line});
    }
    if (!error.problems.empty()) return fail(std::move(error));
    return entries;
}

}  // namespace laminar
