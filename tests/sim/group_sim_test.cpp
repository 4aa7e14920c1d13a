// Deterministic simulation of one group coordinator with many consumers. A seeded scheduler
// moves the clock in random steps and lets simulated members join, sync (the leader runs a
// round-robin assignor over the topic's partitions), heartbeat, commit increasing offsets,
// leave, crash (stop sending) and restart (static members with their group.instance.id).
// Appends complete after random delays and sometimes fail; now and then the coordinator is
// rebuilt from the durable records, as after a restart. After every step:
//   - no generation gives a partition to two members;
//   - committed offsets never move backwards;
//   - no request gets two replies, nor a reply it did not ask for;
//   - a reload yields the committed offsets (and, for a Stable group, the generation) it had.
// Then the chaos stops, the live members keep heartbeating, and the group must become Stable
// with every live member holding an assignment of the current generation, every request
// answered. Each run prints `group_sim seed=<n>`; LAMINAR_SIM_SEED=<n> reruns one seed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "broker/group_coordinator.h"
#include "broker/kafka_errors.h"
#include "net/kafka/wire.h"

namespace laminar::broker::groups {
namespace {

constexpr int partition_count = 8;
constexpr int member_count = 6;          // of which the first static_count are static
constexpr int static_count = 2;
constexpr int chaos_steps = 2000;
constexpr int calm_steps = 400;          // 500 ms each
constexpr std::int32_t session_timeout_ms = 10'000;
constexpr std::int32_t rebalance_timeout_ms = 20'000;
constexpr std::int64_t heartbeat_interval_ms = 3'000;
const std::string group_id = "sim-group";
const std::string topic = "t";

constexpr std::int16_t err(kafka_error e) { return code(e); }

bytes subscription() {
    bytes out;
    kafka::writer writer(out);
    writer.write_int16(0);
    writer.write_int32(1);
    writer.write_int16(static_cast<std::int16_t>(topic.size()));
    writer.write_raw(kafka::as_bytes(topic));
    writer.write_int32(-1);
    return out;
}

bytes encode_partitions(const std::vector<std::int32_t>& partitions) {
    bytes out;
    kafka::writer writer(out);
    for (auto p : partitions) writer.write_int32(p);
    return out;
}

std::vector<std::int32_t> decode_partitions(const bytes& data) {
    std::vector<std::int32_t> partitions;
    kafka::reader reader(data);
    while (reader.remaining() >= 4) partitions.push_back(*reader.read_int32());
    return partitions;
}

enum class phase { idle, joining, syncing, stable, waiting, crashed, gone };
enum class request_kind { join, sync, heartbeat, commit, leave };

struct sim_member {
    int index = 0;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string member_id;
    phase status = phase::idle;
    std::int32_t generation = -1;
    std::vector<std::int32_t> assignment;
    std::int64_t last_heartbeat_ms = 0;
    std::optional<request_id> outstanding;
    request_kind outstanding_kind = request_kind::join;
    phase after_reply = phase::stable;  // where a heartbeat or commit returns to
};

struct simulation {
    std::mt19937_64 random;
    coordinator_config config;
    std::unique_ptr<group_coordinator> coordinator;
    std::int64_t now = 1'700'000'000'000;
    request_id next_id = 1;
    std::int64_t next_offset = 1;
    std::vector<sim_member> members;
    std::map<request_id, std::pair<int, request_kind>> outstanding;  // -> member, kind
    std::vector<persist_effect> in_flight;
    std::vector<offsets_record> log;  // durable records in order
    std::map<std::int32_t, std::map<std::int32_t, std::string>> owners;  // gen -> p -> owner
    std::map<std::int32_t, std::int64_t> committed;  // the highest offset seen per partition
    std::string failure;
    std::uint64_t seed = 0;
    struct {
        std::uint64_t commits_acknowledged = 0, persist_failures = 0, reloads = 0, crashes = 0,
                      restarts = 0, leaves = 0, fenced = 0, syncs = 0;
    } stats;

    explicit simulation(std::uint64_t seed_in) : random(seed_in), seed(seed_in) {
        coordinator = std::make_unique<group_coordinator>(config, seed_in);
        coordinator->load_complete(now);
        for (int i = 0; i < member_count; ++i) {
            sim_member m;
            m.index = i;
            m.client_id = "consumer-" + std::to_string(i);
            if (i < static_count) m.instance_id = "instance-" + std::to_string(i);
            members.push_back(std::move(m));
        }
    }

    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(random) < p; }
    std::int64_t uniform(std::int64_t low, std::int64_t high) {
        return std::uniform_int_distribution<std::int64_t>(low, high)(random);
    }
    void fail(const std::string& what) {
        if (failure.empty()) failure = what;
    }

