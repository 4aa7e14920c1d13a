// libFuzzer target for decompress(): compressed batches come from outside, so no input may
// crash it, read out of bounds, or grow its output past the bound. Each input goes to every
// codec as it is, and again behind a valid header of the codec (the libraries are not
// instrumented, so without the header most inputs would stop at the magic check). Inputs
// small enough are also round-tripped through compress(). ASan cannot see reads made inside
// those uninstrumented libraries, so every input ends right before an inaccessible page:
// a read past its end faults instead of passing silently.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/assert.h"
#include "core/compression.h"

namespace laminar {
namespace {

constexpr std::size_t output_bytes_max = 1024 * 1024;
constexpr std::size_t round_trip_input_bytes_max = 64 * 1024;
constexpr std::array<compression_codec, 5> codecs = {
    compression_codec::none, compression_codec::gzip, compression_codec::snappy,
    compression_codec::lz4, compression_codec::zstd};

// The start of a valid stream of the codec, taken from compressing nothing: gzip's 10-byte
// header, the xerial header, the lz4 frame header (without the end mark), the zstd magic.
std::vector<std::byte> stream_header(compression_codec codec) {
    std::vector<std::byte> empty_stream;
    LAMINAR_ASSERT(compress(codec, {}, empty_stream));
    std::size_t header_bytes = 0;
    switch (codec) {
    case compression_codec::none: header_bytes = 0; break;
    case compression_codec::gzip: header_bytes = 10; break;
    case compression_codec::snappy: header_bytes = 16; break;
    case compression_codec::lz4: header_bytes = empty_stream.size() - 4; break;
    case compression_codec::zstd: header_bytes = 4; break;
    }
    empty_stream.resize(header_bytes);
    return empty_stream;
}

// A copy of some bytes that ends where an inaccessible page begins.
class guarded_copy {
public:
    explicit guarded_copy(std::span<const std::byte> bytes) {
        const auto page_bytes = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        const std::size_t data_bytes = (bytes.size() + page_bytes - 1) / page_bytes * page_bytes;
        _mapping_bytes = data_bytes + page_bytes;
        void* mapping = mmap(nullptr, _mapping_bytes, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        LAMINAR_ASSERT(mapping != MAP_FAILED);
        _mapping = static_cast<std::byte*>(mapping);
        LAMINAR_ASSERT(mprotect(_mapping + data_bytes, page_bytes, PROT_NONE) == 0);
        std::byte* start = _mapping + data_bytes - bytes.size();
        if (!bytes.empty()) std::memcpy(start, bytes.data(), bytes.size());
        _bytes = std::span<const std::byte>(start, bytes.size());
    }
    ~guarded_copy() { munmap(_mapping, _mapping_bytes); }
    guarded_copy(const guarded_copy&) = delete;
    guarded_copy& operator=(const guarded_copy&) = delete;

    std::span<const std::byte> bytes() const { return _bytes; }

private:
    std::byte* _mapping = nullptr;
    std::size_t _mapping_bytes = 0;
    std::span<const std::byte> _bytes;
};

void check_decompress(compression_codec codec, std::span<const std::byte> unguarded_input) {
    const guarded_copy input(unguarded_input);
    std::vector<std::byte> output = {std::byte{0xAB}};
    status decoded = decompress(codec, input.bytes(), output, output_bytes_max);
    if (decoded) {
        LAMINAR_ASSERT(output.size() - 1 <= output_bytes_max);
    } else {
        LAMINAR_ASSERT(decoded.error() == errc::corrupt_data || decoded.error() == errc::too_large);
        LAMINAR_ASSERT(output.size() == 1);
    }
    LAMINAR_ASSERT(output[0] == std::byte{0xAB});
}

void check_round_trip(compression_codec codec, std::span<const std::byte> input) {
    std::vector<std::byte> packed;
    LAMINAR_ASSERT(compress(codec, input, packed));
    std::vector<std::byte> unpacked;
    LAMINAR_ASSERT(decompress(codec, packed, unpacked, input.size()));
    LAMINAR_ASSERT(unpacked.size() == input.size());
    LAMINAR_ASSERT(std::equal(unpacked.begin(), unpacked.end(), input.begin()));
}

}  // namespace
}  // namespace laminar

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace laminar;
    static const std::array<std::vector<std::byte>, 5> headers = {
        stream_header(codecs[0]), stream_header(codecs[1]), stream_header(codecs[2]),
        stream_header(codecs[3]), stream_header(codecs[4])};
    const auto input = std::as_bytes(std::span<const std::uint8_t>(data, size));
    std::vector<std::byte> behind_header;
    for (std::size_t index = 0; index < codecs.size(); ++index) {
        check_decompress(codecs[index], input);
        behind_header.assign(headers[index].begin(), headers[index].end());
        behind_header.insert(behind_header.end(), input.begin(), input.end());
        check_decompress(codecs[index], behind_header);
        if (size <= round_trip_input_bytes_max) check_round_trip(codecs[index], input);
    }
    return 0;
}
