// The schema machinery: every message is declared once as a `visit` function listing its fields
// with the versions each exists in, and encode/decode for every version are derived from that.
//
//   template <typename V> void visit(V& v, metadata_request& m) {
//       v.field(m.topics, {.nullable_min = 1});
//       v.field(m.allow_auto_topic_creation, {.min = 4, .default_value = 1});
//   }
//
// A field's C++ type gives its wire type: bool, int8..int64, uint16, uint32, double, uuid,
// std::string (string), bytes (bytes), std::vector<E> (array of a primitive or of a struct that
// has its own visit), and std::optional<...> of string, bytes or vector for nullable fields,
// which may be null from version `nullable_min` on. Flexible versions (from the message's
// flexible_from in api_keys.cpp) switch strings, bytes and arrays to their compact forms and
// end every struct with a tagged-field section; a field with a `tag` lives in that section
// (flexible versions only), is written only when it differs from its default, and unknown tags
// are skipped. Fields absent in a version are not written (silently, where Kafka's generated
// code refuses a non-default value of a non-ignorable field) and decode as their default: the
// struct's member initializer, which must equal schema_detail::default_of (Kafka's defaults;
// the round-trip tests check that they agree).
//
// Visitors: decoder (reader -> struct), encoder (struct -> writer), normalizer (resets the
// fields a version lacks, what a round trip through that version gives back).
//
// Locality: any thread; no shared state.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "net/kafka/api_keys.h"
#include "net/kafka/wire.h"

namespace laminar::kafka {

inline constexpr std::int16_t version_max = 0x7fff;

struct field_spec {
    std::int16_t min = 0;                     // first version with the field
    std::int16_t max = version_max;           // last version with the field
    std::int16_t nullable_min = version_max;  // first version where it may be null
    std::int32_t tag = -1;                    // tagged field number, -1 when not tagged
    std::int64_t default_value = 0;           // default of integer and bool fields

    bool present(std::int16_t version, bool flexible) const noexcept {
        return version >= min && version <= max && (tag < 0 || flexible);
    }
};

namespace schema_detail {
template <typename T>
struct is_vector : std::false_type {};
template <typename E, typename A>
struct is_vector<std::vector<E, A>> : std::true_type {};
template <typename T>
struct is_optional : std::false_type {};
template <typename E>
struct is_optional<std::optional<E>> : std::true_type {};

template <typename T>
struct is_nullable_array : std::false_type {};
template <typename E, typename A>
struct is_nullable_array<std::optional<std::vector<E, A>>>
    : std::bool_constant<!std::is_same_v<E, std::byte>> {};

template <typename T>
inline constexpr bool is_integer = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <typename T>
inline constexpr bool is_scalar = std::is_arithmetic_v<T> || std::is_same_v<T, uuid>;
template <typename T>
inline constexpr bool is_blob = std::is_same_v<T, std::string> || std::is_same_v<T, bytes>;
template <typename T>
inline constexpr bool is_array = is_vector<T>::value && !std::is_same_v<T, bytes>;
template <typename T>
inline constexpr bool is_spliced = std::is_same_v<T, spliced_bytes>;
template <typename T>
inline constexpr bool is_struct = !is_scalar<T> && !is_blob<T> && !is_array<T> &&
                                  !is_optional<T>::value && !is_spliced<T>;

// Kafka's defaults: default_value for numbers and bools, empty for arrays (nullable ones
// too), null for nullable strings and bytes, empty strings, zero uuids, structs' own defaults.
template <typename T>
T default_of(const field_spec& spec) {
    if constexpr (std::is_arithmetic_v<T>) return static_cast<T>(spec.default_value);
    else if constexpr (is_nullable_array<T>::value) {
        return T(std::in_place);
    } else return T{};
}
}  // namespace schema_detail

// Memory a decode may allocate (array elements at sizeof, strings and bytes at their length),
// so that input that is cheap on the wire but expensive in memory (arrays of empty strings are
// 1 byte each on the wire, 32 in a std::vector<std::string>) cannot multiply a frame's size.
// The default for a body of n bytes, 8 n + 1 MiB, is far above what real messages need.
inline std::size_t decoded_bytes_max_default(std::size_t body_bytes) noexcept {
    return body_bytes * 8 + 1024 * 1024;
}

class decoder {
public:
    // budget: the bytes this decode may still allocate, shared by nested decoders.
    decoder(reader& in, std::int16_t version, bool flexible, std::size_t& budget,
            std::int32_t tag_pass = -1) noexcept
        : _in(&in), _version(version), _flexible(flexible), _budget(&budget),
          _tag_pass(tag_pass) {}

    std::int16_t version() const noexcept { return _version; }
    const std::optional<codec_error>& error() const noexcept { return _error; }

