// Known byte vectors of consumer-group requests, written by hand field by field from Kafka's
// message JSON (3.7): each decodes to the expected message, the message built in C++ encodes to
// the same bytes, and the whole frame payload passes check_request.
#include "net/kafka/groups.h"

#include <string_view>

#include <gtest/gtest.h>

#include "net/kafka/messages.h"
#include "known_bytes.h"

namespace laminar::kafka {
namespace {

using testing::byte_builder;
using testing::check_known_request;

bytes as_bytes(std::string_view value) {
    bytes out;
    for (char c : value) out.push_back(static_cast<std::byte>(c));
    return out;
}

// JoinGroup v5 (not flexible) as librdkafka 2.x sends it on a consumer's first join: empty
// member id, no group.instance.id, session.timeout.ms 45000, max.poll.interval.ms 300000 as the
// rebalance timeout, protocol type "consumer" and its two default assignors. The protocol
// metadata is opaque to the codec (a ConsumerProtocolSubscription the group leader reads).
TEST(groups, join_group_v5_request_from_librdkafka) {
    const bytes metadata = byte_builder()
                               .i16(1)            // subscription version
                               .i32(1)            // topics: 1
                               .string("orders")  //
                               .i32(-1)           // user data: null
                               .i32(0)            // owned partitions: 0
                               .done();
    byte_builder frame;
    frame.i16(11).i16(5).i32(4).string("rdkafka");  // header v1: key, version, correlation, client
    frame.string("grp")                             // group_id
        .i32(45000)                                 // session_timeout_ms
        .i32(300000)                                // rebalance_timeout_ms (v1+)
        .string("")                                 // member_id
        .i16(-1)                                    // group_instance_id: null (v5+)
        .string("consumer")                         // protocol_type
        .i32(2);                                    // protocols: 2
    frame.string("range").i32(static_cast<std::int64_t>(metadata.size()));
    for (std::byte b : metadata) frame.u8(static_cast<int>(b));
    frame.string("roundrobin").i32(static_cast<std::int64_t>(metadata.size()));
    for (std::byte b : metadata) frame.u8(static_cast<int>(b));

    join_group_request expected;
    expected.group_id = "grp";
    expected.session_timeout_ms = 45000;
    expected.rebalance_timeout_ms = 300000;
    expected.protocol_type = "consumer";
    expected.protocols = {{"range", metadata}, {"roundrobin", metadata}};
    auto decoded = check_known_request(frame.done(), expected, 5, 2 + 2 + 4 + 2 + 7);
    EXPECT_FALSE(decoded.group_instance_id.has_value());
    EXPECT_FALSE(decoded.reason.has_value());  // v8+ only
}

// SyncGroup v3 (not flexible) from the group leader: its own assignment and a follower's.
TEST(groups, sync_group_v3_request) {
    byte_builder frame;
    frame.i16(14).i16(3).i32(9).string("c");  // header v1
    frame.string("grp")                       // group_id
        .i32(7)                               // generation_id
        .string("m-1")                        // member_id
        .string("static-1")                   // group_instance_id (v3+, nullable)
        .i32(2)                               // assignments: 2
        .string("m-1")                        //   member_id
        .i32(3).text("abc")                   //   assignment: 3 bytes
        .string("m-2")                        //   member_id
        .i32(0);                              //   assignment: empty

    sync_group_request expected;
    expected.group_id = "grp";
    expected.generation_id = 7;
    expected.member_id = "m-1";
    expected.group_instance_id = "static-1";
    expected.assignments = {{"m-1", as_bytes("abc")}, {"m-2", {}}};
    auto decoded = check_known_request(frame.done(), expected, 3, 2 + 2 + 4 + 2 + 1);
    EXPECT_FALSE(decoded.protocol_type.has_value());  // v5+ only
}

// OffsetCommit v7 (not flexible): two partitions of one topic, one with metadata, one null.
// v7 has no retention time (v2-4) and no commit timestamp (v1).
TEST(groups, offset_commit_v7_request) {
    byte_builder frame;
    frame.i16(8).i16(7).i32(21).string("c");  // header v1
    frame.string("grp")                       // group_id
        .i32(3)                               // generation_id (v1+)
        .string("m-1")                        // member_id (v1+)
        .i16(-1)                              // group_instance_id: null (v7+)
        .i32(1)                               // topics: 1
        .string("orders")                     //   name
        .i32(2)                               //   partitions: 2
        .i32(0)                               //     partition_index
        .i64(1234)                            //     committed_offset
        .i32(5)                               //     committed_leader_epoch (v6+)
        .string("meta")                       //     committed_metadata
        .i32(1)                               //     partition_index
        .i64(0x100000000)                     //     committed_offset
        .i32(-1)                              //     committed_leader_epoch: unknown
        .i16(-1);                             //     committed_metadata: null

    offset_commit_request expected;
    expected.group_id = "grp";
    expected.generation_id_or_member_epoch = 3;
    expected.member_id = "m-1";
    offset_commit_request_topic topic;
    topic.name = "orders";
    topic.partitions.push_back({0, 1234, 5, -1, std::string("meta")});
    topic.partitions.push_back({1, 0x100000000, -1, -1, std::nullopt});
    expected.topics.push_back(topic);
    auto decoded = check_known_request(frame.done(), expected, 7, 2 + 2 + 4 + 2 + 1);
    EXPECT_EQ(decoded.retention_time_ms, -1);
}

// OffsetFetch v8 (flexible, request header v2): two groups in one request, the first asking for
// two partitions of one topic, the second for all its offsets (null topics), require_stable.
TEST(groups, offset_fetch_v8_multi_group_request) {
    byte_builder frame;
    frame.i16(9).i16(8).i32(33).string("c").u8(0);  // header v2: client id, no tagged fields
    frame.u8(3)                                     // groups: compact array of 2
        .compact_string("g1")                       //   group_id
        .u8(2)                                      //   topics: compact array of 1
        .compact_string("orders")                   //     name
        .u8(3).i32(0).i32(4)                        //     partition_indexes: [0, 4]
        .u8(0)                                      //     topic tagged fields
        .u8(0)                                      //   group tagged fields
        .compact_string("g2")                       //   group_id
        .u8(0)                                      //   topics: null (all)
        .u8(0)                                      //   group tagged fields
        .u8(1)                                      // require_stable (v7+)
        .u8(0);                                     // tagged fields

    offset_fetch_request expected;
    offset_fetch_request_group first;
    first.group_id = "g1";
    first.topics->push_back({"orders", {0, 4}});
    offset_fetch_request_group second;
    second.group_id = "g2";
    second.topics.reset();
    expected.groups = {first, second};
    expected.require_stable = true;
    auto decoded = check_known_request(frame.done(), expected, 8, 2 + 2 + 4 + 2 + 1 + 1);
    ASSERT_EQ(decoded.groups.size(), 2u);
    EXPECT_FALSE(decoded.groups[1].topics.has_value());
    EXPECT_FALSE(decoded.groups[0].member_id.has_value());  // v9+ only
    EXPECT_EQ(decoded.groups[0].member_epoch, -1);
    EXPECT_TRUE(decoded.group_id.empty());  // v0-7 only
}

// The single-group form is gone from v8 and the batch form absent before it: a v7 body is not a
// valid v8 body.
TEST(groups, offset_fetch_forms_do_not_mix) {
    offset_fetch_request single;
    single.group_id = "g1";
    single.topics.reset();
    bytes v7;
    ASSERT_TRUE(encode_message(single, 7, v7));
    EXPECT_FALSE(decode_message<offset_fetch_request>(v7, 8));
    // A null topic list (all topics) exists from v2 only.
    bytes v1;
    EXPECT_EQ(encode_message(single, 1, v1).error(), codec_error::invalid_value);
}

// LeaveGroup: one member id up to v2, a batch of members from v3.
TEST(groups, leave_group_single_and_batched) {
    leave_group_request request;
    request.group_id = "grp";
    request.member_id = "m-1";
    request.members.push_back({"m-2", std::nullopt, std::string("shutdown")});
    bytes v2;
    ASSERT_TRUE(encode_message(request, 2, v2));
    EXPECT_EQ(v2, byte_builder().string("grp").string("m-1").done());
    bytes v3;
    ASSERT_TRUE(encode_message(request, 3, v3));
    EXPECT_EQ(v3, byte_builder().string("grp").i32(1).string("m-2").i16(-1).done());
    bytes v5;
    ASSERT_TRUE(encode_message(request, 5, v5));
    EXPECT_EQ(v5, byte_builder()
                      .compact_string("grp")
                      .u8(2)                       // members: 1
                      .compact_string("m-2")       //   member_id
                      .u8(0)                       //   group_instance_id: null
                      .compact_string("shutdown")  //   reason (v5+)
                      .u8(0)                       //   member tagged fields
                      .u8(0)                       // tagged fields
                      .done());
}

// librdkafka 2.0.2's ListGroups v4 body as it was captured on the wire: an empty states filter,
// the tagged fields, and one more zero byte. A strict decode refuses the extra byte; a request
// decoded as a Kafka broker reads it (decode_request_body) ignores it, as Kafka does.
TEST(groups, list_groups_v4_from_librdkafka_with_a_trailing_byte) {
    const bytes body = byte_builder().u8(1).u8(0).u8(0).done();
    EXPECT_EQ(decode_message<list_groups_request>(body, 4).error(), codec_error::trailing_bytes);
    auto decoded = decode_request_body<list_groups_request>(body, 4);
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    EXPECT_TRUE(decoded->states_filter.empty());
    // Fields must still be complete: a cut body fails either way.
    EXPECT_FALSE(decode_request_body<list_groups_request>(bytes{}, 4));
}

}  // namespace
}  // namespace laminar::kafka
