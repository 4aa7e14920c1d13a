// The partition log's figures, the four storage benchmarks (issue 3):
//   append     appends with flush none, 1 KiB and 64 KiB batches, one appender awaiting each
//              append on one shard: MB/s and batches/s (--append-appenders=N: N such appenders
//              at once, whose queued appends form group writes; figures append_1k_xN_...)
//   durable    flush.messages=1 (every batch acknowledged after the fdatasync covering it), 4 KiB
//              batches, 1/4/16/64 concurrent appenders (coroutines on one shard): append-to-
//              durable latency p50/p99/p99.9/max, appends/s, fdatasyncs per append
//   recovery   a child process writes --recovery-mib over --partitions logs (flush none) and is
//              SIGKILLed while still appending; the time to open every log again (recovery
//              scans what lies past each recovery point), all opens concurrent on one shard.
//              The writer runs the broker's recovery-point step every
//              --recovery-checkpoint-ms (the broker's default 5000; 0: off, only rolls move
//              the points) and once a log has --recovery-checkpoint-mib past its point (the
//              broker's laminar.log.recovery.checkpoint.bytes, 64; 0: off); the table says
//              how many bytes recovery read and CRC-checked
//   sendfile   a log is written, synced and dropped from the page cache (posix_fadvise
//              DONTNEED on its segment files), then read with partition_log::read and moved to a
//              loopback TCP socket with net::send_chain (splice, as the broker sends fetches);
//              a reader thread receives: Gbit/s. Then again with the files left in the page
//              cache (warm), the splice path alone. Each run also prints where the time went
//              (the device's reads: MiB, KiB per request, mean reads in flight; CPU shares of
//              the shard thread, the ring's workers and the reader; the log's read-ahead
//              counters) and the latency of 1 KiB appends made to another log of the same shard
//              once per ms meanwhile, from when each was due (a stalled shard shows there)
// Each mode runs --runs times (fresh directory each time); the figures are medians. Besides the
// tables, each figure is printed as a line "figure <name> <value>" for bench/storage_compare.sh.
// A plain program, not a Google Benchmark loop: it prints figures, it never passes or fails.
//
//   build/release/bench/storage_bench [--dir=PATH] [--modes=append,durable,recovery,sendfile]
//       [--runs=3] [--append-mib=2048] [--append-appenders=1] [--append-segment-mib=1024]
//       [--durable-appends=2000] [--recovery-mib=10240] [--partitions=100]
//       [--recovery-sync-first=0] [--recovery-checkpoint-ms=5000]
//       [--recovery-checkpoint-mib=64] [--sendfile-mib=1024]
//
// --dir: a directory on the file system to measure (default: a new directory under /work, not
// /tmp, which may be a small tmpfs); everything the program writes goes in a fresh subdirectory
// that is removed afterwards.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/latency_summary.h"
#include "core/endian.h"
#include "core/reactor.h"
#include "core/record_batch.h"
#include "core/wait_group.h"
#include "net/outbound_chain.h"
#include "storage/partition_log.h"
#include "storage/testing/log_testing.h"

namespace laminar::bench {
namespace {

using clock_type = std::chrono::steady_clock;
namespace layout = record_batch_layout;

constexpr std::int32_t records_per_batch = 10;
constexpr int durable_warm_up_appends = 64;

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "storage_bench: %s\n", what);
    std::exit(1);
}

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

std::uint64_t nanoseconds_since(clock_type::time_point start) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - start).count());
}

// `--name=text` from argv, else the fallback.
std::string text_option(int argc, char** argv, std::string_view name, std::string fallback) {
    for (int index = 1; index < argc; ++index) {
        std::string_view argument = argv[index];
        if (argument.size() > name.size() + 3 && argument.substr(0, 2) == "--" &&
            argument.substr(2, name.size()) == name && argument[name.size() + 2] == '=') {
            return std::string(argument.substr(name.size() + 3));
        }
    }
    return fallback;
}

// A produced batch (base offset 0) of exactly `total_bytes`, `records_per_batch` records
// announced, stamped now; the record bytes are filler (the log checks the header and the CRC).
std::vector<std::byte> make_batch(std::size_t total_bytes, std::uint64_t seed) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return storage::testing::make_batch(records_per_batch, total_bytes - layout::header_bytes, now,
                                        seed);
}

// Runs `body` (a coroutine lambda returning task<void>, kept alive by the caller) on a new
// reactor until it finishes.
template <typename Body>
void run_on_reactor(Body& body) {
    if (!storage::testing::run_on_new_reactor(body)) die("cannot create a reactor (io_uring)");
}

