// laminar-bench against a real laminar-broker process: ~2 s at a low rate through librdkafka
// (kafka) and through Laminar's own codec (native, also busy-polling), JSON output checked for
// every sent record acknowledged and consumed exactly once; then `laminar-bench plot` over the
// runs. Low rates and counts only: nothing here depends on timing.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/socket.h"
#include "tests/integration/process.h"

namespace laminar {
namespace {

using testing::free_port;
using testing::read_text;
using testing::temp_dir;

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;




class bench_tool : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        _dir = new temp_dir;
        _bootstrap = "127.0.0.1:" + std::to_string(free_port());
        _broker = new testing::process({LAMINAR_BROKER_BINARY, "--dev", "--listen", _bootstrap},
                                       _dir->path);
        ASSERT_TRUE(_broker->wait_for_output("listening on " + _bootstrap, 10s))
            << _broker->stdout_text() << _broker->stderr_text();
    }
    static void TearDownTestSuite() {
        _broker->signal(SIGTERM);
        EXPECT_EQ(_broker->wait_for_exit(20s), std::optional<int>(0)) << _broker->stderr_text();
        delete _broker;
        delete _dir;
    }

    // Runs laminar-bench with args in its own directory; returns its exit status and stdout.
    static std::pair<std::optional<int>, std::string> run_bench(const std::string& name,
                                                                std::vector<std::string> args) {
        const std::string directory = _dir->path + "/" + name;
        fs::create_directories(directory);
        args.insert(args.begin(), LAMINAR_BENCH_BINARY);
        testing::process bench(args, directory);
        auto status = bench.wait_for_exit(60s);
        if (!status) ADD_FAILURE() << name << " did not finish: " << bench.stderr_text();
        return {status, bench.stdout_text() + (status == 0 ? "" : bench.stderr_text())};
    }

