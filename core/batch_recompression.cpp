#include "core/batch_recompression.h"

#include <cstring>

#include "core/endian.h"
#include "core/record_batch.h"

namespace laminar {

namespace layout = record_batch_layout;

result<std::vector<std::byte>> recompress_record_batch(std::span<const std::byte> batch,
                                                       compression_codec codec,
                                                       std::size_t records_bytes_max) {
    auto header = read_record_batch_header(batch);
    if (!header) return fail(header.error());
    if (header->total_bytes() < layout::header_bytes || batch.size() < header->total_bytes()) {
        return fail(errc::corrupt_data);
    }
    auto source = compression_codec_from_attributes(static_cast<std::uint16_t>(header->attributes));
    if (!source) return fail(source.error());
    const auto body =
        batch.subspan(layout::header_bytes, header->total_bytes() - layout::header_bytes);
    std::vector<std::byte> plain;
    std::span<const std::byte> records = body;
    if (*source != compression_codec::none) {
        if (auto done = decompress(*source, body, plain, records_bytes_max); !done) {
            return fail(done.error());
        }
        records = plain;
    } else if (records.size() > records_bytes_max) {
        return fail(errc::too_large);
    }
    std::vector<std::byte> out(layout::header_bytes);
    std::memcpy(out.data(), batch.data(), layout::header_bytes);
    if (codec == compression_codec::none) {
        out.resize(layout::header_bytes + records.size());
        if (!records.empty()) {
            std::memcpy(out.data() + layout::header_bytes, records.data(), records.size());
        }
    } else if (auto done = compress(codec, records, out); !done) {
        return fail(done.error());
    }
    const auto attributes = static_cast<std::int16_t>(
        (header->attributes & ~record_batch_attributes::compression_mask) |
        static_cast<std::int16_t>(codec));
    store_be(out.data() + layout::attributes, attributes);
    store_be(out.data() + layout::batch_length,
             static_cast<std::int32_t>(out.size() - layout::length_field_end));
    store_be(out.data() + layout::crc, compute_record_batch_crc(out));
    return out;
}

}  // namespace laminar
