#include "ctl/cli/consume_command.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <memory>

#include <fmt/format.h>

#include "ctl/cli/command_error.h"
#include "ctl/cli/output.h"
#include "ctl/cli/time_text.h"

namespace laminar::cli {
namespace {

enum class record_format { value, key_value, json };

struct consume_args {
    std::string topic;
    bool from_beginning = false;
    std::int64_t offset = -1;
    std::string time;
    std::int64_t count_max = 0;  // 0: until stopped
    int partition = -1;
    std::string group;
    record_format format = record_format::value;
    std::string key_separator = "\t";
    std::int64_t idle_timeout_ms = 0;  // 0: wait for ever
};

constexpr int poll_interval_ms = 100;

volatile std::sig_atomic_t interrupted = 0;

void on_interrupt(int) { interrupted = 1; }

std::string_view text_of(const void* data, std::size_t size) {
    return data == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(data), size);
}

nlohmann::ordered_json nullable_text(const void* data, std::size_t size) {
    return data == nullptr ? nlohmann::ordered_json() : nlohmann::ordered_json(text_of(data, size));
}

nlohmann::ordered_json header_documents(const rd_kafka_message_t& message) {
    auto documents = nlohmann::ordered_json::array();
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(&message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return documents;
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                            RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        documents.push_back({{"key", name}, {"value", nullable_text(value, size)}});
    }
    return documents;
}

void print_record(const rd_kafka_message_t& message, const consume_args& args) {
    std::string line;
    const auto value = text_of(message.payload, message.len);
    switch (args.format) {
    case record_format::value:
        line = value;
        break;
    case record_format::key_value:
        line = text_of(message.key, message.key_len);
        line += args.key_separator;
        line += value;
        break;
    case record_format::json: {
        rd_kafka_timestamp_type_t type;
        const auto timestamp = rd_kafka_message_timestamp(&message, &type);
        line = json_line(nlohmann::ordered_json{{"topic", rd_kafka_topic_name(message.rkt)},
                          {"partition", message.partition},
                          {"offset", message.offset},
                          {"timestamp", timestamp},
                          {"key", nullable_text(message.key, message.key_len)},
                          {"value", nullable_text(message.payload, message.len)},
                          {"headers", header_documents(message)}});
        break;
    }
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

// Where each partition starts: an offset, the beginning, the end, or the first offset at a time.
void assign_partitions(const client& kafka, const rd_kafka_metadata_topic_t& topic,
                       const consume_args& args, std::optional<std::int64_t> time_ms) {
    if (args.partition >= topic.partition_cnt) {
        fail_command(exit_failed, fmt::format("topic {} has {} partitions, no partition {}",
                                              args.topic, topic.partition_cnt, args.partition));
    }
    std::int64_t start = args.from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    if (args.offset >= 0) start = args.offset;
    if (time_ms) start = *time_ms;
    auto partitions = make_partition_list(topic.partition_cnt);
    for (int i = 0; i < topic.partition_cnt; ++i) {
        const int id = topic.partitions[i].id;
        if (args.partition >= 0 && id != args.partition) continue;
        rd_kafka_topic_partition_list_add(partitions.get(), args.topic.c_str(), id)->offset = start;
    }
    if (time_ms) {
        auto error = rd_kafka_offsets_for_times(kafka.get(), partitions.get(),
                                                kafka.options().timeout_ms());
        if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
            kafka.check_reachable(error);
            fail_command(exit_failed, fmt::format("offsets for --time: {}", rd_kafka_err2str(error)));
        }
        // No record at or after the time: start at the end.
        for (int i = 0; i < partitions->cnt; ++i) {
            if (partitions->elems[i].offset < 0) partitions->elems[i].offset = RD_KAFKA_OFFSET_END;
        }
    }
    auto error = rd_kafka_assign(kafka.get(), partitions.get());
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail_command(exit_failed, fmt::format("assign: {}", rd_kafka_err2str(error)));
    }
}

void subscribe(const client& kafka, const consume_args& args) {
    auto topics = make_partition_list(1);
    rd_kafka_topic_partition_list_add(topics.get(), args.topic.c_str(), RD_KAFKA_PARTITION_UA);
    auto error = rd_kafka_subscribe(kafka.get(), topics.get());
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail_command(exit_failed, fmt::format("subscribe: {}", rd_kafka_err2str(error)));
    }
}

