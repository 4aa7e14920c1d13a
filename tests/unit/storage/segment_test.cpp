#include "storage/segment.h"

#include <gtest/gtest.h>

#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

// Appends `count` batches of 2 records (200 bytes each) to a segment based at 1000.
struct filled_segment {
    std::shared_ptr<segment> stored;
    std::vector<std::vector<std::byte>> batches;
};

task<filled_segment> fill(const std::string& dir, int count, std::uint32_t interval) {
    filled_segment filled;
    auto created = co_await segment::create(dir, 1000);
    EXPECT_TRUE(created);
    filled.stored = std::move(*created);
    std::int64_t offset = 1000;
    for (int i = 0; i < count; ++i) {
        auto batch = make_batch(2, 139, 7000 + (i % 5 == 4 ? 0 : i), i);
        set_base_offset(batch, offset);
        auto header = validate_record_batch(batch, 1 << 20);
        EXPECT_TRUE(header);
        auto reserved = co_await filled.stored->preallocate(
            filled.stored->size_bytes() + batch.size(), 1024, 1 << 20);
        EXPECT_TRUE(reserved);
        EXPECT_TRUE(co_await filled.stored->append(batch, *header, interval));
        filled.batches.push_back(std::move(batch));
        offset += 2;
    }
    co_return filled;
}

TEST(segment, indexes_follow_kafka_format_and_round_trip) {
    temporary_directory dir;
    auto body = [&]() -> task<void> {
        auto filled = co_await fill(dir.path(), 50, 500);
        auto& stored = *filled.stored;
        EXPECT_EQ(stored.next_offset(), 1100);
        EXPECT_EQ(stored.size_bytes(), 50u * 200);
        EXPECT_EQ(stored.allocated_bytes(), 10u * 1024);  // whole extents
        // An entry after more than 500 bytes: every 3rd batch, mapping its last offset to its
        // position; time entries only where the max timestamp grew.
        const auto& offsets = stored.offset_entries();
        EXPECT_EQ(offsets.size(), 16u);
        if (offsets.size() != 16u) co_return;
        for (std::size_t i = 0; i < offsets.size(); ++i) {
            const std::uint32_t batch = 3 * (static_cast<std::uint32_t>(i) + 1);
            EXPECT_EQ(offsets[i].position, batch * 200);
            EXPECT_EQ(offsets[i].relative_offset, batch * 2 + 1);
        }
        EXPECT_TRUE(co_await stored.persist_indexes());
        const auto index_bytes = read_file(dir.path() + "/00000000000000001000.index");
        EXPECT_EQ(index_bytes.size(), offsets.size() * 8);
        if (index_bytes.size() < 8) co_return;
        EXPECT_EQ(load_be<std::uint32_t>(index_bytes.data()), 7u);
        EXPECT_EQ(load_be<std::uint32_t>(index_bytes.data() + 4), 600u);
        const auto time_bytes = read_file(dir.path() + "/00000000000000001000.timeindex");
        EXPECT_EQ(time_bytes.size(), stored.time_entries().size() * 12);
        std::int64_t previous = -1;
        for (std::size_t at = 0; at < time_bytes.size(); at += 12) {
            const auto timestamp = load_be<std::int64_t>(time_bytes.data() + at);
            EXPECT_GT(timestamp, previous);
            previous = timestamp;
        }
        EXPECT_EQ(previous, 7048);  // the last entry is the segment's max timestamp
        EXPECT_EQ(stored.max_timestamp(), 7048);

        auto reopened = co_await segment::open(dir.path(), 1000);
        EXPECT_TRUE(reopened);
        EXPECT_TRUE((co_await (*reopened)->load_indexes(1100)).value_or(false));
        EXPECT_EQ((*reopened)->offset_entries(), stored.offset_entries());
        EXPECT_EQ((*reopened)->time_entries(), stored.time_entries());
        // Preallocated zeros follow the batches: the file does not end where they do.
        EXPECT_FALSE((co_await (*reopened)->verify_tail(1 << 20)).value_or(true));
        EXPECT_TRUE(stored.trim());
        EXPECT_TRUE((co_await (*reopened)->load_indexes(1100)).value_or(false));
        EXPECT_FALSE((co_await (*reopened)->verify_tail(1 << 20)).value_or(true));  // stale size
        auto trimmed = co_await segment::open(dir.path(), 1000);
        EXPECT_TRUE((co_await (*trimmed)->load_indexes(1100)).value_or(false));
        EXPECT_TRUE((co_await (*trimmed)->verify_tail(1 << 20)).value_or(false));
        // Index entries past the end of the segment: inconsistent.
        EXPECT_FALSE((co_await (*trimmed)->load_indexes(1041)).value_or(true));
    };
    run_on_reactor(body);
}

