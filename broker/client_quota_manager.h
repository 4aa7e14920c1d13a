// Client quotas enforced as Kafka's ClientQuotaManager enforces them (the quotas themselves are
// set and described through ctl/client_quotas.h and kept in the metadata image):
// producer_byte_rate bounds the bytes of a quota group's Produce requests, consumer_byte_rate
// the bytes of its Fetch responses.
//
// - The group and its bound (Kafka's DefaultQuotaCallback): of the eight levels
//   /users/<user>/clients/<client-id>, /users/<user>/clients/<default>, /users/<user>,
//   /users/<default>/clients/<client-id>, /users/<default>/clients/<default>, /users/<default>,
//   /clients/<client-id>, /clients/<default>, the first that has the key set decides whether the
//   group is (user, client id), the user alone or the client id alone; a <default> quota applies
//   to each user or client id on its own, not to all of them together.
// - The rate: the bytes of the last quota.window.num windows of quota.window.size.seconds,
//   over the time they span, but never less than quota.window.num - 1 windows (Kafka's Rate).
// - The throttle time, once the rate passes the bound: (rate - bound) / bound * that time.
//   The response goes out at once carrying it, and the broker then reads nothing more from the
//   connection for that long (KIP-219; clients of Produce v6+ and Fetch v8+ also wait on their
//   side).
// Every connection here is unauthenticated: its user is ANONYMOUS, as Kafka's principal for a
// PLAINTEXT listener, so /users/ANONYMOUS and /users/<default> quotas apply to it.
// request_percentage, controller_mutation_rate and connection_creation_rate are kept and
// described but not enforced.
//
// @locality one registry for the process, shared by every shard behind a mutex; it is taken
// only by a Produce or Fetch whose client has a quota of that kind.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "ctl/metadata_image.h"
#include "net/kafka/header.h"

namespace laminar::broker {

// The user every connection has (no SASL, no TLS client certificates).
inline constexpr std::string_view anonymous_user = "ANONYMOUS";

enum class quota_kind : std::uint8_t { produce, fetch };

// The quota group a request counts in ("" for a tag that is not part of it) and its bound.
struct quota_bound {
    std::string user;
    std::string client_id;
    double bytes_per_second = 0;
};

// The bound `key` sets for (user, client_id) in `image`; nullopt when none applies.
std::optional<quota_bound> resolve_client_quota(const ctl::metadata_image& image,
                                                std::string_view key, std::string_view user,
                                                std::string_view client_id);

struct quota_window_settings {
    std::int32_t samples = 11;      // quota.window.num
    std::int64_t window_ms = 1000;  // quota.window.size.seconds
};

class client_quota_registry {
public:
    explicit client_quota_registry(quota_window_settings settings = {}) : _settings(settings) {}
    const quota_window_settings& settings() const noexcept { return _settings; }

    // Counts `bytes` for the group at `now_ms`; the throttle time in ms (0 within the bound).
    std::int64_t record(quota_kind kind, const quota_bound& bound, double bytes,
                        std::int64_t now_ms);
    // Takes back bytes recorded for a response that was not sent (a throttled Fetch).
    void unrecord(quota_kind kind, const quota_bound& bound, double bytes, std::int64_t now_ms);
    // The group's rate now (bytes per second; 0 for a group never recorded), for tests.
    double rate(quota_kind kind, const quota_bound& bound, std::int64_t now_ms);

    // Sensors idle this long are dropped (Kafka's InactiveSensorExpirationTimeSeconds).
    static constexpr std::int64_t idle_expiry_ms = 3'600'000;

private:
    struct sample {
        std::int64_t start_ms = 0;
        double bytes = 0;
    };
    struct sensor {
        std::vector<sample> samples;  // a ring of at most _settings.samples
        std::size_t current = 0;
        std::int64_t last_record_ms = 0;
    };
    using group_key = std::tuple<quota_kind, std::string, std::string>;

    sensor& sensor_of(quota_kind kind, const quota_bound& bound, std::int64_t now_ms);
    void add(sensor& s, double bytes, std::int64_t now_ms) const;
    // The time the rate is measured over, after dropping samples past the window.
    double window_ms(sensor& s, std::int64_t now_ms) const;
    double rate_of(sensor& s, std::int64_t now_ms) const;
    void expire_idle(std::int64_t now_ms);

    const quota_window_settings _settings;
    std::mutex _lock;
    std::map<group_key, sensor> _sensors;
    std::int64_t _next_expiry_ms = 0;
};

// The milliseconds the quotas count time in (monotonic).
std::int64_t quota_clock_ms() noexcept;

// A request's client id ("" when null), without a copy: every Produce and Fetch asks.
inline std::string_view client_id_of(const kafka::request_header& header) noexcept {
    return header.client_id ? std::string_view(*header.client_id) : std::string_view();
}

// The `kind` quota (producer_byte_rate, consumer_byte_rate) of an unauthenticated client
// `client_id`; nullopt when none applies (no locking: a broker without quotas pays one check).
std::optional<quota_bound> client_quota_of(const ctl::metadata_image& image, quota_kind kind,
                                           std::string_view client_id);

}  // namespace laminar::broker
