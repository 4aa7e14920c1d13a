// CRC32C (Castagnoli), the checksum of Kafka record batches (magic 2): every batch is checked with
// it on produce, on recovery and on replication, so it must be fast and exactly Kafka's variant
// (reflected polynomial 0x1EDC6F41, initial value ~0, final xor ~0; "123456789" -> 0xE3069283).
// crc32c() runs Intel ISA-L's hardware path; crc32c_table() is a plain table-driven version kept
// as the reference for tests and the baseline for benchmarks.
//
// Locality: any thread. No allocation, no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace laminar {

// CRC32C of data. crc32c({}) == 0.
std::uint32_t crc32c(std::span<const std::byte> data) noexcept;

// Continues a finished CRC32C over more bytes, so a batch can be checksummed in pieces without
// copying it together: crc32c_extend(crc32c(a), b) == crc32c(a followed by b), and
// crc32c_extend(0, data) == crc32c(data).
std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::byte> data) noexcept;

// Byte-at-a-time table versions of the two above; same results, several times slower.
std::uint32_t crc32c_table(std::span<const std::byte> data) noexcept;
std::uint32_t crc32c_table_extend(std::uint32_t crc, std::span<const std::byte> data) noexcept;

}  // namespace laminar
