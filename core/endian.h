// Big-endian loads and stores for wire and on-disk formats (Kafka is big-endian throughout).
// memcpy keeps them alignment-safe; compilers turn each into a load plus bswap.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace laminar {

template <typename T>
    requires std::is_integral_v<T>
T load_be(const std::byte* source) noexcept {
    std::make_unsigned_t<T> raw;
    std::memcpy(&raw, source, sizeof(raw));
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        raw = std::byteswap(raw);
    }
    return static_cast<T>(raw);
}

template <typename T>
    requires std::is_integral_v<T>
void store_be(std::byte* target, T value) noexcept {
    auto raw = static_cast<std::make_unsigned_t<T>>(value);
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        raw = std::byteswap(raw);
    }
    std::memcpy(target, &raw, sizeof(raw));
}

}  // namespace laminar
