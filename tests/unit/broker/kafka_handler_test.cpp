// Which APIs the broker serves (kafka_handler.h): every API and version the codec implements,
// and none other, so that an API advertised in ApiVersions is never refused.
#include "broker/kafka_handler.h"

#include <gtest/gtest.h>

#include "net/kafka/api_keys.h"

namespace laminar::broker {
namespace {

TEST(kafka_handler, the_broker_handles_every_api_the_codec_implements) {
    for (const auto& info : kafka::all_apis()) {
        EXPECT_EQ(broker_handles(info.key), info.implemented()) << info.name;
    }
}

}  // namespace
}  // namespace laminar::broker
