// Sealing a rolled segment off the append path: the append that rolls only trims the full
// segment and starts the next; the seal (fdatasync, index files, directory sync, recovery-point
// checkpoint) follows in a task on the shard. A process killed before a seal finishes leaves the
// recovery point behind the unsealed segment, so reopening scans it and keeps every batch. (Kills
// at random moments, seals included: crash_test's flush-none case.)
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "storage/checkpoint.h"
#include "storage/partition_log.h"
#include "storage_test_util.h"

namespace laminar::storage {
namespace {

using namespace testing;

constexpr int batches_after_roll = 3;
constexpr int exit_sealed_before_kill = 2;

std::vector<std::byte> batch_number(int k) { return make_batch(1, 900, 1000 + k, k); }

log_options seal_options(const std::string& dir) {
    auto options = options_in(dir);
    options.config.segment_bytes = 32 << 10;
    options.config.preallocate_extent_bytes = 16 << 10;
    return options;
}

// In a child: appends until the log rolls and a few batches more, then exits at once (as a
// crash: the page cache keeps what was written). Exit 0 when the seal was still unfinished,
// exit_sealed_before_kill when it had finished (then the kill point was missed), else a check.
[[noreturn]] void run_until_roll(const log_options& options) {
    int outcome = 0;
    auto main = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        if (!opened) co_return void(outcome = 10);
        auto& log = **opened;
        int k = 0;
        while (log.segment_count() == 1) {
            auto batch = batch_number(k++);
            if (!co_await log.append(batch)) co_return void(outcome = 11);
        }
        // Trimmed by the roll itself: the full segment ends at its last batch.
        if (file_size(log.segments()[0]->log_path()) != log.segments()[0]->size_bytes()) {
            co_return void(outcome = 12);
        }
        for (int i = 0; i < batches_after_roll; ++i) {
            auto batch = batch_number(k++);
            if (!co_await log.append(batch)) co_return void(outcome = 13);
        }
        outcome = log.recovery_point() == 0 ? 0 : exit_sealed_before_kill;
        _exit(outcome);
    };
    run_on_reactor_and_exit(main, outcome);
}

TEST(seal, reopen_after_an_interrupted_seal_keeps_every_batch) {
    int interrupted = 0;
    for (int attempt = 0; attempt < 5; ++attempt) {
        temporary_directory dir;
        const auto options = seal_options(dir.path());
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) run_until_roll(options);
        int child_status = 0;
        ASSERT_EQ(::waitpid(child, &child_status, 0), child);
        ASSERT_TRUE(WIFEXITED(child_status));
        const int code = WEXITSTATUS(child_status);
        ASSERT_TRUE(code == 0 || code == exit_sealed_before_kill) << code;
        if (code == 0) ++interrupted;

        auto body = [&]() -> task<void> {
            auto opened = co_await partition_log::open(options);
            EXPECT_TRUE(opened);
            if (!opened) co_return;
            auto& log = **opened;
            EXPECT_EQ(log.segment_count(), 2u);
            // Interrupted: the recovery point stayed at 0, both segments were scanned.
            if (code == 0) {
                EXPECT_EQ(log.recovery_report().segments_scanned, 2u);
            }
            const std::int64_t end = log.log_end_offset();
            // The append that rolled went to the new segment, then batches_after_roll more.
            EXPECT_EQ(end, log.segments()[1]->base_offset() + 1 + batches_after_roll);
            for (std::int64_t k = 0; k < end; ++k) {
                auto expected = batch_number(static_cast<int>(k));
                set_base_offset(expected, k);
                auto read = co_await log.read(k, 1);
                EXPECT_TRUE(read);
                if (!read) co_return;
                EXPECT_EQ(bytes_of(read->range), expected) << k;
            }
            // The log takes appends and seals again.
            auto more = batch_number(static_cast<int>(end));
            EXPECT_TRUE(co_await log.append(more));
            EXPECT_TRUE(co_await log.close());
        };
        run_on_reactor(body);
    }
    // The seal's fdatasync takes far longer than three page-cache appends.
    EXPECT_GT(interrupted, 0);
}

