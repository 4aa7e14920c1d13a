#include "core/reactor.h"
#include "core/worker_read.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace laminar {

namespace {

// user_data values below this are tags, not io_completion pointers.
constexpr std::uint64_t tag_ignore = 0;        // cancel requests, link timeouts, msg_ring sends
constexpr std::uint64_t tag_cross_shard = 1;   // a peer's msg_ring: messages are waiting
constexpr std::uint64_t tag_wakeup_read = 2;   // the eventfd read for post_external
constexpr std::uint64_t tag_drain_deadline = 3;  // drain_timeout passed after request_stop
constexpr std::uint64_t tag_first_pointer = 16;

thread_local reactor* current_reactor = nullptr;

__kernel_timespec to_timespec(std::chrono::nanoseconds duration) {
    auto count = duration.count() < 0 ? 0 : duration.count();
    return __kernel_timespec{.tv_sec = count / 1'000'000'000, .tv_nsec = count % 1'000'000'000};
}

// The one place where io_requests become SQEs.
void prepare_request(io_uring_sqe* sqe, const io_request& request) {
    const auto length32 = static_cast<unsigned>(request.length);
    switch (request.opcode) {
    case io_opcode::nop:
        io_uring_prep_nop(sqe);
        break;
    case io_opcode::accept:
        io_uring_prep_accept(sqe, request.fd, nullptr, nullptr, static_cast<int>(request.flags));
        break;
    case io_opcode::connect:
        io_uring_prep_connect(sqe, request.fd, static_cast<const sockaddr*>(request.address),
                              static_cast<socklen_t>(request.length));
        break;
    case io_opcode::recv:
        io_uring_prep_recv(sqe, request.fd, request.address, request.length,
                           static_cast<int>(request.flags));
        break;
    case io_opcode::send:
        io_uring_prep_send(sqe, request.fd, request.address, request.length,
                           static_cast<int>(request.flags));
        break;
    case io_opcode::sendmsg:
        io_uring_prep_sendmsg(sqe, request.fd, static_cast<const msghdr*>(request.address),
                              request.flags);
        break;
    case io_opcode::read:
        io_uring_prep_read(sqe, request.fd, request.address, length32, request.offset);
        if (request.flags & io_read_in_worker) sqe->flags |= IOSQE_ASYNC;
        break;
    case io_opcode::write:
        io_uring_prep_write(sqe, request.fd, request.address, length32, request.offset);
        break;
    case io_opcode::readv:
        io_uring_prep_readv(sqe, request.fd, static_cast<const iovec*>(request.address), length32,
                            request.offset);
        break;
    case io_opcode::writev:
        io_uring_prep_writev(sqe, request.fd, static_cast<const iovec*>(request.address),
                             length32, request.offset);
        break;
    case io_opcode::fsync:
        io_uring_prep_fsync(sqe, request.fd, 0);
        break;
    case io_opcode::fdatasync:
        io_uring_prep_fsync(sqe, request.fd, IORING_FSYNC_DATASYNC);
        break;
    case io_opcode::fallocate:
        io_uring_prep_fallocate(sqe, request.fd, static_cast<int>(request.flags),
                                static_cast<off_t>(request.offset),
                                static_cast<off_t>(request.length));
        break;
    case io_opcode::splice:
        io_uring_prep_splice(sqe, request.fd, static_cast<std::int64_t>(request.offset),
                             request.fd_out, request.offset_out, length32, request.flags);
        break;
    case io_opcode::timeout:
        io_uring_prep_timeout(sqe, static_cast<__kernel_timespec*>(request.address), 0, 0);
        break;
    case io_opcode::poll:
        io_uring_prep_poll_add(sqe, request.fd, length32);
        break;
    case io_opcode::close:
        io_uring_prep_close(sqe, request.fd);
        break;
    case io_opcode::openat:
        io_uring_prep_openat(sqe, request.fd, static_cast<const char*>(request.address),
                             static_cast<int>(request.flags), static_cast<mode_t>(request.length));
        break;
    case io_opcode::mkdirat:
        io_uring_prep_mkdirat(sqe, request.fd, static_cast<const char*>(request.address),
                              static_cast<mode_t>(request.length));
        break;
    }
}

}  // namespace