    request_id issue(sim_member& m, request_kind kind) {
        const request_id id = next_id++;
        outstanding[id] = {m.index, kind};
        m.outstanding = id;
        m.outstanding_kind = kind;
        return id;
    }

    // ---- members' requests ----

    void send_join(sim_member& m) {
        join_request r;
        r.group_id = group_id;
        r.member_id = m.member_id;
        r.group_instance_id = m.instance_id;
        r.session_timeout_ms = session_timeout_ms;
        r.rebalance_timeout_ms = rebalance_timeout_ms;
        r.protocol_type = "consumer";
        r.protocols = {{"roundrobin", subscription()}};
        r.client_id = m.client_id;
        r.client_host = "/10.0.0." + std::to_string(m.index);
        r.require_known_member_id = true;
        r.support_skip_assignment = true;
        m.status = phase::joining;
        coordinator->join(issue(m, request_kind::join), r, now);
    }

    void send_sync(sim_member& m, std::vector<sync_assignment> assignments) {
        sync_request r{group_id, m.generation, m.member_id, m.instance_id, "consumer",
                       "roundrobin", std::move(assignments)};
        m.status = phase::syncing;
        coordinator->sync(issue(m, request_kind::sync), r, now);
    }

    void send_heartbeat(sim_member& m) {
        m.last_heartbeat_ms = now;
        m.status = phase::waiting;
        heartbeat_request r{group_id, m.generation, m.member_id, m.instance_id};
        coordinator->heartbeat(issue(m, request_kind::heartbeat), r, now);
    }

    void send_commit(sim_member& m) {
        offset_commit_request r;
        r.group_id = group_id;
        r.generation_id_or_member_epoch = m.generation;
        r.member_id = m.member_id;
        r.group_instance_id = m.instance_id;
        commit_topic t{topic, {}};
        for (auto p : m.assignment) t.partitions.push_back({p, next_offset++, -1, -1, {}});
        r.topics.push_back(std::move(t));
        m.status = phase::waiting;
        coordinator->offset_commit(issue(m, request_kind::commit), r, now);
    }

    void send_leave(sim_member& m) {
        leave_request r{group_id, {{m.member_id, m.instance_id, std::string("sim")}}};
        m.status = phase::waiting;
        coordinator->leave(issue(m, request_kind::leave), r, now);
    }

    // ---- replies ----

    void rejoin(sim_member& m, std::int16_t error) {
        if (error == err(kafka_error::unknown_member_id) ||
            error == err(kafka_error::illegal_generation)) {
            if (error == err(kafka_error::unknown_member_id)) m.member_id.clear();
            m.generation = -1;
        }
        if (error == err(kafka_error::fenced_instance_id)) {
            ++stats.fenced;
            m.status = phase::gone;  // a fenced static member shuts down
            return;
        }
        m.assignment.clear();
        m.status = phase::idle;
    }

    void on_join(sim_member& m, const join_response& r) {
        if (r.error_code == err(kafka_error::member_id_required)) {
            m.member_id = r.member_id;
            m.status = phase::idle;
            return;
        }
        if (r.error_code != 0) return rejoin(m, r.error_code);
        m.member_id = r.member_id;
        m.generation = r.generation_id;
        std::vector<sync_assignment> assignments;
        if (r.leader == m.member_id && !r.skip_assignment) {
            std::vector<std::string> ids;
            for (const auto& member : r.members) ids.push_back(member.member_id);
            std::sort(ids.begin(), ids.end());
            std::map<std::string, std::vector<std::int32_t>> plan;
            for (const auto& id : ids) plan[id];
            for (std::int32_t p = 0; p < partition_count; ++p) {
                plan[ids[static_cast<std::size_t>(p) % ids.size()]].push_back(p);
            }
            for (const auto& [id, partitions] : plan) {
                assignments.push_back({id, encode_partitions(partitions)});
            }
        }
        send_sync(m, std::move(assignments));
    }

    void on_sync(sim_member& m, const sync_response& r) {
        if (r.error_code != 0) return rejoin(m, r.error_code);
        ++stats.syncs;
        m.assignment = decode_partitions(r.assignment);
        m.status = phase::stable;
        m.last_heartbeat_ms = now;
        const std::string owner = m.instance_id.value_or(m.member_id);
        for (auto p : m.assignment) {
            auto [it, inserted] = owners[m.generation].emplace(p, owner);
            if (!inserted && it->second != owner) {
                fail("generation " + std::to_string(m.generation) + " gives partition " +
                     std::to_string(p) + " to " + it->second + " and " + owner);
            }
        }
    }

