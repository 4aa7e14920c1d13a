// CRC32C through ISA-L, and the table-driven reference. See crc32c.h for the contract.
#include "core/crc32c.h"

#include <algorithm>
#include <array>
#include <climits>

#include <isa-l/crc.h>

namespace laminar {
namespace {

// ISA-L takes the length as an int; longer inputs are fed in pieces of this size.
constexpr std::size_t isal_chunk_bytes_max = std::size_t{1} << 30;
static_assert(isal_chunk_bytes_max <= INT_MAX);

// Bit-reversed form of the Castagnoli polynomial 0x1EDC6F41.
constexpr std::uint32_t polynomial_reflected = 0x82F63B78u;

constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t byte = 0; byte < 256; ++byte) {
        std::uint32_t crc = byte;
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc >> 1) ^ ((crc & 1u) ? polynomial_reflected : 0u);
        }
        table[byte] = crc;
    }
    return table;
}

constexpr std::array<std::uint32_t, 256> crc32c_lookup = make_table();

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::byte> data) noexcept {
    // A finished CRC is the register xor ~0: undo the final xor, continue, redo it.
    std::uint32_t state = ~crc;
    while (!data.empty()) {
        const std::size_t chunk_bytes = std::min(data.size(), isal_chunk_bytes_max);
        // ISA-L's signature lacks const; it only reads the buffer.
        auto* bytes =
            const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(data.data()));
        state = crc32_iscsi(bytes, static_cast<int>(chunk_bytes), state);
        data = data.subspan(chunk_bytes);
    }
    return ~state;
}

std::uint32_t crc32c(std::span<const std::byte> data) noexcept { return crc32c_extend(0, data); }

std::uint32_t crc32c_table_extend(std::uint32_t crc, std::span<const std::byte> data) noexcept {
    std::uint32_t state = ~crc;
    for (std::byte byte : data) {
        const std::uint32_t index = (state ^ std::to_integer<std::uint32_t>(byte)) & 0xFFu;
        state = (state >> 8) ^ crc32c_lookup[index];
    }
    return ~state;
}

std::uint32_t crc32c_table(std::span<const std::byte> data) noexcept {
    return crc32c_table_extend(0, data);
}

}  // namespace laminar
