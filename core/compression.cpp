// The four Kafka codecs over ISA-L igzip, snappy, liblz4 (frame API) and libzstd (streaming
// API). See compression.h for the framing contract. All parsing of untrusted bytes is left to
// the libraries, which are built and fuzzed to be safe on any input; this file owns the bounds:
// it never hands a library more output space than the caller allowed plus one byte, and it
// checks every length it reads itself (xerial block lengths) against what is left of the input.
#include "core/compression.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include <isa-l/igzip_lib.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zstd.h>

#include "core/assert.h"

namespace laminar {
namespace {

constexpr std::array<compression_codec, 5> all_codecs = {
    compression_codec::none, compression_codec::gzip, compression_codec::snappy,
    compression_codec::lz4, compression_codec::zstd};

// Bits 0-2 of a record batch's attributes.
constexpr std::uint16_t attributes_codec_mask = 0x07;

// ISA-L counts input and output in uint32; Kafka batches are far smaller (sizes are int32).
constexpr std::size_t isal_bytes_max = 0xFFFF'FFFFu;

// First output allocation of a streaming decompression when the frame does not say its size.
constexpr std::size_t output_step_bytes_min = 16 * 1024;

// A size the input claims (gzip ISIZE, lz4 and zstd content size) sizes the first allocation
// only up to this many times the input: real batches rarely compress better, and beyond it
// doubling takes over, so a forged claim cannot make us allocate and zero the whole bound.
constexpr std::size_t claimed_expansion_max = 256;

// snappy-java's SnappyOutputStream framing, as Kafka's Java client writes it.
constexpr std::array<std::uint8_t, 8> xerial_magic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr std::size_t xerial_header_bytes = 16;  // magic, int32 version, int32 compatible version
constexpr std::uint32_t xerial_version = 1;
constexpr std::uint32_t xerial_version_compatible = 1;
constexpr std::size_t xerial_length_bytes = 4;
// snappy-java's DEFAULT_BLOCK_SIZE: input bytes compressed per block.
constexpr std::size_t xerial_block_input_bytes_max = 32 * 1024;

// Levels (compression.h explains the ranges).
constexpr int gzip_level_min = 1;
constexpr int gzip_level_max = 9;
constexpr int gzip_level_kafka_default = 6;  // zlib's Z_DEFAULT_COMPRESSION
constexpr int lz4_level_min = 1;
constexpr int lz4_level_max = 17;
constexpr int lz4_level_kafka_default = 9;
constexpr int zstd_level_kafka_default = 3;

// The caller's vector while a codec writes into it. It grows geometrically but never past one
// byte more than the bound: a codec that fills that extra byte has proven the data too large,
// and the caller's memory stays bounded whatever the input claims.
class bounded_output {
public:
    bounded_output(std::vector<std::byte>& target, std::size_t bytes_max) noexcept
        : _target(target),
          _start(target.size()),
          _bytes_max(bytes_max),
          _capacity_max(bytes_max == SIZE_MAX ? bytes_max : bytes_max + 1) {}

    // Free space after the bytes produced so far: at least bytes_wanted unless the bound is
    // nearer, empty when the bound is reached. Grows by at least what was produced (doubling).
    std::span<std::byte> space(std::size_t bytes_wanted) {
        const std::size_t end = _start + _produced;
        if (_target.size() - end < bytes_wanted) {
            const std::size_t grow_bytes =
                std::min(std::max(bytes_wanted, _produced), _capacity_max - _produced);
            if (_target.size() - end < grow_bytes) _target.resize(end + grow_bytes);
        }
        return std::span<std::byte>(_target).subspan(end);
    }

    void commit(std::size_t bytes) noexcept {
        LAMINAR_ASSERT(bytes <= _target.size() - _start - _produced);
        _produced += bytes;
    }

    std::size_t produced() const noexcept { return _produced; }
    std::size_t bytes_left() const noexcept { return _bytes_max - std::min(_produced, _bytes_max); }

    status finish() {
        if (_produced > _bytes_max) return fail(errc::too_large);
        _target.resize(_start + _produced);
        return {};
    }

