// laminar-broker: the data plane daemon. `laminar-broker --dev` starts the embedded single-node
// default (127.0.0.1:9092, data in ./laminar-data) with no config file; otherwise
// `--config server.properties` plus overrides. SIGTERM and SIGINT stop it cleanly: every shard
// stops accepting, lets requests in flight finish, and closes its connections.

#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "broker/broker_config.h"
#include "broker/daemon.h"
#include "core/log.h"

namespace {

using namespace laminar;

struct command_line {
    bool dev = false;
    bool print_config = false;
    std::string config_path;
    std::vector<std::string> sets;
    std::string listen;
    std::string data_dir;
    std::string cpus;
    int numa_node = -2;
    unsigned shards = 0;
    std::string idle;
};

std::vector<config_override> overrides_of(const command_line& args) {
    std::vector<config_override> overrides;
    for (const auto& text : args.sets) {
        auto parsed = parse_override(text);
        if (parsed) overrides.push_back(*parsed);
        else overrides.push_back({text, "", "--set"});  // reported by parse_config as bad
    }
    if (!args.listen.empty()) {
        overrides.push_back({"listeners", "PLAINTEXT://" + args.listen, "--listen"});
    }
    if (!args.data_dir.empty()) overrides.push_back({"log.dirs", args.data_dir, "--data-dir"});
    if (!args.cpus.empty()) overrides.push_back({"laminar.cpus", args.cpus, "--cpus"});
    if (args.numa_node != -2) {
        overrides.push_back({"laminar.numa.node", std::to_string(args.numa_node), "--numa-node"});
    }
    if (args.shards != 0) {
        overrides.push_back({"laminar.shards", std::to_string(args.shards), "--shards"});
    }
    if (!args.idle.empty()) overrides.push_back({"laminar.idle.strategy", args.idle, "--idle"});
    return overrides;
}

int fail_start(const std::string& message) {
    std::fprintf(stderr, "laminar-broker: %s\n", message.c_str());
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    broker::block_stop_signals();  // before the log writer or any shard thread starts
    CLI::App app{"laminar-broker: a Kafka-compatible event-streaming broker"};
    command_line args;
    app.add_flag("--dev", args.dev,
                 "Embedded single-node default: 127.0.0.1:9092, data in ./laminar-data");
    app.add_option("-c,--config", args.config_path, "server.properties file (Kafka's format)");
    app.add_option("--set", args.sets, "Override a config key: --set key=value (repeatable)");
    app.add_option("--listen", args.listen, "HOST:PORT to listen on (sets listeners)");
    app.add_option("--data-dir", args.data_dir, "Directory for partition logs (sets log.dirs)");
    app.add_option("--cpus", args.cpus, "CPUs to run shards on, e.g. 0-3,8");
    app.add_option("--numa-node", args.numa_node, "Run shards on one NUMA node only");
    app.add_option("--shards", args.shards, "Number of shards (default: one per core)");
    app.add_option("--idle", args.idle, "Idle strategy: sleep, backoff or spin");
    app.add_flag("--print-config", args.print_config, "Print every setting with its source");
    CLI11_PARSE(app, argc, argv);

    if (!args.dev && args.config_path.empty()) {
        return fail_start("give --dev for the single-node default, or --config FILE");
    }
    const auto overrides = overrides_of(args);
    const auto& schema = broker::broker_config_schema();
    auto values = args.config_path.empty()
                      ? parse_config(schema, "", "(no file)", overrides)
                      : load_config(schema, args.config_path, overrides);
    if (!values) return fail_start(values.error().message());
    if (args.print_config) {
        std::fputs(values->describe().c_str(), stdout);
        return 0;
    }
    auto settings = broker::read_broker_settings(*values);
    if (!settings) return fail_start(settings.error());

    log_options logging;
    logging.level = *parse_log_level(settings->log_level);
    log_start(std::move(logging));
    for (const auto& warning : values->warnings()) {
        LAMINAR_LOG_WARN("config: {}: {}", warning.origin, warning.message);
    }

    auto started = broker::run_broker(*values, *settings);
    log_stop();
    if (!started) return fail_start(started.error());
    return 0;
}
