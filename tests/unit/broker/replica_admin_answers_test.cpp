// ElectLeaders and the reassignment APIs on a one-node image (api_replica_admin.h), with
// Kafka's codes and messages, including a leaderless partition, which a one-node broker never
// has but Kafka's rules cover; answers too large are not built.
#include "broker/api_replica_admin.h"

#include <gtest/gtest.h>

namespace laminar::broker {
namespace {

constexpr std::int16_t unknown_topic_or_partition = 3;
constexpr std::int16_t invalid_replica_assignment = 39;
constexpr std::int16_t invalid_request = 42;
constexpr std::int16_t preferred_leader_not_available = 80;
constexpr std::int16_t eligible_leaders_not_available = 83;
constexpr std::int16_t election_not_needed = 84;
constexpr std::int16_t no_reassignment_in_progress = 85;

// Broker 1; topic "t" with partitions 0 and 1 led by broker 1, partition 2 without a leader.
ctl::metadata_image one_node() {
    ctl::metadata_image image;
    EXPECT_TRUE(image.apply(ctl::metadata_record::of(ctl::register_broker_record{1, {}, {}, ""})));
    const auto id = ctl::random_uuid();
    EXPECT_TRUE(image.apply(ctl::metadata_record::of(ctl::topic_record{"t", id})));
    for (std::int32_t p = 0; p < 3; ++p) {
        const std::int32_t leader = p == 2 ? -1 : 1;
        EXPECT_TRUE(image.apply(
            ctl::metadata_record::of(ctl::partition_record{id, p, {1}, {1}, leader, 0, 0})));
    }
    return image;
}

kafka::elect_leaders_request elect(std::vector<kafka::elect_leaders_topic> topics,
                                   std::int8_t type = 0) {
    kafka::elect_leaders_request request;
    request.election_type = type;
    request.topic_partitions = std::move(topics);
    return request;
}

TEST(replica_admin_answers, elections_are_not_needed_where_the_leader_leads) {
    const auto image = one_node();
    for (std::int8_t type : {0, 1}) {
        auto answer = *answer_elect_leaders(image, 2, elect({{"t", {0, 2, 7}}, {"x", {0}}}, type));
        EXPECT_EQ(answer.error_code, 0);
        ASSERT_EQ(answer.replica_election_results.size(), 2u);
        const auto& t = answer.replica_election_results[0].partition_result;
        ASSERT_EQ(t.size(), 3u);
        EXPECT_EQ(t[0].error_code, election_not_needed);
        EXPECT_EQ(t[0].error_message, "Leader election not needed for topic partition.");
        EXPECT_EQ(t[1].error_code,
                  type == 0 ? preferred_leader_not_available : eligible_leaders_not_available);
        EXPECT_EQ(t[2].error_code, unknown_topic_or_partition);
        EXPECT_EQ(t[2].error_message, "No such partition as t-7");
        const auto& x = answer.replica_election_results[1];
        EXPECT_EQ(x.topic, "x");
        EXPECT_EQ(x.partition_result[0].error_message, "No such topic as x");
    }
    // v0 has no election type: preferred, whatever the field holds.
    auto v0 = *answer_elect_leaders(image, 0, elect({{"t", {2}}}, 1));
    EXPECT_EQ(v0.replica_election_results[0].partition_result[0].error_code,
              preferred_leader_not_available);
}

TEST(replica_admin_answers, all_partitions_list_only_those_an_election_needed) {
    const auto image = one_node();
    kafka::elect_leaders_request all;
    all.topic_partitions.reset();
    auto answer = *answer_elect_leaders(image, 1, all);
    ASSERT_EQ(answer.replica_election_results.size(), 1u);
    const auto& t = answer.replica_election_results[0];
    EXPECT_EQ(t.topic, "t");
    ASSERT_EQ(t.partition_result.size(), 1u);  // the leaderless one
    EXPECT_EQ(t.partition_result[0].partition_id, 2);
    EXPECT_TRUE(answer_elect_leaders(image, 1, elect({}))->replica_election_results.empty());
}

TEST(replica_admin_answers, an_unknown_election_type_is_an_invalid_request) {
    auto answer = *answer_elect_leaders(one_node(), 1, elect({{"t", {0, 1}}}, 5));
    EXPECT_EQ(answer.error_code, invalid_request);
    ASSERT_EQ(answer.replica_election_results[0].partition_result.size(), 2u);
    EXPECT_EQ(answer.replica_election_results[0].partition_result[1].error_message,
              "Unknown election type 5");
}

TEST(replica_admin_answers, reassignments_are_checked_as_kafka_checks_an_assignment) {
    kafka::alter_partition_reassignments_request request;
    request.topics = {{"t",
                       {{0, std::vector<std::int32_t>{1}},
                        {0, std::vector<std::int32_t>{}},
                        {0, std::vector<std::int32_t>{1, 1}},
                        {0, std::vector<std::int32_t>{3, 1}},
                        {0, std::nullopt},
                        {4, std::vector<std::int32_t>{1}}}},
                      {"x", {{0, std::vector<std::int32_t>{1}}}}};
    auto answer = *answer_alter_partition_reassignments(one_node(), request);
    EXPECT_EQ(answer.error_code, 0);
    ASSERT_EQ(answer.responses.size(), 2u);
    const auto& t = answer.responses[0].partitions;
    ASSERT_EQ(t.size(), 6u);
    EXPECT_EQ(t[0].error_code, 0);
    EXPECT_FALSE(t[0].error_message.has_value());
    EXPECT_EQ(t[1].error_code, invalid_replica_assignment);
    EXPECT_EQ(t[2].error_message,
              "The manual partition assignment includes the broker 1 more than once.");
    EXPECT_EQ(t[3].error_message,  // broker 3 comes after 1 in id order, and is unknown
              "The manual partition assignment includes broker 3, but no such broker is "
              "registered.");
    EXPECT_EQ(t[4].error_code, no_reassignment_in_progress);
    EXPECT_FALSE(t[4].error_message.has_value());
    EXPECT_EQ(t[5].error_message, "Unable to find partition t:4.");
    EXPECT_EQ(answer.responses[1].partitions[0].error_message, "Unable to find a topic named x.");
    EXPECT_TRUE(answer_list_partition_reassignments({}).topics.empty());
}

TEST(replica_admin_answers, an_answer_many_times_its_request_is_not_built) {
    // 400,000 partitions of a 300-character unknown topic: 1.6 MB asking for ~160 MB of
    // messages naming it.
    const std::string long_name(300, 'n');
    std::vector<std::int32_t> partitions(400'000, 0);
    const auto image = one_node();
    EXPECT_FALSE(answer_elect_leaders(image, 2, elect({{long_name, partitions}})));
    kafka::alter_partition_reassignments_request moves;
    moves.topics = {{long_name, {}}};
    moves.topics[0].partitions.resize(400'000);
    EXPECT_FALSE(answer_alter_partition_reassignments(image, moves));
    // A tenth of that is answered.
    partitions.resize(40'000);
    auto answered = answer_elect_leaders(image, 2, elect({{long_name, partitions}}));
    ASSERT_TRUE(answered);
    EXPECT_EQ(answered->replica_election_results[0].partition_result.size(), 40'000u);
}

}  // namespace
}  // namespace laminar::broker
