// ApiVersions (key 18), versions 0-3, flexible from 3. The response always goes out with
// response header v0 (KIP-511), so a client that sent a version we do not know can read it.
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

struct api_versions_request {
    static constexpr api_key key = api_key::api_versions;
    std::string client_software_name;
    std::string client_software_version;
    bool operator==(const api_versions_request&) const = default;
};
template <typename V>
void visit(V& v, api_versions_request& m) {
    v.field(m.client_software_name, {.min = 3});
    v.field(m.client_software_version, {.min = 3});
}

struct api_versions_response_key {
    std::int16_t api_key = 0;
    std::int16_t min_version = 0;
    std::int16_t max_version = 0;
    bool operator==(const api_versions_response_key&) const = default;
};
template <typename V>
void visit(V& v, api_versions_response_key& m) {
    v.field(m.api_key, {});
    v.field(m.min_version, {});
    v.field(m.max_version, {});
}

struct supported_feature_key {
    std::string name;
    std::int16_t min_version = 0;
    std::int16_t max_version = 0;
    bool operator==(const supported_feature_key&) const = default;
};
template <typename V>
void visit(V& v, supported_feature_key& m) {
    v.field(m.name, {});
    v.field(m.min_version, {});
    v.field(m.max_version, {});
}

struct finalized_feature_key {
    std::string name;
    std::int16_t max_version_level = 0;
    std::int16_t min_version_level = 0;
    bool operator==(const finalized_feature_key&) const = default;
};
template <typename V>
void visit(V& v, finalized_feature_key& m) {
    v.field(m.name, {});
    v.field(m.max_version_level, {});
    v.field(m.min_version_level, {});
}

struct api_versions_response {
    static constexpr api_key key = api_key::api_versions;
    std::int16_t error_code = 0;
    std::vector<api_versions_response_key> api_keys;
    std::int32_t throttle_time_ms = 0;
    std::vector<supported_feature_key> supported_features;
    std::int64_t finalized_features_epoch = -1;
    std::vector<finalized_feature_key> finalized_features;
    bool zk_migration_ready = false;
    bool operator==(const api_versions_response&) const = default;
};
template <typename V>
void visit(V& v, api_versions_response& m) {
    v.field(m.error_code, {});
    v.field(m.api_keys, {});
    v.field(m.throttle_time_ms, {.min = 1});
    v.field(m.supported_features, {.min = 3, .tag = 0});
    v.field(m.finalized_features_epoch, {.min = 3, .tag = 1, .default_value = -1});
    v.field(m.finalized_features, {.min = 3, .tag = 2});
    v.field(m.zk_migration_ready, {.min = 3, .tag = 3});
}

}  // namespace laminar::kafka
