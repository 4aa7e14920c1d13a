// Group membership: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, rebalances and the deadlines.
// Each function names the Kafka 3.7 method it follows (GroupCoordinator.scala unless noted).
#include "broker/group_coordinator.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "broker/group_state.h"
#include "core/assert.h"

namespace laminar::broker::groups {
namespace {

// Kafka's GroupCoordinator.NewMemberJoinTimeoutMs: how long a new member's first JoinGroup may
// wait in a rebalance before the member is dropped (it cannot heartbeat without its id).
constexpr std::int64_t new_member_join_timeout_ms = 5 * 60 * 1000;
// A bound on the deadlines one advance() fires; the rest fire on the next call.
constexpr int deadlines_per_advance_max = 100000;

constexpr std::int16_t error(kafka_error e) noexcept { return code(e); }

join_response join_error(const std::string& member_id, kafka_error e) {
    join_response response;
    response.error_code = error(e);
    response.member_id = member_id;
    return response;
}

sync_response sync_error(std::int16_t e) {
    sync_response response;
    response.error_code = e;
    return response;
}

std::uint64_t split_mix(std::uint64_t& seed) {
    std::uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// GroupMetadataManager.storeGroup's mapping of append errors.
std::int16_t store_error(std::int16_t append_error) {
    switch (static_cast<kafka_error>(append_error)) {
    case kafka_error::unknown_topic_or_partition:
    case kafka_error::not_enough_replicas:
    case kafka_error::not_enough_replicas_after_append:
    case kafka_error::request_timed_out: return error(kafka_error::coordinator_not_available);
    case kafka_error::not_leader_or_follower:
    case kafka_error::kafka_storage_error: return error(kafka_error::not_coordinator);
    case kafka_error::message_too_large:
    case kafka_error::record_list_too_large:
    case kafka_error::invalid_fetch_size: return error(kafka_error::unknown_server_error);
    default: return append_error;
    }
}

}  // namespace

std::string_view state_name(group_state state) noexcept {
    switch (state) {
    case group_state::empty: return "Empty";
    case group_state::preparing_rebalance: return "PreparingRebalance";
    case group_state::completing_rebalance: return "CompletingRebalance";
    case group_state::stable: return "Stable";
    case group_state::dead: return "Dead";
    }
    return "Dead";
}

const bytes* member_state::metadata(const std::string& protocol) const {
    for (const auto& entry : protocols) {
        if (entry.name == protocol) return &entry.metadata;
    }
    return nullptr;
}

std::int32_t group::rebalance_timeout_ms() const {
    std::int32_t timeout = 0;
    for (const auto& [id, m] : members) timeout = std::max(timeout, m.rebalance_timeout_ms);
    return timeout;
}

// ---- effects ----

void group_coordinator::state::reply(request_id id, response body) {
    effects.emplace_back(reply_effect{id, std::move(body)});
}

std::uint64_t group_coordinator::state::persist(std::vector<offsets_record> records,
                                                pending_persist pending, std::int64_t producer_id,
                                                std::int16_t producer_epoch) {
    const std::uint64_t token = next_token++;
    persists.emplace(token, std::move(pending));
    effects.emplace_back(persist_effect{token, std::move(records), producer_id, producer_epoch});
    return token;
}

// GroupMetadataManager.groupMetadataValue (v3).
offsets_record group_coordinator::state::group_record(
    const group& g, const std::map<std::string, bytes>& assignment) {
    group_metadata_value value;
    value.protocol_type = g.protocol_type.value_or("");
    value.generation = g.generation_id;
    value.protocol = g.protocol_name;
    value.leader = g.leader_id;
    value.current_state_timestamp = g.state_timestamp_ms.value_or(-1);
    for (const auto& [id, m] : g.members) {
        LAMINAR_ASSERT(g.protocol_name.has_value());
        group_member_value member;
        member.member_id = id;
        member.group_instance_id = m.group_instance_id;
        member.client_id = m.client_id;
        member.client_host = m.client_host;
        member.rebalance_timeout_ms = m.rebalance_timeout_ms;
        member.session_timeout_ms = m.session_timeout_ms;
        if (const bytes* metadata = m.metadata(*g.protocol_name)) member.subscription = *metadata;
        if (auto found = assignment.find(id); found != assignment.end()) {
            member.assignment = found->second;
        }
        value.members.push_back(std::move(member));
    }
    return offsets_record{encode_group_metadata_key(g.group_id),
                          encode_group_metadata_value(value)};
}

// ---- groups and members ----

group* group_coordinator::state::find(const std::string& group_id) {
    auto found = groups.find(group_id);
    return found == groups.end() ? nullptr : &found->second;
}

group& group_coordinator::state::create_group(const std::string& group_id, std::int64_t now_ms) {
    group& g = groups[group_id];
    g.group_id = group_id;
    g.state = group_state::empty;
    g.state_timestamp_ms = now_ms;
    return g;
}

void group_coordinator::state::transition(group& g, group_state next, std::int64_t now_ms) {
    g.state = next;
    g.state_timestamp_ms = now_ms;
}

// GroupMetadata.generateMemberId: "<client id or group.instance.id>-<random UUID>".
std::string group_coordinator::state::generate_member_id(const group& g,
                                                         const std::string& prefix) {
    for (;;) {
        std::uint64_t high = split_mix(random);
        std::uint64_t low = split_mix(random);
        high = (high & ~0xF000ull) | 0x4000ull;                  // version 4
        low = (low & ~(0xC000ull << 48)) | (0x8000ull << 48);   // IETF variant
        char text[40];
        std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx",
                      static_cast<unsigned>(high >> 32),
                      static_cast<unsigned>((high >> 16) & 0xFFFF),
                      static_cast<unsigned>(high & 0xFFFF), static_cast<unsigned>(low >> 48),
                      static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFull));
        std::string id = prefix + "-" + text;
        if (!g.members.contains(id) && !g.pending_members.contains(id)) return id;
    }
}

