// A Fetch response encoded with spliced records, with the bytes put in at the splice points
// afterwards, is byte for byte the response encoded with the records inline, at every version.
#include <gtest/gtest.h>

#include "net/kafka/fetch.h"

namespace laminar::kafka {
namespace {

fetch_response make_response(bool spliced, const std::vector<bytes>& contents) {
    fetch_response response;
    auto& topic = response.responses.emplace_back();
    topic.topic = "t";
    for (std::size_t i = 0; i < contents.size(); ++i) {
        auto& partition = topic.partitions.emplace_back();
        partition.partition_index = static_cast<std::int32_t>(i);
        partition.high_watermark = 10;
        if (spliced && !contents[i].empty()) {
            partition.records.splice_bytes = contents[i].size();
            partition.records.slot = static_cast<std::uint32_t>(i);
        } else {
            partition.records.data = contents[i];
        }
    }
    return response;
}

TEST(splice, spliced_encoding_equals_inline_encoding_at_every_version) {
    const std::vector<bytes> contents{bytes(100, std::byte{1}), bytes{}, bytes(7, std::byte{2})};
    for (std::int16_t version = 4; version <= 16; ++version) {
        bytes inline_encoded;
        ASSERT_TRUE(encode_message(make_response(false, contents), version, inline_encoded));
        bytes spliced_encoded;
        std::vector<splice_point> points;
        ASSERT_TRUE(
            encode_message(make_response(true, contents), version, spliced_encoded, &points));
        ASSERT_EQ(points.size(), 2u) << version;
        // Put the bytes in, back to front so earlier positions stay valid.
        for (auto point = points.rbegin(); point != points.rend(); ++point) {
            const auto& data = contents[point->slot];
            ASSERT_EQ(point->bytes, data.size());
            spliced_encoded.insert(spliced_encoded.begin() +
                                       static_cast<std::ptrdiff_t>(point->position),
                                   data.begin(), data.end());
        }
        EXPECT_EQ(spliced_encoded, inline_encoded) << "version " << version;
    }
}

TEST(splice, splicing_without_a_splice_list_is_an_error) {
    bytes out;
    EXPECT_FALSE(encode_message(make_response(true, {bytes(5, std::byte{1})}), 12, out));
}

}  // namespace
}  // namespace laminar::kafka
