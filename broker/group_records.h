// The records of __consumer_offsets in Kafka's own formats, so Kafka's tools (kafka-console-
// consumer with the offsets formatter, kafka-dump-log --offsets-decoder) read ours and a log
// written by Kafka loads here. Every key and value starts with an int16 version:
//   key v0-1  OffsetCommitKey      group, topic, partition          (we write v1)
//   key v2    GroupMetadataKey     group                            (we write v2)
//   value     OffsetCommitValue    v0-4 (v4 flexible); we write v3, or v1 when the commit has
//             an expire timestamp (OffsetCommit v2-4 retention), as Kafka does
//   value     GroupMetadataValue   v0-4 (v4 flexible); we write v3
// A null value is a tombstone: the offset or the group was deleted. Key versions 3+ belong to
// Kafka's new (KIP-848) coordinator; decode_key reports them as unsupported_version and the
// loader skips them.
//
// Faults: decoding treats the bytes as hostile (bounded reads, codec_error values, never a crash
// or an allocation larger than the input); unknown tagged fields of v4 are skipped.
// Locality: pure functions, any thread. No std::variant here: the fuzz target compiles this
// file with clang 14.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/kafka/wire.h"

namespace laminar::broker::groups {

enum class record_key_kind : std::uint8_t { offset_commit, group_metadata };

struct record_key {
    record_key_kind kind = record_key_kind::group_metadata;
    std::int16_t version = 2;
    std::string group;
    std::string topic;            // offset_commit only
    std::int32_t partition = -1;  // offset_commit only
    bool operator==(const record_key&) const = default;
};

struct offset_commit_value {
    std::int64_t offset = 0;
    std::int32_t leader_epoch = -1;  // v3+
    std::string metadata;
    std::int64_t commit_timestamp = -1;
    std::int64_t expire_timestamp = -1;  // v1 only
    bool operator==(const offset_commit_value&) const = default;
};

struct group_member_value {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v3+
    std::string client_id;
    std::string client_host;
    std::int32_t rebalance_timeout_ms = -1;  // v1+; v0 readers take the session timeout
    std::int32_t session_timeout_ms = 0;
    kafka::bytes subscription;  // the member's metadata for the selected protocol
    kafka::bytes assignment;
    bool operator==(const group_member_value&) const = default;
};

struct group_metadata_value {
    std::string protocol_type;
    std::int32_t generation = 0;
    std::optional<std::string> protocol;
    std::optional<std::string> leader;
    std::int64_t current_state_timestamp = -1;  // v2+
    std::vector<group_member_value> members;
    bool operator==(const group_metadata_value&) const = default;
};

inline constexpr std::int16_t offset_commit_key_version = 1;
inline constexpr std::int16_t group_metadata_key_version = 2;
inline constexpr std::int16_t offset_commit_value_version = 3;
inline constexpr std::int16_t offset_commit_value_version_with_expiry = 1;
inline constexpr std::int16_t group_metadata_value_version = 3;
inline constexpr std::int16_t record_value_version_max = 4;

kafka::bytes encode_offset_commit_key(std::string_view group, std::string_view topic,
                                      std::int32_t partition);
kafka::bytes encode_group_metadata_key(std::string_view group);
kafka::codec_result<record_key> decode_key(std::span<const std::byte> data);

// The version Kafka writes for this value: 1 with an expire timestamp, else 3.
std::int16_t offset_commit_value_version_for(const offset_commit_value& value) noexcept;
// version 0..4; fields the version lacks are left out (and read back as their defaults).
kafka::bytes encode_offset_commit_value(const offset_commit_value& value, std::int16_t version);
kafka::codec_result<offset_commit_value> decode_offset_commit_value(
    std::span<const std::byte> data);

kafka::bytes encode_group_metadata_value(const group_metadata_value& value,
                                         std::int16_t version = group_metadata_value_version);
kafka::codec_result<group_metadata_value> decode_group_metadata_value(
    std::span<const std::byte> data);

// The topics a member of a "consumer" group subscribes to, from its protocol metadata
// (ConsumerProtocolSubscription v0-3): Kafka reads the v0 prefix that every version starts
// with (version, topics, user data) and ignores the rest. nullopt when it does not parse.
std::optional<std::vector<std::string>> decode_subscription_topics(
    std::span<const std::byte> metadata);

// Kafka's partition of __consumer_offsets for a group: abs(groupId.hashCode()) % count, where
// hashCode is Java's String.hashCode over the UTF-16 code units of the id and abs maps INT32_MIN
// to 0. Invalid UTF-8 (which a Java client cannot send) counts one U+FFFD per bad byte; Java's
// decoder may fold a truncated sequence into one U+FFFD instead.
std::int32_t offsets_partition_for(std::string_view group_id, std::int32_t partition_count);
// Java's String.hashCode and String.length of UTF-8 text (Kafka bounds offset metadata by
// length(), in UTF-16 code units).
std::int32_t java_string_hash(std::string_view utf8) noexcept;
std::size_t java_string_length(std::string_view utf8) noexcept;

}  // namespace laminar::broker::groups
