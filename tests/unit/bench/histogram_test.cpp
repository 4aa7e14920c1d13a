// laminar-bench's latency histogram against exact nearest-rank percentiles of the same samples:
// every percentile within the bucket precision (1/1024 of the value), exact below 2,048 ns,
// min/max/count exact, merge equal to recording everything in one histogram.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "bench/laminar_bench/histogram.h"

namespace laminar::bench {
namespace {

std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double p) {
    auto rank =
        static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<std::uint64_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

void expect_close(std::uint64_t got, std::uint64_t exact, double p) {
    const double tolerance = static_cast<double>(exact) / 1024.0 + 1.0;
    EXPECT_LE(std::abs(static_cast<double>(got) - static_cast<double>(exact)), tolerance)
        << "p" << p << " got " << got << " exact " << exact;
}

void check_against_exact(std::vector<std::uint64_t> samples) {
    latency_histogram h;
    for (auto s : samples) h.record(s);
    std::sort(samples.begin(), samples.end());
    ASSERT_EQ(h.count(), samples.size());
    EXPECT_EQ(h.min(), samples.front());
    EXPECT_EQ(h.max(), samples.back());
    for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 100.0}) {
        expect_close(h.percentile(p), exact_percentile(samples, p), p);
    }
}

TEST(latency_histogram, bucket_geometry_is_contiguous_and_within_precision) {
    std::uint64_t expected_lowest = 0;
    for (std::size_t i = 0; i < latency_histogram::bucket_count(); ++i) {
        ASSERT_EQ(latency_histogram::lowest_in(i), expected_lowest) << i;
        const std::uint64_t width = latency_histogram::width_of(i);
        // A bucket is never wider than 1/1024 of its lowest value (above the exact range).
        if (expected_lowest >= latency_histogram::sub_bucket_count) {
            ASSERT_LE(width * 1024, expected_lowest) << i;
        }
        ASSERT_EQ(latency_histogram::index_of(expected_lowest), i);
        ASSERT_EQ(latency_histogram::index_of(expected_lowest + width - 1), i);
        expected_lowest += width;
    }
    EXPECT_EQ(expected_lowest, latency_histogram::value_max + 1);
    EXPECT_EQ(latency_histogram::index_of(~0ull), latency_histogram::bucket_count() - 1);
}

TEST(latency_histogram, exact_below_two_microseconds) {
    latency_histogram h;
    for (std::uint64_t v = 0; v < 2048; ++v) h.record(v);
    EXPECT_EQ(h.percentile(50), 1023u);
    EXPECT_EQ(h.percentile(100), 2047u);
    EXPECT_EQ(h.percentile(0), 0u);
}

TEST(latency_histogram, uniform_samples_match_sorted_percentiles) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::uint64_t> d(1, 50'000'000);
    std::vector<std::uint64_t> samples(200'000);
    for (auto& s : samples) s = d(rng);
    check_against_exact(samples);
}

TEST(latency_histogram, long_tailed_samples_match_sorted_percentiles) {
    // Log-normal around 100 us with a heavy tail into seconds, as loaded latencies look.
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> d(std::log(100'000.0), 1.5);
    std::vector<std::uint64_t> samples(300'000);
    for (auto& s : samples) s = static_cast<std::uint64_t>(d(rng));
    samples.push_back(120'000'000'000ull);  // one two-minute outlier
    check_against_exact(samples);
}

TEST(latency_histogram, few_samples_and_empty) {
    latency_histogram h;
    EXPECT_EQ(h.percentile(99), 0u);
    EXPECT_TRUE(h.distribution().empty());
    h.record(123'456);
    EXPECT_EQ(h.percentile(0), 123'456u);
    EXPECT_EQ(h.percentile(100), 123'456u);
    check_against_exact({5, 1'000'000, 7'000, 3'000'000'000ull});
}

TEST(latency_histogram, values_past_the_range_keep_the_exact_max) {
    latency_histogram h;
    h.record(latency_histogram::value_max * 4);
    h.record(10);
    EXPECT_EQ(h.max(), latency_histogram::value_max * 4);
    EXPECT_EQ(h.percentile(100), latency_histogram::value_max * 4);
    EXPECT_EQ(h.count(), 2u);
}

TEST(latency_histogram, merge_equals_one_histogram) {
    std::mt19937_64 rng(3);
    std::exponential_distribution<double> d(1.0 / 80'000.0);
    latency_histogram a, b, all;
    for (int i = 0; i < 50'000; ++i) {
        const auto v = static_cast<std::uint64_t>(d(rng));
        (i % 3 ? a : b).record(v);
        all.record(v);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.min(), all.min());
    EXPECT_EQ(a.max(), all.max());
    for (double p : {50.0, 90.0, 99.0, 99.9, 99.99}) EXPECT_EQ(a.percentile(p), all.percentile(p));
}

TEST(latency_histogram, distribution_is_monotonic_and_ends_at_max) {
    std::mt19937_64 rng(11);
    std::lognormal_distribution<double> d(std::log(50'000.0), 1.0);
    latency_histogram h;
    for (int i = 0; i < 100'000; ++i) h.record(static_cast<std::uint64_t>(d(rng)));
    const auto points = h.distribution();
    ASSERT_GT(points.size(), 40u);
    for (std::size_t i = 1; i < points.size(); ++i) {
        EXPECT_GT(points[i].percentile, points[i - 1].percentile);
        EXPECT_GE(points[i].value_ns, points[i - 1].value_ns);
    }
    EXPECT_EQ(points.front().percentile, 0.0);
    EXPECT_EQ(points.back().percentile, 100.0);
    EXPECT_EQ(points.back().value_ns, h.max());
    // Reaches 99.99% with 100,000 samples: ticks go as far as 1/(1-p) <= count.
    EXPECT_GE(points[points.size() - 2].percentile, 99.99);
}

}  // namespace
}  // namespace laminar::bench
