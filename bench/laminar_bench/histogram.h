// A log-linear latency histogram (HdrHistogram's bucket layout, written for laminar-bench):
// values 0..2047 ns exactly, above that 1,024 linear sub-buckets per power of two, so every
// recorded value is kept to within 1/1024 (~3 significant digits) from 1 ns to ~73 minutes
// (2^42 ns). Larger values count in the last bucket; the exact maximum and minimum are kept
// apart. Fixed size (~280 KiB), no allocation after construction, recording is a few shifts.
//
// Locality: one thread records into a histogram; merge() combines per-thread histograms after.
#pragma once

#include <cstdint>
#include <vector>

namespace laminar::bench {

class latency_histogram {
public:
    static constexpr int sub_bucket_bits = 11;  // 2,048 sub-buckets
    static constexpr std::uint64_t sub_bucket_count = 1ull << sub_bucket_bits;
    static constexpr std::uint64_t sub_bucket_half = sub_bucket_count / 2;
    static constexpr int value_bits_max = 42;  // 2^42 ns = 73 min
    static constexpr std::uint64_t value_max = (1ull << value_bits_max) - 1;

    latency_histogram();

    void record(std::uint64_t value_ns) noexcept;
    void merge(const latency_histogram& other) noexcept;
    void clear() noexcept;

    std::uint64_t count() const noexcept { return _count; }
    std::uint64_t min() const noexcept { return _count ? _min : 0; }
    std::uint64_t max() const noexcept { return _max; }
    double mean() const noexcept { return _count ? _sum / static_cast<double>(_count) : 0.0; }

    // The value at percentile p (0..100), nearest rank: the smallest recorded value with at
    // least p% of the values at or below it, to within its bucket (the bucket's midpoint, kept
    // inside [min, max]). 0 for an empty histogram.
    std::uint64_t percentile(double p) const noexcept;

    // Bucket geometry, exposed for the tests and the percentile distribution output.
    static std::size_t index_of(std::uint64_t value) noexcept;
    static std::uint64_t lowest_in(std::size_t index) noexcept;
    static std::uint64_t width_of(std::size_t index) noexcept;
    static std::size_t bucket_count() noexcept;

    struct point {
        double percentile = 0;  // 0..100
        std::uint64_t value_ns = 0;
        std::uint64_t count_at_or_below = 0;
    };
    // The percentile distribution HdrHistogram prints: ticks_per_half_distance points per halving
    // of the distance to 100% (0, 50, 75, 87.5, ...), up to the last recorded value.
    std::vector<point> distribution(int ticks_per_half_distance = 5) const;

private:
    std::vector<std::uint64_t> _counts;
    std::uint64_t _count = 0;
    std::uint64_t _min = ~0ull;
    std::uint64_t _max = 0;
    double _sum = 0;
};

}  // namespace laminar::bench
