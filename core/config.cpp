// Schema, typed values and the file + overrides merge; the decisions are in core/config.h.
#include "core/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <system_error>
#include <unordered_map>

#include <fmt/format.h>

#include "core/assert.h"

namespace laminar {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

std::string quoted(std::string_view text) {
    return text.empty() ? std::string("an empty value") : fmt::format("'{}'", text);
}

std::string range_text(std::int64_t min, std::int64_t max, std::string_view unit) {
    if (min == INT64_MIN && max == INT64_MAX) return "";
    if (min == INT64_MIN) return fmt::format(" <= {}{}", max, unit);
    if (max == INT64_MAX) return fmt::format(" >= {}{}", min, unit);
    return fmt::format(" in [{}, {}]{}", min, max, unit);
}

struct unit_scale {
    std::string_view suffix;
    std::int64_t scale;
};

constexpr unit_scale duration_units[] = {
    {"", 1}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
constexpr unit_scale size_units[] = {{"", 1},
                                     {"KiB", std::int64_t{1} << 10},
                                     {"MiB", std::int64_t{1} << 20},
                                     {"GiB", std::int64_t{1} << 30},
                                     {"TiB", std::int64_t{1} << 40}};

// A decimal integer, optionally followed by one of `units`; nullopt when malformed or overflowing.
std::optional<std::int64_t> parse_scaled(std::string_view text, std::span<const unit_scale> units) {
    std::int64_t number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{} || end == text.data()) return std::nullopt;
    std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
    for (const unit_scale& unit : units) {
        if (unit.suffix != suffix) continue;
        std::int64_t scaled = 0;
        if (__builtin_mul_overflow(number, unit.scale, &scaled)) return std::nullopt;
        return scaled;
    }
    return std::nullopt;
}

using parsed_value = result<config_value, std::string>;

parsed_value parse_integer(const config_key& key, std::string_view text) {
    std::span<const unit_scale> units = std::span(duration_units).first(1);
    std::string_view expected = "an integer";
    std::string_view unit_name;
    if (key.type == config_type::duration) {
        units = duration_units;
        expected = "a duration in ms, or with a unit (ms, s, m, h, d)";
        unit_name = " ms";
    } else if (key.type == config_type::size) {
        units = size_units;
        expected = "a size in bytes, or with a unit (KiB, MiB, GiB, TiB)";
        unit_name = " bytes";
    }
    std::optional<std::int64_t> number = parse_scaled(text, units);
    if (number && *number >= key.min && *number <= key.max) return *number;
    return fail(fmt::format("expected {}{}, got {}", expected,
                                       range_text(key.min, key.max, unit_name), quoted(text)));
}

parsed_value parse_float(const config_key& key, std::string_view text) {
    double number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    bool whole = error == std::errc{} && end == text.data() + text.size() && !text.empty();
    if (whole && std::isfinite(number) && number >= key.min_float && number <= key.max_float) {
        return number;
    }
    return fail(fmt::format("expected a number in [{}, {}], got {}", key.min_float,
                                       key.max_float, quoted(text)));
}

parsed_value parse_enum(const config_key& key, std::string_view text) {
    for (const std::string& allowed : key.allowed) {
        if (allowed == text) return allowed;
    }
    std::string message = fmt::format("expected one of {}, got {}", fmt::join(key.allowed, ", "),
                                      quoted(text));
    for (const std::string& allowed : key.allowed) {
        if (equals_ignoring_case(allowed, text) || edit_distance(allowed, text) <= 1) {
            message += fmt::format("; did you mean '{}'?", allowed);
            break;
        }
    }
    return fail(std::move(message));
}

parsed_value parse_list(std::string_view text) {
    std::vector<std::string> items;
    if (trim(text).empty()) return items;
    while (true) {
        std::size_t comma = text.find(',');
        std::string_view item = trim(text.substr(0, comma));
        if (item.empty()) {
            return fail("expected a comma-separated list without empty items");
        }
        items.emplace_back(item);
        if (comma == std::string_view::npos) return items;
        text.remove_prefix(comma + 1);
    }
}

parsed_value parse_value(const config_key& key, std::string_view text) {
    switch (key.type) {
    case config_type::boolean:
        if (equals_ignoring_case(text, "true")) return true;
        if (equals_ignoring_case(text, "false")) return false;
        return fail(fmt::format("expected true or false, got {}", quoted(text)));
    case config_type::int64:
    case config_type::duration:
    case config_type::size: return parse_integer(key, text);
    case config_type::float64: return parse_float(key, text);
    case config_type::string: return std::string(text);
    case config_type::enumeration: return parse_enum(key, text);
    case config_type::list: return parse_list(text);
    }
    on_internal_error("unknown config_type");
}

std::string read_error(const std::string& path, int error_number) {
    return fmt::format("cannot read {}: {}", path,
                       std::system_category().message(error_number));
}

// The whole file, or a message saying why not.
result<std::string, std::string> read_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(read_error(path, errno));
    std::string text;
    struct stat info{};
    if (::fstat(fd, &info) == 0 && static_cast<std::uint64_t>(info.st_size) >
                                       config_file_bytes_max) {
        ::close(fd);
        return fail(fmt::format("{} is larger than {} bytes", path,
                                           config_file_bytes_max));
    }
    char buffer[64 * 1024];
    while (text.size() <= config_file_bytes_max) {
        ssize_t count = ::read(fd, buffer, sizeof buffer);
        if (count == 0) break;
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) {
            int error_number = errno;
            ::close(fd);
            return fail(read_error(path, error_number));
        }
        text.append(buffer, static_cast<std::size_t>(count));
    }
    ::close(fd);
    if (text.size() > config_file_bytes_max) {
        return fail(fmt::format("{} is larger than {} bytes", path,
                                           config_file_bytes_max));
    }
    return text;
}

}  // namespace

