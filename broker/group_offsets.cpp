// Committed offsets: OffsetCommit, OffsetFetch, DeleteGroups, OffsetDelete, offsets retention
// (KIP-211) and loading the partition's records at startup. Each function names the Kafka 3.7
// method it follows (GroupCoordinator.scala / GroupMetadataManager.scala / GroupMetadata.scala).
#include <algorithm>

#include "broker/group_coordinator.h"
#include "broker/group_state.h"
#include "core/assert.h"

namespace laminar::broker::groups {
namespace {

constexpr std::int16_t error(kafka_error e) noexcept { return code(e); }
constexpr std::string_view consumer_protocol_type = "consumer";

// storeOffsets' mapping of append errors.
std::int16_t commit_error(std::int16_t append_error) {
    switch (static_cast<kafka_error>(append_error)) {
    case kafka_error::unknown_topic_or_partition:
    case kafka_error::not_enough_replicas:
    case kafka_error::not_enough_replicas_after_append:
        return error(kafka_error::coordinator_not_available);
    case kafka_error::not_leader_or_follower:
    case kafka_error::kafka_storage_error: return error(kafka_error::not_coordinator);
    case kafka_error::message_too_large:
    case kafka_error::record_list_too_large:
    case kafka_error::invalid_fetch_size: return error(kafka_error::invalid_commit_offset_size);
    default: return append_error;
    }
}

offset_commit_response commit_response_with(const offset_commit_request& request,
                                            std::int16_t error_code) {
    offset_commit_response response;
    for (const auto& topic : request.topics) {
        commit_topic_result result{topic.name, {}};
        for (const auto& partition : topic.partitions) {
            result.partitions.push_back({partition.partition_index, error_code});
        }
        response.topics.push_back(std::move(result));
    }
    return response;
}

offsets_record offset_tombstone(const std::string& group_id, const topic_partition& tp) {
    return offsets_record{encode_offset_commit_key(group_id, tp.topic, tp.partition),
                          std::nullopt};
}

}  // namespace

// GroupMetadata.computeSubscribedTopics: known only for "consumer" groups whose members'
// subscriptions all parse.
std::optional<std::set<std::string>> subscribed_topics_of(const group& g) {
    if (g.protocol_type != consumer_protocol_type || g.members.empty() || !g.protocol_name) {
        return std::nullopt;
    }
    std::set<std::string> topics;
    for (const auto& [id, m] : g.members) {
        const bytes* metadata = m.metadata(*g.protocol_name);
        if (metadata == nullptr) return std::nullopt;
        auto subscribed = decode_subscription_topics(*metadata);
        if (!subscribed) return std::nullopt;
        topics.insert(subscribed->begin(), subscribed->end());
    }
    return topics;
}

// ---- OffsetCommit ----

// handleCommitOffsets, doCommitOffsets and validateOffsetCommit.
void group_coordinator::state::offset_commit(request_id id, const offset_commit_request& request,
                                             std::int64_t now_ms) {
    auto answer = [&](kafka_error e) { reply(id, commit_response_with(request, error(e))); };
    if (!loaded) return answer(kafka_error::coordinator_load_in_progress);
    group* g = find(request.group_id);
    const std::int32_t generation = request.generation_id_or_member_epoch;
    if (g == nullptr) {
        // A group that does not use Kafka's group management may commit (generation -1);
        // otherwise this is a member of an older generation.
        if (generation >= 0) return answer(kafka_error::illegal_generation);
        g = &create_group(request.group_id, now_ms);
    }
    if (g->state == group_state::dead) return answer(kafka_error::coordinator_not_available);
    if (auto invalid = invalid_commit(*g, request)) return answer(*invalid);
    if (generation < 0 && request.member_id.empty() && !request.group_instance_id &&
        g->state != group_state::empty) {
        return answer(kafka_error::unknown_member_id);  // only members commit to a live group
    }
    switch (g->state) {
    case group_state::empty: store_offsets(*g, id, request, now_ms); return;
    case group_state::stable:
    case group_state::preparing_rebalance: {
        // During PreparingRebalance commits are still accepted: the heartbeat tells the
        // member about the rebalance.
        member_state& m = g->members.at(request.member_id);
        m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
        store_offsets(*g, id, request, now_ms);
        return;
    }
    case group_state::completing_rebalance: return answer(kafka_error::rebalance_in_progress);
    case group_state::dead: return answer(kafka_error::coordinator_not_available);
    }
}

// validateOffsetCommit's member checks, made when the commit names a member, an instance or a
// generation: the member must be the group's current one, of its generation.
std::optional<kafka_error> group_coordinator::state::invalid_commit(
    const group& g, const offset_commit_request& request) const {
    const std::int32_t generation = request.generation_id_or_member_epoch;
    if (generation < 0 && request.member_id.empty() && !request.group_instance_id) {
        return std::nullopt;
    }
    if (request.group_instance_id) {
        auto found = g.static_members.find(*request.group_instance_id);
        if (found == g.static_members.end()) return kafka_error::unknown_member_id;
        if (found->second != request.member_id) return kafka_error::fenced_instance_id;
    } else if (!g.members.contains(request.member_id)) {
        return kafka_error::unknown_member_id;
    }
    if (generation != g.generation_id) return kafka_error::illegal_generation;
    return std::nullopt;
}

// handleTxnCommitOffsets and doTxnCommitOffsets: the group is created if needed; without member
// details the commit is taken in any state (old clients send none).
void group_coordinator::state::txn_offset_commit(request_id id,
                                                 const txn_offset_commit_request& request,
                                                 std::int64_t now_ms) {
    auto answer = [&](kafka_error e) { reply(id, commit_response_with(request.commit, error(e))); };
    if (!loaded) return answer(kafka_error::coordinator_load_in_progress);
    group* g = find(request.commit.group_id);
    if (g == nullptr) g = &create_group(request.commit.group_id, now_ms);
    if (g->state == group_state::dead) return answer(kafka_error::coordinator_not_available);
    if (auto invalid = invalid_commit(*g, request.commit)) return answer(*invalid);
    store_offsets(*g, id, request.commit, now_ms, request.producer_id, request.producer_epoch);
}

// GroupMetadata.completePendingTxnOffsetCommit: on COMMIT the transaction's offsets replace
// the committed ones unless a newer commit (a later append) replaced them; ABORT drops them.
void group_coordinator::state::txn_completed(std::int64_t producer_id, bool commit) {
    for (auto& [group_id, g] : groups) {
        auto found = g.pending_txn_offsets.find(producer_id);
        if (found == g.pending_txn_offsets.end()) continue;
        auto pending = std::move(found->second);
        g.pending_txn_offsets.erase(found);
        if (!commit) continue;
        for (auto& [tp, offset] : pending) {
            if (offset.append_order == 0) continue;  // its append failed or never completed
            auto current = g.offsets.find(tp);
            if (current == g.offsets.end() || current->second.append_order < offset.append_order) {
                g.offsets[tp] = stored_offset{std::move(offset.value), offset.append_order};
            }
        }
    }
}

bool group::has_pending_commit(const topic_partition& tp) const {
    if (pending_offset_commits.contains(tp)) return true;
    return std::any_of(pending_txn_offsets.begin(), pending_txn_offsets.end(),
                       [&tp](const auto& entry) { return entry.second.contains(tp); });
}

// GroupMetadataManager.storeOffsets (and KafkaApis' defaults for the commit's timestamps).
void group_coordinator::state::store_offsets(group& g, request_id id,
                                             const offset_commit_request& request,
                                             std::int64_t now_ms, std::int64_t producer_id,
                                             std::int16_t producer_epoch) {
    pending_offset_commit pending{
        g.group_id, id, commit_response_with(request, 0), {}, producer_id};
    std::vector<offsets_record> records;
    for (std::size_t t = 0; t < request.topics.size(); ++t) {
        const auto& topic = request.topics[t];
        for (std::size_t p = 0; p < topic.partitions.size(); ++p) {
            const auto& partition = topic.partitions[p];
            offset_commit_value value;
            value.offset = partition.committed_offset;
            value.leader_epoch = partition.committed_leader_epoch;
            value.metadata = partition.committed_metadata.value_or("");
            value.commit_timestamp =
                partition.commit_timestamp == -1 ? now_ms : partition.commit_timestamp;
            value.expire_timestamp =
                request.retention_time_ms == -1 ? -1 : now_ms + request.retention_time_ms;
            // Kafka bounds String.length(), in UTF-16 code units.
            if (java_string_length(value.metadata) >
                static_cast<std::size_t>(config.offset_metadata_max_bytes)) {
                pending.response.topics[t].partitions[p].error_code =
                    error(kafka_error::offset_metadata_too_large);
                continue;
            }
            topic_partition tp{topic.name, partition.partition_index};
            records.push_back(
                {encode_offset_commit_key(g.group_id, tp.topic, tp.partition),
                 encode_offset_commit_value(value, offset_commit_value_version_for(value))});
            pending.written.emplace_back(std::move(tp), std::move(value));
        }
    }
    if (records.empty()) {
        reply(id, std::move(pending.response));
        return;
    }
    const std::uint64_t token = next_token;
    for (const auto& [tp, value] : pending.written) {
        if (producer_id >= 0) {
            g.pending_txn_offsets[producer_id][tp] = pending_txn_offset{value, 0, token};
        } else {
            g.pending_offset_commits[tp] = token;
        }
    }
    const std::uint64_t used =
        persist(std::move(records), std::move(pending), producer_id, producer_epoch);
    LAMINAR_ASSERT(used == token);
}

// storeOffsets' putCacheCallback and GroupMetadata.onOffsetCommitAppend /
// failPendingOffsetWrite. The token orders appends as their log offsets would.
void group_coordinator::state::finish_offset_commit(const pending_offset_commit& pending,
                                                    std::uint64_t token,
                                                    std::int16_t append_error) {
    group* g = find(pending.group_id);
    if (g != nullptr && g->state != group_state::dead && pending.producer_id >= 0) {
        // onTxnOffsetCommitAppend / failPendingTxnOffsetCommit.
        auto txn = g->pending_txn_offsets.find(pending.producer_id);
        for (const auto& [tp, value] : pending.written) {
            if (txn == g->pending_txn_offsets.end()) break;  // completed or deleted meanwhile
            auto staged = txn->second.find(tp);
            // A later TxnOffsetCommit of the partition replaced it: that one's write decides.
            if (staged == txn->second.end() || staged->second.written_by != token) continue;
            if (append_error == 0)
                staged->second.append_order = token;
            else
                txn->second.erase(staged);
        }
        if (txn != g->pending_txn_offsets.end() && txn->second.empty()) {
            g->pending_txn_offsets.erase(txn);
        }
    } else if (g != nullptr && g->state != group_state::dead) {
        for (const auto& [tp, value] : pending.written) {
            auto staged = g->pending_offset_commits.find(tp);
            if (staged == g->pending_offset_commits.end()) continue;  // deleted meanwhile
            if (append_error == 0) {
                auto current = g->offsets.find(tp);
                if (current == g->offsets.end() || current->second.append_order < token) {
                    g->offsets[tp] = stored_offset{value, token};
                }
            }
            if (staged->second == token) g->pending_offset_commits.erase(staged);
        }
    }
    offset_commit_response response = pending.response;
    const std::int16_t mapped = append_error == 0 ? 0 : commit_error(append_error);
    for (auto& topic : response.topics) {
        for (auto& partition : topic.partitions) {
            if (partition.error_code == 0) partition.error_code = mapped;
        }
    }
    reply(pending.id, std::move(response));
}

// ---- OffsetFetch ----

// handleFetchOffsets / GroupMetadataManager.getOffsets: offsets are answered whatever the
// group's state, since a group may use Kafka only to store offsets.
offset_fetch_response group_coordinator::state::offset_fetch(
    const offset_fetch_request& request) const {
    offset_fetch_response response;
    if (!loaded) {
        response.error_code = error(kafka_error::coordinator_load_in_progress);
        return response;
    }
    auto found = groups.find(request.group_id);
    const group* g = found == groups.end() || found->second.state == group_state::dead
                         ? nullptr
                         : &found->second;
    auto partition_result = [&](const topic_partition& tp) {
        fetch_partition_result result;
        result.partition_index = tp.partition;
        result.metadata = "";
        if (g == nullptr) return result;
        if (request.require_stable && g->has_pending_commit(tp)) {
            result.error_code = error(kafka_error::unstable_offset_commit);
            return result;
        }
        if (auto offset = g->offsets.find(tp); offset != g->offsets.end()) {
            result.committed_offset = offset->second.value.offset;
            result.committed_leader_epoch = offset->second.value.leader_epoch;
            result.metadata = offset->second.value.metadata;
        }
        return result;
    };
    if (request.topics) {
        for (const auto& topic : *request.topics) {
            fetch_topic_result result{topic.name, {}};
            for (std::int32_t partition : topic.partition_indexes) {
                result.partitions.push_back(partition_result({topic.name, partition}));
            }
            response.topics.push_back(std::move(result));
        }
        return response;
    }
    if (g == nullptr) return response;
    for (const auto& [tp, offset] : g->offsets) {
        if (response.topics.empty() || response.topics.back().name != tp.topic) {
            response.topics.push_back({tp.topic, {}});
        }
        response.topics.back().partitions.push_back(partition_result(tp));
    }
    return response;
}

// ---- deletion and retention ----

void group_coordinator::state::cleanup_group(const std::string& group_id,
                                             const std::vector<topic_partition>& removed,
                                             std::int64_t now_ms) {
    group* g = find(group_id);
    LAMINAR_ASSERT(g != nullptr);
    std::vector<offsets_record> records;
    for (const auto& tp : removed) {
        g->pending_offset_commits.erase(tp);
        for (auto& [producer_id, pending] : g->pending_txn_offsets) pending.erase(tp);
        if (g->offsets.erase(tp) > 0) records.push_back(offset_tombstone(group_id, tp));
    }
    const bool dead = g->state == group_state::dead ||
                      (g->state == group_state::empty && !g->has_offsets());
    if (dead) {
        transition(*g, group_state::dead, now_ms);
        records.push_back({encode_group_metadata_key(group_id), std::nullopt});
        groups.erase(group_id);
    }
    if (!records.empty()) persist(std::move(records), pending_nothing{});
}

// handleDeleteGroups.
std::vector<deleted_group> group_coordinator::state::delete_groups(
    const std::vector<std::string>& ids, std::int64_t now_ms) {
    std::vector<deleted_group> results;
    for (const auto& group_id : ids) {
        deleted_group result{group_id, 0};
        group* g = loaded ? find(group_id) : nullptr;
        if (!loaded) {
            result.error_code = error(kafka_error::coordinator_load_in_progress);
        } else if (g == nullptr || g->state == group_state::dead) {
            result.error_code = error(kafka_error::group_id_not_found);
        } else if (g->state != group_state::empty) {
            result.error_code = error(kafka_error::non_empty_group);
        } else {
            transition(*g, group_state::dead, now_ms);
            std::vector<topic_partition> all;
            for (const auto& [tp, offset] : g->offsets) all.push_back(tp);
            cleanup_group(group_id, all, now_ms);
        }
        results.push_back(std::move(result));
    }
    return results;
}

// handleDeleteOffsets.
offset_delete_response group_coordinator::state::offset_delete(
    const offset_delete_request& request, std::int64_t now_ms) {
    offset_delete_response response;
    auto group_error = [&](kafka_error e) {
        response.error_code = error(e);
        return response;
    };
    if (request.group_id.empty()) return group_error(kafka_error::invalid_group_id);
    if (!loaded) return group_error(kafka_error::coordinator_load_in_progress);
    group* g = find(request.group_id);
    if (g == nullptr || g->state == group_state::dead) {
        return group_error(kafka_error::group_id_not_found);
    }
    const bool empty = g->state == group_state::empty;
    if (!empty && g->protocol_type != consumer_protocol_type) {
        return group_error(kafka_error::non_empty_group);
    }
    std::vector<topic_partition> eligible;
    for (const auto& topic : request.topics) {
        // A consumer group's subscribed topics keep their offsets; unknown subscriptions
        // count as subscribed to everything.
        const bool subscribed =
            !empty && (!g->subscribed_topics || g->subscribed_topics->contains(topic.name));
        commit_topic_result result{topic.name, {}};
        for (std::int32_t partition : topic.partition_indexes) {
            result.partitions.push_back(
                {partition, subscribed ? error(kafka_error::group_subscribed_to_topic)
                                       : std::int16_t{0}});
            if (!subscribed) eligible.push_back({topic.name, partition});
        }
        response.topics.push_back(std::move(result));
    }
    if (!eligible.empty()) cleanup_group(request.group_id, eligible, now_ms);
    return response;
}

void group_coordinator::state::topics_deleted(const std::vector<std::string>& topics,
                                              std::int64_t now_ms) {
    if (!loaded) return;
    const std::set<std::string> deleted(topics.begin(), topics.end());
    std::vector<std::pair<std::string, std::vector<topic_partition>>> work;
    for (const auto& [group_id, g] : groups) {
        std::vector<topic_partition> removed;
        for (const auto& [tp, offset] : g.offsets) {
            if (deleted.contains(tp.topic)) removed.push_back(tp);
        }
        if (!removed.empty()) work.emplace_back(group_id, std::move(removed));
    }
    for (const auto& [group_id, removed] : work) cleanup_group(group_id, removed, now_ms);
}

// GroupMetadata.removeExpiredOffsets (KIP-211): an Empty group's offsets expire the retention
// after the group became Empty; a standalone consumer's (no protocol type) and a Stable
// consumer group's unsubscribed topics' offsets expire the retention after their commit; an
// explicit expire timestamp (OffsetCommit v2-4 retention) wins. Pending commits never expire.
std::vector<topic_partition> group_coordinator::state::expired_offsets(const group& g,
                                                                       std::int64_t now_ms) const {
    const std::int64_t retention_ms =
        static_cast<std::int64_t>(config.offsets_retention_minutes) * 60 * 1000;
    enum class base { state_timestamp, commit_timestamp } rule;
    const std::set<std::string>* kept = nullptr;
    if (g.protocol_type && g.state == group_state::empty) {
        rule = base::state_timestamp;
    } else if (g.protocol_type == consumer_protocol_type && g.subscribed_topics &&
               g.state == group_state::stable) {
        rule = base::commit_timestamp;
        kept = &*g.subscribed_topics;
    } else if (!g.protocol_type) {
        rule = base::commit_timestamp;
    } else {
        return {};
    }
    std::vector<topic_partition> expired;
    for (const auto& [tp, offset] : g.offsets) {
        if (kept != nullptr && kept->contains(tp.topic)) continue;
        if (g.pending_offset_commits.contains(tp)) continue;
        const auto& value = offset.value;
        bool expire = false;
        if (value.expire_timestamp >= 0) {
            expire = now_ms >= value.expire_timestamp;
        } else {
            const std::int64_t from = rule == base::state_timestamp
                                          ? g.state_timestamp_ms.value_or(value.commit_timestamp)
                                          : value.commit_timestamp;
            expire = now_ms - from >= retention_ms;
        }
        if (expire) expired.push_back(tp);
    }
    return expired;
}

// GroupMetadataManager.cleanupGroupMetadata, run every offsets.retention.check.interval.ms.
void group_coordinator::state::expire_offsets(std::int64_t now_ms) {
    std::vector<std::pair<std::string, std::vector<topic_partition>>> work;
    for (const auto& [group_id, g] : groups) {
        auto expired = expired_offsets(g, now_ms);
        const bool dies = g.state == group_state::empty && g.offsets.size() == expired.size() &&
                          g.pending_offset_commits.empty() && g.pending_txn_offsets.empty();
        if (!expired.empty() || dies) work.emplace_back(group_id, std::move(expired));
    }
    for (const auto& [group_id, expired] : work) cleanup_group(group_id, expired, now_ms);
}

// ---- loading ----

void group_coordinator::state::load_record(std::span<const std::byte> key_bytes,
                                           std::optional<std::span<const std::byte>> value,
                                           std::int64_t producer_id) {
    if (loaded) on_internal_error("load_record after load_complete");
    auto key = decode_key(key_bytes);
    if (!key) return;  // another coordinator's record type, or damage: skipped
    if (key->kind == record_key_kind::offset_commit) {
        topic_partition tp{key->topic, key->partition};
        auto& offsets = producer_id >= 0 ? loading_txn_offsets[producer_id][key->group]
                                         : loading_offsets[key->group];
        if (!value) {
            offsets.erase(tp);
            return;
        }
        auto decoded = decode_offset_commit_value(*value);
        if (decoded) offsets[tp] = loaded_offset{std::move(*decoded), ++loading_order};
        return;
    }
    if (!value) {
        loading_groups[key->group] = std::nullopt;
        return;
    }
    auto decoded = decode_group_metadata_value(*value);
    if (decoded) loading_groups[key->group] = std::move(*decoded);
}

// doLoadGroupsAndOffsets' control batches: a COMMIT makes the producer's pending offsets count
// where nothing newer replaced them; an ABORT drops them.
void group_coordinator::state::load_txn_marker(std::int64_t producer_id, bool commit) {
    if (loaded) on_internal_error("load_txn_marker after load_complete");
    auto found = loading_txn_offsets.find(producer_id);
    if (found == loading_txn_offsets.end()) return;
    auto pending = std::move(found->second);
    loading_txn_offsets.erase(found);
    if (!commit) return;
    for (auto& [group_id, offsets] : pending) {
        auto& committed = loading_offsets[group_id];
        for (auto& [tp, offset] : offsets) {
            auto current = committed.find(tp);
            if (current == committed.end() || current->second.order < offset.order) {
                committed[tp] = std::move(offset);
            }
        }
    }
}

// GroupMetadata.loadGroup: a group with members comes back Stable, their sessions restarting
// now; without members it is Empty.
void group_coordinator::state::load_group(const std::string& group_id,
                                          const group_metadata_value& value,
                                          std::int64_t now_ms) {
    group& g = groups[group_id];
    g.group_id = group_id;
    g.generation_id = value.generation;
    if (!value.protocol_type.empty()) g.protocol_type = value.protocol_type;
    g.protocol_name = value.protocol;
    g.leader_id = value.leader;
    if (value.current_state_timestamp >= 0) g.state_timestamp_ms = value.current_state_timestamp;
    // Members without a protocol cannot be valid; such a record is treated as an empty group.
    if (value.protocol) {
        for (const auto& stored : value.members) {
            member_state m;
            m.member_id = stored.member_id;
            m.group_instance_id = stored.group_instance_id;
            m.client_id = stored.client_id;
            m.client_host = stored.client_host;
            m.rebalance_timeout_ms = stored.rebalance_timeout_ms;
            m.session_timeout_ms = stored.session_timeout_ms;
            m.protocol_type = value.protocol_type;
            m.protocols.push_back({*value.protocol, stored.subscription});
            m.assignment = stored.assignment;
            m.heartbeat_deadline_ms = now_ms + stored.session_timeout_ms;
            if (m.group_instance_id) g.static_members[*m.group_instance_id] = m.member_id;
            g.members.emplace(m.member_id, std::move(m));
        }
    }
    g.state = g.members.empty() ? group_state::empty : group_state::stable;
    if (g.leader_id && !g.members.contains(*g.leader_id)) {
        g.leader_id = g.members.empty() ? std::nullopt
                                        : std::optional<std::string>(g.members.begin()->first);
    }
    g.subscribed_topics = subscribed_topics_of(g);
}

void group_coordinator::state::load_complete(std::int64_t now_ms) {
    if (loaded) on_internal_error("load_complete twice");
    for (const auto& [group_id, value] : loading_groups) {
        if (value) load_group(group_id, *value, now_ms);
    }
    // Offsets without a live group record belong to a group that only stores offsets.
    auto group_for = [this](const std::string& group_id) -> group& {
        auto found = groups.find(group_id);
        if (found != groups.end()) return found->second;
        group& g = groups[group_id];
        g.group_id = group_id;
        g.state = group_state::empty;
        return g;
    };
    for (auto& [group_id, offsets] : loading_offsets) {
        if (offsets.empty()) continue;
        group& g = group_for(group_id);
        for (auto& [tp, offset] : offsets) {
            g.offsets[tp] = stored_offset{std::move(offset.value), 0};
        }
    }
    // Transactions still open (their marker is not written yet): pending, unless a later
    // commit already replaced the offset (it would win at the COMMIT anyway). Order 1 ranks
    // them above the loaded offsets (0) and below every commit made from now on (tokens
    // start at 2).
    for (auto& [producer_id, by_group] : loading_txn_offsets) {
        for (auto& [group_id, offsets] : by_group) {
            const auto& committed = loading_offsets[group_id];
            for (auto& [tp, offset] : offsets) {
                auto current = committed.find(tp);
                if (current != committed.end() && current->second.order > offset.order) continue;
                group_for(group_id).pending_txn_offsets[producer_id][tp] =
                    pending_txn_offset{std::move(offset.value), 1};
            }
        }
    }
    loading_groups.clear();
    loading_offsets.clear();
    loading_txn_offsets.clear();
    loaded = true;
    retention_check_ms = now_ms + config.offsets_retention_check_interval_ms;
}

}  // namespace laminar::broker::groups
