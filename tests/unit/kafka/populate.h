// Test helper: fills every field of a message from its schema with distinct non-default values
// (two elements per array), optionally null wherever the version allows it.
#pragma once

#include <string>

#include "net/kafka/schema.h"

namespace laminar::kafka::testing {

class populator {
public:
    populator(std::int16_t version, bool use_nulls) noexcept
        : _version(version), _use_nulls(use_nulls) {}

    template <typename T>
    void field(T& value, const field_spec& spec) {
        fill(value, spec);
    }

    template <typename T>
    void fill(T& value, const field_spec& spec) {
        using namespace schema_detail;
        if constexpr (std::is_same_v<T, bool>) value = true;
        else if constexpr (std::is_integral_v<T>) value = static_cast<T>(next() % 100 + 2);
        else if constexpr (std::is_same_v<T, double>) value = next() + 0.5;
        else if constexpr (std::is_same_v<T, uuid>) {
            for (auto& b : value.value) b = static_cast<std::byte>(next());
        } else if constexpr (std::is_same_v<T, std::string>) value = "s" + std::to_string(next());
        else if constexpr (std::is_same_v<T, bytes>) {
            value.assign(3, static_cast<std::byte>(next()));
        }
        else if constexpr (std::is_same_v<T, spliced_bytes>) {
            fill(value.data, spec);
        } else if constexpr (is_optional<T>::value) {
            if (_use_nulls && _version >= spec.nullable_min) value.reset();
            else fill(value.emplace(), spec);
        } else if constexpr (is_array<T>) {
            value.resize(2);
            for (auto& item : value) fill(item, field_spec{});
        } else {
            visit(*this, value);
        }
    }

private:
    int next() noexcept { return ++_counter; }

    std::int16_t _version;
    bool _use_nulls;
    int _counter = 0;
};

}  // namespace laminar::kafka::testing
