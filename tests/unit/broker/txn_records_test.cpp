// The records of __transaction_state: known bytes of Kafka's TransactionLogKey v0 and
// TransactionLogValue v0 and v1 (written by hand from Kafka's message JSON), round trips, tagged
// fields, and hostile input (every truncation, unknown versions, a bad state byte).
#include "broker/txn_records.h"

#include <gtest/gtest.h>

#include "tests/unit/fuzz_seed_files.h"
#include "tests/unit/kafka/known_bytes.h"

namespace laminar::broker::txn {
namespace {

using kafka::testing::byte_builder;

txn_log_value sample() {
    txn_log_value value;
    value.producer_id = 4000;
    value.producer_epoch = 3;
    value.transaction_timeout_ms = 60000;
    value.transaction_status = static_cast<std::int8_t>(txn_state::ongoing);
    value.transaction_partitions = std::vector<txn_log_partitions>{{"t", {0, 2}}};
    value.transaction_last_update_timestamp_ms = 1700000000123;
    value.transaction_start_timestamp_ms = 1700000000000;
    return value;
}

TEST(txn_records, key_v0_is_a_version_and_a_string) {
    byte_builder expected;
    expected.i16(0).string("my-txn");
    EXPECT_EQ(encode_txn_log_key("my-txn"), expected.done());
    EXPECT_EQ(decode_txn_log_key(expected.done()).value(), "my-txn");
    byte_builder v1;
    v1.i16(1).string("my-txn");
    EXPECT_EQ(decode_txn_log_key(v1.done()).error(), kafka::codec_error::unsupported_version);
}

TEST(txn_records, value_v0_known_bytes) {
    byte_builder expected;
    expected.i16(0).i64(4000).i16(3).i32(60000).u8(1);
    expected.i32(1).string("t").i32(2).i32(0).i32(2);
    expected.i64(1700000000123).i64(1700000000000);
    EXPECT_EQ(encode_txn_log_value(sample(), 0), expected.done());
    auto decoded = decode_txn_log_value(expected.done());
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, sample());
}

TEST(txn_records, value_v1_is_flexible_with_tagged_previous_producer_id) {
    txn_log_value value = sample();
    value.previous_producer_id = 3999;
    byte_builder expected;
    expected.i16(1).i64(4000).i16(3).i32(60000).u8(1);
    expected.u8(2).compact_string("t").u8(3).i32(0).i32(2).u8(0);
    expected.i64(1700000000123).i64(1700000000000);
    expected.u8(1).u8(0).u8(8).i64(3999);  // one tagged field: tag 0, 8 bytes
    EXPECT_EQ(encode_txn_log_value(value), expected.done());
    auto decoded = decode_txn_log_value(expected.done());
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, value);
}

TEST(txn_records, empty_state_has_null_partitions) {
    txn_log_value value = sample();
    value.transaction_status = static_cast<std::int8_t>(txn_state::empty);
    value.transaction_partitions.reset();
    for (std::int16_t version : {0, 1}) {
        auto decoded = decode_txn_log_value(encode_txn_log_value(value, version));
        ASSERT_TRUE(decoded);
        EXPECT_EQ(*decoded, value);
    }
}

TEST(txn_records, hostile_values_are_refused) {
    const auto good = encode_txn_log_value(sample());
    for (std::size_t size = 0; size < good.size(); ++size) {
        EXPECT_FALSE(decode_txn_log_value(std::span(good).first(size))) << size;
    }
    auto trailing = good;
    trailing.push_back(std::byte{0});
    EXPECT_FALSE(decode_txn_log_value(trailing));
    auto bad_state = encode_txn_log_value(sample(), 0);
    bad_state[2 + 8 + 2 + 4] = std::byte{8};
    EXPECT_EQ(decode_txn_log_value(bad_state).error(), kafka::codec_error::invalid_value);
    auto v2 = good;
    v2[1] = std::byte{2};
    EXPECT_EQ(decode_txn_log_value(v2).error(), kafka::codec_error::unsupported_version);
}

TEST(txn_records, state_names_are_kafkas) {
    EXPECT_EQ(state_name(txn_state::prepare_epoch_fence), "PrepareEpochFence");
    EXPECT_EQ(state_name(txn_state::complete_commit), "CompleteCommit");
    EXPECT_EQ(state_named("Ongoing"), txn_state::ongoing);
    EXPECT_FALSE(state_named("ongoing"));
    // Java's "my-txn".hashCode() is -1061187895 (String.hashCode's rule); abs, then mod.
    EXPECT_EQ(txn_state_partition_for("my-txn", 50), 1061187895 % 50);
}

// LAMINAR_WRITE_FUZZ_SEEDS=1 rewrites tests/fuzz/seeds/txn_records_fuzz/.
TEST(txn_records, fuzz_seeds_match_the_encoders) {
    laminar::testing::fuzz_seed_set seeds;
    seeds["key"] = encode_txn_log_key("my-txn");
    txn_log_value tagged = sample();
    tagged.previous_producer_id = 3999;
    tagged.next_producer_id = 4001;
    tagged.client_transaction_version = 2;
    seeds["value_v0"] = encode_txn_log_value(sample(), 0);
    seeds["value_v1"] = encode_txn_log_value(tagged, 1);
    tagged.transaction_partitions.reset();
    seeds["value_v1_null_partitions"] = encode_txn_log_value(tagged, 1);
    laminar::testing::check_or_write_fuzz_seeds("txn_records_fuzz", seeds);
}

}  // namespace
}  // namespace laminar::broker::txn
