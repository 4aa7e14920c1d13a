// Random operations (append, truncate, DeleteRecords, retention by bytes, clean and unclean
// reopen) checked against a model: the log must serve exactly the batches the model holds.
// Prints its seed; LAMINAR_TEST_SEED=<seed> replays a run.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

constexpr int operations = 400;

struct model_batch {
    std::vector<std::byte> bytes;
    std::int64_t base_offset = 0;
    std::int64_t last_offset = 0;
};

struct model {
    std::vector<model_batch> batches;
    std::int64_t start = 0;
    std::int64_t end = 0;

    void truncate(std::int64_t offset) {
        if (offset >= end) return;
        const bool cuts_start = std::any_of(batches.begin(), batches.end(), [&](const auto& b) {
            return b.last_offset >= offset && b.base_offset < start;
        });
        if (offset <= start || cuts_start) {
            batches.clear();
            start = end = offset;
            return;
        }
        while (!batches.empty() && batches.back().last_offset >= offset) {
            end = batches.back().base_offset;
            batches.pop_back();
        }
    }
    void drop_below(std::int64_t offset) {
        std::erase_if(batches, [&](const model_batch& b) { return b.last_offset < offset; });
    }
};

task<void> check_against(partition_log& log, const model& expected, int step) {
    EXPECT_EQ(log.log_end_offset(), expected.end) << "step " << step;
    EXPECT_EQ(log.log_start_offset(), expected.start) << "step " << step;
    std::vector<std::vector<std::byte>> served;
    std::int64_t offset = log.log_start_offset();
    while (offset < log.log_end_offset()) {
        auto read = co_await log.read(offset, 1 << 20);
        EXPECT_TRUE(read) << "step " << step;
        if (!read || read->range.length == 0) break;
        auto bytes = bytes_of(read->range);
        std::span<const std::byte> rest(bytes);
        while (!rest.empty()) {
            auto header = validate_record_batch(rest, 1 << 20);
            EXPECT_TRUE(header) << "step " << step;
            if (!header) co_return;
            served.emplace_back(rest.begin(), rest.begin() + header->total_bytes());
            offset = header->last_offset() + 1;
            rest = rest.subspan(header->total_bytes());
        }
    }
    std::vector<std::vector<std::byte>> wanted;
    for (const auto& b : expected.batches) {
        if (b.last_offset >= expected.start) wanted.push_back(b.bytes);
    }
    EXPECT_EQ(served.size(), wanted.size()) << "step " << step;
    EXPECT_TRUE(served == wanted) << "step " << step;
}

TEST(model, random_operations_match_the_model) {
    const char* fixed = std::getenv("LAMINAR_TEST_SEED");
    const std::uint64_t seed = fixed ? std::strtoull(fixed, nullptr, 10) : std::random_device{}();
    std::printf("model test seed: %llu\n", static_cast<unsigned long long>(seed));
    RecordProperty("seed", std::to_string(seed));
    std::mt19937_64 random(seed);
    temporary_directory dir;
    manual_clock clock(1'000'000);
    auto options = options_in(dir.path(), &clock);
    options.config.segment_bytes = 4096;
    options.config.index_interval_bytes = 512;
    options.config.preallocate_extent_bytes = 1024;
    options.config.retention_ms = -1;
    options.config.retention_bytes = 24 << 10;
    model expected;
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto log = std::move(*opened);
        for (int step = 0; step < operations; ++step) {
            const auto choice = random() % 100;
            clock.advance(1);
            if (choice < 70) {
                const auto count = static_cast<std::int32_t>(1 + random() % 3);
                auto batch = make_batch(count, 30 + random() % 400, clock.now_ms(), random());
                auto appended = co_await log->append(batch);
                EXPECT_TRUE(appended) << "step " << step;
                if (!appended) co_return;
                EXPECT_EQ(appended->base_offset, expected.end) << "step " << step;
                expected.batches.push_back({batch, expected.end, expected.end + count - 1});
                expected.end += count;
            } else if (choice < 78) {
                const auto span = expected.end - expected.start + 1;
                const auto offset = expected.start + static_cast<std::int64_t>(random() % span);
                EXPECT_TRUE(co_await log->truncate_to(offset)) << "step " << step;
                expected.truncate(offset);
            } else if (choice < 84) {
                const auto span = expected.end - expected.start + 1;
                const auto offset = expected.start + static_cast<std::int64_t>(random() % span);
                EXPECT_TRUE(co_await log->advance_log_start_offset(offset)) << "step " << step;
                expected.start = std::max(expected.start, offset);
            } else if (choice < 90) {
                auto removed = co_await log->enforce_retention();
                EXPECT_TRUE(removed) << "step " << step;
                EXPECT_LE(log->size_bytes(), std::uint64_t{24 << 10} + 4096) << "step " << step;
                EXPECT_GE(log->log_start_offset(), expected.start) << "step " << step;
                expected.start = log->log_start_offset();
                expected.drop_below(expected.start);
            } else {
                const bool clean = random() % 2 == 0;
                if (clean) {
                    EXPECT_TRUE(co_await log->close()) << "step " << step;
                }
                log.reset();
                auto reopened = co_await partition_log::open(options);
                EXPECT_TRUE(reopened) << "step " << step;
                if (!reopened) co_return;
                log = std::move(*reopened);
                EXPECT_EQ(log->recovery_report().clean_shutdown, clean) << "step " << step;
            }
            co_await check_against(*log, expected, step);
            if (::testing::Test::HasFailure()) co_return;
        }
        EXPECT_TRUE(co_await log->close());
    };
    run_on_reactor(body);
}

}  // namespace
}  // namespace laminar::storage
