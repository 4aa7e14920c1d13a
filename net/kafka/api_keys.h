// The one place that decides which Kafka APIs and versions Laminar speaks and advertises.
// Facts per API come from Apache Kafka 3.7.0's message definitions (see
// /work/shared/kafka-api-versions.md): valid versions and the first flexible version. Laminar's
// own columns: the versions it implements (decodes, encodes, handles) and the minimum it
// advertises in ApiVersions.
//
// Produce is implemented from v3 (message format v2 only) but advertised from v0, as Kafka 4.0
// does: librdkafka's feature detection needs Produce v0 listed before it will produce compressed
// batches (KAFKA-18659). A Produce request below v3 is answered UNSUPPORTED_VERSION; no client
// that speaks message format v2 sends one. Fetch is implemented and
// advertised from v4 (Kafka 4.0 does the same; clients pick the highest common version).
//
// Locality: constant data, any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace laminar::kafka {

enum class api_key : std::int16_t {
    produce = 0,
    fetch = 1,
    list_offsets = 2,
    metadata = 3,
    offset_commit = 8,
    offset_fetch = 9,
    find_coordinator = 10,
    join_group = 11,
    heartbeat = 12,
    leave_group = 13,
    sync_group = 14,
    describe_groups = 15,
    list_groups = 16,
    sasl_handshake = 17,
    api_versions = 18,
    create_topics = 19,
    delete_topics = 20,
    delete_records = 21,
    init_producer_id = 22,
    offset_for_leader_epoch = 23,
    add_partitions_to_txn = 24,
    add_offsets_to_txn = 25,
    end_txn = 26,
    write_txn_markers = 27,
    txn_offset_commit = 28,
    describe_acls = 29,
    create_acls = 30,
    delete_acls = 31,
    describe_configs = 32,
    alter_configs = 33,
    alter_replica_log_dirs = 34,
    describe_log_dirs = 35,
    sasl_authenticate = 36,
    create_partitions = 37,
    create_delegation_token = 38,
    renew_delegation_token = 39,
    expire_delegation_token = 40,
    describe_delegation_token = 41,
    delete_groups = 42,
    elect_leaders = 43,
    incremental_alter_configs = 44,
    alter_partition_reassignments = 45,
    list_partition_reassignments = 46,
    offset_delete = 47,
    describe_client_quotas = 48,
    alter_client_quotas = 49,
    describe_quorum = 55,
    update_features = 57,
    describe_cluster = 60,
    describe_producers = 61,
    unregister_broker = 64,
    describe_transactions = 65,
    list_transactions = 66,
};

inline constexpr std::int16_t no_version = -1;

struct api_info {
    std::int16_t key;
    std::string_view name;
    std::int16_t kafka_min;      // Kafka 3.7 validVersions
    std::int16_t kafka_max;
    std::int16_t flexible_from;  // no_version: never flexible
    std::int16_t laminar_min;    // implemented; no_version: not implemented
    std::int16_t laminar_max;
    std::int16_t advertised_min; // what ApiVersions lists as the minimum

    bool implemented() const noexcept { return laminar_min != no_version; }
    bool flexible(std::int16_t version) const noexcept {
        return flexible_from != no_version && version >= flexible_from;
    }
};

// Every API key of Kafka 3.7 (0-74), in key order.
std::span<const api_info> all_apis() noexcept;

// The entry for a key, or nullptr when Kafka 3.7 has no such key.
const api_info* find_api(std::int16_t key) noexcept;
inline const api_info& api(api_key key) noexcept {
    return *find_api(static_cast<std::int16_t>(key));
}

// Whether Laminar implements (decodes and handles) this API at this version.
bool is_version_supported(std::int16_t key, std::int16_t version) noexcept;

// One ApiVersions entry.
struct advertised_api {
    std::int16_t key;
    std::int16_t min_version;
    std::int16_t max_version;
};
// The APIs Laminar advertises, in key order (fills `out`, returns how many).
std::size_t advertised_apis(std::span<advertised_api> out) noexcept;
inline constexpr std::size_t api_keys_count = 75;

// Header versions (KIP-482, KIP-511): flexible request versions use request header v2 and
// response header v1; others request header v1 and response header v0; ApiVersions responses
// always use response header v0; ControlledShutdown v0 uses request header v0.
std::int16_t request_header_version(std::int16_t key, std::int16_t version) noexcept;
std::int16_t response_header_version(std::int16_t key, std::int16_t version) noexcept;

}  // namespace laminar::kafka