void group_coordinator::state::update_member(member_state& m,
                                             const std::vector<join_protocol>& protocols,
                                             std::int32_t rebalance_timeout_ms,
                                             std::int32_t session_timeout_ms,
                                             std::optional<request_id> id, bool skip_assignment) {
    m.protocols = protocols;
    m.rebalance_timeout_ms = rebalance_timeout_ms;
    m.session_timeout_ms = session_timeout_ms;
    // Kafka replaces the waiting callback: the older JoinGroup was abandoned by its client.
    if (m.awaiting_join && id && *m.awaiting_join != *id) {
        reply(*m.awaiting_join, join_error(m.member_id, kafka_error::rebalance_in_progress));
    }
    m.awaiting_join = id;
    m.awaiting_join_skip_assignment = skip_assignment;
}

join_response group_coordinator::state::generation_response(const group& g,
                                                            const member_state& m) const {
    join_response response;
    response.generation_id = g.generation_id;
    response.protocol_type = g.protocol_type;
    response.protocol_name = g.protocol_name;
    response.leader = g.leader_id.value_or("");
    response.member_id = m.member_id;
    if (g.leader_id == m.member_id) {
        LAMINAR_ASSERT(g.protocol_name.has_value());
        for (const auto& [id, member] : g.members) {
            const bytes* metadata = member.metadata(*g.protocol_name);
            response.members.push_back(
                {id, member.group_instance_id, metadata ? *metadata : bytes{}});
        }
    }
    return response;
}

// GroupMetadata.remove. Kafka drops the callbacks of a removed member; we answer them so every
// request gets a reply (the client that sent them has gone or will rejoin).
void group_coordinator::state::remove_member(group& g, const std::string& member_id) {
    auto found = g.members.find(member_id);
    if (found != g.members.end()) {
        member_state& m = found->second;
        if (m.awaiting_join) {
            reply(*m.awaiting_join, join_error("", kafka_error::unknown_member_id));
        }
        if (m.awaiting_sync) {
            reply(*m.awaiting_sync, sync_error(error(kafka_error::unknown_member_id)));
        }
        if (m.group_instance_id) g.static_members.erase(*m.group_instance_id);
        g.members.erase(found);
    }
    g.pending_sync_members.erase(member_id);
    if (g.pending_sync_members.empty()) g.sync_deadline_ms.reset();
    if (g.leader_id == member_id) {
        g.leader_id = g.members.empty() ? std::nullopt
                                        : std::optional<std::string>(g.members.begin()->first);
    }
    g.pending_members.erase(member_id);
}

void group_coordinator::state::remove_member_and_update_group(group& g,
                                                              const std::string& member_id,
                                                              std::int64_t now_ms) {
    remove_member(g, member_id);
    switch (g.state) {
    case group_state::dead:
    case group_state::empty: break;
    case group_state::stable:
    case group_state::completing_rebalance: maybe_prepare_rebalance(g, now_ms); break;
    case group_state::preparing_rebalance: try_complete_join(g, now_ms); break;
    }
}

// ---- JoinGroup ----

namespace {

// GroupMetadata.supportsProtocols.
bool supports_protocols(const group& g, const join_request& request) {
    if (g.state == group_state::empty) {
        return !request.protocol_type.empty() && !request.protocols.empty();
    }
    if (g.protocol_type != request.protocol_type) return false;
    for (const auto& protocol : request.protocols) {
        std::size_t supporting = 0;
        for (const auto& [id, m] : g.members) {
            if (m.metadata(protocol.name) != nullptr) ++supporting;
        }
        if (supporting == g.members.size()) return true;
    }
    return false;
}

// GroupCoordinator.acceptJoiningMember.
bool accept_joining_member(const group& g, const std::string& member_id, std::int32_t max_size) {
    switch (g.state) {
    case group_state::empty:
    case group_state::dead: return true;
    case group_state::preparing_rebalance: {
        auto found = g.members.find(member_id);
        if (found != g.members.end() && found->second.awaiting_join) return true;
        const auto awaiting = std::count_if(g.members.begin(), g.members.end(),
                                            [](const auto& e) { return e.second.awaiting_join; });
        return awaiting < max_size;
    }
    case group_state::completing_rebalance:
    case group_state::stable:
        return g.members.contains(member_id) ||
               g.members.size() < static_cast<std::size_t>(max_size);
    }
    return false;
}

}  // namespace

// handleJoinGroup.
void group_coordinator::state::join(request_id id, const join_request& request,
                                    std::int64_t now_ms) {
    if (request.group_id.empty()) {
        reply(id, join_error(request.member_id, kafka_error::invalid_group_id));
        return;
    }
    if (!loaded) {
        reply(id, join_error(request.member_id, kafka_error::coordinator_load_in_progress));
        return;
    }
    if (request.session_timeout_ms < config.group_min_session_timeout_ms ||
        request.session_timeout_ms > config.group_max_session_timeout_ms) {
        reply(id, join_error(request.member_id, kafka_error::invalid_session_timeout));
        return;
    }
    const std::int32_t rebalance_timeout_ms =
        request.rebalance_timeout_ms < 0 ? request.session_timeout_ms
                                         : request.rebalance_timeout_ms;
    const bool unknown_member = request.member_id.empty();
    group* g = find(request.group_id);
    if (g == nullptr) {
        if (!unknown_member) {
            reply(id, join_error(request.member_id, kafka_error::unknown_member_id));
            return;
        }
        g = &create_group(request.group_id, now_ms);
    }
    if (!accept_joining_member(*g, request.member_id, config.group_max_size)) {
        remove_member(*g, request.member_id);
        reply(id, join_error("", kafka_error::group_max_size_reached));
    } else if (unknown_member) {
        new_member_join(*g, id, request, rebalance_timeout_ms, now_ms);
    } else {
        current_member_join(*g, id, request, rebalance_timeout_ms, now_ms);
    }
    if (g->state == group_state::preparing_rebalance) try_complete_join(*g, now_ms);
}

