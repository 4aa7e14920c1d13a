// The log rings, the writer thread and the sinks; the promises are in core/log.h.
//
// Rings form a lock-free singly linked list: a thread pushes its new ring at the head with a CAS;
// only the writer unlinks (rings of exited threads, once drained), so no other thread ever
// changes an existing node's `next`. Each ring is single-producer (its thread) single-consumer
// (the writer): head is written only by the producer, tail only by the writer.
#include "core/log.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <span>
#include <vector>
#include <thread>

#include "core/assert.h"
#include "core/shard_id.h"

namespace laminar {
namespace {

using detail::log_record;

constexpr std::uint16_t record_no_shard = 0xffff;
// The writer hands the sink a batch once this much text has accumulated.
constexpr std::size_t writer_batch_bytes_max = 64 * 1024;

struct log_ring {
    // Written by the producer.
    alignas(64) std::atomic<std::uint64_t> head{0};
    std::uint64_t cached_tail = 0;
    std::atomic<std::uint32_t> dropped_total{0};
    // Written by the writer.
    alignas(64) std::atomic<std::uint64_t> tail{0};
    std::uint32_t dropped_reported = 0;
    std::uint16_t last_shard = record_no_shard;
    // Set before the ring is published.
    alignas(64) std::uint64_t mask = 0;
    std::unique_ptr<log_record[]> records;
    pid_t thread_id = 0;
    std::atomic<bool> retired{false};
    log_ring* next = nullptr;
};

struct logger_state {
    std::atomic<log_ring*> rings{nullptr};
    std::atomic<std::size_t> ring_records{1024};
    std::atomic<std::uint64_t> dropped_reported{0};
    std::atomic<bool> ever_started{false};
    // Serialises start and stop (held across the join); producers only try_lock it.
    std::mutex lifecycle_mutex;
    std::thread writer;
    // The flush handshake and the writer's sleep. Never held while writing or joining.
    std::mutex mutex;
    std::condition_variable writer_wake;
    std::condition_variable flush_done;
    bool running = false;
    bool stop_requested = false;
    std::uint64_t flush_requested = 0;
    std::uint64_t flush_completed = 0;
    // Owned by the writer while it runs; replaced only when it is stopped.
    std::unique_ptr<log_sink> sink;
    std::chrono::milliseconds idle_wait{5};
};

// Never destroyed: threads still logging during exit must find it alive.
logger_state& state() {
    static logger_state* instance = new logger_state;
    return *instance;
}

constinit thread_local log_ring* t_ring = nullptr;
constinit thread_local bool t_dead = false;  // after thread exit began, or on the writer

// Marks the thread's ring retired when the thread exits; the writer frees it once drained.
struct ring_retirer {
    bool armed = false;
    ~ring_retirer() {
        if (armed && t_ring != nullptr) t_ring->retired.store(true, std::memory_order_release);
        t_ring = nullptr;
        t_dead = true;
    }
};
thread_local ring_retirer t_retirer;

std::uint64_t now_realtime_ns() noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(now.tv_nsec);
}

void writer_main();

// @locks lifecycle_mutex held by the caller
void start_locked(logger_state& s, log_options options) {
    log_set_level(options.level);
    LAMINAR_ASSERT(options.ring_records >= 2 && std::has_single_bit(options.ring_records));
    s.ring_records.store(options.ring_records, std::memory_order_relaxed);
    s.sink = options.sink ? std::move(options.sink) : make_stderr_log_sink();
    s.idle_wait = options.idle_wait;
    {
        std::lock_guard lock(s.mutex);
        s.stop_requested = false;
        s.running = true;
    }
    s.writer = std::thread(writer_main);
    s.ever_started.store(true, std::memory_order_release);
}

// @locks lifecycle_mutex held by the caller
void stop_locked(logger_state& s) {
    if (!s.writer.joinable()) return;
    {
        std::lock_guard lock(s.mutex);
        s.stop_requested = true;
    }
    s.writer_wake.notify_one();
    s.writer.join();
    {
        std::lock_guard lock(s.mutex);
        s.running = false;
    }
    s.flush_done.notify_all();
    s.sink.reset();
}

void start_if_never_started(logger_state& s) {
    if (s.ever_started.load(std::memory_order_acquire)) return;
    std::unique_lock lifecycle(s.lifecycle_mutex, std::try_to_lock);
    if (!lifecycle.owns_lock() || s.ever_started.load(std::memory_order_relaxed)) return;
    start_locked(s, log_options{});
}

log_ring* register_thread() noexcept {
    if (t_dead) return nullptr;
    logger_state& s = state();
    std::size_t records = s.ring_records.load(std::memory_order_relaxed);
    auto ring = std::unique_ptr<log_ring>(new (std::nothrow) log_ring);
    if (ring == nullptr) return nullptr;
    ring->records.reset(new (std::nothrow) log_record[records]);
    if (ring->records == nullptr) return nullptr;
    ring->mask = records - 1;
    ring->thread_id = ::gettid();
    log_ring* published = ring.release();
    published->next = s.rings.load(std::memory_order_relaxed);
    while (!s.rings.compare_exchange_weak(published->next, published, std::memory_order_release,
                                          std::memory_order_relaxed)) {
    }
    t_ring = published;
    t_retirer.armed = true;
    start_if_never_started(s);
    return published;
}

// ---- writer ----

// One ring's share of a drain pass: what it held when the pass began.
struct ring_cursor {
    log_ring* ring;
    log_ring* previous;  // its predecessor in the list when the pass began, or null
    std::uint64_t position;
    std::uint64_t head;
    std::uint32_t dropped;
    bool retired;
};

struct writer_context {
    logger_state& state;
    std::string text;
    std::vector<ring_cursor> cursors;
    std::int64_t cached_second = -1;
    char cached_date_time[24] = {};  // "2024-05-01T12:00:00"
};

void append_prefix(writer_context& context, std::uint64_t time_ns, log_level level,
                   std::uint16_t shard, pid_t thread_id) {
    auto second = static_cast<std::int64_t>(time_ns / 1'000'000'000u);
    if (second != context.cached_second) {
        time_t seconds = static_cast<time_t>(second);
        tm broken_down{};
        ::gmtime_r(&seconds, &broken_down);
        std::strftime(context.cached_date_time, sizeof context.cached_date_time,
                      "%Y-%m-%dT%H:%M:%S", &broken_down);
        context.cached_second = second;
    }
    static constexpr std::string_view level_names[] = {"TRACE", "DEBUG", "INFO ", "WARN ",
                                                       "ERROR", "OFF  "};
    auto out = std::back_inserter(context.text);
    fmt::format_to(out, "{}.{:06}Z {} ", context.cached_date_time,
                   (time_ns / 1000u) % 1'000'000u, level_names[static_cast<unsigned>(level)]);
    if (shard != record_no_shard) {
        fmt::format_to(out, "[shard {}] ", shard);
    } else {
        fmt::format_to(out, "[thread {}] ", thread_id);
    }
}

void report_drops(writer_context& context, log_ring& ring, std::uint32_t count,
                  std::uint64_t time_ns) {
    append_prefix(context, time_ns, log_level::warn, ring.last_shard, ring.thread_id);
    fmt::format_to(std::back_inserter(context.text), "{} messages dropped (log ring full)\n",
                   count);
    ring.dropped_reported += count;
    context.state.dropped_reported.fetch_add(count, std::memory_order_relaxed);
}

void write_batch(writer_context& context) {
    if (context.text.empty()) return;
    context.state.sink->write(context.text);
    context.text.clear();
}

void emit(writer_context& context, log_ring& ring, const log_record& record) {
    ring.last_shard = record.shard;
    // Counts wrap; a positive difference means drops happened just before this record.
    auto missed = static_cast<std::int32_t>(record.dropped_total - ring.dropped_reported);
    if (missed > 0) {
        report_drops(context, ring, static_cast<std::uint32_t>(missed), record.time_ns);
    }
    append_prefix(context, record.time_ns, static_cast<log_level>(record.level), record.shard,
                  ring.thread_id);
    context.text.append(record.text, record.text_size);
    context.text += '\n';
}

void release_drained(std::span<const ring_cursor> cursors) {
    for (const ring_cursor& cursor : cursors) {
        cursor.ring->tail.store(cursor.position, std::memory_order_release);
    }
}

// The cursor whose next record is the oldest, or null when the pass has taken everything.
ring_cursor* oldest(std::span<ring_cursor> cursors) {
    ring_cursor* best = nullptr;
    std::uint64_t best_time = UINT64_MAX;
    for (ring_cursor& cursor : cursors) {
        if (cursor.position == cursor.head) continue;
        const log_record& record = cursor.ring->records[cursor.position & cursor.ring->mask];
        if (record.time_ns < best_time) {
            best_time = record.time_ns;
            best = &cursor;
        }
    }
    return best;
}

// Takes `ring` (whose predecessor is `previous`, or none when it was the head) out of the list.
void unlink(logger_state& s, log_ring* previous, log_ring* ring) {
    if (previous != nullptr) {
        previous->next = ring->next;
        return;
    }
    log_ring* expected = ring;
    if (s.rings.compare_exchange_strong(expected, ring->next, std::memory_order_acq_rel)) return;
    // Threads pushed new rings in front of it meanwhile; they never touch existing nodes.
    log_ring* node = s.rings.load(std::memory_order_acquire);
    while (node->next != ring) node = node->next;
    node->next = ring->next;
}

// Drains what every ring holds now, merged by time, and frees the rings of exited threads.
// Returns the number of records taken.
std::size_t drain_all(writer_context& context) {
    logger_state& s = context.state;
    std::vector<ring_cursor>& cursors = context.cursors;
    cursors.clear();
    log_ring* previous = nullptr;
    for (log_ring* ring = s.rings.load(std::memory_order_acquire); ring; ring = ring->next) {
        // Read before head: once retired, the producer has published its last record.
        bool retired = ring->retired.load(std::memory_order_acquire);
        std::uint32_t dropped = ring->dropped_total.load(std::memory_order_acquire);
        std::uint64_t tail = ring->tail.load(std::memory_order_relaxed);
        std::uint64_t head = ring->head.load(std::memory_order_acquire);
        cursors.push_back({ring, previous, tail, head, dropped, retired});
        previous = ring;
    }
    std::size_t records = 0;
    while (ring_cursor* cursor = oldest(cursors)) {
        emit(context, *cursor->ring, cursor->ring->records[cursor->position & cursor->ring->mask]);
        ++cursor->position;
        ++records;
        if (context.text.size() >= writer_batch_bytes_max) {
            release_drained(cursors);
            write_batch(context);
        }
    }
    release_drained(cursors);
    for (ring_cursor& cursor : cursors) {
        auto trailing = static_cast<std::int32_t>(cursor.dropped - cursor.ring->dropped_reported);
        if (trailing > 0) {
            report_drops(context, *cursor.ring, static_cast<std::uint32_t>(trailing),
                         now_realtime_ns());
        }
    }
    write_batch(context);
    // Last to first, so that each cursor's `previous` is still linked when it is used.
    for (auto cursor = cursors.rbegin(); cursor != cursors.rend(); ++cursor) {
        if (!cursor->retired) continue;
        unlink(s, cursor->previous, cursor->ring);
        delete cursor->ring;
    }
    return records;
}

void writer_main() {
    t_dead = true;  // the writer has no ring: a log call here could wait on itself
    logger_state& s = state();
    writer_context context{s, {}, {}};
    context.text.reserve(writer_batch_bytes_max + 2 * log_record_bytes);
    while (true) {
        std::uint64_t ticket = 0;
        bool stopping = false;
        {
            std::lock_guard lock(s.mutex);
            ticket = s.flush_requested;
            stopping = s.stop_requested;
        }
        std::size_t drained = drain_all(context);
        std::unique_lock lock(s.mutex);
        if (ticket != s.flush_completed) {
            s.flush_completed = ticket;
            s.flush_done.notify_all();
        }
        if (stopping) return;
        if (drained == 0 && ticket == s.flush_requested && !s.stop_requested) {
            s.writer_wake.wait_for(lock, s.idle_wait);
        }
    }
}

// ---- sinks ----

class fd_log_sink final : public log_sink {
public:
    fd_log_sink(int fd, bool owned) : _fd(fd), _owned(owned) {}
    ~fd_log_sink() override {
        if (_owned) ::close(_fd);
    }
    void write(std::string_view lines) override {
        while (!lines.empty()) {
            ssize_t written = ::write(_fd, lines.data(), lines.size());
            if (written < 0 && errno == EINTR) continue;
            if (written <= 0) return;  // nowhere to report a failing log sink
            lines.remove_prefix(static_cast<std::size_t>(written));
        }
    }

private:
    int _fd;
    bool _owned;
};

struct exit_guard {
    ~exit_guard() { log_stop(); }
};
exit_guard g_exit_guard;

}  // namespace

std::string_view to_string(log_level level) noexcept {
    switch (level) {
    case log_level::trace: return "trace";
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    case log_level::off: return "off";
    }
    return "unknown";
}

std::optional<log_level> parse_log_level(std::string_view text) noexcept {
    std::string lower(text);
    std::ranges::transform(lower, lower.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    for (log_level level : {log_level::trace, log_level::debug, log_level::info, log_level::warn,
                            log_level::error, log_level::off}) {
        if (lower == to_string(level)) return level;
    }
    if (lower == "warning") return log_level::warn;
    return std::nullopt;
}

std::unique_ptr<log_sink> make_stderr_log_sink() {
    return std::make_unique<fd_log_sink>(STDERR_FILENO, false);
}

result<std::unique_ptr<log_sink>> make_file_log_sink(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return fail(errc_from_errno(errno));
    return std::make_unique<fd_log_sink>(fd, true);
}

void log_start(log_options options) {
    logger_state& s = state();
    std::lock_guard lifecycle(s.lifecycle_mutex);
    stop_locked(s);
    start_locked(s, std::move(options));
}

void log_stop() {
    logger_state& s = state();
    std::lock_guard lifecycle(s.lifecycle_mutex);
    stop_locked(s);
}

void log_flush() {
    logger_state& s = state();
    std::unique_lock lock(s.mutex);
    if (!s.running) return;
    LAMINAR_ASSERT(std::this_thread::get_id() != s.writer.get_id());
    std::uint64_t ticket = ++s.flush_requested;
    s.writer_wake.notify_one();
    s.flush_done.wait(lock, [&] { return s.flush_completed >= ticket || !s.running; });
}

void log_set_level(log_level level) noexcept {
    detail::log_threshold.store(static_cast<std::uint8_t>(level), std::memory_order_relaxed);
}

log_level log_get_level() noexcept {
    return static_cast<log_level>(detail::log_threshold.load(std::memory_order_relaxed));
}

std::uint64_t log_dropped_total() noexcept {
    return state().dropped_reported.load(std::memory_order_relaxed);
}

void log_register_thread() {
    if (t_ring == nullptr) register_thread();
}

namespace detail {

log_record* log_claim() noexcept {
    log_ring* ring = t_ring;
    if (ring == nullptr) [[unlikely]] {
        ring = register_thread();
        if (ring == nullptr) return nullptr;
    }
    std::uint64_t head = ring->head.load(std::memory_order_relaxed);
    if (head - ring->cached_tail > ring->mask) {
        ring->cached_tail = ring->tail.load(std::memory_order_acquire);
        if (head - ring->cached_tail > ring->mask) {
            // Single writer: a plain increment, no locked read-modify-write.
            ring->dropped_total.store(ring->dropped_total.load(std::memory_order_relaxed) + 1,
                                      std::memory_order_relaxed);
            return nullptr;
        }
    }
    return &ring->records[head & ring->mask];
}

namespace {

// Cuts `text` so that the marker fits, at a UTF-8 character boundary; returns the new size.
std::size_t mark_truncated(char* text) {
    std::size_t cut = log_text_bytes_max - log_truncated_marker.size();
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    std::memcpy(text + cut, log_truncated_marker.data(), log_truncated_marker.size());
    return cut + log_truncated_marker.size();
}

void publish(log_record* record, log_level level, std::size_t text_size) noexcept {
    log_ring* ring = t_ring;
    unsigned shard = current_shard();
    record->time_ns = now_realtime_ns();
    record->dropped_total = ring->dropped_total.load(std::memory_order_relaxed);
    record->shard = shard < record_no_shard ? static_cast<std::uint16_t>(shard) : record_no_shard;
    record->text_size = static_cast<std::uint16_t>(text_size);
    record->level = static_cast<std::uint8_t>(level);
    std::uint64_t head = ring->head.load(std::memory_order_relaxed);
    ring->head.store(head + 1, std::memory_order_release);
}

}  // namespace

void log_commit(log_record* record, log_level level, std::size_t wanted_size) noexcept {
    std::size_t size = wanted_size;
    if (wanted_size > log_text_bytes_max) size = mark_truncated(record->text);
    publish(record, level, size);
}

void log_commit_format_error(log_record* record, log_level level) noexcept {
    constexpr std::string_view message = "[log format error]";
    std::memcpy(record->text, message.data(), message.size());
    publish(record, level, message.size());
}

}  // namespace detail
}  // namespace laminar
