#include "ctl/cli/topic_commands.h"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "ctl/cli/config_alter.h"
#include "ctl/cli/command_error.h"
#include "ctl/cli/output.h"

namespace laminar::cli {
namespace {

struct create_args {
    std::string name;
    int partitions = -1;
    int replicas = -1;
    std::vector<std::string> configs;
};

struct describe_args {
    std::string name;
    bool all_configs = false;
    output_format format = output_format::table;
};

struct alter_config_args {
    std::string name;
    std::vector<std::string> sets;
    std::vector<std::string> deletes;
};

std::string topic_error_text(rd_kafka_resp_err_t error, const char* text, std::string_view name) {
    if (error == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return fmt::format("unknown topic: {}", name);
    return fmt::format("topic {}: {}", name, text != nullptr && *text != '\0'
                                                 ? text : rd_kafka_err2str(error));
}

void check_topic_results(const rd_kafka_topic_result_t** results, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        auto error = rd_kafka_topic_result_error(results[i]);
        if (error == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
        fail_command(exit_failed, topic_error_text(error, rd_kafka_topic_result_error_string(results[i]),
                                                   rd_kafka_topic_result_name(results[i])));
    }
}

void run_create(const connection_options& connection, const create_args& args) {
    client kafka(RD_KAFKA_PRODUCER, connection);
    kafka.metadata(false);
    char error_text[512];
    std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> topic(
        rd_kafka_NewTopic_new(args.name.c_str(), args.partitions, args.replicas, error_text,
                              sizeof(error_text)),
        &rd_kafka_NewTopic_destroy);
    if (!topic) fail_command(exit_usage, error_text);
    for (const auto& text : args.configs) {
        auto [key, value] = split_assignment(text, "--config");
        rd_kafka_NewTopic_set_config(topic.get(), key.c_str(), value.c_str());
    }
    auto* raw = topic.get();
    auto event = kafka.admin(RD_KAFKA_ADMIN_OP_CREATETOPICS, [&](auto* options, auto* queue) {
        rd_kafka_CreateTopics(kafka.get(), &raw, 1, options, queue);
    });
    std::size_t count = 0;
    auto results = rd_kafka_CreateTopics_result_topics(
        rd_kafka_event_CreateTopics_result(event.get()), &count);
    check_topic_results(results, count);
    std::printf("created topic %s\n", args.name.c_str());
}

void run_list(const connection_options& connection, output_format format) {
    client kafka(RD_KAFKA_PRODUCER, connection);
    auto metadata = kafka.metadata(true);
    std::vector<const rd_kafka_metadata_topic_t*> topics;
    for (int i = 0; i < metadata->topic_cnt; ++i) topics.push_back(&metadata->topics[i]);
    std::sort(topics.begin(), topics.end(), [](auto* left, auto* right) {
        return std::string_view(left->topic) < std::string_view(right->topic);
    });
    table rows({"TOPIC", "PARTITIONS", "REPLICATION"});
    auto documents = nlohmann::json::array();
    for (const auto* topic : topics) {
        const int replicas = topic->partition_cnt > 0 ? topic->partitions[0].replica_cnt : 0;
        rows.add_row({topic->topic, std::to_string(topic->partition_cnt), std::to_string(replicas)});
        documents.push_back({{"name", topic->topic},
                             {"partitions", topic->partition_cnt},
                             {"replication_factor", replicas}});
    }
    if (format == output_format::json) print_json(documents);
    else rows.print();
}

nlohmann::json partition_documents(const rd_kafka_metadata_topic_t& topic) {
    auto documents = nlohmann::json::array();
    for (int i = 0; i < topic.partition_cnt; ++i) {
        const auto& partition = topic.partitions[i];
        nlohmann::json document{{"partition", partition.id},
                                {"leader", partition.leader},
                                {"replicas", ids_of(partition.replicas, partition.replica_cnt)},
                                {"isr", ids_of(partition.isrs, partition.isr_cnt)}};
        if (partition.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            document["error"] = rd_kafka_err2str(partition.err);
        }
        documents.push_back(std::move(document));
    }
    std::sort(documents.begin(), documents.end(), [](const auto& left, const auto& right) {
        return left["partition"].template get<int>() < right["partition"].template get<int>();
    });
    return documents;
}

nlohmann::json config_documents(const client& kafka, const std::string& name) {
    std::unique_ptr<rd_kafka_ConfigResource_t, decltype(&rd_kafka_ConfigResource_destroy)> resource(
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()),
        &rd_kafka_ConfigResource_destroy);
    auto* raw = resource.get();
    auto event = kafka.admin(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, [&](auto* options, auto* queue) {
        rd_kafka_DescribeConfigs(kafka.get(), &raw, 1, options, queue);
    });
    std::size_t count = 0;
    auto resources = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(event.get()), &count);
    auto documents = nlohmann::json::array();
    for (std::size_t i = 0; i < count; ++i) {
        auto error = rd_kafka_ConfigResource_error(resources[i]);
        if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fail_command(exit_failed, topic_error_text(error, rd_kafka_ConfigResource_error_string(
                                                                  resources[i]), name));
        }
        std::size_t entry_count = 0;
        auto entries = rd_kafka_ConfigResource_configs(resources[i], &entry_count);
        for (std::size_t j = 0; j < entry_count; ++j) {
            const char* value = rd_kafka_ConfigEntry_value(entries[j]);
            documents.push_back(
                {{"name", rd_kafka_ConfigEntry_name(entries[j])},
                 {"value", value != nullptr ? nlohmann::json(value) : nlohmann::json()},
                 {"source", rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[j]))},
                 {"default", rd_kafka_ConfigEntry_is_default(entries[j]) != 0},
                 {"read_only", rd_kafka_ConfigEntry_is_read_only(entries[j]) != 0},
                 {"sensitive", rd_kafka_ConfigEntry_is_sensitive(entries[j]) != 0}});
        }
    }
    return documents;
}