storage::log_options log_options_in(const std::string& dir, std::int32_t partition) {
    storage::log_options options;
    options.data_dir = dir;
    options.topic = "bench";
    options.partition = partition;
    return options;  // Laminar's defaults: 1 GiB segments, 16 MiB preallocation extents
}

// A fresh directory under `base`, removed with everything in it.
class scratch_directory : public storage::testing::temporary_directory {
public:
    explicit scratch_directory(const std::string& base)
        : temporary_directory(base, "storage-bench") {}
};

void print_figure(const std::string& name, double value) {
    std::printf("figure %s %.3f\n", name.c_str(), value);
}

// ---- append (flush none) ----

struct append_run {
    double megabytes_per_second = 0;
    double batches_per_second = 0;
    double cpu_us_per_batch = 0;  // user + system, all the process's threads
};

// CPU time used by the process (every thread, the ring's workers included), in microseconds.
double process_cpu_us() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto us = [](const timeval& each) {
        return double(each.tv_sec) * 1e6 + double(each.tv_usec);
    };
    return us(usage.ru_utime) + us(usage.ru_stime);
}

// `appenders` coroutines on the shard, each awaiting its own appends back to back (a pipelined
// producer's requests, or several producers): appends queued behind a write form groups.
append_run run_append(const std::string& base, std::size_t batch_bytes, std::uint64_t total_bytes,
                      int appenders, std::uint64_t segment_bytes) {
    scratch_directory dir(base);
    append_run outcome;
    auto body = [&]() -> task<void> {
        auto options = log_options_in(dir.path(), 0);
        if (segment_bytes > 0) options.config.segment_bytes = segment_bytes;
        auto opened = co_await storage::partition_log::open(options);
        if (!opened) die("open failed");
        auto log = std::move(*opened);
        const std::uint64_t per_appender = total_bytes / batch_bytes / appenders;
        const std::uint64_t batches = per_appender * appenders;
        wait_group running;
        auto appender = [&](int index) -> task<void> {
            auto batch = make_batch(batch_bytes, 1 + index);  // the log rewrites it in place
            for (std::uint64_t i = 0; i < per_appender; ++i) {
                auto appended = co_await log->append(batch);
                if (!appended) die("append failed");
            }
            running.done();
        };
        const auto start = clock_type::now();
        const double cpu_start_us = process_cpu_us();
        running.add(appenders);
        for (int i = 0; i < appenders; ++i) reactor::current().spawn(appender(i));
        co_await running.wait();
        const double seconds = seconds_since(start);
        outcome.megabytes_per_second = double(batches * batch_bytes) / 1e6 / seconds;
        outcome.batches_per_second = double(batches) / seconds;
        outcome.cpu_us_per_batch = (process_cpu_us() - cpu_start_us) / double(batches);
        auto closed = co_await log->close();
        if (!closed) die("close failed");
    };
    run_on_reactor(body);
    return outcome;
}

// ---- durable (flush every batch) ----

struct durable_run {
    latency_summary latency;
    double fdatasyncs_per_append = 0;
};

durable_run run_durable(const std::string& base, int appenders, long total_appends) {
    scratch_directory dir(base);
    durable_run outcome;
    auto body = [&]() -> task<void> {
        auto options = log_options_in(dir.path(), 0);
        options.config.flush_messages = 1;
        auto opened = co_await storage::partition_log::open(options);
        if (!opened) die("open failed");
        auto log = std::move(*opened);
        auto warm_up = make_batch(4096, 7);
        for (int i = 0; i < durable_warm_up_appends; ++i) {
            auto appended = co_await log->append(warm_up);
            if (!appended) die("append failed");
        }

        const long per_appender = total_appends / appenders;
        std::vector<std::uint64_t> samples_ns;
        samples_ns.reserve(static_cast<std::size_t>(per_appender * appenders));
        int running = appenders;
        std::coroutine_handle<> waiter;
        struct all_done {
            int* running;
            std::coroutine_handle<>* waiter;
            bool await_ready() const noexcept { return *running == 0; }
            void await_suspend(std::coroutine_handle<> handle) noexcept { *waiter = handle; }
            void await_resume() const noexcept {}
        };
        auto appender = [&](int index) -> task<void> {
            auto batch = make_batch(4096, 100 + static_cast<std::uint64_t>(index));
            for (long i = 0; i < per_appender; ++i) {
                const auto start = clock_type::now();
                auto appended = co_await log->append(batch);
                if (!appended) die("durable append failed");
                samples_ns.push_back(nanoseconds_since(start));
            }
            if (--running == 0 && waiter) reactor::current().schedule(waiter);
        };
        const std::uint64_t syncs_before = log->fdatasync_count();
        const auto start = clock_type::now();
        for (int i = 0; i < appenders; ++i) reactor::current().spawn(appender(i));
        co_await all_done{&running, &waiter};
        const double seconds = seconds_since(start);
        const auto appends = static_cast<double>(samples_ns.size());
        outcome.fdatasyncs_per_append = double(log->fdatasync_count() - syncs_before) / appends;
        outcome.latency = summarize(samples_ns, appends / seconds);
        auto closed = co_await log->close();
        if (!closed) die("close failed");
    };
    run_on_reactor(body);
    return outcome;
}

