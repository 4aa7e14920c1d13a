// The shard's event loop: one io_uring ring per shard thread (SINGLE_ISSUER, DEFER_TASKRUN), the
// coroutine tasks running on it, cross-shard message delivery, and clean shutdown that lets
// in-flight work finish. Every io_uring request is prepared in one place (reactor.cpp,
// prepare_request) from an io_request; coroutines await io_operation objects built by the
// functions in namespace io below.
//
// @locality everything here runs on the reactor's own thread, except reactor::post_external and
//           request_stop_external, which any thread may call.
#pragma once

#include <liburing.h>

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/spsc_queue.h"
#include "core/task.h"

struct iovec;
struct msghdr;
struct sockaddr;

namespace laminar {

// How a shard waits when it has nothing to do. Measured on this VM: a sleeping thread costs ~30 us
// per wake-up; the low-latency deployment pins shards and spins.
enum class idle_strategy : std::uint8_t {
    sleep,    // block in the ring's wait (default: no CPU burnt while idle)
    backoff,  // poll for spin_before_sleep, then sleep
    spin,     // never sleep: poll the ring continuously
};
result<idle_strategy> parse_idle_strategy(std::string_view name);
std::string_view to_string(idle_strategy strategy);

// Where a completion lands. Its address is the SQE's user_data.
struct io_completion {
    std::coroutine_handle<> waiter;
    std::int32_t result = 0;
    std::uint32_t flags = 0;
};

enum class io_opcode : std::uint8_t {
    nop,
    accept,
    connect,
    recv,
    send,
    sendmsg,
    read,
    write,
    readv,
    writev,
    fsync,
    fdatasync,
    fallocate,
    splice,
    timeout,
    poll,
    close,
    openat,
    mkdirat,
};

// A request's parameters, interpreted per opcode by prepare_request.
struct io_request {
    io_opcode opcode = io_opcode::nop;
    int fd = -1;
    int fd_out = -1;             // splice: destination
    void* address = nullptr;     // buffer, iovec array, msghdr, sockaddr, timespec or path
    std::uint64_t length = 0;    // bytes, iovec count, sockaddr length, poll mask, file mode
    std::uint64_t offset = 0;    // file offset (read, write, fallocate, splice source)
    std::int64_t offset_out = -1;  // splice destination offset, -1 for pipes and sockets
    std::uint32_t flags = 0;     // MSG_*, fallocate mode, SPLICE_F_*, accept flags, O_* (openat)
};

class reactor;
namespace io {
class sleep_operation;
}

// A wait that is not an io_uring operation (a coroutine in a queue of waiters) hooks its token
// with this while it waits: cancel() unhooks it and calls on_cancel once, on the owning shard,
// which takes the waiter out of its queue and schedules it.
struct cancel_hook {
    void (*on_cancel)(cancel_hook& hook) noexcept = nullptr;
};

// Cancels the operation (or hooked wait) awaiting on it, and makes every later operation given
// this token complete at once with errc::cancelled. A reactor cancels the tokens registered with
// cancel_on_stop when it begins to stop.
//
// @locality the owning shard.
class cancel_token {
public:
    cancel_token() = default;
    cancel_token(const cancel_token&) = delete;
    cancel_token& operator=(const cancel_token&) = delete;
    ~cancel_token();

    void cancel();
    bool cancelled() const noexcept { return _cancelled; }

    // One wait at a time: hook before suspending, unhook when woken otherwise than by cancel().
    void hook(cancel_hook& waiter) noexcept;
    void unhook(cancel_hook& waiter) noexcept;

private:
    friend class io_operation;
    friend class reactor;
    io_completion* _inflight = nullptr;
    cancel_hook* _hook = nullptr;
    reactor* _stop_registration = nullptr;
    cancel_token* _previous = nullptr;
    cancel_token* _next = nullptr;
    bool _cancelled = false;
};

// An awaitable io_uring operation. co_await yields result<size_t>: the completion's non-negative
// result, or its errno mapped to errc (ECANCELED after the deadline passed -> errc::timed_out).
class [[nodiscard]] io_operation {
public:
    explicit io_operation(const io_request& request) noexcept : _request(request) {}

    io_operation&& with_timeout(std::chrono::nanoseconds timeout) && noexcept;
    io_operation&& with_cancel(cancel_token& token) && noexcept {
        attach(token);
        return std::move(*this);
    }
    void attach(cancel_token& token) noexcept { _token = &token; }

    bool await_ready() noexcept;
    void await_suspend(std::coroutine_handle<> waiter);
    result<std::size_t> await_resume() noexcept;

