#include "bench/laminar_bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace laminar::bench {

latency_histogram::latency_histogram() : _counts(bucket_count(), 0) {}

std::size_t latency_histogram::bucket_count() noexcept {
    return sub_bucket_count + (value_bits_max - sub_bucket_bits) * sub_bucket_half;
}

std::size_t latency_histogram::index_of(std::uint64_t value) noexcept {
    value = std::min(value, value_max);
    if (value < sub_bucket_count) return static_cast<std::size_t>(value);
    const int shift = (63 - std::countl_zero(value)) - (sub_bucket_bits - 1);
    const std::uint64_t sub = value >> shift;  // in [half, count)
    return static_cast<std::size_t>(sub_bucket_count + (shift - 1) * sub_bucket_half +
                                    (sub - sub_bucket_half));
}

std::uint64_t latency_histogram::lowest_in(std::size_t index) noexcept {
    if (index < sub_bucket_count) return index;
    const std::uint64_t k = index - sub_bucket_count;
    const std::uint64_t shift = k / sub_bucket_half + 1;
    return (k % sub_bucket_half + sub_bucket_half) << shift;
}

std::uint64_t latency_histogram::width_of(std::size_t index) noexcept {
    if (index < sub_bucket_count) return 1;
    return 1ull << ((index - sub_bucket_count) / sub_bucket_half + 1);
}

void latency_histogram::record(std::uint64_t value_ns) noexcept {
    ++_counts[index_of(value_ns)];
    ++_count;
    _min = std::min(_min, value_ns);
    _max = std::max(_max, value_ns);
    _sum += static_cast<double>(value_ns);
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
    for (std::size_t i = 0; i < _counts.size(); ++i) _counts[i] += other._counts[i];
    _count += other._count;
    _min = std::min(_min, other._min);
    _max = std::max(_max, other._max);
    _sum += other._sum;
}

void latency_histogram::clear() noexcept {
    std::fill(_counts.begin(), _counts.end(), 0);
    _count = 0;
    _min = ~0ull;
    _max = 0;
    _sum = 0;
}

std::uint64_t latency_histogram::percentile(double p) const noexcept {
    if (_count == 0) return 0;
    p = std::clamp(p, 0.0, 100.0);
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(_count)));
    rank = std::clamp<std::uint64_t>(rank, 1, _count);
    if (rank == _count) return _max;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < _counts.size(); ++i) {
        seen += _counts[i];
        if (seen >= rank) {
            const std::uint64_t mid = lowest_in(i) + width_of(i) / 2;
            return std::clamp(mid, _min, _max);
        }
    }
    return _max;
}

std::vector<latency_histogram::point> latency_histogram::distribution(
    int ticks_per_half_distance) const {
    std::vector<point> points;
    if (_count == 0) return points;
    ticks_per_half_distance = std::max(1, ticks_per_half_distance);
    // Beyond 1/(1-p) > count the percentiles all name the maximum.
    const double last = 100.0 * (1.0 - 1.0 / static_cast<double>(_count));
    for (int level = 0; level < 64; ++level) {
        const double from = 100.0 * (1.0 - std::ldexp(1.0, -level));
        const double to = 100.0 * (1.0 - std::ldexp(1.0, -level - 1));
        if (from >= last) break;
        for (int tick = 0; tick < ticks_per_half_distance; ++tick) {
            const double p = from + (to - from) * tick / ticks_per_half_distance;
            if (p >= last) break;
            auto rank =
                static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(_count)));
            points.push_back({p, percentile(p), std::max<std::uint64_t>(rank, 1)});
        }
    }
    points.push_back({100.0, _max, _count});
    return points;
}

}  // namespace laminar::bench
