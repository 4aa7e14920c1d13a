// Every message Laminar declares, and the dispatch from an API key to its request type.
#pragma once

#include <span>

#include "net/kafka/acls.h"
#include "net/kafka/admin_configs.h"
#include "net/kafka/admin_topics.h"
#include "net/kafka/api_versions.h"
#include "net/kafka/client_quotas.h"
#include "net/kafka/cluster_admin.h"
#include "net/kafka/cluster_features.h"
#include "net/kafka/fetch.h"
#include "net/kafka/groups.h"
#include "net/kafka/header.h"
#include "net/kafka/list_offsets.h"
#include "net/kafka/metadata.h"
#include "net/kafka/produce.h"
#include "net/kafka/replica_admin.h"
#include "net/kafka/security.h"
#include "net/kafka/transactions.h"

namespace laminar::kafka {

// Calls fn(request_type{}, response_type{}) for the API, with value-initialised messages to
// deduce their types from; returns false when the API has no declared messages. The broker's
// dispatch and the fuzz target use it; it costs one switch.
template <typename F>
bool with_messages(std::int16_t key, F&& fn) {
    switch (static_cast<api_key>(key)) {
    case api_key::produce: fn(produce_request{}, produce_response{}); return true;
    case api_key::fetch: fn(fetch_request{}, fetch_response{}); return true;
    case api_key::list_offsets: fn(list_offsets_request{}, list_offsets_response{}); return true;
    case api_key::metadata: fn(metadata_request{}, metadata_response{}); return true;
    case api_key::api_versions: fn(api_versions_request{}, api_versions_response{}); return true;
    case api_key::offset_commit: fn(offset_commit_request{}, offset_commit_response{}); return true;
    case api_key::offset_fetch: fn(offset_fetch_request{}, offset_fetch_response{}); return true;
    case api_key::find_coordinator:
        fn(find_coordinator_request{}, find_coordinator_response{});
        return true;
    case api_key::join_group: fn(join_group_request{}, join_group_response{}); return true;
    case api_key::heartbeat: fn(heartbeat_request{}, heartbeat_response{}); return true;
    case api_key::leave_group: fn(leave_group_request{}, leave_group_response{}); return true;
    case api_key::sync_group: fn(sync_group_request{}, sync_group_response{}); return true;
    case api_key::describe_groups:
        fn(describe_groups_request{}, describe_groups_response{});
        return true;
    case api_key::list_groups: fn(list_groups_request{}, list_groups_response{}); return true;
    case api_key::create_topics: fn(create_topics_request{}, create_topics_response{}); return true;
    case api_key::delete_topics: fn(delete_topics_request{}, delete_topics_response{}); return true;
    case api_key::init_producer_id:
        fn(init_producer_id_request{}, init_producer_id_response{});
        return true;
    case api_key::offset_for_leader_epoch:
        fn(offset_for_leader_epoch_request{}, offset_for_leader_epoch_response{});
        return true;
    case api_key::describe_acls: fn(describe_acls_request{}, describe_acls_response{}); return true;
    case api_key::create_acls: fn(create_acls_request{}, create_acls_response{}); return true;
    case api_key::delete_acls: fn(delete_acls_request{}, delete_acls_response{}); return true;
    case api_key::describe_configs:
        fn(describe_configs_request{}, describe_configs_response{});
        return true;
    case api_key::create_partitions:
        fn(create_partitions_request{}, create_partitions_response{});
        return true;
    case api_key::delete_groups: fn(delete_groups_request{}, delete_groups_response{}); return true;
    case api_key::offset_delete: fn(offset_delete_request{}, offset_delete_response{}); return true;
    case api_key::describe_cluster:
        fn(describe_cluster_request{}, describe_cluster_response{});
        return true;
    case api_key::describe_quorum:
        fn(describe_quorum_request{}, describe_quorum_response{});
        return true;
    case api_key::update_features:
        fn(update_features_request{}, update_features_response{});
        return true;
    case api_key::unregister_broker:
        fn(unregister_broker_request{}, unregister_broker_response{});
        return true;
    case api_key::describe_client_quotas:
        fn(describe_client_quotas_request{}, describe_client_quotas_response{});
        return true;
    case api_key::alter_client_quotas:
        fn(alter_client_quotas_request{}, alter_client_quotas_response{});
        return true;
    case api_key::delete_records:
        fn(delete_records_request{}, delete_records_response{});
        return true;
    case api_key::alter_configs: fn(alter_configs_request{}, alter_configs_response{}); return true;
    case api_key::alter_replica_log_dirs:
        fn(alter_replica_log_dirs_request{}, alter_replica_log_dirs_response{});
        return true;
    case api_key::describe_log_dirs:
        fn(describe_log_dirs_request{}, describe_log_dirs_response{});
        return true;
    case api_key::incremental_alter_configs:
        fn(incremental_alter_configs_request{}, incremental_alter_configs_response{});
        return true;
    case api_key::sasl_handshake:
        fn(sasl_handshake_request{}, sasl_handshake_response{});
        return true;
    case api_key::sasl_authenticate:
        fn(sasl_authenticate_request{}, sasl_authenticate_response{});
        return true;
    case api_key::create_delegation_token:
        fn(create_delegation_token_request{}, create_delegation_token_response{});
        return true;
    case api_key::renew_delegation_token:
        fn(renew_delegation_token_request{}, renew_delegation_token_response{});
        return true;
    case api_key::expire_delegation_token:
        fn(expire_delegation_token_request{}, expire_delegation_token_response{});
        return true;
    case api_key::describe_delegation_token:
        fn(describe_delegation_token_request{}, describe_delegation_token_response{});
        return true;
    case api_key::elect_leaders: fn(elect_leaders_request{}, elect_leaders_response{}); return true;
    case api_key::alter_partition_reassignments:
        fn(alter_partition_reassignments_request{}, alter_partition_reassignments_response{});
        return true;
    case api_key::list_partition_reassignments:
        fn(list_partition_reassignments_request{}, list_partition_reassignments_response{});
        return true;
    case api_key::describe_producers:
        fn(describe_producers_request{}, describe_producers_response{});
        return true;
    case api_key::add_partitions_to_txn:
        fn(add_partitions_to_txn_request{}, add_partitions_to_txn_response{});
        return true;
    case api_key::add_offsets_to_txn:
        fn(add_offsets_to_txn_request{}, add_offsets_to_txn_response{});
        return true;
    case api_key::end_txn: fn(end_txn_request{}, end_txn_response{}); return true;
    case api_key::write_txn_markers:
        fn(write_txn_markers_request{}, write_txn_markers_response{});
        return true;
    case api_key::txn_offset_commit:
        fn(txn_offset_commit_request{}, txn_offset_commit_response{});
        return true;
    case api_key::describe_transactions:
        fn(describe_transactions_request{}, describe_transactions_response{});
        return true;
    case api_key::list_transactions:
        fn(list_transactions_request{}, list_transactions_response{});
        return true;
    default: return false;
    }
}

// Appends a whole response frame: size, the response header of the version this API version
// uses, the body. On failure `out` is as it was.
template <typename M>
codec_status encode_response_frame(std::int32_t correlation_id, std::int16_t version,
                                   const M& message, bytes& out) {
    std::size_t start = out.size();
    writer framed(out);
    std::size_t frame = begin_frame(framed);
    auto key = static_cast<std::int16_t>(M::key);
    encode_response_header({correlation_id}, response_header_version(key, version), framed);
    auto body = encode_message(message, version, out);
    if (!body) {
        out.resize(start);
        return body;
    }
    finish_frame(framed, frame);
    return {};
}

// The ApiVersions response listing what api_keys.cpp advertises.
api_versions_response make_api_versions_response();

// Decodes a request body of any declared API and version and discards it: for validation and
// the fuzz target. unknown_api for keys without declared messages.
codec_status check_request_body(std::int16_t key, std::int16_t version,
                                std::span<const std::byte> body);

// A whole request frame payload (header + body), decoded: header and validated body.
codec_result<request_header> check_request(std::span<const std::byte> payload);

}  // namespace laminar::kafka