    // The raw completion value (negative errno on failure), for callers that need the errno.
    std::int32_t raw_result() const noexcept { return _completion.result; }

private:
    friend class io::sleep_operation;
    io_request _request;
    io_completion _completion;
    __kernel_timespec _timeout{};
    cancel_token* _token = nullptr;
    bool _has_timeout = false;
};

// A message between shards: a function to run on the receiving shard. The message itself lives
// in the sender's coroutine frame (no allocation); cross_shard.h builds submit_to on it.
struct cross_shard_message {
    void (*handler)(cross_shard_message&) = nullptr;
    cross_shard_message* overflow_next = nullptr;
};

// One direction between two shards. producer_waiting is set while the producer holds messages in
// overflow, so the consumer knows to wake it when it makes room (else both could sleep forever).
struct cross_shard_queue {
    explicit cross_shard_queue(std::size_t capacity) : messages(capacity) {}
    spsc_queue<cross_shard_message*> messages;
    alignas(cache_line_bytes) std::atomic<bool> producer_waiting{false};
};

struct reactor_options {
    unsigned shard_id = 0;
    unsigned ring_entries = 1024;
    idle_strategy idle = idle_strategy::sleep;
    std::chrono::microseconds spin_before_sleep{50};
    // Bounds on one tick of the loop, so no source of work starves the others.
    unsigned completions_per_tick_max = 256;
    unsigned ready_per_tick_max = 256;
    unsigned messages_per_tick_max = 256;
    // After request_stop, how long running tasks may take before every operation is cancelled.
    std::chrono::milliseconds drain_timeout{5000};
    // Page-cache writes of at most this many bytes may be made on the shard thread with a plain
    // pwritev when the file system refuses pwritev2(RWF_NOWAIT) (ext4 does for buffered writes):
    // a copy of a few microseconds, where the ring would hand the write to a kernel worker thread
    // (two context switches). 0: never. A write that takes longer than inline_write_stall and
    // slept in the kernel (throttled dirty pages, reclaim; not one merely preempted) sends this
    // shard's writes through the ring for inline_write_pause, so one slow disk does not keep
    // stalling the shard.
    std::uint64_t inline_write_bytes_max = 256 * 1024;
    std::chrono::microseconds inline_write_stall{1000};
    std::chrono::milliseconds inline_write_pause{1000};
};

class reactor {
public:
    // Creates the ring; call on the thread that will run() it (SINGLE_ISSUER).
    static result<std::unique_ptr<reactor>> create(const reactor_options& options);
    ~reactor();
    reactor(const reactor&) = delete;
    reactor& operator=(const reactor&) = delete;

    // The reactor of the calling thread (the one running or created on it).
    static reactor& current() noexcept;
    static bool has_current() noexcept;

    unsigned shard_id() const noexcept { return _options.shard_id; }
    const reactor_options& options() const noexcept { return _options; }

    // Starts a task that runs detached; run() does not return before it has finished.
    void spawn(task<void> work);
    // Queues a coroutine to resume in this tick's ready phase.
    void schedule(std::coroutine_handle<> coroutine);

    // Runs until stop is requested and every spawned task has finished.
    void run();
    // Begins a clean stop: cancels the tokens registered with cancel_on_stop and lets the rest of
    // the in-flight work finish (bounded by drain_timeout).
    void request_stop() noexcept { _stop_requested = true; }
    bool stopping() const noexcept { return _stop_requested; }
    void cancel_on_stop(cancel_token& token);

    // Any thread: run `work` on this reactor's thread soon. Not for the hot path (takes a lock).
    void post_external(std::function<void()> work);
    void request_stop_external();

    // Cross-shard wiring, done by the runtime before run(): queues[source][target].
    // active_shards counts the shards not yet quiescent in their stop: a stopping shard keeps
    // serving messages until every shard is done, so requests between shards always complete.
    void attach_peers(std::span<reactor* const> peers,
                      std::span<cross_shard_queue* const> inbound,
                      std::span<cross_shard_queue* const> outbound,
                      std::atomic<unsigned>* active_shards = nullptr);
    unsigned shard_count() const noexcept { return static_cast<unsigned>(_peers.size()); }
    // Delivers msg->handler on shard `target` (this shard included). Never fails: when the queue
    // is full the message waits in an overflow list that each tick drains first.
    void send_message(unsigned target, cross_shard_message& message);

    // For io_operation: prepares and queues the request's SQE(s).
    void submit(const io_request& request, io_completion& completion,
                const __kernel_timespec* timeout);
    void cancel(io_completion& completion);

    // Whether a page-cache write of `bytes` may block this shard's thread (see reactor_options),
    // and how long one that did took.
    bool inline_write_allowed(std::uint64_t bytes) const noexcept;
    void inline_write_took(std::chrono::steady_clock::duration took) noexcept;

    // Counters for tests and metrics.
    std::uint64_t ticks() const noexcept { return _ticks; }
    std::uint64_t inline_writes() const noexcept { return _inline_writes; }
    std::uint64_t inline_write_stalls() const noexcept { return _inline_write_stalls; }
    std::uint64_t inline_write_preemptions() const noexcept { return _inline_write_preemptions; }
    std::uint64_t sleeps() const noexcept { return _sleeps; }
    unsigned live_tasks() const noexcept { return _live_tasks; }

private:
    explicit reactor(const reactor_options& options);

