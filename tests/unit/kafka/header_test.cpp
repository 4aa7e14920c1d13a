// Headers, framing, the version table, and known byte vectors of real client requests.
#include "net/kafka/header.h"

#include <string_view>

#include <gtest/gtest.h>

#include "net/kafka/messages.h"
#include "net/kafka/records.h"

namespace laminar::kafka {
namespace {

bytes of(std::initializer_list<int> values) {
    bytes out;
    for (int value : values) out.push_back(static_cast<std::byte>(value));
    return out;
}
void append(bytes& out, std::string_view text) {
    for (char c : text) out.push_back(static_cast<std::byte>(c));
}

TEST(header, versions_follow_flexibility) {
    EXPECT_EQ(request_header_version(18, 2), 1);
    EXPECT_EQ(request_header_version(18, 3), 2);
    EXPECT_EQ(response_header_version(18, 3), 0);  // KIP-511
    EXPECT_EQ(request_header_version(3, 8), 1);
    EXPECT_EQ(request_header_version(3, 9), 2);
    EXPECT_EQ(response_header_version(3, 9), 1);
    EXPECT_EQ(response_header_version(1, 11), 0);
    EXPECT_EQ(response_header_version(1, 12), 1);
    EXPECT_EQ(request_header_version(17, 1), 1);  // SaslHandshake, never flexible
    EXPECT_EQ(request_header_version(7, 0), 0);   // ControlledShutdown v0
}

TEST(header, api_table_is_complete_and_advertises_kafka_ranges) {
    ASSERT_EQ(all_apis().size(), api_keys_count);
    for (std::size_t index = 0; index < all_apis().size(); ++index) {
        EXPECT_EQ(all_apis()[index].key, static_cast<std::int16_t>(index));
    }
    std::array<advertised_api, api_keys_count> advertised{};
    std::size_t count = advertised_apis(advertised);
    ASSERT_GE(count, 5u);
    EXPECT_EQ(advertised[0].key, 0);  // Produce: advertised from 0, implemented from 3
    EXPECT_EQ(advertised[0].min_version, 0);
    EXPECT_EQ(advertised[0].max_version, 10);
    EXPECT_FALSE(is_version_supported(0, 2));
    EXPECT_TRUE(is_version_supported(0, 3));
    EXPECT_FALSE(is_version_supported(1, 3));
    EXPECT_TRUE(is_version_supported(1, 16));
    EXPECT_FALSE(is_version_supported(1, 17));
    EXPECT_FALSE(is_version_supported(99, 0));
    for (const api_info& info : all_apis()) {
        if (!info.implemented()) continue;
        EXPECT_LE(info.kafka_min, info.advertised_min) << info.name;
        EXPECT_LE(info.advertised_min, info.laminar_min) << info.name;
        EXPECT_EQ(info.laminar_max, info.kafka_max) << info.name;
        EXPECT_TRUE(with_messages(info.key, [](auto, auto) {})) << info.name;
    }
}

TEST(header, frame_size) {
    EXPECT_EQ(read_frame_size(of({0, 0, 1}), 100).error(), codec_error::truncated);
    EXPECT_EQ(read_frame_size(of({0, 0, 0, 100}), 100), 100);
    EXPECT_EQ(read_frame_size(of({0, 0, 0, 101}), 100).error(), codec_error::too_large);
    EXPECT_EQ(read_frame_size(of({0x80, 0, 0, 0}), 100).error(), codec_error::invalid_length);
}

// ApiVersions v3 as librdkafka 2.x sends it on connect (client.id "rdkafka").
TEST(header, librdkafka_api_versions_v3_request) {
    bytes payload = of({0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07});
    append(payload, "rdkafka");
    payload.push_back(std::byte{0x00});  // header tagged fields
    payload.push_back(std::byte{0x0b});
    append(payload, "librdkafka");
    payload.push_back(std::byte{0x06});
    append(payload, "2.0.2");
    payload.push_back(std::byte{0x00});  // body tagged fields

    reader in(payload);
    auto header = decode_request_header(in);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->api_key, 18);
    EXPECT_EQ(header->api_version, 3);
    EXPECT_EQ(header->correlation_id, 1);
    EXPECT_EQ(header->client_id, "rdkafka");
    EXPECT_EQ(header->header_version, 2);
    auto body = decode_message<api_versions_request>(*in.read_span(in.remaining()), 3);
    ASSERT_TRUE(body);
    EXPECT_EQ(body->client_software_name, "librdkafka");
    EXPECT_EQ(body->client_software_version, "2.0.2");

    bytes encoded;
    writer out(encoded);
    encode_request_header(*header, out);
    ASSERT_TRUE(encode_message(*body, 3, encoded));
    EXPECT_EQ(encoded, payload);
    EXPECT_TRUE(check_request(payload));
    for (std::size_t size = 0; size < payload.size(); ++size) {
        EXPECT_FALSE(check_request(std::span(payload).first(size))) << size;
    }
}

// Metadata v12 for one topic by name, auto-creation on, as the Java client sends it.
TEST(header, metadata_v12_request) {
    bytes payload = of({0x00, 0x03, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 'c', 0x00});
    payload.push_back(std::byte{0x02});  // one topic
    payload.insert(payload.end(), 16, std::byte{0});
    payload.push_back(std::byte{0x04});
    append(payload, "foo");
    payload.push_back(std::byte{0x00});  // topic tagged fields
    payload.push_back(std::byte{0x01});  // allow_auto_topic_creation
    payload.push_back(std::byte{0x00});  // include_topic_authorized_operations
    payload.push_back(std::byte{0x00});  // tagged fields

    reader in(payload);
    auto header = decode_request_header(in);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->client_id, "c");
    auto body = decode_message<metadata_request>(*in.read_span(in.remaining()), 12);
    ASSERT_TRUE(body);
    ASSERT_TRUE(body->topics);
    ASSERT_EQ(body->topics->size(), 1u);
    EXPECT_EQ((*body->topics)[0].name, "foo");
    EXPECT_EQ((*body->topics)[0].topic_id, uuid{});
    EXPECT_TRUE(body->allow_auto_topic_creation);