// flush() returns once the seals in flight are done: the rolled segment is synced, its index
// files are written and the recovery point has passed it.
TEST(seal, flush_waits_for_the_seal_and_moves_the_recovery_point) {
    temporary_directory dir;
    const auto options = seal_options(dir.path());
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        int k = 0;
        while (log.segment_count() < 4) {
            auto batch = batch_number(k++);
            EXPECT_TRUE(co_await log.append(batch));
        }
        EXPECT_TRUE(co_await log.flush());
        EXPECT_EQ(log.recovery_point(), log.segments()[3]->base_offset());
        for (std::size_t i = 0; i < 3; ++i) {
            const auto& each = *log.segments()[i];
            EXPECT_EQ(file_size(each.log_path()), each.size_bytes());
            const std::string index = log.dir() + "/" +
                                      segment_file_name(each.base_offset(), index_suffix);
            EXPECT_EQ(file_size(index), each.offset_entries().size() * offset_index_entry_bytes);
        }
        EXPECT_TRUE(co_await log.close());
    };
    run_on_reactor(body);
}


// A close() that a seal refuses (here its recovery-point checkpoint: a directory stands where
// the checkpoint's temporary file goes) returns its error only once the flush an append started
// (flush.messages) has ended too: the owner may destroy the log as soon as close() returns
// (partition_manager does, closing a log for room or dropping its topic), and the destructor
// asserts that no flush is running.
TEST(seal, a_close_refused_by_a_seal_leaves_no_flush_running) {
    temporary_directory dir;
    auto options = seal_options(dir.path());
    options.config.flush_messages = 2;  // the second message starts a flush, not awaited
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        std::unique_ptr<partition_log> log = std::move(*opened);
        const std::string blocker = log->dir() + "/" + std::string(recovery_point_file) +
                                    std::string(checkpoint_temporary_suffix);
        EXPECT_TRUE(std::filesystem::create_directory(blocker));
        // Two batches of 20 KiB: the second rolls the 32 KiB segment (a seal starts) and,
        // being the second message, starts a flush, which waits for the seal.
        for (int k = 0; k < 2; ++k) {
            auto batch = make_batch(1, 20 << 10, 1000 + k, k);
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_EQ(log->segment_count(), 2u);
        co_await io::yield();  // the seal and the flush take their first steps
        auto closed = co_await log->close();
        EXPECT_FALSE(closed);
        log.reset();  // a flush still running here trips ~partition_log's assert
    };
    run_on_reactor(body);
}

// A close() that fails past its seals (here its recovery-point checkpoint: a directory stands
// where the checkpoint's temporary file goes) leaves the log closed but not cleanly; a second
// close() must say so rather than report success (its owner may retry a failed close).
TEST(seal, a_second_close_after_a_failed_one_reports_the_failure) {
    temporary_directory dir;
    const auto options = seal_options(dir.path());
    auto body = [&]() -> task<void> {
        auto opened = co_await partition_log::open(options);
        EXPECT_TRUE(opened);
        if (!opened) co_return;
        auto& log = **opened;
        auto batch = batch_number(0);
        EXPECT_TRUE(co_await log.append(batch));
        const std::string blocker = log.dir() + "/" + std::string(recovery_point_file) +
                                    std::string(checkpoint_temporary_suffix);
        EXPECT_TRUE(std::filesystem::create_directory(blocker));
        EXPECT_FALSE(co_await log.close());
        EXPECT_TRUE(log.failed());
        auto again = co_await log.close();
        EXPECT_FALSE(again);
        if (!again) {
            EXPECT_EQ(again.error(), errc::log_failed);
        }
    };
    run_on_reactor(body);
}

// Runs `scenario(options)` in a forked child, which exits with the number of the check that
// failed (0: all held), and returns that exit code; -1 when the child did not exit normally.
int exit_code_of_child(void (*scenario)(const log_options&), const log_options& options) {
    const pid_t child = ::fork();
    if (child < 0) return -1;
    if (child == 0) scenario(options);  // never returns
    int child_status = 0;
    if (::waitpid(child, &child_status, 0) != child || !WIFEXITED(child_status)) return -1;
    return WEXITSTATUS(child_status);
}

