// The fuzz targets' seeds (tests/fuzz/seeds/) are made from the schemas: one request and one
// response per declared API and version, every request also as a whole frame, and a record batch
// per codec. This test checks that the committed seeds are exactly what the schemas give today,
// so a schema change cannot leave the fuzzers starting from stale inputs. To rewrite them:
//   LAMINAR_WRITE_FUZZ_SEEDS=1 build/release/tests/kafka_fuzz_seeds_test
#include <array>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "net/kafka/messages.h"
#include "net/kafka/records.h"
#include "tests/unit/fuzz_seed_files.h"
#include "tests/unit/kafka/populate.h"

namespace laminar::kafka {
namespace {

using seed_set = std::map<std::string, bytes>;

template <typename M>
bytes populated_body(std::int16_t version) {
    M message{};
    testing::populator fill(version, version % 2 == 1);
    fill.fill(message, field_spec{});
    bytes body;
    LAMINAR_ASSERT(encode_message(message, version, body));
    return body;
}

// Selector layout of request_decode_fuzz: implemented-API index, version offset, 0/1 = req/resp.
void add_message_seeds(seed_set& seeds) {
    int index = 0;
    for (const api_info& info : all_apis()) {
        if (!info.implemented()) continue;
        for (std::int16_t version = info.laminar_min; version <= info.laminar_max; ++version) {
            with_messages(info.key, [&](auto request, auto response) {
                std::string stem = std::string(info.name) + "_v" + std::to_string(version);
                std::array<bytes, 2> bodies = {populated_body<decltype(request)>(version),
                                               populated_body<decltype(response)>(version)};
                for (int which = 0; which < 2; ++which) {
                    bytes selected = {std::byte(index), std::byte(version - info.laminar_min),
                                      std::byte(which)};
                    selected.insert(selected.end(), bodies[which].begin(), bodies[which].end());
                    seeds[stem + (which ? "_response" : "_request")] = selected;
                }
                bytes frame(frame_size_bytes);
                writer out(frame);
                encode_request_header({info.key, version, 1, std::string("seed")}, out);
                out.write_raw(bodies[0]);
                out.patch_int32(0, static_cast<std::int32_t>(frame.size() - frame_size_bytes));
                seeds[stem + "_frame"] = frame;
            });
        }
        ++index;
    }
}

void add_batch_seeds(seed_set& seeds) {
    constexpr std::array<compression_codec, 5> codecs = {
        compression_codec::none, compression_codec::gzip, compression_codec::snappy,
        compression_codec::lz4, compression_codec::zstd};
    std::vector<record> records(3);
    for (int index = 0; index < 3; ++index) {
        records[index].offset_delta = index;
        records[index].timestamp_delta = index;
        records[index].key = bytes(2, std::byte{'k'});
        records[index].value = bytes(5 * static_cast<std::size_t>(index), std::byte{'v'});
        records[index].headers.push_back({"h", bytes(1, std::byte{'x'})});
    }
    for (compression_codec codec : codecs) {
        record_batch_options options;
        options.codec = codec;
        seeds[std::string(to_string(codec))] = build_record_batch(options, records).value();
    }
    record_batch_options control;
    control.control = true;
    control.transactional = true;
    std::array<record, 1> marker = {make_transaction_marker(control_record_type::abort, 3)};
    seeds["control"] = build_record_batch(control, marker).value();
}

void check_or_write(const std::string& target, const seed_set& seeds) {
    laminar::testing::check_or_write_fuzz_seeds(target, seeds);
}

TEST(fuzz_seeds, request_seeds_match_the_schemas) {
    seed_set seeds;
    add_message_seeds(seeds);
    for (const auto& [name, data] : seeds) {
        if (name.ends_with("_frame")) {
            EXPECT_TRUE(check_request(std::span(data).subspan(frame_size_bytes))) << name;
        }
    }
    check_or_write("request_decode_fuzz", seeds);
}

TEST(fuzz_seeds, record_batch_seeds_match_the_builder) {
    seed_set seeds;
    add_batch_seeds(seeds);
    for (const auto& [name, data] : seeds) EXPECT_TRUE(parse_record_batch(data)) << name;
    check_or_write("record_batch_fuzz", seeds);
}

}  // namespace
}  // namespace laminar::kafka
