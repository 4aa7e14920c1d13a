// Producer ids: unique across restarts, reserved durably in blocks (producer_ids.h); and the
// producer state a partition rebuilds from its log when it opens (producer_state.h).
#include "broker/producer_ids.h"

#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "broker/producer_state.h"
#include "storage/checkpoint.h"
#include "tests/unit/storage/storage_test_util.h"

namespace laminar::broker {
namespace {

using storage::testing::run_on_reactor;
using storage::testing::temporary_directory;

std::vector<std::int64_t> allocate(const std::string& dir, int count, std::int64_t block) {
    std::vector<std::int64_t> ids;
    producer_id_allocator allocator(dir, block);
    auto body = [&]() -> task<void> {
        for (int index = 0; index < count; ++index) {
            auto id = co_await allocator.next();
            EXPECT_TRUE(id);
            if (id) ids.push_back(*id);
        }
    };
    run_on_reactor(body);
    return ids;
}

std::optional<std::int64_t> stored_block_end(const std::string& dir) {
    std::optional<std::int64_t> value;
    auto body = [&]() -> task<void> {
        auto read = co_await storage::read_checkpoint(dir, std::string(producer_id_block_file));
        EXPECT_TRUE(read);
        if (read) value = *read;
    };
    run_on_reactor(body);
    return value;
}

TEST(producer_ids, blocks_are_reserved_before_use_and_never_reused) {
    temporary_directory dir;
    auto first = allocate(dir.path(), 25, 10);
    ASSERT_EQ(first.size(), 25u);
    for (int index = 0; index < 25; ++index) EXPECT_EQ(first[index], index);
    EXPECT_EQ(stored_block_end(dir.path()), 30);  // three blocks of 10 reserved
    // A restart skips the unused rest of the last block.
    auto second = allocate(dir.path(), 11, 10);
    ASSERT_EQ(second.size(), 11u);
    EXPECT_EQ(second.front(), 30);
    EXPECT_EQ(second.back(), 40);
    EXPECT_EQ(stored_block_end(dir.path()), 50);
}

TEST(producer_ids, concurrent_calls_get_distinct_ids) {
    temporary_directory dir;
    producer_id_allocator allocator(dir.path(), 4);
    std::set<std::int64_t> ids;
    int finished = 0;
    auto one = [&]() -> task<void> {
        auto id = co_await allocator.next();
        EXPECT_TRUE(id);
        if (id) ids.insert(*id);
        ++finished;
    };
    auto body = [&]() -> task<void> {
        for (int index = 0; index < 20; ++index) reactor::current().spawn(one());
        while (finished < 20) co_await io::yield();
    };
    run_on_reactor(body);
    EXPECT_EQ(ids.size(), 20u);
    EXPECT_EQ(*ids.rbegin(), 19);
}

TEST(producer_ids, an_unreadable_block_file_is_an_error_not_a_reuse) {
    temporary_directory dir;
    {
        std::ofstream(dir.path() + "/" + std::string(producer_id_block_file)) << "garbage";
    }
    producer_id_allocator allocator(dir.path(), 10);
    auto body = [&]() -> task<void> { EXPECT_FALSE(co_await allocator.next()); };
    run_on_reactor(body);
}

// A batch of `count` records from producer `id`, epoch `epoch`, first sequence `sequence`.
std::vector<std::byte> producer_batch(std::int64_t id, std::int16_t epoch, std::int32_t sequence,
                                      std::int32_t count) {
    namespace layout = record_batch_layout;
    auto batch = storage::testing::make_batch(count, 40, 1000, static_cast<std::uint64_t>(id));
    store_be<std::int64_t>(batch.data() + layout::producer_id, id);
    store_be<std::int16_t>(batch.data() + layout::producer_epoch, epoch);
    store_be<std::int32_t>(batch.data() + layout::base_sequence, sequence);
    store_be<std::uint32_t>(batch.data() + layout::crc, compute_record_batch_crc(batch));
    return batch;
}

TEST(producer_state, rebuilt_from_the_active_segment_after_a_restart) {
    temporary_directory dir;
    auto options = storage::testing::options_in(dir.path());
    auto write = [&]() -> task<void> {
        auto log = co_await storage::partition_log::open(options);
        EXPECT_TRUE(log);
        if (!log) co_return;
        for (std::int32_t index = 0; index < 300; ++index) {
            auto batch = producer_batch(5, 2, index * 3, 3);  // 300 batches: > one 64 KiB read
            EXPECT_TRUE(co_await (*log)->append(batch));
        }
        auto other = producer_batch(6, 0, 10, 1);
        EXPECT_TRUE(co_await (*log)->append(other));
        auto plain = storage::testing::make_batch(2, 10, 1000, 1);
        EXPECT_TRUE(co_await (*log)->append(plain));
        EXPECT_TRUE(co_await (*log)->close());
    };
    run_on_reactor(write);

    producer_state_table table;
    auto read = [&]() -> task<void> {
        auto log = co_await storage::partition_log::open(options);
        EXPECT_TRUE(log);
        if (!log) co_return;
        EXPECT_TRUE(co_await rebuild_producer_state(**log, table));
        EXPECT_TRUE(co_await (*log)->close());
    };
    run_on_reactor(read);
    EXPECT_EQ(table.size(), 2u);
    EXPECT_EQ(table.last_of(5), std::make_pair(std::int16_t{2}, 899));
    EXPECT_EQ(table.last_of(6), std::make_pair(std::int16_t{0}, 10));
    record_batch_header retry;
    retry.producer_id = 5;
    retry.producer_epoch = 2;
    retry.base_sequence = 897;
    retry.last_offset_delta = 2;
    auto checked = table.check_and_record(retry);
    EXPECT_EQ(checked.verdict, sequence_verdict::duplicate);
    EXPECT_EQ(checked.duplicate_base_offset, 897);  // 3 records a batch from offset 0
}

}  // namespace
}  // namespace laminar::broker
