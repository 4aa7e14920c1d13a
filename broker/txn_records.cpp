#include "broker/txn_records.h"

#include <array>

#include "broker/group_records.h"

namespace laminar::broker::txn {
namespace {

using kafka::codec_error;
using kafka::codec_result;

constexpr std::array<std::string_view, txn_state_max + 1> state_names = {
    "Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
    "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence",
};

}  // namespace

std::string_view state_name(txn_state state) noexcept {
    const auto index = static_cast<std::size_t>(state);
    return index < state_names.size() ? state_names[index] : std::string_view("Unknown");
}

std::optional<txn_state> state_named(std::string_view name) noexcept {
    for (std::size_t i = 0; i < state_names.size(); ++i) {
        if (state_names[i] == name) return static_cast<txn_state>(i);
    }
    return std::nullopt;
}

kafka::bytes encode_txn_log_key(std::string_view transactional_id) {
    kafka::bytes out;
    kafka::writer writer(out);
    writer.write_int16(txn_log_key_version);
    writer.write_string_length(false, static_cast<std::int32_t>(transactional_id.size()));
    writer.write_raw(kafka::as_bytes(transactional_id));
    return out;
}

codec_result<std::string> decode_txn_log_key(std::span<const std::byte> data) {
    kafka::reader in(data);
    auto version = in.read_int16();
    if (!version) return fail(version.error());
    if (*version != txn_log_key_version) return fail(codec_error::unsupported_version);
    auto length = in.read_string_length(false);
    if (!length) return fail(length.error());
    if (*length < 0) return fail(codec_error::invalid_value);
    auto text = in.read_span(static_cast<std::size_t>(*length));
    if (!text) return fail(text.error());
    if (in.remaining() != 0) return fail(codec_error::trailing_bytes);
    return std::string(reinterpret_cast<const char*>(text->data()), text->size());
}

kafka::bytes encode_txn_log_value(const txn_log_value& value, std::int16_t version) {
    kafka::bytes out;
    kafka::writer writer(out);
    writer.write_int16(version);
    kafka::encoder encoder(out, version, version >= 1);
    encoder.write_struct(value);
    return out;
}

codec_result<txn_log_value> decode_txn_log_value(std::span<const std::byte> data) {
    kafka::reader in(data);
    auto version = in.read_int16();
    if (!version) return fail(version.error());
    if (*version < 0 || *version > txn_log_value_version_max) {
        return fail(codec_error::unsupported_version);
    }
    std::size_t budget = kafka::decoded_bytes_max_default(data.size());
    kafka::decoder decoder(in, *version, *version >= 1, budget);
    txn_log_value value;
    decoder.read_struct(value);
    if (decoder.error()) return fail(*decoder.error());
    if (in.remaining() != 0) return fail(codec_error::trailing_bytes);
    if (value.transaction_status < 0 || value.transaction_status > txn_state_max) {
        return fail(codec_error::invalid_value);
    }
    return value;
}

std::int32_t txn_state_partition_for(std::string_view transactional_id,
                                     std::int32_t partition_count) {
    return groups::offsets_partition_for(transactional_id, partition_count);
}

}  // namespace laminar::broker::txn
