// What Kafka checks and corrects in a produced record batch before it reaches the log
// (ProduceRequest.validateRecords, then LogValidator), and the codec rule of Fetch, as pure
// functions over the bytes: the Produce and Fetch handlers call them, unit tests drive them.
//
// Every batch's records are read (check_batch_records); the record-by-record rules apply only
// where a topic's configs ask for them (a compacted topic's keys, CreateTime bounds, a batch
// flagged LogAppendTime by its producer), with Kafka's record errors and texts.
//
// The batch is stored as received except for the fields Kafka itself rewrites: the base offset
// and leader epoch (outside the CRC, stamped by the append) and, here, the max timestamp (and
// timestamp type) of a CreateTime batch, recomputed from its records as Kafka does.
//
// @locality any shard (pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/kafka_errors.h"
#include "core/record_batch.h"
#include "net/kafka/produce.h"
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

// Kafka refuses a control batch (a transaction marker) from a client: only the transaction
// coordinator writes them. INVALID_RECORD, as LogValidator.validateBatch answers.
kafka_error check_not_control(const record_batch_header& header, std::string_view partition,
                              std::string& message);

// What Kafka's LogValidator checks record by record (validateKey, validateTimestamp), from the
// topic's configs. The bounds are the effective ones: message.timestamp.before.max.ms (and
// after) when set below Long.MAX_VALUE, else the deprecated message.timestamp.difference.max.ms,
// as Kafka 3.7's LogConfig resolves them.
struct record_rules {
    bool compacted = false;        // cleanup.policy has compact: every record needs a key
    bool log_append_time = false;  // message.timestamp.type=LogAppendTime
    std::int64_t before_max_ms = INT64_MAX;
    std::int64_t after_max_ms = INT64_MAX;
};

// Whether a batch has anything for the record rules to look at. Most topics (delete policy,
// unbounded CreateTime, batches not flagged LogAppendTime) need no record check beyond the parse.
bool records_need_checks(const record_rules& rules, const record_batch_header& header) noexcept;

// The record rules a batch is held to, and where its record errors go.
struct record_check {
    record_rules rules;
    std::int64_t now_ms = 0;
    std::string_view partition;  // "<topic>-<index>", as Kafka's texts name it
    std::vector<kafka::batch_index_and_error_message>* errors = nullptr;
};

// Kafka's LogValidator reads every record of a batch it appends (DefaultRecord.readFrom), and so
// does this, decompressing a compressed batch once: records that do not parse (a record length
// past the batch, a malformed varint, fewer or more records than the header counts, offset deltas
// that do not rise, bytes left over) get INVALID_RECORD, as Kafka's InvalidRecordException, and a
// compressed stream that does not inflate gets CORRUPT_MESSAGE.
//
// With `check`, the records are then held to its rules, one record error per failing record with
// its index and Kafka's text: a record without a key in a compacted topic, a CreateTime timestamp
// outside [now - before, now + after] (record timestamp -1 is exempt), a batch flagged
// LogAppendTime by its producer when the topic does not take CreateTime from it. Any error fails
// the whole batch: INVALID_TIMESTAMP when a timestamp failed, else INVALID_RECORD, with Kafka's
// summary in `message`.
//
// On a CreateTime topic (`create_time`) an accepted batch then gets its records' max timestamp
// (Kafka's setMaxTimestamp(CREATE_TIME, ...)), and a batch its producer flagged LogAppendTime
// becomes CreateTime; the CRC is recomputed when either changes the batch.
kafka_error check_batch_records(std::span<std::byte> batch, bool create_time,
                                const record_check* check, std::string& message);

// The max timestamp Kafka's LogValidator gives a CreateTime batch: the largest record timestamp
// (base timestamp + delta), -1 when none is larger. nullopt when the records cannot be read.
std::optional<std::int64_t> max_record_timestamp(std::span<const std::byte> batch);

// Kafka answers UNSUPPORTED_COMPRESSION_TYPE for a partition of a Fetch below v10 when the
// topic's compression.type (its own, else the broker's default) is zstd, whatever the batches
// hold (KafkaApis: the check looks at the config, not the data).
bool fetch_refuses_codec(std::string_view effective_compression_type,
                         std::int16_t fetch_version) noexcept;

}  // namespace laminar::broker