    void rollback() { _target.resize(_start); }

private:
    std::vector<std::byte>& _target;
    std::size_t _start;
    std::size_t _bytes_max;
    std::size_t _capacity_max;
    std::size_t _produced = 0;
};

// ---- Per-thread codec contexts: created on first use, reused by every later call. ----

struct deflate_context {
    isal_zstream stream;
    // Large enough for every level; ISA-L sizes its token buffer from level_buf_size.
    std::array<std::uint8_t, ISAL_DEF_LVL3_DEFAULT> level_buffer;
};

struct lz4_compress_deleter {
    void operator()(LZ4F_cctx* context) const noexcept { LZ4F_freeCompressionContext(context); }
};
struct lz4_decompress_deleter {
    void operator()(LZ4F_dctx* context) const noexcept { LZ4F_freeDecompressionContext(context); }
};
struct zstd_compress_deleter {
    void operator()(ZSTD_CCtx* context) const noexcept { ZSTD_freeCCtx(context); }
};
struct zstd_decompress_deleter {
    void operator()(ZSTD_DCtx* context) const noexcept { ZSTD_freeDCtx(context); }
};

struct codec_contexts {
    std::unique_ptr<deflate_context> deflate;
    std::unique_ptr<inflate_state> inflate;
    std::unique_ptr<LZ4F_cctx, lz4_compress_deleter> lz4_compress;
    std::unique_ptr<LZ4F_dctx, lz4_decompress_deleter> lz4_decompress;
    std::unique_ptr<ZSTD_CCtx, zstd_compress_deleter> zstd_compress;
    std::unique_ptr<ZSTD_DCtx, zstd_decompress_deleter> zstd_decompress;
};

thread_local codec_contexts thread_contexts;

deflate_context& thread_deflate() {
    auto& context = thread_contexts.deflate;
    if (!context) context = std::make_unique<deflate_context>();
    return *context;
}

inflate_state& thread_inflate() {
    auto& context = thread_contexts.inflate;
    if (!context) context = std::make_unique<inflate_state>();
    return *context;
}

LZ4F_cctx& thread_lz4_compress() {
    auto& context = thread_contexts.lz4_compress;
    if (!context) {
        LZ4F_cctx* created = nullptr;
        const LZ4F_errorCode_t code = LZ4F_createCompressionContext(&created, LZ4F_VERSION);
        LAMINAR_ASSERT(!LZ4F_isError(code));  // only fails when out of memory
        context.reset(created);
    }
    return *context;
}

LZ4F_dctx& thread_lz4_decompress() {
    auto& context = thread_contexts.lz4_decompress;
    if (!context) {
        LZ4F_dctx* created = nullptr;
        const LZ4F_errorCode_t code = LZ4F_createDecompressionContext(&created, LZ4F_VERSION);
        LAMINAR_ASSERT(!LZ4F_isError(code));  // only fails when out of memory
        context.reset(created);
    }
    return *context;
}

ZSTD_CCtx& thread_zstd_compress() {
    auto& context = thread_contexts.zstd_compress;
    if (!context) context.reset(ZSTD_createCCtx());
    LAMINAR_ASSERT(context != nullptr);
    return *context;
}

ZSTD_DCtx& thread_zstd_decompress() {
    auto& context = thread_contexts.zstd_decompress;
    if (!context) context.reset(ZSTD_createDCtx());
    LAMINAR_ASSERT(context != nullptr);
    return *context;
}

// ---- Byte helpers ----

// The libraries' signatures predate const correctness or take char; they only read input.
std::uint8_t* input_bytes(const std::byte* bytes) {
    return const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(bytes));
}
const char* input_chars(const std::byte* bytes) { return reinterpret_cast<const char*>(bytes); }

void store_u32_big_endian(std::byte* target, std::uint32_t value) {
    for (int index = 0; index < 4; ++index) {
        target[index] = static_cast<std::byte>(value >> (24 - 8 * index));
    }
}

std::uint32_t load_u32_big_endian(const std::byte* source) {
    std::uint32_t value = 0;
    for (int index = 0; index < 4; ++index) {
        value = (value << 8) | std::to_integer<std::uint32_t>(source[index]);
    }
    return value;
}

std::uint32_t load_u32_little_endian(const std::byte* source) {
    std::uint32_t value = 0;
    for (int index = 3; index >= 0; --index) {
        value = (value << 8) | std::to_integer<std::uint32_t>(source[index]);
    }
    return value;
}

std::size_t first_step_bytes(std::uint64_t claimed_bytes, std::size_t input_bytes) {
    const std::uint64_t plausible_bytes = std::uint64_t{claimed_expansion_max} * input_bytes;
    const std::uint64_t step_bytes = std::min(claimed_bytes, plausible_bytes);
    return std::max<std::size_t>(output_step_bytes_min, static_cast<std::size_t>(step_bytes));
}

bool starts_with_xerial_magic(std::span<const std::byte> input) {
    return input.size() >= xerial_magic.size() &&
           std::memcmp(input.data(), xerial_magic.data(), xerial_magic.size()) == 0;
}

// ---- gzip (ISA-L igzip) ----

int isal_level_for(int level) {
    if (level == compression_level_default) level = gzip_level_kafka_default;
    if (level <= 3) return 1;
    if (level <= 6) return 2;
    return 3;
}

status gzip_compress(std::span<const std::byte> input, std::vector<std::byte>& output, int level) {
    if (input.size() > isal_bytes_max) return fail(errc::too_large);
    deflate_context& context = thread_deflate();
    isal_zstream& stream = context.stream;
    isal_deflate_init(&stream);
    stream.gzip_flag = IGZIP_GZIP;
    stream.level = static_cast<std::uint32_t>(isal_level_for(level));
    stream.level_buf = context.level_buffer.data();
    stream.level_buf_size = static_cast<std::uint32_t>(context.level_buffer.size());
    stream.end_of_stream = 1;
    stream.flush = NO_FLUSH;
    stream.next_in = input_bytes(input.data());
    stream.avail_in = static_cast<std::uint32_t>(input.size());

    // Stored blocks bound the worst case; the loop covers an estimate that falls short anyway.
    const std::size_t start = output.size();
    std::size_t produced = 0;
    output.resize(start + input.size() + input.size() / 16 + 64);
    while (stream.internal_state.state != ZSTATE_END) {
        if (output.size() - start == produced) output.resize(start + 2 * produced);
        const std::size_t space_bytes = std::min(output.size() - start - produced, isal_bytes_max);
        stream.next_out = reinterpret_cast<std::uint8_t*>(output.data() + start + produced);
        stream.avail_out = static_cast<std::uint32_t>(space_bytes);
        const int code = isal_deflate(&stream);
        // Errors here mean a bad level or level buffer: our bug, not the input's.
        LAMINAR_ASSERT(code == COMP_OK);
        produced += space_bytes - stream.avail_out;
    }
    output.resize(start + produced);
    return {};
}

// Decompresses gzip members until the input ends. ISA-L checks each member's CRC32 and size.
status gzip_decompress(std::span<const std::byte> input, bounded_output& output) {
    if (input.size() > isal_bytes_max) return fail(errc::too_large);
    inflate_state& state = thread_inflate();
    isal_inflate_init(&state);
    state.crc_flag = ISAL_GZIP;
    state.next_in = input_bytes(input.data());
    state.avail_in = static_cast<std::uint32_t>(input.size());

    // The trailer's ISIZE is the last member's size modulo 2^32: a hint, bounded by the output.
    std::size_t step_bytes = output_step_bytes_min;
    if (input.size() >= 8) {
        const std::uint32_t member_bytes = load_u32_little_endian(input.data() + input.size() - 4);
        step_bytes = first_step_bytes(member_bytes, input.size());
    }
    while (true) {
        std::span<std::byte> space = output.space(step_bytes);
        if (space.empty()) return fail(errc::too_large);
        const std::size_t space_bytes = std::min(space.size(), isal_bytes_max);
        const std::uint32_t input_left_before = state.avail_in;
        state.next_out = reinterpret_cast<std::uint8_t*>(space.data());
        state.avail_out = static_cast<std::uint32_t>(space_bytes);
        const int code = isal_inflate(&state);
        const std::size_t produced = space_bytes - state.avail_out;
        output.commit(produced);
        if (code != ISAL_DECOMP_OK) return fail(errc::corrupt_data);
        if (state.block_state == ISAL_BLOCK_FINISH) {
            if (state.avail_in == 0) return {};
            // Another member follows: gzip allows concatenation and Java's reader accepts it.
            std::uint8_t* next_in = state.next_in;
            const std::uint32_t avail_in = state.avail_in;
            isal_inflate_reset(&state);
            state.crc_flag = ISAL_GZIP;
            state.next_in = next_in;
            state.avail_in = avail_in;
            continue;
        }
        // Room left but the stream did not end: the input was cut short.
        if (state.avail_out > 0 && state.avail_in == 0) return fail(errc::corrupt_data);
        if (produced == 0 && state.avail_in == input_left_before) return fail(errc::corrupt_data);
    }
}

// ---- snappy (xerial framing, or raw) ----

status snappy_compress(std::span<const std::byte> input, std::vector<std::byte>& output) {
    const std::size_t start = output.size();
    const std::size_t block_count =
        (input.size() + xerial_block_input_bytes_max - 1) / xerial_block_input_bytes_max;
    const std::size_t block_bytes_max =
        xerial_length_bytes + snappy::MaxCompressedLength(xerial_block_input_bytes_max);
    output.resize(start + xerial_header_bytes + block_count * block_bytes_max);

    std::byte* cursor = output.data() + start;
    std::memcpy(cursor, xerial_magic.data(), xerial_magic.size());
    store_u32_big_endian(cursor + 8, xerial_version);
    store_u32_big_endian(cursor + 12, xerial_version_compatible);
    cursor += xerial_header_bytes;
    for (std::size_t offset = 0; offset < input.size(); offset += xerial_block_input_bytes_max) {
        const std::size_t block_input_bytes =
            std::min(xerial_block_input_bytes_max, input.size() - offset);
        std::size_t compressed_bytes = 0;
        snappy::RawCompress(input_chars(input.data() + offset), block_input_bytes,
                            reinterpret_cast<char*>(cursor + xerial_length_bytes),
                            &compressed_bytes);
        store_u32_big_endian(cursor, static_cast<std::uint32_t>(compressed_bytes));
        cursor += xerial_length_bytes + compressed_bytes;
    }
    output.resize(static_cast<std::size_t>(cursor - output.data()));
    return {};
}

status snappy_decompress_raw(std::span<const std::byte> block, bounded_output& output) {
    std::size_t length = 0;
    if (!snappy::GetUncompressedLength(input_chars(block.data()), block.size(), &length)) {
        return fail(errc::corrupt_data);
    }
    if (length > output.bytes_left()) return fail(errc::too_large);
    std::span<std::byte> space = output.space(length);
    LAMINAR_ASSERT(space.size() >= length);
    if (!snappy::RawUncompress(input_chars(block.data()), block.size(),
                               reinterpret_cast<char*>(space.data()))) {
        return fail(errc::corrupt_data);
    }
    output.commit(length);
    return {};
}

// The xerial versions are not checked, as neither snappy-java nor librdkafka do: there has only
// ever been version 1. A header inside the stream starts a concatenated stream, as in
// snappy-java (a block length cannot start with 0x82: that would be a negative int32).
status snappy_decompress_xerial(std::span<const std::byte> input, bounded_output& output) {
    while (!input.empty()) {
        if (starts_with_xerial_magic(input)) {
            if (input.size() < xerial_header_bytes) return fail(errc::corrupt_data);
            input = input.subspan(xerial_header_bytes);
            continue;
        }
        if (input.size() < xerial_length_bytes) return fail(errc::corrupt_data);
        const std::size_t block_bytes = load_u32_big_endian(input.data());
        input = input.subspan(xerial_length_bytes);
        if (block_bytes > input.size()) return fail(errc::corrupt_data);
        status decoded = snappy_decompress_raw(input.first(block_bytes), output);
        if (!decoded) return decoded;
        input = input.subspan(block_bytes);
    }
    return {};
}

status snappy_decompress(std::span<const std::byte> input, bounded_output& output) {
    if (input.empty()) return {};
    if (starts_with_xerial_magic(input)) return snappy_decompress_xerial(input, output);
    return snappy_decompress_raw(input, output);
}

// ---- lz4 (frame format) ----

int lz4f_level_for(int level) {
    // Kafka's client uses the fast compressor for its default level and lz4-hc otherwise.
    if (level == compression_level_default || level == lz4_level_kafka_default) return 0;
    return level;
}

status lz4_compress(std::span<const std::byte> input, std::vector<std::byte>& output, int level) {
    LZ4F_preferences_t preferences{};
    preferences.frameInfo.blockSizeID = LZ4F_max64KB;
    preferences.frameInfo.blockMode = LZ4F_blockIndependent;
    preferences.compressionLevel = lz4f_level_for(level);
    preferences.autoFlush = 1;

    LZ4F_cctx& context = thread_lz4_compress();
    const std::size_t start = output.size();
    const std::size_t bound = LZ4F_HEADER_SIZE_MAX + LZ4F_compressBound(input.size(), &preferences);
    output.resize(start + bound);
    std::byte* target = output.data() + start;
    // With the bound reserved these cannot fail; an error is a bug on our side.
    const std::size_t header_bytes = LZ4F_compressBegin(&context, target, bound, &preferences);
    LAMINAR_ASSERT(!LZ4F_isError(header_bytes));
    const std::size_t body_bytes = LZ4F_compressUpdate(
        &context, target + header_bytes, bound - header_bytes, input.data(), input.size(), nullptr);
    LAMINAR_ASSERT(!LZ4F_isError(body_bytes));
    const std::size_t used = header_bytes + body_bytes;
    const std::size_t end_bytes = LZ4F_compressEnd(&context, target + used, bound - used, nullptr);
    LAMINAR_ASSERT(!LZ4F_isError(end_bytes));
    output.resize(start + used + end_bytes);
    return {};
}

status lz4_decompress(std::span<const std::byte> input, bounded_output& output) {
    LZ4F_dctx& context = thread_lz4_decompress();
    // A previous call may have stopped mid-frame (error, bound reached).
    LZ4F_resetDecompressionContext(&context);

    std::size_t step_bytes = output_step_bytes_min;
    LZ4F_frameInfo_t frame_info{};
    std::size_t header_bytes = input.size();
    // On success this consumes the header; on failure it consumes nothing and the error
    // surfaces again from LZ4F_decompress below.
    if (!LZ4F_isError(LZ4F_getFrameInfo(&context, &frame_info, input.data(), &header_bytes))) {
        input = input.subspan(header_bytes);
        step_bytes = first_step_bytes(frame_info.contentSize, input.size() + header_bytes);
    }
    while (true) {
        std::span<std::byte> space = output.space(step_bytes);
        if (space.empty()) return fail(errc::too_large);
        std::size_t produced = space.size();
        std::size_t consumed = input.size();
        const std::size_t hint =
            LZ4F_decompress(&context, space.data(), &produced, input.data(), &consumed, nullptr);
        output.commit(produced);
        input = input.subspan(consumed);
        if (LZ4F_isError(hint)) return fail(errc::corrupt_data);
        // hint 0: a frame ended; more input is a further frame.
        if (hint == 0 && input.empty()) return {};
        if (hint != 0 && input.empty() && produced < space.size()) return fail(errc::corrupt_data);
        if (produced == 0 && consumed == 0) return fail(errc::corrupt_data);
    }
}

// ---- zstd ----

status zstd_compress(std::span<const std::byte> input, std::vector<std::byte>& output, int level) {
    ZSTD_CCtx& context = thread_zstd_compress();
    ZSTD_CCtx_reset(&context, ZSTD_reset_session_and_parameters);
    const int zstd_level = level == compression_level_default ? zstd_level_kafka_default : level;
    const std::size_t level_set =
        ZSTD_CCtx_setParameter(&context, ZSTD_c_compressionLevel, zstd_level);
    LAMINAR_ASSERT(!ZSTD_isError(level_set));
    const std::size_t start = output.size();
    const std::size_t bound = ZSTD_compressBound(input.size());
    output.resize(start + bound);
    const std::size_t written =
        ZSTD_compress2(&context, output.data() + start, bound, input.data(), input.size());
    LAMINAR_ASSERT(!ZSTD_isError(written));
    output.resize(start + written);
    return {};
}

// Streaming, since Kafka's Java client (zstd-jni streams) omits the content size. The window
// limit stays zstd's default (128 MiB), which every standard level's frames fit.
status zstd_decompress(std::span<const std::byte> input, bounded_output& output) {
    ZSTD_DCtx& context = thread_zstd_decompress();
    ZSTD_DCtx_reset(&context, ZSTD_reset_session_only);

    std::size_t step_bytes = output_step_bytes_min;
    const unsigned long long content_bytes = ZSTD_getFrameContentSize(input.data(), input.size());
    if (content_bytes != ZSTD_CONTENTSIZE_UNKNOWN && content_bytes != ZSTD_CONTENTSIZE_ERROR) {
        step_bytes = first_step_bytes(content_bytes, input.size());
    }
    ZSTD_inBuffer source{input.data(), input.size(), 0};
    while (true) {
        std::span<std::byte> space = output.space(step_bytes);
        if (space.empty()) return fail(errc::too_large);
        ZSTD_outBuffer target{space.data(), space.size(), 0};
        const std::size_t source_pos_before = source.pos;
        const std::size_t hint = ZSTD_decompressStream(&context, &target, &source);
        output.commit(target.pos);
        if (ZSTD_isError(hint)) return fail(errc::corrupt_data);
        const bool input_done = source.pos == source.size;
        // hint 0: a frame ended and is flushed; more input is a further frame.
        if (hint == 0 && input_done) return {};
        if (hint != 0 && input_done && target.pos < target.size) return fail(errc::corrupt_data);
        if (target.pos == 0 && source.pos == source_pos_before) return fail(errc::corrupt_data);
    }
}

status decompress_into(compression_codec codec, std::span<const std::byte> input,
                       bounded_output& output) {
    switch (codec) {
    case compression_codec::none: {
        if (input.size() > output.bytes_left()) return fail(errc::too_large);
        std::span<std::byte> space = output.space(input.size());
        if (!input.empty()) std::memcpy(space.data(), input.data(), input.size());
        output.commit(input.size());
        return {};
    }
    case compression_codec::gzip: return gzip_decompress(input, output);
    case compression_codec::snappy: return snappy_decompress(input, output);
    case compression_codec::lz4: return lz4_decompress(input, output);
    case compression_codec::zstd: return zstd_decompress(input, output);
    }
    return fail(errc::invalid_argument);
}

}  // namespace

