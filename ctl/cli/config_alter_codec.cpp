#include "ctl/cli/config_alter_codec.h"

namespace laminar::cli {
namespace {

using kafka::codec_error;
using kafka::codec_result;

constexpr bool classic = false;  // both requests are pre-flexible versions

void write_string(kafka::writer& out, std::string_view text) {
    out.write_string_length(classic, static_cast<std::int32_t>(text.size()));
    out.write_raw(kafka::as_bytes(text));
}

void write_nullable_string(kafka::writer& out, const std::optional<std::string>& text) {
    if (!text) out.write_string_length(classic, -1);
    else write_string(out, *text);
}

// Size placeholder and request header v1; the caller patches the size when the body is done.
void write_header(kafka::writer& out, std::int16_t api_key, std::int32_t correlation_id,
                  std::string_view client_id) {
    out.write_int32(0);
    out.write_int16(api_key);
    out.write_int16(0);  // version 0 of both APIs
    out.write_int32(correlation_id);
    write_string(out, client_id);
}

void finish_frame(kafka::writer& out) {
    out.patch_int32(0, static_cast<std::int32_t>(out.size() - 4));
}

codec_result<std::optional<std::string>> read_nullable_string(kafka::reader& in) {
    auto length = in.read_string_length(classic);
    if (!length) return laminar::fail(length.error());
    if (*length < 0) return std::optional<std::string>();
    auto text = in.read_span(static_cast<std::size_t>(*length));
    if (!text) return laminar::fail(text.error());
    return std::optional<std::string>(
        std::string(reinterpret_cast<const char*>(text->data()), text->size()));
}

codec_result<std::string> read_string(kafka::reader& in) {
    auto text = read_nullable_string(in);
    if (!text) return laminar::fail(text.error());
    if (!*text) return laminar::fail(codec_error::invalid_value);
    return std::move(**text);
}

kafka::codec_status read_correlation(kafka::reader& in, std::int32_t correlation_id) {
    auto received = in.read_int32();
    if (!received) return laminar::fail(received.error());
    if (*received != correlation_id) return laminar::fail(codec_error::invalid_value);
    return {};
}

#define LAMINAR_CLI_READ(target, expression)            \
    auto target = (expression);                         \
    if (!target) return laminar::fail(target.error())

codec_result<alter_configs_answer> read_alter_answer(kafka::reader& in) {
    LAMINAR_CLI_READ(error_code, in.read_int16());
    LAMINAR_CLI_READ(message, read_nullable_string(in));
    LAMINAR_CLI_READ(resource_type, in.read_int8());
    LAMINAR_CLI_READ(resource_name, read_string(in));
    return alter_configs_answer{*error_code, std::move(*message), *resource_type,
                                std::move(*resource_name)};
}

}  // namespace

kafka::bytes encode_api_versions_request(std::int32_t correlation_id, std::string_view client_id) {
    kafka::bytes frame;
    kafka::writer out(frame);
    write_header(out, api_versions_key, correlation_id, client_id);
    finish_frame(out);
    return frame;
}

kafka::bytes encode_incremental_alter_configs_request(
    std::int32_t correlation_id, std::string_view client_id, std::string_view topic,
    const std::vector<config_alteration>& alterations) {
    kafka::bytes frame;
    kafka::writer out(frame);
    write_header(out, incremental_alter_configs_key, correlation_id, client_id);
    out.write_array_count(classic, 1);
    out.write_int8(resource_type_topic);
    write_string(out, topic);
    out.write_array_count(classic, static_cast<std::int32_t>(alterations.size()));
    for (const auto& alteration : alterations) {
        write_string(out, alteration.name);
        out.write_int8(static_cast<std::int8_t>(alteration.operation));
        write_nullable_string(out, alteration.value);
    }
    out.write_int8(0);  // validate_only = false
    finish_frame(out);
    return frame;
}

codec_result<api_versions_answer> decode_api_versions_response(std::span<const std::byte> payload,
                                                               std::int32_t correlation_id) {
    kafka::reader in(payload);
    if (auto header = read_correlation(in, correlation_id); !header) {
        return laminar::fail(header.error());
    }
    api_versions_answer answer;
    LAMINAR_CLI_READ(error_code, in.read_int16());
    answer.error_code = *error_code;
    LAMINAR_CLI_READ(count, in.read_array_count(classic));
    for (std::int32_t i = 0; i < *count; ++i) {
        LAMINAR_CLI_READ(key, in.read_int16());
        LAMINAR_CLI_READ(version_min, in.read_int16());
        LAMINAR_CLI_READ(version_max, in.read_int16());
        answer.apis.push_back({*key, *version_min, *version_max});
    }
    if (in.remaining() != 0) return laminar::fail(codec_error::trailing_bytes);
    return answer;
}

codec_result<std::vector<alter_configs_answer>> decode_incremental_alter_configs_response(
    std::span<const std::byte> payload, std::int32_t correlation_id) {
    kafka::reader in(payload);
    if (auto header = read_correlation(in, correlation_id); !header) {
        return laminar::fail(header.error());
    }
    LAMINAR_CLI_READ(throttle_time_ms, in.read_int32());
    LAMINAR_CLI_READ(count, in.read_array_count(classic));
    std::vector<alter_configs_answer> answers;
    for (std::int32_t i = 0; i < *count; ++i) {
        LAMINAR_CLI_READ(answer, read_alter_answer(in));
        answers.push_back(std::move(*answer));
    }
    if (in.remaining() != 0) return laminar::fail(codec_error::trailing_bytes);
    return answers;
}

#undef LAMINAR_CLI_READ

}  // namespace laminar::cli
