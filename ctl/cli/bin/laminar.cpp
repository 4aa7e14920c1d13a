// laminar: the command-line tool for a Kafka-compatible cluster (Laminar or any other): topics,
// produce, consume, cluster info and consumer groups, on librdkafka. Exit codes (README.md):
// 0 ok, 1 the cluster refused or failed, or bad data, 2 usage error, 3 cluster unreachable.

#include <cstdio>

#include <CLI/CLI.hpp>

#include "ctl/cli/cluster_commands.h"
#include "ctl/cli/command_error.h"
#include "ctl/cli/consume_command.h"
#include "ctl/cli/group_commands.h"
#include "ctl/cli/output.h"
#include "ctl/cli/produce_command.h"
#include "ctl/cli/topic_commands.h"

namespace {

// A command's --help lists only its own options; the global ones work anywhere on the line.
void add_footers(CLI::App& command) {
    for (auto* sub : command.get_subcommands([](CLI::App*) { return true; })) {
        sub->footer("Global options, anywhere on the line: -b HOST:PORT (default 127.0.0.1:9092), "
                    "--timeout SECONDS (default 10), --debug.\nExit codes: 0 ok, 1 error from the "
                    "cluster or bad data, 2 usage error, 3 cluster unreachable.");
        add_footers(*sub);
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace laminar::cli;
    CLI::App app{"laminar: topics, records, cluster and consumer groups of a Kafka-compatible "
                 "cluster"};
    app.require_subcommand(1);
    app.fallthrough();  // global options may come after the command too
    connection_options connection;
    app.add_option("-b,--bootstrap-server", connection.bootstrap, "HOST:PORT[,HOST:PORT...]")
        ->capture_default_str();
    app.add_option("--timeout", connection.timeout_seconds,
                   "Seconds to wait for the cluster and for each admin request")
        ->capture_default_str()->check(at_least(0.001));
    app.add_flag("--debug", connection.debug, "Print librdkafka's log to stderr");
    add_topic_commands(app, connection);
    add_produce_command(app, connection);
    add_consume_command(app, connection);
    add_cluster_commands(app, connection);
    add_group_commands(app, connection);
    add_footers(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? exit_ok : exit_usage;
    } catch (const command_error& error) {
        std::fprintf(stderr, "laminar: %s\n", error.what());
        return error.exit_code();
    }
    return exit_ok;
}
