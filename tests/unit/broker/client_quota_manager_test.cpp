// Client quota enforcement (broker/client_quota_manager.h): which of Kafka's eight levels gives
// a client's quota group and bound, and the rate and throttle time of Kafka's ClientQuotaManager
// over its sample windows.
#include "broker/client_quota_manager.h"

#include <gtest/gtest.h>

#include "ctl/client_quotas.h"

namespace laminar::broker {
namespace {

using ctl::quota_entity;

ctl::metadata_image image_with(const std::vector<std::pair<quota_entity, double>>& quotas,
                               const std::string& key = "producer_byte_rate") {
    ctl::metadata_image image;
    std::vector<ctl::metadata_record> records;
    for (const auto& [entity, value] : quotas) {
        records.push_back(ctl::metadata_record::of(ctl::client_quota_record{entity, key, value}));
    }
    EXPECT_TRUE(image.apply(records));
    return image;
}

const std::optional<std::string> any;
quota_entity user(std::optional<std::string> name) { return {{"user", std::move(name)}}; }
quota_entity client(std::optional<std::string> name) { return {{"client-id", std::move(name)}}; }
quota_entity both(std::optional<std::string> u, std::optional<std::string> c) {
    return {{"client-id", std::move(c)}, {"user", std::move(u)}};
}

struct resolved {
    std::string user;
    std::string client_id;
    double bound;
    bool operator==(const resolved&) const = default;
};

std::optional<resolved> resolve(const ctl::metadata_image& image, std::string_view client_id) {
    auto found = resolve_client_quota(image, "producer_byte_rate", "ANONYMOUS", client_id);
    if (!found) return std::nullopt;
    return resolved{found->user, found->client_id, found->bytes_per_second};
}

TEST(client_quota_manager, the_most_specific_level_decides_group_and_bound) {
    EXPECT_EQ(resolve(image_with({}), "app"), std::nullopt);
    // Client ids alone: a group per client id, the default bounding each on its own.
    const auto clients = image_with({{client("app"), 10}, {client(any), 20}});
    EXPECT_EQ(resolve(clients, "app"), (resolved{"", "app", 10}));
    EXPECT_EQ(resolve(clients, "other"), (resolved{"", "other", 20}));
    // A user quota (ANONYMOUS, every connection here) outranks client ids: one group for all.
    const auto users = image_with({{user("ANONYMOUS"), 30}, {client("app"), 10}});
    EXPECT_EQ(resolve(users, "app"), (resolved{"ANONYMOUS", "", 30}));
    const auto default_user = image_with({{user(any), 40}, {client("app"), 10}});
    EXPECT_EQ(resolve(default_user, "app"), (resolved{"ANONYMOUS", "", 40}));
    // (user, client) levels outrank the user alone; (<default>, client) does not.
    const auto combined = image_with({{both("ANONYMOUS", "app"), 50}, {user("ANONYMOUS"), 30}});
    EXPECT_EQ(resolve(combined, "app"), (resolved{"ANONYMOUS", "app", 50}));
    EXPECT_EQ(resolve(combined, "other"), (resolved{"ANONYMOUS", "", 30}));
    const auto default_pair = image_with({{both(any, "app"), 60}, {user("ANONYMOUS"), 30}});
    EXPECT_EQ(resolve(default_pair, "app"), (resolved{"ANONYMOUS", "", 30}));
    const auto default_pair_alone = image_with({{both(any, any), 70}});
    EXPECT_EQ(resolve(default_pair_alone, "app"), (resolved{"ANONYMOUS", "app", 70}));
    // Another key does not count.
    const auto fetch_only = image_with({{client("app"), 10}}, "consumer_byte_rate");
    EXPECT_EQ(resolve(fetch_only, "app"), std::nullopt);
    EXPECT_TRUE(client_quota_of(fetch_only, quota_kind::fetch, "app"));
    EXPECT_FALSE(client_quota_of(fetch_only, quota_kind::produce, "app"));
}

TEST(client_quota_manager, rates_and_throttle_times_follow_kafkas_windows) {
    // 11 windows of a second: the rate is measured over at least 10 s.
    client_quota_registry registry({11, 1000});
    const quota_bound bound{"", "app", 1000};
    const std::int64_t t = 1'000'000;
    EXPECT_EQ(registry.record(quota_kind::produce, bound, 5000, t), 0);  // 500 B/s
    EXPECT_DOUBLE_EQ(registry.rate(quota_kind::produce, bound, t), 500);
    // 15000 B over 10 s: 1500 B/s, half over the bound: half the window, 5 s.
    EXPECT_EQ(registry.record(quota_kind::produce, bound, 10000, t), 5000);
    // Taken back, the rate is as before; other kinds and groups are apart.
    registry.unrecord(quota_kind::produce, bound, 10000, t);
    EXPECT_DOUBLE_EQ(registry.rate(quota_kind::produce, bound, t), 500);
    EXPECT_EQ(registry.rate(quota_kind::fetch, bound, t), 0);
    // After the 11 windows have passed, the bytes are forgotten.
    EXPECT_EQ(registry.rate(quota_kind::produce, bound, t + 11'000), 0);
    // A sample a second for 12 s: the ring keeps the last 11, from 10 s back, so 9900 bytes
    // over 10 s.
    client_quota_registry spread({11, 1000});
    for (int second = 0; second < 12; ++second) {
        EXPECT_EQ(spread.record(quota_kind::fetch, bound, 900, t + second * 1000), 0);
    }
    EXPECT_NEAR(spread.rate(quota_kind::fetch, bound, t + 11'000), 990, 1e-9);
}

}  // namespace
}  // namespace laminar::broker
