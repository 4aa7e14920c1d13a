// The recovery index file's bytes (see recovery_index.h): encode and a parse that accepts any
// input (fuzzed: tests/fuzz/recovery_index_fuzz.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "storage/index_entries.h"

namespace laminar::storage {

// Layout (big-endian): magic u32, version u16, base offset i64, next offset i64, size u64,
// max timestamp i64, offset of max timestamp i64, bytes since the last index entry u64,
// offset entry count u32, time entry count u32, the entries (as in .index and .timeindex),
// CRC32C u32 of everything before it.
inline constexpr std::uint32_t recovery_index_magic = 0x4c524958;  // "LRIX"
inline constexpr std::uint16_t recovery_index_version = 1;
inline constexpr std::size_t recovery_index_header_bytes = 4 + 2 + 8 * 6 + 4 + 4;
inline constexpr std::size_t recovery_index_trailer_bytes = 4;
// A bound on what parse accepts: a 2 GiB segment at one entry per 64 bytes.
inline constexpr std::uint32_t recovery_index_entries_max = 1u << 25;

std::vector<std::byte> encode_recovery_index(const segment_snapshot& snapshot);
// nullopt when the bytes are not a whole, intact recovery index (any input is safe: fuzzed by
// tests/fuzz/recovery_index_fuzz.cpp).
std::optional<segment_snapshot> parse_recovery_index(std::span<const std::byte> bytes);

}  // namespace laminar::storage
