// Histogram queries and the registry's Prometheus rendering; the design is in core/metrics.h.
#include "core/metrics.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

#include "core/assert.h"

namespace laminar {

// ---- histogram ----

histogram::histogram() noexcept {
    for (auto& bucket : _buckets) bucket.store(0, std::memory_order_relaxed);
}

histogram_snapshot histogram::snapshot() const noexcept {
    histogram_snapshot copy;
    for (std::size_t i = 0; i < histogram_bucket_count; ++i) {
        copy._buckets[i] = _buckets[i].load(std::memory_order_relaxed);
        copy._count += copy._buckets[i];
    }
    copy._sum = _sum.load(std::memory_order_relaxed);
    copy._min = _min.load(std::memory_order_relaxed);
    copy._max = _max.load(std::memory_order_relaxed);
    copy._underflow = _underflow.load(std::memory_order_relaxed);
    copy._overflow = _overflow.load(std::memory_order_relaxed);
    if (copy._count > 0 && copy._min > copy._max) {
        // Read while the owner recorded its first value: take the extremes from the buckets.
        auto first = std::ranges::find_if(copy._buckets, [](std::uint64_t n) { return n > 0; });
        auto last = std::find_if(copy._buckets.rbegin(), copy._buckets.rend(),
                                 [](std::uint64_t n) { return n > 0; });
        copy._min = histogram_bucket_upper(static_cast<std::size_t>(first -
                                                                    copy._buckets.begin()));
        copy._max = histogram_bucket_upper(static_cast<std::size_t>(copy._buckets.rend() - last -
                                                                    1));
    }
    return copy;
}

void histogram::reset() noexcept {
    for (auto& bucket : _buckets) bucket.store(0, std::memory_order_relaxed);
    _sum.store(0, std::memory_order_relaxed);
    _min.store(UINT64_MAX, std::memory_order_relaxed);
    _max.store(0, std::memory_order_relaxed);
    _underflow.store(0, std::memory_order_relaxed);
    _overflow.store(0, std::memory_order_relaxed);
}

void histogram_snapshot::merge(const histogram_snapshot& other) noexcept {
    for (std::size_t i = 0; i < histogram_bucket_count; ++i) _buckets[i] += other._buckets[i];
    _count += other._count;
    _sum += other._sum;
    _min = std::min(_min, other._min);
    _max = std::max(_max, other._max);
    _underflow += other._underflow;
    _overflow += other._overflow;
}

double histogram_snapshot::mean_us() const noexcept {
    return _count ? static_cast<double>(_sum) / static_cast<double>(_count) : 0.0;
}

std::uint64_t histogram_snapshot::percentile_us(double percent) const noexcept {
    if (_count == 0) return 0;
    if (percent >= 100) return _max;
    // The rank of the value asked for, 1-based; the epsilon keeps 99.9% of 1000 at 999, not 1000.
    double exact_rank = percent / 100.0 * static_cast<double>(_count);
    auto rank = static_cast<std::uint64_t>(std::ceil(exact_rank - 1e-9));
    rank = std::clamp<std::uint64_t>(rank, 1, _count);
    std::uint64_t seen = 0;
    std::size_t index = 0;
    for (; index < histogram_bucket_count; ++index) {
        seen += _buckets[index];
        if (seen >= rank) break;
    }
    LAMINAR_ASSERT(index < histogram_bucket_count);
    std::uint64_t lower = histogram_bucket_lower(index);
    std::uint64_t width = histogram_bucket_upper(index) - lower;
    std::uint64_t middle = width == 1 ? lower + 1 : lower + width / 2;
    return std::clamp(middle, min_us(), _max);
}

std::uint64_t histogram_snapshot::count_at_or_below(std::uint64_t value_us) const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < histogram_bucket_count && histogram_bucket_upper(i) <= value_us;
         ++i) {
        total += _buckets[i];
    }
    return total;
}

// ---- registry ----

struct metrics_registry::entry {
    metric_type type;
    unsigned shard;
    std::string name;
    std::string help;
    metric_labels labels;
    std::unique_ptr<counter> counter_metric;
    std::unique_ptr<gauge> gauge_metric;
    std::unique_ptr<histogram> histogram_metric;
};

namespace {

bool is_valid_name(std::string_view name, bool allow_colon) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                      (allow_colon && c == ':');
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

std::string_view type_name(metric_type type) {
    switch (type) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
    }
    return "untyped";
}