// doNewMemberJoinGroup and doStaticNewMemberJoinGroup.
void group_coordinator::state::new_member_join(group& g, request_id id,
                                               const join_request& request,
                                               std::int32_t rebalance_timeout_ms,
                                               std::int64_t now_ms) {
    if (g.state == group_state::dead) {
        reply(id, join_error(request.member_id, kafka_error::coordinator_not_available));
        return;
    }
    if (!supports_protocols(g, request)) {
        reply(id, join_error(request.member_id, kafka_error::inconsistent_group_protocol));
        return;
    }
    const std::string member_id =
        generate_member_id(g, request.group_instance_id.value_or(request.client_id));
    if (request.group_instance_id) {
        auto existing = g.static_members.find(*request.group_instance_id);
        if (existing == g.static_members.end()) {
            add_member_and_rebalance(g, id, member_id, request, rebalance_timeout_ms, now_ms);
        } else {
            const std::string old_member_id = existing->second;
            update_static_member_and_rebalance(g, id, old_member_id, member_id, request,
                                               rebalance_timeout_ms, now_ms);
        }
    } else if (request.require_known_member_id) {
        // KIP-394: the member must come back with this id; until then it is pending and has its
        // session timeout to do so.
        g.pending_members[member_id] = now_ms + request.session_timeout_ms;
        reply(id, join_error(member_id, kafka_error::member_id_required));
    } else {
        add_member_and_rebalance(g, id, member_id, request, rebalance_timeout_ms, now_ms);
    }
}

// addMemberAndRebalance.
void group_coordinator::state::add_member_and_rebalance(group& g, request_id id,
                                                        const std::string& member_id,
                                                        const join_request& request,
                                                        std::int32_t rebalance_timeout_ms,
                                                        std::int64_t now_ms) {
    member_state m;
    m.member_id = member_id;
    m.group_instance_id = request.group_instance_id;
    m.client_id = request.client_id;
    m.client_host = request.client_host;
    m.rebalance_timeout_ms = rebalance_timeout_ms;
    m.session_timeout_ms = request.session_timeout_ms;
    m.protocol_type = request.protocol_type;
    m.protocols = request.protocols;
    m.awaiting_join = id;
    m.awaiting_join_skip_assignment = request.support_skip_assignment;
    m.is_new = true;
    // A new member cannot heartbeat until it has its id; its JoinGroup may wait this long.
    m.heartbeat_deadline_ms = now_ms + new_member_join_timeout_ms;
    if (g.state == group_state::preparing_rebalance && g.generation_id == 0) {
        g.new_member_added = true;  // lets the initial delayed join wait a little longer
    }
    // GroupMetadata.add
    if (g.members.empty()) g.protocol_type = request.protocol_type;
    if (!g.leader_id) g.leader_id = member_id;
    if (m.group_instance_id) g.static_members[*m.group_instance_id] = member_id;
    g.pending_members.erase(member_id);
    g.members.emplace(member_id, std::move(m));
    maybe_prepare_rebalance(g, now_ms);
}

// GroupMetadata.replaceStaticMember: the old member id is fenced, the member keeps its place
// (assignment, leadership) under the new id.
member_state& group_coordinator::state::replace_static_member(group& g,
                                                              const std::string& instance_id,
                                                              const std::string& old_member_id,
                                                              const std::string& new_member_id) {
    auto node = g.members.extract(old_member_id);
    LAMINAR_ASSERT(!node.empty());
    member_state& old = node.mapped();
    if (old.awaiting_join) {
        reply(*old.awaiting_join, join_error(old_member_id, kafka_error::fenced_instance_id));
        old.awaiting_join.reset();
    }
    if (old.awaiting_sync) {
        reply(*old.awaiting_sync, sync_error(error(kafka_error::fenced_instance_id)));
        old.awaiting_sync.reset();
    }
    old.member_id = new_member_id;
    node.key() = new_member_id;
    auto inserted = g.members.insert(std::move(node));
    LAMINAR_ASSERT(inserted.inserted);
    if (g.leader_id == old_member_id) g.leader_id = new_member_id;
    g.static_members[instance_id] = new_member_id;
    if (g.pending_sync_members.erase(old_member_id) > 0) {
        g.pending_sync_members.insert(new_member_id);
    }
    return inserted.position->second;
}

// updateStaticMemberAndRebalance.
void group_coordinator::state::update_static_member_and_rebalance(
    group& g, request_id id, const std::string& old_member_id, const std::string& new_member_id,
    const join_request& request, std::int32_t rebalance_timeout_ms, std::int64_t now_ms) {
    const std::string instance_id = *request.group_instance_id;
    const std::optional<std::string> leader_before = g.leader_id;
    member_state& m = replace_static_member(g, instance_id, old_member_id, new_member_id);
    pending_static_rejoin pending{g.group_id,    id,           instance_id,
                                  old_member_id, new_member_id, leader_before,
                                  m.protocols,   m.rebalance_timeout_ms, m.session_timeout_ms};
    m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
    update_member(m, request.protocols, rebalance_timeout_ms, request.session_timeout_ms, id,
                  request.support_skip_assignment);
    switch (g.state) {
    case group_state::stable:
        // Same protocol for the next generation: keep the assignment, persist the new member id
        // and answer after the append. Otherwise the group must rebalance.
        if (g.protocol_name == select_protocol(g)) {
            std::map<std::string, bytes> assignment;
            for (const auto& [member_id, member] : g.members) {
                assignment[member_id] = member.assignment;
            }
            std::vector<offsets_record> records;
            records.push_back(group_record(g, assignment));
            persist(std::move(records), std::move(pending));
        } else {
            maybe_prepare_rebalance(g, now_ms);
        }
        break;
    case group_state::completing_rebalance:
        // The leader may already hold the old member id in its assignment: rebalance again.
        prepare_rebalance(g, now_ms);
        break;
    case group_state::preparing_rebalance: break;  // answered when the join completes
    case group_state::empty:
    case group_state::dead: on_internal_error("static member in an empty or dead group");
    }
}

