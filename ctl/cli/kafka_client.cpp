#include "ctl/cli/kafka_client.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "ctl/cli/command_error.h"

namespace laminar::cli {
namespace {

constexpr int log_level_error = 3;  // syslog's LOG_ERR, as librdkafka uses it

void on_log(const rd_kafka_t* handle, int level, const char* facility, const char* text) {
    auto* log = static_cast<client_log*>(rd_kafka_opaque(handle));
    if (log == nullptr) return;
    if (log->debug) std::fprintf(stderr, "librdkafka %d %s: %s\n", level, facility, text);
    // A failed connect says why ("Connection refused"); later lines only say brokers are down.
    if (level <= log_level_error) {
        std::lock_guard guard(log->lock);
        if (log->last_error.empty() || std::string_view(text).find("Connect to ") != std::string_view::npos) {
            log->last_error = text;
        }
    }
}

void set_config(rd_kafka_conf_t* config, const std::string& key, const std::string& value) {
    char error_text[512];
    if (rd_kafka_conf_set(config, key.c_str(), value.c_str(), error_text, sizeof(error_text)) !=
        RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(config);
        fail_command(exit_usage, error_text);
    }
}

// librdkafka's "[thrd:...]: host/bootstrap: Connect to ... failed: Connection refused (after 0ms
// in state CONNECT)" down to "Connect to ... failed: Connection refused".
std::string short_log_text(std::string text) {
    if (auto start = text.find("Connect to "); start != std::string::npos) text.erase(0, start);
    else if (text.starts_with("[thrd:")) text.erase(0, std::min(text.find("]: ") + 3, text.size()));
    if (auto after = text.find(" (after "); after != std::string::npos) text.erase(after);
    return text;
}

std::string_view operation_name(rd_kafka_admin_op_t operation) {
    switch (operation) {
    case RD_KAFKA_ADMIN_OP_CREATETOPICS: return "CreateTopics";
    case RD_KAFKA_ADMIN_OP_DELETETOPICS: return "DeleteTopics";
    case RD_KAFKA_ADMIN_OP_CREATEPARTITIONS: return "CreatePartitions";
    case RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS: return "DescribeConfigs";
    case RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS: return "ListConsumerGroups";
    case RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS: return "DescribeConsumerGroups";
    case RD_KAFKA_ADMIN_OP_DELETEGROUPS: return "DeleteGroups";
    case RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS: return "ListConsumerGroupOffsets";
    case RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS: return "AlterConsumerGroupOffsets";
    default: return "admin request";
    }
}

}  // namespace

partition_list_ptr make_partition_list(int size_hint) {
    return partition_list_ptr(rd_kafka_topic_partition_list_new(std::max(size_hint, 1)));
}

bool is_unreachable(rd_kafka_resp_err_t error) noexcept {
    switch (error) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
        return true;
    default:
        return false;
    }
}

client::client(rd_kafka_type_t type, const connection_options& options, const config_pairs& extra,
               config_hook customize)
    : _options(options), _log(std::make_unique<client_log>()),
      _consumer(type == RD_KAFKA_CONSUMER) {
    _log->debug = options.debug;
    rd_kafka_conf_t* config = rd_kafka_conf_new();
    set_config(config, "bootstrap.servers", options.bootstrap);
    set_config(config, "client.id", "laminar-cli");
    set_config(config, "socket.timeout.ms", std::to_string(std::max(options.timeout_ms(), 10)));
    for (const auto& [key, value] : extra) set_config(config, key, value);
    rd_kafka_conf_set_opaque(config, _log.get());
    rd_kafka_conf_set_log_cb(config, on_log);
    if (customize != nullptr) customize(config);
    char error_text[512];
    _handle = rd_kafka_new(type, config, error_text, sizeof(error_text));
    if (_handle == nullptr) {
        rd_kafka_conf_destroy(config);
        fail_command(exit_usage, error_text);
    }
}

