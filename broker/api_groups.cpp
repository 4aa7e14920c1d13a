#include "broker/api_groups.h"

#include <string>

#include "broker/group_manager.h"
#include "broker/kafka_errors.h"
#include "broker/metadata_controller.h"
#include "broker/txn_manager.h"
#include "core/cross_shard.h"
#include "core/log.h"

namespace laminar::broker {

namespace {

constexpr std::int8_t key_type_group = 0;
constexpr std::int8_t key_type_transaction = 1;

struct coordinator_answer {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int32_t node_id = -1;
    std::string host;
    std::int32_t port = -1;
};

// Where clients reach this broker: its registration in the metadata (the advertised listener).
coordinator_answer this_broker(const shard_context& context) {
    coordinator_answer answer;
    const auto* broker = context.metadata.find_broker(context.settings->node_id);
    if (broker == nullptr || broker->endpoints.empty()) {
        answer.error_code = code(kafka_error::coordinator_not_available);
        answer.error_message = "The coordinator is not available.";
        return answer;
    }
    answer.node_id = context.settings->node_id;
    answer.host = broker->endpoints.front().host;
    answer.port = broker->endpoints.front().port;
    return answer;
}

// Waits until the coordinator of `group_id` has loaded its partition, so a client's first
// JoinGroup after FindCoordinator is not answered COORDINATOR_LOAD_IN_PROGRESS (kafkajs treats
// that as a consumer crash and restarts). Bounded by the load itself: one partition's replay.
task<void> wait_for_coordinator(shard_context& context, std::string_view group_id) {
    const auto location = locate_group(context, group_id);
    if (!location) co_return;
    auto wait = [partition = location->partition]() -> task<void> {
        co_await shard_context::current().groups->wait_loaded(partition);
    };
    co_await submit_to(location->shard, wait);
}

// The same for the transaction coordinator of `transactional_id`.
task<void> wait_for_txn_coordinator(shard_context& context, std::string_view transactional_id) {
    const auto location = locate_transaction(context, transactional_id);
    if (!location) co_return;
    auto wait = [partition = location->partition]() -> task<void> {
        co_await shard_context::current().transactions->wait_loaded(partition);
    };
    co_await submit_to(location->shard, wait);
}

task<coordinator_answer> find_one(shard_context& context, std::int8_t key_type,
                                  std::string_view key) {
    coordinator_answer answer;
    if (key_type == key_type_transaction) {
        if (auto error = co_await ensure_txn_state_topic(context); error != 0) {
            answer.error_code = error;
            answer.error_message = "The coordinator is not available.";
            co_return answer;
        }
        co_await wait_for_txn_coordinator(context, key);
        co_return this_broker(context);
    }
    if (key_type != key_type_group) {
        answer.error_code = code(kafka_error::invalid_request);
        answer.error_message = "Unknown coordinator key type " + std::to_string(key_type);
        co_return answer;
    }
    if (auto error = co_await ensure_offsets_topic(context); error != 0) {
        answer.error_code = error;
        answer.error_message = "The coordinator is not available.";
        co_return answer;
    }
    co_await wait_for_coordinator(context, key);
    co_return this_broker(context);
}

// Group operations allowed without an authorizer (Kafka's AclOperation bits): READ, DELETE,
// DESCRIBE.
constexpr std::int32_t group_operations_all = (1 << 3) | (1 << 6) | (1 << 8);
constexpr std::int32_t operations_omitted = INT32_MIN;

const std::int16_t not_coordinator = code(kafka_error::not_coordinator);

// Runs a request through the coordinator of `group_id` and waits for its reply; nullopt when
// this broker is not (or no longer) the group's coordinator.
// Arguments come by reference and are copied into the named lambda that crosses shards: g++ 12
// mishandles temporaries with destructors in co_await expressions (core/task.h), so callers
// pass named locals.
template <typename Response, typename Request, typename Invoke>
task<std::optional<Response>> through_coordinator(shard_context& context,
                                                  std::string_view group_id,
                                                  const Request& plain, Invoke invoke) {
    const auto location = locate_group(context, group_id);
    if (!location) co_return std::nullopt;
    auto run = [plain, partition = location->partition,
                invoke]() -> task<std::optional<Response>> {
        auto& here = shard_context::current();
        co_return co_await here.groups->call<Response>(
            partition, [&](groups::group_coordinator& machine, groups::request_id id,
                           std::int64_t now) { invoke(machine, id, plain, now); });
    };
    co_return co_await submit_to(location->shard, run);
}

// Runs `work(machine, now)` on the coordinator of `group_id` for a request answered at once.
template <typename Outcome, typename Work>
task<std::optional<Outcome>> at_coordinator(shard_context& context, std::string_view group_id,
                                            const Work& work) {
    const auto location = locate_group(context, group_id);
    if (!location) co_return std::nullopt;
    auto run = [partition = location->partition, work]() -> task<std::optional<Outcome>> {
        co_return shard_context::current().groups->with_coordinator(partition, work);
    };
    co_return co_await submit_to(location->shard, run);
}

groups::bytes to_plain(const kafka::bytes& data) { return groups::bytes(data.begin(), data.end()); }
kafka::bytes to_wire(const groups::bytes& data) { return kafka::bytes(data.begin(), data.end()); }

}  // namespace

namespace {

// Creates the compacted internal topic `name` unless it exists.
task<std::int16_t> ensure_internal_topic(shard_context& context, std::string_view name,
                                         std::int32_t partitions, std::int16_t replication_factor,
                                         std::uint64_t segment_bytes) {
    if (context.metadata.find_topic(std::string(name)) != nullptr) co_return 0;
    auto create = [name = std::string(name), partitions, replication_factor, segment_bytes]() {
        ctl::create_topic_request request;
        request.name = name;
        request.partitions = partitions;
        request.replication_factor = replication_factor;
        request.configs = {{"cleanup.policy", "compact"},
                           {"compression.type", "producer"},
                           {"segment.bytes", std::to_string(segment_bytes)}};
        return shard_context::current().controller->create_topic(std::move(request), false);
    };
    auto created = co_await submit_to(controller_shard, create);
    if (!created && created.error().code != ctl::command_errc::topic_already_exists) {
        LAMINAR_LOG_WARN("cannot create {}: {}", name, created.error().message);
        co_return code(kafka_error::coordinator_not_available);
    }
    co_return 0;
}

}  // namespace

task<std::int16_t> ensure_offsets_topic(shard_context& context) {
    const auto& groups = context.settings->groups;
    co_return co_await ensure_internal_topic(context, offsets_topic_name, groups.offsets_partitions,
                                             groups.offsets_replication_factor,
                                             groups.offsets_segment_bytes);
}

task<std::int16_t> ensure_txn_state_topic(shard_context& context) {
    const auto& transactions = context.settings->transactions;
    co_return co_await ensure_internal_topic(
        context, txn_state_topic_name, transactions.state_log_partitions,
        transactions.state_log_replication_factor, transactions.state_log_segment_bytes);
}

task<kafka::find_coordinator_response> handle_find_coordinator(
    shard_context& context, const kafka::request_header& header,
    const kafka::find_coordinator_request& request) {
    kafka::find_coordinator_response response;
    if (header.api_version < 4) {
        auto answer = co_await find_one(context, request.key_type, request.coordinator_key);
        response.error_code = answer.error_code;
        response.error_message = std::move(answer.error_message);
        response.node_id = answer.node_id;
        response.host = std::move(answer.host);
        response.port = answer.port;
        co_return response;
    }
    for (const auto& key : request.coordinator_keys) {
        auto answer = co_await find_one(context, request.key_type, key);
        kafka::coordinator entry;
        entry.key = key;
        entry.error_code = answer.error_code;
        entry.error_message = std::move(answer.error_message);
        entry.node_id = answer.node_id;
        entry.host = std::move(answer.host);
        entry.port = answer.port;
        response.coordinators.push_back(std::move(entry));
    }
    co_return response;
}

task<kafka::join_group_response> handle_join_group(shard_context& context,
                                                   const connection_info& connection,
                                                   const kafka::request_header& header,
                                                   kafka::join_group_request request) {
    groups::join_request plain;
    plain.group_id = request.group_id;
    plain.session_timeout_ms = request.session_timeout_ms;
    plain.rebalance_timeout_ms = header.api_version >= 1 ? request.rebalance_timeout_ms : -1;
    plain.member_id = request.member_id;
    plain.group_instance_id = request.group_instance_id;
    plain.protocol_type = request.protocol_type;
    for (auto& protocol : request.protocols) {
        plain.protocols.push_back({protocol.name, to_plain(protocol.metadata)});
    }
    plain.reason = request.reason;
    plain.client_id = header.client_id.value_or("");
    plain.client_host = connection.client_host;
    plain.require_known_member_id = header.api_version >= 4;
    plain.support_skip_assignment = header.api_version >= 9;
    auto reply = co_await through_coordinator<groups::join_response>(
        context, request.group_id, plain,
        [](groups::group_coordinator& machine, groups::request_id id,
           const groups::join_request& join, std::int64_t now) { machine.join(id, join, now); });
    kafka::join_group_response response;
    if (!reply) {
        response.error_code = not_coordinator;
        response.member_id = request.member_id;
        co_return response;
    }
    response.error_code = reply->error_code;
    response.generation_id = reply->generation_id;
    response.protocol_type = reply->protocol_type;
    if (reply->protocol_name || header.api_version >= 7) {
        response.protocol_name = reply->protocol_name;
    } else {
        response.protocol_name = std::string{};
    }
    response.leader = reply->leader;
    response.skip_assignment = reply->skip_assignment;
    response.member_id = reply->member_id;
    for (auto& member : reply->members) {
        response.members.push_back(
            {member.member_id, member.group_instance_id, to_wire(member.metadata)});
    }
    co_return response;
}

task<kafka::sync_group_response> handle_sync_group(shard_context& context,
                                                   const kafka::request_header&,
                                                   kafka::sync_group_request request) {
    groups::sync_request plain;
    plain.group_id = request.group_id;
    plain.generation_id = request.generation_id;
    plain.member_id = request.member_id;
    plain.group_instance_id = request.group_instance_id;
    plain.protocol_type = request.protocol_type;
    plain.protocol_name = request.protocol_name;
    for (auto& assignment : request.assignments) {
        plain.assignments.push_back({assignment.member_id, to_plain(assignment.assignment)});
    }
    auto reply = co_await through_coordinator<groups::sync_response>(
        context, request.group_id, plain,
        [](groups::group_coordinator& machine, groups::request_id id,
           const groups::sync_request& sync, std::int64_t now) { machine.sync(id, sync, now); });
    kafka::sync_group_response response;
    if (!reply) {
        response.error_code = not_coordinator;
        co_return response;
    }
    response.error_code = reply->error_code;
    response.protocol_type = reply->protocol_type;
    response.protocol_name = reply->protocol_name;
    response.assignment = to_wire(reply->assignment);
    co_return response;
}

task<kafka::heartbeat_response> handle_heartbeat(shard_context& context,
                                                 const kafka::request_header&,
                                                 kafka::heartbeat_request request) {
    groups::heartbeat_request plain{request.group_id, request.generation_id, request.member_id,
                                    request.group_instance_id};
    auto reply = co_await through_coordinator<groups::heartbeat_response>(
        context, request.group_id, plain,
        [](groups::group_coordinator& machine, groups::request_id id,
           const groups::heartbeat_request& beat,
           std::int64_t now) { machine.heartbeat(id, beat, now); });
    kafka::heartbeat_response response;
    response.error_code = reply ? reply->error_code : not_coordinator;
    co_return response;
}

task<kafka::leave_group_response> handle_leave_group(shard_context& context,
                                                     const kafka::request_header& header,
                                                     kafka::leave_group_request request) {
    groups::leave_request plain;
    plain.group_id = request.group_id;
    if (header.api_version < 3) {
        plain.members.push_back({request.member_id, std::nullopt, std::nullopt});
    } else {
        for (auto& member : request.members) {
            plain.members.push_back({member.member_id, member.group_instance_id, member.reason});
        }
    }
    auto reply = co_await through_coordinator<groups::leave_response>(
        context, request.group_id, plain,
        [](groups::group_coordinator& machine, groups::request_id id,
           const groups::leave_request& leave, std::int64_t now) { machine.leave(id, leave, now); });
    kafka::leave_group_response response;
    if (!reply) {
        response.error_code = not_coordinator;
        co_return response;
    }
    response.error_code = reply->error_code;
    if (header.api_version < 3) {
        // One member: its error is the response's (as Kafka answers v0-2).
        if (response.error_code == 0 && !reply->members.empty()) {
            response.error_code = reply->members.front().error_code;
        }
        co_return response;
    }
    for (auto& member : reply->members) {
        response.members.push_back({member.member_id, member.group_instance_id,
                                    member.error_code});
    }
    co_return response;
}

namespace {

// OffsetCommit and TxnOffsetCommit: partitions of topics that do not exist are answered here
// (UNKNOWN_TOPIC_OR_PARTITION); the rest go to the coordinator through `send(plain)`, which
// answers them in the order given (NOT_COORDINATOR when it does not answer). `sent` remembers
// where each of those goes back.
template <typename Response, typename Topics, typename ToPlain, typename Send>
task<Response> commit_known_partitions(shard_context& context, const Topics& topics,
                                       groups::offset_commit_request& plain, ToPlain to_plain,
                                       Send send) {
    struct position {
        std::size_t topic = 0;
        std::size_t partition = 0;
    };
    Response response;
    std::vector<position> sent;
    for (std::size_t t = 0; t < topics.size(); ++t) {
        const auto& topic = topics[t];
        typename decltype(response.topics)::value_type answered;
        answered.name = topic.name;
        groups::commit_topic known{topic.name, {}};
        const auto* state = context.metadata.find_topic(topic.name);
        for (std::size_t p = 0; p < topic.partitions.size(); ++p) {
            const auto& partition = topic.partitions[p];
            const bool exists = state != nullptr && partition.partition_index >= 0 &&
                                static_cast<std::size_t>(partition.partition_index) <
                                    state->partitions.size();
            auto& result = answered.partitions.emplace_back();
            result.partition_index = partition.partition_index;
            result.error_code =
                exists ? not_coordinator : code(kafka_error::unknown_topic_or_partition);
            if (!exists) continue;
            known.partitions.push_back(to_plain(partition));
            sent.push_back({t, p});
        }
        response.topics.push_back(std::move(answered));
        if (!known.partitions.empty()) plain.topics.push_back(std::move(known));
    }
    if (plain.topics.empty()) co_return response;
    std::optional<groups::offset_commit_response> reply = co_await send();
    if (!reply) co_return response;  // every sent partition says NOT_COORDINATOR
    std::size_t next = 0;
    for (const auto& topic : reply->topics) {
        for (const auto& partition : topic.partitions) {
            if (next == sent.size()) break;
            const auto where = sent[next++];
            response.topics[where.topic].partitions[where.partition].error_code =
                partition.error_code;
        }
    }
    co_return response;
}

}  // namespace

task<kafka::offset_commit_response> handle_offset_commit(shard_context& context,
                                                         const kafka::request_header& header,
                                                         kafka::offset_commit_request request) {
    groups::offset_commit_request plain;
    plain.group_id = request.group_id;
    plain.generation_id_or_member_epoch = request.generation_id_or_member_epoch;
    plain.member_id = request.member_id;
    plain.group_instance_id = request.group_instance_id;
    plain.retention_time_ms =
        header.api_version >= 2 && header.api_version <= 4 ? request.retention_time_ms : -1;
    const auto version = header.api_version;
    auto to_plain = [version](const kafka::offset_commit_request_partition& partition) {
        return groups::commit_partition{
            partition.partition_index, partition.committed_offset, partition.committed_leader_epoch,
            version == 1 ? partition.commit_timestamp : std::int64_t{-1},
            partition.committed_metadata};
    };
    auto send = [&context, &plain]() {
        return through_coordinator<groups::offset_commit_response>(
            context, plain.group_id, plain,
            [](groups::group_coordinator& machine, groups::request_id id,
               const groups::offset_commit_request& commit,
               std::int64_t now) { machine.offset_commit(id, commit, now); });
    };
    co_return co_await commit_known_partitions<kafka::offset_commit_response>(
        context, request.topics, plain, to_plain, send);
}

task<kafka::txn_offset_commit_response> handle_txn_offset_commit(
    shard_context& context, const kafka::request_header& header,
    kafka::txn_offset_commit_request request) {
    groups::txn_offset_commit_request plain;
    plain.producer_id = request.producer_id;
    plain.producer_epoch = request.producer_epoch;
    auto& commit = plain.commit;
    commit.group_id = request.group_id;
    if (header.api_version >= 3) {
        commit.generation_id_or_member_epoch = request.generation_id;
        commit.member_id = request.member_id;
        commit.group_instance_id = request.group_instance_id;
    }
    auto to_plain = [](const kafka::txn_offset_commit_request_partition& partition) {
        return groups::commit_partition{partition.partition_index, partition.committed_offset,
                                        partition.committed_leader_epoch, -1,
                                        partition.committed_metadata};
    };
    auto send = [&context, &plain]() {
        return through_coordinator<groups::offset_commit_response>(
            context, plain.commit.group_id, plain,
            [](groups::group_coordinator& machine, groups::request_id id,
               const groups::txn_offset_commit_request& txn_commit,
               std::int64_t now) { machine.txn_offset_commit(id, txn_commit, now); });
    };
    auto response = co_await commit_known_partitions<kafka::txn_offset_commit_response>(
        context, request.topics, commit, to_plain, send);
    // Clients before v3 know no PRODUCER_FENCED (Kafka's TxnOffsetCommitResponse downgrade).
    if (header.api_version < 3) {
        for (auto& topic : response.topics) {
            for (auto& partition : topic.partitions) {
                if (partition.error_code == code(kafka_error::producer_fenced)) {
                    partition.error_code = code(kafka_error::invalid_producer_epoch);
                }
            }
        }
    }
    co_return response;
}

task<kafka::offset_fetch_response> handle_offset_fetch(shard_context& context,
                                                       const kafka::request_header& header,
                                                       kafka::offset_fetch_request request) {
    struct one_group {
        std::string group_id;
        std::optional<std::vector<kafka::offset_fetch_request_topic>> topics;
    };
    std::vector<one_group> wanted;
    if (header.api_version >= 8) {
        for (auto& group : request.groups) wanted.push_back({group.group_id, group.topics});
    } else {
        wanted.push_back({request.group_id, request.topics});
    }
    kafka::offset_fetch_response response;
    for (auto& group : wanted) {
        groups::offset_fetch_request plain;
        plain.group_id = group.group_id;
        plain.require_stable = request.require_stable;
        if (group.topics) {
            plain.topics.emplace();
            for (auto& topic : *group.topics) {
                plain.topics->push_back({topic.name, topic.partition_indexes});
            }
        }
        auto fetch = [plain](groups::group_coordinator& machine, std::int64_t) {
            return machine.offset_fetch(plain);
        };
        auto fetched =
            co_await at_coordinator<groups::offset_fetch_response>(context, group.group_id, fetch);
        kafka::offset_fetch_response_group out;
        out.group_id = group.group_id;
        out.error_code = fetched ? fetched->error_code : not_coordinator;
        if (fetched) {
            for (auto& topic : fetched->topics) {
                kafka::offset_fetch_response_topic wire_topic{topic.name, {}};
                for (auto& partition : topic.partitions) {
                    kafka::offset_fetch_response_partition entry;
                    entry.partition_index = partition.partition_index;
                    entry.committed_offset = partition.committed_offset;
                    entry.committed_leader_epoch = partition.committed_leader_epoch;
                    entry.metadata = partition.metadata ? partition.metadata : std::string{};
                    entry.error_code = partition.error_code;
                    // v0-1 have no group-level error: it goes on every partition.
                    if (header.api_version < 2 && out.error_code != 0) {
                        entry.error_code = out.error_code;
                    }
                    wire_topic.partitions.push_back(std::move(entry));
                }
                out.topics.push_back(std::move(wire_topic));
            }
        } else if (group.topics && header.api_version < 2) {
            for (auto& topic : *group.topics) {
                kafka::offset_fetch_response_topic wire_topic{topic.name, {}};
                for (auto index : topic.partition_indexes) {
                    kafka::offset_fetch_response_partition entry;
                    entry.partition_index = index;
                    entry.committed_offset = -1;
                    entry.metadata = std::string{};
                    entry.error_code = not_coordinator;
                    wire_topic.partitions.push_back(std::move(entry));
                }
                out.topics.push_back(std::move(wire_topic));
            }
        }
        if (header.api_version >= 8) {
            response.groups.push_back(std::move(out));
        } else {
            response.topics = std::move(out.topics);
            response.error_code = out.error_code;
        }
    }
    co_return response;
}

task<kafka::describe_groups_response> handle_describe_groups(
    shard_context& context, const kafka::request_header&, kafka::describe_groups_request request) {
    kafka::describe_groups_response response;
    for (const auto& group_id : request.groups) {
        auto describe = [group_id](groups::group_coordinator& machine, std::int64_t) {
            return machine.describe(group_id);
        };
        auto described =
            co_await at_coordinator<groups::describe_response>(context, group_id, describe);
        kafka::described_group out;
        out.group_id = group_id;
        if (!described) {
            out.error_code = not_coordinator;
        } else {
            out.error_code = described->error_code;
            out.group_state = described->state;
            out.protocol_type = described->protocol_type;
            out.protocol_data = described->protocol_data;
            for (auto& member : described->members) {
                out.members.push_back({member.member_id, member.group_instance_id,
                                       member.client_id, member.client_host,
                                       to_wire(member.metadata), to_wire(member.assignment)});
            }
        }
        out.authorized_operations =
            request.include_authorized_operations ? group_operations_all : operations_omitted;
        response.groups.push_back(std::move(out));
    }
    co_return response;
}

task<kafka::list_groups_response> handle_list_groups(shard_context& context,
                                                     const kafka::request_header&,
                                                     kafka::list_groups_request request) {
    kafka::list_groups_response response;
    groups::list_request plain{request.states_filter};
    for (unsigned shard = 0; shard < context.shard_count; ++shard) {
        auto gather = [plain]() -> task<groups::list_response> {
            groups::list_response merged;
            shard_context::current().groups->for_each(
                [&](std::int32_t, const groups::group_coordinator& machine) {
                    auto listed = machine.list(plain);
                    if (listed.error_code != 0) merged.error_code = listed.error_code;
                    for (auto& group : listed.groups) merged.groups.push_back(std::move(group));
                });
            co_return merged;
        };
        auto listed = co_await submit_to(shard, gather);
        if (listed.error_code != 0) response.error_code = listed.error_code;
        for (auto& group : listed.groups) {
            response.groups.push_back({group.group_id, group.protocol_type, group.state});
        }
    }
    co_return response;
}

task<kafka::delete_groups_response> handle_delete_groups(shard_context& context,
                                                         const kafka::request_header&,
                                                         kafka::delete_groups_request request) {
    kafka::delete_groups_response response;
    for (const auto& group_id : request.groups_names) {
        auto remove = [group_id](groups::group_coordinator& machine, std::int64_t now) {
            return machine.delete_groups({group_id}, now);
        };
        auto deleted =
            co_await at_coordinator<std::vector<groups::deleted_group>>(context, group_id, remove);
        kafka::deletable_group_result out;
        out.group_id = group_id;
        out.error_code = deleted && !deleted->empty() ? deleted->front().error_code
                                                      : not_coordinator;
        response.results.push_back(std::move(out));
    }
    co_return response;
}

task<kafka::offset_delete_response> handle_offset_delete(shard_context& context,
                                                         const kafka::request_header&,
                                                         kafka::offset_delete_request request) {
    kafka::offset_delete_response response;
    groups::offset_delete_request plain;
    plain.group_id = request.group_id;
    for (auto& topic : request.topics) {
        groups::offset_delete_topic entry{topic.name, {}};
        for (auto& partition : topic.partitions) {
            entry.partition_indexes.push_back(partition.partition_index);
        }
        plain.topics.push_back(std::move(entry));
    }
    auto remove = [plain](groups::group_coordinator& machine, std::int64_t now) {
        return machine.offset_delete(plain, now);
    };
    auto deleted =
        co_await at_coordinator<groups::offset_delete_response>(context, request.group_id, remove);
    if (!deleted) {
        response.error_code = not_coordinator;
        co_return response;
    }
    response.error_code = deleted->error_code;
    for (auto& topic : deleted->topics) {
        kafka::offset_delete_response_topic out{topic.name, {}};
        const auto* state = context.metadata.find_topic(topic.name);
        for (auto& partition : topic.partitions) {
            auto error = partition.error_code;
            if (state == nullptr || partition.partition_index < 0 ||
                static_cast<std::size_t>(partition.partition_index) >= state->partitions.size()) {
                error = code(kafka_error::unknown_topic_or_partition);
            }
            out.partitions.push_back({partition.partition_index, error});
        }
        response.topics.push_back(std::move(out));
    }
    co_return response;
}

}  // namespace laminar::broker