void group_coordinator::state::finish_static_rejoin(const pending_static_rejoin& pending,
                                                    std::int16_t append_error,
                                                    std::int64_t now_ms) {
    group* g = find(pending.group_id);
    if (g == nullptr) return;
    auto found = g->members.find(pending.new_member_id);
    if (found == g->members.end()) return;
    member_state& m = found->second;
    if (append_error != 0) {
        // Revert: the old member id stays the one the log knows.
        // Only this rejoin's wait is dropped; a newer JoinGroup under the new id is answered by
        // the replacement below (FENCED_INSTANCE_ID), so no request is left without a reply.
        const bool waiting = m.awaiting_join == pending.id;
        const std::optional<request_id> newer =
            waiting ? std::nullopt : m.awaiting_join;
        update_member(m, pending.old_protocols, pending.old_rebalance_timeout_ms,
                      pending.old_session_timeout_ms, newer, m.awaiting_join_skip_assignment);
        if (g->static_members[pending.instance_id] == pending.new_member_id) {
            member_state& old = replace_static_member(*g, pending.instance_id,
                                                      pending.new_member_id,
                                                      pending.old_member_id);
            old.heartbeat_deadline_ms = now_ms + old.session_timeout_ms;
        }
        if (waiting) {
            join_response response;
            response.error_code = store_error(append_error);
            response.generation_id = g->generation_id;
            response.protocol_type = g->protocol_type;
            response.protocol_name = g->protocol_name;
            response.leader = pending.leader_before.value_or("");
            reply(pending.id, std::move(response));
        }
        return;
    }
    // A rebalance answered it meanwhile, or a newer JoinGroup now waits for the rebalance.
    if (m.awaiting_join != pending.id) return;
    const bool is_leader = g->leader_id == m.member_id;
    join_response response;
    response.generation_id = g->generation_id;
    response.protocol_type = g->protocol_type;
    response.protocol_name = g->protocol_name;
    response.member_id = m.member_id;
    if (m.awaiting_join_skip_assignment) {
        // KIP-814: the leader learns the members but keeps the current assignment.
        response = generation_response(*g, m);
        response.skip_assignment = is_leader;
    } else {
        // Older clients are told the leader id from before the replacement, so that a static
        // leader does not assign (its assignment would not be sent to a Stable group).
        response.leader = pending.leader_before.value_or("");
    }
    reply(*m.awaiting_join, std::move(response));
    m.awaiting_join.reset();
}

// doCurrentMemberJoinGroup.
void group_coordinator::state::current_member_join(group& g, request_id id,
                                                   const join_request& request,
                                                   std::int32_t rebalance_timeout_ms,
                                                   std::int64_t now_ms) {
    const std::string& member_id = request.member_id;
    if (g.state == group_state::dead) {
        reply(id, join_error(member_id, kafka_error::coordinator_not_available));
        return;
    }
    if (!supports_protocols(g, request)) {
        reply(id, join_error(member_id, kafka_error::inconsistent_group_protocol));
        return;
    }
    if (g.pending_members.contains(member_id)) {
        if (request.group_instance_id) {  // Kafka: IllegalStateException
            reply(id, join_error(member_id, kafka_error::unknown_server_error));
            return;
        }
        add_member_and_rebalance(g, id, member_id, request, rebalance_timeout_ms, now_ms);
        return;
    }
    const auto& instance = request.group_instance_id;
    if (instance) {
        auto found = g.static_members.find(*instance);
        if (found != g.static_members.end() && found->second != member_id) {
            reply(id, join_error(member_id, kafka_error::fenced_instance_id));
            return;
        }
    }
    auto found = g.members.find(member_id);
    if (found == g.members.end() || (instance && !g.static_members.contains(*instance))) {
        reply(id, join_error(member_id, kafka_error::unknown_member_id));
        return;
    }
    member_state& m = found->second;
    const bool same_metadata = m.protocols == request.protocols;
    const bool rebalance =
        g.state == group_state::preparing_rebalance ||
        (g.state == group_state::completing_rebalance && !same_metadata) ||
        (g.state == group_state::stable && (g.leader_id == member_id || !same_metadata));
    switch (g.state) {
    case group_state::preparing_rebalance:
    case group_state::completing_rebalance:
    case group_state::stable:
        if (rebalance) {
            update_member(m, request.protocols, rebalance_timeout_ms, request.session_timeout_ms,
                          id, request.support_skip_assignment);
            maybe_prepare_rebalance(g, now_ms);
        } else {
            // Same metadata (a lost JoinGroup response, or a follower of a Stable group):
            // answer with the current generation. Only the leader gets the members, and only
            // during CompletingRebalance (a Stable follower is never the leader here).
            reply(id, generation_response(g, m));
        }
        break;
    case group_state::empty:
    case group_state::dead:
        reply(id, join_error(member_id, kafka_error::unknown_member_id));
        break;
    }
}

// ---- rebalance ----

void group_coordinator::state::maybe_prepare_rebalance(group& g, std::int64_t now_ms) {
    if (g.state == group_state::stable || g.state == group_state::completing_rebalance ||
        g.state == group_state::empty) {
        prepare_rebalance(g, now_ms);
    }
}

