// Compression of Kafka record batches: one interface over the four codecs a batch's attributes
// (bits 0-2) can name, each framed exactly as the Kafka clients frame it, so what we write any
// client reads and what any client writes we read.
//
// The broker does not decompress on the produce or fetch path; compaction, down-conversion and
// validation of untrusted batches do. decompress() therefore treats its input as hostile: on any
// input it returns corrupt_data or too_large rather than crash, read out of bounds or grow its
// output beyond the caller's bound (decompression bombs). Integrity is the batch CRC32C's job:
// the codecs' own optional checksums are verified when present but never written.
//
// Locality: any thread. Each thread keeps its own codec contexts, created on first use and
// reused after (with the buffers they grew), so once warm a call allocates nothing but the
// output it appends, and threads share nothing. Input must not point into the output vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace laminar {

// Values are Kafka's: the compression type in bits 0-2 of a record batch's attributes.
enum class compression_codec : std::uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

// Kafka's name for the codec: "none", "gzip", "snappy", "lz4", "zstd".
std::string_view to_string(compression_codec codec) noexcept;

// Inverse of to_string (exact, lower case, as Kafka's compression.type values); invalid_argument
// otherwise. The broker-only values "producer" and "uncompressed" are the config layer's to map.
result<compression_codec> parse_compression_codec(std::string_view name) noexcept;

// The codec of a record batch from its attributes; corrupt_data for the unassigned ids 5-7.
result<compression_codec> compression_codec_from_attributes(std::uint16_t attributes) noexcept;

// Asks for the codec's default level: gzip as zlib's 6, lz4 fast mode, zstd 3 (Kafka's defaults).
inline constexpr int compression_level_default = std::numeric_limits<int>::min();

// Levels take Kafka's ranges (compression.<codec>.level, KIP-390):
//   gzip 1..9, mapped onto ISA-L's levels 1..3 (ISA-L has no finer steps);
//   lz4 1..17, lz4-hc levels (capped at 12 by liblz4); 9, Kafka's default, means fast mode
//   as in Kafka's own Java client;
//   zstd ZSTD_minCLevel()..ZSTD_maxCLevel();
//   none and snappy ignore the level.
// compress() returns invalid_argument for a level outside its codec's range.
bool compression_level_valid(compression_codec codec, int level) noexcept;

// Compresses input and appends the codec's framing of it to output:
//   gzip   a single gzip member (RFC 1952), ISA-L igzip;
//   snappy the xerial stream of Java's snappy-java SnappyOutputStream: 16-byte header, then
//          blocks of [int32 big-endian length][raw snappy] of at most 32 KiB of input each;
//   lz4    one LZ4 frame with 64 KiB independent blocks and no checksums, the shape Kafka's
//          Lz4BlockOutputStream writes and the only one its reader accepts (no linked blocks);
//   zstd   one zstd frame with its content size.
// On failure output is as it was on entry.
status compress(compression_codec codec, std::span<const std::byte> input,
                std::vector<std::byte>& output, int level = compression_level_default);

// Decompresses input and appends the result to output. Accepts what any Kafka client writes:
//   gzip   one or more concatenated gzip members (Java GZIPOutputStream, zlib, ISA-L);
//   snappy a xerial stream (recognised by its magic; concatenated streams too) or plain raw
//          snappy as librdkafka may write; empty input is an empty stream, as in snappy-java;
//   lz4    one or more LZ4 frames of any valid shape: linked or independent blocks, any block
//          size, with or without content size, block or content checksums; skippable frames;
//   zstd   one or more zstd frames, with or without content size or checksum; skippable frames.
// Fails with too_large rather than append more than output_bytes_max bytes, and with
// corrupt_data on input that is not a complete, valid stream (truncated, trailing bytes, bad
// checksum). On failure output is as it was on entry. Not every damage is detectable: a xerial
// stream has no end marker (cut at a block boundary it decodes to a prefix) and snappy, lz4 and
// zstd without their optional checksums can decode a flipped literal to a wrong byte; the batch
// CRC32C, checked before decompression, is what catches those.
status decompress(compression_codec codec, std::span<const std::byte> input,
                  std::vector<std::byte>& output, std::size_t output_bytes_max);

}  // namespace laminar
