// Logging that never blocks a shard. A log call formats straight into a fixed-size record in the
// calling thread's own bounded single-producer ring; one background writer thread drains every
// ring, prefixes time, level and shard, and writes batches to a sink (stderr by default).
//
// Promises:
// - The producer path takes no lock, makes no syscall and does not allocate (after the thread's
//   first call, which allocates its ring; shards call log_register_thread() at start so that
//   happens off the hot path). A disabled level costs one relaxed load and a compare, and the
//   arguments are not evaluated (the LAMINAR_LOG_* macros test the level first).
// - A full ring drops the record and counts it; the writer then reports "N messages dropped"
//   where the gap was. A slow disk or a stalled terminal costs log lines, never shard latency.
// - Records from one thread are written in the order they were logged. Each drain pass merges
//   the rings by timestamp, so lines from different threads are in time order except around a
//   pass boundary (a record stamped just before a pass began but published after it).
// - A message longer than log_text_bytes_max is cut at a UTF-8 boundary and ends with
//   log_truncated_marker.
// - log_flush() returns once everything logged before the call is in the sink; log_stop() (also
//   run at exit) drains and joins the writer. Lines logged after the final stop are lost.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "core/result.h"

namespace laminar {

enum class log_level : std::uint8_t { trace, debug, info, warn, error, off };

std::string_view to_string(log_level level) noexcept;
std::optional<log_level> parse_log_level(std::string_view text) noexcept;  // "info", "WARN", ...

inline constexpr std::size_t log_record_bytes = 256;
inline constexpr std::size_t log_header_bytes = 24;
inline constexpr std::size_t log_text_bytes_max = log_record_bytes - log_header_bytes;
inline constexpr std::string_view log_truncated_marker = " [truncated]";

// Where formatted lines go. Called only on the writer thread, with whole lines; may block (that
// is what the writer thread is for).
class log_sink {
public:
    virtual ~log_sink() = default;
    virtual void write(std::string_view lines) = 0;
};

std::unique_ptr<log_sink> make_stderr_log_sink();
// Appends to `path`, creating it if needed.
result<std::unique_ptr<log_sink>> make_file_log_sink(const std::string& path);

struct log_options {
    log_level level = log_level::info;
    std::unique_ptr<log_sink> sink;        // null: stderr
    std::size_t ring_records = 1024;        // per thread, a power of two; for rings created later
    std::chrono::milliseconds idle_wait{5};  // how long the writer sleeps when it found nothing
};

// Starts the writer, stopping (and draining) a running one first. Without a call the first log
// call starts one with default options.
// @locality any non-shard thread, at startup or in tests
void log_start(log_options options);
// Drains every ring, joins the writer. @locality any thread but the writer
void log_stop();
// Returns once everything logged before the call has been written. @locality not a shard
void log_flush();

void log_set_level(log_level level) noexcept;
log_level log_get_level() noexcept;

// Messages dropped because a ring was full, as counted by the writer so far.
std::uint64_t log_dropped_total() noexcept;

// Creates the calling thread's ring now rather than on its first log call.
void log_register_thread();

namespace detail {

// The lowest enabled level; read with a relaxed load on every log call.
constinit inline std::atomic<std::uint8_t> log_threshold{
    static_cast<std::uint8_t>(log_level::info)};

struct alignas(64) log_record {
    std::uint64_t time_ns;         // CLOCK_REALTIME at the call
    std::uint32_t dropped_total;   // the ring's drop count when this record was written
    std::uint16_t shard;           // 0xffff: not a shard
    std::uint16_t text_size;
    std::uint8_t level;
    std::uint8_t padding[7];
    char text[log_text_bytes_max];
};
static_assert(sizeof(log_record) == log_record_bytes);
static_assert(offsetof(log_record, text) == log_header_bytes);

// A free record in the calling thread's ring, or null when it is full (the drop is counted).
log_record* log_claim() noexcept;
// Publishes the record log_claim() returned; `wanted_size` is the untruncated text size.
void log_commit(log_record* record, log_level level, std::size_t wanted_size) noexcept;
void log_commit_format_error(log_record* record, log_level level) noexcept;

}  // namespace detail

inline bool log_enabled(log_level level) noexcept {
    return static_cast<std::uint8_t>(level) >=
           detail::log_threshold.load(std::memory_order_relaxed);
}

// Formats into the calling thread's ring. Prefer the macros, which skip argument evaluation
// when the level is disabled. @locality any thread; @locks none
template <typename... Args>
void log_write(log_level level, fmt::format_string<Args...> format, Args&&... args) noexcept {
    detail::log_record* record = detail::log_claim();
    if (record == nullptr) return;
    try {
        auto out = fmt::format_to_n(record->text, log_text_bytes_max, format,
                                    std::forward<Args>(args)...);
        detail::log_commit(record, level, out.size);
    } catch (...) {
        detail::log_commit_format_error(record, level);
    }
}

}  // namespace laminar

#define LAMINAR_LOG(level, ...)                                                       \
    do {                                                                              \
        if (::laminar::log_enabled(level)) ::laminar::log_write(level, __VA_ARGS__);  \
    } while (0)

#define LAMINAR_LOG_TRACE(...) LAMINAR_LOG(::laminar::log_level::trace, __VA_ARGS__)
#define LAMINAR_LOG_DEBUG(...) LAMINAR_LOG(::laminar::log_level::debug, __VA_ARGS__)
#define LAMINAR_LOG_INFO(...) LAMINAR_LOG(::laminar::log_level::info, __VA_ARGS__)
#define LAMINAR_LOG_WARN(...) LAMINAR_LOG(::laminar::log_level::warn, __VA_ARGS__)
#define LAMINAR_LOG_ERROR(...) LAMINAR_LOG(::laminar::log_level::error, __VA_ARGS__)