std::string_view to_string(config_type type) noexcept {
    switch (type) {
    case config_type::boolean: return "bool";
    case config_type::int64: return "int64";
    case config_type::float64: return "float64";
    case config_type::string: return "string";
    case config_type::duration: return "duration";
    case config_type::size: return "size";
    case config_type::enumeration: return "enum";
    case config_type::list: return "list";
    }
    return "unknown";
}

std::string_view to_string(config_source source) noexcept {
    switch (source) {
    case config_source::default_value: return "default";
    case config_source::file: return "file";
    case config_source::override_value: return "override";
    }
    return "unknown";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> previous(b.size() + 1);
    std::vector<std::size_t> current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

// ---- schema ----

config_schema& config_schema::add(config_key key) {
    LAMINAR_ASSERT(!key.name.empty());
    auto position = std::ranges::lower_bound(_keys, key.name, {}, &config_key::name);
    LAMINAR_ASSERT(position == _keys.end() || position->name != key.name);  // declared twice
    if (key.ignored_reason.empty()) {
        // A default must be a value the operator could have written.
        LAMINAR_ASSERT(parse_value(key, format_config_value(key.default_value)).has_value());
    }
    _keys.insert(position, std::move(key));
    return *this;
}

config_schema& config_schema::add_bool(std::string name, bool default_value, std::string doc) {
    return add({.name = std::move(name), .type = config_type::boolean,
                .default_value = default_value, .doc = std::move(doc)});
}

config_schema& config_schema::add_int64(std::string name, std::int64_t default_value,
                                        std::int64_t min, std::int64_t max, std::string doc) {
    LAMINAR_ASSERT(min <= max);
    return add({.name = std::move(name), .type = config_type::int64,
                .default_value = default_value, .doc = std::move(doc), .min = min, .max = max});
}

config_schema& config_schema::add_float64(std::string name, double default_value, double min,
                                          double max, std::string doc) {
    LAMINAR_ASSERT(min <= max);
    return add({.name = std::move(name), .type = config_type::float64,
                .default_value = default_value, .doc = std::move(doc), .min_float = min,
                .max_float = max});
}

config_schema& config_schema::add_string(std::string name, std::string default_value,
                                         std::string doc) {
    return add({.name = std::move(name), .type = config_type::string,
                .default_value = std::move(default_value), .doc = std::move(doc)});
}

config_schema& config_schema::add_duration(std::string name,
                                           std::chrono::milliseconds default_value,
                                           std::chrono::milliseconds min,
                                           std::chrono::milliseconds max, std::string doc) {
    LAMINAR_ASSERT(min <= max);
    return add({.name = std::move(name), .type = config_type::duration,
                .default_value = std::int64_t{default_value.count()}, .doc = std::move(doc),
                .min = min.count(), .max = max.count()});
}

config_schema& config_schema::add_size(std::string name, std::int64_t default_bytes,
                                       std::int64_t min_bytes, std::int64_t max_bytes,
                                       std::string doc) {
    LAMINAR_ASSERT(min_bytes <= max_bytes);
    return add({.name = std::move(name), .type = config_type::size,
                .default_value = default_bytes, .doc = std::move(doc), .min = min_bytes,
                .max = max_bytes});
}

config_schema& config_schema::add_enum(std::string name, std::string default_value,
                                       std::vector<std::string> allowed, std::string doc) {
    LAMINAR_ASSERT(!allowed.empty());
    return add({.name = std::move(name), .type = config_type::enumeration,
                .default_value = std::move(default_value), .doc = std::move(doc),
                .allowed = std::move(allowed)});
}

config_schema& config_schema::add_list(std::string name, std::vector<std::string> default_value,
                                       std::string doc) {
    return add({.name = std::move(name), .type = config_type::list,
                .default_value = std::move(default_value), .doc = std::move(doc)});
}

config_schema& config_schema::add_ignored(std::string name, std::string reason) {
    LAMINAR_ASSERT(!reason.empty());
    return add({.name = std::move(name), .ignored_reason = std::move(reason)});
}

const config_key* config_schema::find(std::string_view name) const noexcept {
    auto position = std::ranges::lower_bound(_keys, name, {}, &config_key::name);
    return position != _keys.end() && position->name == name ? &*position : nullptr;
}

std::string_view config_schema::closest_key(std::string_view name) const {
    // Beyond this many edits a "suggestion" is noise rather than the key the operator meant.
    std::size_t threshold = std::max<std::size_t>(2, name.size() / 3);
    std::string_view best;
    std::size_t best_distance = threshold + 1;
    for (const config_key& key : _keys) {
        std::size_t distance = edit_distance(name, key.name);
        if (distance < best_distance) {
            best_distance = distance;
            best = key.name;
        }
    }
    return best;
}

// ---- values ----

std::string format_config_value(const config_value& value) {
    struct formatter {
        std::string operator()(bool v) const { return v ? "true" : "false"; }
        std::string operator()(std::int64_t v) const { return fmt::format("{}", v); }
        std::string operator()(double v) const { return fmt::format("{}", v); }
        std::string operator()(const std::string& v) const { return v; }
        std::string operator()(const std::vector<std::string>& v) const {
            return fmt::format("{}", fmt::join(v, ","));
        }
    };
    return std::visit(formatter{}, value);
}

result<config_override, config_error> parse_override(std::string_view text, std::string origin) {
    std::size_t equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) {
        config_error error;
        error.problems.push_back(
            {std::move(origin), fmt::format("expected key=value, got {}", quoted(text))});
        return fail(std::move(error));
    }
    return config_override{std::string(text.substr(0, equals)),
                           std::string(text.substr(equals + 1)), std::move(origin)};
}

