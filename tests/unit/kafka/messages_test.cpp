// Round trips of every declared message at every version Laminar implements, derived from the
// schemas: populated messages come back equal (with the fields a version lacks at their
// defaults), re-encode to the same bytes, and every truncation or extra byte is an error.
#include "net/kafka/messages.h"

#include <set>

#include <gtest/gtest.h>

#include "tests/unit/kafka/populate.h"

namespace laminar::kafka {
namespace {

template <typename M>
class messages_test : public ::testing::Test {};

using all_messages = ::testing::Types<
    api_versions_request, api_versions_response, metadata_request, metadata_response,
    produce_request, produce_response, fetch_request, fetch_response, list_offsets_request,
    list_offsets_response, find_coordinator_request, find_coordinator_response,
    create_topics_request, create_topics_response, delete_topics_request, delete_topics_response,
    init_producer_id_request, init_producer_id_response, offset_for_leader_epoch_request,
    offset_for_leader_epoch_response, describe_configs_request, describe_configs_response,
    create_partitions_request, create_partitions_response, describe_cluster_request,
    describe_cluster_response, offset_commit_request, offset_commit_response, offset_fetch_request,
    offset_fetch_response, join_group_request, join_group_response, heartbeat_request,
    heartbeat_response, leave_group_request, leave_group_response, sync_group_request,
    sync_group_response, describe_groups_request, describe_groups_response, list_groups_request,
    list_groups_response, delete_groups_request, delete_groups_response, offset_delete_request,
    offset_delete_response, alter_configs_request, alter_configs_response,
    incremental_alter_configs_request, incremental_alter_configs_response, delete_records_request,
    delete_records_response, describe_log_dirs_request, describe_log_dirs_response,
    describe_acls_request, describe_acls_response, create_acls_request, create_acls_response,
    delete_acls_request, delete_acls_response, sasl_handshake_request, sasl_handshake_response,
    sasl_authenticate_request, sasl_authenticate_response, create_delegation_token_request,
    create_delegation_token_response, renew_delegation_token_request,
    renew_delegation_token_response, expire_delegation_token_request,
    expire_delegation_token_response, describe_delegation_token_request,
    describe_delegation_token_response, elect_leaders_request, elect_leaders_response,
    alter_partition_reassignments_request, alter_partition_reassignments_response,
    list_partition_reassignments_request, list_partition_reassignments_response,
    describe_producers_request, describe_producers_response, write_txn_markers_request,
    write_txn_markers_response, add_partitions_to_txn_request, add_partitions_to_txn_response,
    add_offsets_to_txn_request, add_offsets_to_txn_response, end_txn_request, end_txn_response,
    txn_offset_commit_request, txn_offset_commit_response, describe_transactions_request,
    describe_transactions_response, list_transactions_request, list_transactions_response,
    describe_client_quotas_request, describe_client_quotas_response, alter_client_quotas_request,
    alter_client_quotas_response, describe_quorum_request, describe_quorum_response,
    update_features_request, update_features_response, unregister_broker_request,
    unregister_broker_response, alter_replica_log_dirs_request, alter_replica_log_dirs_response>;
TYPED_TEST_SUITE(messages_test, all_messages);

template <typename M>
void check_round_trip(std::int16_t version, bool use_nulls) {
    SCOPED_TRACE(::testing::Message() << "version " << version << " nulls " << use_nulls);
    M original{};
    testing::populator fill(version, use_nulls);
    fill.fill(original, field_spec{});
    bytes encoded;
    auto encoded_ok = encode_message(original, version, encoded);
    ASSERT_TRUE(encoded_ok) << to_string(encoded_ok.error());
    auto decoded = decode_message<M>(encoded, version);
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    M expected = original;
    normalize_message(expected, version);
    EXPECT_TRUE(*decoded == expected);

    bytes again;
    ASSERT_TRUE(encode_message(*decoded, version, again));
    EXPECT_EQ(again, encoded);

    for (std::size_t size = 0; size < encoded.size(); ++size) {
        auto prefix = decode_message<M>(std::span(encoded).first(size), version);
        EXPECT_FALSE(prefix) << "prefix of " << size << " of " << encoded.size() << " bytes";
    }
    encoded.push_back(std::byte{0});
    EXPECT_EQ(decode_message<M>(encoded, version).error(), codec_error::trailing_bytes);
}

TYPED_TEST(messages_test, round_trips_every_version) {
    const api_info& info = api(TypeParam::key);
    for (std::int16_t version = info.laminar_min; version <= info.laminar_max; ++version) {
        check_round_trip<TypeParam>(version, false);
        check_round_trip<TypeParam>(version, true);
    }
}

// Member initializers are the defaults the schema declares (what an absent field decodes to).
TYPED_TEST(messages_test, member_defaults_match_schema_defaults) {
    const api_info& info = api(TypeParam::key);
    for (std::int16_t version = info.laminar_min; version <= info.laminar_max; ++version) {
        TypeParam blank{};
        TypeParam normalized = blank;
        normalize_message(normalized, version);
        EXPECT_TRUE(normalized == blank) << "version " << version;
        bytes encoded;
        ASSERT_TRUE(encode_message(blank, version, encoded));
        auto decoded = decode_message<TypeParam>(encoded, version);
        ASSERT_TRUE(decoded);
        EXPECT_TRUE(*decoded == blank);
    }
}

TYPED_TEST(messages_test, versions_outside_the_range_are_refused) {
    const api_info& info = api(TypeParam::key);
    bytes encoded;
    EXPECT_EQ(encode_message(TypeParam{}, info.laminar_max + 1, encoded).error(),
              codec_error::unsupported_version);
    EXPECT_EQ(decode_message<TypeParam>(encoded, info.laminar_max + 1).error(),
              codec_error::unsupported_version);
    EXPECT_EQ(decode_message<TypeParam>(encoded, info.laminar_min - 1).error(),
              codec_error::unsupported_version);
}

template <typename... M>
std::multiset<std::int16_t> keys_of(::testing::Types<M...>*) {
    return {static_cast<std::int16_t>(M::key)...};
}

// Every implemented API has its request and its response in the round-trip list above.
TEST(messages, every_implemented_api_is_round_tripped) {
    std::multiset<std::int16_t> expected;
    for (const api_info& info : all_apis()) {
        if (info.implemented()) expected.insert({info.key, info.key});
    }
    EXPECT_EQ(keys_of(static_cast<all_messages*>(nullptr)), expected);
}

TEST(messages, unknown_tagged_fields_are_skipped) {
    // ApiVersions v3 request: two compact strings, then one tagged field with unknown tag 9.
    const bytes body = {std::byte{0x02}, std::byte{'a'}, std::byte{0x02}, std::byte{'b'},
                        std::byte{0x01}, std::byte{0x09}, std::byte{0x02}, std::byte{0x07},
                        std::byte{0x07}};
    auto decoded = decode_message<api_versions_request>(body, 3);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->client_software_name, "a");
    EXPECT_EQ(decoded->client_software_version, "b");
}

TEST(messages, null_where_the_version_forbids_it_is_refused) {
    metadata_request request;
    request.topics.reset();
    bytes encoded;
    EXPECT_EQ(encode_message(request, 0, encoded).error(), codec_error::invalid_value);
    ASSERT_TRUE(encode_message(request, 1, encoded));
    EXPECT_EQ(decode_message<metadata_request>(encoded, 0).error(), codec_error::invalid_value);
    auto decoded = decode_message<metadata_request>(encoded, 1);
    ASSERT_TRUE(decoded);
    EXPECT_FALSE(decoded->topics.has_value());
}

TEST(messages, hostile_array_count_is_refused_before_allocating) {
    // Metadata v1 request: topics count 0x7fffffff with four bytes behind it.
    const bytes body = {std::byte{0x7f}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff},
                        std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}};
    EXPECT_EQ(decode_message<metadata_request>(body, 1).error(), codec_error::invalid_length);
}

