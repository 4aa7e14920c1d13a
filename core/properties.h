// Reads the Java properties format (java.util.Properties.load), the format of Kafka's
// server.properties, into an ordered list of key/value pairs with the line each came from. It knows
// nothing about which keys exist or what their values mean: core/config.h does that.
//
// Follows Properties.load: lines end at \n, \r or \r\n; a line whose first non-blank character is
// '#' or '!' is a comment (there are no comments after a value: `a=1 # x` sets a to "1 # x"); a
// line ending in an odd number of backslashes continues on the next line, whose leading blanks are
// dropped; the key ends at the first unescaped '=', ':' or blank; blanks around the separator are
// dropped; escapes are \t \n \r \f \uXXXX, and a backslash before any other character stands for
// that character (\=, \:, \#, \ , \\). A line holding only a key sets it to the empty string.
//
// Deliberate differences from Java, each because Kafka or our operators expect it:
// - the file is UTF-8 (Java reads ISO-8859-1); \uXXXX escapes, surrogate pairs included, are
//   written out as UTF-8;
// - unescaped trailing blanks are dropped from values (Kafka trims values; a stray space after
//   `num.partitions=3 ` must not make it invalid). An escaped blank (`\ `) is kept.
// A malformed \u escape is an error with its file:line; every such error in the file is reported.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace laminar {

// One thing wrong with the configuration, said so that an operator can fix it.
struct config_problem {
    std::string origin;   // where: "server.properties:12", or the flag an override came from
    std::string message;  // what, starting with the key when there is one
};

// Why a configuration could not be loaded. Startup only: carries every problem found (up to
// config_problems_max) so that one run of the broker lists all of them.
struct config_error {
    std::vector<config_problem> problems;

    // One "origin: message" line per problem, '\n'-separated, no trailing newline.
    std::string message() const;
};

inline constexpr std::size_t config_problems_max = 50;

struct property {
    std::string key;
    std::string value;
    std::uint32_t line = 0;  // 1-based line where the (possibly continued) entry starts
};

// Parses `text`; `file_name` only labels errors. Entries come in file order, duplicates included.
result<std::vector<property>, config_error> parse_properties(std::string_view text,
                                                             std::string_view file_name);

}  // namespace laminar