    template <typename T>
    void field(T& value, const field_spec& spec) {
        if (_error || !spec.present(_version, _flexible)) return;
        if (spec.tag >= 0) {
            if (spec.tag != _tag_pass) return;
            _tag_matched = true;
        } else if (_tag_pass >= 0) {
            return;
        }
        read(value, spec);
    }

    // A struct: its fields, then in flexible versions its tagged-field section.
    template <typename S>
    void read_struct(S& value) {
        decoder inner(*_in, _version, _flexible, *_budget);
        visit(inner, value);
        if (!inner._error && _flexible) inner.read_tagged(value);
        if (inner._error) set_error(*inner._error);
    }

private:
    void set_error(codec_error error) noexcept {
        if (!_error) _error = error;
    }
    bool charge(std::size_t bytes_count) noexcept {
        if (bytes_count > *_budget) {
            set_error(codec_error::too_large);
            return false;
        }
        *_budget -= bytes_count;
        return true;
    }
    template <typename R, typename T>
    bool take(R&& outcome, T& value) {
        if (!outcome) {
            set_error(outcome.error());
            return false;
        }
        value = static_cast<T>(*outcome);
        return true;
    }
    bool may_be_null(const field_spec& spec) const noexcept {
        return _version >= spec.nullable_min;
    }

    template <typename T>
    void read(T& value, const field_spec& spec) {
        using namespace schema_detail;
        if constexpr (std::is_same_v<T, bool>) {
            auto raw = _in->read_int8();
            if (raw) value = *raw != 0;
            else set_error(raw.error());
        } else if constexpr (std::is_same_v<T, std::int8_t>) take(_in->read_int8(), value);
        else if constexpr (std::is_same_v<T, std::int16_t>) take(_in->read_int16(), value);
        else if constexpr (std::is_same_v<T, std::int32_t>) take(_in->read_int32(), value);
        else if constexpr (std::is_same_v<T, std::int64_t>) take(_in->read_int64(), value);
        else if constexpr (std::is_same_v<T, std::uint16_t>) take(_in->read_uint16(), value);
        else if constexpr (std::is_same_v<T, std::uint32_t>) take(_in->read_uint32(), value);
        else if constexpr (std::is_same_v<T, double>) take(_in->read_float64(), value);
        else if constexpr (std::is_same_v<T, uuid>) take(_in->read_uuid(), value);
        else if constexpr (is_blob<T>) {
            std::optional<T> held;
            read_nullable(held, spec);
            if (!_error && !held) set_error(codec_error::invalid_value);
            if (held) value = std::move(*held);
        } else if constexpr (is_optional<T>::value) {
            read_nullable(value, spec);
        } else if constexpr (is_spliced<T>) {
            read_nullable(value.data, spec);
        } else if constexpr (is_array<T>) {
            std::optional<T> held;
            read_nullable(held, spec);
            if (!_error && !held) set_error(codec_error::invalid_value);
            if (held) value = std::move(*held);
        } else {
            static_assert(is_struct<T>, "field of an unsupported type");
            read_struct(value);
        }
    }

    template <typename T>
    void read_nullable(std::optional<T>& value, const field_spec& spec) {
        using namespace schema_detail;
        codec_result<std::int32_t> length = 0;
        if constexpr (std::is_same_v<T, std::string>) length = _in->read_string_length(_flexible);
        else if constexpr (std::is_same_v<T, bytes>) length = _in->read_bytes_length(_flexible);
        else length = _in->read_array_count(_flexible);
        if (!length) return set_error(length.error());
        if (*length < 0) {
            if (!may_be_null(spec)) return set_error(codec_error::invalid_value);
            value.reset();
            return;
        }
        if constexpr (is_blob<T>) {
            auto view = _in->read_span(static_cast<std::size_t>(*length));
            if (!view) return set_error(view.error());
            if (!charge(view->size())) return;
            auto* first = reinterpret_cast<const typename T::value_type*>(view->data());
            value.emplace(first, first + view->size());
        } else {
            using element = typename T::value_type;
            value.emplace();
            // No reserve from the count: each element must first be read.
            for (std::int32_t index = 0; index < *length && !_error; ++index) {
                if (!charge(sizeof(element))) return;
                element item{};
                read(item, field_spec{});
                value->push_back(std::move(item));
            }
        }
    }

    template <typename S>
    void read_tagged(S& value) {
        auto count = _in->read_unsigned_varint();
        if (!count) return set_error(count.error());
        if (*count > _in->remaining()) return set_error(codec_error::invalid_length);
        for (std::uint32_t index = 0; index < *count; ++index) {
            auto tag = _in->read_unsigned_varint();
            if (!tag) return set_error(tag.error());
            auto size = _in->read_unsigned_varint();
            if (!size) return set_error(size.error());
            auto payload = _in->read_span(*size);
            if (!payload) return set_error(payload.error());
            if (*tag > 0x7fffffff) continue;
            reader tagged_in(*payload);
            decoder tagged(tagged_in, _version, true, *_budget, static_cast<std::int32_t>(*tag));
            visit(tagged, value);
            if (tagged._error) return set_error(*tagged._error);
            if (tagged._tag_matched && tagged_in.remaining() != 0) {
                return set_error(codec_error::invalid_length);
            }
        }
    }

