#include "net/kafka/api_keys.h"

#include <array>

namespace laminar::kafka {
namespace {

// key, name, Kafka 3.7 min, max, flexible from | Laminar implemented min, max, advertised min.
// To implement an API: declare its messages (see messages_*.h) and set its Laminar columns.
constexpr std::array<api_info, api_keys_count> apis = {{
    {0, "Produce", 0, 10, 9, 3, 10, 0},
    {1, "Fetch", 0, 16, 12, 4, 16, 4},
    {2, "ListOffsets", 0, 8, 6, 0, 8, 0},
    {3, "Metadata", 0, 12, 9, 0, 12, 0},
    {4, "LeaderAndIsr", 0, 7, 4, -1, -1, -1},
    {5, "StopReplica", 0, 4, 2, -1, -1, -1},
    {6, "UpdateMetadata", 0, 8, 6, -1, -1, -1},
    {7, "ControlledShutdown", 0, 3, 3, -1, -1, -1},
    {8, "OffsetCommit", 0, 9, 8, 0, 9, 0},
    {9, "OffsetFetch", 0, 9, 6, 0, 9, 0},
    {10, "FindCoordinator", 0, 4, 3, 0, 4, 0},
    {11, "JoinGroup", 0, 9, 6, 0, 9, 0},
    {12, "Heartbeat", 0, 4, 4, 0, 4, 0},
    {13, "LeaveGroup", 0, 5, 4, 0, 5, 0},
    {14, "SyncGroup", 0, 5, 4, 0, 5, 0},
    {15, "DescribeGroups", 0, 5, 5, 0, 5, 0},
    {16, "ListGroups", 0, 4, 3, 0, 4, 0},
    {17, "SaslHandshake", 0, 1, -1, 0, 1, 0},
    {18, "ApiVersions", 0, 3, 3, 0, 3, 0},
    {19, "CreateTopics", 0, 7, 5, 0, 7, 0},
    {20, "DeleteTopics", 0, 6, 4, 0, 6, 0},
    {21, "DeleteRecords", 0, 2, 2, 0, 2, 0},
    {22, "InitProducerId", 0, 4, 2, 0, 4, 0},
    {23, "OffsetForLeaderEpoch", 0, 4, 4, 0, 4, 0},
    {24, "AddPartitionsToTxn", 0, 4, 3, 0, 4, 0},
    {25, "AddOffsetsToTxn", 0, 3, 3, 0, 3, 0},
    {26, "EndTxn", 0, 3, 3, 0, 3, 0},
    {27, "WriteTxnMarkers", 0, 1, 1, 0, 1, 0},
    {28, "TxnOffsetCommit", 0, 3, 3, 0, 3, 0},
    {29, "DescribeAcls", 0, 3, 2, 0, 3, 0},
    {30, "CreateAcls", 0, 3, 2, 0, 3, 0},
    {31, "DeleteAcls", 0, 3, 2, 0, 3, 0},
    {32, "DescribeConfigs", 0, 4, 4, 0, 4, 0},
    {33, "AlterConfigs", 0, 2, 2, 0, 2, 0},
    {34, "AlterReplicaLogDirs", 0, 2, 2, 0, 2, 0},
    {35, "DescribeLogDirs", 0, 4, 2, 0, 4, 0},
    {36, "SaslAuthenticate", 0, 2, 2, 0, 2, 0},
    {37, "CreatePartitions", 0, 3, 2, 0, 3, 0},
    {38, "CreateDelegationToken", 0, 3, 2, 0, 3, 0},
    {39, "RenewDelegationToken", 0, 2, 2, 0, 2, 0},
    {40, "ExpireDelegationToken", 0, 2, 2, 0, 2, 0},
    {41, "DescribeDelegationToken", 0, 3, 2, 0, 3, 0},
    {42, "DeleteGroups", 0, 2, 2, 0, 2, 0},
    {43, "ElectLeaders", 0, 2, 2, 0, 2, 0},
    {44, "IncrementalAlterConfigs", 0, 1, 1, 0, 1, 0},
    {45, "AlterPartitionReassignments", 0, 0, 0, 0, 0, 0},
    {46, "ListPartitionReassignments", 0, 0, 0, 0, 0, 0},
    {47, "OffsetDelete", 0, 0, -1, 0, 0, 0},
    {48, "DescribeClientQuotas", 0, 1, 1, 0, 1, 0},
    {49, "AlterClientQuotas", 0, 1, 1, 0, 1, 0},
    {50, "DescribeUserScramCredentials", 0, 0, 0, -1, -1, -1},
    {51, "AlterUserScramCredentials", 0, 0, 0, -1, -1, -1},
    {52, "Vote", 0, 0, 0, -1, -1, -1},
    {53, "BeginQuorumEpoch", 0, 0, -1, -1, -1, -1},
    {54, "EndQuorumEpoch", 0, 0, -1, -1, -1, -1},
    {55, "DescribeQuorum", 0, 1, 0, 0, 1, 0},
    {56, "AlterPartition", 0, 3, 0, -1, -1, -1},
    {57, "UpdateFeatures", 0, 1, 0, 0, 1, 0},
    {58, "Envelope", 0, 0, 0, -1, -1, -1},
    {59, "FetchSnapshot", 0, 0, 0, -1, -1, -1},
    {60, "DescribeCluster", 0, 1, 0, 0, 1, 0},
    {61, "DescribeProducers", 0, 0, 0, 0, 0, 0},
    {62, "BrokerRegistration", 0, 3, 0, -1, -1, -1},
    {63, "BrokerHeartbeat", 0, 1, 0, -1, -1, -1},
    {64, "UnregisterBroker", 0, 0, 0, 0, 0, 0},
    {65, "DescribeTransactions", 0, 0, 0, 0, 0, 0},
    {66, "ListTransactions", 0, 0, 0, 0, 0, 0},
    {67, "AllocateProducerIds", 0, 0, 0, -1, -1, -1},
    {68, "ConsumerGroupHeartbeat", 0, 0, 0, -1, -1, -1},
    {69, "ConsumerGroupDescribe", 0, 0, 0, -1, -1, -1},
    {70, "ControllerRegistration", 0, 0, 0, -1, -1, -1},
    {71, "GetTelemetrySubscriptions", 0, 0, 0, -1, -1, -1},
    {72, "PushTelemetry", 0, 0, 0, -1, -1, -1},
    {73, "AssignReplicasToDirs", 0, 0, 0, -1, -1, -1},
    {74, "ListClientMetricsResources", 0, 0, 0, -1, -1, -1},
}};

}  // namespace

std::span<const api_info> all_apis() noexcept { return apis; }

const api_info* find_api(std::int16_t key) noexcept {
    if (key < 0 || static_cast<std::size_t>(key) >= apis.size()) return nullptr;
    return &apis[static_cast<std::size_t>(key)];
}

bool is_version_supported(std::int16_t key, std::int16_t version) noexcept {
    const api_info* info = find_api(key);
    return info != nullptr && info->implemented() && version >= info->laminar_min &&
           version <= info->laminar_max;
}

std::size_t advertised_apis(std::span<advertised_api> out) noexcept {
    std::size_t count = 0;
    for (const api_info& info : apis) {
        if (!info.implemented() || count == out.size()) continue;
        out[count++] = {info.key, info.advertised_min, info.laminar_max};
    }
    return count;
}

std::int16_t request_header_version(std::int16_t key, std::int16_t version) noexcept {
    const api_info* info = find_api(key);
    if (info == nullptr) return 1;
    if (key == 7 && version == 0) return 0;  // ControlledShutdown v0 has no client id
    return info->flexible(version) ? 2 : 1;
}

std::int16_t response_header_version(std::int16_t key, std::int16_t version) noexcept {
    const api_info* info = find_api(key);
    if (info == nullptr || key == static_cast<std::int16_t>(api_key::api_versions)) return 0;
    return info->flexible(version) ? 1 : 0;
}

}  // namespace laminar::kafka
