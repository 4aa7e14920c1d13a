#include "broker/kafka_handler.h"

#include "broker/api_acls.h"
#include "broker/api_alter_configs.h"
#include "broker/api_client_quotas.h"
#include "broker/api_configs.h"
#include "broker/api_features.h"
#include "broker/api_fetch.h"
#include "broker/api_groups.h"
#include "broker/api_init_producer_id.h"
#include "broker/api_list_offsets.h"
#include "broker/api_metadata.h"
#include "broker/api_partition_admin.h"
#include "broker/api_produce.h"
#include "broker/api_replica_admin.h"
#include "broker/api_security.h"
#include "broker/api_topics.h"
#include "broker/api_transactions.h"
#include "broker/client_quota_manager.h"
#include "broker/kafka_response.h"
#include "broker/partition_manager.h"
#include "broker/txn_markers.h"
#include "broker/wire_uuid.h"
#include "core/log.h"
#include "net/kafka/messages.h"

namespace laminar::broker {

namespace {

using kafka::api_key;

// The request's body; a body that does not decode is logged here (the caller closes the
// connection, as Kafka does).
template <typename M>
kafka::codec_result<M> decode(const kafka::request_header& header,
                              std::span<const std::byte> body) {
    auto request = kafka::decode_request_body<M>(body, header.api_version);
    if (!request) {
        LAMINAR_LOG_DEBUG("closing connection: api {} v{} request does not decode ({})",
                          header.api_key, header.api_version, kafka::to_string(request.error()));
    }
    return request;
}

}  // namespace

bool broker_handles(std::int16_t key) noexcept {
    switch (static_cast<api_key>(key)) {
    case api_key::produce:
    case api_key::fetch:
    case api_key::list_offsets:
    case api_key::api_versions:
    case api_key::metadata:
    case api_key::create_topics:
    case api_key::delete_topics:
    case api_key::create_partitions:
    case api_key::describe_cluster:
    case api_key::describe_quorum:
    case api_key::update_features:
    case api_key::unregister_broker:
    case api_key::describe_client_quotas:
    case api_key::alter_client_quotas:
    case api_key::describe_configs:
    case api_key::find_coordinator:
    case api_key::join_group:
    case api_key::sync_group:
    case api_key::heartbeat:
    case api_key::leave_group:
    case api_key::offset_commit:
    case api_key::offset_fetch:
    case api_key::describe_groups:
    case api_key::list_groups:
    case api_key::delete_groups:
    case api_key::offset_delete:
    case api_key::alter_configs:
    case api_key::incremental_alter_configs:
    case api_key::delete_records:
    case api_key::describe_log_dirs:
    case api_key::alter_replica_log_dirs:
    case api_key::offset_for_leader_epoch:
    case api_key::init_producer_id:
    case api_key::describe_acls:
    case api_key::create_acls:
    case api_key::delete_acls:
    case api_key::sasl_handshake:
    case api_key::sasl_authenticate:
    case api_key::create_delegation_token:
    case api_key::renew_delegation_token:
    case api_key::expire_delegation_token:
    case api_key::describe_delegation_token:
    case api_key::elect_leaders:
    case api_key::alter_partition_reassignments:
    case api_key::list_partition_reassignments:
    case api_key::describe_producers:
    case api_key::add_partitions_to_txn:
    case api_key::add_offsets_to_txn:
    case api_key::end_txn:
    case api_key::write_txn_markers:
    case api_key::txn_offset_commit:
    case api_key::describe_transactions:
    case api_key::list_transactions: return true;
    default:
        return false;
    }
}

task<status> kafka_handler::handle(connection_info& connection,
                                   std::span<const std::byte> frame,
                                   net::outbound_chain& response) {
    kafka::reader in(frame);
    auto header = kafka::decode_request_header(in);
    if (!header) {
        LAMINAR_LOG_DEBUG("closing connection: undecodable request header ({})",
                          kafka::to_string(header.error()));
        co_return fail(errc::corrupt_data);
    }
    const auto body = frame.subspan(in.position());
    if (header->api_key == static_cast<std::int16_t>(api_key::api_versions) &&
        !kafka::is_version_supported(header->api_key, header->api_version)) {
        // KIP-511: answer in v0 so an older or newer client learns what we speak.
        co_return append_response_in(*header, 0, unsupported_api_versions(), response);
    }
    if (!broker_handles(header->api_key) ||
        !kafka::is_version_supported(header->api_key, header->api_version)) {
        LAMINAR_LOG_DEBUG("closing connection: api {} v{} not served", header->api_key,
                          header->api_version);
        co_return fail(errc::unsupported);
    }
    connection.request_bytes = frame.size();
    co_return co_await dispatch(connection, *header, body, response);
}

// Frames `reply`; an optional one that is empty closes the connection instead (an ACL API's
// UNKNOWN element, as Kafka, api_acls.h; an answer over api_replica_admin.h's bound).
template <typename Response>
status frame_answer(const kafka::request_header& header, const Response& reply,
                    net::outbound_chain& response) {
    return append_response(header, reply, response);
}
template <typename Response>
status frame_answer(const kafka::request_header& header, const std::optional<Response>& reply,
                    net::outbound_chain& response) {
    if (!reply) {
        LAMINAR_LOG_DEBUG(
            "closing connection: api {} v{} request refused (an UNKNOWN element, "
            "or an answer too large)",
            header.api_key, header.api_version);
        return fail(errc::corrupt_data);
    }
    return append_response(header, *reply, response);
}

// Decodes the request, runs `handler` (returning task<Response> or task<optional<Response>>)
// and frames its answer. The handler lambdas capture by reference only: g++ 12 mishandles
// temporaries with destructors in co_await expressions (core/task.h).
template <typename Request, typename Handler>
task<status> answer(const kafka::request_header& header, std::span<const std::byte> body,
                    net::outbound_chain& response, Handler handler) {
    auto request = decode<Request>(header, body);
    if (!request) co_return fail(errc::corrupt_data);
    auto reply = co_await handler(*request);
    co_return frame_answer(header, reply, response);
}

// An API answered at once by `answer_of`, a function of the request returning the response (or
// an optional one, as frame_answer).
template <typename Request, typename Answer>
status answer_now(const kafka::request_header& header, std::span<const std::byte> body,
                  net::outbound_chain& response, Answer answer_of) {
    auto request = decode<Request>(header, body);
    if (!request) return fail(errc::corrupt_data);
    return frame_answer(header, answer_of(*request), response);
}

namespace {

// Which shard owns the partitions a Produce or Fetch names, for the server to move the
// connection there (server.h). Unknown topics count as no shard.
class placement_finder {
public:
    explicit placement_finder(const shard_context& context) : _context(context) {}
    void add(const ctl::topic_state* topic, std::int32_t partition) {
        if (topic == nullptr) {
            _mixed = true;
            return;
        }
        const unsigned owner = owner_shard(topic->topic_id, partition, _context.partition_shards);
        if (_shard && *_shard != owner) _mixed = true;
        _shard = owner;
    }
    connection_info::request_placement placement() const {
        connection_info::request_placement placement;
        placement.data = true;
        if (!_mixed) placement.shard = _shard;
        return placement;
    }

private:
    const shard_context& _context;
    std::optional<unsigned> _shard;
    bool _mixed = false;
};

connection_info::request_placement placement_of(const shard_context& context,
                                                const kafka::produce_request& request) {
    placement_finder finder(context);
    for (const auto& topic : request.topic_data) {
        const auto* state = context.metadata.find_topic(topic.name);
        for (const auto& partition : topic.partition_data) finder.add(state, partition.index);
    }
    return finder.placement();
}

connection_info::request_placement placement_of(const shard_context& context,
                                                std::int16_t version,
                                                const kafka::fetch_request& request) {
    placement_finder finder(context);
    for (const auto& topic : request.topics) {
        const auto* state = version >= 13
                                ? context.metadata.find_topic(from_wire_uuid(topic.topic_id))
                                : context.metadata.find_topic(topic.topic);
        for (const auto& partition : topic.partitions) finder.add(state, partition.partition);
    }
    auto placement = finder.placement();
    placement.fetch = true;
    // Epoch 0 opens a session, a later epoch continues one; -1 is sessionless (or closes one).
    placement.holds_fetch_session = request.session_epoch >= 0;
    return placement;
}

}  // namespace

task<status> kafka_handler::dispatch(connection_info& connection,
                                     const kafka::request_header& header,
                                     std::span<const std::byte> body,
                                     net::outbound_chain& response) {
    auto& context = _context;
    switch (static_cast<api_key>(header.api_key)) {
    case api_key::api_versions:
        co_return co_await answer<kafka::api_versions_request>(
            header, body, response, [&](auto& request) -> task<kafka::api_versions_response> {
                co_return handle_api_versions(context, request);
            });
    case api_key::metadata:
        co_return co_await answer<kafka::metadata_request>(
            header, body, response,
            [&](auto& request) { return handle_metadata(context, header, std::move(request)); });
    case api_key::produce: {
        auto request = decode<kafka::produce_request>(header, body);
        if (!request) co_return fail(errc::corrupt_data);
        if (context.partition_shards.size() > 1) {
            connection.placement = placement_of(context, *request);
        }
        auto reply = co_await handle_produce(context, header, *request);
        // producer_byte_rate counts the whole request (Kafka's request.sizeInBytes), acks=0 too.
        if (auto quota =
                client_quota_of(context.metadata, quota_kind::produce, client_id_of(header));
            quota && context.quotas != nullptr) {
            connection.throttle_ms = context.quotas->record(
                quota_kind::produce, *quota, static_cast<double>(connection.request_bytes),
                quota_clock_ms());
            reply.throttle_time_ms = static_cast<std::int32_t>(
                std::min<std::int64_t>(connection.throttle_ms, INT32_MAX));
        }
        if (request->acks == 0) {
            // No response, as in Kafka; but a partition's error closes the connection, so that
            // the producer learns of it (and refreshes its metadata).
            for (const auto& topic : reply.responses) {
                for (const auto& partition : topic.partition_responses) {
                    if (partition.error_code == 0) continue;
                    LAMINAR_LOG_DEBUG("acks=0 produce to {}-{} failed ({}): closing the connection",
                                      topic.name, partition.index, partition.error_code);
                    co_return fail(errc::connection_closed);
                }
            }
            co_return status{};
        }
        co_return append_response(header, reply, response);
    }
    case api_key::fetch: {
        auto request = decode<kafka::fetch_request>(header, body);
        if (!request) co_return fail(errc::corrupt_data);
        if (context.partition_shards.size() > 1) {
            connection.placement = placement_of(context, header.api_version, *request);
        }
        co_return co_await handle_fetch(context, header, *request, response,
                                        connection.throttle_ms);
    }
    case api_key::list_offsets:
        co_return co_await answer<kafka::list_offsets_request>(
            header, body, response,
            [&](auto& request) { return handle_list_offsets(header, request); });
    case api_key::create_topics:
        co_return co_await answer<kafka::create_topics_request>(
            header, body, response, [&](auto& request) {
                return handle_create_topics(context, header, std::move(request));
            });
    case api_key::delete_topics:
        co_return co_await answer<kafka::delete_topics_request>(
            header, body, response, [&](auto& request) {
                return handle_delete_topics(context, header, std::move(request));
            });
    case api_key::create_partitions:
        co_return co_await answer<kafka::create_partitions_request>(
            header, body, response, [&](auto& request) {
                return handle_create_partitions(context, header, std::move(request));
            });
    case api_key::describe_cluster:
        co_return co_await answer<kafka::describe_cluster_request>(
            header, body, response, [&](auto& request) -> task<kafka::describe_cluster_response> {
                co_return handle_describe_cluster(context, request);
            });
    case api_key::describe_quorum:
        co_return answer_now<kafka::describe_quorum_request>(
            header, body, response,
            [&](const auto& request) { return answer_describe_quorum(context, request); });
    case api_key::update_features:
        co_return co_await answer<kafka::update_features_request>(
            header, body, response,
            [&](auto& request) { return handle_update_features(header, std::move(request)); });
    case api_key::unregister_broker:
        co_return co_await answer<kafka::unregister_broker_request>(
            header, body, response,
            [&](auto& request) { return handle_unregister_broker(request); });
    case api_key::describe_client_quotas:
        co_return answer_now<kafka::describe_client_quotas_request>(
            header, body, response,
            [&](const auto& request) { return handle_describe_client_quotas(context, request); });
    case api_key::alter_client_quotas:
        co_return co_await answer<kafka::alter_client_quotas_request>(
            header, body, response,
            [&](auto& request) { return handle_alter_client_quotas(std::move(request)); });
    case api_key::describe_acls:
        co_return answer_now<kafka::describe_acls_request>(header, body, response,
                                                           answer_describe_acls);
    case api_key::create_acls:
        co_return answer_now<kafka::create_acls_request>(header, body, response,
                                                         answer_create_acls);
    case api_key::delete_acls:
        co_return answer_now<kafka::delete_acls_request>(header, body, response,
                                                         answer_delete_acls);
    case api_key::describe_configs:
        co_return co_await answer<kafka::describe_configs_request>(
            header, body, response, [&](auto& request) -> task<kafka::describe_configs_response> {
                co_return handle_describe_configs(context, header, request);
            });
    case api_key::find_coordinator:
        co_return co_await answer<kafka::find_coordinator_request>(
            header, body, response, [&](auto& request) {
                return handle_find_coordinator(context, header, request);
            });
    case api_key::join_group:
        co_return co_await answer<kafka::join_group_request>(
            header, body, response, [&](auto& request) {
                return handle_join_group(context, connection, header, std::move(request));
            });
    case api_key::sync_group:
        co_return co_await answer<kafka::sync_group_request>(
            header, body, response, [&](auto& request) {
                return handle_sync_group(context, header, std::move(request));
            });
    case api_key::heartbeat:
        co_return co_await answer<kafka::heartbeat_request>(
            header, body, response, [&](auto& request) {
                return handle_heartbeat(context, header, std::move(request));
            });
    case api_key::leave_group:
        co_return co_await answer<kafka::leave_group_request>(
            header, body, response, [&](auto& request) {
                return handle_leave_group(context, header, std::move(request));
            });
    case api_key::offset_commit:
        co_return co_await answer<kafka::offset_commit_request>(
            header, body, response, [&](auto& request) {
                return handle_offset_commit(context, header, std::move(request));
            });
    case api_key::offset_fetch:
        co_return co_await answer<kafka::offset_fetch_request>(
            header, body, response, [&](auto& request) {
                return handle_offset_fetch(context, header, std::move(request));
            });
    case api_key::describe_groups:
        co_return co_await answer<kafka::describe_groups_request>(
            header, body, response, [&](auto& request) {
                return handle_describe_groups(context, header, std::move(request));
            });
    case api_key::list_groups:
        co_return co_await answer<kafka::list_groups_request>(
            header, body, response, [&](auto& request) {
                return handle_list_groups(context, header, std::move(request));
            });
    case api_key::delete_groups:
        co_return co_await answer<kafka::delete_groups_request>(
            header, body, response, [&](auto& request) {
                return handle_delete_groups(context, header, std::move(request));
            });
    case api_key::offset_delete:
        co_return co_await answer<kafka::offset_delete_request>(
            header, body, response, [&](auto& request) {
                return handle_offset_delete(context, header, std::move(request));
            });
    case api_key::alter_configs:
        co_return co_await answer<kafka::alter_configs_request>(
            header, body, response, [&](auto& request) {
                return handle_alter_configs(context, header, std::move(request));
            });
    case api_key::incremental_alter_configs:
        co_return co_await answer<kafka::incremental_alter_configs_request>(
            header, body, response, [&](auto& request) {
                return handle_incremental_alter_configs(context, header, std::move(request));
            });
    case api_key::delete_records:
        co_return co_await answer<kafka::delete_records_request>(
            header, body, response,
            [&](auto& request) { return handle_delete_records(header, request); });
    case api_key::describe_log_dirs:
        co_return co_await answer<kafka::describe_log_dirs_request>(
            header, body, response,
            [&](auto& request) { return handle_describe_log_dirs(context, header, request); });
    case api_key::alter_replica_log_dirs:
        co_return answer_now<kafka::alter_replica_log_dirs_request>(
            header, body, response, [&](const kafka::alter_replica_log_dirs_request& request) {
                return answer_alter_replica_log_dirs(context, request);
            });
    case api_key::offset_for_leader_epoch:
        co_return co_await answer<kafka::offset_for_leader_epoch_request>(
            header, body, response,
            [&](auto& request) { return handle_offset_for_leader_epoch(header, request); });
    case api_key::init_producer_id:
        co_return co_await answer<kafka::init_producer_id_request>(
            header, body, response, [&](auto& request) {
                return handle_init_producer_id(context, header, request);
            });
    case api_key::sasl_handshake:
        co_return answer_now<kafka::sasl_handshake_request>(header, body, response,
                                                            answer_sasl_handshake);
    case api_key::sasl_authenticate:
        co_return answer_now<kafka::sasl_authenticate_request>(header, body, response,
                                                               answer_sasl_authenticate);
    case api_key::create_delegation_token:
        co_return answer_now<kafka::create_delegation_token_request>(
            header, body, response, answer_create_delegation_token);
    case api_key::renew_delegation_token:
        co_return answer_now<kafka::renew_delegation_token_request>(header, body, response,
                                                                    answer_renew_delegation_token);
    case api_key::expire_delegation_token:
        co_return answer_now<kafka::expire_delegation_token_request>(
            header, body, response, answer_expire_delegation_token);
    case api_key::describe_delegation_token:
        co_return answer_now<kafka::describe_delegation_token_request>(
            header, body, response, answer_describe_delegation_token);
    case api_key::elect_leaders: {
        const auto version = header.api_version;
        co_return answer_now<kafka::elect_leaders_request>(
            header, body, response, [&](const kafka::elect_leaders_request& request) {
                return answer_elect_leaders(context.metadata, version, request);
            });
    }
    case api_key::alter_partition_reassignments:
        co_return answer_now<kafka::alter_partition_reassignments_request>(
            header, body, response,
            [&](const kafka::alter_partition_reassignments_request& request) {
                return answer_alter_partition_reassignments(context.metadata, request);
            });
    case api_key::list_partition_reassignments:
        co_return answer_now<kafka::list_partition_reassignments_request>(
            header, body, response, answer_list_partition_reassignments);
    case api_key::describe_producers:
        co_return co_await answer<kafka::describe_producers_request>(
            header, body, response,
            [&](auto& request) { return handle_describe_producers(request); });
    case api_key::add_partitions_to_txn:
        co_return co_await answer<kafka::add_partitions_to_txn_request>(
            header, body, response, [&](auto& request) {
                return handle_add_partitions_to_txn(context, header, std::move(request));
            });
    case api_key::add_offsets_to_txn:
        co_return co_await answer<kafka::add_offsets_to_txn_request>(
            header, body, response, [&](auto& request) {
                return handle_add_offsets_to_txn(context, header, std::move(request));
            });
    case api_key::end_txn:
        co_return co_await answer<kafka::end_txn_request>(
            header, body, response,
            [&](auto& request) { return handle_end_txn(context, header, std::move(request)); });
    case api_key::txn_offset_commit:
        co_return co_await answer<kafka::txn_offset_commit_request>(
            header, body, response, [&](auto& request) {
                return handle_txn_offset_commit(context, header, std::move(request));
            });
    case api_key::describe_transactions:
        co_return co_await answer<kafka::describe_transactions_request>(
            header, body, response, [&](auto& request) {
                return handle_describe_transactions(context, std::move(request));
            });
    case api_key::list_transactions:
        co_return co_await answer<kafka::list_transactions_request>(
            header, body, response,
            [&](auto& request) { return handle_list_transactions(context, std::move(request)); });
    case api_key::write_txn_markers:
        co_return co_await answer<kafka::write_txn_markers_request>(
            header, body, response,
            [&](auto& request) { return handle_write_txn_markers(request); });
    default:
        co_return fail(errc::unsupported);
    }
}

}  // namespace laminar::broker
