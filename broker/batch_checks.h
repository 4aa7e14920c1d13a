// What Kafka checks and corrects in a produced record batch before it reaches the log
// (ProduceRequest.validateRecords, then LogValidator), and the codec rule of Fetch, as pure
// functions over the bytes: the Produce and Fetch handlers call them, unit tests drive them.
//
// The batch is stored as received except for the fields Kafka itself rewrites: the base offset
// and leader epoch (outside the CRC, stamped by the append) and, here, the max timestamp of a
// CreateTime batch whose header cannot be right (below its base timestamp, as sarama before
// 1.2x sends -1). Kafka recomputes the max timestamp of every batch from its records; Laminar
// trusts a plausible header so that the append path does not decompress batches, and repairs
// only the impossible ones, whose max timestamp would otherwise hide them from ListOffsets by
// time, the time index and time-based retention.
//
// @locality any shard (pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "broker/kafka_errors.h"
#include "net/kafka/wire.h"

namespace laminar::broker {

// zstd batches need Produce v7 and Fetch v10 (KIP-110): the versions by which a client says it
// knows the codec.
inline constexpr std::int16_t produce_version_zstd_min = 7;
inline constexpr std::int16_t fetch_version_zstd_min = 10;

// Kafka's checks of the one batch a partition of a Produce request carries, in Kafka's order:
// at least one batch, magic 2, zstd only from Produce v7 (UNSUPPORTED_COMPRESSION_TYPE), then
// the size (max.message.bytes), the CRC and counts, exactly one batch, dense offsets. `message`
// says what failed.
kafka_error check_produced_batch(const std::optional<kafka::bytes>& records,
                                 std::int16_t produce_version, std::int64_t max_message_bytes,
                                 std::string& message);

// A compacted topic keeps the latest record per key: Kafka's LogValidator refuses records
// without a key there (INVALID_RECORD). Reads the records (decompressing if needed) of a batch
// check_produced_batch accepted.
kafka_error check_compacted_keys(std::span<const std::byte> batch, std::string& message);

// The max timestamp Kafka's LogValidator gives a CreateTime batch: the largest record timestamp
// (base timestamp + delta), -1 when none is larger. nullopt when the records cannot be read.
std::optional<std::int64_t> max_record_timestamp(std::span<const std::byte> batch);

// Sets the max timestamp of a CreateTime batch check_produced_batch accepted to its records'
// when the header's is below the base timestamp (no record can have it), recomputing the CRC.
// CORRUPT_MESSAGE when the records cannot be read then.
kafka_error correct_max_timestamp(std::span<std::byte> batch, std::string& message);

// Kafka answers UNSUPPORTED_COMPRESSION_TYPE for a partition of a Fetch below v10 when the
// topic's compression.type (its own, else the broker's default) is zstd, whatever the batches
// hold (KafkaApis: the check looks at the config, not the data).
bool fetch_refuses_codec(std::string_view effective_compression_type,
                         std::int16_t fetch_version) noexcept;

}  // namespace laminar::broker