// prepareRebalance: an empty group waits group.initial.rebalance.delay.ms for more members
// (InitialDelayedJoin); otherwise members have the rebalance timeout to rejoin (DelayedJoin).
void group_coordinator::state::prepare_rebalance(group& g, std::int64_t now_ms) {
    if (g.state == group_state::completing_rebalance) {
        for (auto& [id, m] : g.members) m.assignment.clear();
        propagate_assignment(g, error(kafka_error::rebalance_in_progress), now_ms);
    }
    g.sync_deadline_ms.reset();
    g.pending_sync_members.clear();
    const std::int32_t rebalance_timeout_ms = g.rebalance_timeout_ms();
    join_timer timer;
    if (g.state == group_state::empty) {
        const std::int32_t delay = config.group_initial_rebalance_delay_ms;
        timer = {now_ms + delay, true, delay, std::max(rebalance_timeout_ms - delay, 0)};
    } else {
        timer = {now_ms + rebalance_timeout_ms, false, 0, 0};
    }
    g.join = timer;
    transition(g, group_state::preparing_rebalance, now_ms);
    try_complete_join(g, now_ms);
}

// DelayedJoin.tryComplete (an InitialDelayedJoin never completes early).
void group_coordinator::state::try_complete_join(group& g, std::int64_t now_ms) {
    if (!g.join || g.join->initial || g.state != group_state::preparing_rebalance) return;
    if (!g.pending_members.empty()) return;
    for (const auto& [id, m] : g.members) {
        if (!m.awaiting_join) return;
    }
    complete_join(g, now_ms);
}

// onCompleteJoin.
void group_coordinator::state::complete_join(group& g, std::int64_t now_ms) {
    g.join.reset();
    std::vector<std::string> not_rejoined;
    for (const auto& [id, m] : g.members) {
        if (!m.awaiting_join && !m.group_instance_id) not_rejoined.push_back(id);
    }
    for (const auto& id : not_rejoined) remove_member(g, id);
    if (g.state == group_state::dead) return;
    // maybeElectNewJoinedLeader
    bool have_leader = false;
    if (g.leader_id) {
        auto leader = g.members.find(*g.leader_id);
        if (leader != g.members.end() && leader->second.awaiting_join) {
            have_leader = true;
        } else {
            for (const auto& [id, m] : g.members) {
                if (m.awaiting_join) {
                    g.leader_id = id;
                    have_leader = true;
                    break;
                }
            }
        }
    }
    if (!have_leader && !g.members.empty()) {
        // Only static members that did not rejoin are left: wait for them (or their sessions,
        // which are at least group.min.session.timeout.ms). At least 1 ms, so that a zero
        // rebalance timeout cannot fire again at the same instant forever.
        g.join = join_timer{now_ms + std::max(g.rebalance_timeout_ms(), 1), false, 0, 0};
        return;
    }
    init_next_generation(g, now_ms);
    if (g.state == group_state::empty) {
        // Failure is only logged by Kafka: no member depends on this write.
        std::vector<offsets_record> records;
        records.push_back(group_record(g, {}));
        persist(std::move(records), pending_nothing{});
        return;
    }
    for (auto& [id, m] : g.members) {
        if (m.awaiting_join) {
            join_response response = generation_response(g, m);
            reply(*m.awaiting_join, std::move(response));
            m.awaiting_join.reset();
        }
        m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
        m.is_new = false;
        g.pending_sync_members.insert(id);
    }
    g.sync_deadline_ms = now_ms + g.rebalance_timeout_ms();
}

// GroupMetadata.initNextGeneration.
void group_coordinator::state::init_next_generation(group& g, std::int64_t now_ms) {
    ++g.generation_id;
    if (!g.members.empty()) {
        g.protocol_name = select_protocol(g);
        transition(g, group_state::completing_rebalance, now_ms);
    } else {
        g.protocol_name.reset();
        transition(g, group_state::empty, now_ms);
    }
    g.subscribed_topics = subscribed_topics_of(g);
    g.pending_sync_members.clear();
}

// GroupMetadata.selectProtocol: among the protocols every member supports, each member votes
// for the first in its own order; most votes wins (ties: the smallest name, where Kafka's
// choice depends on hash order).
std::string group_coordinator::state::select_protocol(const group& g) const {
    LAMINAR_ASSERT(!g.members.empty());
    std::map<std::string, std::size_t> votes;
    for (const auto& [id, m] : g.members) {
        for (const auto& protocol : m.protocols) {
            bool everyone = true;
            for (const auto& [other_id, other] : g.members) {
                if (other.metadata(protocol.name) == nullptr) {
                    everyone = false;
                    break;
                }
            }
            if (everyone) {
                ++votes[protocol.name];
                break;
            }
        }
    }
    LAMINAR_ASSERT(!votes.empty());
    auto best = votes.begin();
    for (auto it = votes.begin(); it != votes.end(); ++it) {
        if (it->second > best->second) best = it;
    }
    return best->first;
}

// propagateAssignment: answers every waiting SyncGroup and restarts its session.
void group_coordinator::state::propagate_assignment(group& g, std::int16_t sync_error_code,
                                                    std::int64_t now_ms) {
    for (auto& [id, m] : g.members) {
        if (!m.awaiting_sync) continue;
        sync_response response;
        response.error_code = sync_error_code;
        if (sync_error_code == 0) {
            response.protocol_type = g.protocol_type;
            response.protocol_name = g.protocol_name;
            response.assignment = m.assignment;
        }
        reply(*m.awaiting_sync, std::move(response));
        m.awaiting_sync.reset();
        m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
    }
}

// ---- SyncGroup ----

namespace {

// validateCurrentMember.
std::optional<kafka_error> validate_current_member(const group& g, const std::string& member_id,
                                                   const std::optional<std::string>& instance) {
    if (instance) {
        auto found = g.static_members.find(*instance);
        if (found == g.static_members.end()) return kafka_error::unknown_member_id;
        if (found->second != member_id) return kafka_error::fenced_instance_id;
        return std::nullopt;
    }
    if (!g.members.contains(member_id)) return kafka_error::unknown_member_id;
    return std::nullopt;
}

}  // namespace

