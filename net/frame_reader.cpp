#include "net/frame_reader.h"

#include <cstring>

#include "core/endian.h"
#include "core/reactor.h"

namespace laminar::net {

namespace {
constexpr std::size_t size_prefix_bytes = 4;
}

frame_reader::frame_reader(int socket_fd, std::size_t frame_bytes_max, std::size_t initial_bytes,
                           cancel_token* cancel)
    : _fd(socket_fd),
      _cancel(cancel),
      _frame_bytes_max(frame_bytes_max),
      _initial_bytes(initial_bytes),
      _buffer(initial_bytes) {}

frame_reader::~frame_reader() { release_reservation(); }

void frame_reader::release_reservation() noexcept {
    if (_budget != nullptr && _reserved > 0) _budget->release(_reserved);
    _reserved = 0;
}

std::vector<std::byte> frame_reader::take_buffered() {
    release_reservation();
    std::vector<std::byte> rest(_buffer.begin() + static_cast<std::ptrdiff_t>(_begin),
                                _buffer.begin() + static_cast<std::ptrdiff_t>(_end));
    _begin = _end = 0;
    return rest;
}

void frame_reader::seed(std::span<const std::byte> bytes) {
    if (bytes.empty()) return;
    if (_buffer.size() - _end < bytes.size()) _buffer.resize(_end + bytes.size());
    std::memcpy(_buffer.data() + _end, bytes.data(), bytes.size());
    _end += bytes.size();
}

task<status> frame_reader::fill(std::size_t bytes_needed) {
    if (_begin > 0 && _buffer.size() - _begin < bytes_needed) {
        // Move the partial frame to the front to make room.
        std::memmove(_buffer.data(), _buffer.data() + _begin, _end - _begin);
        _end -= _begin;
        _begin = 0;
    }
    if (_buffer.size() < bytes_needed) _buffer.resize(bytes_needed);
    while (_end - _begin < bytes_needed) {
        auto free_space = std::span(_buffer).subspan(_end);
        auto receive = io::recv(_fd, free_space);
        if (_cancel) receive.attach(*_cancel);
        auto received = co_await std::move(receive);
        if (!received) co_return fail(received.error());
        if (*received == 0) {
            co_return fail(_end == _begin ? errc::connection_closed : errc::corrupt_data);
        }
        _end += *received;
        _received += *received;
    }
    co_return status{};
}

void frame_reader::frame_handled() noexcept {
    release_reservation();
    if (_begin == _end) {
        _begin = _end = 0;
        // A large frame's buffer is given back once it has been consumed.
        if (_buffer.size() > _initial_bytes) {
            _buffer.resize(_initial_bytes);
            _buffer.shrink_to_fit();
        }
    }
}

task<result<std::span<const std::byte>>> frame_reader::next() {
    frame_handled();  // the previous frame has been handled
    if (auto filled = co_await fill(size_prefix_bytes); !filled) co_return fail(filled.error());
    const auto size = load_be<std::int32_t>(_buffer.data() + _begin);
    if (size < 0) co_return fail(errc::corrupt_data);
    if (static_cast<std::size_t>(size) > _frame_bytes_max) co_return fail(errc::too_large);
    const std::size_t frame_bytes = size_prefix_bytes + static_cast<std::size_t>(size);
    if (_budget != nullptr) {
        auto reserve = _budget->acquire(frame_bytes, _cancel);
        _awaiting_budget = true;
        auto reserved = co_await reserve;
        _awaiting_budget = false;
        if (!reserved) co_return fail(reserved.error());
        _reserved = frame_bytes;
    }
    if (auto filled = co_await fill(frame_bytes); !filled) {
        co_return fail(filled.error() == errc::connection_closed ? errc::corrupt_data
                                                                 : filled.error());
    }
    const std::span<const std::byte> payload(_buffer.data() + _begin + size_prefix_bytes,
                                             static_cast<std::size_t>(size));
    _begin += frame_bytes;
    co_return payload;
}

}  // namespace laminar::net