result<idle_strategy> parse_idle_strategy(std::string_view name) {
    if (name == "sleep") return idle_strategy::sleep;
    if (name == "backoff") return idle_strategy::backoff;
    if (name == "spin") return idle_strategy::spin;
    return fail(errc::invalid_argument);
}

std::string_view to_string(idle_strategy strategy) {
    switch (strategy) {
    case idle_strategy::sleep: return "sleep";
    case idle_strategy::backoff: return "backoff";
    case idle_strategy::spin: return "spin";
    }
    return "unknown";
}

// ---- cancel_token ----------------------------------------------------------------------------

cancel_token::~cancel_token() {
    LAMINAR_ASSERT(_inflight == nullptr && _hook == nullptr);
    if (_stop_registration == nullptr) return;
    if (_previous) _previous->_next = _next;
    else _stop_registration->_stop_tokens = _next;
    if (_next) _next->_previous = _previous;
}

void cancel_token::cancel() {
    if (_cancelled) return;
    _cancelled = true;
    if (_inflight) reactor::current().cancel(*_inflight);
    if (_hook) {
        cancel_hook* hooked = std::exchange(_hook, nullptr);
        hooked->on_cancel(*hooked);
    }
}

void cancel_token::hook(cancel_hook& waiter) noexcept {
    LAMINAR_ASSERT(_hook == nullptr && waiter.on_cancel != nullptr);
    _hook = &waiter;
}

void cancel_token::unhook(cancel_hook& waiter) noexcept {
    if (_hook == &waiter) _hook = nullptr;
}

// ---- io_operation ----------------------------------------------------------------------------

io_operation&& io_operation::with_timeout(std::chrono::nanoseconds timeout) && noexcept {
    _timeout = to_timespec(timeout);
    _has_timeout = true;
    return std::move(*this);
}

bool io_operation::await_ready() noexcept {
    if (_token && _token->cancelled()) {
        _completion.result = -ECANCELED;
        return true;
    }
    return false;
}

void io_operation::await_suspend(std::coroutine_handle<> waiter) {
    _completion.waiter = waiter;
    if (_token) _token->_inflight = &_completion;
    reactor::current().submit(_request, _completion, _has_timeout ? &_timeout : nullptr);
}

result<std::size_t> io_operation::await_resume() noexcept {
    if (_token) _token->_inflight = nullptr;
    const auto value = _completion.result;
    if (value >= 0) return static_cast<std::size_t>(value);
    if (value == -ECANCELED && _has_timeout && !(_token && _token->cancelled())) {
        return fail(errc::timed_out);
    }
    return fail(errc_from_errno(-value));
}

// ---- reactor ---------------------------------------------------------------------------------

reactor::reactor(const reactor_options& options) : _options(options) {}

result<std::unique_ptr<reactor>> reactor::create(const reactor_options& options) {
    std::unique_ptr<reactor> created(new reactor(options));
    io_uring_params params{};
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                   IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CLAMP;
    params.cq_entries = options.ring_entries * 4;
    params.flags |= IORING_SETUP_CQSIZE;
    int rc = io_uring_queue_init_params(options.ring_entries, &created->_ring, &params);
    if (rc < 0) return fail(errc_from_errno(-rc));
    created->_wakeup_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (created->_wakeup_fd < 0) return fail(errc_from_errno(errno));
    if (current_reactor == nullptr) current_reactor = created.get();
    // A reactor alone is its own single-shard mesh until the runtime wires peers.
    created->_peers = {created.get()};
    return created;
}

reactor::~reactor() {
    if (current_reactor == this) current_reactor = nullptr;
    for (auto& handle : _ready) handle.destroy();
    if (_wakeup_fd >= 0) ::close(_wakeup_fd);
    io_uring_queue_exit(&_ring);
}

reactor& reactor::current() noexcept {
    LAMINAR_ASSERT(current_reactor != nullptr);
    return *current_reactor;
}

bool reactor::has_current() noexcept { return current_reactor != nullptr; }

// A detached task's outer frame: destroys itself at the end and tells the reactor.
struct detached_runner {
    struct promise_type {
        detached_runner get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() const noexcept { return {}; }
        std::suspend_never final_suspend() const noexcept { return {}; }
        void return_void() const noexcept {}
        void unhandled_exception() const noexcept {
            on_internal_error("exception escaped a detached task");
        }
    };
    std::coroutine_handle<promise_type> handle;
};


