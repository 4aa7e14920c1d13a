#include "ctl/cli/produce_command.h"

#include <algorithm>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "ctl/cli/command_error.h"
#include "ctl/cli/output.h"

namespace laminar::cli {
namespace {

struct produce_args {
    std::string topic;
    std::string key_separator;
    std::vector<std::string> headers;
    std::string compression = "none";
    std::string acks = "all";
    int partition = RD_KAFKA_PARTITION_UA;
};

// Written by delivery callbacks, which run inside rd_kafka_poll/flush on the main thread.
struct delivery_tally {
    std::size_t delivered = 0;
    std::size_t failed = 0;
    std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
    auto* tally = static_cast<delivery_tally*>(message->_private);
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++tally->delivered;
        return;
    }
    if (tally->failed++ == 0) tally->first_error = rd_kafka_err2str(message->err);
}

void set_delivery_callback(rd_kafka_conf_t* config) {
    rd_kafka_conf_set_dr_msg_cb(config, on_delivery);
}

rd_kafka_headers_t* make_headers(const std::vector<std::pair<std::string, std::string>>& pairs) {
    if (pairs.empty()) return nullptr;
    auto* headers = rd_kafka_headers_new(pairs.size());
    for (const auto& [key, value] : pairs) {
        rd_kafka_header_add(headers, key.data(), static_cast<ssize_t>(key.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
    }
    return headers;
}

void produce_line(const client& kafka, const produce_args& args, std::string_view line,
                  const std::vector<std::pair<std::string, std::string>>& header_pairs,
                  delivery_tally& tally) {
    std::string_view key;
    std::string_view value = line;
    bool keyed = false;
    if (!args.key_separator.empty()) {
        const auto at = line.find(args.key_separator);
        if (at != std::string_view::npos) {
            key = line.substr(0, at);
            value = line.substr(at + args.key_separator.size());
            keyed = true;
        }
    }
    while (true) {
        auto* headers = make_headers(header_pairs);
        auto error = rd_kafka_producev(
            kafka.get(), RD_KAFKA_V_TOPIC(args.topic.c_str()), RD_KAFKA_V_PARTITION(args.partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
            RD_KAFKA_V_KEY(keyed ? key.data() : nullptr, keyed ? key.size() : 0),
            RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(&tally), RD_KAFKA_V_END);
        if (error == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (headers != nullptr) rd_kafka_headers_destroy(headers);
        if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fail_command(exit_failed, fmt::format("produce to {}: {}", args.topic,
                                                  rd_kafka_err2str(error)));
        }
        rd_kafka_poll(kafka.get(), 100);  // the local queue is full: wait for deliveries
    }
    rd_kafka_poll(kafka.get(), 0);
}

void run_produce(const connection_options& connection, const produce_args& args) {
    std::vector<std::pair<std::string, std::string>> header_pairs;
    for (const auto& text : args.headers) header_pairs.push_back(split_assignment(text, "--header"));
    // A record may wait in the local queue behind others; give it more than one request timeout.
    const int message_timeout_ms = std::max(connection.timeout_ms(), 30'000);
    client kafka(RD_KAFKA_PRODUCER, connection,
                 {{"compression.codec", args.compression},
                  {"acks", args.acks == "all" ? "-1" : args.acks},
                  {"message.timeout.ms", std::to_string(message_timeout_ms)},
                  {"linger.ms", "5"}},
                 set_delivery_callback);
    auto metadata = kafka.metadata(true);
    const auto& topic = require_topic(*metadata, args.topic);
    if (args.partition >= topic.partition_cnt) {
        fail_command(exit_failed, fmt::format("topic {} has {} partitions, no partition {}",
                                              args.topic, topic.partition_cnt, args.partition));
    }
    delivery_tally tally;
    std::size_t lines = 0;
    std::string line;
    while (std::getline(std::cin, line)) {
        produce_line(kafka, args, line, header_pairs, tally);
        ++lines;
    }
    rd_kafka_flush(kafka.get(), message_timeout_ms + 5'000);
    if (tally.failed > 0) {
        fail_command(exit_failed, fmt::format("{} of {} records failed: {}", tally.failed, lines,
                                              tally.first_error));
    }
    if (tally.delivered != lines) {
        fail_command(exit_failed, fmt::format("{} of {} records unacknowledged", lines - tally.delivered,
                                              lines));
    }
}

}  // namespace

void add_produce_command(CLI::App& app, const connection_options& connection) {
    auto args = std::make_shared<produce_args>();
    auto* command = app.add_subcommand("produce", "Produce stdin's lines as records to a topic");
    command->add_option("topic", args->topic, "Topic name")->required();
    command->add_option("-K,--key-separator", args->key_separator,
                        "Split each line at the first S into key and value (no key without it)");
    command->add_option("-H,--header", args->headers, "Header k=v on every record (repeatable)");
    command->add_option("-z,--compression", args->compression, "none, gzip, snappy, lz4 or zstd")
        ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}));
    command->add_option("--acks", args->acks, "0, 1 or all (default all)")
        ->check(CLI::IsMember({"0", "1", "all"}));
    command->add_option("-p,--partition", args->partition,
                        "Partition to write to (default: by key, or spread)")
        ->check(at_least(0));
    command->callback([&connection, args] { run_produce(connection, *args); });
}

}  // namespace laminar::cli
