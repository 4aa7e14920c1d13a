// Fetch sessions (KIP-227, fetch_session.h): contexts, epochs, incremental selection, eviction.
#include "broker/fetch_session.h"

#include <gtest/gtest.h>

namespace laminar::broker {
namespace {

fetch_item item(std::string topic, std::int32_t partition, std::int64_t offset = 0) {
    fetch_item out;
    out.topic = std::move(topic);
    out.request.partition = partition;
    out.request.fetch_offset = offset;
    out.request.partition_max_bytes = 1 << 20;
    return out;
}

fetch_item item_by_id(std::uint8_t id, std::int32_t partition) {
    fetch_item out;
    out.topic_id.value[15] = std::byte{id};
    out.request.partition = partition;
    return out;
}

fetch_answer_summary answer(std::int64_t high_watermark, std::uint64_t bytes = 0,
                            std::int16_t error = 0) {
    return {.error_code = error,
            .high_watermark = high_watermark,
            .log_start_offset = 0,
            .record_bytes = bytes};
}

kafka::forgotten_topic forgotten(std::string topic, std::vector<std::int32_t> partitions) {
    kafka::forgotten_topic out;
    out.topic = std::move(topic);
    out.partitions = std::move(partitions);
    return out;
}

fetch_session_cache cache(std::size_t slots = 10, std::int64_t eviction_ms = 1000,
                          unsigned shard = 0, unsigned shards = 1) {
    return fetch_session_cache({.slots = slots, .eviction_ms = eviction_ms}, shard, shards, 42);
}

// A session of `items`, made by a full fetch at epoch 0; returns its id.
std::int32_t open_session(fetch_session_cache& sessions, const std::vector<fetch_item>& items,
                          std::int64_t now_ms = 0) {
    auto context = sessions.new_context(0, fetch_epoch_initial, false, items, {}, now_ms);
    EXPECT_EQ(context.type, fetch_context::kind::full);
    std::vector<fetch_answer_summary> answers(items.size(), answer(5));
    return sessions.maybe_create(now_ms, false, false, context.items, answers);
}

TEST(FetchSession, NextEpochWrapsToOneAndFinalStays) {
    EXPECT_EQ(next_fetch_epoch(0), 1);
    EXPECT_EQ(next_fetch_epoch(7), 8);
    EXPECT_EQ(next_fetch_epoch(std::numeric_limits<std::int32_t>::max()), 1);
    EXPECT_EQ(next_fetch_epoch(-1), -1);
}

TEST(FetchSession, InitialEpochIsAFullFetchThatCreatesASession) {
    auto sessions = cache();
    const auto id = open_session(sessions, {item("a", 0), item("a", 1)});
    EXPECT_NE(id, fetch_session_id_none);
    auto session = sessions.find(id);
    ASSERT_NE(session, nullptr);
    EXPECT_EQ(session->epoch(), 1);
    EXPECT_EQ(session->size(), 2U);
    EXPECT_EQ(sessions.partitions(), 2U);
}

TEST(FetchSession, FinalEpochIsSessionlessAndClosesTheNamedSession) {
    auto sessions = cache();
    const auto id = open_session(sessions, {item("a", 0)});
    auto context = sessions.new_context(id, fetch_epoch_final, false, {item("a", 0)}, {}, 1);
    EXPECT_EQ(context.type, fetch_context::kind::sessionless);
    EXPECT_EQ(context.items.size(), 1U);
    EXPECT_EQ(sessions.find(id), nullptr);
    EXPECT_EQ(sessions.size(), 0U);
}

TEST(FetchSession, AFullFetchNamingASessionClosesItFirst) {
    auto sessions = cache();
    const auto id = open_session(sessions, {item("a", 0)});
    auto context = sessions.new_context(id, fetch_epoch_initial, false, {item("a", 0)}, {}, 1);
    EXPECT_EQ(context.type, fetch_context::kind::full);
    EXPECT_EQ(sessions.find(id), nullptr);
}

TEST(FetchSession, UnknownSessionIdAndWrongEpochAreErrors) {
    auto sessions = cache();
    const auto id = open_session(sessions, {item("a", 0)});
    auto unknown = sessions.new_context(id + 1, 1, false, {}, {}, 1);
    EXPECT_EQ(unknown.type, fetch_context::kind::error);
    EXPECT_EQ(unknown.error, kafka_error::fetch_session_id_not_found);
    auto stale = sessions.new_context(id, 2, false, {}, {}, 1);
    EXPECT_EQ(stale.type, fetch_context::kind::error);
    EXPECT_EQ(stale.error, kafka_error::invalid_fetch_session_epoch);
    // Epoch errors leave the session as it was: epoch 1 still works, then 2.
    EXPECT_EQ(sessions.new_context(id, 1, false, {}, {}, 1).type, fetch_context::kind::incremental);
    EXPECT_EQ(sessions.new_context(id, 1, false, {}, {}, 1).error,
              kafka_error::invalid_fetch_session_epoch);
    EXPECT_EQ(sessions.new_context(id, 2, false, {}, {}, 1).type, fetch_context::kind::incremental);
    // Session id 0 with a positive epoch names no session.
    EXPECT_EQ(sessions.new_context(0, 1, false, {}, {}, 1).error,
              kafka_error::fetch_session_id_not_found);
}

TEST(FetchSession, TopicIdUseMustMatchTheSession) {
    auto sessions = cache();
    const auto id = open_session(sessions, {item("a", 0)});
    auto context = sessions.new_context(id, 1, true, {}, {}, 1);
    EXPECT_EQ(context.type, fetch_context::kind::error);
    EXPECT_EQ(context.error, kafka_error::fetch_session_topic_id_error);
}

TEST(FetchSession, IncrementalFetchReadsTheWholeSessionWithUpdatesAndForgets) {
    auto sessions = cache();
    const auto id = open_session(sessions, {item("a", 0), item("a", 1), item("b", 0)});
    auto context = sessions.new_context(id, 1, false, {item("a", 1, 40), item("c", 2, 7)},
                                        {forgotten("b", {0, 9})}, 1);
    ASSERT_EQ(context.type, fetch_context::kind::incremental);
    EXPECT_EQ(context.expected_epoch, 2);
    ASSERT_EQ(context.items.size(), 3U);
    EXPECT_EQ(context.items[0].topic, "a");
    EXPECT_EQ(context.items[0].request.partition, 0);
    EXPECT_EQ(context.items[1].request.partition, 1);
    EXPECT_EQ(context.items[1].request.fetch_offset, 40);  // updated
    EXPECT_EQ(context.items[2].topic, "c");                // added at the end
    EXPECT_EQ(context.items[2].request.fetch_offset, 7);
    EXPECT_EQ(sessions.partitions(), 3U);
}

TEST(FetchSession, ForgettingEveryPartitionClosesTheSession) {
    auto sessions = cache();
    const auto id = open_session(sessions, {item("a", 0)});
    auto context = sessions.new_context(id, 1, false, {}, {forgotten("a", {0})}, 1);
    EXPECT_EQ(context.type, fetch_context::kind::sessionless);
    EXPECT_TRUE(context.items.empty());
    EXPECT_EQ(sessions.find(id), nullptr);
}

TEST(FetchSession, IncrementalResponsesCarryOnlyChangedPartitions) {
    auto sessions = cache();
    const auto id = open_session(sessions, {item("a", 0), item("a", 1), item("a", 2)});
    auto session = sessions.find(id);
    const auto a0 = item("a", 0), a1 = item("a", 1), a2 = item("a", 2);
    // Same high watermark and log start offset, no records: nothing to send.
    EXPECT_FALSE(session->must_respond(a0, answer(5)));
    EXPECT_FALSE(session->must_respond(a1, answer(5)));
    EXPECT_FALSE(session->must_respond(a2, answer(5)));
    // New records, a new high watermark, an error.
    EXPECT_TRUE(session->must_respond(a0, answer(5, 100)));
    EXPECT_TRUE(session->must_respond(a1, answer(6)));
    EXPECT_FALSE(session->must_respond(a1, answer(6)));  // remembered
    EXPECT_TRUE(session->must_respond(a2, answer(-1, 0, 3)));
    // After an error the partition is sent again once it recovers, though nothing changed.
    EXPECT_TRUE(session->must_respond(a2, answer(5)));
    EXPECT_FALSE(session->must_respond(a2, answer(5)));
    auto moved = answer(5);
    moved.log_start_offset = 3;
    EXPECT_TRUE(session->must_respond(a2, moved));
}

TEST(FetchSession, PartitionsThatRespondedMoveToTheEnd) {
    auto sessions = cache();
    const auto id = open_session(sessions, {item("a", 0), item("a", 1), item("a", 2)});
    auto session = sessions.find(id);
    EXPECT_TRUE(session->must_respond(item("a", 0), answer(5, 10)));
    const auto order = session->items();
    ASSERT_EQ(order.size(), 3U);
    EXPECT_EQ(order[0].request.partition, 1);
    EXPECT_EQ(order[1].request.partition, 2);
    EXPECT_EQ(order[2].request.partition, 0);
}

TEST(FetchSession, TopicIdSessionsKeyByIdAndForgetById) {
    auto sessions = cache();
    auto full = sessions.new_context(0, 0, true, {item_by_id(1, 0), item_by_id(2, 0)}, {}, 0);
    const auto id = sessions.maybe_create(0, false, true, full.items, {answer(1), answer(1)});
    ASSERT_NE(id, fetch_session_id_none);
    kafka::forgotten_topic forget;
    forget.topic_id.value[15] = std::byte{2};
    forget.partitions = {0};
    auto context = sessions.new_context(id, 1, true, {}, {forget}, 1);
    ASSERT_EQ(context.type, fetch_context::kind::incremental);
    ASSERT_EQ(context.items.size(), 1U);
    EXPECT_EQ(context.items[0].topic_id.value[15], std::byte{1});
}

TEST(FetchSession, SessionIdsEncodeTheShard) {
    auto sessions = cache(100, 1000, 3, 4);
    for (int i = 0; i < 50; ++i) {
        const auto id = open_session(sessions, {item("a", i)});
        ASSERT_GT(id, 0);
        EXPECT_EQ(id % 4, 3);
    }
    EXPECT_EQ(sessions.size(), 50U);
}

TEST(FetchSession, NoSlotsMeansNoSessions) {
    auto sessions = cache(0);
    EXPECT_EQ(open_session(sessions, {item("a", 0)}), fetch_session_id_none);
}

TEST(FetchSessionCache, AFullCacheEvictsAStaleSessionFirst) {
    auto sessions = cache(2, 1000);
    const auto old = open_session(sessions, {item("a", 0), item("a", 1), item("a", 2)}, 0);
    const auto young = open_session(sessions, {item("b", 0)}, 500);
    // At 1200 `old` has been unused for more than 1000 ms: evicted though it is larger.
    const auto fresh = open_session(sessions, {item("c", 0)}, 1200);
    EXPECT_NE(fresh, fetch_session_id_none);
    EXPECT_EQ(sessions.find(old), nullptr);
    EXPECT_NE(sessions.find(young), nullptr);
    EXPECT_EQ(sessions.evictions(), 1U);
}

TEST(FetchSessionCache, YoungSessionsAreNotEvicted) {
    auto sessions = cache(1, 1000);
    const auto first = open_session(sessions, {item("a", 0)}, 0);
    EXPECT_EQ(open_session(sessions, {item("b", 0), item("b", 1)}, 500), fetch_session_id_none);
    EXPECT_NE(sessions.find(first), nullptr);
}

TEST(FetchSessionCache, ALargerSessionEvictsASmallerOldOne) {
    auto sessions = cache(2, 1000);
    const auto small = open_session(sessions, {item("a", 0)}, 0);
    const auto large = open_session(sessions, {item("b", 0), item("b", 1), item("b", 2)}, 0);
    // Both used at 1500 (past their creation + 1000: evictable by size, not stale).
    ASSERT_EQ(sessions.new_context(small, 1, false, {}, {}, 1500).type,
              fetch_context::kind::incremental);
    ASSERT_EQ(sessions.new_context(large, 1, false, {}, {}, 1500).type,
              fetch_context::kind::incremental);
    // One partition: smaller than the smallest (1 partition, id > 0 in the key): refused.
    EXPECT_EQ(open_session(sessions, {item("c", 0)}, 1600), fetch_session_id_none);
    // Two partitions: larger than `small`, which goes.
    const auto two = open_session(sessions, {item("d", 0), item("d", 1)}, 1700);
    EXPECT_NE(two, fetch_session_id_none);
    EXPECT_EQ(sessions.find(small), nullptr);
    EXPECT_NE(sessions.find(large), nullptr);
    EXPECT_EQ(sessions.size(), 2U);
    EXPECT_EQ(sessions.partitions(), 5U);
}

}  // namespace
}  // namespace laminar::broker