void print_description(const std::string& name, const nlohmann::json& partitions,
                       const nlohmann::json& configs, bool all_configs) {
    const auto replicas = partitions.empty() ? 0 : partitions[0]["replicas"].size();
    std::printf("Topic: %s  Partitions: %zu  Replication: %zu\n\n", name.c_str(), partitions.size(),
                replicas);
    table partition_rows({"PARTITION", "LEADER", "REPLICAS", "ISR"});
    for (const auto& partition : partitions) {
        const int leader = partition["leader"];
        partition_rows.add_row({std::to_string(partition["partition"].get<int>()),
                                leader < 0 ? "none" : std::to_string(leader),
                                join_ids(partition["replicas"].get<std::vector<std::int32_t>>()),
                                join_ids(partition["isr"].get<std::vector<std::int32_t>>())});
    }
    partition_rows.print();
    table config_rows({"CONFIG", "VALUE", "SOURCE"});
    for (const auto& config : configs) {
        if (!all_configs && config["default"].get<bool>()) continue;
        const auto& value = config["value"];
        config_rows.add_row({config["name"], value.is_null() ? "(null)" : value.get<std::string>(),
                             config["source"]});
    }
    std::printf("\n");
    if (config_rows.empty()) std::printf("no configs set on the topic%s\n",
                                         all_configs ? "" : " (--all-configs shows defaults)");
    else config_rows.print();
}

void run_describe(const connection_options& connection, const describe_args& args) {
    client kafka(RD_KAFKA_PRODUCER, connection);
    auto metadata = kafka.metadata(true);
    const auto& topic = require_topic(*metadata, args.name);
    auto partitions = partition_documents(topic);
    auto configs = config_documents(kafka, args.name);
    if (args.format == output_format::json) {
        print_json({{"name", args.name}, {"partitions", partitions}, {"configs", configs}});
    } else {
        print_description(args.name, partitions, configs, args.all_configs);
    }
}

void run_delete(const connection_options& connection, const std::string& name) {
    client kafka(RD_KAFKA_PRODUCER, connection);
    kafka.metadata(false);
    std::unique_ptr<rd_kafka_DeleteTopic_t, decltype(&rd_kafka_DeleteTopic_destroy)> topic(
        rd_kafka_DeleteTopic_new(name.c_str()), &rd_kafka_DeleteTopic_destroy);
    auto* raw = topic.get();
    auto event = kafka.admin(RD_KAFKA_ADMIN_OP_DELETETOPICS, [&](auto* options, auto* queue) {
        rd_kafka_DeleteTopics(kafka.get(), &raw, 1, options, queue);
    });
    std::size_t count = 0;
    auto results = rd_kafka_DeleteTopics_result_topics(
        rd_kafka_event_DeleteTopics_result(event.get()), &count);
    check_topic_results(results, count);
    std::printf("deleted topic %s\n", name.c_str());
}