// handleSyncGroup and doSyncGroup.
void group_coordinator::state::sync(request_id id, const sync_request& request,
                                    std::int64_t now_ms) {
    // While loading, the rebalance state is lost: Kafka sends the member back to JoinGroup
    // (older clients do not expect COORDINATOR_LOAD_IN_PROGRESS here).
    if (request.group_id.empty()) {
        reply(id, sync_error(error(kafka_error::invalid_group_id)));
        return;
    }
    if (!loaded) {
        reply(id, sync_error(error(kafka_error::rebalance_in_progress)));
        return;
    }
    group* g = find(request.group_id);
    if (g == nullptr) {
        reply(id, sync_error(error(kafka_error::unknown_member_id)));
        return;
    }
    std::optional<kafka_error> invalid;
    if (g->state == group_state::dead) {
        invalid = kafka_error::coordinator_not_available;
    } else if (auto e = validate_current_member(*g, request.member_id,
                                                request.group_instance_id)) {
        invalid = e;
    } else if (request.generation_id != g->generation_id) {
        invalid = kafka_error::illegal_generation;
    } else if ((request.protocol_type && g->protocol_type != request.protocol_type) ||
               (request.protocol_name && g->protocol_name != request.protocol_name)) {
        invalid = kafka_error::inconsistent_group_protocol;
    }
    if (invalid) {
        reply(id, sync_error(error(*invalid)));
        return;
    }
    switch (g->state) {
    case group_state::empty:
        reply(id, sync_error(error(kafka_error::unknown_member_id)));
        return;
    case group_state::preparing_rebalance:
        reply(id, sync_error(error(kafka_error::rebalance_in_progress)));
        return;
    case group_state::dead: return;  // answered above
    case group_state::completing_rebalance: break;
    case group_state::stable: {
        g->pending_sync_members.erase(request.member_id);
        if (g->pending_sync_members.empty()) g->sync_deadline_ms.reset();
        member_state& m = g->members.at(request.member_id);
        sync_response response;
        response.protocol_type = g->protocol_type;
        response.protocol_name = g->protocol_name;
        response.assignment = m.assignment;
        reply(id, std::move(response));
        m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
        return;
    }
    }
    member_state& m = g->members.at(request.member_id);
    if (m.awaiting_sync && *m.awaiting_sync != id) {
        reply(*m.awaiting_sync, sync_error(error(kafka_error::rebalance_in_progress)));
    }
    m.awaiting_sync = id;
    g->pending_sync_members.erase(request.member_id);
    if (g->pending_sync_members.empty()) g->sync_deadline_ms.reset();
    if (g->leader_id != request.member_id) return;  // followers wait for the leader
    pending_group_store pending{g->group_id, g->generation_id, {}};
    for (const auto& entry : request.assignments) {
        pending.assignment[entry.member_id] = entry.assignment;
    }
    for (const auto& [member_id, member] : g->members) pending.assignment.try_emplace(member_id);
    std::vector<offsets_record> records;
    records.push_back(group_record(*g, pending.assignment));
    persist(std::move(records), std::move(pending));
}

// The storeGroup callback of doSyncGroup.
void group_coordinator::state::finish_group_store(const pending_group_store& pending,
                                                  std::int16_t append_error,
                                                  std::int64_t now_ms) {
    group* g = find(pending.group_id);
    if (g == nullptr || g->state != group_state::completing_rebalance ||
        g->generation_id != pending.generation_id) {
        return;  // the group moved on; its waiting members were answered then
    }
    if (append_error != 0) {
        for (auto& [id, m] : g->members) m.assignment.clear();
        propagate_assignment(*g, store_error(append_error), now_ms);
        maybe_prepare_rebalance(*g, now_ms);
        return;
    }
    for (auto& [id, m] : g->members) {
        auto found = pending.assignment.find(id);
        m.assignment = found == pending.assignment.end() ? bytes{} : found->second;
    }
    propagate_assignment(*g, 0, now_ms);
    transition(*g, group_state::stable, now_ms);
}

// ---- Heartbeat ----

void group_coordinator::state::heartbeat(request_id id, const heartbeat_request& request,
                                         std::int64_t now_ms) {
    auto answer = [&](kafka_error e) { reply(id, heartbeat_response{error(e)}); };
    if (request.group_id.empty()) return answer(kafka_error::invalid_group_id);
    if (!loaded) return answer(kafka_error::none);  // Kafka answers blindly while loading
    group* g = find(request.group_id);
    if (g == nullptr) return answer(kafka_error::unknown_member_id);
    if (g->state == group_state::dead) return answer(kafka_error::coordinator_not_available);
    if (auto e = validate_current_member(*g, request.member_id, request.group_instance_id)) {
        return answer(*e);
    }
    if (request.generation_id != g->generation_id) return answer(kafka_error::illegal_generation);
    if (g->state == group_state::empty) return answer(kafka_error::unknown_member_id);
    member_state& m = g->members.at(request.member_id);
    m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
    answer(g->state == group_state::preparing_rebalance ? kafka_error::rebalance_in_progress
                                                        : kafka_error::none);
}

// ---- LeaveGroup ----

