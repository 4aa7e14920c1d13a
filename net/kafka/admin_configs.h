// Config and log administration: AlterConfigs (key 33, v0-2, flexible from 2),
// IncrementalAlterConfigs (44, v0-1, flexible from 1), DeleteRecords (21, v0-2, flexible from 2),
// DescribeLogDirs (35, v0-4, flexible from 2), AlterReplicaLogDirs (34, v0-2, flexible from 2).
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

// AlterConfigs

struct alterable_config {
    std::string name;
    std::optional<std::string> value;
    bool operator==(const alterable_config&) const = default;
};
template <typename V>
void visit(V& v, alterable_config& m) {
    v.field(m.name, {});
    v.field(m.value, {.nullable_min = 0});
}

struct alter_configs_resource {
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::vector<alterable_config> configs;
    bool operator==(const alter_configs_resource&) const = default;
};
template <typename V>
void visit(V& v, alter_configs_resource& m) {
    v.field(m.resource_type, {});
    v.field(m.resource_name, {});
    v.field(m.configs, {});
}

struct alter_configs_request {
    static constexpr api_key key = api_key::alter_configs;
    std::vector<alter_configs_resource> resources;
    bool validate_only = false;
    bool operator==(const alter_configs_request&) const = default;
};
template <typename V>
void visit(V& v, alter_configs_request& m) {
    v.field(m.resources, {});
    v.field(m.validate_only, {});
}

// One resource's outcome; AlterConfigs and IncrementalAlterConfigs answer alike.
struct alter_configs_resource_response {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int8_t resource_type = 0;
    std::string resource_name;
    bool operator==(const alter_configs_resource_response&) const = default;
};
template <typename V>
void visit(V& v, alter_configs_resource_response& m) {
    v.field(m.error_code, {});
    v.field(m.error_message, {.nullable_min = 0});
    v.field(m.resource_type, {});
    v.field(m.resource_name, {});
}

struct alter_configs_response {
    static constexpr api_key key = api_key::alter_configs;
    std::int32_t throttle_time_ms = 0;
    std::vector<alter_configs_resource_response> responses;
    bool operator==(const alter_configs_response&) const = default;
};
template <typename V>
void visit(V& v, alter_configs_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.responses, {});
}

// IncrementalAlterConfigs

// ConfigOperation values.
enum class config_operation : std::int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

struct incremental_alterable_config {
    std::string name;
    std::int8_t config_operation = 0;
    std::optional<std::string> value;
    bool operator==(const incremental_alterable_config&) const = default;
};
template <typename V>
void visit(V& v, incremental_alterable_config& m) {
    v.field(m.name, {});
    v.field(m.config_operation, {});
    v.field(m.value, {.nullable_min = 0});
}

struct incremental_alter_configs_resource {
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::vector<incremental_alterable_config> configs;
    bool operator==(const incremental_alter_configs_resource&) const = default;
};
template <typename V>
void visit(V& v, incremental_alter_configs_resource& m) {
    v.field(m.resource_type, {});
    v.field(m.resource_name, {});
    v.field(m.configs, {});
}

struct incremental_alter_configs_request {
    static constexpr api_key key = api_key::incremental_alter_configs;
    std::vector<incremental_alter_configs_resource> resources;
    bool validate_only = false;
    bool operator==(const incremental_alter_configs_request&) const = default;
};
template <typename V>
void visit(V& v, incremental_alter_configs_request& m) {
    v.field(m.resources, {});
    v.field(m.validate_only, {});
}

struct incremental_alter_configs_response {
    static constexpr api_key key = api_key::incremental_alter_configs;
    std::int32_t throttle_time_ms = 0;
    std::vector<alter_configs_resource_response> responses;
    bool operator==(const incremental_alter_configs_response&) const = default;
};
template <typename V>
void visit(V& v, incremental_alter_configs_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.responses, {});
}

// DeleteRecords

struct delete_records_partition {
    std::int32_t partition_index = 0;
    std::int64_t offset = 0;  // -1: the high watermark
    bool operator==(const delete_records_partition&) const = default;
};
template <typename V>
void visit(V& v, delete_records_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.offset, {});
}

