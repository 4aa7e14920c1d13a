#include "ctl/metadata_records.h"

#include <bit>
#include <random>

#include "core/endian.h"

namespace laminar::ctl {

namespace {

constexpr std::uint8_t record_version = 0;

class writer {
public:
    explicit writer(std::vector<std::byte>& out) : _out(out) {}
    template <typename T>
    void put(T value) {
        const auto at = _out.size();
        _out.resize(at + sizeof(T));
        store_be(_out.data() + at, value);
    }
    void put_string(const std::string& text) {
        put(static_cast<std::uint32_t>(text.size()));
        const auto* bytes = reinterpret_cast<const std::byte*>(text.data());
        _out.insert(_out.end(), bytes, bytes + text.size());
    }
    void put_uuid(const uuid& id) {
        for (auto b : id) put(b);
    }
    void put_ints(const std::vector<std::int32_t>& values) {
        put(static_cast<std::uint32_t>(values.size()));
        for (auto v : values) put(v);
    }
    template <typename T, typename Put>
    void put_optional(const std::optional<T>& value, Put put_value) {
        put(static_cast<std::uint8_t>(value.has_value()));
        if (value) put_value(*value);
    }

private:
    std::vector<std::byte>& _out;
};

class reader {
public:
    explicit reader(std::span<const std::byte> in) : _in(in) {}
    bool ok() const noexcept { return _ok; }
    bool at_end() const noexcept { return _at == _in.size(); }
    template <typename T>
    T get() {
        if (!_ok || _in.size() - _at < sizeof(T)) {
            _ok = false;
            return T{};
        }
        T value = load_be<T>(_in.data() + _at);
        _at += sizeof(T);
        return value;
    }
    std::string get_string() {
        const auto size = get<std::uint32_t>();
        if (!_ok || size > metadata_string_bytes_max || _in.size() - _at < size) {
            _ok = false;
            return {};
        }
        std::string text(reinterpret_cast<const char*>(_in.data() + _at), size);
        _at += size;
        return text;
    }
    uuid get_uuid() {
        uuid id{};
        for (auto& b : id) b = get<std::uint8_t>();
        return id;
    }
    std::vector<std::int32_t> get_ints() {
        const auto count = get<std::uint32_t>();
        if (!_ok || count > metadata_list_items_max || (_in.size() - _at) / 4 < count) {
            _ok = false;
            return {};
        }
        std::vector<std::int32_t> values(count);
        for (auto& v : values) v = get<std::int32_t>();
        return values;
    }
    bool get_flag() {
        const auto flag = get<std::uint8_t>();
        if (flag > 1) _ok = false;
        return flag == 1;
    }

private:
    std::span<const std::byte> _in;
    std::size_t _at = 0;
    bool _ok = true;
};

void encode_one(writer& out, const metadata_record& record) {
    out.put(static_cast<std::uint8_t>(record.type));
    out.put(record_version);
    switch (record.type) {
    case metadata_record_type::register_broker:
        out.put(record.broker.node_id);
        out.put_uuid(record.broker.incarnation_id);
        out.put(static_cast<std::uint32_t>(record.broker.endpoints.size()));
        for (const auto& endpoint : record.broker.endpoints) {
            out.put_string(endpoint.listener);
            out.put_string(endpoint.host);
            out.put(endpoint.port);
        }
        out.put_string(record.broker.rack);
        break;
    case metadata_record_type::topic:
        out.put_string(record.topic.name);
        out.put_uuid(record.topic.topic_id);
        break;
    case metadata_record_type::partition:
        out.put_uuid(record.partition.topic_id);
        out.put(record.partition.partition);
        out.put_ints(record.partition.replicas);
        out.put_ints(record.partition.isr);
        out.put(record.partition.leader);
        out.put(record.partition.leader_epoch);
        out.put(record.partition.partition_epoch);
        break;
    case metadata_record_type::config:
        out.put(static_cast<std::uint8_t>(record.config.resource_type));
        out.put_string(record.config.resource_name);
        out.put_string(record.config.key);
        out.put_optional(record.config.value, [&](const std::string& v) { out.put_string(v); });
        break;
    case metadata_record_type::partition_change: {
        const auto& change = record.partition_change;
        out.put_uuid(change.topic_id);
        out.put(change.partition);
        out.put_optional(change.leader, [&](std::int32_t v) { out.put(v); });
        out.put_optional(change.isr, [&](const std::vector<std::int32_t>& v) { out.put_ints(v); });
        out.put_optional(change.replicas,
                         [&](const std::vector<std::int32_t>& v) { out.put_ints(v); });
        break;
    }
    case metadata_record_type::remove_topic:
        out.put_uuid(record.remove_topic.topic_id);
        break;
    case metadata_record_type::client_quota: {
        const auto& quota = record.client_quota;
        out.put(static_cast<std::uint32_t>(quota.entity.size()));
        for (const auto& [type, name] : quota.entity) {
            out.put_string(type);
            out.put_optional(name, [&](const std::string& v) { out.put_string(v); });
        }
        out.put_string(quota.key);
        out.put(std::bit_cast<std::uint64_t>(quota.value));
        out.put(static_cast<std::uint8_t>(quota.remove));
        break;
    }
    case metadata_record_type::feature_level:
        out.put_string(record.feature_level.name);
        out.put(record.feature_level.level);
        break;
    case metadata_record_type::leader_change:
        out.put(record.leader_change.leader_id);
        out.put(record.leader_change.epoch);
        out.put_ints(record.leader_change.voters);
        break;
    case metadata_record_type::unregister_broker: out.put(record.unregister_broker.node_id); break;
    }
}

bool decode_client_quota(reader& in, client_quota_record& quota) {
    const auto count = in.get<std::uint32_t>();
    if (count > metadata_list_items_max) return false;
    for (std::uint32_t i = 0; i < count && in.ok(); ++i) {
        auto type = in.get_string();
        std::optional<std::string> name;
        if (in.get_flag()) name = in.get_string();
        // Types in increasing order, each once, as the encoder writes them (a map).
        if (!quota.entity.empty() && !(quota.entity.rbegin()->first < type)) return false;
        quota.entity.emplace_hint(quota.entity.end(), std::move(type), std::move(name));
    }
    quota.key = in.get_string();
    quota.value = std::bit_cast<double>(in.get<std::uint64_t>());
    quota.remove = in.get_flag();
    return in.ok();
}

bool decode_broker(reader& in, register_broker_record& broker) {
    broker.node_id = in.get<std::int32_t>();
    broker.incarnation_id = in.get_uuid();
    const auto count = in.get<std::uint32_t>();
    if (count > metadata_list_items_max) return false;
    for (std::uint32_t i = 0; i < count && in.ok(); ++i) {
        broker_endpoint endpoint;
        endpoint.listener = in.get_string();
        endpoint.host = in.get_string();
        endpoint.port = in.get<std::uint16_t>();
        broker.endpoints.push_back(std::move(endpoint));
    }
    broker.rack = in.get_string();
    return in.ok();
}

bool decode_one(reader& in, metadata_record& record) {
    const auto type = in.get<std::uint8_t>();
    const auto version = in.get<std::uint8_t>();
    if (!in.ok() || version != record_version) return false;
    record.type = static_cast<metadata_record_type>(type);
    switch (record.type) {
    case metadata_record_type::register_broker:
        return decode_broker(in, record.broker);
    case metadata_record_type::topic:
        record.topic.name = in.get_string();
        record.topic.topic_id = in.get_uuid();
        return in.ok();
    case metadata_record_type::partition:
        record.partition.topic_id = in.get_uuid();
        record.partition.partition = in.get<std::int32_t>();
        record.partition.replicas = in.get_ints();
        record.partition.isr = in.get_ints();
        record.partition.leader = in.get<std::int32_t>();
        record.partition.leader_epoch = in.get<std::int32_t>();
        record.partition.partition_epoch = in.get<std::int32_t>();
        return in.ok();
    case metadata_record_type::config: {
        const auto resource = in.get<std::uint8_t>();
        if (resource != 2 && resource != 4) return false;
        record.config.resource_type = static_cast<config_resource_type>(resource);
        record.config.resource_name = in.get_string();
        record.config.key = in.get_string();
        if (in.get_flag()) record.config.value = in.get_string();
        return in.ok();
    }
    case metadata_record_type::partition_change: {
        auto& change = record.partition_change;
        change.topic_id = in.get_uuid();
        change.partition = in.get<std::int32_t>();
        if (in.get_flag()) change.leader = in.get<std::int32_t>();
        if (in.get_flag()) change.isr = in.get_ints();
        if (in.get_flag()) change.replicas = in.get_ints();
        return in.ok();
    }
    case metadata_record_type::remove_topic:
        record.remove_topic.topic_id = in.get_uuid();
        return in.ok();
    case metadata_record_type::client_quota: return decode_client_quota(in, record.client_quota);
    case metadata_record_type::feature_level:
        record.feature_level.name = in.get_string();
        record.feature_level.level = in.get<std::int16_t>();
        return in.ok();
    case metadata_record_type::leader_change:
        record.leader_change.leader_id = in.get<std::int32_t>();
        record.leader_change.epoch = in.get<std::int32_t>();
        record.leader_change.voters = in.get_ints();
        return in.ok();
    case metadata_record_type::unregister_broker:
        record.unregister_broker.node_id = in.get<std::int32_t>();
        return in.ok();
    }
    return false;  // unknown type
}

}  // namespace

uuid random_uuid() {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    uuid id{};
    for (std::size_t i = 0; i < id.size(); i += 8) {
        const auto bits = generator();
        for (std::size_t j = 0; j < 8; ++j) id[i + j] = static_cast<std::uint8_t>(bits >> (8 * j));
    }
    id[6] = static_cast<std::uint8_t>((id[6] & 0x0f) | 0x40);  // version 4
    id[8] = static_cast<std::uint8_t>((id[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return id;
}

std::string to_base64url(const uuid& id) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string text;
    std::uint32_t bits = 0;
    int held = 0;
    for (auto byte : id) {
        bits = (bits << 8) | byte;
        held += 8;
        while (held >= 6) {
            held -= 6;
            text.push_back(alphabet[(bits >> held) & 0x3f]);
        }
    }
    if (held > 0) text.push_back(alphabet[(bits << (6 - held)) & 0x3f]);
    return text;
}

std::optional<uuid> from_base64url(std::string_view text) {
    if (text.size() != 22) return std::nullopt;
    uuid id{};
    std::uint32_t bits = 0;
    int held = 0;
    std::size_t out = 0;
    for (char c : text) {
        int value = -1;
        if (c >= 'A' && c <= 'Z') value = c - 'A';
        else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
        else if (c >= '0' && c <= '9') value = c - '0' + 52;
        else if (c == '-') value = 62;
        else if (c == '_') value = 63;
        if (value < 0) return std::nullopt;
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        held += 6;
        if (held >= 8) {
            held -= 8;
            if (out < id.size()) id[out++] = static_cast<std::uint8_t>(bits >> held);
        }
    }
    if (out != id.size()) return std::nullopt;
    return id;
}

namespace {
// A record of `type` whose `member` holds `value`.
template <typename Record>
metadata_record record_of(metadata_record_type type, Record metadata_record::*member,
                          Record value) {
    metadata_record made;
    made.type = type;
    made.*member = std::move(value);
    return made;
}
}  // namespace

metadata_record metadata_record::of(register_broker_record record) {
    return record_of(metadata_record_type::register_broker, &metadata_record::broker,
                     std::move(record));
}
metadata_record metadata_record::of(topic_record record) {
    return record_of(metadata_record_type::topic, &metadata_record::topic, std::move(record));
}
metadata_record metadata_record::of(partition_record record) {
    return record_of(metadata_record_type::partition, &metadata_record::partition,
                     std::move(record));
}
metadata_record metadata_record::of(config_record record) {
    return record_of(metadata_record_type::config, &metadata_record::config, std::move(record));
}
metadata_record metadata_record::of(partition_change_record record) {
    return record_of(metadata_record_type::partition_change, &metadata_record::partition_change,
                     std::move(record));
}
metadata_record metadata_record::of(remove_topic_record record) {
    return record_of(metadata_record_type::remove_topic, &metadata_record::remove_topic,
                     std::move(record));
}
metadata_record metadata_record::of(client_quota_record record) {
    return record_of(metadata_record_type::client_quota, &metadata_record::client_quota,
                     std::move(record));
}
metadata_record metadata_record::of(feature_level_record record) {
    return record_of(metadata_record_type::feature_level, &metadata_record::feature_level,
                     std::move(record));
}
metadata_record metadata_record::of(leader_change_record record) {
    return record_of(metadata_record_type::leader_change, &metadata_record::leader_change,
                     std::move(record));
}
metadata_record metadata_record::of(unregister_broker_record record) {
    return record_of(metadata_record_type::unregister_broker, &metadata_record::unregister_broker,
                     std::move(record));
}

std::vector<std::byte> encode_records(std::span<const metadata_record> records) {
    std::vector<std::byte> out;
    writer w(out);
    w.put(static_cast<std::uint32_t>(records.size()));
    for (const auto& record : records) encode_one(w, record);
    return out;
}

result<std::vector<metadata_record>> decode_records(std::span<const std::byte> payload) {
    reader in(payload);
    const auto count = in.get<std::uint32_t>();
    // Each record takes at least two bytes, so a count beyond that is a lie.
    if (!in.ok() || count > metadata_batch_records_max || count > payload.size() / 2) {
        return fail(errc::corrupt_data);
    }
    std::vector<metadata_record> records(count);
    for (auto& record : records) {
        if (!decode_one(in, record)) return fail(errc::corrupt_data);
    }
    if (!in.at_end()) return fail(errc::corrupt_data);
    return records;
}

}  // namespace laminar::ctl
