// The cap on open logs (laminar.log.open.max): opening one more closes the least recently used
// idle log cleanly (it reopens on demand scanning nothing, its data kept); a log held by a lease
// or pinned by get() is never closed, so the shard goes over the cap rather than wait, and
// trim_to_cap (the maintenance tick) closes the excess once it is idle.
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "../storage/storage_test_util.h"
#include "broker/partition_manager.h"
#include "core/reactor.h"
#include "core/wait_group.h"
#include "ctl/metadata_commands.h"
#include "storage/partition_log.h"

namespace laminar::broker {
namespace {

using storage::testing::make_batch;
using storage::testing::run_on_reactor;
using storage::testing::temporary_directory;

namespace fs = std::filesystem;

ctl::metadata_image image_with_topics(const std::vector<std::string>& names) {
    ctl::metadata_image image;
    std::vector<ctl::metadata_record> brokers{ctl::metadata_record::of(ctl::register_broker_record{
        1, ctl::random_uuid(), {{"PLAINTEXT", "127.0.0.1", 9092}}, ""})};
    EXPECT_TRUE(image.apply(brokers));
    auto generator = std::make_shared<std::mt19937>(11);
    for (const auto& name : names) {
        ctl::create_topic_request request{name, 1, 1, {}, {}};
        auto planned = ctl::plan_create_topic(image, request, {},
                                              [generator] { return (*generator)(); });
        EXPECT_TRUE(planned);
        EXPECT_TRUE(image.apply(*planned));
    }
    return image;
}

bool has_marker(const std::string& data_dir, const std::string& topic) {
    return fs::exists(data_dir + "/" + topic + "-0/" + std::string(storage::clean_shutdown_file));
}

using log_ptr = std::shared_ptr<storage::partition_log>;

// A lease on the log of partition 0 of `topic` (null when refused).
task<log_ptr> lease(partition_manager& partitions, const ctl::metadata_image& image,
                    std::string topic) {
    auto got = co_await partitions.acquire(image, std::move(topic), 0);
    EXPECT_TRUE(got);
    co_return got ? *got : nullptr;
}

// lease() as a task of its own: `out` gets the lease, then `done` is told.
task<void> lease_into(partition_manager& partitions, const ctl::metadata_image& image,
                      std::string topic, log_ptr& out, wait_group& done) {
    out = co_await lease(partitions, image, std::move(topic));
    done.done();
}

TEST(partition_manager, the_cap_closes_the_least_recently_used_idle_log_cleanly) {
    temporary_directory dir;
    auto image = image_with_topics({"a", "b", "c"});
    partition_manager partitions(dir.path(), 0, 1, 2);
    EXPECT_EQ(partitions.open_logs_max(), 2u);
    auto body = [&]() -> task<void> {
        const std::string a_name = "a", b_name = "b", c_name = "c";
        for (const std::string& topic : {a_name, b_name}) {
            log_ptr log = co_await lease(partitions, image, topic);
            if (!log) co_return;
            auto batch = make_batch(3, 100, 1000, 1);
            EXPECT_TRUE(co_await log->append(batch));
        }
        EXPECT_EQ(partitions.open_logs(), 2u);
        log_ptr touched = co_await lease(partitions, image, a_name);  // b is now the oldest
        touched.reset();
        log_ptr c = co_await lease(partitions, image, c_name);
        EXPECT_EQ(partitions.open_logs(), 2u);
        EXPECT_EQ(partitions.logs_closed_for_room(), 1u);
        EXPECT_TRUE(has_marker(dir.path(), "b"));  // closed cleanly
        EXPECT_FALSE(has_marker(dir.path(), "a"));
        // b reopens on demand: clean, nothing scanned, its records kept. c is held (a lease),
        // so a, the oldest idle log, makes room.
        log_ptr b = co_await lease(partitions, image, b_name);
        if (!b) co_return;
        EXPECT_TRUE(b->recovery_report().clean_shutdown);
        EXPECT_EQ(b->recovery_report().segments_scanned, 0u);
        EXPECT_EQ(b->log_end_offset(), 3);
        EXPECT_EQ(partitions.logs_closed_for_room(), 2u);
        EXPECT_TRUE(has_marker(dir.path(), "a"));
        // Both open logs are held: opening a third goes over the cap and closes nothing.
        log_ptr a = co_await lease(partitions, image, a_name);
        EXPECT_EQ(partitions.open_logs(), 3u);
        EXPECT_EQ(partitions.logs_closed_for_room(), 2u);
        EXPECT_EQ(a ? a->log_end_offset() : -1, 3);
        // The maintenance tick's trim closes nothing while all three are held, then the least
        // recently used once it is idle: back under the cap.
        co_await partitions.trim_to_cap();
        EXPECT_EQ(partitions.open_logs(), 3u);
        c.reset();
        co_await partitions.trim_to_cap();
        EXPECT_EQ(partitions.open_logs(), 2u);
        EXPECT_EQ(partitions.logs_closed_for_room(), 3u);
        EXPECT_TRUE(has_marker(dir.path(), "c"));
        a.reset();
        b.reset();
        co_await partitions.trim_to_cap();
        EXPECT_EQ(partitions.open_logs(), 2u);
        co_await partitions.close_all();
    };
    run_on_reactor(body);
}

// A log handed out by get() (the group coordinator keeps it) is pinned: never closed for room.
TEST(partition_manager, a_pinned_log_is_never_closed_for_room) {
    temporary_directory dir;
    auto image = image_with_topics({"pinned", "x", "y"});
    partition_manager partitions(dir.path(), 0, 1, 1);
    auto body = [&]() -> task<void> {
        const std::string name = "pinned", x_name = "x", y_name = "y";
        auto pinned = co_await partitions.get(image, name, 0);
        EXPECT_TRUE(pinned);
        log_ptr x = co_await lease(partitions, image, x_name);
        EXPECT_TRUE(x);
        x.reset();
        log_ptr y = co_await lease(partitions, image, y_name);
        EXPECT_TRUE(y);
        y.reset();
        // x was idle when y opened: closed; the pinned log stays open.
        EXPECT_EQ(partitions.open_logs(), 2u);
        EXPECT_EQ(partitions.logs_closed_for_room(), 1u);
        EXPECT_TRUE(has_marker(dir.path(), "x"));
        EXPECT_FALSE(has_marker(dir.path(), "pinned"));
        co_await partitions.close_all();
    };
    run_on_reactor(body);
}

// An open in flight counts as open. Under a cap of 3 with a and b open and idle, d's open
// starts first: room for it, no close. c's starts while d's is in flight (d's first disk read is
// still out when c runs, both being queued on the reactor together): c must close a, or d's
// landing after it puts four logs open under a cap of 3.
TEST(partition_manager, opens_in_flight_count_toward_the_cap) {
    temporary_directory dir;
    auto image = image_with_topics({"a", "b", "c", "d"});
    partition_manager partitions(dir.path(), 0, 1, 3);
    auto body = [&]() -> task<void> {
        const std::string a_name = "a", b_name = "b", c_name = "c", d_name = "d";
        for (const std::string& name : {a_name, b_name}) {
            log_ptr idle = co_await lease(partitions, image, name);
            EXPECT_TRUE(idle);
        }
        EXPECT_EQ(partitions.open_logs(), 2u);
        log_ptr c, d;
        wait_group both;
        both.add(2);
        reactor::current().spawn(lease_into(partitions, image, d_name, d, both));
        reactor::current().spawn(lease_into(partitions, image, c_name, c, both));
        co_await both.wait();
        EXPECT_TRUE(c && d);
        EXPECT_EQ(partitions.open_logs(), 3u);
        EXPECT_EQ(partitions.logs_closed_for_room(), 1u);
        c.reset();
        d.reset();
        co_await partitions.close_all();
    };
    run_on_reactor(body);
}

}  // namespace
}  // namespace laminar::broker