// A consumer in a group leaves it and commits on close, which waits for the group coordinator;
// the wait is bounded by --timeout so a cluster without one cannot hold the command.
client::~client() {
    if (!_consumer) {
        rd_kafka_destroy(_handle);
        return;
    }
    auto* queue = rd_kafka_queue_new(_handle);
    error_ptr error(rd_kafka_consumer_close_queue(_handle, queue));
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(_options.timeout_ms());
    while (!error && rd_kafka_consumer_closed(_handle) == 0 &&
           std::chrono::steady_clock::now() < deadline) {
        if (auto* event = rd_kafka_queue_poll(queue, 100)) rd_kafka_event_destroy(event);
    }
    const bool closed = !error && rd_kafka_consumer_closed(_handle) != 0;
    if (!closed) {
        std::fprintf(stderr, "laminar: warning: the consumer did not close within %g s "
                             "(group coordinator unreachable?)\n", _options.timeout_seconds);
    }
    rd_kafka_queue_destroy(queue);
    rd_kafka_destroy_flags(_handle, closed ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

void client::fail_unreachable(std::string_view detail) const {
    std::string last;
    {
        std::lock_guard guard(_log->lock);
        last = _log->last_error;
    }
    const auto reason = last.empty() ? std::string(detail) : short_log_text(last);
    fail_command(exit_unreachable, fmt::format("cannot reach {} within {} s: {}", _options.bootstrap,
                                               _options.timeout_seconds, reason));
}

void client::check_reachable(rd_kafka_resp_err_t error) const {
    if (is_unreachable(error)) fail_unreachable(rd_kafka_err2str(error));
}

metadata_ptr client::metadata(bool all_topics) const {
    const rd_kafka_metadata_t* metadata = nullptr;
    auto error = rd_kafka_metadata(_handle, all_topics ? 1 : 0, nullptr, &metadata,
                                   _options.timeout_ms());
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        check_reachable(error);
        fail_command(exit_failed, fmt::format("metadata: {}", rd_kafka_err2str(error)));
    }
    return metadata_ptr(metadata);
}

event_ptr client::admin(rd_kafka_admin_op_t operation, const admin_start& start) const {
    std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(
        rd_kafka_queue_new(_handle), &rd_kafka_queue_destroy);
    std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> admin_options(
        rd_kafka_AdminOptions_new(_handle, operation), &rd_kafka_AdminOptions_destroy);
    char error_text[512];
    rd_kafka_AdminOptions_set_request_timeout(admin_options.get(), _options.timeout_ms(),
                                              error_text, sizeof(error_text));
    start(admin_options.get(), queue.get());
    // librdkafka times the request out itself; the extra second only guards against a hang.
    // The cluster answered the metadata probe before this request, so no answer now is a
    // failure of the request (exit 1), not an unreachable cluster.
    event_ptr event(rd_kafka_queue_poll(queue.get(), _options.timeout_ms() + 1000));
    auto error = event ? rd_kafka_event_error(event.get()) : RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (error == RD_KAFKA_RESP_ERR__TIMED_OUT) {
        fail_command(exit_failed, fmt::format("{}: no answer within {} s", operation_name(operation),
                                              _options.timeout_seconds));
    }
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail_command(exit_failed, rd_kafka_event_error_string(event.get()));
    }
    return event;
}

const rd_kafka_metadata_topic_t* find_topic(const rd_kafka_metadata_t& metadata,
                                            std::string_view name) {
    for (int i = 0; i < metadata.topic_cnt; ++i) {
        if (name == metadata.topics[i].topic) return &metadata.topics[i];
    }
    return nullptr;
}

const rd_kafka_metadata_topic_t& require_topic(const rd_kafka_metadata_t& metadata,
                                               std::string_view name) {
    const auto* topic = find_topic(metadata, name);
    if (topic == nullptr || topic->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        fail_command(exit_failed, fmt::format("unknown topic: {}", name));
    }
    if (topic->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail_command(exit_failed, fmt::format("topic {}: {}", name, rd_kafka_err2str(topic->err)));
    }
    return *topic;
}

std::pair<std::string, std::string> split_assignment(const std::string& text,
                                                     std::string_view what) {
    const auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0) {
        fail_command(exit_usage, fmt::format("{} must be key=value, got '{}'", what, text));
    }
    return {text.substr(0, equals), text.substr(equals + 1)};
}

}  // namespace laminar::cli
