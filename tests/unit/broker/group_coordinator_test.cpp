// Scenarios of the classic group protocol against the coordinator state machine, each checking
// the behaviour of Kafka 3.7's GroupCoordinator: error paths, rebalances and their deadlines,
// static membership, persist ordering, offsets, retention and replay.
#include "broker/group_coordinator.h"

#include <gtest/gtest.h>

#include <map>

#include "broker/group_records.h"
#include "broker/kafka_errors.h"

namespace laminar::broker::groups {
namespace {

constexpr std::int16_t err(kafka_error e) { return code(e); }

bytes subscription(std::initializer_list<std::string_view> topics) {
    bytes out;
    kafka::writer writer(out);
    writer.write_int16(0);
    writer.write_int32(static_cast<std::int32_t>(topics.size()));
    for (auto topic : topics) {
        writer.write_int16(static_cast<std::int16_t>(topic.size()));
        writer.write_raw(kafka::as_bytes(topic));
    }
    writer.write_int32(-1);
    return out;
}

bytes blob(std::string_view s) {
    auto span = kafka::as_bytes(s);
    return bytes(span.begin(), span.end());
}

struct harness {
    coordinator_config config;
    std::unique_ptr<group_coordinator> coordinator;
    std::int64_t now = 1'000'000;
    request_id next_id = 1;
    std::map<request_id, response> replies;
    std::vector<persist_effect> persists;
    std::vector<offsets_record> log;  // every durable record, in order

    explicit harness(coordinator_config c = {}, bool load = true) : config(c) {
        coordinator = std::make_unique<group_coordinator>(config, 7);
        if (load) coordinator->load_complete(now);
    }

    void drain() {
        for (auto& e : coordinator->take_effects()) {
            if (auto* r = std::get_if<reply_effect>(&e)) {
                EXPECT_FALSE(replies.contains(r->id)) << "two replies to request " << r->id;
                replies[r->id] = std::move(r->body);
            } else {
                persists.push_back(std::get<persist_effect>(std::move(e)));
            }
        }
    }

    template <typename T>
    std::optional<T> reply(request_id id) {
        auto found = replies.find(id);
        if (found == replies.end()) return std::nullopt;
        return std::get<T>(found->second);
    }

    join_request join_of(const std::string& member_id, std::string instance = "",
                         std::int32_t session = 10'000, std::int32_t rebalance = 30'000) {
        join_request r;
        r.group_id = "g";
        r.member_id = member_id;
        r.session_timeout_ms = session;
        r.rebalance_timeout_ms = rebalance;
        r.protocol_type = "consumer";
        r.protocols = {{"range", subscription({"t"})}};
        r.client_id = "client";
        r.client_host = "/127.0.0.1";
        if (!instance.empty()) r.group_instance_id = instance;
        return r;
    }

    request_id join(const join_request& r) {
        const request_id id = next_id++;
        coordinator->join(id, r, now);
        drain();
        return id;
    }
    request_id sync(const std::string& member_id, std::int32_t generation,
                    std::vector<sync_assignment> assignments = {}, std::string instance = "") {
        sync_request r;
        r.group_id = "g";
        r.member_id = member_id;
        r.generation_id = generation;
        r.assignments = std::move(assignments);
        if (!instance.empty()) r.group_instance_id = instance;
        const request_id id = next_id++;
        coordinator->sync(id, r, now);
        drain();
        return id;
    }
    std::int16_t heartbeat(const std::string& member_id, std::int32_t generation,
                           std::string instance = "") {
        heartbeat_request r{"g", generation, member_id, std::nullopt};
        if (!instance.empty()) r.group_instance_id = instance;
        const request_id id = next_id++;
        coordinator->heartbeat(id, r, now);
        drain();
        return reply<heartbeat_response>(id)->error_code;
    }
    request_id commit(const std::string& member_id, std::int32_t generation, std::int64_t offset,
                      std::string group = "g", std::optional<std::string> metadata = {}) {
        offset_commit_request r;
        r.group_id = group;
        r.member_id = member_id;
        r.generation_id_or_member_epoch = generation;
        r.topics = {{"t", {{0, offset, -1, -1, metadata}}}};
        const request_id id = next_id++;
        coordinator->offset_commit(id, r, now);
        drain();
        return id;
    }
    std::int16_t commit_error(request_id id) {
        return reply<offset_commit_response>(id)->topics.at(0).partitions.at(0).error_code;
    }
    std::int64_t fetched(std::string group = "g") {
        offset_fetch_request r{group, std::vector<fetch_topic>{{"t", {0}}}, false};
        return coordinator->offset_fetch(r).topics.at(0).partitions.at(0).committed_offset;
    }
    void complete_persists(std::int16_t error = 0) {
        auto pending = std::move(persists);
        persists.clear();
        for (auto& p : pending) {
            if (error == 0) log.insert(log.end(), p.records.begin(), p.records.end());
            coordinator->persisted(p.token, error, now);
            drain();
        }
    }
    void advance(std::int64_t ms) {
        now += ms;
        coordinator->advance(now);
        drain();
    }
    std::string state() { return coordinator->describe("g").state; }

