// Errors as values for the data path: every subsystem has an `enum class errc` and returns
// `result<T>` from its hot path. Success carries no allocation: the value lives in place. Kafka
// error codes are mapped from these in one place, the broker's API layer.
//
// result<T, E> follows std::expected's interface (has_value, operator bool, *, ->, value,
// value_or, error) but is our own: clang 14, the clang of Debian 12 used by libFuzzer and
// clang-tidy, cannot compile libstdc++'s std::expected of non-trivial types (it lacks P0848).
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/assert.h"

namespace laminar {

// Errors the runtime (core/) itself reports. Other modules declare their own errc.
enum class errc : std::uint16_t {
    ok = 0,
    io_error,           // an errno from a syscall or io_uring completion not listed below
    would_block,
    cancelled,          // the operation was cancelled (shutdown, timeout, explicit cancel)
    timed_out,
    connection_closed,  // peer closed or reset the connection
    no_space,           // ENOSPC / EDQUOT
    invalid_argument,
    queue_full,
    corrupt_data,       // input failed validation (bad frame, bad checksum, bad compression)
    too_large,          // output would exceed the caller's bound
    unsupported,
    not_found,
};

std::string_view to_string(errc code) noexcept;

// Maps a positive errno value to errc; the errno itself is kept by callers that need it.
errc errc_from_errno(int error_number) noexcept;

// The error side of a result on its way to one: `return fail(errc::no_space);`.
template <typename E>
struct failure {
    E error;
};

template <typename E>
failure<std::decay_t<E>> fail(E&& error) {
    return failure<std::decay_t<E>>{std::forward<E>(error)};
}
inline failure<errc> fail(errc code) noexcept { return failure<errc>{code}; }

template <typename T, typename E = errc>
class [[nodiscard]] result {
    static_assert(!std::is_reference_v<T> && !std::is_reference_v<E>);

public:
    using value_type = T;
    using error_type = E;

    result() requires std::is_default_constructible_v<T> : _has_value(true) {
        std::construct_at(&_value);
    }
    template <typename U = T>
        requires(std::is_constructible_v<T, U &&> &&
                 !std::is_same_v<std::remove_cvref_t<U>, result> &&
                 !std::is_same_v<std::remove_cvref_t<U>, std::in_place_t>)
    result(U&& value) : _has_value(true) {  // NOLINT: implicit, like std::expected
        std::construct_at(&_value, std::forward<U>(value));
    }
    template <typename... Args>
    explicit result(std::in_place_t, Args&&... args) : _has_value(true) {
        std::construct_at(&_value, std::forward<Args>(args)...);
    }
    template <typename G>
        requires std::is_constructible_v<E, G&&>
    result(failure<G>&& failed) : _has_value(false) {  // NOLINT: implicit, like std::expected
        std::construct_at(&_error, std::move(failed.error));
    }
    template <typename G>
        requires std::is_constructible_v<E, const G&>
    result(const failure<G>& failed) : _has_value(false) {  // NOLINT
        std::construct_at(&_error, failed.error);
    }
    result(const result& other) requires std::is_copy_constructible_v<T> &&
                                         std::is_copy_constructible_v<E>
        : _has_value(other._has_value) {
        if (_has_value) std::construct_at(&_value, other._value);
        else std::construct_at(&_error, other._error);
    }
    result(result&& other) noexcept(std::is_nothrow_move_constructible_v<T> &&
                                    std::is_nothrow_move_constructible_v<E>)
        : _has_value(other._has_value) {
        if (_has_value) std::construct_at(&_value, std::move(other._value));
        else std::construct_at(&_error, std::move(other._error));
    }
    result& operator=(const result& other) requires std::is_copy_constructible_v<T> &&
                                                    std::is_copy_constructible_v<E> {
        if (this != &other) {
            destroy();
            _has_value = other._has_value;
            if (_has_value) std::construct_at(&_value, other._value);
            else std::construct_at(&_error, other._error);
        }
        return *this;
    }
    result& operator=(result&& other) noexcept(std::is_nothrow_move_constructible_v<T> &&
                                               std::is_nothrow_move_constructible_v<E>) {
        if (this != &other) {
            destroy();
            _has_value = other._has_value;
            if (_has_value) std::construct_at(&_value, std::move(other._value));
            else std::construct_at(&_error, std::move(other._error));
        }
        return *this;
    }
    ~result() { destroy(); }

    bool has_value() const noexcept { return _has_value; }
    explicit operator bool() const noexcept { return _has_value; }

    T& value() & { return checked_value(); }
    const T& value() const& { return const_cast<result*>(this)->checked_value(); }
    T&& value() && { return std::move(checked_value()); }
    T& operator*() & noexcept { return _value; }
    const T& operator*() const& noexcept { return _value; }
    T&& operator*() && noexcept { return std::move(_value); }
    T* operator->() noexcept { return &_value; }
    const T* operator->() const noexcept { return &_value; }
    template <typename U>
    T value_or(U&& fallback) const& {
        return _has_value ? _value : static_cast<T>(std::forward<U>(fallback));
    }
    template <typename U>
    T value_or(U&& fallback) && {
        return _has_value ? std::move(_value) : static_cast<T>(std::forward<U>(fallback));
    }

    E& error() & noexcept { return _error; }
    const E& error() const& noexcept { return _error; }
    E&& error() && noexcept { return std::move(_error); }

    template <typename U>
        requires(!std::is_same_v<std::remove_cvref_t<U>, result>)
    friend bool operator==(const result& outcome, const U& value) {
        return outcome._has_value && outcome._value == value;
    }
    template <typename G>
    friend bool operator==(const result& outcome, const failure<G>& failed) {
        return !outcome._has_value && outcome._error == failed.error;
    }

private:
    T& checked_value() {
        if (!_has_value) on_internal_error("value() of a result holding an error");
        return _value;
    }
    void destroy() noexcept {
        if (_has_value) std::destroy_at(&_value);
        else std::destroy_at(&_error);
    }

    union {
        T _value;
        E _error;
    };
    bool _has_value;
};

template <typename E>
class [[nodiscard]] result<void, E> {
public:
    using value_type = void;
    using error_type = E;

    result() noexcept : _has_value(true) {}
    template <typename G>
        requires std::is_constructible_v<E, G&&>
    result(failure<G>&& failed) : _has_value(false), _error(std::move(failed.error)) {}  // NOLINT
    template <typename G>
        requires std::is_constructible_v<E, const G&>
    result(const failure<G>& failed) : _has_value(false), _error(failed.error) {}  // NOLINT

    bool has_value() const noexcept { return _has_value; }
    explicit operator bool() const noexcept { return _has_value; }
    void value() const {
        if (!_has_value) on_internal_error("value() of a result holding an error");
    }
    void operator*() const noexcept {}

    E& error() & noexcept { return _error; }
    const E& error() const& noexcept { return _error; }
    E&& error() && noexcept { return std::move(_error); }

    template <typename G>
    friend bool operator==(const result& outcome, const failure<G>& failed) {
        return !outcome._has_value && outcome._error == failed.error;
    }

private:
    bool _has_value;
    E _error{};
};

using status = result<void, errc>;

// The error of a result, or errc::ok when it holds a value.
template <typename T>
errc error_of(const result<T, errc>& outcome) noexcept {
    return outcome ? errc::ok : outcome.error();
}

}  // namespace laminar