    io_uring_sqe* next_sqe();
    unsigned reap_completions();
    unsigned run_ready();
    unsigned drain_messages();
    unsigned flush_overflow();
    unsigned drain_external();
    void arm_wakeup_read();
    static std::uint64_t voluntary_switches() noexcept;
    void idle(std::chrono::steady_clock::time_point& idle_since);
    bool inbound_pending() noexcept;
    void wake(unsigned target);
    void begin_stop();
    void finish();
    void cancel_everything();
    bool ready_to_exit();
    void task_finished() noexcept { --_live_tasks; }

    friend struct detached_runner;
    friend class cancel_token;

    reactor_options _options;
    io_uring _ring{};
    int _wakeup_fd = -1;  // eventfd for post_external
    std::uint64_t _wakeup_value = 0;

    std::deque<std::coroutine_handle<>> _ready;
    unsigned _live_tasks = 0;
    unsigned _inflight = 0;

    std::vector<reactor*> _peers;
    std::vector<cross_shard_queue*> _inbound;   // by source shard
    std::vector<cross_shard_queue*> _outbound;  // by target shard
    std::unique_ptr<cross_shard_queue> _self_queue;  // when run without a runtime
    std::vector<cross_shard_message*> _overflow_head;  // by target shard
    std::vector<cross_shard_message*> _overflow_tail;

    alignas(cache_line_bytes) std::atomic<bool> _sleeping{false};
    std::atomic<bool> _external_pending{false};
    std::mutex _external_mutex;
    std::vector<std::function<void()>> _external;

    cancel_token* _stop_tokens = nullptr;
    bool _stop_requested = false;
    bool _stop_begun = false;
    __kernel_timespec _drain_deadline{};
    bool _cancelled_all = false;
    bool _quiescent = false;
    bool _finishing = false;
    std::atomic<unsigned>* _active_shards = nullptr;
    std::uint64_t _ticks = 0;
    std::uint64_t _sleeps = 0;
    std::uint64_t _inline_writes = 0;
    std::uint64_t _inline_write_stalls = 0;
    std::uint64_t _inline_write_preemptions = 0;
    std::uint64_t _voluntary_switches_seen = 0;
    std::chrono::steady_clock::time_point _inline_writes_paused_until{};
};

// Awaitable operations on the current shard's ring.
namespace io {

io_operation accept(int listen_fd, int flags = 0);
io_operation connect(int fd, const sockaddr* address, std::uint32_t address_length);
io_operation recv(int fd, std::span<std::byte> buffer, int flags = 0);
io_operation send(int fd, std::span<const std::byte> buffer, int flags = 0);
io_operation sendmsg(int fd, const msghdr* message, int flags = 0);
io_operation read(int fd, std::span<std::byte> buffer, std::uint64_t offset);
io_operation write(int fd, std::span<const std::byte> buffer, std::uint64_t offset);
io_operation readv(int fd, const iovec* vectors, unsigned count, std::uint64_t offset);
io_operation writev(int fd, const iovec* vectors, unsigned count, std::uint64_t offset);
io_operation fsync(int fd);
io_operation fdatasync(int fd);
io_operation fallocate(int fd, int mode, std::uint64_t offset, std::uint64_t length);
// Moves up to `length` bytes; one side must be a pipe. offset -1 means "current position / pipe".
io_operation splice(int fd_in, std::int64_t offset_in, int fd_out, std::int64_t offset_out,
                    std::uint32_t length, unsigned flags = 0);
io_operation poll(int fd, std::uint32_t events);
io_operation close(int fd);
// Path operations, run by the kernel's io_uring workers when they would block (a directory
// lookup or a journal commit), so the shard keeps serving. `path` (absolute, or relative to
// dir_fd, AT_FDCWD for the working directory) must stay valid until the operation completes.
// openat yields the new descriptor (O_CLOEXEC is always added); mkdirat yields 0, and an
// existing name fails with raw_result() == -EEXIST (errc::io_error).
io_operation openat(int dir_fd, const char* path, int flags, unsigned mode = 0);
io_operation mkdirat(int dir_fd, const char* path, unsigned mode);

// Completes after `duration` (result 0), or with errc::cancelled.
class [[nodiscard]] sleep_operation {
public:
    explicit sleep_operation(std::chrono::nanoseconds duration) noexcept;
    sleep_operation&& with_cancel(cancel_token& token) && noexcept {
        _operation.attach(token);
        return std::move(*this);
    }
    bool await_ready() noexcept { return _operation.await_ready(); }
    void await_suspend(std::coroutine_handle<> waiter);
    status await_resume() noexcept;

private:
    __kernel_timespec _duration{};
    io_operation _operation;
};
sleep_operation sleep_for(std::chrono::nanoseconds duration);

// Gives other ready work on this shard a turn.
struct yield_operation {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> waiter) { reactor::current().schedule(waiter); }
    void await_resume() const noexcept {}
};
inline yield_operation yield() { return {}; }

}  // namespace io

}  // namespace laminar