void reactor::spawn(task<void> work) {
    ++_live_tasks;
    struct runner {
        static detached_runner run(task<void> work, reactor* owner) {
            co_await std::move(work);
            owner->task_finished();
        }
    };
    schedule(runner::run(std::move(work), this).handle);
}

void reactor::schedule(std::coroutine_handle<> coroutine) { _ready.push_back(coroutine); }

void reactor::cancel_on_stop(cancel_token& token) {
    LAMINAR_ASSERT(token._stop_registration == nullptr);
    token._stop_registration = this;
    token._next = _stop_tokens;
    if (_stop_tokens) _stop_tokens->_previous = &token;
    _stop_tokens = &token;
    if (_stop_begun) token.cancel();
}

void reactor::post_external(std::function<void()> work) {
    {
        std::lock_guard lock(_external_mutex);
        _external.push_back(std::move(work));
    }
    _external_pending.store(true, std::memory_order_release);
    std::uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(_wakeup_fd, &one, sizeof(one));
}

void reactor::request_stop_external() {
    post_external([this] { request_stop(); });
}

void reactor::attach_peers(std::span<reactor* const> peers,
                           std::span<cross_shard_queue* const> inbound,
                           std::span<cross_shard_queue* const> outbound,
                           std::atomic<unsigned>* active_shards) {
    _active_shards = active_shards;
    LAMINAR_ASSERT(peers.size() == inbound.size() && peers.size() == outbound.size());
    _peers.assign(peers.begin(), peers.end());
    _inbound.assign(inbound.begin(), inbound.end());
    _outbound.assign(outbound.begin(), outbound.end());
    _overflow_head.assign(peers.size(), nullptr);
    _overflow_tail.assign(peers.size(), nullptr);
}

void reactor::send_message(unsigned target, cross_shard_message& message) {
    LAMINAR_ASSERT(target < _outbound.size());
    message.overflow_next = nullptr;
    // Keep order per target: while anything waits in overflow, new messages queue behind it.
    if (_overflow_head[target] != nullptr || !_outbound[target]->messages.try_push(&message)) {
        if (_overflow_tail[target]) _overflow_tail[target]->overflow_next = &message;
        else _overflow_head[target] = &message;
        _overflow_tail[target] = &message;
        _outbound[target]->producer_waiting.store(true);
        return;
    }
    wake(target);
}

void reactor::wake(unsigned target) {
    if (target == _options.shard_id) return;
    reactor* peer = _peers[target];
    // Pairs with the fence in idle(): either the peer sees our push, or we see it sleeping.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!peer->_sleeping.load(std::memory_order_relaxed)) return;
    if (!peer->_sleeping.exchange(false)) return;
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_msg_ring(sqe, peer->_ring.ring_fd, 0, tag_cross_shard, 0);
    io_uring_sqe_set_data64(sqe, tag_ignore);
}

io_uring_sqe* reactor::next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&_ring);
    if (sqe == nullptr) {
        io_uring_submit(&_ring);
        sqe = io_uring_get_sqe(&_ring);
    }
    if (sqe == nullptr) on_internal_error("io_uring submission queue stays full");
    return sqe;
}

void reactor::submit(const io_request& request, io_completion& completion,
                     const __kernel_timespec* timeout) {
    io_uring_sqe* sqe = next_sqe();
    prepare_request(sqe, request);
    io_uring_sqe_set_data(sqe, &completion);
    ++_inflight;
    if (timeout == nullptr) return;
    sqe->flags |= IOSQE_IO_LINK;
    io_uring_sqe* link = next_sqe();
    io_uring_prep_link_timeout(link, const_cast<__kernel_timespec*>(timeout), 0);
    io_uring_sqe_set_data64(link, tag_ignore);
}

void reactor::cancel(io_completion& completion) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel(sqe, &completion, 0);
    io_uring_sqe_set_data64(sqe, tag_ignore);
}

void reactor::arm_wakeup_read() {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_read(sqe, _wakeup_fd, &_wakeup_value, sizeof(_wakeup_value), 0);
    io_uring_sqe_set_data64(sqe, tag_wakeup_read);
    ++_inflight;
}

