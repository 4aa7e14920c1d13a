// Recompression of a record batch to another codec, for topics whose compression.type names
// one (Kafka's LogValidator recompresses on append when the producer's codec differs). The
// records are decompressed and compressed again; the header keeps its offsets, timestamps,
// producer id, epoch and sequence; the attributes' codec bits, batch_length and CRC change.
//
// @locality any thread (the codecs keep per-thread contexts).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/compression.h"
#include "core/result.h"

namespace laminar {

// The batch at the start of `batch` (one whole, already validated batch) with its records in
// `codec`. Fails with corrupt_data when its records do not decompress, too_large when they
// decompress to more than records_bytes_max bytes.
result<std::vector<std::byte>> recompress_record_batch(std::span<const std::byte> batch,
                                                       compression_codec codec,
                                                       std::size_t records_bytes_max);

}  // namespace laminar
