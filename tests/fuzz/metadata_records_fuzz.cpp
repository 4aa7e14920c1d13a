// libFuzzer target for the metadata log's record decoder: the log is read back from disk, so a
// damaged file must give an error, never a crash, an out-of-bounds read or a huge allocation.
// Whatever decodes must encode back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "core/assert.h"
#include "ctl/metadata_records.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
    auto decoded = laminar::ctl::decode_records(input);
    if (decoded) {
        auto encoded = laminar::ctl::encode_records(*decoded);
        LAMINAR_ASSERT(encoded.size() == size);
        LAMINAR_ASSERT(std::memcmp(encoded.data(), data, size) == 0);
    }
    return 0;
}