unsigned reactor::reap_completions() {
    unsigned reaped = 0;
    io_uring_cqe* cqe = nullptr;
    while (reaped < _options.completions_per_tick_max && io_uring_peek_cqe(&_ring, &cqe) == 0) {
        const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
        const std::int32_t value = cqe->res;
        const std::uint32_t flags = cqe->flags;
        io_uring_cqe_seen(&_ring, cqe);
        ++reaped;
        if (tag >= tag_first_pointer) {
            --_inflight;
            auto* completion = reinterpret_cast<io_completion*>(tag);
            completion->result = value;
            completion->flags = flags;
            completion->waiter.resume();
        } else if (tag == tag_wakeup_read) {
            --_inflight;
            if (!_finishing) arm_wakeup_read();
        } else if (tag == tag_drain_deadline) {
            --_inflight;
            if (!_cancelled_all && value == -ETIME) cancel_everything();
        }
        // tag_cross_shard: the wake-up itself is the point; the queues are drained each tick.
    }
    return reaped;
}

unsigned reactor::run_ready() {
    unsigned ran = 0;
    while (ran < _options.ready_per_tick_max && !_ready.empty()) {
        auto coroutine = _ready.front();
        _ready.pop_front();
        coroutine.resume();
        ++ran;
    }
    return ran;
}

unsigned reactor::drain_messages() {
    unsigned handled = 0;
    for (unsigned source = 0; source < _inbound.size(); ++source) {
        auto* queue = _inbound[source];
        unsigned popped = 0;
        while (handled < _options.messages_per_tick_max) {
            auto message = queue->messages.try_pop();
            if (!message) break;
            (*message)->handler(**message);
            ++handled;
            ++popped;
        }
        // We made room; a producer holding overflow may be asleep waiting for it.
        if (popped > 0 && queue->producer_waiting.load()) wake(source);
    }
    return handled;
}

unsigned reactor::flush_overflow() {
    unsigned moved = 0;
    for (unsigned target = 0; target < _overflow_head.size(); ++target) {
        while (_overflow_head[target] != nullptr) {
            cross_shard_message* message = _overflow_head[target];
            // Read the link first: once pushed, the message belongs to the target shard.
            cross_shard_message* next = message->overflow_next;
            if (!_outbound[target]->messages.try_push(message)) break;
            _overflow_head[target] = next;
            if (_overflow_head[target] == nullptr) {
                _overflow_tail[target] = nullptr;
                _outbound[target]->producer_waiting.store(false);
            }
            ++moved;
        }
        if (moved) wake(target);
    }
    return moved;
}

unsigned reactor::drain_external() {
    if (!_external_pending.exchange(false, std::memory_order_acquire)) return 0;
    std::vector<std::function<void()>> work;
    {
        std::lock_guard lock(_external_mutex);
        work.swap(_external);
    }
    for (auto& item : work) item();
    return static_cast<unsigned>(work.size());
}

bool reactor::inbound_pending() noexcept {
    for (auto* queue : _inbound) {
        if (!queue->messages.empty()) return true;
    }
    for (unsigned target = 0; target < _overflow_head.size(); ++target) {
        if (_overflow_head[target] != nullptr && _outbound[target]->messages.has_space()) {
            return true;
        }
    }
    return _external_pending.load(std::memory_order_acquire);
}

void reactor::idle(std::chrono::steady_clock::time_point& idle_since) {
    const auto strategy = _options.idle;
    if (strategy == idle_strategy::spin ||
        (strategy == idle_strategy::backoff &&
         std::chrono::steady_clock::now() - idle_since < _options.spin_before_sleep)) {
        io_uring_submit_and_get_events(&_ring);
        return;
    }
    _sleeping.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (inbound_pending()) {
        _sleeping.store(false, std::memory_order_relaxed);
        return;
    }
    ++_sleeps;
    io_uring_submit_and_wait(&_ring, 1);
    _sleeping.store(false, std::memory_order_relaxed);
    _voluntary_switches_seen = voluntary_switches();
    idle_since = std::chrono::steady_clock::now();
}

bool reactor::inline_write_allowed(std::uint64_t bytes) const noexcept {
    if (bytes == 0 || bytes > _options.inline_write_bytes_max) return false;
    return _inline_write_stalls == 0 ||
           std::chrono::steady_clock::now() >= _inline_writes_paused_until;
}