// UBSan's vptr check (the asan preset) asks whether an object's vtable is readable through a
// pipe (sanitizer_common's IsAccessibleMemoryRange) the first time it meets a pairing of static
// and dynamic type; with no descriptor free pipe() fails, the vtable counts as unreadable and a
// live object is reported as "member call on address ... which does not point to an object of
// type '_Sp_counted_base'" (invalid vptr), failing the child with exit 1. The pairs it has met
// are cached for the process. So before taking every descriptor, a child runs the steps its
// scenario takes on a log of its own (a roll, its seal, a flush, a timer, a close; under
// `options`' flush policy) in a sibling data directory, with descriptors to spare.
task<bool> rehearse_with_descriptors_free(const log_options& options) {
    auto rehearsal = options;
    rehearsal.data_dir = options.data_dir + "/rehearsal";
    std::error_code made;
    std::filesystem::create_directories(rehearsal.data_dir, made);
    if (made) co_return false;
    auto opened = co_await partition_log::open(rehearsal);
    if (!opened) co_return false;
    auto& log = **opened;
    for (int k = 0; log.segment_count() < 2; ++k) {
        auto batch = batch_number(k);
        if (!co_await log.append(batch)) co_return false;
    }
    if (!co_await log.flush()) co_return false;
    co_await io::sleep_for(std::chrono::milliseconds(1));
    co_return static_cast<bool>(co_await log.close());
}

// In a child (the descriptor table is the process's): fills the first segment, takes every free
// descriptor but one, and appends the batch that rolls. The new segment's file takes the last
// one, so the seal cannot open the data directory to sync it (a new log's first seal syncs the
// directories): EMFILE. Nothing was synced or lost; the log must keep serving and seal once
// descriptors are free again. Exit 0 when it does; anything else names the check that failed.
[[noreturn]] void run_seal_short_of_descriptors(const log_options& options) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(10);
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_cur, 256);  // few to take
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(11);
    int outcome = 0;
    auto main = [&]() -> task<void> {
        if (!co_await rehearse_with_descriptors_free(options)) co_return void(outcome = 9);
        auto opened = co_await partition_log::open(options);
        if (!opened) co_return void(outcome = 12);
        auto& log = **opened;
        int k = 0;
        const std::uint64_t batch_bytes = batch_number(0).size();
        while (log.active_segment().size_bytes() + batch_bytes <= options.config.segment_bytes) {
            auto batch = batch_number(k++);
            if (!co_await log.append(batch)) co_return void(outcome = 13);
        }
        std::vector<int> taken;
        for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) taken.push_back(fd);
        if (errno != EMFILE || taken.empty()) co_return void(outcome = 14);
        ::close(taken.back());
        taken.pop_back();
        auto rolling = batch_number(k++);
        if (!co_await log.append(rolling)) co_return void(outcome = 15);
        if (log.segment_count() != 2) co_return void(outcome = 16);
        if (co_await log.flush()) co_return void(outcome = 17);  // the seal could not finish
        if (log.failed()) co_return void(outcome = 18);
        for (int fd : taken) ::close(fd);
        if (!co_await log.flush()) co_return void(outcome = 19);
        if (log.failed() || log.recovery_point() != log.segments()[1]->base_offset()) {
            co_return void(outcome = 20);
        }
        auto more = batch_number(k++);
        if (!co_await log.append(more)) co_return void(outcome = 21);
        if (!co_await log.close()) co_return void(outcome = 22);
    };
    run_on_reactor_and_exit(main, outcome);
}

TEST(seal, one_short_of_descriptors_leaves_the_log_serving_and_is_retried) {
    temporary_directory dir;
    EXPECT_EQ(exit_code_of_child(run_seal_short_of_descriptors, seal_options(dir.path())), 0);
}

