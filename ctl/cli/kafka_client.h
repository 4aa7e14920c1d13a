// One librdkafka handle per command, configured from the global options (-b, --timeout), with
// the pieces every command shares: RAII owners for librdkafka's objects, a cluster metadata fetch
// that turns "no broker answered" into exit code 3, and one call that runs an admin request and
// waits for its result.
//
// librdkafka's own log lines (connection refused, retries) are kept from the terminal; the last
// one at error level becomes the detail of the "cannot reach" message. --debug prints them all.
//
// Locality: the command's main thread; librdkafka's threads only call the log callback.
#pragma once

#include <librdkafka/rdkafka.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace laminar::cli {

struct connection_options {
    std::string bootstrap = "127.0.0.1:9092";
    double timeout_seconds = 10;  // for reaching the cluster and for each admin request
    bool debug = false;
    int timeout_ms() const { return static_cast<int>(timeout_seconds * 1000); }
};

using config_pairs = std::vector<std::pair<std::string, std::string>>;

struct metadata_deleter {
    void operator()(const rd_kafka_metadata_t* metadata) const { rd_kafka_metadata_destroy(metadata); }
};
struct event_deleter {
    void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
struct partition_list_deleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const {
        rd_kafka_topic_partition_list_destroy(list);
    }
};
struct error_deleter {
    void operator()(rd_kafka_error_t* error) const { rd_kafka_error_destroy(error); }
};
using metadata_ptr = std::unique_ptr<const rd_kafka_metadata_t, metadata_deleter>;
using event_ptr = std::unique_ptr<rd_kafka_event_t, event_deleter>;
using partition_list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter>;
using error_ptr = std::unique_ptr<rd_kafka_error_t, error_deleter>;

partition_list_ptr make_partition_list(int size_hint);

// What librdkafka logged last at error level, written by its threads.
struct client_log {
    std::mutex lock;
    std::string last_error;
    bool debug = false;
};

class client {
public:
    // Usage errors (a config value librdkafka refuses) end the command with exit code 2.
    // `customize` may set callbacks on the configuration before the handle is made.
    using config_hook = void (*)(rd_kafka_conf_t*);
    client(rd_kafka_type_t type, const connection_options& options, const config_pairs& extra = {},
           config_hook customize = nullptr);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    rd_kafka_t* get() const noexcept { return _handle; }
    const connection_options& options() const noexcept { return _options; }

    // Brokers, and every topic when all_topics. Exit code 3 when no broker answers in time.
    metadata_ptr metadata(bool all_topics) const;

    // Runs one admin request: `start` is given the options (request timeout set) and the queue
    // the result arrives on. Returns the result event; a request-level error, or no answer
    // within --timeout, ends the command with exit code 1 (call metadata() first: that is where
    // an unreachable cluster is told apart, exit code 3).
    using admin_start = std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>;
    event_ptr admin(rd_kafka_admin_op_t operation, const admin_start& start) const;

    // Ends the command when error is one of librdkafka's "no broker" errors (exit 3).
    void check_reachable(rd_kafka_resp_err_t error) const;
    [[noreturn]] void fail_unreachable(std::string_view detail) const;

private:
    connection_options _options;
    std::unique_ptr<client_log> _log;
    rd_kafka_t* _handle = nullptr;
    bool _consumer = false;
};

bool is_unreachable(rd_kafka_resp_err_t error) noexcept;

// The topic in metadata, or nullptr.
const rd_kafka_metadata_topic_t* find_topic(const rd_kafka_metadata_t& metadata,
                                            std::string_view name);
// The topic, or the command ends with "unknown topic" (exit 1).
const rd_kafka_metadata_topic_t& require_topic(const rd_kafka_metadata_t& metadata,
                                               std::string_view name);

// "k=v" split at the first '='; a missing '=' or empty key is a usage error naming `what`.
std::pair<std::string, std::string> split_assignment(const std::string& text,
                                                     std::string_view what);

}  // namespace laminar::cli