void append_escaped(std::string& out, std::string_view text, bool escape_quote) {
    for (char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && escape_quote) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

// {shard="0",name="value",...,le="..."}; empty when there are no labels at all.
std::string label_text(const metrics_registry::entry& e, bool with_shard,
                       std::string_view le = {}) {
    std::string out;
    auto add = [&](std::string_view name, std::string_view value) {
        out += out.empty() ? "{" : ",";
        out += name;
        out += "=\"";
        append_escaped(out, value, true);
        out += '"';
    };
    if (with_shard && e.shard != no_shard) add("shard", fmt::format("{}", e.shard));
    for (const metric_label& label : e.labels) add(label.name, label.value);
    if (!le.empty()) add("le", le);
    if (!out.empty()) out += '}';
    return out;
}

// Power-of-two boundaries in microseconds, each an exact bucket edge: 1 us .. 2^25 us (33.6 s).
constexpr unsigned exported_boundaries = 26;

void render_histogram(std::string& out, const metrics_registry::entry& e,
                      const histogram_snapshot& merged) {
    auto sink = std::back_inserter(out);
    for (unsigned power = 0; power < exported_boundaries; ++power) {
        std::uint64_t boundary_us = std::uint64_t{1} << power;
        std::string le = fmt::format("{}", static_cast<double>(boundary_us) / 1e6);
        fmt::format_to(sink, "{}_bucket{} {}\n", e.name, label_text(e, false, le),
                       merged.count_at_or_below(boundary_us));
    }
    fmt::format_to(sink, "{}_bucket{} {}\n", e.name, label_text(e, false, "+Inf"),
                   merged.count());
    fmt::format_to(sink, "{}_sum{} {}\n", e.name, label_text(e, false),
                   static_cast<double>(merged.sum_us()) / 1e6);
    fmt::format_to(sink, "{}_count{} {}\n", e.name, label_text(e, false), merged.count());
}

}  // namespace

metrics_registry::metrics_registry() = default;
metrics_registry::~metrics_registry() = default;

metrics_registry::entry& metrics_registry::add(metric_type type, unsigned shard,
                                               std::string_view name, std::string_view help,
                                               metric_labels labels) {
    LAMINAR_ASSERT(is_valid_name(name, true));
    for (const metric_label& label : labels) {
        LAMINAR_ASSERT(is_valid_name(label.name, false));
        LAMINAR_ASSERT(label.name != "shard" && label.name != "le" &&
                       !label.name.starts_with("__"));
    }
    std::ranges::sort(labels);
    auto created = std::make_unique<entry>(entry{type, shard, std::string(name),
                                                 std::string(help), std::move(labels),
                                                 nullptr, nullptr, nullptr});
    // Allocated here, on the registering thread: a shard's metrics land in its local memory.
    switch (type) {
    case metric_type::counter: created->counter_metric = std::make_unique<counter>(); break;
    case metric_type::gauge: created->gauge_metric = std::make_unique<gauge>(); break;
    case metric_type::histogram: created->histogram_metric = std::make_unique<histogram>(); break;
    }
    std::lock_guard lock(_mutex);
    auto [family, new_family] = _families.try_emplace(created->name, type, created->help);
    if (!new_family && family->second != std::pair(type, created->help)) {
        on_internal_error("metric registered twice with different types or help");
    }
    if (!_series.emplace(created->name, created->labels, shard).second) {
        on_internal_error("metric registered twice with the same labels and shard");
    }
    _entries.push_back(std::move(created));
    return *_entries.back();
}

counter& metrics_registry::add_counter(unsigned shard, std::string_view name,
                                       std::string_view help, metric_labels labels) {
    return *add(metric_type::counter, shard, name, help, std::move(labels)).counter_metric;
}

gauge& metrics_registry::add_gauge(unsigned shard, std::string_view name, std::string_view help,
                                   metric_labels labels) {
    return *add(metric_type::gauge, shard, name, help, std::move(labels)).gauge_metric;
}

histogram& metrics_registry::add_histogram(unsigned shard, std::string_view name,
                                           std::string_view help, metric_labels labels) {
    return *add(metric_type::histogram, shard, name, help, std::move(labels)).histogram_metric;
}

std::string metrics_registry::render_prometheus() const {
    std::vector<const entry*> entries;
    {
        std::lock_guard lock(_mutex);
        entries.reserve(_entries.size());
        for (const auto& e : _entries) entries.push_back(e.get());
    }
    std::ranges::sort(entries, [](const entry* a, const entry* b) {
        return std::tie(a->name, a->labels, a->shard) < std::tie(b->name, b->labels, b->shard);
    });
    std::string out;
    auto sink = std::back_inserter(out);
    for (std::size_t i = 0; i < entries.size();) {
        const entry& first = *entries[i];
        out += "# HELP ";
        out += first.name;
        out += ' ';
        append_escaped(out, first.help, false);
        fmt::format_to(sink, "\n# TYPE {} {}\n", first.name, type_name(first.type));
        for (; i < entries.size() && entries[i]->name == first.name; ++i) {
            const entry& e = *entries[i];
            if (e.type == metric_type::counter) {
                fmt::format_to(sink, "{}{} {}\n", e.name, label_text(e, true),
                               e.counter_metric->value());
            } else if (e.type == metric_type::gauge) {
                fmt::format_to(sink, "{}{} {}\n", e.name, label_text(e, true),
                               e.gauge_metric->value());
            } else {
                // Sorted by labels then shard: the shards of one series are adjacent.
                histogram_snapshot merged = e.histogram_metric->snapshot();
                while (i + 1 < entries.size() && entries[i + 1]->name == e.name &&
                       entries[i + 1]->labels == e.labels) {
                    merged.merge(entries[++i]->histogram_metric->snapshot());
                }
                render_histogram(out, e, merged);
            }
        }
    }
    return out;
}

}  // namespace laminar