std::string_view to_string(compression_codec codec) noexcept {
    switch (codec) {
    case compression_codec::none: return "none";
    case compression_codec::gzip: return "gzip";
    case compression_codec::snappy: return "snappy";
    case compression_codec::lz4: return "lz4";
    case compression_codec::zstd: return "zstd";
    }
    return "unknown";
}

result<compression_codec> parse_compression_codec(std::string_view name) noexcept {
    for (compression_codec codec : all_codecs) {
        if (to_string(codec) == name) return codec;
    }
    return fail(errc::invalid_argument);
}

result<compression_codec> compression_codec_from_attributes(std::uint16_t attributes) noexcept {
    const std::uint16_t id = attributes & attributes_codec_mask;
    if (id > static_cast<std::uint16_t>(compression_codec::zstd)) return fail(errc::corrupt_data);
    return static_cast<compression_codec>(id);
}

bool compression_level_valid(compression_codec codec, int level) noexcept {
    if (level == compression_level_default) return true;
    switch (codec) {
    case compression_codec::none:
    case compression_codec::snappy: return true;
    case compression_codec::gzip: return level >= gzip_level_min && level <= gzip_level_max;
    case compression_codec::lz4: return level >= lz4_level_min && level <= lz4_level_max;
    case compression_codec::zstd: return level >= ZSTD_minCLevel() && level <= ZSTD_maxCLevel();
    }
    return false;
}

status compress(compression_codec codec, std::span<const std::byte> input,
                std::vector<std::byte>& output, int level) {
    if (!compression_level_valid(codec, level)) return fail(errc::invalid_argument);
    switch (codec) {
    case compression_codec::none:
        output.insert(output.end(), input.begin(), input.end());
        return {};
    case compression_codec::gzip: return gzip_compress(input, output, level);
    case compression_codec::snappy: return snappy_compress(input, output);
    case compression_codec::lz4: return lz4_compress(input, output, level);
    case compression_codec::zstd: return zstd_compress(input, output, level);
    }
    return fail(errc::invalid_argument);
}

status decompress(compression_codec codec, std::span<const std::byte> input,
                  std::vector<std::byte>& output, std::size_t output_bytes_max) {
    bounded_output bounded(output, output_bytes_max);
    status decoded = decompress_into(codec, input, bounded);
    if (decoded) decoded = bounded.finish();
    if (!decoded) bounded.rollback();
    return decoded;
}

}  // namespace laminar