void group_coordinator::state::leave(request_id id, const leave_request& request,
                                     std::int64_t now_ms) {
    leave_response response;
    auto group_error = [&](kafka_error e) {
        response.error_code = error(e);
        reply(id, std::move(response));
    };
    if (request.group_id.empty()) return group_error(kafka_error::invalid_group_id);
    if (!loaded) return group_error(kafka_error::coordinator_load_in_progress);
    group* g = find(request.group_id);
    if (g != nullptr && g->state == group_state::dead) {
        return group_error(kafka_error::coordinator_not_available);
    }
    for (const auto& leaving : request.members) {
        kafka_error e = kafka_error::none;
        if (g == nullptr) {
            e = kafka_error::unknown_member_id;
        } else if (leaving.member_id.empty()) {
            // Administrative removal by group.instance.id.
            auto found = leaving.group_instance_id
                             ? g->static_members.find(*leaving.group_instance_id)
                             : g->static_members.end();
            if (found == g->static_members.end()) {
                e = kafka_error::unknown_member_id;
            } else {
                const std::string member_id = found->second;
                remove_member_and_update_group(*g, member_id, now_ms);
            }
        } else if (g->pending_members.contains(leaving.member_id)) {
            g->pending_members.erase(leaving.member_id);
            try_complete_join(*g, now_ms);
        } else if (auto invalid = validate_current_member(*g, leaving.member_id,
                                                          leaving.group_instance_id)) {
            e = *invalid;
        } else {
            remove_member_and_update_group(*g, leaving.member_id, now_ms);
        }
        response.members.push_back({leaving.member_id, leaving.group_instance_id, error(e)});
    }
    reply(id, std::move(response));
}

// ---- deadlines ----

std::optional<std::int64_t> group_coordinator::state::next_deadline() const {
    if (!loaded) return std::nullopt;
    std::optional<std::int64_t> earliest = retention_check_ms;
    auto consider = [&](std::int64_t at) {
        if (!earliest || at < *earliest) earliest = at;
    };
    for (const auto& [group_id, g] : groups) {
        if (g.join) consider(g.join->deadline_ms);
        if (g.sync_deadline_ms) consider(*g.sync_deadline_ms);
        for (const auto& [id, at] : g.pending_members) consider(at);
        for (const auto& [id, m] : g.members) {
            if (m.heartbeat_deadline_ms) consider(*m.heartbeat_deadline_ms);
        }
    }
    return earliest;
}

// onExpireHeartbeat: a member waiting in a rebalance has satisfied its heartbeat (unless it is
// new), and Kafka then schedules no further expiry until the rebalance answers it.
void group_coordinator::state::expire_member(group& g, const std::string& member_id,
                                             std::int64_t now_ms) {
    member_state& m = g.members.at(member_id);
    m.heartbeat_deadline_ms.reset();
    if (!m.is_new && (m.awaiting_join || m.awaiting_sync)) return;
    remove_member_and_update_group(g, member_id, now_ms);
}

// DelayedJoin expiry / InitialDelayedJoin.onComplete.
void group_coordinator::state::expire_join(group& g, std::int64_t now_ms) {
    const join_timer timer = *g.join;
    if (timer.initial && g.new_member_added && timer.remaining_ms != 0) {
        g.new_member_added = false;
        const std::int32_t delay = std::min(config.group_initial_rebalance_delay_ms,
                                            timer.remaining_ms);
        const std::int32_t remaining = std::max(timer.remaining_ms - timer.delay_ms, 0);
        g.join = join_timer{now_ms + delay, true, delay, remaining};
        return;
    }
    complete_join(g, now_ms);
}

// onExpirePendingSync: members that did not send SyncGroup in time leave, and the group
// rebalances without them.
void group_coordinator::state::expire_sync(group& g, std::int64_t now_ms) {
    g.sync_deadline_ms.reset();
    if (g.state != group_state::completing_rebalance && g.state != group_state::stable) return;
    if (g.pending_sync_members.empty()) return;
    const std::vector<std::string> late(g.pending_sync_members.begin(),
                                        g.pending_sync_members.end());
    for (const auto& id : late) remove_member(g, id);
    prepare_rebalance(g, now_ms);
}

// Fires the earliest deadline if it is due; false when none is.
// A late deadline fires as if on time (a jump of the clock runs the deadlines it passed in
// order), but never before a request the coordinator has already handled.
bool group_coordinator::state::fire_one(std::int64_t until_ms) {
    const auto due = next_deadline();
    if (!due || *due > until_ms) return false;
    const std::int64_t at = *due;
    const std::int64_t now_ms = std::max(at, seen_ms);
    if (retention_check_ms == at) {
        retention_check_ms = now_ms + config.offsets_retention_check_interval_ms;
        expire_offsets(now_ms);
        return true;
    }
    for (auto& [group_id, g] : groups) {
        if (g.join && g.join->deadline_ms == at) {
            expire_join(g, now_ms);
            return true;
        }
        if (g.sync_deadline_ms == at) {
            expire_sync(g, now_ms);
            return true;
        }
        for (const auto& [id, deadline] : g.pending_members) {
            if (deadline == at) {
                const std::string member_id = id;
                g.pending_members.erase(member_id);
                if (g.state == group_state::preparing_rebalance) try_complete_join(g, now_ms);
                return true;
            }
        }
        for (const auto& [id, m] : g.members) {
            if (m.heartbeat_deadline_ms == at) {
                const std::string member_id = id;
                expire_member(g, member_id, now_ms);
                return true;
            }
        }
    }
    on_internal_error("a due deadline without an owner");
}

// ---- the public interface ----

group_coordinator::group_coordinator(coordinator_config config, std::uint64_t random_seed)
    : _state(std::make_unique<state>(config, random_seed)) {}

group_coordinator::~group_coordinator() = default;

void group_coordinator::join(request_id id, const join_request& request, std::int64_t now_ms) {
    _state->saw(now_ms);
    _state->join(id, request, now_ms);
}

void group_coordinator::sync(request_id id, const sync_request& request, std::int64_t now_ms) {
    _state->saw(now_ms);
    _state->sync(id, request, now_ms);
}

void group_coordinator::heartbeat(request_id id, const heartbeat_request& request,
                                  std::int64_t now_ms) {
    _state->saw(now_ms);
    _state->heartbeat(id, request, now_ms);
}