// Errors a consumer cannot get past; others (a broker briefly gone) librdkafka retries.
bool is_fatal(rd_kafka_resp_err_t error) {
    return error == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
           error == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || error == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
           error == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
           error == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED || error == RD_KAFKA_RESP_ERR__FATAL;
}

void consume_loop(const client& kafka, const consume_args& args) {
    using clock = std::chrono::steady_clock;
    auto last_record = clock::now();
    std::int64_t count = 0;
    while (interrupted == 0 && (args.count_max == 0 || count < args.count_max)) {
        std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> message(
            rd_kafka_consumer_poll(kafka.get(), poll_interval_ms), &rd_kafka_message_destroy);
        if (!message) {
            const auto idle = clock::now() - last_record;
            if (args.idle_timeout_ms > 0 && idle >= std::chrono::milliseconds(args.idle_timeout_ms)) {
                break;
            }
            continue;
        }
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (is_fatal(message->err)) {
                fail_command(exit_failed, fmt::format("consume {}: {}", args.topic,
                                                      rd_kafka_message_errstr(message.get())));
            }
            continue;
        }
        print_record(*message, args);
        last_record = clock::now();
        ++count;
    }
}

void run_consume(const connection_options& connection, const consume_args& args) {
    std::optional<std::int64_t> time_ms;
    if (!args.time.empty()) {
        time_ms = parse_time_ms(args.time);
        if (!time_ms) fail_command(exit_usage, fmt::format("--time: not a time: '{}'", args.time));
    }
    config_pairs settings{{"enable.partition.eof", "false"},
                          {"auto.offset.reset", args.from_beginning ? "earliest" : "latest"}};
    if (args.group.empty()) {
        // librdkafka's assign() wants a group id even though nothing is committed or joined.
        settings.push_back({"group.id", fmt::format("laminar-cli-{}", ::getpid())});
        settings.push_back({"enable.auto.commit", "false"});
        settings.push_back({"enable.auto.offset.store", "false"});
    } else {
        settings.push_back({"group.id", args.group});
    }
    client kafka(RD_KAFKA_CONSUMER, connection, settings);
    auto metadata = kafka.metadata(true);
    const auto& topic = require_topic(*metadata, args.topic);
    if (args.group.empty()) assign_partitions(kafka, topic, args, time_ms);
    else subscribe(kafka, args);
    interrupted = 0;
    auto previous_int = std::signal(SIGINT, on_interrupt);
    auto previous_term = std::signal(SIGTERM, on_interrupt);
    consume_loop(kafka, args);
    std::signal(SIGINT, previous_int);
    std::signal(SIGTERM, previous_term);
}

}  // namespace

void add_consume_command(CLI::App& app, const connection_options& connection) {
    auto args = std::make_shared<consume_args>();
    auto* command = app.add_subcommand("consume", "Print a topic's records");
    command->add_option("topic", args->topic, "Topic name")->required();
    auto* beginning = command->add_flag("--from-beginning", args->from_beginning,
                                        "Start at each partition's first record");
    auto* offset = command->add_option("--offset", args->offset, "Start at this offset")
                       ->check(at_least(0));
    auto* time = command->add_option("--time", args->time,
                                     "Start at the first record at or after a time: ms since "
                                     "the epoch or ISO-8601 (UTC unless a zone is given)");
    beginning->excludes(offset)->excludes(time);
    offset->excludes(time);
    command->add_option("-n,--num", args->count_max, "Stop after N records")
        ->check(at_least(1));
    auto* partition = command->add_option("-p,--partition", args->partition,
                                          "Only this partition")->check(at_least(0));
    command->add_option("-g,--group", args->group,
                        "Consume as a member of this consumer group (subscribe, commit)")
        ->excludes(offset)->excludes(time)->excludes(partition);
    command->add_option("--format", args->format, "value (default), kv or json (one object a line)")
        ->transform(CLI::CheckedTransformer(std::map<std::string, record_format>{
            {"value", record_format::value}, {"kv", record_format::key_value},
            {"json", record_format::json}}));
    command->add_option("-K,--key-separator", args->key_separator,
                        "Between key and value in --format kv (default: tab)");
    command->add_option("--timeout-ms", args->idle_timeout_ms,
                        "Stop after this long without a record")->check(at_least(1));
    command->callback([&connection, args] { run_consume(connection, *args); });
}

}  // namespace laminar::cli
