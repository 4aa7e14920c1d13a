// Known byte vectors of the transaction APIs, written by hand field by field from Kafka 3.7's
// message JSON. WriteTxnMarkers (served) goes through the frame helpers; the others, not served
// yet, are checked at the schema level (encode to the bytes, decode back) in the versions that
// change their layout.
#include "net/kafka/transactions.h"

#include <gtest/gtest.h>

#include "known_bytes.h"
#include "net/kafka/messages.h"

namespace laminar::kafka {
namespace {

using testing::byte_builder;
using testing::check_known_request;
using testing::check_known_response;
using testing::header;

// Encode and decode with the schema directly, for APIs Laminar does not serve yet.
template <typename M>
void check_layout(const M& message, std::int16_t version, bool flexible, const bytes& expected) {
    SCOPED_TRACE(::testing::Message() << "version " << version);
    bytes encoded;
    encoder out(encoded, version, flexible);
    out.write_struct(message);
    ASSERT_FALSE(out.error());
    EXPECT_EQ(encoded, expected);
    reader in(expected);
    std::size_t budget = decoded_bytes_max_default(expected.size());
    decoder back(in, version, flexible, budget);
    M decoded{};
    back.read_struct(decoded);
    ASSERT_FALSE(back.error());
    EXPECT_EQ(in.remaining(), 0u);
    EXPECT_TRUE(decoded == message);
}

TEST(transactions, write_txn_markers_v0_and_flexible_v1) {
    write_txn_markers_request expected;
    expected.markers = {{77, 3, true, {{"t", {0, 2}}}, 5}};
    auto v0 = header(27, 0, false);
    v0.i32(1).i64(77).i16(3).u8(1).i32(1).string("t").i32(2).i32(0).i32(2).i32(5);
    check_known_request(v0.done(), expected, 0, 11);
    auto v1 = header(27, 1, true);
    v1.u8(2).i64(77).i16(3).u8(1).u8(2).compact_string("t").u8(3).i32(0).i32(2).u8(0).i32(5).u8(0);
    v1.u8(0);
    check_known_request(v1.done(), expected, 1, 12);

    write_txn_markers_response response;
    response.markers = {{77, {{"t", {{0, 0}, {2, 47}}}}}};
    byte_builder r0;
    r0.i32(1).i64(77).i32(1).string("t").i32(2).i32(0).i16(0).i32(2).i16(47);
    check_known_response(response, 0, r0.done());
    byte_builder r1;
    r1.u8(2).i64(77).u8(2).compact_string("t").u8(3).i32(0).i16(0).u8(0).i32(2).i16(47).u8(0);
    r1.u8(0).u8(0).u8(0);
    check_known_response(response, 1, r1.done());
}

TEST(transactions, add_partitions_to_txn_v3_top_level_v4_batched) {
    add_partitions_to_txn_request v3;
    v3.v3_and_below_transactional_id = "tx";
    v3.v3_and_below_producer_id = 77;
    v3.v3_and_below_producer_epoch = 1;
    v3.v3_and_below_topics = {{"t", {0}}};
    byte_builder b0;
    b0.string("tx").i64(77).i16(1).i32(1).string("t").i32(1).i32(0);
    check_layout(v3, 0, false, b0.done());
    byte_builder b3;
    b3.compact_string("tx").i64(77).i16(1).u8(2).compact_string("t").u8(2).i32(0).u8(0).u8(0);
    check_layout(v3, 3, true, b3.done());

    add_partitions_to_txn_request v4;
    v4.transactions = {{"tx", 77, 1, true, {{"t", {0}}}}};
    byte_builder b4;
    b4.u8(2).compact_string("tx").i64(77).i16(1).u8(1).u8(2).compact_string("t").u8(2).i32(0);
    b4.u8(0).u8(0).u8(0);
    check_layout(v4, 4, true, b4.done());

    add_partitions_to_txn_response r3;
    r3.results_by_topic_v3_and_below = {{"t", {{0, 51}}}};
    byte_builder rb0;
    rb0.i32(0).i32(1).string("t").i32(1).i32(0).i16(51);
    check_layout(r3, 0, false, rb0.done());
    add_partitions_to_txn_response r4;
    r4.results_by_transaction = {{"tx", {{"t", {{0, 0}}}}}};
    byte_builder rb4;
    rb4.i32(0).i16(0).u8(2).compact_string("tx").u8(2).compact_string("t").u8(2).i32(0).i16(0);
    rb4.u8(0).u8(0).u8(0).u8(0);
    check_layout(r4, 4, true, rb4.done());
}

TEST(transactions, add_offsets_and_end_txn) {
    add_offsets_to_txn_request add{"tx", 77, 1, "g"};
    byte_builder a0;
    a0.string("tx").i64(77).i16(1).string("g");
    check_layout(add, 0, false, a0.done());
    byte_builder a3;
    a3.compact_string("tx").i64(77).i16(1).compact_string("g").u8(0);
    check_layout(add, 3, true, a3.done());

    end_txn_request end{"tx", 77, 1, true};
    byte_builder e0;
    e0.string("tx").i64(77).i16(1).u8(1);
    check_layout(end, 0, false, e0.done());
    end_txn_response answer{0, 90};
    byte_builder e3;
    e3.i32(0).i16(90).u8(0);
    check_layout(answer, 3, true, e3.done());
    add_offsets_to_txn_response added{0, 51};
    byte_builder o0;
    o0.i32(0).i16(51);
    check_layout(added, 0, false, o0.done());
}

TEST(transactions, txn_offset_commit_v2_epoch_v3_member) {
    txn_offset_commit_request v2;
    v2.transactional_id = "tx";
    v2.group_id = "g";
    v2.producer_id = 77;
    v2.producer_epoch = 1;
    v2.topics = {{"t", {{0, 42, 5, std::nullopt}}}};
    byte_builder b2;
    b2.string("tx").string("g").i64(77).i16(1).i32(1).string("t").i32(1).i32(0).i64(42).i32(5);
    b2.i16(-1);
    check_layout(v2, 2, false, b2.done());

    txn_offset_commit_request v3 = v2;
    v3.generation_id = 4;
    v3.member_id = "m";
    v3.topics[0].partitions[0].committed_metadata = "x";
    byte_builder b3;
    b3.compact_string("tx").compact_string("g").i64(77).i16(1).i32(4).compact_string("m").u8(0);
    b3.u8(2).compact_string("t").u8(2).i32(0).i64(42).i32(5).compact_string("x").u8(0).u8(0);
    b3.u8(0);
    check_layout(v3, 3, true, b3.done());

    txn_offset_commit_response answer;
    answer.topics = {{"t", {{0, 88}}}};
    byte_builder r0;
    r0.i32(0).i32(1).string("t").i32(1).i32(0).i16(88);
    check_layout(answer, 0, false, r0.done());
}

TEST(transactions, describe_and_list_transactions_are_flexible) {
    describe_transactions_request describe{{"tx"}};
    byte_builder d;
    d.u8(2).compact_string("tx").u8(0);
    check_layout(describe, 0, true, d.done());
    describe_transactions_response described;
    described.transaction_states = {{0, "tx", "Ongoing", 60000, 1700, 77, 1, {{"t", {0}}}}};
    byte_builder dr;
    dr.i32(0).u8(2).i16(0).compact_string("tx").compact_string("Ongoing").i32(60000).i64(1700);
    dr.i64(77).i16(1).u8(2).compact_string("t").u8(2).i32(0).u8(0).u8(0).u8(0);
    check_layout(described, 0, true, dr.done());

    list_transactions_request list{{"Ongoing"}, {77}};
    byte_builder l;
    l.u8(2).compact_string("Ongoing").u8(2).i64(77).u8(0);
    check_layout(list, 0, true, l.done());
    list_transactions_response listed;
    listed.unknown_state_filters = {"Nope"};
    listed.transaction_states = {{"tx", 77, "Ongoing"}};
    byte_builder lr;
    lr.i32(0).i16(0).u8(2).compact_string("Nope").u8(2).compact_string("tx").i64(77);
    lr.compact_string("Ongoing").u8(0).u8(0);
    check_layout(listed, 0, true, lr.done());
}

}  // namespace
}  // namespace laminar::kafka