// ---- recovery after SIGKILL ----

struct recovery_run {
    double seconds = 0;
    std::uint64_t segments_scanned = 0;
    std::uint64_t batches_scanned = 0;
    std::uint64_t bytes_scanned = 0;  // read whole and CRC-checked
    std::uint64_t bytes_trusted = 0;  // below a recovery point inside a segment: headers only
    std::uint64_t bytes_indexed = 0;  // below it, known from the recovery index: not read
    std::uint64_t bytes_dropped = 0;
    std::uint64_t bytes_on_disk = 0;
};

task<void> checkpoint_one(storage::partition_log& log, wait_group& wave) {
    auto moved = co_await log.checkpoint_recovery_point();
    if (!moved) die("child: recovery checkpoint failed");
    wave.done();
}

// The broker's recovery-point step (broker/log_maintenance.cpp, every
// laminar.log.recovery.checkpoint.interval.ms), as a task of the writer: each 100 ms tick, the
// logs whose last checkpoint is `interval_ms` old (or with more than `bytes_max` past it,
// laminar.log.recovery.checkpoint.bytes) and that have new appends sync them and move their
// recovery point, 32 at a time.
task<void> recovery_checkpoints(std::vector<std::unique_ptr<storage::partition_log>>& logs,
                                std::int64_t interval_ms, std::uint64_t bytes_max) {
    constexpr std::size_t in_flight_max = 32;
    while (!reactor::current().stopping()) {
        co_await io::sleep_for(std::chrono::milliseconds(100));
        const std::int64_t now = storage::system_log_clock().now_ms();
        std::vector<storage::partition_log*> due;
        for (const auto& log : logs) {
            if (log->recovery_point() < log->log_end_offset() &&
                (now - log->recovery_checkpoint_ms() >= interval_ms ||
                 (bytes_max > 0 && log->bytes_past_recovery_point() > bytes_max))) {
                due.push_back(log.get());
            }
        }
        for (std::size_t next = 0; next < due.size();) {
            wait_group wave;
            for (const std::size_t end = std::min(due.size(), next + in_flight_max); next < end;
                 ++next) {
                wave.add();
                reactor::current().spawn(checkpoint_one(*due[next], wave));
            }
            co_await wave.wait();
        }
    }
}

// In the child: opens `partitions` logs and appends 256 KiB batches round robin (with the
// recovery-point step every `checkpoint_ms` unless 0); after `total_bytes` writes one byte to
// `ready_fd` and keeps appending until killed.
[[noreturn]] void recovery_writer(const std::string& dir, int partitions, std::uint64_t total_bytes,
                                  std::int64_t checkpoint_ms, std::uint64_t checkpoint_bytes,
                                  int ready_fd) {
    auto body = [&]() -> task<void> {
        std::vector<std::unique_ptr<storage::partition_log>> logs;
        for (int p = 0; p < partitions; ++p) {
            auto options = log_options_in(dir, p);
            auto opened = co_await storage::partition_log::open(options);
            if (!opened) die("child: open failed");
            logs.push_back(std::move(*opened));
        }
        if (checkpoint_ms > 0) {
            reactor::current().spawn(recovery_checkpoints(logs, checkpoint_ms, checkpoint_bytes));
        }
        auto batch = make_batch(256 << 10, 3);
        std::uint64_t written = 0;
        bool told = false;
        for (std::uint64_t i = 0;; ++i) {
            auto appended = co_await logs[i % logs.size()]->append(batch);
            if (!appended) die("child: append failed");
            written += batch.size();
            if (!told && written >= total_bytes) {
                const char byte = 1;
                if (::write(ready_fd, &byte, 1) != 1) die("child: cannot signal");
                told = true;
            }
        }
    };
    run_on_reactor(body);
    std::_Exit(0);
}

