// libFuzzer target for the text formats read back from disk or from an operator's files: Java
// properties (core/properties.h: server.properties, meta.properties) and checkpoint files
// (storage/checkpoint.h: recovery-point, log-start-offset). The first byte picks the parser.
// No input may crash either or read out of bounds. What parses into properties, written back
// with every special character escaped, parses to the same keys and values; a refused file
// reports at least one problem and at most config_problems_max. A checkpoint that parses is a
// non-negative offset whose canonical text parses back to it.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/assert.h"
#include "core/properties.h"
#include "storage/checkpoint.h"

namespace {

// `text` as a properties key or value that reads back as itself: backslash escapes for the
// separators, blanks, comment starters and line ends, so none of them means anything.
std::string escaped(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\f': out += "\\f"; break;
            case '=': case ':': case ' ': case '#': case '!':
                out += '\\';
                out += c;
                break;
            default: out += c;
        }
    }
    return out;
}

void check_properties(std::string_view text) {
    const auto parsed = laminar::parse_properties(text, "fuzz.properties");
    if (!parsed) {
        const auto& problems = parsed.error().problems;
        LAMINAR_ASSERT(!problems.empty() && problems.size() <= laminar::config_problems_max);
        return;
    }
    std::string rewritten;
    for (const auto& each : *parsed) {
        LAMINAR_ASSERT(each.line >= 1 && each.line <= text.size() + 1);
        rewritten += escaped(each.key) + "=" + escaped(each.value) + "\n";
    }
    const auto again = laminar::parse_properties(rewritten, "rewritten.properties");
    LAMINAR_ASSERT(again && again->size() == parsed->size());
    for (std::size_t i = 0; i < parsed->size(); ++i) {
        LAMINAR_ASSERT((*again)[i].key == (*parsed)[i].key);
        LAMINAR_ASSERT((*again)[i].value == (*parsed)[i].value);
        LAMINAR_ASSERT((*again)[i].line == i + 1);
    }
}

void check_checkpoint(std::string_view text) {
    const auto value = laminar::storage::parse_checkpoint(text);
    if (!value) return;
    LAMINAR_ASSERT(*value >= 0);
    LAMINAR_ASSERT(laminar::storage::parse_checkpoint(
                       laminar::storage::format_checkpoint(*value)) == value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    if (data[0] & 1) {
        check_checkpoint(text);
    } else {
        check_properties(text);
    }
    return 0;
}
