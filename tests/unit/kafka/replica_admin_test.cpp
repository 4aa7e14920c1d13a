// Known byte vectors of ElectLeaders (43, v0-2, flexible from 2), AlterPartitionReassignments
// (45, v0), ListPartitionReassignments (46, v0) and DescribeProducers (61, v0), the last three
// flexible from v0, written by hand field by field from Kafka 3.7's message JSON: requests decode
// to the expected message and re-encode to the same bytes; responses encode to the expected
// bytes and decode back. The schema-derived round trips are in messages_test.cpp.
#include "net/kafka/replica_admin.h"

#include <gtest/gtest.h>

#include "known_bytes.h"
#include "net/kafka/messages.h"

namespace laminar::kafka {
namespace {

using testing::byte_builder;
using testing::check_known_request;
using testing::check_known_response;
using testing::header;

TEST(replica_admin, elect_leaders_v0_has_no_election_type_v2_is_flexible) {
    elect_leaders_request expected;
    expected.topic_partitions = std::vector<elect_leaders_topic>{{"t", {0, 1}}};
    expected.timeout_ms = 5000;
    auto v0 = header(43, 0, false);
    v0.i32(1).string("t").i32(2).i32(0).i32(1).i32(5000);
    check_known_request(v0.done(), expected, 0, 11);

    expected.election_type = 1;
    auto v1 = header(43, 1, false);
    v1.u8(1).i32(1).string("t").i32(2).i32(0).i32(1).i32(5000);
    check_known_request(v1.done(), expected, 1, 11);
    auto v2 = header(43, 2, true);
    v2.u8(1).u8(2).compact_string("t").u8(3).i32(0).i32(1).u8(0).i32(5000).u8(0);
    check_known_request(v2.done(), expected, 2, 12);

    elect_leaders_request all;
    all.topic_partitions.reset();
    auto null_v2 = header(43, 2, true);
    null_v2.u8(0).u8(0).i32(60000).u8(0);
    check_known_request(null_v2.done(), all, 2, 12);

    elect_leaders_response response;
    response.replica_election_results = {{"t", {{0, 84, "not needed"}}}};
    byte_builder r0;  // v0: no top-level error code
    r0.i32(0).i32(1).string("t").i32(1).i32(0).i16(84).string("not needed");
    check_known_response(response, 0, r0.done());
    byte_builder r1;
    r1.i32(0).i16(0).i32(1).string("t").i32(1).i32(0).i16(84).string("not needed");
    check_known_response(response, 1, r1.done());
    response.replica_election_results[0].partition_result[0].error_message.reset();
    byte_builder r2;
    r2.i32(0).i16(0).u8(2).compact_string("t").u8(2).i32(0).i16(84).u8(0).u8(0).u8(0).u8(0);
    check_known_response(response, 2, r2.done());
}

TEST(replica_admin, reassignments_are_flexible_and_replicas_may_be_null) {
    alter_partition_reassignments_request alter;
    alter.timeout_ms = 1000;
    alter.topics = {{"t", {{0, std::vector<std::int32_t>{1}}, {1, std::nullopt}}}};
    auto frame = header(45, 0, true);
    frame.i32(1000).u8(2).compact_string("t").u8(3);
    frame.i32(0).u8(2).i32(1).u8(0);  // replicas [1]
    frame.i32(1).u8(0).u8(0);         // replicas null: cancel
    frame.u8(0).u8(0);
    check_known_request(frame.done(), alter, 0, 12);

    alter_partition_reassignments_response answer;
    answer.responses = {{"t", {{0, 0, std::nullopt}, {1, 85, std::nullopt}}}};
    byte_builder a;
    a.i32(0).i16(0).u8(0).u8(2).compact_string("t").u8(3);
    a.i32(0).i16(0).u8(0).u8(0).i32(1).i16(85).u8(0).u8(0);
    a.u8(0).u8(0);
    check_known_response(answer, 0, a.done());

    list_partition_reassignments_request list;
    list.topics.reset();
    auto listed = header(46, 0, true);
    listed.i32(60000).u8(0).u8(0);
    check_known_request(listed.done(), list, 0, 12);
    list_partition_reassignments_response none;
    byte_builder l;
    l.i32(0).i16(0).u8(0).u8(1).u8(0);
    check_known_response(none, 0, l.done());
}

TEST(replica_admin, describe_producers_v0) {
    describe_producers_request request{.topics = {{"t", {0, 2}}}};
    auto frame = header(61, 0, true);
    frame.u8(2).compact_string("t").u8(3).i32(0).i32(2).u8(0).u8(0);
    check_known_request(frame.done(), request, 0, 12);

    describe_producers_response response;
    auto& partition = response.topics.emplace_back(describe_producers_topic_response{"t", {}})
                          .partitions.emplace_back();
    partition.partition_index = 0;
    partition.active_producers = {{5, 1, 9, 1000, -1, -1}};
    byte_builder r;
    r.i32(0).u8(2).compact_string("t").u8(2);
    r.i32(0).i16(0).u8(0).u8(2);
    r.i64(5).i32(1).i32(9).i64(1000).i32(-1).i64(-1).u8(0);  // the producer
    r.u8(0).u8(0).u8(0);  // partition, topic, response tagged fields
    check_known_response(response, 0, r.done());
}

}  // namespace
}  // namespace laminar::kafka