// ---- config ----

const config_entry& config::entry(std::string_view name) const {
    auto position = std::ranges::lower_bound(_entries, name, {}, &config_entry::name);
    if (position == _entries.end() || position->name != name) {
        on_internal_error(fmt::format("config key '{}' is not in the schema", name).c_str());
    }
    return *position;
}

const config_entry& config::typed_entry(std::string_view name, config_type a,
                                        config_type b) const {
    const config_entry& found = entry(name);
    if (found.type != a && found.type != b) {
        on_internal_error(fmt::format("config key '{}' is a {}, not a {}", name,
                                      to_string(found.type), to_string(a))
                              .c_str());
    }
    return found;
}

bool config::get_bool(std::string_view name) const {
    return std::get<bool>(typed_entry(name, config_type::boolean, config_type::boolean).value);
}

std::int64_t config::get_int64(std::string_view name) const {
    return std::get<std::int64_t>(typed_entry(name, config_type::int64, config_type::int64).value);
}

double config::get_float64(std::string_view name) const {
    return std::get<double>(typed_entry(name, config_type::float64, config_type::float64).value);
}

const std::string& config::get_string(std::string_view name) const {
    return std::get<std::string>(
        typed_entry(name, config_type::string, config_type::enumeration).value);
}

std::chrono::milliseconds config::get_duration(std::string_view name) const {
    return std::chrono::milliseconds(std::get<std::int64_t>(
        typed_entry(name, config_type::duration, config_type::duration).value));
}

std::int64_t config::get_size(std::string_view name) const {
    return std::get<std::int64_t>(typed_entry(name, config_type::size, config_type::size).value);
}

const std::vector<std::string>& config::get_list(std::string_view name) const {
    return std::get<std::vector<std::string>>(
        typed_entry(name, config_type::list, config_type::list).value);
}

