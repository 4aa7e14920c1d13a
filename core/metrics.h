// Metrics: counters, gauges and latency histograms owned by one shard each, and a registry that
// renders them all in the Prometheus text format for the HTTP exporter.
//
// Snapshot safety: every metric is written only by its owner thread, as relaxed atomics updated
// with a plain load + store (no locked read-modify-write: on x86-64 and AArch64 this compiles to
// the same instructions as a non-atomic increment). Any thread may read them at any time, without
// asking the shard: an exporter scrape never sends work to a shard or waits on one, and the
// design does not depend on the cross-shard messaging that lands later. The cost is that a
// histogram read while its owner records may be off by the one observation in flight (its count,
// sum and buckets are read one by one); Prometheus tolerates that. reset() is owner-only.
//
// Histogram layout: values are microseconds, tracked from 1 us to 60 s. Log-linear buckets: each
// power-of-two range [2^k, 2^(k+1)) is split into 32 equal sub-buckets; values up to 64 us get a
// bucket each. A bucket holds the values in (lower, upper], so every power of two is a bucket
// edge, which makes the exported `le` boundaries exact. 698 buckets (5.6 KiB). Percentiles return
// the bucket's midpoint clamped to the recorded min and max: relative error below 1/64 (1.6%);
// exact up to 64 us. Values outside [1 us, 60 s] are clamped to the end buckets and counted
// (underflow_count, overflow_count). record() is a handful of instructions, never allocates.
//
// Prometheus: counters and gauges are exported per shard with a `shard` label; histograms of the
// same name and labels are merged across shards and exported in seconds with power-of-two `le`
// boundaries (1 us .. 33.6 s, then +Inf).
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "core/shard_id.h"