    // A dynamic member through MEMBER_ID_REQUIRED; returns its id (its JoinGroup waits).
    std::pair<std::string, request_id> join_new(std::string instance = "") {
        auto r = join_of("", instance);
        r.require_known_member_id = true;
        const request_id first = join(r);
        if (!instance.empty()) return {"", first};
        auto required = reply<join_response>(first);
        EXPECT_EQ(required->error_code, err(kafka_error::member_id_required));
        r.member_id = required->member_id;
        return {r.member_id, join(r)};
    }
};

// A one-member group through its first rebalance to Stable; returns the member id.
std::string stable_single(harness& h) {
    auto [member, id] = h.join_new();
    h.advance(h.config.group_initial_rebalance_delay_ms);
    auto joined = h.reply<join_response>(id);
    EXPECT_TRUE(joined);
    const request_id sync = h.sync(member, 1, {{member, blob("A")}});
    h.complete_persists();
    EXPECT_EQ(h.reply<sync_response>(sync)->assignment, blob("A"));
    EXPECT_EQ(h.state(), "Stable");
    return member;
}

TEST(group_coordinator, requests_while_loading) {
    harness h({}, false);
    EXPECT_EQ(h.reply<join_response>(h.join(h.join_of("")))->error_code,
              err(kafka_error::coordinator_load_in_progress));
    EXPECT_EQ(h.reply<sync_response>(h.sync("m", 1))->error_code,
              err(kafka_error::rebalance_in_progress));
    EXPECT_EQ(h.heartbeat("m", 1), 0);  // Kafka answers blindly
    EXPECT_EQ(h.commit_error(h.commit("", -1, 5)),
              err(kafka_error::coordinator_load_in_progress));
    EXPECT_EQ(h.coordinator->offset_fetch({"g", std::nullopt, false}).error_code,
              err(kafka_error::coordinator_load_in_progress));
    EXPECT_EQ(h.coordinator->describe("g").error_code,
              err(kafka_error::coordinator_load_in_progress));
    EXPECT_FALSE(h.coordinator->next_deadline());
}

TEST(group_coordinator, join_validation_errors) {
    harness h;
    auto r = h.join_of("");
    r.session_timeout_ms = 5999;
    EXPECT_EQ(h.reply<join_response>(h.join(r))->error_code,
              err(kafka_error::invalid_session_timeout));
    r.session_timeout_ms = 1'800'001;
    EXPECT_EQ(h.reply<join_response>(h.join(r))->error_code,
              err(kafka_error::invalid_session_timeout));
    r = h.join_of("unknown-member");
    EXPECT_EQ(h.reply<join_response>(h.join(r))->error_code,
              err(kafka_error::unknown_member_id));
    r = h.join_of("");
    r.group_id = "";
    EXPECT_EQ(h.reply<join_response>(h.join(r))->error_code, err(kafka_error::invalid_group_id));
    r = h.join_of("");
    r.protocols.clear();
    EXPECT_EQ(h.reply<join_response>(h.join(r))->error_code,
              err(kafka_error::inconsistent_group_protocol));
}

TEST(group_coordinator, first_rebalance_waits_the_initial_delay_then_syncs_after_persist) {
    harness h;
    auto [member, id] = h.join_new();
    EXPECT_NE(member.find("client-"), std::string::npos);
    EXPECT_EQ(h.state(), "PreparingRebalance");
    EXPECT_EQ(*h.coordinator->next_deadline(), h.now + 3000);
    h.advance(2999);
    EXPECT_FALSE(h.reply<join_response>(id));
    h.advance(1);
    auto joined = h.reply<join_response>(id);
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->error_code, 0);
    EXPECT_EQ(joined->generation_id, 1);
    EXPECT_EQ(joined->leader, member);
    EXPECT_EQ(joined->protocol_name, "range");
    ASSERT_EQ(joined->members.size(), 1u);
    EXPECT_EQ(joined->members[0].metadata, subscription({"t"}));
    EXPECT_EQ(h.state(), "CompletingRebalance");