    reader* _in;
    std::int16_t _version;
    bool _flexible;
    std::size_t* _budget;
    std::int32_t _tag_pass;
    bool _tag_matched = false;
    std::optional<codec_error> _error;
};

class encoder {
public:
    enum class pass : std::uint8_t { regular, collect_tags, one_tag };

    encoder(bytes& out, std::int16_t version, bool flexible, pass mode = pass::regular,
            std::int32_t tag = -1, std::vector<splice_point>* splices = nullptr) noexcept
        : _out(out), _version(version), _flexible(flexible), _pass(mode), _tag(tag),
          _splices(splices) {}

    std::int16_t version() const noexcept { return _version; }
    const std::optional<codec_error>& error() const noexcept { return _error; }

    // The visit functions take a mutable struct; the encoder only reads through it.
    template <typename T>
    void field(T& value, const field_spec& spec) {
        if (_error || !spec.present(_version, _flexible)) return;
        switch (_pass) {
        case pass::regular:
            if (spec.tag < 0) write(value, spec);
            return;
        case pass::collect_tags:
            if (spec.tag >= 0 && !(value == schema_detail::default_of<T>(spec))) {
                _tags.push_back(spec.tag);
            }
            return;
        case pass::one_tag:
            if (spec.tag == _tag) write(value, spec);
            return;
        }
    }

    template <typename S>
    void write_struct(const S& value) {
        S& fields = const_cast<S&>(value);
        encoder inner(_out.buffer(), _version, _flexible, pass::regular, -1, _splices);
        visit(inner, fields);
        if (!inner._error && _flexible) inner.write_tagged(fields);
        if (inner._error) set_error(*inner._error);
    }

private:
    void set_error(codec_error error) noexcept {
        if (!_error) _error = error;
    }

    template <typename T>
    void write(const T& value, const field_spec& spec) {
        using namespace schema_detail;
        if constexpr (std::is_same_v<T, bool>) _out.write_int8(value ? 1 : 0);
        else if constexpr (std::is_same_v<T, std::int8_t>) _out.write_int8(value);
        else if constexpr (std::is_same_v<T, std::int16_t>) _out.write_int16(value);
        else if constexpr (std::is_same_v<T, std::int32_t>) _out.write_int32(value);
        else if constexpr (std::is_same_v<T, std::int64_t>) _out.write_int64(value);
        else if constexpr (std::is_same_v<T, std::uint16_t>) _out.write_uint16(value);
        else if constexpr (std::is_same_v<T, std::uint32_t>) _out.write_uint32(value);
        else if constexpr (std::is_same_v<T, double>) _out.write_float64(value);
        else if constexpr (std::is_same_v<T, uuid>) _out.write_uuid(value);
        else if constexpr (is_blob<T> || is_array<T>) write_present(value);
        else if constexpr (is_spliced<T>) write_spliced(value, spec);
        else if constexpr (is_optional<T>::value) {
            if (value) write_present(*value);
            else if (_version >= spec.nullable_min) write_length<typename T::value_type>(-1);
            else set_error(codec_error::invalid_value);
        } else {
            static_assert(is_struct<T>, "field of an unsupported type");
            write_struct(value);
        }
    }

    template <typename T>
    void write_length(std::int32_t length) {
        if constexpr (std::is_same_v<T, std::string>) _out.write_string_length(_flexible, length);
        else if constexpr (std::is_same_v<T, bytes>) _out.write_bytes_length(_flexible, length);
        else _out.write_array_count(_flexible, length);
    }

    template <typename T>
    void write_present(const T& value) {
        std::size_t limit = std::is_same_v<T, std::string> && !_flexible ? 0x7fff : 0x7ffffffe;
        if (value.size() > limit) return set_error(codec_error::invalid_length);
        write_length<T>(static_cast<std::int32_t>(value.size()));
        if constexpr (schema_detail::is_blob<T>) {
            _out.write_raw(std::as_bytes(std::span(value.data(), value.size())));
        } else {
            for (const auto& item : value) {
                if (_error) return;
                write(item, field_spec{});
            }
        }
    }

    void write_spliced(const spliced_bytes& value, const field_spec& spec) {
        if (value.splice_bytes == 0) {
            if (value.data) write_present(*value.data);
            else if (_version >= spec.nullable_min) write_length<bytes>(-1);
            else set_error(codec_error::invalid_value);
            return;
        }
        // Only the regular pass writes in place; a tagged field's payload is a side buffer.
        if (_splices == nullptr || _pass != pass::regular || value.splice_bytes > 0x7ffffffe) {
            return set_error(codec_error::invalid_value);
        }
        write_length<bytes>(static_cast<std::int32_t>(value.splice_bytes));
        _splices->push_back({_out.size(), value.slot, value.splice_bytes});
    }