namespace laminar {

namespace detail {
// Owner-only increment of a relaxed atomic: readers on other threads see whole values.
inline void owner_add(std::atomic<std::uint64_t>& value, std::uint64_t amount) noexcept {
    value.store(value.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}
}  // namespace detail

// A monotonically increasing count. @locality written by its owner shard, read by any thread
class alignas(64) counter {
public:
    void increment(std::uint64_t amount = 1) noexcept { detail::owner_add(_value, amount); }
    std::uint64_t value() const noexcept { return _value.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> _value{0};
};

// A value that goes up and down. @locality written by its owner shard, read by any thread
class alignas(64) gauge {
public:
    void set(std::int64_t value) noexcept { _value.store(value, std::memory_order_relaxed); }
    void add(std::int64_t amount) noexcept {
        _value.store(_value.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
    }
    std::int64_t value() const noexcept { return _value.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> _value{0};
};

inline constexpr std::uint64_t histogram_value_min_us = 1;
inline constexpr std::uint64_t histogram_value_max_us = 60'000'000;
inline constexpr unsigned histogram_sub_bucket_bits = 5;  // 32 sub-buckets per power of two

// The bucket holding `value_us` (already within [min, max]). Buckets hold (lower, upper].
constexpr std::size_t histogram_bucket_index(std::uint64_t value_us) noexcept {
    std::uint64_t offset = value_us - 1;
    auto width_bits = static_cast<unsigned>(std::bit_width(offset));
    unsigned shift = width_bits > histogram_sub_bucket_bits + 1
                         ? width_bits - (histogram_sub_bucket_bits + 1)
                         : 0;
    return (std::size_t{shift} << histogram_sub_bucket_bits) + (offset >> shift);
}

// Bucket `index` holds the values in (lower, upper], as returned by these two.
constexpr std::uint64_t histogram_bucket_lower(std::size_t index) noexcept {
    constexpr std::size_t sub_buckets = std::size_t{1} << histogram_sub_bucket_bits;
    if (index < 2 * sub_buckets) return index;
    std::size_t shift = (index >> histogram_sub_bucket_bits) - 1;
    std::uint64_t mantissa = (index & (sub_buckets - 1)) + sub_buckets;
    return mantissa << shift;
}

constexpr std::uint64_t histogram_bucket_upper(std::size_t index) noexcept {
    constexpr std::size_t sub_buckets = std::size_t{1} << histogram_sub_bucket_bits;
    std::size_t shift = index < 2 * sub_buckets ? 0 : (index >> histogram_sub_bucket_bits) - 1;
    return histogram_bucket_lower(index) + (std::uint64_t{1} << shift);
}

inline constexpr std::size_t histogram_bucket_count =
    histogram_bucket_index(histogram_value_max_us) + 1;
static_assert(histogram_bucket_count == 698);
static_assert(histogram_bucket_upper(histogram_bucket_index(1 << 20)) == 1 << 20);

// A histogram's contents at one moment: plain data, mergeable and queryable on any thread.
class histogram_snapshot {
public:
    void merge(const histogram_snapshot& other) noexcept;

    std::uint64_t count() const noexcept { return _count; }
    std::uint64_t sum_us() const noexcept { return _sum; }
    std::uint64_t min_us() const noexcept { return _count ? _min : 0; }
    std::uint64_t max_us() const noexcept { return _max; }
    double mean_us() const noexcept;
    // The value at or below which `percent` of the recorded values fall (0 < percent <= 100);
    // 0 when empty. Within 1/64 of the exact value, see the file comment.
    std::uint64_t percentile_us(double percent) const noexcept;
    // Recorded values <= value_us; exact when value_us is a bucket's upper edge (any power of 2).
    std::uint64_t count_at_or_below(std::uint64_t value_us) const noexcept;

    std::uint64_t underflow_count() const noexcept { return _underflow; }
    std::uint64_t overflow_count() const noexcept { return _overflow; }
    const std::array<std::uint64_t, histogram_bucket_count>& buckets() const noexcept {
        return _buckets;
    }

    bool operator==(const histogram_snapshot&) const = default;

private:
    friend class histogram;

    std::array<std::uint64_t, histogram_bucket_count> _buckets{};
    std::uint64_t _count = 0;
    std::uint64_t _sum = 0;
    std::uint64_t _min = UINT64_MAX;
    std::uint64_t _max = 0;
    std::uint64_t _underflow = 0;
    std::uint64_t _overflow = 0;
};

// A latency histogram in microseconds. @locality record() and reset() on its owner shard;
// snapshot() on any thread.
class alignas(64) histogram {
public:
    histogram() noexcept;

    void record(std::uint64_t value_us) noexcept {
        if (value_us < histogram_value_min_us) [[unlikely]] {
            detail::owner_add(_underflow, 1);
            value_us = histogram_value_min_us;
        } else if (value_us > histogram_value_max_us) [[unlikely]] {
            detail::owner_add(_overflow, 1);
            value_us = histogram_value_max_us;
        }
        detail::owner_add(_buckets[histogram_bucket_index(value_us)], 1);
        detail::owner_add(_sum, value_us);
        if (value_us < _min.load(std::memory_order_relaxed)) {
            _min.store(value_us, std::memory_order_relaxed);
        }
        if (value_us > _max.load(std::memory_order_relaxed)) {
            _max.store(value_us, std::memory_order_relaxed);
        }
    }

    histogram_snapshot snapshot() const noexcept;
    void reset() noexcept;

private:
    std::atomic<std::uint64_t> _sum{0};
    std::atomic<std::uint64_t> _min{UINT64_MAX};
    std::atomic<std::uint64_t> _max{0};
    std::atomic<std::uint64_t> _underflow{0};
    std::atomic<std::uint64_t> _overflow{0};
    std::array<std::atomic<std::uint64_t>, histogram_bucket_count> _buckets;
};

struct metric_label {
    std::string name;
    std::string value;
    bool operator==(const metric_label&) const = default;
    auto operator<=>(const metric_label&) const = default;
};

using metric_labels = std::vector<metric_label>;

enum class metric_type : std::uint8_t { counter, gauge, histogram };

// Every metric of the process. Registration is rare (startup, a partition moving to a shard) and
// takes a mutex; recording never touches the registry; rendering copies the list of metrics
// under the mutex and reads the values without it. Metrics live as long as the registry.
// Names must be valid Prometheus names, label names valid and not "shard" (added from `shard`).
// Registering the same name, labels and shard twice, or one name with two types or helps, is a
// bug (on_internal_error).
class metrics_registry {
public:
    metrics_registry();
    ~metrics_registry();
    metrics_registry(const metrics_registry&) = delete;
    metrics_registry& operator=(const metrics_registry&) = delete;

    // `shard` owns the metric and labels it; no_shard for process-wide metrics (no label).
    // The metric is allocated on the calling thread, so a shard registering its own metrics gets
    // them in its NUMA-local memory. @locality any thread; @locks the registry mutex
    counter& add_counter(unsigned shard, std::string_view name, std::string_view help,
                         metric_labels labels = {});
    gauge& add_gauge(unsigned shard, std::string_view name, std::string_view help,
                     metric_labels labels = {});
    // Values in microseconds; exported in seconds, so name it *_seconds.
    histogram& add_histogram(unsigned shard, std::string_view name, std::string_view help,
                             metric_labels labels = {});

    // The Prometheus text exposition format (version 0.0.4), families sorted by name.
    // @locality the exporter's thread (never a shard: it allocates and formats a lot)
    std::string render_prometheus() const;

    struct entry;

private:
    entry& add(metric_type type, unsigned shard, std::string_view name, std::string_view help,
               metric_labels labels);

    mutable std::mutex _mutex;
    std::vector<std::unique_ptr<entry>> _entries;
    // For the registration checks: type and help per name, and every (name, labels, shard).
    std::map<std::string, std::pair<metric_type, std::string>, std::less<>> _families;
    std::set<std::tuple<std::string, metric_labels, unsigned>> _series;
};

}  // namespace laminar