// In a child: a new log's first durable append (flush.messages=1) syncs the directories'
// names, and finds no descriptor free to open them (EMFILE). The batch is in the log already:
// failing its append would let a producer's retry write it twice. So the flush tries again;
// freed 50 ms later, the append is acknowledged. A second log whose shortage lasts fails the
// append after about a second, as a seal refused for as long does, and keeps serving (EMFILE is
// no failed fsync): once descriptors are free its next durable append syncs the directories and
// both batches are durable. Exit 0 when all holds; anything else names the check.
[[noreturn]] void run_durable_append_short_of_descriptors(const log_options& options) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(10);
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_cur, 256);
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(11);
    int outcome = 0;
    auto main = [&]() -> task<void> {
        auto brief_options = options;
        brief_options.config.flush_messages = 1;
        auto lasting_options = brief_options;
        lasting_options.partition = brief_options.partition + 1;
        if (!co_await rehearse_with_descriptors_free(brief_options)) co_return void(outcome = 9);
        auto brief = co_await partition_log::open(brief_options);
        auto lasting = co_await partition_log::open(lasting_options);
        if (!brief || !lasting) co_return void(outcome = 12);
        std::vector<int> taken;
        for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) taken.push_back(fd);
        if (errno != EMFILE || taken.empty()) co_return void(outcome = 13);
        auto give_back = [&taken]() -> task<void> {
            co_await io::sleep_for(std::chrono::milliseconds(50));
            for (int fd : taken) ::close(fd);
            taken.clear();
        };
        reactor::current().spawn(give_back());
        auto first = batch_number(0);
        if (!co_await (*brief)->append(first)) co_return void(outcome = 14);
        if ((*brief)->failed()) co_return void(outcome = 15);
        for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) taken.push_back(fd);
        auto second = batch_number(0);
        const auto started = std::chrono::steady_clock::now();
        if (co_await (*lasting)->append(second)) co_return void(outcome = 16);
        if ((*lasting)->failed() || (*lasting)->directories_durable()) {
            co_return void(outcome = 17);
        }
        if (std::chrono::steady_clock::now() - started < std::chrono::milliseconds(500)) {
            co_return void(outcome = 18);  // failed without trying again
        }
        for (int fd : taken) ::close(fd);
        auto third = batch_number(1);
        auto appended = co_await (*lasting)->append(third);
        if (!appended || appended->base_offset != 1) co_return void(outcome = 19);
        if (!(*lasting)->directories_durable()) co_return void(outcome = 20);
        if (!co_await (*brief)->close()) co_return void(outcome = 21);
        if (!co_await (*lasting)->close()) co_return void(outcome = 22);
    };
    run_on_reactor_and_exit(main, outcome);
}

TEST(seal, a_durable_append_short_of_descriptors_waits_for_them_instead_of_failing) {
    temporary_directory dir;
    EXPECT_EQ(
        exit_code_of_child(run_durable_append_short_of_descriptors, seal_options(dir.path())), 0);
}

// In a child: a log of three segments, all sealed; truncate_to the active segment's base
// removes that segment's files and then syncs the directory, and finds no descriptor free to
// open it (EMFILE). The files are gone and the offsets not yet moved: the log must fail rather
// than go on serving a gap. Exit 0 when it does; anything else names the check.
[[noreturn]] void run_truncation_short_of_descriptors(const log_options& options) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(10);
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_cur, 256);
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(11);
    int outcome = 0;
    auto three_segments = [](partition_log& log) -> task<bool> {
        for (int k = 0; log.segment_count() < 3; ++k) {
            auto batch = batch_number(k);
            if (!co_await log.append(batch)) co_return false;
        }
        co_return static_cast<bool>(co_await log.flush());
    };
    auto main = [&]() -> task<void> {
        // The steps once with descriptors to spare (see rehearse_with_descriptors_free).
        auto rehearsal = options;
        rehearsal.data_dir = options.data_dir + "/rehearsal";
        std::error_code made;
        std::filesystem::create_directories(rehearsal.data_dir, made);
        if (made) co_return void(outcome = 9);
        auto practice = co_await partition_log::open(rehearsal);
        if (!practice || !co_await three_segments(**practice)) co_return void(outcome = 9);
        if (!co_await (*practice)->truncate_to((*practice)->segments().back()->base_offset())) {
            co_return void(outcome = 9);
        }
        (void)co_await (*practice)->close();

        auto opened = co_await partition_log::open(options);
        if (!opened) co_return void(outcome = 12);
        auto& log = **opened;
        if (!co_await three_segments(log)) co_return void(outcome = 13);
        const std::int64_t cut = log.segments().back()->base_offset();
        if (log.recovery_point() > cut) co_return void(outcome = 14);  // nothing to rewrite first
        std::vector<int> taken;
        for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) taken.push_back(fd);
        if (errno != EMFILE || taken.empty()) co_return void(outcome = 15);
        if (co_await log.truncate_to(cut)) co_return void(outcome = 16);
        if (log.segment_count() != 2) co_return void(outcome = 17);  // the files went first
        if (!log.failed()) co_return void(outcome = 18);
        for (int fd : taken) ::close(fd);
    };
    run_on_reactor_and_exit(main, outcome);
}

TEST(seal, a_truncation_that_cannot_sync_its_directory_fails_the_log) {
    temporary_directory dir;
    EXPECT_EQ(exit_code_of_child(run_truncation_short_of_descriptors, seal_options(dir.path())), 0);
}

constexpr int exit_no_mount_privilege = 77;

