#include "broker/group_records.h"

#include <cstring>
#include <limits>

namespace laminar::broker::groups {
namespace {

using kafka::codec_error;
using kafka::codec_result;
using kafka::codec_status;

// Propagates a failed read: `GROUP_RECORDS_TRY(x, reader.read_int32());`.
#define GROUP_RECORDS_TRY(name, expression)                \
    auto name##_result = (expression);                     \
    if (!name##_result) return fail(name##_result.error()); \
    auto name = *name##_result
#define GROUP_RECORDS_CHECK(expression)                     \
    if (auto status = (expression); !status) return fail(status.error())

void write_string(kafka::writer& out, bool compact, std::string_view text) {
    out.write_string_length(compact, static_cast<std::int32_t>(text.size()));
    out.write_raw(kafka::as_bytes(text));
}

void write_nullable_string(kafka::writer& out, bool compact,
                           const std::optional<std::string>& text) {
    if (!text) {
        out.write_string_length(compact, -1);
        return;
    }
    write_string(out, compact, *text);
}

void write_bytes(kafka::writer& out, bool compact, const kafka::bytes& data) {
    out.write_bytes_length(compact, static_cast<std::int32_t>(data.size()));
    out.write_raw(data);
}

codec_result<std::optional<std::string>> read_nullable_string(kafka::reader& in, bool compact) {
    GROUP_RECORDS_TRY(length, in.read_string_length(compact));
    if (length < 0) return std::optional<std::string>();
    GROUP_RECORDS_TRY(span, in.read_span(static_cast<std::size_t>(length)));
    return std::optional<std::string>(
        std::string(reinterpret_cast<const char*>(span.data()), span.size()));
}

codec_result<std::string> read_string(kafka::reader& in, bool compact) {
    GROUP_RECORDS_TRY(text, read_nullable_string(in, compact));
    if (!text) return fail(codec_error::invalid_value);
    return std::move(*text);
}

codec_result<kafka::bytes> read_bytes(kafka::reader& in, bool compact) {
    GROUP_RECORDS_TRY(length, in.read_bytes_length(compact));
    if (length < 0) return fail(codec_error::invalid_value);
    GROUP_RECORDS_TRY(span, in.read_span(static_cast<std::size_t>(length)));
    return kafka::bytes(span.begin(), span.end());
}

// Flexible versions end each struct with tagged fields; none are known here, so all are skipped.
codec_status skip_tagged_fields(kafka::reader& in) {
    GROUP_RECORDS_TRY(count, in.read_unsigned_varint());
    for (std::uint32_t i = 0; i < count; ++i) {
        GROUP_RECORDS_TRY(tag, in.read_unsigned_varint());
        (void)tag;
        GROUP_RECORDS_TRY(size, in.read_unsigned_varint());
        GROUP_RECORDS_TRY(skipped, in.read_span(size));
        (void)skipped;
    }
    return {};
}

codec_result<group_member_value> read_member(kafka::reader& in, std::int16_t version) {
    const bool compact = version >= 4;
    group_member_value member;
    GROUP_RECORDS_TRY(member_id, read_string(in, compact));
    member.member_id = std::move(member_id);
    if (version >= 3) {
        GROUP_RECORDS_TRY(instance, read_nullable_string(in, compact));
        member.group_instance_id = std::move(instance);
    }
    GROUP_RECORDS_TRY(client_id, read_string(in, compact));
    member.client_id = std::move(client_id);
    GROUP_RECORDS_TRY(client_host, read_string(in, compact));
    member.client_host = std::move(client_host);
    if (version >= 1) {
        GROUP_RECORDS_TRY(rebalance, in.read_int32());
        member.rebalance_timeout_ms = rebalance;
    }
    GROUP_RECORDS_TRY(session, in.read_int32());
    member.session_timeout_ms = session;
    if (version == 0) member.rebalance_timeout_ms = session;
    GROUP_RECORDS_TRY(subscription, read_bytes(in, compact));
    member.subscription = std::move(subscription);
    GROUP_RECORDS_TRY(assignment, read_bytes(in, compact));
    member.assignment = std::move(assignment);
    if (compact) {
        GROUP_RECORDS_CHECK(skip_tagged_fields(in));
    }
    return member;
}

}  // namespace

kafka::bytes encode_offset_commit_key(std::string_view group, std::string_view topic,
                                      std::int32_t partition) {
    kafka::bytes out;
    kafka::writer writer(out);
    writer.write_int16(offset_commit_key_version);
    write_string(writer, false, group);
    write_string(writer, false, topic);
    writer.write_int32(partition);
    return out;
}

kafka::bytes encode_group_metadata_key(std::string_view group) {
    kafka::bytes out;
    kafka::writer writer(out);
    writer.write_int16(group_metadata_key_version);
    write_string(writer, false, group);
    return out;
}

codec_result<record_key> decode_key(std::span<const std::byte> data) {
    kafka::reader in(data);
    GROUP_RECORDS_TRY(version, in.read_int16());
    record_key key;
    key.version = version;
    if (version < 0 || version > 2) return fail(codec_error::unsupported_version);
    GROUP_RECORDS_TRY(group, read_string(in, false));
    key.group = std::move(group);
    if (version <= 1) {
        key.kind = record_key_kind::offset_commit;
        GROUP_RECORDS_TRY(topic, read_string(in, false));
        key.topic = std::move(topic);
        GROUP_RECORDS_TRY(partition, in.read_int32());
        key.partition = partition;
    } else {
        key.kind = record_key_kind::group_metadata;
    }
    if (in.remaining() != 0) return fail(codec_error::trailing_bytes);
    return key;
}

std::int16_t offset_commit_value_version_for(const offset_commit_value& value) noexcept {
    return value.expire_timestamp >= 0 ? offset_commit_value_version_with_expiry
                                       : offset_commit_value_version;
}

kafka::bytes encode_offset_commit_value(const offset_commit_value& value, std::int16_t version) {
    LAMINAR_ASSERT(version >= 0 && version <= record_value_version_max);
    const bool compact = version >= 4;
    kafka::bytes out;
    kafka::writer writer(out);
    writer.write_int16(version);
    writer.write_int64(value.offset);
    if (version >= 3) writer.write_int32(value.leader_epoch);
    write_string(writer, compact, value.metadata);
    writer.write_int64(value.commit_timestamp);
    if (version == 1) writer.write_int64(value.expire_timestamp);
    if (compact) writer.write_unsigned_varint(0);
    return out;
}

codec_result<offset_commit_value> decode_offset_commit_value(std::span<const std::byte> data) {
    kafka::reader in(data);
    GROUP_RECORDS_TRY(version, in.read_int16());
    if (version < 0 || version > record_value_version_max) {
        return fail(codec_error::unsupported_version);
    }
    const bool compact = version >= 4;
    offset_commit_value value;
    GROUP_RECORDS_TRY(offset, in.read_int64());
    value.offset = offset;
    if (version >= 3) {
        GROUP_RECORDS_TRY(epoch, in.read_int32());
        value.leader_epoch = epoch;
    }
    GROUP_RECORDS_TRY(metadata, read_string(in, compact));
    value.metadata = std::move(metadata);
    GROUP_RECORDS_TRY(timestamp, in.read_int64());
    value.commit_timestamp = timestamp;
    if (version == 1) {
        GROUP_RECORDS_TRY(expire, in.read_int64());
        value.expire_timestamp = expire;
    }
    if (compact) {
        GROUP_RECORDS_CHECK(skip_tagged_fields(in));
    }
    // Kafka's reader ignores bytes after the fields (a newer writer's additions); so do we.
    return value;
}

kafka::bytes encode_group_metadata_value(const group_metadata_value& value,
                                         std::int16_t version) {
    LAMINAR_ASSERT(version >= 0 && version <= record_value_version_max);
    const bool compact = version >= 4;
    kafka::bytes out;
    kafka::writer writer(out);
    writer.write_int16(version);
    write_string(writer, compact, value.protocol_type);
    writer.write_int32(value.generation);
    write_nullable_string(writer, compact, value.protocol);
    write_nullable_string(writer, compact, value.leader);
    if (version >= 2) writer.write_int64(value.current_state_timestamp);
    writer.write_array_count(compact, static_cast<std::int32_t>(value.members.size()));
    for (const auto& member : value.members) {
        write_string(writer, compact, member.member_id);
        if (version >= 3) write_nullable_string(writer, compact, member.group_instance_id);
        write_string(writer, compact, member.client_id);
        write_string(writer, compact, member.client_host);
        if (version >= 1) writer.write_int32(member.rebalance_timeout_ms);
        writer.write_int32(member.session_timeout_ms);
        write_bytes(writer, compact, member.subscription);
        write_bytes(writer, compact, member.assignment);
        if (compact) writer.write_unsigned_varint(0);
    }
    if (compact) writer.write_unsigned_varint(0);
    return out;
}

codec_result<group_metadata_value> decode_group_metadata_value(std::span<const std::byte> data) {
    kafka::reader in(data);
    GROUP_RECORDS_TRY(version, in.read_int16());
    if (version < 0 || version > record_value_version_max) {
        return fail(codec_error::unsupported_version);
    }
    const bool compact = version >= 4;
    group_metadata_value value;
    GROUP_RECORDS_TRY(protocol_type, read_string(in, compact));
    value.protocol_type = std::move(protocol_type);
    GROUP_RECORDS_TRY(generation, in.read_int32());
    value.generation = generation;
    GROUP_RECORDS_TRY(protocol, read_nullable_string(in, compact));
    value.protocol = std::move(protocol);
    GROUP_RECORDS_TRY(leader, read_nullable_string(in, compact));
    value.leader = std::move(leader);
    if (version >= 2) {
        GROUP_RECORDS_TRY(timestamp, in.read_int64());
        value.current_state_timestamp = timestamp;
    }
    GROUP_RECORDS_TRY(count, in.read_array_count(compact));
    if (count < 0) return fail(codec_error::invalid_length);
    for (std::int32_t i = 0; i < count; ++i) {
        GROUP_RECORDS_TRY(member, read_member(in, version));
        value.members.push_back(std::move(member));
    }
    if (compact) {
        GROUP_RECORDS_CHECK(skip_tagged_fields(in));
    }
    return value;
}

std::optional<std::vector<std::string>> decode_subscription_topics(
    std::span<const std::byte> metadata) {
    kafka::reader in(metadata);
    auto version = in.read_int16();
    if (!version || *version < 0) return std::nullopt;
    auto count = in.read_array_count(false);
    if (!count || *count < 0) return std::nullopt;
    std::vector<std::string> topics;
    for (std::int32_t i = 0; i < *count; ++i) {
        auto topic = read_string(in, false);
        if (!topic) return std::nullopt;
        topics.push_back(std::move(*topic));
    }
    auto user_data_length = in.read_bytes_length(false);  // nullable in v0
    if (!user_data_length) return std::nullopt;
    if (*user_data_length > 0 && !in.read_span(static_cast<std::size_t>(*user_data_length))) {
        return std::nullopt;
    }
    return topics;
}

namespace {

// Calls `unit` with each UTF-16 code unit of UTF-8 text, decoding as Java's UTF-8 decoder
// does for well-formed input; each byte of a malformed sequence becomes U+FFFD.
template <typename Unit>
void for_each_utf16_unit(std::string_view text, Unit&& unit) {
    const auto* data = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t size = text.size();
    std::size_t i = 0;
    while (i < size) {
        const unsigned char lead = data[i];
        std::size_t length = 0;
        std::uint32_t point = 0;
        std::uint32_t minimum = 0;
        if (lead < 0x80) { length = 1; point = lead; }
        else if ((lead & 0xE0) == 0xC0) { length = 2; point = lead & 0x1Fu; minimum = 0x80; }
        else if ((lead & 0xF0) == 0xE0) { length = 3; point = lead & 0x0Fu; minimum = 0x800; }
        else if ((lead & 0xF8) == 0xF0) { length = 4; point = lead & 0x07u; minimum = 0x10000; }
        bool valid = length != 0 && i + length <= size;
        for (std::size_t k = 1; valid && k < length; ++k) {
            if ((data[i + k] & 0xC0) != 0x80) valid = false;
            else point = (point << 6) | (data[i + k] & 0x3Fu);
        }
        if (valid && length > 1 &&
            (point < minimum || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF))) {
            valid = false;
        }
        if (!valid) {
            unit(static_cast<std::uint16_t>(0xFFFD));
            ++i;
            continue;
        }
        if (point >= 0x10000) {
            point -= 0x10000;
            unit(static_cast<std::uint16_t>(0xD800 + (point >> 10)));
            unit(static_cast<std::uint16_t>(0xDC00 + (point & 0x3FF)));
        } else {
            unit(static_cast<std::uint16_t>(point));
        }
        i += length;
    }
}

}  // namespace

std::int32_t java_string_hash(std::string_view utf8) noexcept {
    std::uint32_t hash = 0;  // Java's int arithmetic wraps; unsigned does so without UB
    for_each_utf16_unit(utf8, [&](std::uint16_t unit) { hash = hash * 31u + unit; });
    return static_cast<std::int32_t>(hash);
}

std::size_t java_string_length(std::string_view utf8) noexcept {
    std::size_t length = 0;
    for_each_utf16_unit(utf8, [&](std::uint16_t) { ++length; });
    return length;
}

std::int32_t offsets_partition_for(std::string_view group_id, std::int32_t partition_count) {
    LAMINAR_ASSERT(partition_count > 0);
    const std::int32_t hash = java_string_hash(group_id);
    const std::int32_t positive =
        hash == std::numeric_limits<std::int32_t>::min() ? 0 : (hash < 0 ? -hash : hash);
    return positive % partition_count;
}

#undef GROUP_RECORDS_TRY
#undef GROUP_RECORDS_CHECK

}  // namespace laminar::broker::groups
