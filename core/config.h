// Configuration: the daemon declares the keys it knows (a schema: type, bounds, default, one line
// of doc), then a properties file plus command-line overrides become a typed, immutable `config`
// that remembers where each value came from.
//
// Why the Java properties format: Kafka operators already write server.properties, their tooling
// (Ansible templates, config management, runbooks) already emits it, and Laminar keeps Kafka's key
// names (log.dirs, num.partitions, listeners). An operator moving from Kafka copies the keys we
// support unchanged; a new format (TOML, YAML) would buy nesting we do not need and make everyone
// translate. Parsing rules: core/properties.h.
//
// Decisions, each stricter than Kafka where Kafka's leniency hides mistakes:
// - Unknown keys are errors, with the closest known key suggested (edit distance). Kafka only
//   warns because plugins read extra keys; Laminar has no plugins, so an unknown key is a typo,
//   and an ignored typo is a production incident. Kafka keys that Laminar knowingly does not use
//   (zookeeper.connect, ...) are declared with add_ignored(): accepted, reported in warnings().
// - A key set twice in one file is an error naming both lines. Java keeps the last silently,
//   which hides a line appended to the end of a long file that contradicts one near the top.
// - Overrides (--set key=value, or flags the daemon maps to keys) are applied after the file and
//   always win over it; among overrides the last one wins, like repeated command-line flags.
// - Every problem is reported at once, each with file:line (or the flag), up to
//   config_problems_max; except that syntax errors (a malformed \u escape) stop the run before
//   keys and values are checked.
// Value syntax per type: bool is true/false (any case); int64 and float64 are decimal; duration is
// milliseconds, or a number with a unit ms, s, m, h, d; size is bytes, or a number with a unit
// KiB, MiB, GiB, TiB; enum is one of the declared strings (exact case); list is comma-separated,
// blanks around items dropped, empty value = empty list.
//
// Sources map to Kafka's DescribeConfigs: default -> DEFAULT_CONFIG, file and override ->
// STATIC_BROKER_CONFIG (Kafka's own --override flags are static config too).
//
// @locality startup (main thread). Nothing here is for the hot path: read values once into plain
// structs. A schema mistake (duplicate key, default out of bounds) or a getter called with an
// unknown key or the wrong type is a bug and goes to on_internal_error().
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/properties.h"
#include "core/result.h"

namespace laminar {

enum class config_type : std::uint8_t {
    boolean,
    int64,
    float64,
    string,
    duration,     // stored and returned in milliseconds
    size,         // stored and returned in bytes
    enumeration,  // a string from a declared set
    list,         // strings
};

std::string_view to_string(config_type type) noexcept;

enum class config_source : std::uint8_t { default_value, file, override_value };

std::string_view to_string(config_source source) noexcept;  // "default", "file", "override"

// bool | int64, duration ms, size bytes | float64 | string, enumeration | list
using config_value =
    std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

struct config_key {
    std::string name;
    config_type type = config_type::string;
    config_value default_value;
    std::string doc;
    std::int64_t min = INT64_MIN;  // int64, duration (ms), size (bytes)
    std::int64_t max = INT64_MAX;
    double min_float = 0;  // float64
    double max_float = 0;
    std::vector<std::string> allowed;  // enumeration
    std::string ignored_reason;        // set only for keys declared with add_ignored()
};

// The keys a daemon understands. Built once at startup by code; add_* return *this to chain.
class config_schema {
public:
    config_schema& add_bool(std::string name, bool default_value, std::string doc);
    config_schema& add_int64(std::string name, std::int64_t default_value, std::int64_t min,
                             std::int64_t max, std::string doc);
    config_schema& add_float64(std::string name, double default_value, double min, double max,
                               std::string doc);
    config_schema& add_string(std::string name, std::string default_value, std::string doc);
    config_schema& add_duration(std::string name, std::chrono::milliseconds default_value,
                                std::chrono::milliseconds min, std::chrono::milliseconds max,
                                std::string doc);
    config_schema& add_size(std::string name, std::int64_t default_bytes, std::int64_t min_bytes,
                            std::int64_t max_bytes, std::string doc);
    config_schema& add_enum(std::string name, std::string default_value,
                            std::vector<std::string> allowed, std::string doc);
    config_schema& add_list(std::string name, std::vector<std::string> default_value,
                            std::string doc);
    // A Kafka key Laminar accepts and does not use; setting it yields a warning with the reason.
    config_schema& add_ignored(std::string name, std::string reason);

    const config_key* find(std::string_view name) const noexcept;
    std::span<const config_key> keys() const noexcept { return _keys; }  // sorted by name

    // The declared key nearest to `name` by edit distance, or empty when none is near enough to
    // be a plausible typo.
    std::string_view closest_key(std::string_view name) const;

private:
    config_schema& add(config_key key);

    std::vector<config_key> _keys;
};

// A value from the command line, applied after the file.
struct config_override {
    std::string key;
    std::string value;
    std::string origin;  // shown in errors and describe(): "--set", "--listeners", ...
};

// Splits "key=value" (as given to --set) at the first '='. The value is taken as is: the shell
// has already done the quoting, so no properties escapes apply.
result<config_override, config_error> parse_override(std::string_view text,
                                                     std::string origin = "--set");

struct config_entry {
    std::string name;
    config_type type = config_type::string;
    config_value value;
    config_source source = config_source::default_value;
    std::string origin;  // "server.properties:12", "--set", or empty for a default
    std::string doc;
};

// The value as an operator would write it: 30000 for a duration, a,b for a list.
std::string format_config_value(const config_value& value);

// Every declared key with its effective value. Immutable once built.
class config {
public:
    bool get_bool(std::string_view name) const;
    std::int64_t get_int64(std::string_view name) const;
    double get_float64(std::string_view name) const;
    const std::string& get_string(std::string_view name) const;  // string and enumeration keys
    std::chrono::milliseconds get_duration(std::string_view name) const;
    std::int64_t get_size(std::string_view name) const;  // bytes
    const std::vector<std::string>& get_list(std::string_view name) const;

    const config_entry& entry(std::string_view name) const;
    std::span<const config_entry> entries() const noexcept { return _entries; }  // sorted by name

    // Accepted but not fatal: ignored Kafka keys that were set. The daemon logs them at start.
    std::span<const config_problem> warnings() const noexcept { return _warnings; }

    // One line per key, "name = value  (source origin)", for `--print-config` and start-up logs.
    std::string describe() const;

private:
    friend class config_builder;
    const config_entry& typed_entry(std::string_view name, config_type a, config_type b) const;

    std::vector<config_entry> _entries;
    std::vector<config_problem> _warnings;
};

// Parses `text` as the contents of `file_name`, then applies `overrides` in order.
result<config, config_error> parse_config(const config_schema& schema, std::string_view text,
                                          std::string_view file_name,
                                          std::span<const config_override> overrides = {});

// Reads the file at `path` (at most config_file_bytes_max) and parses it as parse_config does.
result<config, config_error> load_config(const config_schema& schema, const std::string& path,
                                         std::span<const config_override> overrides = {});

inline constexpr std::size_t config_file_bytes_max = 16 * 1024 * 1024;

// Levenshtein distance, for suggestions; exposed for tests.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace laminar