TEST(messages, decoded_memory_is_bounded) {
    // DescribeConfigs v4: one resource whose configuration_keys are 1000 empty compact strings.
    bytes body = {std::byte{0x02}, std::byte{0x00}, std::byte{0x01}, std::byte{0xe9},
                  std::byte{0x07}};  // resources: 1; type 0; name ""; keys: 1000 (varint 1001)
    body.insert(body.end(), 1000, std::byte{0x01});
    body.insert(body.end(), {std::byte{0x00}, std::byte{0x00}, std::byte{0x00},
                             std::byte{0x00}});  // resource tags, synonyms, docs, tags
    auto decoded = decode_message<describe_configs_request>(body, 4);
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    EXPECT_EQ(decoded->resources[0].configuration_keys->size(), 1000u);
    EXPECT_EQ(decode_message<describe_configs_request>(body, 4, 16 * 1024).error(),
              codec_error::too_large);
}

TEST(messages, check_request_body_dispatches_by_key) {
    bytes encoded;
    ASSERT_TRUE(encode_message(metadata_request{}, 12, encoded));
    EXPECT_TRUE(check_request_body(3, 12, encoded));
    EXPECT_EQ(check_request_body(3, 13, encoded).error(), codec_error::unsupported_version);
    EXPECT_EQ(check_request_body(50, 0, encoded).error(), codec_error::unknown_api);
    EXPECT_EQ(check_request_body(0, 2, encoded).error(), codec_error::unsupported_version);
}

}  // namespace
}  // namespace laminar::kafka