    const request_id sync = h.sync(member, 1, {{member, blob("A")}});
    EXPECT_FALSE(h.reply<sync_response>(sync)) << "the leader's SyncGroup waits for the append";
    ASSERT_EQ(h.persists.size(), 1u);
    h.complete_persists();
    EXPECT_EQ(h.reply<sync_response>(sync)->assignment, blob("A"));
    EXPECT_EQ(h.state(), "Stable");
    auto described = h.coordinator->describe("g");
    EXPECT_EQ(described.protocol_data, "range");
    ASSERT_EQ(described.members.size(), 1u);
    EXPECT_EQ(described.members[0].assignment, blob("A"));
    EXPECT_EQ(described.members[0].client_host, "/127.0.0.1");
}

TEST(group_coordinator, new_members_extend_the_initial_delay_up_to_the_rebalance_timeout) {
    coordinator_config config;
    config.group_initial_rebalance_delay_ms = 3000;
    harness h(config);
    auto first = h.join(h.join_of("", "", 10'000, 7000));  // rebalance timeout 7000
    h.advance(2000);
    auto second = h.join(h.join_of(""));
    h.advance(1000);  // first delay over; a member was added: another 3000 (remaining 4000)
    EXPECT_FALSE(h.reply<join_response>(first));
    auto third = h.join(h.join_of(""));
    h.advance(3000);  // second delay over; added again: min(3000, remaining 1000)
    EXPECT_FALSE(h.reply<join_response>(first));
    h.advance(1000);
    ASSERT_TRUE(h.reply<join_response>(first));
    EXPECT_EQ(h.reply<join_response>(second)->generation_id, 1);
    EXPECT_EQ(h.reply<join_response>(third)->generation_id, 1);
}

TEST(group_coordinator, followers_wait_for_the_leader_and_heartbeats_track_rebalances) {
    harness h;
    auto [a, ja] = h.join_new();
    auto [b, jb] = h.join_new();
    h.advance(6000);  // the second member extended the initial delay once
    const std::string leader = h.reply<join_response>(ja)->leader;
    const std::string follower = leader == a ? b : a;
    EXPECT_TRUE(h.reply<join_response>(leader == a ? jb : ja)->members.empty());
    EXPECT_EQ(h.heartbeat(follower, 1), 0);
    const request_id fs = h.sync(follower, 1);
    EXPECT_FALSE(h.reply<sync_response>(fs));
    const request_id ls = h.sync(leader, 1, {{leader, blob("L")}, {follower, blob("F")}});
    h.complete_persists();
    EXPECT_EQ(h.reply<sync_response>(fs)->assignment, blob("F"));
    EXPECT_EQ(h.reply<sync_response>(ls)->assignment, blob("L"));

    EXPECT_EQ(h.heartbeat(follower, 0), err(kafka_error::illegal_generation));
    EXPECT_EQ(h.heartbeat("nobody", 1), err(kafka_error::unknown_member_id));
    // A third member triggers a rebalance; the others learn it from their heartbeats.
    auto third = h.join(h.join_of(""));
    EXPECT_EQ(h.state(), "PreparingRebalance");
    EXPECT_EQ(h.heartbeat(follower, 1), err(kafka_error::rebalance_in_progress));
    EXPECT_EQ(h.reply<sync_response>(h.sync(follower, 1))->error_code,
              err(kafka_error::rebalance_in_progress));
    auto rl = h.join(h.join_of(leader));
    auto rf = h.join(h.join_of(follower));
    // Everyone has rejoined: the join completes at once, without waiting for a deadline.
    ASSERT_TRUE(h.reply<join_response>(third));
    EXPECT_EQ(h.reply<join_response>(rl)->generation_id, 2);
    EXPECT_EQ(h.reply<join_response>(rf)->members.size(), 0u);
    EXPECT_EQ(h.reply<join_response>(rl)->members.size(), 3u);
    EXPECT_EQ(h.reply<sync_response>(h.sync(follower, 1))->error_code,
              err(kafka_error::illegal_generation));
}

TEST(group_coordinator, session_expiry_removes_the_member_and_rebalances) {
    harness h;
    auto [a, ja] = h.join_new();
    auto [b, jb] = h.join_new();
    h.advance(6000);  // the second member extended the initial delay once
    const std::string leader = h.reply<join_response>(ja)->leader;
    const std::string other = leader == a ? b : a;
    h.sync(other, 1);
    h.sync(leader, 1, {});
    h.complete_persists();
    ASSERT_EQ(h.state(), "Stable");
    h.advance(9000);
    EXPECT_EQ(h.heartbeat(leader, 1), 0);
    h.advance(1000);  // `other` missed its session (10 s)
    EXPECT_EQ(h.state(), "PreparingRebalance");
    EXPECT_EQ(h.coordinator->describe("g").members.size(), 1u);
    auto rejoin = h.join(h.join_of(leader));
    auto joined = h.reply<join_response>(rejoin);
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->generation_id, 2);
    EXPECT_EQ(joined->members.size(), 1u);
}

TEST(group_coordinator, rebalance_timeout_drops_members_that_did_not_rejoin) {
    harness h;
    auto [a, ja] = h.join_new();
    auto [b, jb] = h.join_new();
    h.advance(6000);  // the second member extended the initial delay once
    const std::string leader = h.reply<join_response>(ja)->leader;
    const std::string other = leader == a ? b : a;
    h.sync(other, 1);
    h.sync(leader, 1, {});
    h.complete_persists();
    auto rejoin = h.join(h.join_of(leader));  // the leader's JoinGroup forces a rebalance
    EXPECT_EQ(h.state(), "PreparingRebalance");
    for (int i = 0; i < 3; ++i) {
        h.advance(9000);
        EXPECT_EQ(h.heartbeat(other, 1), err(kafka_error::rebalance_in_progress));
    }
    h.advance(3000);  // 30 s rebalance timeout
    auto joined = h.reply<join_response>(rejoin);
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->members.size(), 1u);
    EXPECT_EQ(h.heartbeat(other, 2), err(kafka_error::unknown_member_id));
}

TEST(group_coordinator, pending_member_that_never_rejoins_expires) {
    harness h;
    auto r = h.join_of("");
    r.require_known_member_id = true;
    auto first = h.reply<join_response>(h.join(r));
    ASSERT_EQ(first->error_code, err(kafka_error::member_id_required));
    h.advance(10'000);
    r.member_id = first->member_id;
    // The pending id has expired: it is no longer known.
    EXPECT_EQ(h.reply<join_response>(h.join(r))->error_code, err(kafka_error::unknown_member_id));
}

TEST(group_coordinator, protocol_selection_and_inconsistent_protocols) {
    harness h;
    auto r1 = h.join_of("");
    r1.protocols = {{"roundrobin", {}}, {"range", {}}};
    auto j1 = h.join(r1);
    auto r2 = h.join_of("");
    r2.protocols = {{"range", {}}, {"roundrobin", {}}};
    auto j2 = h.join(r2);
    auto r3 = h.join_of("");
    r3.protocols = {{"range", {}}, {"sticky", {}}};
    auto j3 = h.join(r3);
    auto r4 = h.join_of("");
    r4.protocols = {{"sticky", {}}};
    EXPECT_EQ(h.reply<join_response>(h.join(r4))->error_code,
              err(kafka_error::inconsistent_group_protocol));
    auto r5 = h.join_of("");
    r5.protocol_type = "connect";
    EXPECT_EQ(h.reply<join_response>(h.join(r5))->error_code,
              err(kafka_error::inconsistent_group_protocol));
    h.advance(6000);
    // Candidates supported by all: range only (roundrobin lacks member 3).
    EXPECT_EQ(h.reply<join_response>(j1)->protocol_name, "range");
    EXPECT_TRUE(h.reply<join_response>(j2));
    EXPECT_TRUE(h.reply<join_response>(j3));
}

TEST(group_coordinator, group_max_size) {
    coordinator_config config;
    config.group_max_size = 2;
    harness h(config);
    auto [a, ja] = h.join_new();
    auto [b, jb] = h.join_new();
    h.advance(6000);  // the second member extended the initial delay once
    const std::string leader = h.reply<join_response>(ja)->leader;
    h.sync(leader, 1, {});
    h.complete_persists();
    auto third = h.reply<join_response>(h.join(h.join_of("")));
    EXPECT_EQ(third->error_code, err(kafka_error::group_max_size_reached));
    EXPECT_EQ(third->member_id, "");
}

TEST(group_coordinator, leave_group_batch) {
    harness h;
    const std::string member = stable_single(h);
    leave_request r{"g", {{member, std::nullopt, "bye"}, {"ghost", std::nullopt, std::nullopt}}};
    h.coordinator->leave(100, r, h.now);
    h.drain();
    auto left = h.reply<leave_response>(100);
    ASSERT_EQ(left->members.size(), 2u);
    EXPECT_EQ(left->members[0].error_code, 0);
    EXPECT_EQ(left->members[1].error_code, err(kafka_error::unknown_member_id));
    // The last member left: the rebalance completes with nobody, the group is Empty and its
    // generation is written.
    EXPECT_EQ(h.state(), "Empty");
    EXPECT_EQ(*h.coordinator->generation("g"), 2);
    EXPECT_EQ(h.persists.size(), 1u);
    leave_request unknown_group{"other", {{"m", std::nullopt, std::nullopt}}};
    h.coordinator->leave(101, unknown_group, h.now);
    h.drain();
    EXPECT_EQ(h.reply<leave_response>(101)->members[0].error_code,
              err(kafka_error::unknown_member_id));
}

TEST(group_coordinator, static_member_rejoins_stable_group_without_rebalance) {
    harness h;
    auto first = h.join(h.join_of("", "instance-1"));
    auto [b, jb] = h.join_new();
    h.advance(6000);  // the second member extended the initial delay once
    auto joined = h.reply<join_response>(first);
    ASSERT_TRUE(joined);
    const std::string old_id = joined->member_id;
    EXPECT_EQ(old_id.rfind("instance-1-", 0), 0u);
    const std::string leader = joined->leader;
    h.sync(leader == old_id ? b : old_id, 1);
    h.sync(leader, 1, {{old_id, blob("S")}, {b, blob("B")}});
    h.complete_persists();
    ASSERT_EQ(h.state(), "Stable");

    // Restart of the static member: new member id, same instance id.
    auto rejoin = h.join(h.join_of("", "instance-1"));
    EXPECT_FALSE(h.reply<join_response>(rejoin)) << "answered after the member id is persisted";
    h.complete_persists();
    auto rejoined = h.reply<join_response>(rejoin);
    ASSERT_TRUE(rejoined);
    EXPECT_EQ(rejoined->error_code, 0);
    EXPECT_NE(rejoined->member_id, old_id);
    EXPECT_EQ(rejoined->generation_id, 1);
    EXPECT_EQ(h.state(), "Stable");
    EXPECT_EQ(h.reply<sync_response>(h.sync(rejoined->member_id, 1, {}, "instance-1"))
                  ->assignment,
              blob("S"));
    EXPECT_EQ(h.heartbeat(old_id, 1, "instance-1"), err(kafka_error::fenced_instance_id));
    EXPECT_EQ(h.reply<join_response>(h.join(h.join_of(old_id, "instance-1")))->error_code,
              err(kafka_error::fenced_instance_id));
}

TEST(group_coordinator, static_leader_rejoin_skips_assignment_on_v9) {
    harness h;
    auto first = h.join(h.join_of("", "leader-instance"));
    h.advance(3000);
    const std::string old_id = h.reply<join_response>(first)->member_id;
    h.sync(old_id, 1, {{old_id, blob("X")}});
    h.complete_persists();
    auto r = h.join_of("", "leader-instance");
    r.support_skip_assignment = true;
    auto rejoin = h.join(r);
    h.complete_persists();
    auto rejoined = h.reply<join_response>(rejoin);
    ASSERT_TRUE(rejoined);
    EXPECT_TRUE(rejoined->skip_assignment);
    EXPECT_EQ(rejoined->leader, rejoined->member_id);
    EXPECT_EQ(rejoined->members.size(), 1u);
    // Without v9 the old leader id comes back, so the client does not assign.
    auto old_version = h.join(h.join_of("", "leader-instance"));
    h.complete_persists();
    auto answer = h.reply<join_response>(old_version);
    EXPECT_FALSE(answer->skip_assignment);
    EXPECT_EQ(answer->leader, rejoined->member_id);
    EXPECT_NE(answer->member_id, rejoined->member_id);
}

TEST(group_coordinator, static_rejoin_persist_failure_reverts) {
    harness h;
    auto first = h.join(h.join_of("", "i"));
    h.advance(3000);
    const std::string old_id = h.reply<join_response>(first)->member_id;
    h.sync(old_id, 1, {{old_id, blob("X")}});
    h.complete_persists();
    auto rejoin = h.join(h.join_of("", "i"));
    h.complete_persists(err(kafka_error::not_leader_or_follower));
    EXPECT_EQ(h.reply<join_response>(rejoin)->error_code, err(kafka_error::not_coordinator));
    EXPECT_EQ(h.heartbeat(old_id, 1, "i"), 0);
}

TEST(group_coordinator, leader_sync_persist_failure_maps_the_error_and_rebalances) {
    harness h;
    auto [member, id] = h.join_new();
    h.advance(3000);
    const request_id sync = h.sync(member, 1, {{member, blob("A")}});
    h.complete_persists(err(kafka_error::request_timed_out));
    EXPECT_EQ(h.reply<sync_response>(sync)->error_code,
              err(kafka_error::coordinator_not_available));
    EXPECT_EQ(h.state(), "PreparingRebalance");
}

TEST(group_coordinator, members_that_do_not_sync_are_removed) {
    harness h;
    auto [a, ja] = h.join_new();
    auto [b, jb] = h.join_new();
    h.advance(6000);  // the second member extended the initial delay once
    const std::string leader = h.reply<join_response>(ja)->leader;
    h.sync(leader, 1, {});
    h.complete_persists();
    EXPECT_EQ(h.state(), "Stable");
    const std::string follower = leader == a ? b : a;
    for (int i = 0; i < 3; ++i) {  // both heartbeat, but the follower never sends SyncGroup
        h.advance(9000);
        EXPECT_EQ(h.heartbeat(leader, 1), 0);
        EXPECT_EQ(h.heartbeat(follower, 1), 0);
    }
    h.advance(3000);  // the rebalance timeout (30 s) after the join
    EXPECT_EQ(h.state(), "PreparingRebalance");
    EXPECT_EQ(h.coordinator->describe("g").members.size(), 1u);
    EXPECT_EQ(h.heartbeat(follower, 1), err(kafka_error::unknown_member_id));
}

TEST(group_coordinator, offsets_are_visible_only_after_the_append) {
    harness h;
    const std::string member = stable_single(h);
    const request_id commit = h.commit(member, 1, 42);
    EXPECT_FALSE(h.reply<offset_commit_response>(commit));
    EXPECT_EQ(h.fetched(), -1);
    offset_fetch_request stable{"g", std::vector<fetch_topic>{{"t", {0}}}, true};
    EXPECT_EQ(h.coordinator->offset_fetch(stable).topics[0].partitions[0].error_code,
              err(kafka_error::unstable_offset_commit));
    h.complete_persists();
    EXPECT_EQ(h.commit_error(commit), 0);
    EXPECT_EQ(h.fetched(), 42);
    // A failed append: the mapped error, and the old offset stays.
    const request_id failed = h.commit(member, 1, 50);
    h.complete_persists(err(kafka_error::not_leader_or_follower));
    EXPECT_EQ(h.commit_error(failed), err(kafka_error::not_coordinator));
    EXPECT_EQ(h.fetched(), 42);
    const request_id too_large = h.commit(member, 1, 60);
    h.complete_persists(err(kafka_error::record_list_too_large));
    EXPECT_EQ(h.commit_error(too_large), err(kafka_error::invalid_commit_offset_size));
}

TEST(group_coordinator, commit_validation) {
    harness h;
    EXPECT_EQ(h.commit_error(h.commit("m", 3, 1, "nogroup")),
              err(kafka_error::illegal_generation));
    const std::string member = stable_single(h);
    EXPECT_EQ(h.commit_error(h.commit("", -1, 1)), err(kafka_error::unknown_member_id));
    EXPECT_EQ(h.commit_error(h.commit("stranger", 1, 1)), err(kafka_error::unknown_member_id));
    EXPECT_EQ(h.commit_error(h.commit(member, 7, 1)), err(kafka_error::illegal_generation));
    const request_id large = h.commit(member, 1, 1, "g", std::string(4097, 'x'));
    EXPECT_EQ(h.commit_error(large), err(kafka_error::offset_metadata_too_large));
    EXPECT_TRUE(h.persists.empty());
    // The only member rejoins: the join completes at once, generation 2 is being synced.
    h.join(h.join_of(member));
    EXPECT_EQ(h.state(), "CompletingRebalance");
    EXPECT_EQ(h.commit_error(h.commit(member, 1, 1)), err(kafka_error::illegal_generation));
    EXPECT_EQ(h.commit_error(h.commit(member, 2, 1)), err(kafka_error::rebalance_in_progress));
    h.sync(member, 2, {{member, blob("A")}});
    h.complete_persists();
    h.join(h.join_of(""));  // a new member: PreparingRebalance, commits still allowed
    EXPECT_EQ(h.state(), "PreparingRebalance");
    const request_id during = h.commit(member, 2, 9);
    h.complete_persists();
    EXPECT_EQ(h.commit_error(during), 0);
}

TEST(group_coordinator, standalone_consumer_commits_fetches_and_retention) {
    coordinator_config config;
    config.offsets_retention_minutes = 1;
    config.offsets_retention_check_interval_ms = 10'000;
    harness h(config);
    EXPECT_EQ(h.fetched("solo"), -1);
    EXPECT_EQ(h.coordinator->describe("solo").state, "Dead");
    const request_id commit = h.commit("", -1, 7, "solo", "meta");
    h.complete_persists();
    EXPECT_EQ(h.commit_error(commit), 0);
    offset_fetch_response all = h.coordinator->offset_fetch({"solo", std::nullopt, false});
    ASSERT_EQ(all.topics.size(), 1u);
    EXPECT_EQ(all.topics[0].partitions[0].committed_offset, 7);
    EXPECT_EQ(all.topics[0].partitions[0].metadata, "meta");
    auto listed = h.coordinator->list({{"Empty"}});
    ASSERT_EQ(listed.groups.size(), 1u);
    EXPECT_EQ(listed.groups[0], (listed_group{"solo", "", "Empty"}));
    EXPECT_TRUE(h.coordinator->list({{"Stable"}}).groups.empty());
    // Retention: a minute after the commit, the next check removes offset and group.
    h.advance(60'000);
    EXPECT_EQ(h.fetched("solo"), -1);
    EXPECT_EQ(h.coordinator->group_count(), 0u);
    ASSERT_FALSE(h.persists.empty());
    const auto& tombstones = h.persists.back().records;
    ASSERT_EQ(tombstones.size(), 2u);
    EXPECT_FALSE(tombstones[0].value);
    EXPECT_EQ(decode_key(tombstones[0].key)->kind, record_key_kind::offset_commit);
    EXPECT_EQ(decode_key(tombstones[1].key)->kind, record_key_kind::group_metadata);
}

TEST(group_coordinator, empty_group_offsets_expire_from_when_it_became_empty) {
    coordinator_config config;
    config.offsets_retention_minutes = 1;
    config.offsets_retention_check_interval_ms = 10'000;
    harness h(config);
    const std::string member = stable_single(h);
    h.commit(member, 1, 5);
    h.complete_persists();
    for (int i = 0; i < 10; ++i) {  // a Stable group keeps its subscribed topics' offsets
        h.advance(9000);
        EXPECT_EQ(h.heartbeat(member, 1), 0);
    }
    EXPECT_EQ(h.fetched(), 5);
    leave_request r{"g", {{member, std::nullopt, std::nullopt}}};
    h.coordinator->leave(500, r, h.now);
    h.drain();
    ASSERT_EQ(h.state(), "Empty");
    h.advance(50'000);  // 140 s after the commit, but 50 s after the group became Empty
    EXPECT_EQ(h.fetched(), 5);
    h.advance(20'000);
    EXPECT_EQ(h.fetched(), -1);
    EXPECT_EQ(h.coordinator->group_count(), 0u);
}

TEST(group_coordinator, delete_groups_and_offset_delete) {
    harness h;
    const std::string member = stable_single(h);
    h.commit(member, 1, 5);
    h.complete_persists();
    offset_delete_request subscribed{"g", {{"t", {0}}, {"other", {1}}}};
    auto deleted = h.coordinator->offset_delete(subscribed, h.now);
    EXPECT_EQ(deleted.error_code, 0);
    EXPECT_EQ(deleted.topics[0].partitions[0].error_code,
              err(kafka_error::group_subscribed_to_topic));
    EXPECT_EQ(deleted.topics[1].partitions[0].error_code, 0);
    EXPECT_EQ(h.fetched(), 5);
    EXPECT_EQ(h.coordinator->offset_delete({"missing", {}}, h.now).error_code,
              err(kafka_error::group_id_not_found));

    auto results = h.coordinator->delete_groups({"g", "missing"}, h.now);
    EXPECT_EQ(results[0].error_code, err(kafka_error::non_empty_group));
    EXPECT_EQ(results[1].error_code, err(kafka_error::group_id_not_found));
    leave_request r{"g", {{member, std::nullopt, std::nullopt}}};
    h.coordinator->leave(900, r, h.now);
    h.drain();
    h.complete_persists();
    // Empty now: its offsets can be deleted, then the group.
    auto empty_delete = h.coordinator->offset_delete({"g", {{"t", {0}}}}, h.now);
    EXPECT_EQ(empty_delete.topics[0].partitions[0].error_code, 0);
    EXPECT_EQ(h.fetched(), -1);
    EXPECT_EQ(h.coordinator->group_count(), 0u) << "an Empty group without offsets is removed";
    EXPECT_EQ(h.coordinator->delete_groups({"g"}, h.now)[0].error_code,
              err(kafka_error::group_id_not_found));
}

TEST(group_coordinator, replay_of_the_log_restores_groups_and_offsets) {
    harness h;
    auto [a, ja] = h.join_new();
    auto sb = h.join(h.join_of("", "static-b"));
    h.advance(6000);  // the static member arrived during the initial delay: extended once
    const std::string leader = h.reply<join_response>(ja)->leader;
    const std::string b = h.reply<join_response>(sb)->member_id;
    h.sync(leader == a ? b : a, 1, {}, leader == a ? "static-b" : "");
    h.sync(leader, 1, {{a, blob("A")}, {b, blob("B")}}, leader == a ? "" : "static-b");
    h.complete_persists();
    h.commit(a, 1, 10);
    h.commit(a, 1, 20);
    h.complete_persists();
    h.commit("", -1, 3, "solo");
    h.complete_persists();

    harness reloaded({}, false);
    for (const auto& record : h.log) {
        std::optional<std::span<const std::byte>> value;
        if (record.value) value = std::span<const std::byte>(*record.value);
        reloaded.coordinator->load_record(record.key, value);
    }
    reloaded.coordinator->load_complete(reloaded.now);
    EXPECT_EQ(reloaded.fetched(), 20);
    EXPECT_EQ(reloaded.fetched("solo"), 3);
    EXPECT_EQ(*reloaded.coordinator->generation("g"), 1);
    auto described = reloaded.coordinator->describe("g");
    EXPECT_EQ(described.state, "Stable");
    ASSERT_EQ(described.members.size(), 2u);
    EXPECT_EQ(reloaded.reply<sync_response>(reloaded.sync(a, 1))->assignment, blob("A"));
    EXPECT_EQ(reloaded.heartbeat(b, 1, "static-b"), 0);
    // Sessions restart at load: a member that stops heartbeating is removed.
    reloaded.advance(9000);
    EXPECT_EQ(reloaded.heartbeat(a, 1), 0);
    reloaded.advance(1000);
    EXPECT_EQ(reloaded.state(), "PreparingRebalance");
}

TEST(group_coordinator, leave_by_group_instance_id_and_of_a_pending_member) {
    harness h;
    auto joined = h.join(h.join_of("", "admin-target"));
    auto r = h.join_of("");
    r.require_known_member_id = true;
    const std::string pending = h.reply<join_response>(h.join(r))->member_id;
    // Two ways out: a pending member by its id, a static member by its instance id alone.
    leave_request leave{"g", {{pending, std::nullopt, std::nullopt},
                              {"", std::string("admin-target"), std::nullopt},
                              {"", std::string("nobody"), std::nullopt}}};
    h.coordinator->leave(700, leave, h.now);
    h.drain();
    auto left = h.reply<leave_response>(700);
    EXPECT_EQ(left->members[0].error_code, 0);
    EXPECT_EQ(left->members[1].error_code, 0);
    EXPECT_EQ(left->members[2].error_code, err(kafka_error::unknown_member_id));
    // The removed member's waiting JoinGroup is answered, and the rebalance is over.
    EXPECT_EQ(h.reply<join_response>(joined)->error_code, err(kafka_error::unknown_member_id));
    h.advance(3000);
    EXPECT_EQ(h.state(), "Empty");
}

TEST(group_coordinator, a_newer_join_from_the_same_member_supersedes_the_older) {
    harness h;
    auto [member, first] = h.join_new();
    auto r = h.join_of(member);
    const request_id second = h.join(r);
    EXPECT_EQ(h.reply<join_response>(first)->error_code,
              err(kafka_error::rebalance_in_progress));
    h.advance(3000);
    EXPECT_EQ(h.reply<join_response>(second)->generation_id, 1);
}

TEST(group_coordinator, deleted_topics_lose_their_offsets) {
    harness h;
    h.commit("", -1, 4, "solo");
    h.complete_persists();
    h.coordinator->topics_deleted({"t"}, h.now);
    h.drain();
    EXPECT_EQ(h.fetched("solo"), -1);
    EXPECT_EQ(h.coordinator->group_count(), 0u);
    ASSERT_EQ(h.persists.size(), 1u);
    EXPECT_EQ(h.persists[0].records.size(), 2u);  // the offset's and the group's tombstones
}

TEST(group_coordinator, load_skips_damaged_records_and_keeps_groups_with_only_offsets) {
    harness h({}, false);
    const bytes garbage = blob("\x00\x07junk");
    h.coordinator->load_record(garbage, std::nullopt);
    const auto key = encode_offset_commit_key("offsets-only", "t", 0);
    const auto value = encode_offset_commit_value({11, -1, "", 5, -1}, 0);
    h.coordinator->load_record(key, std::span<const std::byte>(value));
    const auto damaged = encode_offset_commit_key("offsets-only", "t", 1);
    h.coordinator->load_record(damaged, std::span<const std::byte>(garbage));
    const auto group_key = encode_group_metadata_key("gone");
    group_metadata_value gone;
    gone.protocol_type = "consumer";
    const auto gone_value = encode_group_metadata_value(gone);
    h.coordinator->load_record(group_key, std::span<const std::byte>(gone_value));
    h.coordinator->load_record(group_key, std::nullopt);  // deleted later in the log
    h.coordinator->load_complete(h.now);
    EXPECT_EQ(h.fetched("offsets-only"), 11);
    EXPECT_EQ(h.coordinator->describe("offsets-only").state, "Empty");
    EXPECT_EQ(h.coordinator->describe("gone").state, "Dead");
    EXPECT_EQ(h.coordinator->group_count(), 1u);
}

TEST(group_coordinator, static_members_outlive_the_rebalance_timeout_until_their_session_ends) {
    harness h;
    auto first = h.join(h.join_of("", "s", 10'000, 1000));
    h.advance(3000);
    const std::string member = h.reply<join_response>(first)->member_id;
    h.sync(member, 1, {{member, blob("A")}}, "s");
    h.complete_persists();
    auto other = h.join(h.join_of("", "", 10'000, 1000));  // a new member: rebalance
    EXPECT_EQ(h.state(), "PreparingRebalance");
    h.advance(1000);  // the rebalance timeout: the static member did not rejoin but stays
    auto joined = h.reply<join_response>(other);
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->members.size(), 2u);
    EXPECT_EQ(h.coordinator->describe("g").members.size(), 2u);
    // Nobody syncs and the static member stops: its session and the pending sync end it.
    h.advance(10'000);
    EXPECT_EQ(h.heartbeat(member, 2, "s"), err(kafka_error::unknown_member_id));
}

// ---- TxnOffsetCommit (a transaction's offsets count at its COMMIT marker) ----

request_id txn_commit(harness& h, std::int64_t producer_id, std::int64_t offset,
                      const std::string& member = "", std::int32_t generation = -1) {
    txn_offset_commit_request r;
    r.producer_id = producer_id;
    r.producer_epoch = 2;
    r.commit.group_id = "g";
    r.commit.member_id = member;
    r.commit.generation_id_or_member_epoch = generation;
    r.commit.topics = {{"t", {{0, offset, -1, -1, std::nullopt}}}};
    const request_id id = h.next_id++;
    h.coordinator->txn_offset_commit(id, r, h.now);
    h.drain();
    return id;
}

std::int16_t stable_fetch_error(harness& h) {
    offset_fetch_request r{"g", std::vector<fetch_topic>{{"t", {0}}}, true};
    return h.coordinator->offset_fetch(r).topics.at(0).partitions.at(0).error_code;
}

TEST(group_coordinator_txn, offsets_count_once_the_transaction_commits) {
    harness h;
    const request_id id = txn_commit(h, 77, 40);
    ASSERT_EQ(h.persists.size(), 1u);
    EXPECT_EQ(h.persists[0].producer_id, 77);  // a transactional batch of the producer
    EXPECT_EQ(h.persists[0].producer_epoch, 2);
    h.complete_persists();
    EXPECT_EQ(h.commit_error(id), 0);
    EXPECT_EQ(h.fetched(), -1);
    EXPECT_EQ(stable_fetch_error(h), err(kafka_error::unstable_offset_commit));
    h.coordinator->txn_completed(77, true);
    EXPECT_EQ(h.fetched(), 40);
    EXPECT_EQ(stable_fetch_error(h), 0);

    txn_commit(h, 77, 50);
    h.complete_persists();
    h.coordinator->txn_completed(77, false);  // aborted: dropped
    EXPECT_EQ(h.fetched(), 40);
    EXPECT_EQ(stable_fetch_error(h), 0);
}

TEST(group_coordinator_txn, a_later_plain_commit_wins_over_the_transaction) {
    harness h;
    txn_commit(h, 77, 40);
    h.complete_persists();
    h.commit("", -1, 45);
    h.complete_persists();
    h.coordinator->txn_completed(77, true);
    EXPECT_EQ(h.fetched(), 45);
}

TEST(group_coordinator_txn, a_failed_append_drops_the_pending_offsets) {
    harness h;
    const request_id id = txn_commit(h, 77, 40);
    h.complete_persists(err(kafka_error::not_leader_or_follower));
    EXPECT_EQ(h.commit_error(id), err(kafka_error::not_coordinator));
    EXPECT_EQ(stable_fetch_error(h), 0);
    h.coordinator->txn_completed(77, true);
    EXPECT_EQ(h.fetched(), -1);
}

TEST(group_coordinator_txn, members_are_checked_when_named_and_any_state_takes_anonymous_ones) {
    harness h;
    const std::string member = stable_single(h);
    EXPECT_EQ(h.commit_error(txn_commit(h, 77, 1, "stranger", 1)),
              err(kafka_error::unknown_member_id));
    EXPECT_EQ(h.commit_error(txn_commit(h, 77, 1, member, 9)),
              err(kafka_error::illegal_generation));
    // Old clients name no member: taken in a Stable group (a plain commit would be refused).
    const request_id anonymous = txn_commit(h, 77, 5);
    h.complete_persists();
    EXPECT_EQ(h.commit_error(anonymous), 0);
    EXPECT_EQ(h.commit_error(h.commit("", -1, 6)), err(kafka_error::unknown_member_id));
    const request_id named = txn_commit(h, 78, 7, member, 1);
    h.complete_persists();
    EXPECT_EQ(h.commit_error(named), 0);
}

TEST(group_coordinator_txn, replay_settles_transactions_by_their_markers) {
    harness h;
    h.commit("", -1, 10);
    h.complete_persists();
    const auto plain = h.log;
    auto txn_record = [&](std::int64_t offset) {
        offset_commit_value value{offset, -1, "", h.now, -1};
        return offsets_record{encode_offset_commit_key("g", "t", 0),
                              encode_offset_commit_value(value, 3)};
    };
    auto load = [&](harness& into, const offsets_record& record, std::int64_t producer_id) {
        into.coordinator->load_record(record.key, std::span<const std::byte>(*record.value),
                                      producer_id);
    };
    // Committed (77), aborted (78), still open (79, later than the plain commit).
    harness reloaded({}, false);
    load(reloaded, plain[0], -1);
    load(reloaded, txn_record(20), 77);
    load(reloaded, txn_record(30), 78);
    reloaded.coordinator->load_txn_marker(78, false);
    reloaded.coordinator->load_txn_marker(77, true);
    load(reloaded, txn_record(40), 79);
    reloaded.coordinator->load_complete(reloaded.now);
    EXPECT_EQ(reloaded.fetched(), 20);
    EXPECT_EQ(stable_fetch_error(reloaded), err(kafka_error::unstable_offset_commit));
    reloaded.coordinator->txn_completed(79, true);
    EXPECT_EQ(reloaded.fetched(), 40);

    // A plain commit after a transaction's record, before its COMMIT, stays.
    harness newer({}, false);
    load(newer, txn_record(20), 77);
    load(newer, plain[0], -1);
    newer.coordinator->load_txn_marker(77, true);
    newer.coordinator->load_complete(newer.now);
    EXPECT_EQ(newer.fetched(), 10);
}

TEST(group_coordinator_txn, each_write_settles_only_its_own_offset) {
    harness h;
    txn_commit(h, 77, 40);
    txn_commit(h, 77, 41);  // the same partition again while the first is in flight
    ASSERT_EQ(h.persists.size(), 2u);
    auto pending = std::move(h.persists);
    h.persists.clear();
    h.coordinator->persisted(pending[0].token, 0, h.now);
    h.coordinator->persisted(pending[1].token, err(kafka_error::not_leader_or_follower), h.now);
    h.drain();
    h.coordinator->txn_completed(77, true);
    EXPECT_EQ(h.fetched(), -1);  // 41 replaced 40 and was never written
}

TEST(group_coordinator_txn, a_commit_after_load_beats_a_transaction_left_open) {
    auto value = [](std::int64_t offset) {
        return encode_offset_commit_value(offset_commit_value{offset, -1, "", 1, -1}, 3);
    };
    harness reloaded({}, false);
    const auto key = encode_offset_commit_key("g", "t", 0);
    reloaded.coordinator->load_record(key, std::span<const std::byte>(value(20)), 77);
    reloaded.coordinator->load_complete(reloaded.now);
    const request_id id = reloaded.commit("", -1, 30);  // the first write after the load
    reloaded.coordinator->txn_completed(77, true);      // settles while it is in flight
    reloaded.complete_persists();
    EXPECT_EQ(reloaded.commit_error(id), 0);
    EXPECT_EQ(reloaded.fetched(), 30);
}

}  // namespace
}  // namespace laminar::broker::groups
