#include "broker/client_quota_manager.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace laminar::broker {

namespace {

using entity = ctl::quota_entity;

entity user_entity(std::optional<std::string> user) { return {{"user", std::move(user)}}; }
entity client_entity(std::optional<std::string> client) {
    return {{"client-id", std::move(client)}};
}
entity both(std::optional<std::string> user, std::optional<std::string> client) {
    return {{"client-id", std::move(client)}, {"user", std::move(user)}};
}

}  // namespace

std::optional<quota_bound> resolve_client_quota(const ctl::metadata_image& image,
                                                std::string_view key, std::string_view user,
                                                std::string_view client_id) {
    const auto& quotas = image.client_quotas();
    const std::string wanted(key);
    auto value = [&](const entity& e) -> std::optional<double> {
        auto found = quotas.find(e);
        if (found == quotas.end()) return std::nullopt;
        auto set = found->second.find(wanted);
        if (set == found->second.end()) return std::nullopt;
        return set->second;
    };
    const std::string u(user);
    const std::string c(client_id);
    const std::optional<std::string> any;
    // The group (Kafka's quotaMetricTags): the first level with the key set decides.
    quota_bound bound;
    auto group = [&](bool with_user, bool with_client) {
        bound.user = with_user ? u : std::string();
        bound.client_id = with_client ? c : std::string();
    };
    if (value(both(u, c)) || value(both(u, any))) {
        group(true, true);
    } else if (value(user_entity(u))) {
        group(true, false);
    } else if (value(both(any, c)) || value(both(any, any))) {
        group(true, true);
    } else if (value(user_entity(any))) {
        group(true, false);
    } else {
        group(false, true);
    }
    // Its bound (Kafka's quotaLimit).
    std::optional<double> limit;
    if (!bound.user.empty() && !bound.client_id.empty()) {
        for (const auto& e : {both(u, c), both(u, any), both(any, c), both(any, any)}) {
            if ((limit = value(e))) break;
        }
    } else if (!bound.user.empty()) {
        limit = value(user_entity(u));
        if (!limit) limit = value(user_entity(any));
    } else if (!bound.client_id.empty()) {
        limit = value(client_entity(c));
        if (!limit) limit = value(client_entity(any));
    }
    if (!limit) return std::nullopt;
    bound.bytes_per_second = *limit;
    return bound;
}

client_quota_registry::sensor& client_quota_registry::sensor_of(quota_kind kind,
                                                                const quota_bound& bound,
                                                                std::int64_t now_ms) {
    expire_idle(now_ms);
    auto& s = _sensors[group_key{kind, bound.user, bound.client_id}];
    s.last_record_ms = now_ms;
    return s;
}

void client_quota_registry::add(sensor& s, double bytes, std::int64_t now_ms) const {
    const auto count = static_cast<std::size_t>(std::max(_settings.samples, 1));
    if (s.samples.empty()) {
        s.samples.push_back({now_ms, 0});
        s.current = 0;
    } else if (now_ms - s.samples[s.current].start_ms >= _settings.window_ms) {
        s.current = (s.current + 1) % count;
        if (s.current >= s.samples.size()) {
            s.samples.push_back({now_ms, 0});
        } else {
            s.samples[s.current] = {now_ms, 0};
        }
    }
    s.samples[s.current].bytes += bytes;
}

double client_quota_registry::window_ms(sensor& s, std::int64_t now_ms) const {
    // In doubles: quota.window.num x quota.window.size.seconds may pass an int64 of ms.
    const std::int64_t samples = std::max(_settings.samples, 1);
    const auto window = static_cast<double>(std::max<std::int64_t>(_settings.window_ms, 1));
    const double expire_after = static_cast<double>(samples) * window;
    std::int64_t oldest = now_ms;
    for (auto& each : s.samples) {
        if (static_cast<double>(now_ms - each.start_ms) >= expire_after) each = {now_ms, 0};
        oldest = std::min(oldest, each.start_ms);
    }
    double elapsed = static_cast<double>(now_ms - oldest);
    const double full_windows = std::floor(elapsed / window);
    if (full_windows < static_cast<double>(samples - 1)) {
        elapsed += (static_cast<double>(samples - 1) - full_windows) * window;
    }
    return elapsed;
}

double client_quota_registry::rate_of(sensor& s, std::int64_t now_ms) const {
    const double window = window_ms(s, now_ms);
    double bytes = 0;
    for (const auto& each : s.samples) bytes += each.bytes;
    return window <= 0 ? 0 : bytes / (window / 1000.0);
}

std::int64_t client_quota_registry::record(quota_kind kind, const quota_bound& bound, double bytes,
                                           std::int64_t now_ms) {
    std::lock_guard guard(_lock);
    auto& s = sensor_of(kind, bound, now_ms);
    add(s, bytes, now_ms);
    const double rate = rate_of(s, now_ms);
    if (!(bound.bytes_per_second > 0) || rate <= bound.bytes_per_second) return 0;
    const double throttle =
        (rate - bound.bytes_per_second) / bound.bytes_per_second * window_ms(s, now_ms);
    return static_cast<std::int64_t>(std::llround(std::min(throttle, 1e12)));
}

void client_quota_registry::unrecord(quota_kind kind, const quota_bound& bound, double bytes,
                                     std::int64_t now_ms) {
    std::lock_guard guard(_lock);
    add(sensor_of(kind, bound, now_ms), -bytes, now_ms);
}

double client_quota_registry::rate(quota_kind kind, const quota_bound& bound, std::int64_t now_ms) {
    std::lock_guard guard(_lock);
    auto found = _sensors.find(group_key{kind, bound.user, bound.client_id});
    return found == _sensors.end() ? 0 : rate_of(found->second, now_ms);
}

void client_quota_registry::expire_idle(std::int64_t now_ms) {
    if (now_ms < _next_expiry_ms) return;
    _next_expiry_ms = now_ms + 60'000;
    std::erase_if(_sensors, [now_ms](const auto& entry) {
        return now_ms - entry.second.last_record_ms >= idle_expiry_ms;
    });
}

std::int64_t quota_clock_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::optional<quota_bound> client_quota_of(const ctl::metadata_image& image, quota_kind kind,
                                           std::string_view client_id) {
    if (image.client_quotas().empty()) return std::nullopt;
    return resolve_client_quota(
        image, kind == quota_kind::produce ? "producer_byte_rate" : "consumer_byte_rate",
        anonymous_user, client_id);
}

}  // namespace laminar::broker
