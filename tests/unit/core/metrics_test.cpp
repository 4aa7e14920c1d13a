// Tests for core/metrics.h: the histogram's bucket layout, percentiles against a sorted-array
// oracle within the stated 1/64 relative error, merge, clamping, and the Prometheus rendering.
#include "core/metrics.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace laminar {
namespace {

// The value of rank ceil(p% * n) in sorted order: the definition percentile_us() approximates.
std::uint64_t oracle_percentile(const std::vector<std::uint64_t>& sorted, double percent) {
    if (percent >= 100) return sorted.back();
    double exact_rank = percent / 100.0 * static_cast<double>(sorted.size());
    auto rank = static_cast<std::size_t>(std::ceil(exact_rank - 1e-9));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

std::uint64_t seed_for_test() {
    std::uint64_t seed = std::random_device{}();
    std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
    return seed;
}

TEST(histogram_layout, buckets_tile_the_range) {
    EXPECT_EQ(histogram_bucket_count, 698u);
    EXPECT_EQ(histogram_bucket_index(histogram_value_min_us), 0u);
    EXPECT_EQ(histogram_bucket_index(histogram_value_max_us), histogram_bucket_count - 1);
    for (std::size_t i = 0; i + 1 < histogram_bucket_count; ++i) {
        ASSERT_EQ(histogram_bucket_upper(i), histogram_bucket_lower(i + 1)) << i;
        std::uint64_t width = histogram_bucket_upper(i) - histogram_bucket_lower(i);
        // Width at most 1/32 of the values it holds: the midpoint is within 1/64.
        ASSERT_LE(width * 32, std::max<std::uint64_t>(histogram_bucket_lower(i), 32)) << i;
    }
    for (std::uint64_t v = 1; v <= 200'000; ++v) {
        std::size_t index = histogram_bucket_index(v);
        ASSERT_LT(histogram_bucket_lower(index), v);
        ASSERT_GE(histogram_bucket_upper(index), v);
    }
    for (unsigned power = 0; power <= 25; ++power) {
        std::uint64_t edge = std::uint64_t{1} << power;
        EXPECT_EQ(histogram_bucket_upper(histogram_bucket_index(edge)), edge) << power;
    }
    for (std::uint64_t v = 1; v <= 64; ++v) {
        EXPECT_EQ(histogram_bucket_upper(histogram_bucket_index(v)), v);  // exact up to 64 us
    }
}

TEST(histogram, percentiles_match_a_sorted_oracle) {
    std::uint64_t seed = seed_for_test();
    std::mt19937_64 random(seed);
    // Log-uniform over the whole range, so every octave is exercised.
    std::uniform_real_distribution<double> exponent(0.0, std::log(60e6));
    for (int round = 0; round < 20; ++round) {
        histogram h;
        std::vector<std::uint64_t> values(1 + random() % 50'000);
        for (std::uint64_t& v : values) {
            v = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::exp(exponent(random))),
                                          1, histogram_value_max_us);
            h.record(v);
        }
        std::ranges::sort(values);
        histogram_snapshot s = h.snapshot();
        ASSERT_EQ(s.count(), values.size());
        EXPECT_EQ(s.min_us(), values.front());
        EXPECT_EQ(s.max_us(), values.back());
        std::uint64_t sum = 0;
        for (std::uint64_t v : values) sum += v;
        EXPECT_EQ(s.sum_us(), sum);
        EXPECT_DOUBLE_EQ(s.mean_us(),
                         static_cast<double>(sum) / static_cast<double>(values.size()));
        for (double p : {0.1, 1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
            std::uint64_t exact = oracle_percentile(values, p);
            std::uint64_t estimate = s.percentile_us(p);
            double error = std::abs(static_cast<double>(estimate) - static_cast<double>(exact));
            ASSERT_LE(error, static_cast<double>(exact) / 64.0)
                << "seed " << seed << " round " << round << " p" << p << " exact " << exact
                << " estimate " << estimate;
        }
        EXPECT_EQ(s.percentile_us(100), values.back());
    }
}

TEST(histogram, small_values_are_exact) {
    histogram h;
    for (std::uint64_t v = 1; v <= 64; ++v) h.record(v);
    histogram_snapshot s = h.snapshot();
    EXPECT_EQ(s.percentile_us(50), 32u);
    EXPECT_EQ(s.percentile_us(1), 1u);
    EXPECT_EQ(s.percentile_us(99), 64u);
}

TEST(histogram, merge_equals_recording_everything_in_one) {
    std::uint64_t seed = seed_for_test();
    std::mt19937_64 random(seed);
    histogram a;
    histogram b;
    histogram both;
    for (int i = 0; i < 100'000; ++i) {
        std::uint64_t v = random() % 100'000'000;  // some beyond 60 s, some 0
        (i % 3 == 0 ? a : b).record(v);
        both.record(v);
    }
    histogram_snapshot merged = a.snapshot();
    merged.merge(b.snapshot());
    EXPECT_EQ(merged, both.snapshot()) << "seed " << seed;
    EXPECT_EQ(merged.percentile_us(99.9), both.snapshot().percentile_us(99.9));
    histogram_snapshot empty;
    empty.merge(merged);
    EXPECT_EQ(empty, merged);
}

TEST(histogram, values_outside_the_range_are_clamped_and_counted) {
    histogram h;
    h.record(0);
    h.record(0);
    h.record(500);
    h.record(61'000'000);
    h.record(UINT64_MAX);
    histogram_snapshot s = h.snapshot();
    EXPECT_EQ(s.count(), 5u);
    EXPECT_EQ(s.underflow_count(), 2u);
    EXPECT_EQ(s.overflow_count(), 2u);
    EXPECT_EQ(s.min_us(), histogram_value_min_us);
    EXPECT_EQ(s.max_us(), histogram_value_max_us);
    EXPECT_EQ(s.buckets()[0], 2u);
    EXPECT_EQ(s.buckets()[histogram_bucket_count - 1], 2u);
    EXPECT_EQ(s.percentile_us(100), histogram_value_max_us);
    EXPECT_EQ(s.sum_us(), 2 + 500 + 2 * histogram_value_max_us);
}

TEST(histogram, empty_and_reset) {
    histogram h;
    histogram_snapshot empty = h.snapshot();
    EXPECT_EQ(empty.count(), 0u);
    EXPECT_EQ(empty.percentile_us(50), 0u);
    EXPECT_EQ(empty.min_us(), 0u);
    EXPECT_EQ(empty.max_us(), 0u);
    EXPECT_EQ(empty.mean_us(), 0.0);
    h.record(10);
    h.record(0);
    h.reset();
    EXPECT_EQ(h.snapshot(), empty);
}

TEST(histogram, snapshots_while_the_owner_records) {
    histogram h;
    std::atomic<bool> done{false};
    std::thread owner([&] {
        for (std::uint64_t i = 0; i < 2'000'000; ++i) h.record(1 + i % 10'000);
        done = true;
    });
    std::uint64_t last_count = 0;
    while (!done) {
        histogram_snapshot s = h.snapshot();
        ASSERT_GE(s.count(), last_count);  // one owner, no lost updates: counts only grow
        last_count = s.count();
        if (s.count() > 0) {
            ASSERT_LE(s.min_us(), s.max_us());
        }
    }
    owner.join();
    EXPECT_EQ(h.snapshot().count(), 2'000'000u);
}

TEST(counter_and_gauge, owner_updates) {
    counter c;
    c.increment();
    c.increment(41);
    EXPECT_EQ(c.value(), 42u);
    gauge g;
    g.set(10);
    g.add(-15);
    EXPECT_EQ(g.value(), -5);
}

TEST(metrics_registry, renders_prometheus_text) {
    metrics_registry registry;
    counter& requests_0 = registry.add_counter(0, "laminar_requests_total", "Requests handled.",
                                               {{"api", "produce"}});
    counter& requests_1 = registry.add_counter(1, "laminar_requests_total", "Requests handled.",
                                               {{"api", "produce"}});
    counter& fetches_0 = registry.add_counter(0, "laminar_requests_total", "Requests handled.",
                                              {{"api", "fetch"}});
    gauge& connections = registry.add_gauge(no_shard, "laminar_connections",
                                            "Open connections.\nAll listeners \\ ports.");
    histogram& latency_0 = registry.add_histogram(0, "laminar_produce_latency_seconds",
                                                  "Produce latency.", {{"acks", "all"}});
    histogram& latency_1 = registry.add_histogram(1, "laminar_produce_latency_seconds",
                                                  "Produce latency.", {{"acks", "all"}});
    registry.add_gauge(2, "laminar_label_escaping", "Escapes.", {{"path", "a\"b\\c\nd"}});
    requests_0.increment(3);
    requests_1.increment(5);
    fetches_0.increment(7);
    connections.set(12);
    latency_0.record(3);
    latency_0.record(100);
    latency_1.record(1000);
    latency_1.record(2'000'000);

    std::string text = registry.render_prometheus();
    std::string expected_start =
        "# HELP laminar_connections Open connections.\\nAll listeners \\\\ ports.\n"
        "# TYPE laminar_connections gauge\n"
        "laminar_connections 12\n"
        "# HELP laminar_label_escaping Escapes.\n"
        "# TYPE laminar_label_escaping gauge\n"
        "laminar_label_escaping{shard=\"2\",path=\"a\\\"b\\\\c\\nd\"} 0\n"
        "# HELP laminar_produce_latency_seconds Produce latency.\n"
        "# TYPE laminar_produce_latency_seconds histogram\n"
        "laminar_produce_latency_seconds_bucket{acks=\"all\",le=\"1e-06\"} 0\n"
        "laminar_produce_latency_seconds_bucket{acks=\"all\",le=\"2e-06\"} 0\n"
        "laminar_produce_latency_seconds_bucket{acks=\"all\",le=\"4e-06\"} 1\n";
    EXPECT_EQ(text.substr(0, expected_start.size()), expected_start) << text;
    for (const char* line : {
             "laminar_produce_latency_seconds_bucket{acks=\"all\",le=\"6.4e-05\"} 1\n",
             "laminar_produce_latency_seconds_bucket{acks=\"all\",le=\"0.000128\"} 2\n",
             "laminar_produce_latency_seconds_bucket{acks=\"all\",le=\"0.001024\"} 3\n",
             "laminar_produce_latency_seconds_bucket{acks=\"all\",le=\"1.048576\"} 3\n",
             "laminar_produce_latency_seconds_bucket{acks=\"all\",le=\"2.097152\"} 4\n",
             "laminar_produce_latency_seconds_bucket{acks=\"all\",le=\"33.554432\"} 4\n",
             "laminar_produce_latency_seconds_bucket{acks=\"all\",le=\"+Inf\"} 4\n"
             "laminar_produce_latency_seconds_sum{acks=\"all\"} 2.001103\n"
             "laminar_produce_latency_seconds_count{acks=\"all\"} 4\n"
             "# HELP laminar_requests_total Requests handled.\n"
             "# TYPE laminar_requests_total counter\n"
             "laminar_requests_total{shard=\"0\",api=\"fetch\"} 7\n"
             "laminar_requests_total{shard=\"0\",api=\"produce\"} 3\n"
             "laminar_requests_total{shard=\"1\",api=\"produce\"} 5\n",
         }) {
        EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
    }
    EXPECT_TRUE(text.ends_with("laminar_requests_total{shard=\"1\",api=\"produce\"} 5\n"));
    // 26 power-of-two boundaries and +Inf, one histogram series.
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3 + 3 + (2 + 27 + 2) + (2 + 3));
}

TEST(metrics_registry, registration_is_checked) {
    metrics_registry registry;
    registry.add_counter(0, "laminar_things_total", "Things.");
    EXPECT_DEATH(registry.add_counter(0, "laminar_things_total", "Things."), "registered twice");
    EXPECT_DEATH(registry.add_gauge(1, "laminar_things_total", "Things."), "registered twice");
    EXPECT_DEATH(registry.add_counter(0, "0bad", "Bad."), "assertion failed");
    EXPECT_DEATH(registry.add_counter(0, "laminar_x", "X.", {{"shard", "1"}}), "assertion failed");
}

}  // namespace
}  // namespace laminar
