#include "net/kafka/records.h"

#include <algorithm>

#include "core/endian.h"

namespace laminar::kafka {
namespace {

namespace layout = record_batch_layout;

// A varint length: -1 null when allowed, otherwise 0..remaining.
codec_result<std::optional<bytes>> read_varint_bytes(reader& in, bool nullable) {
    auto length = in.read_varint();
    if (!length) return fail(length.error());
    if (*length == -1 && nullable) return std::optional<bytes>();
    if (*length < 0) return fail(codec_error::invalid_length);
    auto view = in.read_span(static_cast<std::size_t>(*length));
    if (!view) return fail(view.error());
    return std::optional<bytes>(bytes(view->begin(), view->end()));
}

codec_status read_header(reader& in, record_header& header) {
    auto key = read_varint_bytes(in, false);
    if (!key) return fail(key.error());
    auto* first = reinterpret_cast<const char*>((*key)->data());
    header.key.assign(first, first + (*key)->size());
    auto value = read_varint_bytes(in, true);
    if (!value) return fail(value.error());
    header.value = std::move(*value);
    return {};
}

codec_status read_record_body(reader& in, record& out) {
    auto attributes = in.read_int8();
    if (!attributes) return fail(attributes.error());
    out.attributes = *attributes;
    auto timestamp_delta = in.read_varlong();
    if (!timestamp_delta) return fail(timestamp_delta.error());
    out.timestamp_delta = *timestamp_delta;
    auto offset_delta = in.read_varint();
    if (!offset_delta) return fail(offset_delta.error());
    out.offset_delta = *offset_delta;
    auto key = read_varint_bytes(in, true);
    if (!key) return fail(key.error());
    out.key = std::move(*key);
    auto value = read_varint_bytes(in, true);
    if (!value) return fail(value.error());
    out.value = std::move(*value);
    auto count = in.read_varint();
    if (!count) return fail(count.error());
    // Each header takes at least two bytes (two varint lengths).
    if (*count < 0 || static_cast<std::size_t>(*count) > in.remaining() / 2) {
        return fail(codec_error::invalid_length);
    }
    // Grown as headers are read, never sized from the count alone.
    for (std::int32_t index = 0; index < *count; ++index) {
        record_header header;
        auto read = read_header(in, header);
        if (!read) return read;
        out.headers.push_back(std::move(header));
    }
    return {};
}

codec_result<std::vector<record>> read_records(std::span<const std::byte> section,
                                               std::int32_t count) {
    // The smallest record is 7 bytes (length, attributes, deltas, key, value, header count).
    constexpr std::size_t record_bytes_min = 7;
    if (count < 0 || static_cast<std::size_t>(count) > section.size() / record_bytes_min) {
        return fail(codec_error::corrupt_records);
    }
    reader in(section);
    std::vector<record> records;
    for (std::int32_t index = 0; index < count; ++index) {
        record& item = records.emplace_back();
        auto length = in.read_varint();
        if (!length) return fail(length.error());
        if (*length < 0) return fail(codec_error::invalid_length);
        auto body = in.read_span(static_cast<std::size_t>(*length));
        if (!body) return fail(body.error());
        reader body_in(*body);
        auto read = read_record_body(body_in, item);
        if (!read) return fail(read.error());
        if (body_in.remaining() != 0) return fail(codec_error::trailing_bytes);
    }
    if (in.remaining() != 0) return fail(codec_error::trailing_bytes);
    return records;
}

void write_varint_bytes(writer& out, const std::optional<bytes>& value) {
    if (!value) return out.write_varint(-1);
    out.write_varint(static_cast<std::int32_t>(value->size()));
    out.write_raw(*value);
}

void write_record(writer& out, const record& item, bytes& scratch) {
    scratch.clear();
    writer body(scratch);
    body.write_int8(item.attributes);
    body.write_varlong(item.timestamp_delta);
    body.write_varint(item.offset_delta);
    write_varint_bytes(body, item.key);
    write_varint_bytes(body, item.value);
    body.write_varint(static_cast<std::int32_t>(item.headers.size()));
    for (const auto& header : item.headers) {
        body.write_varint(static_cast<std::int32_t>(header.key.size()));
        body.write_raw(as_bytes(header.key));
        write_varint_bytes(body, header.value);
    }
    out.write_varint(static_cast<std::int32_t>(scratch.size()));
    out.write_raw(scratch);
}

}  // namespace

codec_result<std::vector<record>> parse_records(std::span<const std::byte> batch,
                                                const record_batch_header& header,
                                                std::size_t decompressed_bytes_max) {
    if (batch.size() < layout::header_bytes) return fail(codec_error::truncated);
    auto section = batch.subspan(layout::header_bytes);
    if (header.compression() == compression_codec::none) {
        return read_records(section, header.records_count);
    }
    bytes plain;
    auto decompressed = decompress(header.compression(), section, plain, decompressed_bytes_max);
    if (!decompressed) {
        return fail(decompressed.error() == errc::too_large ? codec_error::too_large
                                                            : codec_error::corrupt_records);
    }
    return read_records(plain, header.records_count);
}

codec_result<parsed_batch> parse_record_batch(std::span<const std::byte> bytes_in,
                                              const record_parse_limits& limits) {
    auto header = validate_record_batch(bytes_in, limits.batch_bytes_max);
    if (!header) {
        return fail(header.error() == batch_error::truncated ? codec_error::truncated
                                                             : codec_error::corrupt_records);
    }
    auto batch = bytes_in.first(header->total_bytes());
    auto records = parse_records(batch, *header, limits.decompressed_bytes_max);
    if (!records) return fail(records.error());
    return parsed_batch{*header, std::move(*records)};
}

codec_result<control_record_key> parse_control_record_key(std::span<const std::byte> key) {
    reader in(key);
    auto version = in.read_int16();
    if (!version) return fail(version.error());
    if (*version < 0) return fail(codec_error::invalid_value);
    auto type = in.read_int16();
    if (!type) return fail(type.error());
    if (*type < 0 || *type > static_cast<std::int16_t>(control_record_type::snapshot_footer)) {
        return fail(codec_error::invalid_value);
    }
    // Later key versions may append fields; version 0 has exactly these four bytes.
    if (*version == 0 && in.remaining() != 0) return fail(codec_error::trailing_bytes);
    return control_record_key{*version, static_cast<control_record_type>(*type)};
}

codec_result<end_transaction_marker> parse_end_transaction_marker(
    std::span<const std::byte> value) {
    reader in(value);
    auto version = in.read_int16();
    if (!version) return fail(version.error());
    if (*version < 0) return fail(codec_error::invalid_value);
    auto epoch = in.read_int32();
    if (!epoch) return fail(epoch.error());
    if (*version == 0 && in.remaining() != 0) return fail(codec_error::trailing_bytes);
    return end_transaction_marker{*version, *epoch};
}

std::optional<transaction_marker> transaction_marker_of(std::span<const record> records) {
    if (records.size() != 1 || !records[0].key || !records[0].value) return std::nullopt;
    auto key = parse_control_record_key(*records[0].key);
    if (!key ||
        (key->type != control_record_type::abort && key->type != control_record_type::commit)) {
        return std::nullopt;
    }
    auto value = parse_end_transaction_marker(*records[0].value);
    if (!value) return std::nullopt;
    return transaction_marker{key->type == control_record_type::commit, value->coordinator_epoch};
}

record make_transaction_marker(control_record_type type, std::int32_t coordinator_epoch) {
    record marker;
    bytes key;
    writer key_out(key);
    key_out.write_int16(0);
    key_out.write_int16(static_cast<std::int16_t>(type));
    bytes value;
    writer value_out(value);
    value_out.write_int16(0);
    value_out.write_int32(coordinator_epoch);
    marker.key = std::move(key);
    marker.value = std::move(value);
    return marker;
}

codec_result<bytes> build_record_batch(const record_batch_options& options,
                                       std::span<const record> records) {
    if (records.empty()) return fail(codec_error::invalid_value);
    bytes plain;
    bytes scratch;
    writer plain_out(plain);
    std::int32_t last_offset_delta = 0;
    std::int64_t max_timestamp_delta = records.front().timestamp_delta;
    for (const auto& item : records) {
        write_record(plain_out, item, scratch);
        last_offset_delta = std::max(last_offset_delta, item.offset_delta);
        max_timestamp_delta = std::max(max_timestamp_delta, item.timestamp_delta);
    }
    bytes batch;
    if (options.codec == compression_codec::none) {
        batch.resize(layout::header_bytes + plain.size());
        std::copy(plain.begin(), plain.end(),
                  batch.begin() + static_cast<std::ptrdiff_t>(layout::header_bytes));
    } else {
        batch.resize(layout::header_bytes);
        if (!compress(options.codec, plain, batch)) return fail(codec_error::invalid_value);
    }
    std::int16_t attributes = static_cast<std::int16_t>(options.codec);
    if (options.time_type == timestamp_type::log_append_time) {
        attributes |= record_batch_attributes::log_append_time;
    }
    if (options.transactional) attributes |= record_batch_attributes::transactional;
    if (options.control) attributes |= record_batch_attributes::control;
    auto* p = batch.data();
    store_be<std::int64_t>(p + layout::base_offset, options.base_offset);
    store_be<std::int32_t>(p + layout::batch_length,
                           static_cast<std::int32_t>(batch.size() - layout::length_field_end));
    store_be<std::int32_t>(p + layout::partition_leader_epoch, options.partition_leader_epoch);
    store_be<std::int8_t>(p + layout::magic, record_batch_magic);
    store_be<std::int16_t>(p + layout::attributes, attributes);
    store_be<std::int32_t>(p + layout::last_offset_delta, last_offset_delta);
    store_be<std::int64_t>(p + layout::base_timestamp, options.base_timestamp);
    store_be<std::int64_t>(p + layout::max_timestamp,
                           wrapping_add(options.base_timestamp, max_timestamp_delta));
    store_be<std::int64_t>(p + layout::producer_id, options.producer_id);
    store_be<std::int16_t>(p + layout::producer_epoch, options.producer_epoch);
    store_be<std::int32_t>(p + layout::base_sequence, options.base_sequence);
    store_be<std::int32_t>(p + layout::records_count,
                           static_cast<std::int32_t>(records.size()));
    store_be<std::uint32_t>(p + layout::crc, compute_record_batch_crc(batch));
    return batch;
}

}  // namespace laminar::kafka