TEST(segment, finds_batches_by_offset_and_timestamp) {
    temporary_directory dir;
    auto body = [&]() -> task<void> {
        auto filled = co_await fill(dir.path(), 50, 500);
        auto& stored = *filled.stored;
        const auto limit = stored.size_bytes();
        for (std::int64_t offset : {999, 1000, 1001, 1013, 1014, 1099}) {
            auto found = co_await stored.find_offset(offset, limit);
            EXPECT_TRUE(found && *found);
            const std::int64_t batch = std::max<std::int64_t>(offset - 1000, 0) / 2;
            EXPECT_EQ((*found)->position, static_cast<std::uint64_t>(batch * 200)) << offset;
            EXPECT_EQ((*found)->header.base_offset, 1000 + batch * 2) << offset;
        }
        auto beyond = co_await stored.find_offset(1100, limit);
        EXPECT_TRUE(beyond);
        EXPECT_FALSE(*beyond);
        // Batches 4, 9, 14... carry timestamp 7000; the first with max >= 7020 is batch 20.
        auto by_time = co_await stored.find_timestamp(7020, limit);
        EXPECT_TRUE(by_time && *by_time);
        EXPECT_EQ((*by_time)->header.base_offset, 1040);
        auto ends = co_await stored.whole_batches_end(400, 1000, limit);
        EXPECT_EQ(ends.value_or(0), 1400u);
        ends = co_await stored.whole_batches_end(400, 999, limit);
        EXPECT_EQ(ends.value_or(0), 1200u);
        ends = co_await stored.whole_batches_end(400, 10, limit);
        EXPECT_EQ(ends.value_or(0), 600u);  // at least one batch
        ends = co_await stored.whole_batches_end(9800, 1 << 20, limit);
        EXPECT_EQ(ends.value_or(0), 10000u);
    };
    run_on_reactor(body);
}

TEST(segment, truncate_to_position_drops_batches_and_index_entries) {
    temporary_directory dir;
    auto body = [&]() -> task<void> {
        auto filled = co_await fill(dir.path(), 50, 500);
        auto& stored = *filled.stored;
        EXPECT_TRUE(co_await stored.truncate_to_position(3000, 1030));
        EXPECT_EQ(stored.size_bytes(), 3000u);
        EXPECT_EQ(stored.next_offset(), 1030);
        EXPECT_EQ(file_size(stored.log_path()), 3000u);
        for (const auto& entry : stored.offset_entries()) EXPECT_LT(entry.position, 3000u);
        EXPECT_EQ(stored.max_timestamp(), 7013);
        auto recovered = co_await stored.recover(0, 1 << 20, 500);
        EXPECT_TRUE(recovered);
        EXPECT_EQ(recovered->batches, 15u);
        EXPECT_EQ(recovered->dropped_bytes, 0u);
        EXPECT_EQ(stored.next_offset(), 1030);
        EXPECT_EQ(stored.max_timestamp(), 7013);
    };
    run_on_reactor(body);
}

}  // namespace
}  // namespace laminar::storage
