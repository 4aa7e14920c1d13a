// Per-shard pool of fixed-size buffers for socket reads and response headers. Buffers are
// allocated on first use (by the owning, pinned shard thread, so from its NUMA-local arena) and
// recycled, never freed back while the pool lives. The pool is bounded: when buffers_max are out,
// acquire() says so and the caller applies backpressure (stops reading its socket).
//
// @locality owning shard: acquire and release only on the thread that created the pool.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "core/assert.h"

namespace laminar {

class buffer_pool;

// A buffer on loan from a pool; returns itself on destruction.
class pooled_buffer {
public:
    pooled_buffer() noexcept = default;
    pooled_buffer(pooled_buffer&& other) noexcept
        : _pool(std::exchange(other._pool, nullptr)), _data(std::exchange(other._data, nullptr)) {}
    pooled_buffer& operator=(pooled_buffer&& other) noexcept {
        if (this != &other) {
            release();
            _pool = std::exchange(other._pool, nullptr);
            _data = std::exchange(other._data, nullptr);
        }
        return *this;
    }
    pooled_buffer(const pooled_buffer&) = delete;
    pooled_buffer& operator=(const pooled_buffer&) = delete;
    ~pooled_buffer() { release(); }

    std::byte* data() const noexcept { return _data; }
    std::size_t capacity() const noexcept;
    std::span<std::byte> span() const noexcept { return {_data, capacity()}; }
    explicit operator bool() const noexcept { return _data != nullptr; }

private:
    friend class buffer_pool;
    pooled_buffer(buffer_pool* pool, std::byte* data) noexcept : _pool(pool), _data(data) {}
    void release() noexcept;

    buffer_pool* _pool = nullptr;
    std::byte* _data = nullptr;
};

class buffer_pool {
public:
    buffer_pool(std::size_t buffer_bytes, std::size_t buffers_max)
        : _buffer_bytes(buffer_bytes), _buffers_max(buffers_max),
          _owner(std::this_thread::get_id()) {
        LAMINAR_ASSERT(buffer_bytes > 0 && buffers_max > 0);
        _storage.reserve(buffers_max);
        _free.reserve(buffers_max);  // give_back never allocates
    }
    buffer_pool(const buffer_pool&) = delete;
    buffer_pool& operator=(const buffer_pool&) = delete;
    ~buffer_pool() { LAMINAR_ASSERT(_in_use == 0); }

    // A buffer, or nothing when buffers_max are already out.
    std::optional<pooled_buffer> acquire() {
        LAMINAR_ASSERT(std::this_thread::get_id() == _owner);
        if (_free.empty()) {
            if (_storage.size() == _buffers_max) return std::nullopt;
            _storage.push_back(std::make_unique_for_overwrite<std::byte[]>(_buffer_bytes));
            _free.push_back(_storage.back().get());
        }
        std::byte* data = _free.back();
        _free.pop_back();
        ++_in_use;
        return pooled_buffer(this, data);
    }

    std::size_t buffer_bytes() const noexcept { return _buffer_bytes; }
    std::size_t buffers_max() const noexcept { return _buffers_max; }
    std::size_t in_use() const noexcept { return _in_use; }
    std::size_t allocated() const noexcept { return _storage.size(); }

private:
    friend class pooled_buffer;
    void give_back(std::byte* data) noexcept {
        LAMINAR_ASSERT(std::this_thread::get_id() == _owner);
        _free.push_back(data);
        --_in_use;
    }

    std::size_t _buffer_bytes;
    std::size_t _buffers_max;
    std::thread::id _owner;
    std::vector<std::unique_ptr<std::byte[]>> _storage;
    std::vector<std::byte*> _free;
    std::size_t _in_use = 0;
};

inline std::size_t pooled_buffer::capacity() const noexcept {
    return _pool ? _pool->buffer_bytes() : 0;
}

inline void pooled_buffer::release() noexcept {
    if (_pool) _pool->give_back(_data);
    _pool = nullptr;
    _data = nullptr;
}

}  // namespace laminar
