// __consumer_offsets records: known bytes of each key and value version (laid out by hand from
// Kafka's *Key.json / *Value.json), round trips, truncations, the consumer subscription reader,
// Kafka's partition-for-group hash (values printed by Java's String.hashCode), and the fuzz
// target's seeds (LAMINAR_WRITE_FUZZ_SEEDS=1 rewrites them).
#include "broker/group_records.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <map>

#include "tests/unit/fuzz_seed_files.h"

namespace laminar::broker::groups {
namespace {

kafka::bytes b(std::initializer_list<int> values) {
    kafka::bytes out;
    for (int v : values) out.push_back(static_cast<std::byte>(v));
    return out;
}

kafka::bytes cat(std::initializer_list<kafka::bytes> parts) {
    kafka::bytes out;
    for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

kafka::bytes text(std::string_view s) {
    kafka::bytes out;
    for (char c : s) out.push_back(static_cast<std::byte>(c));
    return out;
}

kafka::bytes int64(std::int64_t v) {
    kafka::bytes out;
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::byte>(v >> shift));
    return out;
}

TEST(group_records, offset_commit_key_v1_bytes) {
    const auto key = encode_offset_commit_key("g", "t", 3);
    EXPECT_EQ(key, b({0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 3}));
    auto decoded = decode_key(key);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->kind, record_key_kind::offset_commit);
    EXPECT_EQ(decoded->group, "g");
    EXPECT_EQ(decoded->topic, "t");
    EXPECT_EQ(decoded->partition, 3);
    // Version 0 has the same layout.
    auto v0 = decode_key(b({0, 0, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 3}));
    ASSERT_TRUE(v0);
    EXPECT_EQ(v0->kind, record_key_kind::offset_commit);
    EXPECT_EQ(v0->version, 0);
}

TEST(group_records, group_metadata_key_v2_bytes) {
    const auto key = encode_group_metadata_key("grp");
    EXPECT_EQ(key, b({0, 2, 0, 3, 'g', 'r', 'p'}));
    auto decoded = decode_key(key);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->kind, record_key_kind::group_metadata);
    EXPECT_EQ(decoded->group, "grp");
}

TEST(group_records, keys_of_other_coordinators_and_damage_are_errors) {
    EXPECT_EQ(decode_key(b({0, 3, 0, 1, 'g'})).error(), kafka::codec_error::unsupported_version);
    EXPECT_EQ(decode_key(b({0, 2, 0, 5, 'g'})).error(), kafka::codec_error::truncated);
    EXPECT_EQ(decode_key(b({0, 2, 0, 1, 'g', 9})).error(), kafka::codec_error::trailing_bytes);
    EXPECT_FALSE(decode_key(b({0})));
    EXPECT_FALSE(decode_key(b({0, 2, 0xFF, 0xFF})));  // null group
}

TEST(group_records, offset_commit_value_bytes_per_version) {
    offset_commit_value value{5, 2, "m", 7, -1};
    EXPECT_EQ(offset_commit_value_version_for(value), 3);
    EXPECT_EQ(encode_offset_commit_value(value, 3),
              cat({b({0, 3}), int64(5), b({0, 0, 0, 2, 0, 1, 'm'}), int64(7)}));
    EXPECT_EQ(encode_offset_commit_value(value, 0), cat({b({0, 0}), int64(5), b({0, 1, 'm'}),
                                                         int64(7)}));
    EXPECT_EQ(encode_offset_commit_value(value, 4),
              cat({b({0, 4}), int64(5), b({0, 0, 0, 2, 2, 'm'}), int64(7), b({0})}));
    value.expire_timestamp = 11;
    EXPECT_EQ(offset_commit_value_version_for(value), 1);
    EXPECT_EQ(encode_offset_commit_value(value, 1),
              cat({b({0, 1}), int64(5), b({0, 1, 'm'}), int64(7), int64(11)}));

    for (std::int16_t version = 0; version <= 4; ++version) {
        auto decoded = decode_offset_commit_value(encode_offset_commit_value(value, version));
        ASSERT_TRUE(decoded) << version;
        EXPECT_EQ(decoded->offset, 5);
        EXPECT_EQ(decoded->metadata, "m");
        EXPECT_EQ(decoded->commit_timestamp, 7);
        EXPECT_EQ(decoded->leader_epoch, version >= 3 ? 2 : -1) << version;
        EXPECT_EQ(decoded->expire_timestamp, version == 1 ? 11 : -1) << version;
    }
}

