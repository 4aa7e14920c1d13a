// What the tests of the broker's log maintenance on a real partition_manager
// (log_maintenance_test, log_recovery_checkpoint_test) share: a metadata image holding topics,
// the wall clock, a sleep on the reactor. (Their suite log_maintenance is named like the class
// broker::log_maintenance, so a gtest fixture of that name would clash with it.)
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "broker/log_maintenance.h"
#include "broker/partition_manager.h"
#include "core/reactor.h"
#include "core/task.h"
#include "ctl/metadata_commands.h"

namespace laminar::broker::testing {

inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Broker 1 and the named topics (one partition each, with their configs).
inline ctl::metadata_image image_with_topics(
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>>& topics) {
    ctl::metadata_image image;
    std::vector<ctl::metadata_record> brokers{ctl::metadata_record::of(ctl::register_broker_record{
        1, ctl::random_uuid(), {{"PLAINTEXT", "127.0.0.1", 9092}}, ""})};
    EXPECT_TRUE(image.apply(brokers));
    auto generator = std::make_shared<std::mt19937>(7);
    for (const auto& [name, configs] : topics) {
        ctl::create_topic_request request{name, 1, 1, {}, configs};
        auto planned = ctl::plan_create_topic(image, request, {},
                                              [generator] { return (*generator)(); });
        EXPECT_TRUE(planned);
        EXPECT_TRUE(image.apply(*planned));
    }
    return image;
}

inline task<void> sleep_ms(std::int64_t ms) {
    (void)co_await io::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace laminar::broker::testing
