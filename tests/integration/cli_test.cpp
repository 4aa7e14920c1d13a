// The `laminar` CLI against a real laminar-broker process: topics (create, list, describe,
// add-partitions, alter-config, delete), produce and consume in every format and codec, cluster
// info, consumer groups as far as the broker serves them, and the exit codes scripts rely on
// (1 unknown topic or refused config, 2 usage, 3 unreachable).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

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




struct cli_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs `laminar args...` with `input` on stdin; a run over 60 s is killed and fails the test.
cli_result run_cli(const std::string& directory, std::vector<std::string> args,
                   const std::string& input = "") {
    const auto in_path = directory + "/cli.in";
    const auto out_path = directory + "/cli.out";
    const auto err_path = directory + "/cli.err";
    std::ofstream(in_path, std::ios::trunc) << input;
    args.insert(args.begin(), LAMINAR_CLI_BINARY);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(::open(in_path.c_str(), O_RDONLY), 0);
        ::dup2(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
        ::dup2(::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    cli_result result;
    const auto until = std::chrono::steady_clock::now() + 60s;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) != pid) {
        if (std::chrono::steady_clock::now() > until) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            ADD_FAILURE() << "laminar did not finish in 60 s";
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = read_text(out_path);
    result.err = read_text(err_path);
    return result;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

class cli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        _dir = new temp_dir;
        _bootstrap = "127.0.0.1:" + std::to_string(free_port());
        // LAMINAR_TEST_BROKER runs the same tests against another build's broker.
        const char* binary = std::getenv("LAMINAR_TEST_BROKER");
        _broker = new testing::process(
            {binary != nullptr ? binary : LAMINAR_BROKER_BINARY, "--dev", "--listen", _bootstrap},
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

    // laminar -b <broker> args...
    cli_result laminar(std::vector<std::string> args, const std::string& input = "") {
        args.insert(args.begin(), {"-b", _bootstrap});
        return run_cli(_dir->path, std::move(args), input);
    }
    void create_topic(const std::string& name, int partitions) {
        auto created = laminar({"topic", "create", name, "--partitions", std::to_string(partitions),
                                "--replicas", "1"});
        ASSERT_EQ(created.exit_code, 0) << created.err;
    }

    static inline temp_dir* _dir = nullptr;
    static inline testing::process* _broker = nullptr;
    static inline std::string _bootstrap;
};

TEST_F(cli, topic_create_list_describe_add_partitions_delete) {
    auto created = laminar({"topic", "create", "orders", "--partitions", "3", "--replicas", "1",
                            "--config", "retention.ms=123456"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    EXPECT_NE(created.out.find("created topic orders"), std::string::npos);

    auto listed = laminar({"topic", "list"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_EQ(listed.out.rfind("TOPIC", 0), 0u) << listed.out;
    EXPECT_NE(listed.out.find("orders"), std::string::npos) << listed.out;

    auto listed_json = laminar({"topic", "list", "--format", "json"});
    ASSERT_EQ(listed_json.exit_code, 0) << listed_json.err;
    auto topics = json::parse(listed_json.out);
    auto orders = std::find_if(topics.begin(), topics.end(),
                               [](const json& topic) { return topic["name"] == "orders"; });
    ASSERT_NE(orders, topics.end()) << listed_json.out;
    EXPECT_EQ((*orders)["partitions"], 3);
    EXPECT_EQ((*orders)["replication_factor"], 1);

    auto described = laminar({"topic", "describe", "orders"});
    ASSERT_EQ(described.exit_code, 0) << described.err;
    EXPECT_NE(described.out.find("PARTITION  LEADER  REPLICAS  ISR"), std::string::npos)
        << described.out;
    EXPECT_NE(described.out.find("retention.ms"), std::string::npos) << described.out;
    EXPECT_NE(described.out.find("123456"), std::string::npos) << described.out;

    auto grown = laminar({"topic", "add-partitions", "orders", "--total", "5"});
    ASSERT_EQ(grown.exit_code, 0) << grown.err;
    auto described_json = laminar({"topic", "describe", "orders", "--format", "json"});
    ASSERT_EQ(described_json.exit_code, 0) << described_json.err;
    auto description = json::parse(described_json.out);
    ASSERT_EQ(description["partitions"].size(), 5u) << described_json.out;
    for (int i = 0; i < 5; ++i) {
        const auto& partition = description["partitions"][i];
        EXPECT_EQ(partition["partition"], i);
        EXPECT_GE(partition["leader"].get<int>(), 0);
        EXPECT_EQ(partition["replicas"].size(), 1u);
        EXPECT_EQ(partition["isr"], partition["replicas"]);
    }
    bool retention_found = false;
    for (const auto& config : description["configs"]) {
        if (config["name"] != "retention.ms") continue;
        retention_found = true;
        EXPECT_EQ(config["value"], "123456");
        EXPECT_EQ(config["source"], "DYNAMIC_TOPIC_CONFIG");
    }
    EXPECT_TRUE(retention_found) << described_json.out;

    auto shrunk = laminar({"topic", "add-partitions", "orders", "--total", "2"});
    EXPECT_EQ(shrunk.exit_code, 1) << shrunk.err;

    auto deleted = laminar({"topic", "delete", "orders"});
    ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
    auto after = laminar({"topic", "list", "--format", "json"});
    ASSERT_EQ(after.exit_code, 0) << after.err;
    for (const auto& topic : json::parse(after.out)) EXPECT_NE(topic["name"], "orders");
}

TEST_F(cli, produce_with_keys_and_headers_then_consume_in_each_format) {
    create_topic("lines", 1);
    auto produced = laminar({"produce", "lines", "--key-separator", ":", "--header", "app=cli",
                             "--header", "trace=7"},
                            "k1:v1\nk2:value:two\nno-key\n");
    ASSERT_EQ(produced.exit_code, 0) << produced.err;

    auto values = laminar({"consume", "lines", "--from-beginning", "--num", "3"});
    ASSERT_EQ(values.exit_code, 0) << values.err;
    EXPECT_EQ(values.out, "v1\nvalue:two\nno-key\n");

    auto pairs = laminar({"consume", "lines", "--from-beginning", "--num", "3", "--format", "kv"});
    ASSERT_EQ(pairs.exit_code, 0) << pairs.err;
    EXPECT_EQ(pairs.out, "k1\tv1\nk2\tvalue:two\n\tno-key\n");

    auto documents = laminar({"consume", "lines", "--from-beginning", "--num", "3", "--format",
                              "json"});
    ASSERT_EQ(documents.exit_code, 0) << documents.err;
    auto lines = lines_of(documents.out);
    ASSERT_EQ(lines.size(), 3u) << documents.out;
    const char* keys[] = {"k1", "k2", nullptr};
    const char* texts[] = {"v1", "value:two", "no-key"};
    for (int i = 0; i < 3; ++i) {
        auto record = json::parse(lines[i]);
        EXPECT_EQ(record["topic"], "lines");
        EXPECT_EQ(record["partition"], 0);
        EXPECT_EQ(record["offset"], i);
        EXPECT_GT(record["timestamp"].get<std::int64_t>(), 1'600'000'000'000);
        if (keys[i] == nullptr) EXPECT_TRUE(record["key"].is_null()) << lines[i];
        else EXPECT_EQ(record["key"], keys[i]);
        EXPECT_EQ(record["value"], texts[i]);
        EXPECT_EQ(record["headers"], json::parse(R"([{"key":"app","value":"cli"},
                                                      {"key":"trace","value":"7"}])"));
    }

    auto from_offset = laminar({"consume", "lines", "--offset", "1", "--num", "1"});
    ASSERT_EQ(from_offset.exit_code, 0) << from_offset.err;
    EXPECT_EQ(from_offset.out, "value:two\n");

    auto since_time = laminar({"consume", "lines", "--time", "2020-01-01T00:00:00Z", "--num",
                               "3", "--timeout-ms", "10000"});
    ASSERT_EQ(since_time.exit_code, 0) << since_time.err;
    EXPECT_EQ(since_time.out, "v1\nvalue:two\nno-key\n");

    auto future = laminar({"consume", "lines", "--time", "2999-01-01", "--timeout-ms", "1000"});
    ASSERT_EQ(future.exit_code, 0) << future.err;
    EXPECT_EQ(future.out, "");
}

TEST_F(cli, produce_with_each_codec_and_acks_to_a_partition) {
    create_topic("codecs", 2);
    std::string expected;
    for (const std::string codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
        const std::string acks = codec == "gzip" ? "1" : "all";
        auto produced = laminar({"produce", "codecs", "--compression", codec, "--acks", acks,
                                 "--partition", "1"},
                                codec + "-a\n" + codec + "-b\n");
        ASSERT_EQ(produced.exit_code, 0) << codec << ": " << produced.err;
        expected += codec + "-a\n" + codec + "-b\n";
    }
    auto consumed = laminar({"consume", "codecs", "--partition", "1", "--from-beginning",
                             "--num", "10"});
    ASSERT_EQ(consumed.exit_code, 0) << consumed.err;
    EXPECT_EQ(consumed.out, expected);
    auto empty = laminar({"consume", "codecs", "--partition", "0", "--from-beginning",
                          "--timeout-ms", "1000"});
    ASSERT_EQ(empty.exit_code, 0) << empty.err;
    EXPECT_EQ(empty.out, "");
}

TEST_F(cli, cluster_info_lists_brokers_controller_and_partitions) {
    create_topic("info-topic", 2);
    auto info = laminar({"cluster", "info"});
    ASSERT_EQ(info.exit_code, 0) << info.err;
    EXPECT_NE(info.out.find("Cluster id: "), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("info-topic"), std::string::npos) << info.out;

    auto info_json = laminar({"cluster", "info", "--format", "json"});
    ASSERT_EQ(info_json.exit_code, 0) << info_json.err;
    auto cluster = json::parse(info_json.out);
    ASSERT_EQ(cluster["brokers"].size(), 1u) << info_json.out;
    const auto& broker = cluster["brokers"][0];
    EXPECT_EQ(broker["host"], "127.0.0.1");
    EXPECT_EQ("127.0.0.1:" + std::to_string(broker["port"].get<int>()), _bootstrap);
    EXPECT_EQ(cluster["controller"], broker["id"]);
    EXPECT_TRUE(cluster["cluster_id"].is_string()) << info_json.out;
    bool found = false;
    for (const auto& topic : cluster["topics"]) {
        if (topic["name"] != "info-topic") continue;
        found = true;
        ASSERT_EQ(topic["partitions"].size(), 2u);
        EXPECT_EQ(topic["partitions"][1]["leader"], broker["id"]);
        EXPECT_EQ(topic["partitions"][1]["isr"], json::array({broker["id"]}));
    }
    EXPECT_TRUE(found) << info_json.out;
}

TEST_F(cli, unknown_topic_exits_1_with_its_name) {
    for (auto command : std::vector<std::vector<std::string>>{
             {"topic", "describe", "missing-topic"},
             {"topic", "delete", "missing-topic"},
             {"topic", "add-partitions", "missing-topic", "--total", "4"},
             {"consume", "missing-topic", "--num", "1"},
             {"produce", "missing-topic"}}) {
        auto result = laminar(command, "x\n");
        EXPECT_EQ(result.exit_code, 1) << command[0] << ' ' << command[1] << ": " << result.err;
        EXPECT_NE(result.err.find("unknown topic: missing-topic"), std::string::npos)
            << command[0] << ' ' << command[1] << ": " << result.err;
    }
}

TEST_F(cli, refused_config_exits_1_with_the_brokers_message) {
    auto unknown_key = laminar({"topic", "create", "bad-config", "--config", "no.such.key=1"});
    EXPECT_EQ(unknown_key.exit_code, 1) << unknown_key.err;
    EXPECT_NE(unknown_key.err.find("no.such.key"), std::string::npos) << unknown_key.err;
    auto bad_value = laminar({"topic", "create", "bad-config", "--config", "retention.ms=soon"});
    EXPECT_EQ(bad_value.exit_code, 1) << bad_value.err;
    EXPECT_NE(bad_value.err.find("retention.ms"), std::string::npos) << bad_value.err;
    auto listed = laminar({"topic", "list"});
    EXPECT_EQ(listed.out.find("bad-config"), std::string::npos) << listed.out;
}

TEST_F(cli, unreachable_cluster_exits_3_after_the_timeout) {
    const auto port = std::to_string(free_port());  // nothing listens there any more
    const auto started = std::chrono::steady_clock::now();
    auto result = run_cli(_dir->path, {"-b", "127.0.0.1:" + port, "--timeout", "1", "topic", "list"});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(result.exit_code, 3) << result.err;
    EXPECT_NE(result.err.find("cannot reach 127.0.0.1:" + port), std::string::npos) << result.err;
    EXPECT_LT(took, 10s);
    for (auto command : std::vector<std::vector<std::string>>{
             {"consume", "t", "--num", "1"}, {"produce", "t"}, {"cluster", "info"},
             {"group", "list"}}) {
        command.insert(command.begin(), {"-b", "127.0.0.1:" + port, "--timeout", "0.5"});
        auto again = run_cli(_dir->path, command, "x\n");
        EXPECT_EQ(again.exit_code, 3) << command[4] << ": " << again.err;
    }
}

TEST_F(cli, usage_errors_exit_2_and_help_exits_0) {
    for (auto command : std::vector<std::vector<std::string>>{
             {"topic", "create"},
             {"topic", "bogus"},
             {"consume", "t", "--format", "xml"},
             {"consume", "t", "--offset", "3", "--from-beginning"},
             {"consume", "t", "--group", "g", "--partition", "0"},
             {"produce", "t", "--acks", "2"},
             {"produce", "t", "--compression", "brotli"},
             {"topic", "create", "t", "--config", "novalue"},
             {"consume", "t", "--time", "yesterday"},
             {"group", "reset-offsets", "g", "--topic", "t"},
             {"group", "reset-offsets", "g", "--topic", "t", "--to-latest", "--dry-run",
              "--execute"},
             {}}) {
        auto result = laminar(command);
        EXPECT_EQ(result.exit_code, 2) << (command.empty() ? "" : command[0]) << ": " << result.err;
    }
    for (auto command : std::vector<std::vector<std::string>>{
             {"--help"}, {"topic", "--help"}, {"topic", "create", "--help"},
             {"topic", "alter-config", "--help"}, {"produce", "--help"}, {"consume", "--help"},
             {"cluster", "info", "--help"}, {"group", "reset-offsets", "--help"}}) {
        auto result = run_cli(_dir->path, command);
        EXPECT_EQ(result.exit_code, 0) << command[0] << ": " << result.err;
        EXPECT_NE(result.out.find("Usage"), std::string::npos) << result.out;
    }
}

// alter-config over IncrementalAlterConfigs: set, delete, a refused key, an unknown topic.
TEST_F(cli, alter_config_sets_and_deletes) {
    create_topic("tuned", 1);
    auto altered = laminar({"topic", "alter-config", "tuned", "--set", "retention.ms=98765",
                            "--set", "cleanup.policy=compact"});
    ASSERT_EQ(altered.exit_code, 0) << altered.err;
    auto config_value = [&](const std::string& name) -> json {
        auto described = laminar({"topic", "describe", "tuned", "--format", "json"});
        const auto description = json::parse(described.out);
        for (const auto& config : description["configs"]) {
            if (config["name"] == name) return config;
        }
        return json();
    };
    EXPECT_EQ(config_value("retention.ms")["value"], "98765");
    EXPECT_EQ(config_value("cleanup.policy")["value"], "compact");
    auto removed = laminar({"topic", "alter-config", "tuned", "--delete", "retention.ms"});
    ASSERT_EQ(removed.exit_code, 0) << removed.err;
    EXPECT_NE(config_value("retention.ms")["source"], "DYNAMIC_TOPIC_CONFIG");
    auto refused = laminar({"topic", "alter-config", "tuned", "--set", "no.such.key=1"});
    EXPECT_EQ(refused.exit_code, 1) << refused.err;
    EXPECT_NE(refused.err.find("no.such.key"), std::string::npos) << refused.err;
    auto missing = laminar({"topic", "alter-config", "missing-topic", "--set", "retention.ms=1"});
    EXPECT_EQ(missing.exit_code, 1) << missing.err;
    EXPECT_NE(missing.err.find("unknown topic: missing-topic"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace laminar

namespace laminar {
namespace {

json offsets_by_partition(const json& group, const std::string& topic) {
    json offsets = json::object();
    for (const auto& entry : group["offsets"]) {
        if (entry["topic"] == topic) offsets[std::to_string(entry["partition"].get<int>())] = entry;
    }
    return offsets;
}

// The whole group flow: a group consumer commits, describe shows committed offsets and lag,
// reset-offsets dry-runs and executes, delete removes the group.
TEST_F(cli, group_commands_list_describe_reset_delete) {
    create_topic("grouped", 2);
    auto produced = laminar({"produce", "grouped", "-K", ":"}, "a:1\nb:2\nc:3\nd:4\n");
    ASSERT_EQ(produced.exit_code, 0) << produced.err;

    auto listed = laminar({"--timeout", "3", "group", "list", "--format", "json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;

    auto consumed = laminar({"consume", "grouped", "--group", "g-cli", "--from-beginning",
                             "--num", "4"});
    ASSERT_EQ(consumed.exit_code, 0) << consumed.err;
    EXPECT_EQ(lines_of(consumed.out).size(), 4u);

    listed = laminar({"group", "list", "--format", "json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    bool found = false;
    for (const auto& group : json::parse(listed.out)) found = found || group["group"] == "g-cli";
    EXPECT_TRUE(found) << listed.out;

    auto describe = [&] {
        auto described = laminar({"group", "describe", "g-cli", "--format", "json"});
        EXPECT_EQ(described.exit_code, 0) << described.err;
        return described.exit_code == 0 ? json::parse(described.out) : json();
    };
    auto group = describe();
    EXPECT_EQ(group["state"], "Empty") << group.dump();
    auto offsets = offsets_by_partition(group, "grouped");
    ASSERT_EQ(offsets.size(), 2u) << group.dump();
    std::int64_t log_end_total = 0;
    for (const auto& [partition, entry] : offsets.items()) {
        EXPECT_EQ(entry["committed_offset"], entry["log_end_offset"]) << entry.dump();
        EXPECT_EQ(entry["lag"], 0) << entry.dump();
        log_end_total += entry["log_end_offset"].get<std::int64_t>();
    }
    EXPECT_EQ(log_end_total, 4);

    auto dry = laminar({"group", "reset-offsets", "g-cli", "--topic", "grouped", "--to-earliest",
                        "--dry-run", "--format", "json"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    const auto dry_plan = json::parse(dry.out);
    for (const auto& entry : dry_plan["partitions"]) EXPECT_EQ(entry["new_offset"], 0);
    const auto offsets_1 = offsets_by_partition(describe(), "grouped");
    for (const auto& [partition, entry] : offsets_1.items()) {
        EXPECT_EQ(entry["lag"], 0) << "a dry run changed offsets: " << entry.dump();
    }

    auto executed = laminar({"group", "reset-offsets", "g-cli", "--topic", "grouped",
                             "--to-earliest", "--execute"});
    ASSERT_EQ(executed.exit_code, 0) << executed.err;
    const auto offsets_2 = offsets_by_partition(describe(), "grouped");
    for (const auto& [partition, entry] : offsets_2.items()) {
        EXPECT_EQ(entry["committed_offset"], 0) << entry.dump();
        EXPECT_EQ(entry["lag"], entry["log_end_offset"]) << entry.dump();
    }
    auto to_latest = laminar({"group", "reset-offsets", "g-cli", "--topic", "grouped",
                              "--to-latest", "--execute"});
    ASSERT_EQ(to_latest.exit_code, 0) << to_latest.err;
    const auto offsets_3 = offsets_by_partition(describe(), "grouped");
    for (const auto& [partition, entry] : offsets_3.items()) {
        EXPECT_EQ(entry["lag"], 0) << entry.dump();
    }

    auto deleted = laminar({"group", "delete", "g-cli"});
    ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
    listed = laminar({"group", "list", "--format", "json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    for (const auto& entry : json::parse(listed.out)) EXPECT_NE(entry["group"], "g-cli");
}

}  // namespace
}  // namespace laminar