TEST(group_records, offset_commit_value_v4_skips_tagged_fields) {
    // One unknown tagged field (tag 7, 2 bytes) after the fields.
    const auto data = cat({b({0, 4}), int64(9), b({0xFF, 0xFF, 0xFF, 0xFF, 1}), int64(3),
                           b({1, 7, 2, 0xAA, 0xBB})});
    auto decoded = decode_offset_commit_value(data);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->offset, 9);
    EXPECT_EQ(decoded->leader_epoch, -1);
    EXPECT_EQ(decoded->metadata, "");
    EXPECT_EQ(decoded->commit_timestamp, 3);
}

group_metadata_value sample_group() {
    group_metadata_value value;
    value.protocol_type = "consumer";
    value.generation = 1;
    value.protocol = "range";
    value.leader = "a";
    value.current_state_timestamp = 9;
    value.members.push_back({"a", std::nullopt, "c", "h", 100, 200, b({1}), b({2})});
    return value;
}

TEST(group_records, group_metadata_value_v3_bytes) {
    const auto expected = cat({b({0, 3}), b({0, 8}), text("consumer"), b({0, 0, 0, 1}),
                               b({0, 5}), text("range"), b({0, 1, 'a'}), int64(9),
                               b({0, 0, 0, 1}),                      // one member
                               b({0, 1, 'a', 0xFF, 0xFF}),           // id, null instance id
                               b({0, 1, 'c', 0, 1, 'h'}),            // client id, host
                               b({0, 0, 0, 100, 0, 0, 0, 200}),      // rebalance, session
                               b({0, 0, 0, 1, 1, 0, 0, 0, 1, 2})});  // subscription, assignment
    EXPECT_EQ(encode_group_metadata_value(sample_group()), expected);
    auto decoded = decode_group_metadata_value(expected);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, sample_group());
}

TEST(group_records, group_metadata_value_versions_round_trip) {
    auto value = sample_group();
    value.members.push_back({"b", std::string("static-1"), "c2", "h2", 300, 400, {}, {}});
    for (std::int16_t version = 0; version <= 4; ++version) {
        auto decoded = decode_group_metadata_value(encode_group_metadata_value(value, version));
        ASSERT_TRUE(decoded) << version;
        auto expected = value;
        if (version < 2) expected.current_state_timestamp = -1;
        for (auto& member : expected.members) {
            if (version < 3) member.group_instance_id.reset();
            if (version < 1) member.rebalance_timeout_ms = member.session_timeout_ms;
        }
        EXPECT_EQ(*decoded, expected) << version;
    }
    group_metadata_value empty;
    empty.protocol_type = "consumer";
    empty.generation = 4;
    auto decoded = decode_group_metadata_value(encode_group_metadata_value(empty));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, empty);
}

TEST(group_records, every_truncation_fails_cleanly) {
    const auto group = encode_group_metadata_value(sample_group(), 4);
    for (std::size_t size = 0; size < group.size(); ++size) {
        EXPECT_FALSE(decode_group_metadata_value(std::span(group).first(size))) << size;
    }
    const auto offset = encode_offset_commit_value({1, 2, "meta", 3, 4}, 1);
    for (std::size_t size = 0; size < offset.size(); ++size) {
        EXPECT_FALSE(decode_offset_commit_value(std::span(offset).first(size))) << size;
    }
    const auto key = encode_offset_commit_key("group", "topic", 1);
    for (std::size_t size = 0; size < key.size(); ++size) {
        EXPECT_FALSE(decode_key(std::span(key).first(size))) << size;
    }
    EXPECT_EQ(decode_group_metadata_value(b({0, 5})).error(),
              kafka::codec_error::unsupported_version);
}