    static json run_load(const std::string& name, std::vector<std::string> extra) {
        std::vector<std::string> args = {
            "-b",       _bootstrap, "--topic",         name,
            "--rate",   "250",      "--duration",      "1.5",
            "--warmup", "0.5",      "--format",        "json",
            "--name",   name,       "--histogram-out", _dir->path + "/" + name + ".hgrm"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto [status, out] = run_bench(name, args);
        EXPECT_EQ(status, std::optional<int>(0)) << out;
        json result = json::parse(out, nullptr, false);
        EXPECT_FALSE(result.is_discarded()) << out;
        std::ofstream(_dir->path + "/" + name + ".json") << out;
        return result;
    }

    static void expect_exactly_once(const json& r, std::uint64_t scheduled) {
        ASSERT_TRUE(r.is_object());
        EXPECT_EQ(r["sent"], scheduled);
        EXPECT_EQ(r["acked"], r["sent"]);
        EXPECT_EQ(r["consumed"], r["sent"]);
        EXPECT_EQ(r["lost"], 0);
        EXPECT_EQ(r["duplicated"], 0);
        EXPECT_EQ(r["consumed_unacked"], 0);
        EXPECT_EQ(r["produce_errors"], 0) << r["first_error"];
        EXPECT_EQ(r["consume_errors"], 0) << r["first_error"];
        EXPECT_EQ(r["exactly_once"], true);
        // Both latencies cover the measured records (due after the warm-up) and are ordered.
        EXPECT_GT(r["e2e_latency"]["count"].get<std::uint64_t>(), 0u);
        EXPECT_EQ(r["e2e_latency"]["count"], r["ack_latency"]["count"]);
        for (const char* kind : {"ack_latency", "e2e_latency"}) {
            const auto& l = r[kind];
            EXPECT_LE(l["p50_us"].get<double>(), l["p99_us"].get<double>());
            EXPECT_LE(l["p99_us"].get<double>(), l["p99.9_us"].get<double>());
            EXPECT_LE(l["p99.99_us"].get<double>(), l["max_us"].get<double>());
            EXPECT_FALSE(l["distribution"].empty());
        }
        EXPECT_GT(r["throughput"]["acked_msgs_per_s"].get<double>(), 0);
    }

    static inline temp_dir* _dir = nullptr;
    static inline std::string _bootstrap;
    static inline testing::process* _broker = nullptr;
};

// 250 msg/s for 0.5 s warm-up + 1.5 s: 500 records scheduled.
constexpr std::uint64_t scheduled_records = 500;

TEST_F(bench_tool, kafka_target_through_librdkafka) {
    const json r = run_load("kafka-run", {"--target", "kafka", "--partitions", "3"});
    expect_exactly_once(r, scheduled_records);
    EXPECT_EQ(r["partitions"], 3);
    EXPECT_NE(read_text(_dir->path + "/kafka-run.hgrm").find("Percentile"), std::string::npos);
}

TEST_F(bench_tool, native_target_with_two_producers_and_consumers) {
    const json r = run_load(
        "native-run", {"--target", "native", "--partitions", "4", "--producers", "2", "--consumers",
                       "2", "--key-dist", "uniform:16", "--linger-ms", "2"});
    expect_exactly_once(r, scheduled_records);
}

TEST_F(bench_tool, native_target_busy_polling_with_compression) {
    const json r = run_load("native-busy", {"--target", "native", "--busy-poll", "--compression",
                                            "lz4", "--acks", "all"});
    expect_exactly_once(r, scheduled_records);
}

// --single-thread: one thread drives the producer's and the consumer's connections; the same
// bookkeeping must hold whether it spins or sleeps in ppoll on both sockets, pinned or not.
TEST_F(bench_tool, native_target_single_thread_busy_polling) {
    const json r = run_load("native-one-busy", {"--target", "native", "--single-thread",
                                                "--busy-poll", "--partitions", "3"});
    expect_exactly_once(r, scheduled_records);
    EXPECT_EQ(r["single_thread"], true);
    EXPECT_EQ(r["cpu"], nullptr);
}

TEST_F(bench_tool, native_target_single_thread_sleeping_pinned) {
    const json r = run_load("native-one-sleep", {"--target", "native", "--single-thread", "--cpu",
                                                 "0", "--linger-ms", "2"});
    expect_exactly_once(r, scheduled_records);
    EXPECT_EQ(r["cpu"], 0);
}

// A burst (10,000 msg/s) so that records fall due while the thread is reading fetch responses:
// they go out late, batched, and every one is still acknowledged and consumed once.
TEST_F(bench_tool, native_target_single_thread_under_a_burst) {
    auto [status, out] = run_bench(
        "native-one-burst", {"-b", _bootstrap, "--topic", "native-one-burst", "--target", "native",
                             "--single-thread", "--busy-poll", "--rate", "10000", "--duration",
                             "0.5", "--warmup", "0.1", "--format", "json"});
    EXPECT_EQ(status, std::optional<int>(0)) << out;
    expect_exactly_once(json::parse(out, nullptr, false), 6000);
}

// The one-thread mode has one producer connection and one consumer connection: anything else is
// refused before a record is sent (exit 2), as is a CPU number out of range.
TEST_F(bench_tool, single_thread_refuses_other_shapes) {
    const std::vector<std::vector<std::string>> refused = {
        {"--target", "native", "--single-thread", "--producers", "2"},
        {"--target", "native", "--single-thread", "--consumers", "2"},
        {"--target", "kafka", "--single-thread"},
        {"--target", "native", "--cpu", "100000"},
    };
    for (const auto& extra : refused) {
        std::vector<std::string> args = {"-b", _bootstrap, "--topic", "refused", "--duration", "1"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto [status, text] = run_bench("refused", args);
        EXPECT_EQ(status, std::optional<int>(2)) << extra[1] << ": " << text;
    }
}

// --trace-out: a row per scheduled record, each sent, acknowledged and consumed no earlier than
// it was sent.
TEST_F(bench_tool, trace_has_a_row_per_scheduled_record) {
    const std::string trace = _dir->path + "/trace.csv";
    const json r = run_load("native-trace", {"--target", "native", "--trace-out", trace});
    expect_exactly_once(r, scheduled_records);
    std::istringstream lines(read_text(trace));
    std::string line;
    ASSERT_TRUE(std::getline(lines, line));
    EXPECT_EQ(line, "k,intended_us,sent_us,acked_us,consumed_us");
    std::uint64_t rows = 0;
    double intended_before = -1;
    while (std::getline(lines, line)) {
        double k = 0, intended = 0, sent = 0, acked = 0, consumed = 0;
        ASSERT_EQ(std::sscanf(line.c_str(), "%lf,%lf,%lf,%lf,%lf", &k, &intended, &sent, &acked,
                              &consumed),
                  5)
            << line;
        EXPECT_EQ(k, static_cast<double>(rows));
        EXPECT_GT(intended, intended_before);  // 4 ms apart at 250 msg/s
        EXPECT_LE(sent, acked) << line;
        EXPECT_LE(sent, consumed) << line;
        intended_before = intended;
        ++rows;
    }
    EXPECT_EQ(rows, scheduled_records);
    // Without a schedule there is nothing to trace: refused, not an empty file.
    auto [status, text] = run_bench("trace-max", {"-b", _bootstrap, "--topic", "native-trace",
                                                  "--target", "native", "--rate", "max",
                                                  "--duration", "1", "--trace-out", trace});
    EXPECT_EQ(status, std::optional<int>(2)) << text;
}

TEST_F(bench_tool, plot_overlays_runs) {
    run_load("plot-a", {"--target", "native"});
    run_load("plot-b", {"--target", "kafka"});
    for (const char* file : {"overlay.svg", "overlay.html"}) {
        const std::string out = _dir->path + "/" + file;
        auto [status, text] = run_bench(
            std::string("plot-") + file,
            {"plot", _dir->path + "/plot-a.json", _dir->path + "/plot-b.json", "-o", out});
        EXPECT_EQ(status, std::optional<int>(0)) << text;
        const std::string doc = read_text(out);
        EXPECT_NE(doc.find("<svg"), std::string::npos);
        EXPECT_NE(doc.find("</svg>"), std::string::npos);
        EXPECT_NE(doc.find("plot-a"), std::string::npos);
        EXPECT_NE(doc.find("plot-b"), std::string::npos);
    }
    auto [status, text] = run_bench(
        "plot-bad", {"plot", _dir->path + "/kafka-run.hgrm", "-o", _dir->path + "/bad.svg"});
    EXPECT_EQ(status, std::optional<int>(2)) << text;
}

}  // namespace
}  // namespace laminar
