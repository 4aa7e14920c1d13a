#include "core/record_batch.h"

#include "core/crc32c.h"
#include "core/endian.h"

namespace laminar {

namespace layout = record_batch_layout;

result<record_batch_header> read_record_batch_header(std::span<const std::byte> bytes) {
    if (bytes.size() < layout::header_bytes) return fail(errc::corrupt_data);
    const std::byte* p = bytes.data();
    record_batch_header header;
    header.base_offset = load_be<std::int64_t>(p + layout::base_offset);
    header.batch_length = load_be<std::int32_t>(p + layout::batch_length);
    header.partition_leader_epoch = load_be<std::int32_t>(p + layout::partition_leader_epoch);
    header.magic = load_be<std::int8_t>(p + layout::magic);
    header.crc = load_be<std::uint32_t>(p + layout::crc);
    header.attributes = load_be<std::int16_t>(p + layout::attributes);
    header.last_offset_delta = load_be<std::int32_t>(p + layout::last_offset_delta);
    header.base_timestamp = load_be<std::int64_t>(p + layout::base_timestamp);
    header.max_timestamp = load_be<std::int64_t>(p + layout::max_timestamp);
    header.producer_id = load_be<std::int64_t>(p + layout::producer_id);
    header.producer_epoch = load_be<std::int16_t>(p + layout::producer_epoch);
    header.base_sequence = load_be<std::int32_t>(p + layout::base_sequence);
    header.records_count = load_be<std::int32_t>(p + layout::records_count);
    return header;
}

std::string_view to_string(batch_error error) noexcept {
    switch (error) {
    case batch_error::truncated: return "truncated record batch";
    case batch_error::bad_length: return "invalid record batch length";
    case batch_error::bad_magic: return "unsupported record batch magic";
    case batch_error::bad_crc: return "record batch CRC mismatch";
    case batch_error::bad_count: return "invalid record count";
    case batch_error::bad_compression: return "invalid compression type";
    }
    return "invalid record batch";
}

std::uint32_t compute_record_batch_crc(std::span<const std::byte> batch) noexcept {
    return crc32c(batch.subspan(layout::attributes));
}

result<record_batch_header, batch_error> validate_record_batch(std::span<const std::byte> bytes,
                                                               std::size_t batch_bytes_max) {
    if (bytes.size() < layout::header_bytes) return fail(batch_error::truncated);
    auto header = read_record_batch_header(bytes);
    if (!header) return fail(batch_error::truncated);
    if (header->magic != record_batch_magic) return fail(batch_error::bad_magic);
    if (header->batch_length < static_cast<std::int32_t>(layout::header_bytes -
                                                         layout::length_field_end) ||
        header->total_bytes() > batch_bytes_max) {
        return fail(batch_error::bad_length);
    }
    if (header->total_bytes() > bytes.size()) return fail(batch_error::truncated);
    const auto batch = bytes.first(header->total_bytes());
    if (compute_record_batch_crc(batch) != header->crc) return fail(batch_error::bad_crc);
    if ((header->attributes & record_batch_attributes::compression_mask) > 4) {
        return fail(batch_error::bad_compression);
    }
    if (header->records_count < 0 || header->last_offset_delta < 0) {
        return fail(batch_error::bad_count);
    }
    return *header;
}

status check_produced_batch_offsets(const record_batch_header& header) {
    if (header.records_count <= 0 || header.last_offset_delta != header.records_count - 1) {
        return fail(errc::corrupt_data);
    }
    return {};
}

void set_base_offset(std::span<std::byte> batch, std::int64_t base_offset) noexcept {
    store_be(batch.data() + layout::base_offset, base_offset);
}

void set_partition_leader_epoch(std::span<std::byte> batch, std::int32_t epoch) noexcept {
    store_be(batch.data() + layout::partition_leader_epoch, epoch);
}

void set_log_append_time(std::span<std::byte> batch, std::int64_t append_time_ms) noexcept {
    auto attributes = load_be<std::int16_t>(batch.data() + layout::attributes);
    attributes = static_cast<std::int16_t>(attributes | record_batch_attributes::log_append_time);
    store_be(batch.data() + layout::attributes, attributes);
    store_be(batch.data() + layout::max_timestamp, append_time_ms);
    store_be(batch.data() + layout::crc, compute_record_batch_crc(batch));
}

void set_create_time(std::span<std::byte> batch, std::int64_t max_timestamp) noexcept {
    auto attributes = load_be<std::int16_t>(batch.data() + layout::attributes);
    attributes = static_cast<std::int16_t>(attributes & ~record_batch_attributes::log_append_time);
    store_be(batch.data() + layout::attributes, attributes);
    store_be(batch.data() + layout::max_timestamp, max_timestamp);
    store_be(batch.data() + layout::crc, compute_record_batch_crc(batch));
}

void set_max_timestamp(std::span<std::byte> batch, std::int64_t max_timestamp) noexcept {
    store_be(batch.data() + layout::max_timestamp, max_timestamp);
    store_be(batch.data() + layout::crc, compute_record_batch_crc(batch));
}

}  // namespace laminar
