// libFuzzer target for the producer snapshot's parse (broker/producer_snapshot.h): a snapshot is
// read back from disk when a partition opens, possibly torn by a crash, so no input may crash it,
// read out of bounds or allocate without bound. Whatever parses encodes back to the same bytes.
// Each input is tried as it is and with its CRC recomputed, so mutations reach the checks of the
// contents (a fuzzer rarely guesses a CRC).
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "broker/producer_snapshot.h"
#include "core/assert.h"
#include "core/crc32c.h"
#include "core/endian.h"

using namespace laminar::broker;

namespace {

void check(std::span<const std::byte> input) {
    if (auto snapshot = decode_producer_snapshot(input)) {
        const auto again = encode_producer_snapshot(*snapshot);
        LAMINAR_ASSERT(again.size() == input.size() &&
                       std::equal(again.begin(), again.end(), input.begin()));
        LAMINAR_ASSERT(decode_producer_snapshot(again) == snapshot);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
    check(input);
    // The same bytes with their CRC made right: the checks behind the CRC get fuzzed too.
    if (size >= 4) {
        std::vector<std::byte> fixed(input.begin(), input.end());
        const auto body = std::span<const std::byte>(fixed).first(size - 4);
        laminar::store_be<std::uint32_t>(fixed.data() + body.size(), laminar::crc32c(body));
        check(fixed);
    }
    return 0;
}