// written_back: sync() after the kill and before the timed opens, so the figure leaves out
// writing the dead writer's dirty pages back (recovery's syncs otherwise wait for them).
recovery_run run_recovery(const std::string& base, int partitions, std::uint64_t total_bytes,
                          std::int64_t checkpoint_ms, std::uint64_t checkpoint_bytes,
                          bool written_back) {
    scratch_directory dir(base);
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) die("pipe failed");
    std::fflush(stdout);
    const pid_t child = ::fork();
    if (child < 0) die("fork failed");
    if (child == 0) {
        ::close(ready[0]);
        recovery_writer(dir.path(), partitions, total_bytes, checkpoint_ms, checkpoint_bytes,
                        ready[1]);
    }
    ::close(ready[1]);
    char byte = 0;
    const bool signalled = ::read(ready[0], &byte, 1) == 1;
    ::kill(child, SIGKILL);
    int child_status = 0;
    ::waitpid(child, &child_status, 0);
    ::close(ready[0]);
    if (!signalled) die("the writer died before writing everything");
    if (written_back) ::sync();

    recovery_run outcome;
    std::error_code ignored;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path(), ignored)) {
        if (entry.is_regular_file(ignored)) outcome.bytes_on_disk += entry.file_size(ignored);
    }
    auto body = [&]() -> task<void> {
        std::vector<std::unique_ptr<storage::partition_log>> logs(
            static_cast<std::size_t>(partitions));
        int running = partitions;
        std::coroutine_handle<> waiter;
        struct all_done {
            int* running;
            std::coroutine_handle<>* waiter;
            bool await_ready() const noexcept { return *running == 0; }
            void await_suspend(std::coroutine_handle<> handle) noexcept { *waiter = handle; }
            void await_resume() const noexcept {}
        };
        auto opener = [&](int partition) -> task<void> {
            auto options = log_options_in(dir.path(), partition);
            auto opened = co_await storage::partition_log::open(options);
            if (!opened) die("recovery: open failed");
            logs[static_cast<std::size_t>(partition)] = std::move(*opened);
            if (--running == 0 && waiter) reactor::current().schedule(waiter);
        };
        const auto start = clock_type::now();
        for (int p = 0; p < partitions; ++p) reactor::current().spawn(opener(p));
        co_await all_done{&running, &waiter};
        outcome.seconds = seconds_since(start);
        for (const auto& log : logs) {
            const auto& report = log->recovery_report();
            outcome.segments_scanned += report.segments_scanned;
            outcome.batches_scanned += report.batches_scanned;
            outcome.bytes_scanned += report.bytes_scanned;
            outcome.bytes_trusted += report.bytes_trusted;
            outcome.bytes_indexed += report.bytes_indexed;
            outcome.bytes_dropped += report.bytes_dropped;
        }
        for (const auto& log : logs) {
            auto closed = co_await log->close();
            if (!closed) die("close failed");
        }
    };
    run_on_reactor(body);
    return outcome;
}

// ---- cold reads to a socket ----

constexpr std::size_t sendfile_batch_bytes = 512 << 10;
constexpr std::uint64_t sendfile_read_bytes = 1 << 20;  // max_bytes per read, as a fetch's

struct sendfile_run {
    double gigabits_per_second = 0;
    double resident_before = 0;  // share of the segment pages in the page cache before sending
    // Where the time went while sending (the device's counters count every process's reads).
    double disk_read_mib = 0;
    double disk_read_kib_per_request = 0;
    double disk_reads_in_flight = 0;    // mean: the device's read time over the wall time
    double shard_cpu_share = 0;         // the shard thread's CPU time over the wall time
    double workers_cpu_share = 0;       // the ring's workers (process minus shard and reader)
    double reader_cpu_share = 0;
    latency_summary append_latency;     // appends on another log of the shard meanwhile
    double read_ahead_probes = 0;       // the log's page cache questions (read_ahead.h)
    double read_ahead_advised = 0;      // segment files given the wider read-ahead
    double read_ahead_worker_reads = 0;  // reads whose header reads ran in the ring's workers
};

// The device's read counters (/proc/diskstats) for the file system holding `path`.
struct disk_reads {
    std::uint64_t requests = 0;
    std::uint64_t sectors = 0;
    std::uint64_t busy_ms = 0;  // summed over requests, so overlapping ones add up
};

disk_reads disk_reads_of(const std::string& path) {
    struct stat status{};
    disk_reads counters;
    if (::stat(path.c_str(), &status) != 0) return counters;
    FILE* file = std::fopen("/proc/diskstats", "r");
    if (file == nullptr) return counters;
    unsigned major_number = 0, minor_number = 0;
    char name[64];
    unsigned long long reads = 0, merged = 0, sectors = 0, busy = 0;
    while (std::fscanf(file, "%u %u %63s %llu %llu %llu %llu%*[^\n]", &major_number,
                       &minor_number, name, &reads, &merged, &sectors, &busy) == 7) {
        if (major_number == major(status.st_dev) && minor_number == minor(status.st_dev)) {
            counters = disk_reads{reads, sectors, busy};
            break;
        }
    }
    std::fclose(file);
    return counters;
}

