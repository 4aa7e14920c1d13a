// The alter-config requests against byte layouts taken from Kafka's message definitions
// (IncrementalAlterConfigsRequest/Response v0, ApiVersionsResponse v0), and the decoders
// against truncation, wrong correlation ids and trailing bytes.
#include "ctl/cli/config_alter_codec.h"

#include <gtest/gtest.h>

namespace laminar::cli {
namespace {

kafka::bytes bytes_of(std::initializer_list<int> values) {
    kafka::bytes out;
    for (int value : values) out.push_back(static_cast<std::byte>(value));
    return out;
}

TEST(config_alter_codec, api_versions_request_is_a_header_only_frame) {
    auto frame = encode_api_versions_request(7, "ab");
    EXPECT_EQ(frame, bytes_of({0, 0, 0, 12,  0, 18,  0, 0,  0, 0, 0, 7,  0, 2, 'a', 'b'}));
}

TEST(config_alter_codec, incremental_alter_configs_request_layout) {
    auto frame = encode_incremental_alter_configs_request(
        9, "c", "t", {{"k", config_operation::set, "v"}, {"d", config_operation::remove, {}}});
    EXPECT_EQ(frame, bytes_of({0, 0, 0, 37,
                               0, 44,  0, 0,  0, 0, 0, 9,  0, 1, 'c',   // header v1
                               0, 0, 0, 1,                              // one resource
                               2,  0, 1, 't',                           // TOPIC "t"
                               0, 0, 0, 2,                              // two configs
                               0, 1, 'k',  0,  0, 1, 'v',               // SET k=v
                               0, 1, 'd',  1,  0xff, 0xff,               // DELETE d, null value
                               0}));                                    // validate_only
}

kafka::bytes alter_response(std::int16_t error, bool with_message) {
    auto payload = bytes_of({0, 0, 0, 9,  0, 0, 0, 0,  0, 0, 0, 1,
                             0, static_cast<int>(error)});
    if (with_message) {
        for (int byte : {0, 3, int{'b'}, int{'a'}, int{'d'}}) payload.push_back(static_cast<std::byte>(byte));
    } else {
        for (int byte : {0xff, 0xff}) payload.push_back(static_cast<std::byte>(byte));
    }
    for (int byte : {2, 0, 1, int{'t'}}) payload.push_back(static_cast<std::byte>(byte));
    return payload;
}

TEST(config_alter_codec, decodes_alter_configs_responses) {
    auto ok = decode_incremental_alter_configs_response(alter_response(0, false), 9);
    ASSERT_TRUE(ok);
    ASSERT_EQ(ok->size(), 1u);
    EXPECT_EQ((*ok)[0].error_code, 0);
    EXPECT_FALSE((*ok)[0].error_message);
    EXPECT_EQ((*ok)[0].resource_type, resource_type_topic);
    EXPECT_EQ((*ok)[0].resource_name, "t");

    auto refused = decode_incremental_alter_configs_response(alter_response(40, true), 9);
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)[0].error_code, 40);
    EXPECT_EQ((*refused)[0].error_message, "bad");
}

TEST(config_alter_codec, every_truncation_and_a_wrong_correlation_id_fail) {
    const auto payload = alter_response(40, true);
    for (std::size_t size = 0; size < payload.size(); ++size) {
        auto truncated = std::span<const std::byte>(payload).first(size);
        EXPECT_FALSE(decode_incremental_alter_configs_response(truncated, 9)) << size;
    }
    EXPECT_EQ(decode_incremental_alter_configs_response(payload, 8).error(),
              kafka::codec_error::invalid_value);
    auto longer = payload;
    longer.push_back(std::byte{0});
    EXPECT_EQ(decode_incremental_alter_configs_response(longer, 9).error(),
              kafka::codec_error::trailing_bytes);
}

TEST(config_alter_codec, decodes_api_versions_and_rejects_hostile_counts) {
    auto payload = bytes_of({0, 0, 0, 1,  0, 0,  0, 0, 0, 2,  0, 18, 0, 0, 0, 3,  0, 44, 0, 0, 0, 1});
    auto answer = decode_api_versions_response(payload, 1);
    ASSERT_TRUE(answer);
    ASSERT_EQ(answer->apis.size(), 2u);
    EXPECT_EQ(answer->apis[1].api_key, incremental_alter_configs_key);
    EXPECT_EQ(answer->apis[1].version_max, 1);
    auto huge = bytes_of({0, 0, 0, 1,  0, 0,  0x7f, 0xff, 0xff, 0xff});
    EXPECT_FALSE(decode_api_versions_response(huge, 1));
    for (std::size_t size = 0; size < payload.size(); ++size) {
        EXPECT_FALSE(decode_api_versions_response(std::span<const std::byte>(payload).first(size), 1));
    }
}

}  // namespace
}  // namespace laminar::cli
