// libFuzzer target for the recovery index's parse (storage/recovery_index.h): the file is read
// back from disk after a crash, so no input may crash it or read out of bounds. Whatever parses
// must encode back to the same bytes.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <span>

#include "core/assert.h"
#include "storage/recovery_index_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = std::as_bytes(std::span(data, size));
    auto parsed = laminar::storage::parse_recovery_index(bytes);
    if (parsed) {
        const auto encoded = laminar::storage::encode_recovery_index(*parsed);
        LAMINAR_ASSERT(encoded.size() == bytes.size());
        LAMINAR_ASSERT(std::equal(encoded.begin(), encoded.end(), bytes.begin()));
    }
    return 0;
}