double thread_cpu_seconds() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) + double(now.tv_nsec) / 1e9;
}

constexpr auto scan_append_interval = std::chrono::milliseconds(1);
constexpr std::size_t scan_append_bytes = 1024;

// Appends a 1 KiB batch to `log` every scan_append_interval until `stop`, each timed from when
// it was due (a shard stalled past a due time shows as latency, not as fewer samples).
task<void> append_while_scanning(storage::partition_log& log, const bool& stop,
                                 std::vector<std::uint64_t>& latencies_ns, wait_group& running) {
    auto batch = make_batch(scan_append_bytes, 9);
    const auto start = clock_type::now();
    for (std::uint64_t k = 0; !stop; ++k) {
        const auto due = start + k * scan_append_interval;
        const auto now = clock_type::now();
        if (due > now) co_await io::sleep_for(due - now);
        auto appended = co_await log.append(batch);
        if (!appended) die("append during the scan failed");
        latencies_ns.push_back(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - due)
                .count()));
    }
    running.done();
}

// Share of the file's pages in the page cache.
double resident_share(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    const off_t size = ::lseek(fd, 0, SEEK_END);
    double share = -1;
    if (size > 0) {
        void* mapped =
            ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ, MAP_SHARED, fd, 0);
        if (mapped != MAP_FAILED) {
            const long page = ::sysconf(_SC_PAGESIZE);
            const std::size_t pages = (static_cast<std::size_t>(size) + page - 1) / page;
            std::vector<unsigned char> in_core(pages);
            if (::mincore(mapped, static_cast<std::size_t>(size), in_core.data()) == 0) {
                std::size_t resident = 0;
                for (auto flag : in_core) resident += flag & 1;
                share = double(resident) / double(pages);
            }
            ::munmap(mapped, static_cast<std::size_t>(size));
        }
    }
    ::close(fd);
    return share;
}