// In a child with its own mount namespace: new logs in one data directory, each with a batch
// appended, whose first flush (or seal) syncs the data directory (the entry of its partition
// directory). While /proc/sys is bind-mounted over the data directory, the first log's flush
// opens that instead and its fsync fails (procfs directories have none: EINVAL), as a disk's
// error would. The mount gone, the second log's flush finds a directory that fsyncs again, and
// a retried fsync may report 0 with the entries lost (fsyncgate): it must fail too, not count
// its directory durable. A third log rolls: its seal's directory sync fails the same way, and
// fails the log (unlike a directory that cannot be opened for want of a descriptor, which the
// seal retries). A fourth log, on another thread's reactor (another shard), fails its flush too:
// the failure is the process's, not one shard's. Exit 0 when all four failed; anything else names
// the check.
[[noreturn]] void run_failed_data_dir_sync(const log_options& options) {
    if (::unshare(CLONE_NEWNS) != 0) _exit(errno == EPERM ? exit_no_mount_privilege : 10);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(11);
    int outcome = 0;
    auto main = [&]() -> task<void> {
        auto second_options = options;
        second_options.partition = options.partition + 1;
        auto third_options = options;
        third_options.partition = options.partition + 2;
        auto first = co_await partition_log::open(options);
        auto second = co_await partition_log::open(second_options);
        auto third = co_await partition_log::open(third_options);
        if (!first || !second || !third) co_return void(outcome = 12);
        for (auto* log : {first->get(), second->get()}) {
            auto batch = batch_number(0);
            if (!co_await log->append(batch)) co_return void(outcome = 13);
        }
        const char* data_dir = options.data_dir.c_str();
        if (::mount("/proc/sys", data_dir, nullptr, MS_BIND, nullptr) != 0) {
            co_return void(outcome = errno == EPERM ? exit_no_mount_privilege : 14);
        }
        const bool first_flushed = static_cast<bool>(co_await (*first)->flush());
        if (::umount2(data_dir, 0) != 0) co_return void(outcome = 15);
        if (first_flushed || !(*first)->failed()) co_return void(outcome = 16);
        if (co_await (*second)->flush()) co_return void(outcome = 17);
        if (!(*second)->failed() || (*second)->directories_durable()) {
            co_return void(outcome = 18);
        }
        auto& rolling = **third;
        for (int k = 0; rolling.segment_count() == 1; ++k) {
            auto batch = batch_number(k);
            if (!co_await rolling.append(batch)) co_return void(outcome = 19);
        }
        if (co_await rolling.flush()) co_return void(outcome = 20);  // waits for the seal
        if (!rolling.failed() || rolling.recovery_point() != 0) co_return void(outcome = 21);
    };
    if (!run_on_new_reactor(main)) _exit(99);
    if (outcome != 0) _exit(outcome);
    // Another shard of the process (a thread with its own reactor): its own fsync of the data
    // directory would succeed now, the mount gone, and must not be believed either.
    auto fourth_options = options;
    fourth_options.partition = options.partition + 3;
    auto other_main = [&]() -> task<void> {
        auto fourth = co_await partition_log::open(fourth_options);
        if (!fourth) co_return void(outcome = 22);
        auto batch = batch_number(0);
        if (!co_await (*fourth)->append(batch)) co_return void(outcome = 23);
        if (co_await (*fourth)->flush()) co_return void(outcome = 24);
        if (!(*fourth)->failed()) co_return void(outcome = 25);
    };
    std::thread other_shard([&] {
        if (!run_on_new_reactor(other_main)) outcome = 26;
    });
    other_shard.join();
    _exit(outcome);
}

TEST(seal, a_failed_data_directory_fsync_fails_every_log_that_needs_it) {
    temporary_directory dir;
    const int exit_code = exit_code_of_child(run_failed_data_dir_sync, seal_options(dir.path()));
    if (exit_code == exit_no_mount_privilege) {
        GTEST_SKIP() << "needs CAP_SYS_ADMIN for a mount namespace";
    }
    EXPECT_EQ(exit_code, 0);
}

// Appends to `log` until it has rolled (a seal starts); batch numbers from `k` on.
task<bool> append_until_roll(partition_log& log, int k) {
    const std::size_t segments = log.segment_count();
    while (log.segment_count() == segments) {
        auto batch = batch_number(k++);
        if (!co_await log.append(batch)) co_return false;
    }
    co_return true;
}

// A log under `options` whose files' names are durable (its first flush synced the directories),
// so that its seals sync the partition directory once, for the next segment's name, before the
// checkpoint.
task<std::unique_ptr<partition_log>> open_with_names_durable(const log_options& options) {
    auto opened = co_await partition_log::open(options);
    if (!opened) co_return nullptr;
    auto first = batch_number(0);
    if (!co_await (*opened)->append(first) || !co_await (*opened)->flush()) co_return nullptr;
    if (!(*opened)->directories_durable()) co_return nullptr;
    co_return std::move(*opened);
}