    metadata_request request;
    request.topics->push_back({uuid{}, std::string("foo")});
    bytes encoded;
    writer out(encoded);
    encode_request_header({3, 12, 7, std::string("c")}, out);
    ASSERT_TRUE(encode_message(request, 12, encoded));
    EXPECT_EQ(encoded, payload);
}

// An ApiVersions v3 response: header v0 (no tagged fields) and a flexible body.
TEST(header, api_versions_v3_response_bytes) {
    api_versions_response response;
    response.api_keys.push_back({18, 0, 3});
    bytes encoded;
    writer out(encoded);
    encode_response_header({5}, response_header_version(18, 3), out);
    ASSERT_TRUE(encode_message(response, 3, encoded));
    EXPECT_EQ(encoded, of({0, 0, 0, 5,                        // correlation id, no tags
                           0, 0,                              // error code
                           0x02, 0, 18, 0, 0, 0, 3, 0x00,     // one key, its tagged fields
                           0, 0, 0, 0,                        // throttle time
                           0x00}));                           // tagged fields
    reader in(encoded);
    auto header = decode_response_header(in, 0);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->correlation_id, 5);
    auto body = decode_message<api_versions_response>(*in.read_span(in.remaining()), 3);
    ASSERT_TRUE(body);
    EXPECT_TRUE(*body == response);
}

TEST(header, response_frames_carry_size_and_header_version) {
    auto advertised = make_api_versions_response();
    ASSERT_EQ(advertised.api_keys.size(), 53u);
    EXPECT_EQ(advertised.api_keys[0].api_key, 0);
    EXPECT_EQ(advertised.api_keys[0].min_version, 0);
    bytes out = of({0xee});
    ASSERT_TRUE(encode_response_frame(9, 3, advertised, out));
    auto size = read_frame_size(std::span(out).subspan(1), 1 << 20);
    ASSERT_TRUE(size);
    EXPECT_EQ(static_cast<std::size_t>(*size), out.size() - 5);
    reader in{std::span(out).subspan(5)};
    EXPECT_EQ(decode_response_header(in, 0)->correlation_id, 9);
    auto body = decode_message<api_versions_response>(*in.read_span(in.remaining()), 3);
    ASSERT_TRUE(body);
    EXPECT_TRUE(*body == advertised);

    bytes flexible;
    ASSERT_TRUE(encode_response_frame(4, 12, metadata_response{}, flexible));
    EXPECT_EQ(flexible[8], std::byte{0x00});  // response header v1: empty tagged fields

    // A body that cannot be encoded (null where v0 forbids it) leaves the buffer as it was.
    bytes refused = of({0x01});
    metadata_request all_topics;
    all_topics.topics.reset();
    EXPECT_EQ(encode_response_frame(1, 0, all_topics, refused).error(),
              codec_error::invalid_value);
    EXPECT_EQ(refused, of({0x01}));
}

// Produce v3 (acks=-1, timeout 30000, no transactional id) carrying one real batch: the request
// keeps the batch bytes as they came, and they parse as the records they were built from.
TEST(header, produce_v3_request_carries_a_batch) {
    std::vector<record> records(2);
    records[0].value = bytes(3, std::byte{'a'});
    records[1].offset_delta = 1;
    records[1].key = bytes(1, std::byte{'k'});
    auto batch = build_record_batch({}, records);
    ASSERT_TRUE(batch);

    bytes body = of({0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x00, 0x01,
                     0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02});
    writer(body).write_int32(static_cast<std::int32_t>(batch->size()));
    body.insert(body.end(), batch->begin(), batch->end());

    auto request = decode_message<produce_request>(body, 3);
    ASSERT_TRUE(request) << to_string(request.error());
    EXPECT_FALSE(request->transactional_id);
    EXPECT_EQ(request->acks, -1);
    EXPECT_EQ(request->timeout_ms, 30000);
    ASSERT_EQ(request->topic_data.size(), 1u);
    EXPECT_EQ(request->topic_data[0].name, "t");
    const auto& partition = request->topic_data[0].partition_data.at(0);
    EXPECT_EQ(partition.index, 2);
    ASSERT_TRUE(partition.records);
    EXPECT_EQ(*partition.records, *batch);
    auto parsed = parse_record_batch(*partition.records);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->records == records);

    bytes encoded;
    ASSERT_TRUE(encode_message(*request, 3, encoded));
    EXPECT_EQ(encoded, body);
}

TEST(header, tagged_header_fields_are_skipped) {
    bytes payload = of({0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff,
                        0x01, 0x05, 0x01, 0xaa});
    reader in(payload);
    auto header = decode_request_header(in);
    ASSERT_TRUE(header);
    EXPECT_FALSE(header->client_id);
    EXPECT_EQ(in.remaining(), 0u);
}

}  // namespace
}  // namespace laminar::kafka