// cold: the segment files are dropped from the page cache before sending; warm: they stay in it
// (the splice path alone, against iperf3).
sendfile_run run_sendfile(const std::string& base, std::uint64_t total_bytes, bool cold) {
    scratch_directory dir(base);
    sendfile_run outcome;
    const std::uint64_t batches = total_bytes / sendfile_batch_bytes;
    const std::uint64_t payload = batches * sendfile_batch_bytes;

    // Write, sync, close (clean), then drop the segment files from the page cache.
    auto writer = [&]() -> task<void> {
        auto options = log_options_in(dir.path(), 0);
        auto opened = co_await storage::partition_log::open(options);
        if (!opened) die("open failed");
        auto log = std::move(*opened);
        auto batch = make_batch(sendfile_batch_bytes, 5);
        for (std::uint64_t i = 0; i < batches; ++i) {
            auto appended = co_await log->append(batch);
            if (!appended) die("append failed");
        }
        auto closed = co_await log->close();
        if (!closed) die("close failed");
    };
    run_on_reactor(writer);
    std::vector<std::string> segment_files;
    std::error_code ignored;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path(), ignored)) {
        if (entry.path().extension() == ".log") segment_files.push_back(entry.path().string());
    }
    double resident = 0;
    for (const auto& path : segment_files) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) die("cannot open a segment file");
        ::fdatasync(fd);
        if (cold) ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
        resident += resident_share(path) / double(segment_files.size());
    }
    outcome.resident_before = resident;

    // Loopback TCP: the reader thread connects and counts bytes until it has them all.
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener, 1) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        die("cannot listen on loopback");
    }
    std::atomic<std::uint64_t> received{0};
    std::atomic<double> reader_cpu_seconds{0};
    std::thread reader([&] {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
            die("reader: cannot connect");
        }
        std::vector<char> buffer(1 << 20);
        std::uint64_t total = 0;
        while (total < payload) {
            const auto got = ::recv(fd, buffer.data(), buffer.size(), 0);
            if (got <= 0) break;
            total += static_cast<std::uint64_t>(got);
        }
        received = total;
        reader_cpu_seconds = thread_cpu_seconds();
        ::close(fd);
    });
    const int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    ::close(listener);
    if (connection < 0) die("accept failed");

    clock_type::time_point start;
    double shard_cpu_seconds = 0;
    double process_cpu_seconds = 0;
    disk_reads disk_before;
    std::vector<std::uint64_t> append_latencies_ns;
    auto sender = [&]() -> task<void> {
        auto options = log_options_in(dir.path(), 0);
        auto opened = co_await storage::partition_log::open(options);
        if (!opened) die("reopen failed");
        auto log = std::move(*opened);
        auto appended_opened = co_await storage::partition_log::open(log_options_in(dir.path(), 1));
        if (!appended_opened) die("open of the appended log failed");
        auto appended_log = std::move(*appended_opened);
        net::splice_pipes pipes;
        net::copy_buffers copies;
        bool scanned = false;
        wait_group appending;
        appending.add();
        reactor::current().spawn(
            append_while_scanning(*appended_log, scanned, append_latencies_ns, appending));
        disk_before = disk_reads_of(dir.path());
        shard_cpu_seconds = thread_cpu_seconds();
        process_cpu_seconds = process_cpu_us() / 1e6;
        start = clock_type::now();
        std::int64_t offset = 0;
        while (offset < log->log_end_offset()) {
            auto read = co_await log->read(offset, sendfile_read_bytes);
            if (!read || read->range.length == 0) die("read failed");
            net::outbound_chain chain;
            chain.append_file(read->range.fd, read->range.position, read->range.length);
            auto sent = co_await net::send_chain(connection, chain, pipes, copies);
            if (!sent) die("send failed");
            offset = read->first_offset +
                     static_cast<std::int64_t>(read->range.length / sendfile_batch_bytes) *
                         records_per_batch;
        }
        outcome.read_ahead_probes = double(log->read_ahead().probes);
        outcome.read_ahead_advised = double(log->read_ahead().advised);
        outcome.read_ahead_worker_reads = double(log->read_ahead().worker_reads);
        shard_cpu_seconds = thread_cpu_seconds() - shard_cpu_seconds;
        process_cpu_seconds = process_cpu_us() / 1e6 - process_cpu_seconds;
        scanned = true;
        co_await appending.wait();
        auto closed = co_await log->close();
        if (!closed) die("close failed");
        closed = co_await appended_log->close();
        if (!closed) die("close of the appended log failed");
    };
    run_on_reactor(sender);
    reader.join();
    const double seconds = seconds_since(start);
    const disk_reads disk_after = disk_reads_of(dir.path());
    ::close(connection);
    if (received != payload) die("the reader did not receive every byte");
    outcome.gigabits_per_second = double(payload) * 8 / 1e9 / seconds;
    const auto requests = double(disk_after.requests - disk_before.requests);
    const auto sectors = double(disk_after.sectors - disk_before.sectors);
    outcome.disk_read_mib = sectors * 512 / double(1 << 20);
    outcome.disk_read_kib_per_request = requests > 0 ? sectors * 512 / 1024 / requests : 0;
    outcome.disk_reads_in_flight = double(disk_after.busy_ms - disk_before.busy_ms) / 1e3 / seconds;
    outcome.shard_cpu_share = shard_cpu_seconds / seconds;
    outcome.reader_cpu_share = reader_cpu_seconds / seconds;
    outcome.workers_cpu_share =
        std::max(0.0, process_cpu_seconds - shard_cpu_seconds - reader_cpu_seconds) / seconds;
    outcome.append_latency = summarize(append_latencies_ns, 0);
    return outcome;
}

void print_sendfile(const std::string& name, const std::vector<sendfile_run>& outcomes) {
    auto field = [&](auto member) {
        std::vector<double> values;
        for (const auto& each : outcomes) values.push_back(each.*member);
        return median(values);
    };
    std::vector<latency_summary> latencies;
    for (const auto& each : outcomes) latencies.push_back(each.append_latency);
    const latency_summary append = median_of_runs(latencies);
    std::printf("%s: Gbit/s %.2f (runs:", name.c_str(), field(&sendfile_run::gigabits_per_second));
    for (const auto& each : outcomes) std::printf(" %.2f", each.gigabits_per_second);
    std::printf("), in the page cache before sending: %.1f%% of the segment pages\n",
                field(&sendfile_run::resident_before) * 100);
    std::printf("  disk reads %.0f MiB, %.0f KiB per request, %.2f in flight; CPU share: shard "
                "%.2f, ring workers %.2f, reader %.2f; read-ahead: %.0f probes, %.0f files "
                "advised, %.0f reads' headers read in workers\n",
                field(&sendfile_run::disk_read_mib), field(&sendfile_run::disk_read_kib_per_request),
                field(&sendfile_run::disk_reads_in_flight), field(&sendfile_run::shard_cpu_share),
                field(&sendfile_run::workers_cpu_share), field(&sendfile_run::reader_cpu_share),
                field(&sendfile_run::read_ahead_probes), field(&sendfile_run::read_ahead_advised),
                field(&sendfile_run::read_ahead_worker_reads));
    std::printf("  1 KiB appends to another log of the shard meanwhile, one per %lld ms, from due "
                "time: p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us\n",
                static_cast<long long>(scan_append_interval.count()), append.p50_ns / 1e3,
                append.p99_ns / 1e3, append.p999_ns / 1e3, append.max_ns / 1e3);
    print_figure(name + "_gbit_per_s", field(&sendfile_run::gigabits_per_second));
    print_figure(name + "_resident_share", field(&sendfile_run::resident_before));
    print_figure(name + "_disk_reads_in_flight", field(&sendfile_run::disk_reads_in_flight));
    print_figure(name + "_shard_cpu_share", field(&sendfile_run::shard_cpu_share));
    print_figure(name + "_append_p99_us", append.p99_ns / 1e3);
    print_figure(name + "_append_max_us", append.max_ns / 1e3);
}