// A seal's fsync of the partition directory fails (EIO through the test seam on storage's
// directory fsyncs: only that directory's): the log fails, as after its data directory's or
// its data's, and the recovery point stays behind the segment. Both branches: a new log's first
// seal syncs its names (the data directory passes, the partition directory fails); a log whose
// names are durable syncs the partition directory for the next segment's name.
TEST(seal, a_failed_partition_directory_fsync_fails_the_log) {
    temporary_directory dir;
    const auto options = seal_options(dir.path());
    auto named_options = options;
    named_options.partition = options.partition + 1;
    auto body = [&]() -> task<void> {
        auto fresh = co_await partition_log::open(options);
        auto named = co_await open_with_names_durable(named_options);
        EXPECT_TRUE(fresh && named);
        if (!fresh || !named) co_return;
        EXPECT_FALSE((*fresh)->directories_durable());
        for (partition_log* log : {fresh->get(), named.get()}) {
            failing_fsyncs failing(log->dir());
            EXPECT_TRUE(co_await append_until_roll(*log, 1));
            EXPECT_FALSE(co_await log->flush());  // waits for the seal
            EXPECT_EQ(failing.failed(), 1) << log->dir();
            EXPECT_TRUE(log->failed()) << log->dir();
            EXPECT_EQ(log->recovery_point(), 0) << log->dir();
        }
    };
    run_on_reactor(body);
}

// A seal's recovery-point checkpoint is its last durable step: a failed fsync there, of the
// checkpoint's file or of the directory after its rename, fails the log as every fsync of the
// seal does (a retried fsync may report 0 with the checkpoint lost: fsyncgate). A checkpoint
// refused before any fsync (a directory stands where its temporary goes, as a full disk or a
// shortage of descriptors would refuse it) synced nothing: the log keeps serving and the seal
// is retried once the way is clear.
TEST(seal, a_failed_fsync_in_a_seals_checkpoint_fails_the_log) {
    temporary_directory dir;
    const auto options = seal_options(dir.path());
    auto options_of = [&options](int partition) {
        auto each = options;
        each.partition = partition;
        return each;
    };
    const std::string temporary =
        std::string(recovery_point_file) + std::string(checkpoint_temporary_suffix);
    auto body = [&]() -> task<void> {
        auto file_fault = co_await open_with_names_durable(options_of(0));
        auto directory_fault = co_await open_with_names_durable(options_of(1));
        auto refused = co_await open_with_names_durable(options_of(2));
        EXPECT_TRUE(file_fault && directory_fault && refused);
        if (!file_fault || !directory_fault || !refused) co_return;
        {
            failing_fsyncs failing(file_fault->dir() + "/" + temporary);
            EXPECT_TRUE(co_await append_until_roll(*file_fault, 1));
            EXPECT_FALSE(co_await file_fault->flush());
            EXPECT_EQ(failing.failed(), 1);
            EXPECT_TRUE(file_fault->failed());
            EXPECT_EQ(file_fault->recovery_point(), 0);
        }
        {
            // The seal's own sync of the directory (the next segment's name) passes.
            failing_fsyncs failing(directory_fault->dir(), 1);
            EXPECT_TRUE(co_await append_until_roll(*directory_fault, 1));
            EXPECT_FALSE(co_await directory_fault->flush());
            EXPECT_EQ(failing.failed(), 1);
            EXPECT_TRUE(directory_fault->failed());
            EXPECT_EQ(directory_fault->recovery_point(), 0);
        }
        const std::string blocker = refused->dir() + "/" + temporary;
        EXPECT_TRUE(std::filesystem::create_directory(blocker));
        EXPECT_TRUE(co_await append_until_roll(*refused, 1));
        EXPECT_FALSE(co_await refused->flush());
        EXPECT_FALSE(refused->failed());
        EXPECT_EQ(refused->recovery_point(), 0);
        std::filesystem::remove(blocker);
        EXPECT_TRUE(co_await refused->flush());
        EXPECT_EQ(refused->recovery_point(), refused->segments()[1]->base_offset());
        EXPECT_TRUE(co_await refused->close());
    };
    run_on_reactor(body);
}

}  // namespace
}  // namespace laminar::storage
