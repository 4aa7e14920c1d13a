// libFuzzer target for the producer snapshot's parse (broker/producer_snapshot.h): a snapshot is
// read back from disk when a partition opens, possibly torn by a crash, so no input may crash it,
// read out of bounds or allocate without bound. Whatever parses encodes back to the same bytes.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "broker/producer_snapshot.h"
#include "core/assert.h"

using namespace laminar::broker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
    if (auto snapshot = decode_producer_snapshot(input)) {
        const auto again = encode_producer_snapshot(*snapshot);
        LAMINAR_ASSERT(again.size() == input.size() &&
                       std::equal(again.begin(), again.end(), input.begin()));
        LAMINAR_ASSERT(decode_producer_snapshot(again) == snapshot);
    }
    return 0;
}