struct delete_records_topic {
    std::string name;
    std::vector<delete_records_partition> partitions;
    bool operator==(const delete_records_topic&) const = default;
};
template <typename V>
void visit(V& v, delete_records_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct delete_records_request {
    static constexpr api_key key = api_key::delete_records;
    std::vector<delete_records_topic> topics;
    std::int32_t timeout_ms = 0;
    bool operator==(const delete_records_request&) const = default;
};
template <typename V>
void visit(V& v, delete_records_request& m) {
    v.field(m.topics, {});
    v.field(m.timeout_ms, {});
}

struct delete_records_partition_result {
    std::int32_t partition_index = 0;
    std::int64_t low_watermark = 0;
    std::int16_t error_code = 0;
    bool operator==(const delete_records_partition_result&) const = default;
};
template <typename V>
void visit(V& v, delete_records_partition_result& m) {
    v.field(m.partition_index, {});
    v.field(m.low_watermark, {});
    v.field(m.error_code, {});
}

struct delete_records_topic_result {
    std::string name;
    std::vector<delete_records_partition_result> partitions;
    bool operator==(const delete_records_topic_result&) const = default;
};
template <typename V>
void visit(V& v, delete_records_topic_result& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct delete_records_response {
    static constexpr api_key key = api_key::delete_records;
    std::int32_t throttle_time_ms = 0;
    std::vector<delete_records_topic_result> topics;
    bool operator==(const delete_records_response&) const = default;
};
template <typename V>
void visit(V& v, delete_records_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.topics, {});
}

// DescribeLogDirs

struct describable_log_dir_topic {
    std::string topic;
    std::vector<std::int32_t> partitions;
    bool operator==(const describable_log_dir_topic&) const = default;
};
template <typename V>
void visit(V& v, describable_log_dir_topic& m) {
    v.field(m.topic, {});
    v.field(m.partitions, {});
}

struct describe_log_dirs_request {
    static constexpr api_key key = api_key::describe_log_dirs;
    // null: every partition in every log dir.
    std::optional<std::vector<describable_log_dir_topic>> topics =
        std::vector<describable_log_dir_topic>{};
    bool operator==(const describe_log_dirs_request&) const = default;
};
template <typename V>
void visit(V& v, describe_log_dirs_request& m) {
    v.field(m.topics, {.nullable_min = 0});
}

struct describe_log_dirs_partition {
    std::int32_t partition_index = 0;
    std::int64_t partition_size = 0;
    std::int64_t offset_lag = 0;
    bool is_future_key = false;
    bool operator==(const describe_log_dirs_partition&) const = default;
};
template <typename V>
void visit(V& v, describe_log_dirs_partition& m) {
    v.field(m.partition_index, {});
    v.field(m.partition_size, {});
    v.field(m.offset_lag, {});
    v.field(m.is_future_key, {});
}

struct describe_log_dirs_topic {
    std::string name;
    std::vector<describe_log_dirs_partition> partitions;
    bool operator==(const describe_log_dirs_topic&) const = default;
};
template <typename V>
void visit(V& v, describe_log_dirs_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct describe_log_dirs_result {
    std::int16_t error_code = 0;
    std::string log_dir;
    std::vector<describe_log_dirs_topic> topics;
    std::int64_t total_bytes = -1;
    std::int64_t usable_bytes = -1;
    bool operator==(const describe_log_dirs_result&) const = default;
};
template <typename V>
void visit(V& v, describe_log_dirs_result& m) {
    v.field(m.error_code, {});
    v.field(m.log_dir, {});
    v.field(m.topics, {});
    v.field(m.total_bytes, {.min = 4, .default_value = -1});
    v.field(m.usable_bytes, {.min = 4, .default_value = -1});
}

struct describe_log_dirs_response {
    static constexpr api_key key = api_key::describe_log_dirs;
    std::int32_t throttle_time_ms = 0;
    std::int16_t error_code = 0;
    std::vector<describe_log_dirs_result> results;
    bool operator==(const describe_log_dirs_response&) const = default;
};
template <typename V>
void visit(V& v, describe_log_dirs_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.error_code, {.min = 3});
    v.field(m.results, {});
}

// AlterReplicaLogDirs

struct alter_replica_log_dir_topic {
    std::string name;
    std::vector<std::int32_t> partitions;
    bool operator==(const alter_replica_log_dir_topic&) const = default;
};
template <typename V>
void visit(V& v, alter_replica_log_dir_topic& m) {
    v.field(m.name, {});
    v.field(m.partitions, {});
}

struct alter_replica_log_dir {
    std::string path;
    std::vector<alter_replica_log_dir_topic> topics;
    bool operator==(const alter_replica_log_dir&) const = default;
};
template <typename V>
void visit(V& v, alter_replica_log_dir& m) {
    v.field(m.path, {});
    v.field(m.topics, {});
}

struct alter_replica_log_dirs_request {
    static constexpr api_key key = api_key::alter_replica_log_dirs;
    std::vector<alter_replica_log_dir> dirs;
    bool operator==(const alter_replica_log_dirs_request&) const = default;
};
template <typename V>
void visit(V& v, alter_replica_log_dirs_request& m) {
    v.field(m.dirs, {});
}

struct alter_replica_log_dir_partition_result {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    bool operator==(const alter_replica_log_dir_partition_result&) const = default;
};
template <typename V>
void visit(V& v, alter_replica_log_dir_partition_result& m) {
    v.field(m.partition_index, {});
    v.field(m.error_code, {});
}

struct alter_replica_log_dir_topic_result {
    std::string topic_name;
    std::vector<alter_replica_log_dir_partition_result> partitions;
    bool operator==(const alter_replica_log_dir_topic_result&) const = default;
};
template <typename V>
void visit(V& v, alter_replica_log_dir_topic_result& m) {
    v.field(m.topic_name, {});
    v.field(m.partitions, {});
}

struct alter_replica_log_dirs_response {
    static constexpr api_key key = api_key::alter_replica_log_dirs;
    std::int32_t throttle_time_ms = 0;
    std::vector<alter_replica_log_dir_topic_result> results;
    bool operator==(const alter_replica_log_dirs_response&) const = default;
};
template <typename V>
void visit(V& v, alter_replica_log_dirs_response& m) {
    v.field(m.throttle_time_ms, {});
    v.field(m.results, {});
}

}  // namespace laminar::kafka
