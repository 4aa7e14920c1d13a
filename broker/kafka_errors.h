// Kafka's error codes, and the one place internal errors become them (STYLE.md: errors map to
// Kafka codes in the broker's API layer only). Numbers are Kafka's (org.apache.kafka.common.
// protocol.Errors).
#pragma once

#include <cstdint>
#include <string_view>

#include "ctl/metadata_commands.h"

namespace laminar::broker {

enum class kafka_error : std::int16_t {
    unknown_server_error = -1,
    none = 0,
    offset_out_of_range = 1,
    corrupt_message = 2,
    unknown_topic_or_partition = 3,
    invalid_fetch_size = 4,
    leader_not_available = 5,
    not_leader_or_follower = 6,
    request_timed_out = 7,
    broker_not_available = 8,
    replica_not_available = 9,
    message_too_large = 10,
    offset_metadata_too_large = 12,
    network_exception = 13,
    coordinator_load_in_progress = 14,
    coordinator_not_available = 15,
    not_coordinator = 16,
    invalid_topic_exception = 17,
    record_list_too_large = 18,
    not_enough_replicas = 19,
    not_enough_replicas_after_append = 20,
    invalid_required_acks = 21,
    illegal_generation = 22,
    inconsistent_group_protocol = 23,
    invalid_group_id = 24,
    unknown_member_id = 25,
    invalid_session_timeout = 26,
    rebalance_in_progress = 27,
    invalid_commit_offset_size = 28,
    topic_authorization_failed = 29,
    group_authorization_failed = 30,
    cluster_authorization_failed = 31,
    invalid_timestamp = 32,
    unsupported_sasl_mechanism = 33,
    illegal_sasl_state = 34,
    unsupported_version = 35,
    topic_already_exists = 36,
    invalid_partitions = 37,
    invalid_replication_factor = 38,
    invalid_replica_assignment = 39,
    invalid_config = 40,
    not_controller = 41,
    invalid_request = 42,
    unsupported_for_message_format = 43,
    policy_violation = 44,
    out_of_order_sequence_number = 45,
    duplicate_sequence_number = 46,
    invalid_producer_epoch = 47,
    invalid_txn_state = 48,
    invalid_producer_id_mapping = 49,
    invalid_transaction_timeout = 50,
    concurrent_transactions = 51,
    transaction_coordinator_fenced = 52,
    transactional_id_authorization_failed = 53,
    security_disabled = 54,
    operation_not_attempted = 55,
    kafka_storage_error = 56,
    log_dir_not_found = 57,
    unknown_producer_id = 59,
    reassignment_in_progress = 60,
    delegation_token_request_not_allowed = 64,
    group_id_not_found = 69,
    fetch_session_id_not_found = 70,
    invalid_fetch_session_epoch = 71,
    member_id_required = 79,
    preferred_leader_not_available = 80,
    eligible_leaders_not_available = 83,
    election_not_needed = 84,
    no_reassignment_in_progress = 85,
    fenced_leader_epoch = 74,
    unknown_leader_epoch = 75,
    unsupported_compression_type = 76,
    non_empty_group = 68,
    offset_not_available = 78,
    group_max_size_reached = 81,
    fenced_instance_id = 82,
    group_subscribed_to_topic = 86,
    invalid_record = 87,
    unstable_offset_commit = 88,
    producer_fenced = 90,
    invalid_update_version = 95,
    unknown_topic_id = 100,
    broker_id_not_registered = 102,
    inconsistent_topic_id = 103,
    transactional_id_not_found = 105,
    fetch_session_topic_id_error = 106,
};

constexpr std::int16_t code(kafka_error error) noexcept { return static_cast<std::int16_t>(error); }

constexpr kafka_error to_kafka_error(ctl::command_errc error) noexcept {
    switch (error) {
    case ctl::command_errc::invalid_topic: return kafka_error::invalid_topic_exception;
    case ctl::command_errc::topic_already_exists: return kafka_error::topic_already_exists;
    case ctl::command_errc::unknown_topic: return kafka_error::unknown_topic_or_partition;
    case ctl::command_errc::unknown_topic_id: return kafka_error::unknown_topic_id;
    case ctl::command_errc::invalid_partitions: return kafka_error::invalid_partitions;
    case ctl::command_errc::invalid_replication_factor:
        return kafka_error::invalid_replication_factor;
    case ctl::command_errc::invalid_replica_assignment:
        return kafka_error::invalid_replica_assignment;
    case ctl::command_errc::invalid_request: return kafka_error::invalid_request;
    case ctl::command_errc::invalid_config: return kafka_error::invalid_config;
    case ctl::command_errc::unsupported_version: return kafka_error::unsupported_version;
    case ctl::command_errc::invalid_update_version: return kafka_error::invalid_update_version;
    case ctl::command_errc::broker_id_not_registered: return kafka_error::broker_id_not_registered;
    }
    return kafka_error::unknown_server_error;
}

}  // namespace laminar::broker
