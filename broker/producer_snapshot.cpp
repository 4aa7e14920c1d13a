#include "broker/producer_snapshot.h"

#include <algorithm>
#include <unordered_set>

#include "core/byte_io.h"
#include "core/crc32c.h"
#include "core/endian.h"

namespace laminar::broker {

namespace {

constexpr std::size_t header_bytes = 4 + 2 + 8 + 4 + 4;
constexpr std::size_t producer_bytes = 8 + 2 + 4 + 8 + 8 + 1;
constexpr std::size_t batch_bytes = 4 + 4 + 8 + 8;
constexpr std::size_t aborted_bytes = 4 * 8;
constexpr std::size_t crc_bytes = 4;

bool read_batch(byte_reader& reader, snapshot_batch& batch) noexcept {
    return reader.get(batch.first_sequence) && reader.get(batch.last_sequence) &&
           reader.get(batch.base_offset) && reader.get(batch.max_timestamp);
}

bool read_producer(byte_reader& reader, std::int64_t offset, snapshot_producer& producer) {
    std::uint8_t count = 0;
    if (!reader.get(producer.producer_id) || !reader.get(producer.epoch) ||
        !reader.get(producer.coordinator_epoch) || !reader.get(producer.txn_first_offset) ||
        !reader.get(producer.marker_timestamp) || !reader.get(count)) {
        return false;
    }
    if (producer.producer_id < 0 || count > producer_snapshot_batches_max ||
        producer.txn_first_offset < -1 || producer.txn_first_offset >= offset ||
        reader.left() < count * batch_bytes) {
        return false;
    }
    producer.batches.resize(count);
    std::int64_t previous = -1;
    for (auto& batch : producer.batches) {
        if (!read_batch(reader, batch)) return false;
        if (batch.base_offset <= previous || batch.base_offset >= offset) return false;
        previous = batch.base_offset;
    }
    return true;
}

bool read_aborted(byte_reader& reader, std::int64_t offset, std::int64_t& previous_last,
                  aborted_txn& txn) noexcept {
    if (!reader.get(txn.producer_id) || !reader.get(txn.first_offset) ||
        !reader.get(txn.last_offset) || !reader.get(txn.last_stable_offset)) {
        return false;
    }
    if (txn.first_offset < 0 || txn.first_offset > txn.last_offset || txn.last_offset >= offset ||
        txn.last_offset < previous_last) {
        return false;
    }
    previous_last = txn.last_offset;
    return true;
}

}  // namespace

std::vector<std::byte> encode_producer_snapshot(const producer_snapshot& snapshot) {
    std::vector<std::byte> out;
    out.reserve(header_bytes + snapshot.producers.size() * (producer_bytes + 2 * batch_bytes) +
                snapshot.aborted.size() * aborted_bytes + crc_bytes);
    byte_writer writer(out);
    writer.put(producer_snapshot_magic);
    writer.put(producer_snapshot_version);
    writer.put(snapshot.offset);
    writer.put(static_cast<std::uint32_t>(snapshot.producers.size()));
    writer.put(static_cast<std::uint32_t>(snapshot.aborted.size()));
    for (const auto& producer : snapshot.producers) {
        writer.put(producer.producer_id);
        writer.put(producer.epoch);
        writer.put(producer.coordinator_epoch);
        writer.put(producer.txn_first_offset);
        writer.put(producer.marker_timestamp);
        writer.put(static_cast<std::uint8_t>(producer.batches.size()));
        for (const auto& batch : producer.batches) {
            writer.put(batch.first_sequence);
            writer.put(batch.last_sequence);
            writer.put(batch.base_offset);
            writer.put(batch.max_timestamp);
        }
    }
    for (const auto& txn : snapshot.aborted) {
        writer.put(txn.producer_id);
        writer.put(txn.first_offset);
        writer.put(txn.last_offset);
        writer.put(txn.last_stable_offset);
    }
    writer.put(crc32c(out));
    return out;
}

std::optional<producer_snapshot> decode_producer_snapshot(std::span<const std::byte> bytes) {
    if (bytes.size() < header_bytes + crc_bytes) return std::nullopt;
    const auto body = bytes.first(bytes.size() - crc_bytes);
    if (crc32c(body) != load_be<std::uint32_t>(bytes.data() + body.size())) return std::nullopt;
    byte_reader reader(body);
    std::uint32_t magic = 0;
    std::uint16_t version = 0;
    std::uint32_t producers = 0;
    std::uint32_t aborted = 0;
    producer_snapshot snapshot;
    if (!reader.get(magic) || !reader.get(version) || !reader.get(snapshot.offset) ||
        !reader.get(producers) || !reader.get(aborted)) {
        return std::nullopt;
    }
    // Counts bounded by the bytes there are before anything is allocated for them.
    if (magic != producer_snapshot_magic || version != producer_snapshot_version ||
        snapshot.offset < 0 || reader.left() / producer_bytes < producers ||
        reader.left() / aborted_bytes < aborted) {
        return std::nullopt;
    }
    snapshot.producers.resize(producers);
    std::unordered_set<std::int64_t> seen;
    for (auto& producer : snapshot.producers) {
        if (!read_producer(reader, snapshot.offset, producer)) return std::nullopt;
        if (!seen.insert(producer.producer_id).second) return std::nullopt;
    }
    if (reader.left() != std::size_t{aborted} * aborted_bytes) return std::nullopt;
    snapshot.aborted.resize(aborted);
    std::int64_t previous_last = -1;
    for (auto& txn : snapshot.aborted) {
        if (!read_aborted(reader, snapshot.offset, previous_last, txn)) return std::nullopt;
    }
    return snapshot;
}

}  // namespace laminar::broker