TEST(group_records, a_hostile_member_count_does_not_allocate) {
    const auto data = cat({b({0, 3, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF}), int64(0),
                           b({0x7F, 0xFF, 0xFF, 0xFF})});
    EXPECT_EQ(decode_group_metadata_value(data).error(), kafka::codec_error::invalid_length);
}

kafka::bytes subscription(std::int16_t version, std::initializer_list<std::string_view> topics) {
    kafka::bytes out;
    kafka::writer writer(out);
    writer.write_int16(version);
    writer.write_int32(static_cast<std::int32_t>(topics.size()));
    for (auto topic : topics) {
        writer.write_int16(static_cast<std::int16_t>(topic.size()));
        writer.write_raw(kafka::as_bytes(topic));
    }
    writer.write_int32(-1);  // null user data
    if (version >= 1) writer.write_int32(0);  // owned partitions
    if (version >= 2) writer.write_int32(7);  // generation id
    if (version >= 3) writer.write_int16(-1);  // rack id
    return out;
}

TEST(group_records, consumer_subscription_topics_of_every_version) {
    for (std::int16_t version = 0; version <= 3; ++version) {
        auto topics = decode_subscription_topics(subscription(version, {"a", "bb"}));
        ASSERT_TRUE(topics) << version;
        EXPECT_EQ(*topics, (std::vector<std::string>{"a", "bb"}));
    }
    EXPECT_FALSE(decode_subscription_topics(b({0, 0, 0, 0, 0, 1, 0})));
    EXPECT_FALSE(decode_subscription_topics(b({0xFF, 0xFF})));
    EXPECT_FALSE(decode_subscription_topics({}));
}

TEST(group_records, offsets_partition_matches_java) {
    // From jshell: "x".hashCode() and Utils.abs(hash) % 50.
    EXPECT_EQ(java_string_hash("test-group"), 627841412);
    EXPECT_EQ(offsets_partition_for("test-group", 50), 12);
    EXPECT_EQ(java_string_hash(""), 0);
    EXPECT_EQ(offsets_partition_for("", 50), 0);
    EXPECT_EQ(java_string_hash("group\xC3\xA9"), -1237460406);  // "groupé"
    EXPECT_EQ(offsets_partition_for("group\xC3\xA9", 50), 6);
    EXPECT_EQ(java_string_hash("g\xF0\x9F\x98\x80x"), 58028462);  // U+1F600: a surrogate pair
    EXPECT_EQ(offsets_partition_for("g\xF0\x9F\x98\x80x", 50), 12);
    EXPECT_EQ(java_string_length("g\xF0\x9F\x98\x80x"), 4u);
    EXPECT_EQ(offsets_partition_for("my-consumer-group", 50), 13);
    EXPECT_EQ(java_string_hash("polygenelubricants"), -2147483648);  // Utils.abs -> 0
    EXPECT_EQ(offsets_partition_for("polygenelubricants", 50), 0);
    EXPECT_EQ(java_string_length("\xFF" "a"), 2u);  // a bad byte counts as U+FFFD
}

// ---- fuzz seeds ----

using seed_set = std::map<std::string, kafka::bytes>;

seed_set fuzz_seeds() {
    seed_set seeds;
    seeds["offset_commit_key"] = encode_offset_commit_key("group", "topic", 7);
    seeds["group_metadata_key"] = encode_group_metadata_key("group");
    const offset_commit_value offset{42, 3, "metadata", 1700000000000, 1700000600000};
    for (std::int16_t version = 0; version <= 4; ++version) {
        seeds["offset_commit_value_v" + std::to_string(version)] =
            encode_offset_commit_value(offset, version);
        auto group = sample_group();
        group.members.push_back({"b", std::string("static"), "c", "h", 1, 2,
                                 subscription(1, {"t"}), {}});
        seeds["group_metadata_value_v" + std::to_string(version)] =
            encode_group_metadata_value(group, version);
    }
    seeds["subscription_v3"] = subscription(3, {"t1", "t2"});
    return seeds;
}

TEST(group_records, fuzz_seeds_match_the_encoders) {
    laminar::testing::check_or_write_fuzz_seeds("group_records_fuzz", fuzz_seeds());
}

}  // namespace
}  // namespace laminar::broker::groups