// The thread's voluntary context switches (it slept in the kernel). @locality the shard's thread
std::uint64_t reactor::voluntary_switches() noexcept {
    rusage usage{};
    if (::getrusage(RUSAGE_THREAD, &usage) != 0) return 0;
    return static_cast<std::uint64_t>(usage.ru_nvcsw);
}

// A slow write is a stall only if the thread slept since it last woke from idle(): a write that
// was merely preempted (other processes on the CPU) says nothing about the disk, and on a loaded
// machine preemption would otherwise pause inline writes most of the time. Asked only of writes
// over the threshold, so the getrusage costs nothing on the common path.
void reactor::inline_write_took(std::chrono::steady_clock::duration took) noexcept {
    ++_inline_writes;
    if (took <= _options.inline_write_stall) return;
    const std::uint64_t switches = voluntary_switches();
    const bool slept = switches != _voluntary_switches_seen;
    _voluntary_switches_seen = switches;
    if (!slept) {
        ++_inline_write_preemptions;
        return;
    }
    ++_inline_write_stalls;
    _inline_writes_paused_until = std::chrono::steady_clock::now() + _options.inline_write_pause;
}

void reactor::cancel_everything() {
    _cancelled_all = true;
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
    io_uring_sqe_set_data64(sqe, tag_ignore);
}

void reactor::begin_stop() {
    _stop_begun = true;
    // If the tasks have not finished by the deadline, everything still in flight is cancelled.
    _drain_deadline = to_timespec(_options.drain_timeout);
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_timeout(sqe, &_drain_deadline, 0, 0);
    io_uring_sqe_set_data64(sqe, tag_drain_deadline);
    ++_inflight;
    for (cancel_token* token = _stop_tokens; token != nullptr; token = token->_next) {
        token->cancel();
    }
}

void reactor::finish() {
    // Only our own eventfd read and drain deadline are left in flight.
    _finishing = true;
    cancel_everything();
    while (_inflight > 0) {
        io_uring_submit_and_wait(&_ring, 1);
        reap_completions();
    }
}

bool reactor::ready_to_exit() {
    bool idle_now = _live_tasks == 0 && _ready.empty();
    for (auto* head : _overflow_head) idle_now = idle_now && head == nullptr;
    if (!idle_now) return false;
    if (_active_shards == nullptr) return true;
    if (!_quiescent) {
        _quiescent = true;
        if (_active_shards->fetch_sub(1) == 1) {
            // The last shard to quiesce wakes the others, which may be asleep in their rings.
            for (auto* peer : _peers) {
                if (peer != this) peer->post_external([] {});
            }
        }
    }
    return _active_shards->load() == 0;
}

void reactor::run() {
    LAMINAR_ASSERT(current_reactor == this || current_reactor == nullptr);
    current_reactor = this;
    if (_inbound.empty()) {
        // Not wired by a runtime: a one-shard mesh with a queue to itself.
        _self_queue = std::make_unique<cross_shard_queue>(1024);
        reactor* self = this;
        cross_shard_queue* queue = _self_queue.get();
        attach_peers({&self, 1}, {&queue, 1}, {&queue, 1});
    }
    arm_wakeup_read();
    _voluntary_switches_seen = voluntary_switches();
    auto idle_since = std::chrono::steady_clock::now();
    while (true) {
        ++_ticks;
        unsigned work = drain_external();
        work += flush_overflow();
        work += drain_messages();
        work += run_ready();
        work += reap_completions();
        if (_stop_requested && !_stop_begun) begin_stop();
        if (_stop_begun && ready_to_exit()) break;
        if (work > 0) {
            io_uring_submit_and_get_events(&_ring);
            idle_since = std::chrono::steady_clock::now();
            continue;
        }
        idle(idle_since);
    }
    finish();
}

// ---- operations --------------------------------------------------------------------------------

