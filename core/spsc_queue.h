// Bounded single-producer single-consumer queue: the only way shards exchange work. One producer
// thread, one consumer thread, no locks; a full queue is reported to the producer, which applies
// its own backpressure (never an unbounded buffer here).
//
// @locality try_push on the producer thread only; try_pop/empty on the consumer thread only.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>

#include "core/assert.h"

namespace laminar {

inline constexpr std::size_t cache_line_bytes = 64;

template <typename T>
class spsc_queue {
    static_assert(std::is_nothrow_move_constructible_v<T>);
    static_assert(std::is_trivially_destructible_v<T>, "slots are reused without destruction");

public:
    explicit spsc_queue(std::size_t capacity)
        : _mask(std::bit_ceil(capacity) - 1), _slots(new T[_mask + 1]) {
        LAMINAR_ASSERT(capacity > 0);
    }
    spsc_queue(const spsc_queue&) = delete;
    spsc_queue& operator=(const spsc_queue&) = delete;

    std::size_t capacity() const noexcept { return _mask + 1; }

    bool try_push(T value) noexcept {
        auto tail = _tail.load(std::memory_order_relaxed);
        if (tail - _head_cached == capacity()) {
            _head_cached = _head.load(std::memory_order_acquire);
            if (tail - _head_cached == capacity()) return false;
        }
        _slots[tail & _mask] = std::move(value);
        _tail.store(tail + 1, std::memory_order_release);
        return true;
    }

    std::optional<T> try_pop() noexcept {
        auto head = _head.load(std::memory_order_relaxed);
        if (head == _tail_cached) {
            _tail_cached = _tail.load(std::memory_order_acquire);
            if (head == _tail_cached) return std::nullopt;
        }
        T value = std::move(_slots[head & _mask]);
        _head.store(head + 1, std::memory_order_release);
        return value;
    }

    // Producer side: whether a push would succeed now (acquire).
    bool has_space() noexcept {
        _head_cached = _head.load(std::memory_order_acquire);
        return _tail.load(std::memory_order_relaxed) - _head_cached < capacity();
    }

    // Consumer side: whether anything is visible now (acquire).
    bool empty() const noexcept {
        return _head.load(std::memory_order_relaxed) == _tail.load(std::memory_order_acquire);
    }

private:
    const std::size_t _mask;
    std::unique_ptr<T[]> _slots;
    // Producer's line: its index and its cached view of the consumer.
    alignas(cache_line_bytes) std::atomic<std::size_t> _tail{0};
    std::size_t _head_cached = 0;
    // Consumer's line.
    alignas(cache_line_bytes) std::atomic<std::size_t> _head{0};
    std::size_t _tail_cached = 0;
};

}  // namespace laminar