void run_add_partitions(const connection_options& connection, const std::string& name, int total) {
    client kafka(RD_KAFKA_PRODUCER, connection);
    kafka.metadata(false);
    char error_text[512];
    std::unique_ptr<rd_kafka_NewPartitions_t, decltype(&rd_kafka_NewPartitions_destroy)> request(
        rd_kafka_NewPartitions_new(name.c_str(), static_cast<std::size_t>(total), error_text,
                                   sizeof(error_text)),
        &rd_kafka_NewPartitions_destroy);
    if (!request) fail_command(exit_usage, error_text);
    auto* raw = request.get();
    auto event = kafka.admin(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, [&](auto* options, auto* queue) {
        rd_kafka_CreatePartitions(kafka.get(), &raw, 1, options, queue);
    });
    std::size_t count = 0;
    auto results = rd_kafka_CreatePartitions_result_topics(
        rd_kafka_event_CreatePartitions_result(event.get()), &count);
    check_topic_results(results, count);
    std::printf("topic %s now has %d partitions\n", name.c_str(), total);
}

void run_alter_config(const connection_options& connection, const alter_config_args& args) {
    std::vector<config_alteration> alterations;
    for (const auto& text : args.sets) {
        auto [key, value] = split_assignment(text, "--set");
        alterations.push_back({key, config_operation::set, value});
    }
    for (const auto& key : args.deletes) {
        alterations.push_back({key, config_operation::remove, std::nullopt});
    }
    if (alterations.empty()) fail_command(exit_usage, "give at least one --set k=v or --delete k");
    client kafka(RD_KAFKA_PRODUCER, connection);
    auto metadata = kafka.metadata(true);
    require_topic(*metadata, args.name);
    alter_topic_configs(kafka, *metadata, args.name, alterations);
    std::printf("altered configs of topic %s\n", args.name.c_str());
}

}  // namespace

void add_topic_commands(CLI::App& app, const connection_options& connection) {
    auto* topic = app.add_subcommand("topic", "Create, list, describe, alter and delete topics");
    topic->require_subcommand(1);

    auto create = std::make_shared<create_args>();
    auto* create_command = topic->add_subcommand("create", "Create a topic");
    create_command->add_option("name", create->name, "Topic name")->required();
    create_command->add_option("-p,--partitions", create->partitions,
                               "Partition count (default: the broker's num.partitions)");
    create_command->add_option("-r,--replicas", create->replicas,
                               "Replication factor (default: the broker's)");
    create_command->add_option("-c,--config", create->configs,
                               "Topic config key=value (repeatable)");
    create_command->callback([&connection, create] { run_create(connection, *create); });

    auto list_format = std::make_shared<output_format>(output_format::table);
    auto* list_command = topic->add_subcommand("list", "List topics");
    add_format_option(*list_command, *list_format);
    list_command->callback([&connection, list_format] { run_list(connection, *list_format); });

    auto describe = std::make_shared<describe_args>();
    auto* describe_command = topic->add_subcommand(
        "describe", "Partitions (leader, replicas, ISR) and configs of a topic");
    describe_command->add_option("name", describe->name, "Topic name")->required();
    describe_command->add_flag("--all-configs", describe->all_configs,
                               "Also list configs left at their defaults");
    add_format_option(*describe_command, describe->format);
    describe_command->callback([&connection, describe] { run_describe(connection, *describe); });

    auto delete_name = std::make_shared<std::string>();
    auto* delete_command = topic->add_subcommand("delete", "Delete a topic");
    delete_command->add_option("name", *delete_name, "Topic name")->required();
    delete_command->callback([&connection, delete_name] { run_delete(connection, *delete_name); });

    auto alter = std::make_shared<alter_config_args>();
    auto* alter_command = topic->add_subcommand(
        "alter-config", "Set or remove topic configs (IncrementalAlterConfigs)");
    alter_command->add_option("name", alter->name, "Topic name")->required();
    alter_command->add_option("--set", alter->sets, "key=value to set (repeatable)");
    alter_command->add_option("--delete", alter->deletes,
                              "Key to remove, back to its default (repeatable)");
    alter_command->callback([&connection, alter] { run_alter_config(connection, *alter); });

    auto grow_name = std::make_shared<std::string>();
    auto grow_total = std::make_shared<int>(0);
    auto* grow_command = topic->add_subcommand("add-partitions",
                                               "Grow a topic to a total partition count");
    grow_command->add_option("name", *grow_name, "Topic name")->required();
    grow_command->add_option("--total", *grow_total, "New total partition count")
        ->required()->check(at_least(1));
    grow_command->callback([&connection, grow_name, grow_total] {
        run_add_partitions(connection, *grow_name, *grow_total);
    });
}

}  // namespace laminar::cli
