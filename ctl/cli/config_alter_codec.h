// The two requests `laminar topic alter-config` sends itself, because Debian 12's librdkafka 2.0
// has no IncrementalAlterConfigs: ApiVersions v0 (does the broker serve API 44 v0?) and
// IncrementalAlterConfigs v0 for one topic. Encoders build whole frames (size, request header
// v1, body); decoders read a response frame's payload (after the size) and treat it as hostile:
// bounds-checked through net/kafka's reader, every failure a codec_error, never a crash
// (tests/fuzz/cli_response_fuzz.cpp).
//
// Locality: any thread; pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/kafka/wire.h"

namespace laminar::cli {

inline constexpr std::int16_t api_versions_key = 18;
inline constexpr std::int16_t incremental_alter_configs_key = 44;
inline constexpr std::int8_t resource_type_topic = 2;

enum class config_operation : std::int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

struct config_alteration {
    std::string name;
    config_operation operation = config_operation::set;
    std::optional<std::string> value;
};

struct api_version_range {
    std::int16_t api_key = 0;
    std::int16_t version_min = 0;
    std::int16_t version_max = 0;
};

struct api_versions_answer {
    std::int16_t error_code = 0;
    std::vector<api_version_range> apis;
};

struct alter_configs_answer {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int8_t resource_type = 0;
    std::string resource_name;
};

kafka::bytes encode_api_versions_request(std::int32_t correlation_id, std::string_view client_id);
kafka::bytes encode_incremental_alter_configs_request(
    std::int32_t correlation_id, std::string_view client_id, std::string_view topic,
    const std::vector<config_alteration>& alterations);

// `payload` is the frame after its int32 size: response header v0 and body. A correlation id
// other than `correlation_id` is invalid_value; bytes after the body are trailing_bytes.
kafka::codec_result<api_versions_answer> decode_api_versions_response(
    std::span<const std::byte> payload, std::int32_t correlation_id);
kafka::codec_result<std::vector<alter_configs_answer>> decode_incremental_alter_configs_response(
    std::span<const std::byte> payload, std::int32_t correlation_id);

}  // namespace laminar::cli
