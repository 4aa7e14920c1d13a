#include "ctl/cli/config_alter.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/endian.h"
#include "ctl/cli/command_error.h"

namespace laminar::cli {
namespace {

// Both responses are a few hundred bytes; anything larger is not an answer to our request.
constexpr std::int32_t response_bytes_max = 1 << 20;
constexpr std::string_view client_id = "laminar-cli";

class blocking_connection {
public:
    blocking_connection(const client& kafka, const std::string& host, int port) : _kafka(kafka) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* addresses = nullptr;
        const auto service = std::to_string(port);
        if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses) != 0) {
            kafka.fail_unreachable(fmt::format("cannot resolve {}", host));
        }
        for (auto* address = addresses; address != nullptr && _fd < 0; address = address->ai_next) {
            _fd = ::socket(address->ai_family, address->ai_socktype, address->ai_protocol);
            if (_fd < 0) continue;
            set_timeouts(kafka.options().timeout_ms());
            if (::connect(_fd, address->ai_addr, address->ai_addrlen) != 0) {
                ::close(_fd);
                _fd = -1;
            }
        }
        ::freeaddrinfo(addresses);
        if (_fd < 0) kafka.fail_unreachable(fmt::format("connect to {}:{} failed", host, port));
    }
    ~blocking_connection() { ::close(_fd); }
    blocking_connection(const blocking_connection&) = delete;
    blocking_connection& operator=(const blocking_connection&) = delete;

    // Sends one request frame and returns the response frame's payload.
    kafka::bytes exchange(const kafka::bytes& request) {
        send_all(request);
        std::byte size_bytes[4];
        receive_all(size_bytes, sizeof(size_bytes));
        const auto size = load_be<std::int32_t>(size_bytes);
        if (size < 0 || size > response_bytes_max) {
            fail_command(exit_failed, fmt::format("broker sent a response frame of {} bytes", size));
        }
        kafka::bytes payload(static_cast<std::size_t>(size));
        receive_all(payload.data(), payload.size());
        return payload;
    }

private:
    void set_timeouts(int timeout_ms) {
        timeval timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        ::setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
        ::setsockopt(_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    }
    void send_all(const kafka::bytes& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            auto count = ::send(_fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (count <= 0) _kafka.fail_unreachable("sending the request failed");
            sent += static_cast<std::size_t>(count);
        }
    }
    void receive_all(std::byte* data, std::size_t size) {
        std::size_t received = 0;
        while (received < size) {
            auto count = ::recv(_fd, data + received, size - received, 0);
            if (count == 0) {
                fail_command(exit_failed, "the broker closed the connection without an answer");
            }
            if (count < 0) _kafka.fail_unreachable("no answer from the broker");
            received += static_cast<std::size_t>(count);
        }
    }

    const client& _kafka;
    int _fd = -1;
};

const rd_kafka_metadata_broker_t& answering_broker(const rd_kafka_metadata_t& metadata) {
    if (metadata.broker_cnt <= 0) fail_command(exit_failed, "the cluster lists no brokers");
    for (int i = 0; i < metadata.broker_cnt; ++i) {
        if (metadata.brokers[i].id == metadata.orig_broker_id) return metadata.brokers[i];
    }
    return metadata.brokers[0];
}

void check_supported(blocking_connection& connection) {
    constexpr std::int32_t correlation_id = 1;
    auto payload = connection.exchange(encode_api_versions_request(correlation_id, client_id));
    auto answer = decode_api_versions_response(payload, correlation_id);
    if (!answer) {
        fail_command(exit_failed, fmt::format("bad ApiVersions response from the broker: {}",
                                              kafka::to_string(answer.error())));
    }
    for (const auto& api : answer->apis) {
        if (api.api_key == incremental_alter_configs_key && api.version_min <= 0) return;
    }
    fail_command(exit_failed,
                 "the broker does not support IncrementalAlterConfigs (API 44 version 0)");
}

}  // namespace

void alter_topic_configs(const client& kafka, const rd_kafka_metadata_t& metadata,
                         std::string_view topic, const std::vector<config_alteration>& alterations) {
    const auto& broker = answering_broker(metadata);
    blocking_connection connection(kafka, broker.host, broker.port);
    check_supported(connection);
    constexpr std::int32_t correlation_id = 2;
    auto payload = connection.exchange(
        encode_incremental_alter_configs_request(correlation_id, client_id, topic, alterations));
    auto answers = decode_incremental_alter_configs_response(payload, correlation_id);
    if (!answers) {
        fail_command(exit_failed, fmt::format("bad IncrementalAlterConfigs response: {}",
                                              kafka::to_string(answers.error())));
    }
    if (answers->empty()) fail_command(exit_failed, "the broker answered for no resource");
    for (const auto& answer : *answers) {
        if (answer.error_code == 0) continue;
        const auto code = static_cast<rd_kafka_resp_err_t>(answer.error_code);
        if (code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
            fail_command(exit_failed, fmt::format("unknown topic: {}", topic));
        }
        const std::string message = answer.error_message && !answer.error_message->empty()
                                        ? *answer.error_message : rd_kafka_err2str(code);
        fail_command(exit_failed, fmt::format("topic {}: {}", topic, message));
    }
}

}  // namespace laminar::cli