    void on_reply(const reply_effect& reply) {
        auto found = outstanding.find(reply.id);
        if (found == outstanding.end()) {
            fail("a reply to request " + std::to_string(reply.id) + " that is not outstanding");
            return;
        }
        sim_member& m = members[static_cast<std::size_t>(found->second.first)];
        outstanding.erase(found);
        if (m.outstanding != reply.id) return;  // the member has moved on (after a reload)
        m.outstanding.reset();
        if (m.status == phase::crashed || m.status == phase::gone) return;
        if (auto* join = std::get_if<join_response>(&reply.body)) return on_join(m, *join);
        if (auto* sync = std::get_if<sync_response>(&reply.body)) return on_sync(m, *sync);
        if (auto* beat = std::get_if<heartbeat_response>(&reply.body)) {
            if (beat->error_code == 0) {
                m.status = phase::stable;
            } else {
                rejoin(m, beat->error_code);
            }
            return;
        }
        if (auto* commit = std::get_if<offset_commit_response>(&reply.body)) {
            std::int16_t error = 0;
            for (const auto& t : commit->topics) {
                for (const auto& p : t.partitions) error = error ? error : p.error_code;
            }
            if (error == 0) ++stats.commits_acknowledged;
            if (error == 0 || error == err(kafka_error::coordinator_not_available) ||
                error == err(kafka_error::not_coordinator)) {
                m.status = phase::stable;
            } else {
                rejoin(m, error);
            }
            return;
        }
        if (std::get_if<leave_response>(&reply.body)) {
            // Left: comes back later as a new member.
            m.member_id.clear();
            m.generation = -1;
            m.assignment.clear();
            m.status = phase::crashed;
        }
    }

    void drain() {
        for (int rounds = 0; rounds < 100; ++rounds) {
            auto effects = coordinator->take_effects();
            if (effects.empty()) return;
            for (auto& e : effects) {
                if (auto* reply = std::get_if<reply_effect>(&e)) {
                    on_reply(*reply);
                } else {
                    in_flight.push_back(std::get<persist_effect>(std::move(e)));
                }
            }
        }
    }

    // ---- the world ----

    void complete_persists(bool chaos) {
        // The log appends in order: complete a prefix of what is in flight.
        std::size_t done = 0;
        while (done < in_flight.size() && (!chaos || chance(0.5))) {
            auto p = std::move(in_flight[done]);
            ++done;
            std::int16_t error = 0;
            if (chaos && chance(0.1)) {
                error = chance(0.5) ? err(kafka_error::not_leader_or_follower)
                                    : err(kafka_error::request_timed_out);
            }
            if (error == 0) log.insert(log.end(), p.records.begin(), p.records.end());
            else ++stats.persist_failures;
            coordinator->persisted(p.token, error, now);
            drain();
        }
        in_flight.erase(in_flight.begin(), in_flight.begin() + static_cast<long>(done));
    }

    void act(sim_member& m, bool chaos) {
        if (m.outstanding) return;
        switch (m.status) {
        case phase::idle: send_join(m); return;
        case phase::stable:
            if (chaos && chance(0.01)) {
                ++stats.crashes;
                m.status = phase::crashed;
                return;
            }
            if (chaos && chance(0.005)) {
                ++stats.leaves;
                return send_leave(m);
            }
            if (now - m.last_heartbeat_ms >= heartbeat_interval_ms) return send_heartbeat(m);
            if (!m.assignment.empty() && chance(0.2)) return send_commit(m);
            return;
        case phase::crashed:
            if (chaos && chance(0.05)) {
                // A restart: a static member keeps its instance id, a dynamic one starts over.
                ++stats.restarts;
                m.member_id.clear();
                m.generation = -1;
                m.assignment.clear();
                m.status = phase::idle;
            }
            return;
        case phase::joining:
        case phase::syncing:
        case phase::waiting:
        case phase::gone: return;
        }
    }

    void check_offsets() {
        for (std::int32_t p = 0; p < partition_count; ++p) {
            auto offset = coordinator->committed_offset(group_id, topic, p);
            auto seen = committed.find(p);
            if (!offset) {
                if (seen != committed.end()) fail("the offset of partition " +
                                                  std::to_string(p) + " disappeared");
                continue;
            }
            if (seen != committed.end() && *offset < seen->second) {
                fail("partition " + std::to_string(p) + " went back from " +
                     std::to_string(seen->second) + " to " + std::to_string(*offset));
            }
            committed[p] = *offset;
        }
    }