    template <typename S>
    void write_tagged(S& value) {
        encoder collect(_out.buffer(), _version, true, pass::collect_tags);
        visit(collect, value);
        std::sort(collect._tags.begin(), collect._tags.end());
        _out.write_unsigned_varint(static_cast<std::uint32_t>(collect._tags.size()));
        bytes payload;
        for (std::int32_t tag : collect._tags) {
            payload.clear();
            encoder one(payload, _version, true, pass::one_tag, tag);
            visit(one, value);
            if (one._error) return set_error(*one._error);
            _out.write_unsigned_varint(static_cast<std::uint32_t>(tag));
            _out.write_unsigned_varint(static_cast<std::uint32_t>(payload.size()));
            _out.write_raw(payload);
        }
    }

    writer _out;
    std::int16_t _version;
    bool _flexible;
    pass _pass;
    std::int32_t _tag;
    std::vector<splice_point>* _splices;
    std::vector<std::int32_t> _tags;
    std::optional<codec_error> _error;
};

// Resets every field a version lacks to its default, recursively: what encoding at that
// version and decoding back returns.
class normalizer {
public:
    normalizer(std::int16_t version, bool flexible) noexcept
        : _version(version), _flexible(flexible) {}

    template <typename T>
    void field(T& value, const field_spec& spec) {
        using namespace schema_detail;
        if (!spec.present(_version, _flexible)) {
            value = default_of<T>(spec);
            return;
        }
        apply(value);
    }

    template <typename T>
    void apply(T& value) {
        using namespace schema_detail;
        if constexpr (is_optional<T>::value) {
            if (value) apply(*value);
        } else if constexpr (is_array<T>) {
            for (auto& item : value) apply(item);
        } else if constexpr (is_struct<T>) {
            visit(*this, value);
        }
    }

private:
    std::int16_t _version;
    bool _flexible;
};

// Message-level entry points. M names its API (`static constexpr api_key key`) and whether it
// is a request or response only through its type; the version range and flexible threshold
// come from api_keys.cpp.
// What to do with bytes after a complete message: a strict decode refuses them; a request as a
// Kafka broker reads it ignores them (Kafka parses the fields it knows and never checks that the
// buffer is used up; librdkafka 2.0's ListGroups v4 carries an extra byte).
enum class trailing_bytes_policy : std::uint8_t { refuse, ignore };

template <typename M>
codec_result<M> decode_message(std::span<const std::byte> body, std::int16_t version,
                               std::size_t decoded_bytes_max,
                               trailing_bytes_policy trailing = trailing_bytes_policy::refuse) {
    const api_info& info = api(M::key);
    if (version < info.laminar_min || version > info.laminar_max) {
        return fail(codec_error::unsupported_version);
    }
    reader in(body);
    std::size_t budget = decoded_bytes_max;
    decoder outer(in, version, info.flexible(version), budget);
    M message{};
    outer.read_struct(message);
    if (outer.error()) return fail(*outer.error());
    if (in.remaining() != 0 && trailing == trailing_bytes_policy::refuse) {
        return fail(codec_error::trailing_bytes);
    }
    return message;
}

template <typename M>
codec_result<M> decode_message(std::span<const std::byte> body, std::int16_t version) {
    return decode_message<M>(body, version, decoded_bytes_max_default(body.size()));
}

// A request body as a Kafka broker reads it: bytes after the last known field are ignored.
template <typename M>
codec_result<M> decode_request_body(std::span<const std::byte> body, std::int16_t version) {
    return decode_message<M>(body, version, decoded_bytes_max_default(body.size()),
                             trailing_bytes_policy::ignore);
}

// With `splices`, spliced_bytes fields with splice_bytes > 0 are left to the sender and their
// positions appended there.
template <typename M>
codec_status encode_message(const M& message, std::int16_t version, bytes& out,
                            std::vector<splice_point>* splices = nullptr) {
    const api_info& info = api(M::key);
    if (version < info.laminar_min || version > info.laminar_max) {
        return fail(codec_error::unsupported_version);
    }
    std::size_t start = out.size();
    encoder outer(out, version, info.flexible(version), encoder::pass::regular, -1, splices);
    outer.write_struct(message);
    if (outer.error()) {
        out.resize(start);
        return fail(*outer.error());
    }
    return {};
}

template <typename M>
void normalize_message(M& message, std::int16_t version) {
    normalizer pass(version, api(M::key).flexible(version));
    pass.apply(message);
}

}  // namespace laminar::kafka
