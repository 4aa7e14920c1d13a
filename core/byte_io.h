// Sequential big-endian writes to a growing buffer and bounds-checked reads from bytes: the
// pieces of our own on-disk formats (the recovery index, producer snapshots).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/endian.h"

namespace laminar {

class byte_writer {
public:
    explicit byte_writer(std::vector<std::byte>& out) noexcept : _out(out) {}
    template <typename T>
    void put(T value) {
        const std::size_t at = _out.size();
        _out.resize(at + sizeof(T));
        store_be(_out.data() + at, value);
    }

private:
    std::vector<std::byte>& _out;
};

// get() fails, reading nothing, once fewer than sizeof(T) bytes are left.
class byte_reader {
public:
    explicit byte_reader(std::span<const std::byte> in) noexcept : _in(in) {}
    template <typename T>
    bool get(T& value) noexcept {
        if (_in.size() - _at < sizeof(T)) return false;
        value = load_be<T>(_in.data() + _at);
        _at += sizeof(T);
        return true;
    }
    std::size_t at() const noexcept { return _at; }
    std::size_t left() const noexcept { return _in.size() - _at; }

private:
    std::span<const std::byte> _in;
    std::size_t _at = 0;
};

}  // namespace laminar
