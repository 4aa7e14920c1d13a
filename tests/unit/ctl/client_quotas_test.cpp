// Client quotas (ctl/client_quotas.h) against Kafka 3.7's KRaft rules: AlterClientQuotas'
// validation, messages and all-or-nothing entities, the records it plans, and DescribeClientQuotas'
// filter errors and matching (exact, default, any, strict).
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "ctl/client_quotas.h"

namespace laminar::ctl {
namespace {

using entity_parts = std::vector<std::pair<std::string, std::optional<std::string>>>;

quota_alteration set(entity_parts entity, std::string key, double value) {
    return {std::move(entity), {{std::move(key), value, false}}};
}

quota_alteration remove(entity_parts entity, std::string key) {
    return {std::move(entity), {{std::move(key), 0, true}}};
}

// Plans `alterations` and applies the records; the outcomes' messages ("" for success).
std::vector<std::string> alter(metadata_image& image, std::vector<quota_alteration> alterations) {
    auto plan = plan_alter_client_quotas(image, alterations);
    EXPECT_TRUE(image.apply(plan.records));
    std::vector<std::string> messages;
    for (const auto& outcome : plan.outcomes) {
        if (outcome.error) {
            EXPECT_EQ(outcome.error->code, command_errc::invalid_request);
        }
        messages.push_back(outcome.error ? outcome.error->message : "");
    }
    return messages;
}

TEST(client_quotas, entities_print_as_kafka_prints_them) {
    EXPECT_EQ(describe_quota_entity({{"user", "alice"}, {"client-id", std::nullopt}}),
              "ClientQuotaEntity(entries={client-id=null, user=alice})");
    EXPECT_EQ(describe_quota_entity({{"ip", "10.1.2.3"}}),
              "ClientQuotaEntity(entries={ip=10.1.2.3})");
}

TEST(client_quotas, alterations_set_and_remove_keys) {
    metadata_image image;
    EXPECT_EQ(alter(image,
                    {set({{"user", "alice"}}, "producer_byte_rate", 1024),
                     set({{"user", std::nullopt}, {"client-id", "c1"}}, "request_percentage", 12.5),
                     set({{"ip", std::nullopt}}, "connection_creation_rate", 10),
                     set({{"ip", "::1"}}, "connection_creation_rate", 5)}),
              (std::vector<std::string>{"", "", "", ""}));
    ASSERT_EQ(image.client_quotas().size(), 4u);
    const quota_entity alice{{"user", "alice"}};
    EXPECT_EQ(image.client_quotas().at(alice).at("producer_byte_rate"), 1024);

    // Setting the value it has writes nothing; removing a key it lacks writes nothing and is not
    // checked (Kafka); removing the last key drops the entity.
    for (const auto& unchanged : {set({{"user", "alice"}}, "producer_byte_rate", 1024),
                                  remove({{"user", "alice"}}, "no_such_key")}) {
        auto plan = plan_alter_client_quotas(image, std::span(&unchanged, 1));
        EXPECT_TRUE(plan.records.empty());
        ASSERT_EQ(plan.outcomes.size(), 1u);
        EXPECT_FALSE(plan.outcomes[0].error);
    }
    EXPECT_EQ(alter(image, {remove({{"user", "alice"}}, "producer_byte_rate")}),
              (std::vector<std::string>{""}));
    EXPECT_FALSE(image.client_quotas().contains(alice));
}

TEST(client_quotas, invalid_entities_and_values_get_kafkas_messages) {
    metadata_image image;
    const double too_long = std::ldexp(1.0, 64);
    EXPECT_EQ(alter(image, {{{}, {{"producer_byte_rate", 1, false}}},
                            set({{"group", "g"}}, "producer_byte_rate", 1),
                            set({{"user", ""}}, "producer_byte_rate", 1),
                            set({{"ip", "10.0.0.1"}, {"user", "u"}}, "connection_creation_rate", 1),
                            set({{"ip", "not-an-address"}}, "connection_creation_rate", 1),
                            set({{"ip", "10.0.0.2"}}, "producer_byte_rate", 1),
                            set({{"user", "u1"}}, "connection_creation_rate", 1),
                            set({{"user", "u2"}}, "consumer_byte_rate", 0),
                            set({{"user", "u3"}}, "consumer_byte_rate", -5),
                            set({{"user", "u4"}}, "consumer_byte_rate", 10.5),
                            set({{"user", "u5"}}, "consumer_byte_rate", too_long),
                            set({{"ip", "10.0.0.3"}}, "connection_creation_rate", 3e9),
                            set({{"user", "u6"}}, "request_percentage",
                                std::numeric_limits<double>::quiet_NaN())}),
              (std::vector<std::string>{
                  "Invalid empty client quota entity", "Unhandled client quota entity type: group",
                  "Empty user not supported",
                  "Invalid quota entity combination, IP entity shouldnot be combined with User or "
                  "ClientId",
                  "not-an-address is not a valid IP or resolvable host.",
                  "Invalid configuration key producer_byte_rate",
                  "Invalid configuration key connection_creation_rate",
                  "Quota consumer_byte_rate must be greater than 0",
                  "Quota consumer_byte_rate must be greater than 0",
                  "consumer_byte_rate cannot be a fractional value.",
                  "Proposed value for consumer_byte_rate is too large for a LONG.",
                  "Proposed value for connection_creation_rate is too large for an INT.",
                  "Quota request_percentage must be greater than 0"}));
    EXPECT_TRUE(image.client_quotas().empty());
}

TEST(client_quotas, an_entity_is_changed_all_or_nothing_and_repeats_are_refused) {
    metadata_image image;
    const entity_parts bob{{"user", "bob"}};
    // A valid key and an invalid one: neither is set.
    quota_alteration mixed{bob, {{"producer_byte_rate", 100, false}, {"bogus", 1, false}}};
    EXPECT_EQ(alter(image, {mixed}), (std::vector<std::string>{"Invalid configuration key bogus"}));
    EXPECT_TRUE(image.client_quotas().empty());
    // A key twice in one entity: the entity is refused as a repeat.
    quota_alteration twice{
        bob, {{"producer_byte_rate", 100, false}, {"producer_byte_rate", 200, false}}};
    EXPECT_EQ(alter(image, {twice}),
              (std::vector<std::string>{
                  "Ignoring duplicate entity ClientQuotaEntity(entries={user=bob})"}));
    EXPECT_TRUE(image.client_quotas().empty());
    // An entity twice in one request: the first is applied, the one answer is an error.
    EXPECT_EQ(
        alter(image, {set(bob, "producer_byte_rate", 100), set(bob, "consumer_byte_rate", 300)}),
        (std::vector<std::string>{
            "Ignoring duplicate entity ClientQuotaEntity(entries={user=bob})"}));
    const quota_entity bob_entity{{"user", "bob"}};
    EXPECT_EQ(image.client_quotas().at(bob_entity),
              (std::map<std::string, double>{{"producer_byte_rate", 100}}));
    // A type repeated within an entity collapses, the last name winning.
    EXPECT_EQ(alter(image, {set({{"user", "x"}, {"user", "carol"}}, "producer_byte_rate", 7)}),
              (std::vector<std::string>{""}));
    EXPECT_TRUE(image.client_quotas().contains(quota_entity{{"user", "carol"}}));
}

// An image with quotas on: alice, the default user, alice with client c1, client c1, the
// default client, and an IP.
metadata_image described_image() {
    metadata_image image;
    EXPECT_EQ(alter(image, {set({{"user", "alice"}}, "producer_byte_rate", 1),
                            set({{"user", std::nullopt}}, "producer_byte_rate", 2),
                            set({{"user", "alice"}, {"client-id", "c1"}}, "producer_byte_rate", 3),
                            set({{"client-id", "c1"}}, "consumer_byte_rate", 4),
                            set({{"client-id", std::nullopt}}, "consumer_byte_rate", 5),
                            set({{"ip", "10.0.0.1"}}, "connection_creation_rate", 6)}),
              std::vector<std::string>(6, ""));
    return image;
}

std::vector<double> described(const metadata_image& image,
                              const std::vector<quota_filter_component>& components, bool strict) {
    auto found = describe_client_quotas(image, components, strict);
    EXPECT_TRUE(found);
    std::vector<double> values;
    if (!found) return values;
    for (const auto& entry : *found) {
        for (const auto& [key, value] : entry.values) values.push_back(value);
    }
    std::sort(values.begin(), values.end());
    return values;
}

TEST(client_quotas, descriptions_match_exact_default_and_any_names) {
    const auto image = described_image();
    const std::int8_t exact = 0;
    const std::int8_t default_name = 1;
    const std::int8_t any = 2;
    EXPECT_EQ(described(image, {}, false), (std::vector<double>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(described(image, {}, true), std::vector<double>{});
    EXPECT_EQ(described(image, {{"user", exact, "alice"}}, false), (std::vector<double>{1, 3}));
    EXPECT_EQ(described(image, {{"user", exact, "alice"}}, true), (std::vector<double>{1}));
    EXPECT_EQ(described(image, {{"user", default_name, std::nullopt}}, false),
              (std::vector<double>{2}));
    // "Any specified name" also matches the default entity, as Kafka's KRaft image does.
    EXPECT_EQ(described(image, {{"user", any, std::nullopt}}, true), (std::vector<double>{1, 2}));
    EXPECT_EQ(described(image, {{"client-id", any, std::nullopt}}, false),
              (std::vector<double>{3, 4, 5}));
    EXPECT_EQ(described(image, {{"user", exact, "alice"}, {"client-id", exact, "c1"}}, true),
              (std::vector<double>{3}));
    EXPECT_EQ(described(image, {{"ip", exact, "10.0.0.1"}}, false), (std::vector<double>{6}));
    EXPECT_EQ(described(image, {{"user", exact, "nobody"}}, false), std::vector<double>{});
}

TEST(client_quotas, invalid_filters_get_kafkas_errors) {
    const auto image = described_image();
    auto error_of = [&](const std::vector<quota_filter_component>& components) {
        auto found = describe_client_quotas(image, components, false);
        EXPECT_FALSE(found);
        return found ? command_error{command_errc::invalid_request, "none"} : found.error();
    };
    auto invalid = [&](const std::vector<quota_filter_component>& components) {
        auto error = error_of(components);
        EXPECT_EQ(error.code, command_errc::invalid_request);
        return error.message;
    };
    EXPECT_EQ(invalid({{"", 0, "x"}}), "Invalid empty entity type.");
    EXPECT_EQ(invalid({{"user", 0, "a"}, {"user", 2, std::nullopt}}),
              "Entity type user cannot appear more than once in the filter.");
    EXPECT_EQ(invalid({{"user", 0, std::nullopt}}),
              "Request specified MATCH_TYPE_EXACT, but set match string to null.");
    EXPECT_EQ(invalid({{"user", 1, "a"}}),
              "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.");
    EXPECT_EQ(invalid({{"user", 2, "a"}}),
              "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.");
    EXPECT_EQ(invalid({{"user", 7, std::nullopt}}), "Unknown match type 7");
    EXPECT_EQ(invalid({{"ip", 2, std::nullopt}, {"client-id", 2, std::nullopt}}),
              "Invalid entity filter component combination. IP filter component should not be "
              "used with user or clientId filter component.");
    const auto unsupported = error_of({{"group", 0, "g"}});
    EXPECT_EQ(unsupported.code, command_errc::unsupported_version);
    EXPECT_EQ(unsupported.message, "Unsupported entity type group");
}

}  // namespace
}  // namespace laminar::ctl
