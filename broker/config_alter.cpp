#include "broker/config_alter.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "broker/topic_config.h"

namespace laminar::broker {

namespace {

using kafka::config_operation;

failure<ctl::command_error> refuse(ctl::command_errc code, std::string message) {
    return fail(ctl::command_error{code, std::move(message)});
}

template <typename Config, typename NullAllowed>
ctl::command_result<void> check_entries(const std::vector<Config>& configs,
                                        NullAllowed null_allowed) {
    std::set<std::string> seen;
    std::vector<std::string> nulls;
    for (const auto& config : configs) {
        if (!seen.insert(config.name).second) {
            return refuse(ctl::command_errc::invalid_request,
                          "Error due to duplicate config keys");
        }
        if (!config.value && !null_allowed(config)) nulls.push_back(config.name);
    }
    if (!nulls.empty()) {
        return refuse(ctl::command_errc::invalid_request,
                      fmt::format("Null value not supported for : {}", fmt::join(nulls, ", ")));
    }
    return {};
}

ctl::command_result<topic_configs> validated(topic_configs configs) {
    if (auto valid = validate_topic_configs(configs); !valid) {
        return refuse(ctl::command_errc::invalid_config, valid.error());
    }
    return configs;
}

// Kafka declares cleanup.policy a LIST; the schema holds it as an enumeration of its orders.
bool is_list_key(const config_key& key) {
    return key.type == config_type::list || key.name == "cleanup.policy";
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    while (!text.empty()) {
        const auto comma = text.find(',');
        auto item = text.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) items.emplace_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return items;
}

// APPEND or SUBTRACT of `value`'s items to the key's list (its default when not set).
ctl::command_result<std::string> changed_list(const topic_configs& configs, const config_key& key,
                                              config_operation operation,
                                              const std::string& value) {
    if (!is_list_key(key)) {
        return refuse(ctl::command_errc::invalid_config,
                      fmt::format("Config value {} is not allowed for config key: {}",
                                  operation == config_operation::append ? "append" : "subtract",
                                  key.name));
    }
    auto set = configs.find(key.name);
    auto items = split_list(set != configs.end() ? set->second
                                                 : format_config_value(key.default_value));
    for (const auto& item : split_list(value)) {
        const auto at = std::find(items.begin(), items.end(), item);
        if (operation == config_operation::append && at == items.end()) items.push_back(item);
        if (operation == config_operation::subtract && at != items.end()) items.erase(at);
    }
    return fmt::format("{}", fmt::join(items, ","));
}

}  // namespace

ctl::command_result<topic_configs> replaced_topic_configs(
    const std::vector<kafka::alterable_config>& configs) {
    auto checked = check_entries(configs, [](const auto&) { return false; });
    if (!checked) return fail(checked.error());
    topic_configs wanted;
    for (const auto& config : configs) wanted[config.name] = *config.value;
    return validated(std::move(wanted));
}

ctl::command_result<void> check_incremental_configs(
    const std::vector<kafka::incremental_alterable_config>& configs) {
    for (const auto& config : configs) {
        if (config.config_operation < static_cast<std::int8_t>(config_operation::set) ||
            config.config_operation > static_cast<std::int8_t>(config_operation::subtract)) {
            return refuse(ctl::command_errc::invalid_request,
                          fmt::format("Unknown alter configs operation type {} for {}",
                                      config.config_operation, config.name));
        }
    }
    return check_entries(configs, [](const kafka::incremental_alterable_config& config) {
        return config.config_operation == static_cast<std::int8_t>(config_operation::remove);
    });
}

ctl::command_result<topic_configs> incremented_topic_configs(
    const topic_configs& current, const std::vector<kafka::incremental_alterable_config>& configs) {
    if (auto checked = check_incremental_configs(configs); !checked) return fail(checked.error());
    topic_configs wanted = current;
    for (const auto& config : configs) {
        const auto* key = topic_config_schema().find(config.name);
        if (key == nullptr || !key->ignored_reason.empty()) {
            return refuse(ctl::command_errc::invalid_config,
                          "Unknown topic config name: " + config.name);
        }
        const auto operation = static_cast<config_operation>(config.config_operation);
        switch (operation) {
        case config_operation::set: wanted[config.name] = *config.value; break;
        case config_operation::remove: wanted.erase(config.name); break;
        case config_operation::append:
        case config_operation::subtract: {
            auto list = changed_list(wanted, *key, operation, *config.value);
            if (!list) return fail(list.error());
            wanted[config.name] = std::move(*list);
            break;
        }
        }
    }
    return validated(std::move(wanted));
}

ctl::command_error broker_configs_refusal(const std::vector<std::string>& names) {
    return {ctl::command_errc::invalid_request,
            fmt::format("Cannot update these configs dynamically: Set({})",
                        fmt::join(names, ", "))};
}

}  // namespace laminar::broker
