// Keyed record batches for the compaction tests, and a reader of a whole log back into records.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/batch_records.h"
#include "storage_test_util.h"

namespace laminar::storage::testing {

struct test_record {
    std::optional<std::string> key;
    std::optional<std::string> value;  // nullopt: a tombstone
};

inline void put_varlong(std::vector<std::byte>& out, std::int64_t value) {
    auto raw = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
    while (raw >= 0x80) {
        out.push_back(static_cast<std::byte>((raw & 0x7f) | 0x80));
        raw >>= 7;
    }
    out.push_back(static_cast<std::byte>(raw));
}

inline void put_field(std::vector<std::byte>& out, const std::optional<std::string>& text) {
    if (!text) {
        put_varlong(out, -1);
        return;
    }
    put_varlong(out, static_cast<std::int64_t>(text->size()));
    for (char c : *text) out.push_back(static_cast<std::byte>(c));
}

// One batch (base offset 0) holding `records`, every record at `timestamp`.
inline std::vector<std::byte> keyed_batch(const std::vector<test_record>& records,
                                          std::int64_t timestamp,
                                          compression_codec codec = compression_codec::none,
                                          std::int64_t producer_id = -1,
                                          std::int16_t attributes_extra = 0) {
    std::vector<std::byte> plain;
    for (std::size_t i = 0; i < records.size(); ++i) {
        std::vector<std::byte> body;
        body.push_back(std::byte{0});
        put_varlong(body, 0);
        put_varlong(body, static_cast<std::int64_t>(i));
        put_field(body, records[i].key);
        put_field(body, records[i].value);
        put_varlong(body, 0);
        put_varlong(plain, static_cast<std::int64_t>(body.size()));
        plain.insert(plain.end(), body.begin(), body.end());
    }
    std::vector<std::byte> batch(layout::header_bytes);
    if (codec == compression_codec::none) {
        batch.insert(batch.end(), plain.begin(), plain.end());
    } else {
        EXPECT_TRUE(compress(codec, plain, batch));
    }
    const bool idempotent = producer_id >= 0;
    write_produced_header(batch, {.records_count = static_cast<std::int32_t>(records.size()),
                                  .base_timestamp = timestamp,
                                  .max_timestamp = timestamp,
                                  .attributes = static_cast<std::int16_t>(
                                      static_cast<std::int16_t>(codec) | attributes_extra),
                                  .producer_id = producer_id,
                                  .producer_epoch = static_cast<std::int16_t>(idempotent ? 0 : -1),
                                  .base_sequence = idempotent ? 0 : -1});
    return batch;
}

struct read_record {
    std::int64_t offset = 0;
    std::optional<std::string> key;
    std::optional<std::string> value;
    bool operator==(const read_record&) const = default;
};

struct read_back {
    std::vector<read_record> records;
    std::vector<record_batch_header> batches;
    bool valid = true;  // every CRC checked, records parse, offsets increase
};

inline std::optional<std::string> text_of(std::span<const std::byte> records,
                                          std::size_t begin, std::int32_t length) {
    if (length < 0) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(records.data() + begin),
                       static_cast<std::size_t>(length));
}

// Value of a record: after the key field. Parses again (the entry keeps only the key).
inline std::optional<std::string> value_of(std::span<const std::byte> records,
                                           const record_entry& entry) {
    std::size_t at = entry.key_begin + static_cast<std::size_t>(std::max(entry.key_length, 0));
    std::uint64_t raw = 0;
    int shift = 0;
    while (true) {
        const auto byte = static_cast<std::uint8_t>(records[at++]);
        raw |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        shift += 7;
        if ((byte & 0x80) == 0) break;
    }
    const auto length = static_cast<std::int64_t>(raw >> 1) ^ -static_cast<std::int64_t>(raw & 1);
    return text_of(records, at, static_cast<std::int32_t>(length));
}

// Everything the log serves from its start offset.
inline task<read_back> read_everything(const partition_log& log) {
    read_back out;
    std::int64_t offset = log.log_start_offset();
    std::int64_t previous = -1;
    std::vector<std::byte> scratch;
    std::vector<record_entry> entries;
    while (offset < log.log_end_offset()) {
        auto read = co_await log.read(offset, 1 << 20);
        if (!read || read->range.length == 0) {
            out.valid = false;
            break;
        }
        auto bytes = bytes_of(read->range);
        std::span<const std::byte> rest(bytes);
        while (!rest.empty()) {
            auto header = validate_record_batch(rest, 64 << 20);
            if (!header) {
                out.valid = false;
                co_return out;
            }
            const auto batch = rest.first(header->total_bytes());
            rest = rest.subspan(header->total_bytes());
            out.batches.push_back(*header);
            offset = header->last_offset() + 1;
            auto records = batch_records_bytes(batch, *header, scratch);
            if (!records || !parse_batch_records(*records, *header, entries)) {
                out.valid = false;
                co_return out;
            }
            for (const auto& entry : entries) {
                if (entry.offset <= previous) out.valid = false;
                previous = entry.offset;
                if (header->is_control()) continue;
                out.records.push_back({entry.offset,
                                       text_of(*records, entry.key_begin, entry.key_length),
                                       value_of(*records, entry)});
            }
        }
    }
    co_return out;
}

}  // namespace laminar::storage::testing