std::string config::describe() const {
    std::size_t width = 0;
    for (const config_entry& e : _entries) width = std::max(width, e.name.size());
    width = std::min<std::size_t>(width, 40);
    std::string text;
    for (const config_entry& e : _entries) {
        fmt::format_to(std::back_inserter(text), "{:<{}} = {}  ({}{}{})\n", e.name, width,
                       format_config_value(e.value), to_string(e.source),
                       e.origin.empty() ? "" : " ", e.origin);
    }
    return text;
}

// Builds a config from the schema's defaults, then the file, then the overrides.
class config_builder {
public:
    explicit config_builder(const config_schema& schema) : _schema(schema) {
        for (const config_key& key : schema.keys()) {
            if (!key.ignored_reason.empty()) continue;
            _config._entries.push_back({key.name, key.type, key.default_value,
                                        config_source::default_value, "", key.doc});
        }
    }

    void apply_file(std::span<const property> properties, std::string_view file_name) {
        std::unordered_map<std::string_view, std::uint32_t> first_line;
        for (const property& p : properties) {
            std::string origin = fmt::format("{}:{}", file_name, p.line);
            const config_key* key = known_key(p.key, origin);
            if (key == nullptr) continue;
            auto [previous, inserted] = first_line.try_emplace(key->name, p.line);
            if (!inserted) {
                add_problem(_error.problems, std::move(origin),
                            fmt::format("duplicate key '{}', first set on line {}; a key may "
                                        "appear once per file",
                                        p.key, previous->second));
                continue;
            }
            set(*key, p.value, config_source::file, std::move(origin));
        }
    }

    void apply_overrides(std::span<const config_override> overrides) {
        for (const config_override& o : overrides) {
            const config_key* key = known_key(o.key, o.origin);
            if (key != nullptr) set(*key, o.value, config_source::override_value, o.origin);
        }
    }

    result<config, config_error> finish() {
        if (!_error.problems.empty()) return fail(std::move(_error));
        return std::move(_config);
    }

private:
    static void add_problem(std::vector<config_problem>& list, std::string origin,
                            std::string message) {
        if (list.size() < config_problems_max) list.push_back({std::move(origin), message});
    }

    // The schema's key for `name`, or null after recording why it cannot be set.
    const config_key* known_key(std::string_view name, const std::string& origin) {
        const config_key* key = _schema.find(name);
        if (key == nullptr) {
            std::string_view closest = _schema.closest_key(name);
            std::string message = name.empty()
                                      ? std::string("empty key (the line starts with '=' or ':')")
                                      : fmt::format("unknown key '{}'", name);
            if (!closest.empty() && !name.empty()) {
                message += fmt::format("; did you mean '{}'?", closest);
            }
            add_problem(_error.problems, origin, std::move(message));
            return nullptr;
        }
        if (!key->ignored_reason.empty()) {
            add_problem(_config._warnings, origin,
                        fmt::format("'{}' is ignored: {}", name, key->ignored_reason));
            // Still returned so that a duplicate is caught; set() skips it.
        }
        return key;
    }

    void set(const config_key& key, std::string_view text, config_source source,
             std::string origin) {
        if (!key.ignored_reason.empty()) return;
        parsed_value value = parse_value(key, text);
        if (!value) {
            add_problem(_error.problems, std::move(origin),
                        fmt::format("{}: {}", key.name, value.error()));
            return;
        }
        auto position = std::ranges::lower_bound(_config._entries, key.name, {},
                                                 &config_entry::name);
        LAMINAR_ASSERT(position != _config._entries.end() && position->name == key.name);
        position->value = std::move(*value);
        position->source = source;
        position->origin = std::move(origin);
    }

    const config_schema& _schema;
    config _config;
    config_error _error;
};

result<config, config_error> parse_config(const config_schema& schema, std::string_view text,
                                          std::string_view file_name,
                                          std::span<const config_override> overrides) {
    config_builder builder(schema);
    auto properties = parse_properties(text, file_name);
    if (!properties) return fail(std::move(properties.error()));
    builder.apply_file(*properties, file_name);
    builder.apply_overrides(overrides);
    return builder.finish();
}

result<config, config_error> load_config(const config_schema& schema, const std::string& path,
                                         std::span<const config_override> overrides) {
    auto text = read_file(path);
    if (!text) {
        config_error error;
        error.problems.push_back({"", std::move(text.error())});
        return fail(std::move(error));
    }
    return parse_config(schema, *text, path, overrides);
}

}  // namespace laminar