namespace io {

namespace {
io_operation make(io_opcode opcode, int fd, void* address, std::uint64_t length,
                  std::uint64_t offset = 0, std::uint32_t flags = 0) {
    return io_operation(io_request{.opcode = opcode,
                                   .fd = fd,
                                   .address = address,
                                   .length = length,
                                   .offset = offset,
                                   .flags = flags});
}
}  // namespace

io_operation accept(int listen_fd, int flags) {
    return make(io_opcode::accept, listen_fd, nullptr, 0, 0,
                static_cast<std::uint32_t>(flags | SOCK_CLOEXEC));
}
io_operation connect(int fd, const sockaddr* address, std::uint32_t address_length) {
    return make(io_opcode::connect, fd, const_cast<sockaddr*>(address), address_length);
}
io_operation recv(int fd, std::span<std::byte> buffer, int flags) {
    return make(io_opcode::recv, fd, buffer.data(), buffer.size(), 0,
                static_cast<std::uint32_t>(flags));
}
io_operation send(int fd, std::span<const std::byte> buffer, int flags) {
    return make(io_opcode::send, fd, const_cast<std::byte*>(buffer.data()), buffer.size(), 0,
                static_cast<std::uint32_t>(flags | MSG_NOSIGNAL));
}
io_operation sendmsg(int fd, const msghdr* message, int flags) {
    return make(io_opcode::sendmsg, fd, const_cast<msghdr*>(message), 0, 0,
                static_cast<std::uint32_t>(flags | MSG_NOSIGNAL));
}
io_operation read(int fd, std::span<std::byte> buffer, std::uint64_t offset) {
    return make(io_opcode::read, fd, buffer.data(), buffer.size(), offset);
}
io_operation read_in_worker(int fd, std::span<std::byte> buffer, std::uint64_t offset) {
    return make(io_opcode::read, fd, buffer.data(), buffer.size(), offset, io_read_in_worker);
}
io_operation write(int fd, std::span<const std::byte> buffer, std::uint64_t offset) {
    return make(io_opcode::write, fd, const_cast<std::byte*>(buffer.data()), buffer.size(),
                offset);
}
io_operation readv(int fd, const iovec* vectors, unsigned count, std::uint64_t offset) {
    return make(io_opcode::readv, fd, const_cast<iovec*>(vectors), count, offset);
}
io_operation writev(int fd, const iovec* vectors, unsigned count, std::uint64_t offset) {
    return make(io_opcode::writev, fd, const_cast<iovec*>(vectors), count, offset);
}
io_operation fsync(int fd) { return make(io_opcode::fsync, fd, nullptr, 0); }
io_operation fdatasync(int fd) { return make(io_opcode::fdatasync, fd, nullptr, 0); }
io_operation fallocate(int fd, int mode, std::uint64_t offset, std::uint64_t length) {
    return make(io_opcode::fallocate, fd, nullptr, length, offset,
                static_cast<std::uint32_t>(mode));
}
io_operation splice(int fd_in, std::int64_t offset_in, int fd_out, std::int64_t offset_out,
                    std::uint32_t length, unsigned flags) {
    return io_operation(io_request{.opcode = io_opcode::splice,
                                   .fd = fd_in,
                                   .fd_out = fd_out,
                                   .length = length,
                                   .offset = static_cast<std::uint64_t>(offset_in),
                                   .offset_out = offset_out,
                                   .flags = flags});
}
io_operation poll(int fd, std::uint32_t events) {
    return make(io_opcode::poll, fd, nullptr, events);
}
io_operation close(int fd) { return make(io_opcode::close, fd, nullptr, 0); }
io_operation openat(int dir_fd, const char* path, int flags, unsigned mode) {
    return make(io_opcode::openat, dir_fd, const_cast<char*>(path), mode, 0,
                static_cast<std::uint32_t>(flags | O_CLOEXEC));
}
io_operation mkdirat(int dir_fd, const char* path, unsigned mode) {
    return make(io_opcode::mkdirat, dir_fd, const_cast<char*>(path), mode);
}

sleep_operation::sleep_operation(std::chrono::nanoseconds duration) noexcept
    : _duration(to_timespec(duration)),
      _operation(io_request{.opcode = io_opcode::timeout}) {}

void sleep_operation::await_suspend(std::coroutine_handle<> waiter) {
    _operation._request.address = &_duration;
    _operation.await_suspend(waiter);
}

status sleep_operation::await_resume() noexcept {
    auto done = _operation.await_resume();
    if (done || _operation.raw_result() == -ETIME) return {};
    return fail(done.error());
}

sleep_operation sleep_for(std::chrono::nanoseconds duration) { return sleep_operation(duration); }

}  // namespace io

}  // namespace laminar