void group_coordinator::leave(request_id id, const leave_request& request, std::int64_t now_ms) {
    _state->saw(now_ms);
    _state->leave(id, request, now_ms);
}

void group_coordinator::offset_commit(request_id id, const offset_commit_request& request,
                                      std::int64_t now_ms) {
    _state->saw(now_ms);
    _state->offset_commit(id, request, now_ms);
}

void group_coordinator::txn_offset_commit(request_id id, const txn_offset_commit_request& request,
                                          std::int64_t now_ms) {
    _state->saw(now_ms);
    _state->txn_offset_commit(id, request, now_ms);
}

void group_coordinator::txn_completed(std::int64_t producer_id, bool commit) {
    _state->txn_completed(producer_id, commit);
}

offset_fetch_response group_coordinator::offset_fetch(const offset_fetch_request& request) const {
    return _state->offset_fetch(request);
}

// handleDescribeGroup: an unknown group is Dead, without an error.
describe_response group_coordinator::describe(const std::string& group_id) const {
    describe_response response;
    response.group_id = group_id;
    if (!_state->loaded) {
        response.error_code = error(kafka_error::coordinator_load_in_progress);
        return response;
    }
    auto found = _state->groups.find(group_id);
    if (found == _state->groups.end()) {
        response.state = state_name(group_state::dead);
        return response;
    }
    const group& g = found->second;
    response.state = state_name(g.state);
    response.protocol_type = g.protocol_type.value_or("");
    // Member metadata and assignments only in the Stable state, as Kafka's GroupSummary.
    const bool stable = g.state == group_state::stable;
    if (stable) response.protocol_data = g.protocol_name.value_or("");
    for (const auto& [id, m] : g.members) {
        described_member member{id, m.group_instance_id, m.client_id, m.client_host, {}, {}};
        if (stable) {
            if (const bytes* metadata = m.metadata(*g.protocol_name)) member.metadata = *metadata;
            member.assignment = m.assignment;
        }
        response.members.push_back(std::move(member));
    }
    return response;
}

// handleListGroups: while loading, the error and no groups.
list_response group_coordinator::list(const list_request& request) const {
    list_response response;
    if (!_state->loaded) {
        response.error_code = error(kafka_error::coordinator_load_in_progress);
        return response;
    }
    for (const auto& [group_id, g] : _state->groups) {
        const std::string_view name = state_name(g.state);
        if (!request.states_filter.empty() &&
            std::find(request.states_filter.begin(), request.states_filter.end(), name) ==
                request.states_filter.end()) {
            continue;
        }
        response.groups.push_back({group_id, g.protocol_type.value_or(""), std::string(name)});
    }
    return response;
}

std::vector<deleted_group> group_coordinator::delete_groups(
    const std::vector<std::string>& group_ids, std::int64_t now_ms) {
    _state->saw(now_ms);
    return _state->delete_groups(group_ids, now_ms);
}

offset_delete_response group_coordinator::offset_delete(const offset_delete_request& request,
                                                        std::int64_t now_ms) {
    _state->saw(now_ms);
    return _state->offset_delete(request, now_ms);
}

void group_coordinator::topics_deleted(const std::vector<std::string>& topics,
                                       std::int64_t now_ms) {
    _state->saw(now_ms);
    _state->topics_deleted(topics, now_ms);
}

void group_coordinator::advance(std::int64_t now_ms) {
    for (int fired = 0; fired < deadlines_per_advance_max; ++fired) {
        if (!_state->fire_one(now_ms)) break;
    }
    _state->saw(now_ms);
}

std::optional<std::int64_t> group_coordinator::next_deadline() const {
    return _state->next_deadline();
}

std::vector<effect> group_coordinator::take_effects() {
    std::vector<effect> taken;
    taken.swap(_state->effects);
    return taken;
}

void group_coordinator::persisted(std::uint64_t token, std::int16_t error_code,
                                  std::int64_t now_ms) {
    _state->saw(now_ms);
    auto found = _state->persists.find(token);
    LAMINAR_ASSERT(found != _state->persists.end());
    pending_persist pending = std::move(found->second);
    _state->persists.erase(found);
    if (auto* store = std::get_if<pending_group_store>(&pending)) {
        _state->finish_group_store(*store, error_code, now_ms);
    } else if (auto* rejoin = std::get_if<pending_static_rejoin>(&pending)) {
        _state->finish_static_rejoin(*rejoin, error_code, now_ms);
    } else if (auto* commit = std::get_if<pending_offset_commit>(&pending)) {
        _state->finish_offset_commit(*commit, token, error_code);
    }
}

void group_coordinator::load_record(std::span<const std::byte> key,
                                    std::optional<std::span<const std::byte>> value,
                                    std::int64_t producer_id) {
    _state->load_record(key, value, producer_id);
}

void group_coordinator::load_txn_marker(std::int64_t producer_id, bool commit) {
    _state->load_txn_marker(producer_id, commit);
}

void group_coordinator::load_complete(std::int64_t now_ms) {
    _state->saw(now_ms);
    _state->load_complete(now_ms);
}

bool group_coordinator::loaded() const noexcept { return _state->loaded; }

std::optional<std::int64_t> group_coordinator::committed_offset(const std::string& group_id,
                                                                const std::string& topic,
                                                                std::int32_t partition) const {
    auto g = _state->groups.find(group_id);
    if (g == _state->groups.end()) return std::nullopt;
    auto found = g->second.offsets.find(topic_partition{topic, partition});
    if (found == g->second.offsets.end()) return std::nullopt;
    return found->second.value.offset;
}

std::optional<std::int32_t> group_coordinator::generation(const std::string& group_id) const {
    auto g = _state->groups.find(group_id);
    if (g == _state->groups.end()) return std::nullopt;
    return g->second.generation_id;
}

std::size_t group_coordinator::group_count() const noexcept { return _state->groups.size(); }

}  // namespace laminar::broker::groups
