#include "broker/config_alter.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "broker/broker_config.h"
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

// APPEND or SUBTRACT of `value`'s items to the list under `name` (the key's default when not
// set); `key` is the topic key that gives the value's type.
ctl::command_result<std::string> changed_list(const topic_configs& configs,
                                              const std::string& name, const config_key& key,
                                              config_operation operation,
                                              const std::string& value) {
    if (!is_list_key(key)) {
        return refuse(ctl::command_errc::invalid_config,
                      fmt::format("Config value {} is not allowed for config key: {}",
                                  operation == config_operation::append ? "append" : "subtract",
                                  name));
    }
    auto set = configs.find(name);
    auto items = split_list(set != configs.end() ? set->second
                                                 : format_config_value(key.default_value));
    for (const auto& item : split_list(value)) {
        const auto at = std::find(items.begin(), items.end(), item);
        if (operation == config_operation::append && at == items.end()) items.push_back(item);
        if (operation == config_operation::subtract && at != items.end()) items.erase(at);
    }
    return fmt::format("{}", fmt::join(items, ","));
}

// One IncrementalAlterConfigs operation on `configs`, under the operation's name; `key` is the
// topic key that gives the value's type.
ctl::command_result<void> apply_operation(topic_configs& configs, const config_key& key,
                                          const kafka::incremental_alterable_config& config) {
    const auto operation = static_cast<config_operation>(config.config_operation);
    switch (operation) {
    case config_operation::set: configs[config.name] = *config.value; break;
    case config_operation::remove: configs.erase(config.name); break;
    case config_operation::append:
    case config_operation::subtract: {
        auto list = changed_list(configs, config.name, key, operation, *config.value);
        if (!list) return fail(list.error());
        configs[config.name] = std::move(*list);
        break;
    }
    }
    return {};
}

ctl::command_error refusal_of(const std::vector<std::string>& names) {
    return {ctl::command_errc::invalid_request,
            fmt::format("Cannot update these configs dynamically: Set({})",
                        fmt::join(names, ", "))};
}

// The key whose type a dynamic broker key's value has: its topic key's for a topic default, its
// own for a broker setting; nullptr when `name` cannot change while the broker runs.
const config_key* dynamic_key_type(std::string_view name) {
    if (const auto* synonym = dynamic_topic_synonym(name)) {
        return topic_config_schema().find(synonym->topic_key);
    }
    return dynamic_broker_setting(name) ? broker_config_schema().find(name) : nullptr;
}

// A broker resource's dynamic configs: every key one that may change while the broker runs
// (INVALID_REQUEST naming the others, as Kafka), every value one its key takes (INVALID_CONFIG;
// a topic default's as its topic key takes it).
ctl::command_result<broker_configs> validated_broker(broker_configs configs) {
    std::vector<std::string> fixed;
    for (const auto& [name, value] : configs) {
        if (dynamic_key_type(name) == nullptr) fixed.push_back(name);
    }
    if (!fixed.empty()) return fail(refusal_of(fixed));
    for (const auto& [name, value] : configs) {
        if (dynamic_broker_setting(name)) {
            if (auto valid = validate_broker_value(name, value); !valid) {
                return refuse(ctl::command_errc::invalid_config,
                              fmt::format("Invalid value {} for configuration {}: {}", value, name,
                                          valid.error()));
            }
            continue;
        }
        const std::string topic_key(dynamic_topic_synonym(name)->topic_key);
        if (auto valid = validate_topic_configs({{topic_key, value}}); !valid) {
            return refuse(ctl::command_errc::invalid_config,
                          fmt::format("Invalid value {} for configuration {} (as the default of "
                                      "the topic config {}): {}",
                                      value, name, topic_key, valid.error()));
        }
    }
    return configs;
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
        if (auto applied = apply_operation(wanted, *key, config); !applied) {
            return fail(applied.error());
        }
    }
    return validated(std::move(wanted));
}

ctl::command_result<broker_configs> replaced_broker_configs(
    const std::vector<kafka::alterable_config>& configs) {
    auto checked = check_entries(configs, [](const auto&) { return false; });
    if (!checked) return fail(checked.error());
    broker_configs wanted;
    for (const auto& config : configs) wanted[config.name] = *config.value;
    return validated_broker(std::move(wanted));
}

ctl::command_result<broker_configs> incremented_broker_configs(
    const broker_configs& current,
    const std::vector<kafka::incremental_alterable_config>& configs) {
    if (auto checked = check_incremental_configs(configs); !checked) return fail(checked.error());
    broker_configs wanted = current;
    std::vector<std::string> fixed;
    for (const auto& config : configs) {
        const auto* key = dynamic_key_type(config.name);
        const auto operation = static_cast<config_operation>(config.config_operation);
        if (key == nullptr &&
            (operation == config_operation::append || operation == config_operation::subtract)) {
            // Kafka's prepareIncrementalConfigs looks at every key's type before it asks which
            // keys may change: a list operation on an unknown or non-list key is INVALID_CONFIG.
            const auto* known = broker_config_schema().find(config.name);
            if (known == nullptr) {
                return refuse(ctl::command_errc::invalid_config,
                              "Unknown config name: " + config.name);
            }
            topic_configs scratch;
            if (auto applied = apply_operation(scratch, *known, config); !applied) {
                return fail(applied.error());
            }
        }
        if (key == nullptr) {  // refused below, with every such key named, unless deleted
            if (operation != config_operation::remove) fixed.push_back(config.name);
            continue;
        }
        if (auto applied = apply_operation(wanted, *key, config); !applied) {
            return fail(applied.error());
        }
    }
    if (!fixed.empty()) return fail(broker_configs_refusal(fixed));
    return validated_broker(std::move(wanted));
}

ctl::command_error broker_configs_refusal(const std::vector<std::string>& names) {
    return refusal_of(names);
}

}  // namespace laminar::broker