bool wanted(const std::string& modes, std::string_view mode) {
    return modes == "all" || modes.find(mode) != std::string::npos;
}

std::string default_base() {
    std::string pattern = "/work/storage-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) die("cannot create a directory under /work");
    return pattern;
}

}  // namespace
}  // namespace laminar::bench

int main(int argc, char** argv) {
    using namespace laminar;
    using namespace laminar::bench;
    ::signal(SIGPIPE, SIG_IGN);
    const std::string modes = text_option(argc, argv, "modes", "all");
    const long runs = option(argc, argv, "runs", 3);
    const auto append_bytes = static_cast<std::uint64_t>(option(argc, argv, "append-mib", 2048))
                              << 20;
    const long durable_appends = option(argc, argv, "durable-appends", 2000);
    const int appenders = static_cast<int>(std::max(1L, option(argc, argv, "append-appenders", 1)));
    // 0: Laminar's default segment.bytes (1 GiB); smaller makes the append runs roll.
    const auto append_segment_bytes =
        static_cast<std::uint64_t>(option(argc, argv, "append-segment-mib", 0)) << 20;
    const auto recovery_bytes =
        static_cast<std::uint64_t>(option(argc, argv, "recovery-mib", 10240)) << 20;
    const int partitions = static_cast<int>(option(argc, argv, "partitions", 100));
    const bool written_back = option(argc, argv, "recovery-sync-first", 0) != 0;
    const std::int64_t checkpoint_ms = option(argc, argv, "recovery-checkpoint-ms", 5000);
    const auto checkpoint_bytes =
        static_cast<std::uint64_t>(option(argc, argv, "recovery-checkpoint-mib", 64)) << 20;
    const auto sendfile_bytes = static_cast<std::uint64_t>(option(argc, argv, "sendfile-mib", 1024))
                                << 20;
    std::string base = text_option(argc, argv, "dir", "");
    const bool own_base = base.empty();
    if (own_base) base = default_base();

    double load[3] = {0, 0, 0};
    ::getloadavg(load, 3);
    std::printf("storage_bench in %s, median of %ld runs, load average %.2f %.2f %.2f\n",
                base.c_str(), runs, load[0], load[1], load[2]);
    std::fflush(stdout);

    if (wanted(modes, "append")) {
        std::printf("\nappend, flush none, %d appender(s), %llu MiB per run\n", appenders,
                    static_cast<unsigned long long>(append_bytes >> 20));
        std::printf("%-8s %10s %12s\n", "batch", "MB/s", "batches/s");
        for (std::size_t batch_bytes : {std::size_t{1} << 10, std::size_t{64} << 10}) {
            std::vector<double> rates;
            std::vector<double> batch_rates;
            std::vector<double> cpu_per_batch;
            for (long run = 0; run < runs; ++run) {
                auto outcome = run_append(base, batch_bytes, append_bytes, appenders,
                                          append_segment_bytes);
                rates.push_back(outcome.megabytes_per_second);
                batch_rates.push_back(outcome.batches_per_second);
                cpu_per_batch.push_back(outcome.cpu_us_per_batch);
            }
            // One appender: the figure; more: named after the count.
            std::string name = std::to_string(batch_bytes >> 10) + "k";
            if (appenders > 1) name += "_x" + std::to_string(appenders);
            std::printf("%-8s %10.1f %12.0f\n", (name + "iB").c_str(), median(rates),
                        median(batch_rates));
            print_figure("append_" + name + "_mb_per_s", median(rates));
            print_figure("append_" + name + "_batches_per_s", median(batch_rates));
            // Not disturbed by other processes taking the CPU, as the rates are on a loaded
            // machine: fio's job reports the same (usr_cpu + sys_cpu over its runtime).
            print_figure("append_" + name + "_cpu_us_per_batch", median(cpu_per_batch));
            std::fflush(stdout);
        }
    }

    if (wanted(modes, "durable")) {
        std::printf(
            "\ndurable appends (flush.messages=1), 4 KiB batches, %ld appends per run; "
            "microseconds\n",
            durable_appends);
        std::printf("%-10s %9s %9s %9s %9s %10s %12s\n", "appenders", "p50", "p99", "p99.9", "max",
                    "appends/s", "syncs/append");
        for (int appenders : {1, 4, 16, 64}) {
            std::vector<latency_summary> latencies;
            std::vector<double> syncs;
            for (long run = 0; run < runs; ++run) {
                auto outcome = run_durable(base, appenders, durable_appends);
                latencies.push_back(outcome.latency);
                syncs.push_back(outcome.fdatasyncs_per_append);
            }
            const auto row = median_of_runs(latencies);
            std::printf("%-10d %9.1f %9.1f %9.1f %9.1f %10.0f %12.3f\n", appenders,
                        row.p50_ns / 1e3, row.p99_ns / 1e3, row.p999_ns / 1e3, row.max_ns / 1e3,
                        row.per_second, median(syncs));
            const std::string prefix = "durable_" + std::to_string(appenders) + "_";
            print_figure(prefix + "p50_us", row.p50_ns / 1e3);
            print_figure(prefix + "p99_us", row.p99_ns / 1e3);
            print_figure(prefix + "p999_us", row.p999_ns / 1e3);
            print_figure(prefix + "max_us", row.max_ns / 1e3);
            print_figure(prefix + "appends_per_s", row.per_second);
            print_figure(prefix + "syncs_per_append", median(syncs));
            std::fflush(stdout);
        }
    }

    if (wanted(modes, "recovery")) {
        std::printf(
            "\nrecovery after SIGKILL: %llu MiB over %d partitions (page cache kept, as "
            "after a process crash%s); writer's recovery checkpoints every %lld ms%s or past "
            "%llu MiB\n",
            static_cast<unsigned long long>(recovery_bytes >> 20), partitions,
            written_back ? "; written back with sync() before the opens" : "",
            static_cast<long long>(checkpoint_ms), checkpoint_ms > 0 ? "" : " (off)",
            static_cast<unsigned long long>(checkpoint_bytes >> 20));
        std::printf("%-4s %10s %10s %12s %13s %13s %13s %14s %12s\n", "run", "open_s",
                    "segments", "batches", "scanned_MiB", "trusted_MiB", "indexed_MiB",
                    "bytes_dropped", "on_disk_MiB");
        std::vector<double> times;
        std::vector<double> scanned;
        for (long run = 0; run < runs; ++run) {
            auto outcome = run_recovery(base, partitions, recovery_bytes, checkpoint_ms,
                                        checkpoint_bytes, written_back);
            times.push_back(outcome.seconds);
            scanned.push_back(static_cast<double>(outcome.bytes_scanned) / (1 << 20));
            std::printf("%-4ld %10.3f %10llu %12llu %13.1f %13.1f %13.1f %14llu %12llu\n", run + 1,
                        outcome.seconds,
                        static_cast<unsigned long long>(outcome.segments_scanned),
                        static_cast<unsigned long long>(outcome.batches_scanned),
                        static_cast<double>(outcome.bytes_scanned) / (1 << 20),
                        static_cast<double>(outcome.bytes_trusted) / (1 << 20),
                        static_cast<double>(outcome.bytes_indexed) / (1 << 20),
                        static_cast<unsigned long long>(outcome.bytes_dropped),
                        static_cast<unsigned long long>(outcome.bytes_on_disk >> 20));
            std::fflush(stdout);
        }
        std::printf("median open (recovery) time: %.3f s\n", median(times));
        print_figure("recovery_s", median(times));
        print_figure("recovery_scanned_mib", median(scanned));
    }

    if (wanted(modes, "sendfile")) {
        std::printf(
            "\nsegment reads to a loopback socket (partition_log::read + splice), %llu MiB "
            "per run\n",
            static_cast<unsigned long long>(sendfile_bytes >> 20));
        for (bool cold : {true, false}) {
            std::vector<sendfile_run> outcomes;
            for (long run = 0; run < runs; ++run) {
                outcomes.push_back(run_sendfile(base, sendfile_bytes, cold));
            }
            print_sendfile(cold ? "sendfile_cold" : "sendfile_warm", outcomes);
        }
    }

    if (own_base) {
        std::error_code ignored;
        std::filesystem::remove_all(base, ignored);
    }
    return 0;
}