    void reload() {
        ++stats.reloads;
        std::map<std::int32_t, std::optional<std::int64_t>> before;
        for (std::int32_t p = 0; p < partition_count; ++p) {
            before[p] = coordinator->committed_offset(group_id, topic, p);
        }
        const bool stable = coordinator->describe(group_id).state == "Stable" && in_flight.empty();
        const auto generation = coordinator->generation(group_id);
        coordinator = std::make_unique<group_coordinator>(config, random());
        for (const auto& record : log) {
            std::optional<std::span<const std::byte>> value;
            if (record.value) value = std::span<const std::byte>(*record.value);
            coordinator->load_record(record.key, value);
        }
        coordinator->load_complete(now);
        // Requests in flight to the old coordinator are lost with it; their clients see the
        // connection fail and start over.
        in_flight.clear();
        outstanding.clear();
        for (auto& m : members) {
            if (!m.outstanding) continue;
            m.outstanding.reset();
            if (m.status == phase::joining || m.status == phase::syncing) m.status = phase::idle;
            if (m.status == phase::waiting) m.status = phase::stable;
        }
        for (std::int32_t p = 0; p < partition_count; ++p) {
            if (coordinator->committed_offset(group_id, topic, p) != before[p]) {
                fail("reload changed the offset of partition " + std::to_string(p));
            }
        }
        if (stable && coordinator->generation(group_id) != generation) {
            fail("reload changed the generation of a Stable group");
        }
    }

    void step(bool chaos) {
        now += chaos ? uniform(0, 2500) : 500;
        coordinator->advance(now);
        drain();
        complete_persists(chaos);
        std::vector<int> order(members.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
        std::shuffle(order.begin(), order.end(), random);
        for (int i : order) {
            act(members[static_cast<std::size_t>(i)], chaos);
            drain();
        }
        if (chaos && chance(0.01)) reload();
        check_offsets();
        const auto due = coordinator->next_deadline();
        if (due && *due < now) fail("a deadline in the past after advance()");
    }

    void check_converged() {
        auto described = coordinator->describe(group_id);
        if (described.state != "Stable") {
            fail("the group did not become Stable: " + described.state);
            return;
        }
        std::set<std::string> in_group;
        for (const auto& m : described.members) in_group.insert(m.member_id);
        std::set<std::string> live;
        std::set<std::int32_t> assigned;
        const auto generation = *coordinator->generation(group_id);
        for (const auto& m : members) {
            if (m.status == phase::crashed || m.status == phase::gone) continue;
            live.insert(m.member_id);
            if (m.generation != generation || m.assignment.empty()) {
                fail(m.client_id + " holds no assignment of generation " +
                     std::to_string(generation));
            }
            assigned.insert(m.assignment.begin(), m.assignment.end());
        }
        if (live != in_group) fail("the group's members are not the live members");
        if (!live.empty() && assigned.size() != static_cast<std::size_t>(partition_count)) {
            fail("not every partition is assigned");
        }
        if (!outstanding.empty()) {
            std::ostringstream unanswered;
            for (const auto& [id, who] : outstanding) {
                unanswered << " #" << id << " (member " << who.first << ", kind "
                           << static_cast<int>(who.second) << ")";
            }
            fail(std::to_string(outstanding.size()) + " requests were never answered:" +
                 unanswered.str());
        }
    }

    std::string run() {
        for (int i = 0; i < chaos_steps && failure.empty(); ++i) step(true);
        // Calm: crashed members stay down, everyone else keeps going.
        for (int i = 0; i < calm_steps && failure.empty(); ++i) step(false);
        // The last step's requests are answered once their appends complete.
        complete_persists(false);
        if (failure.empty()) check_converged();
        return failure;
    }
};

TEST(group_sim, seeds) {
    std::vector<std::uint64_t> seeds;
    if (const char* one = std::getenv("LAMINAR_SIM_SEED")) {
        seeds.push_back(std::strtoull(one, nullptr, 10));
    } else {
        for (std::uint64_t s = 1; s <= 200; ++s) seeds.push_back(s);
    }
    for (auto seed : seeds) {
        std::printf("group_sim seed=%llu\n", static_cast<unsigned long long>(seed));
        simulation sim(seed);
        const std::string failure = sim.run();
        const auto& st = sim.stats;
        std::printf("  generation=%d syncs=%llu commits=%llu persist_failures=%llu reloads=%llu "
                    "crashes=%llu restarts=%llu leaves=%llu fenced=%llu\n",
                    sim.coordinator->generation(group_id).value_or(-1),
                    (unsigned long long)st.syncs, (unsigned long long)st.commits_acknowledged,
                    (unsigned long long)st.persist_failures, (unsigned long long)st.reloads,
                    (unsigned long long)st.crashes, (unsigned long long)st.restarts,
                    (unsigned long long)st.leaves, (unsigned long long)st.fenced);
        if (!failure.empty()) {
            ADD_FAILURE() << "group_sim seed=" << seed << ": " << failure
                          << " (rerun: LAMINAR_SIM_SEED=" << seed << ")";
            return;
        }
    }
}

}  // namespace
}  // namespace laminar::broker::groups
