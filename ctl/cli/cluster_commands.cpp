#include "ctl/cli/cluster_commands.h"

#include <algorithm>
#include <memory>

#include "ctl/cli/output.h"

namespace laminar::cli {
namespace {

nlohmann::json broker_documents(const rd_kafka_metadata_t& metadata, std::int32_t controller) {
    auto documents = nlohmann::json::array();
    for (int i = 0; i < metadata.broker_cnt; ++i) {
        const auto& broker = metadata.brokers[i];
        documents.push_back({{"id", broker.id},
                             {"host", broker.host},
                             {"port", broker.port},
                             {"controller", broker.id == controller}});
    }
    std::sort(documents.begin(), documents.end(), [](const auto& left, const auto& right) {
        return left["id"].template get<int>() < right["id"].template get<int>();
    });
    return documents;
}

nlohmann::json topic_documents(const rd_kafka_metadata_t& metadata) {
    auto documents = nlohmann::json::array();
    for (int i = 0; i < metadata.topic_cnt; ++i) {
        const auto& topic = metadata.topics[i];
        auto partitions = nlohmann::json::array();
        for (int j = 0; j < topic.partition_cnt; ++j) {
            const auto& partition = topic.partitions[j];
            partitions.push_back({{"partition", partition.id},
                                  {"leader", partition.leader},
                                  {"replicas", ids_of(partition.replicas, partition.replica_cnt)},
                                  {"isr", ids_of(partition.isrs, partition.isr_cnt)}});
        }
        std::sort(partitions.begin(), partitions.end(), [](const auto& left, const auto& right) {
            return left["partition"].template get<int>() < right["partition"].template get<int>();
        });
        documents.push_back({{"name", topic.topic}, {"partitions", std::move(partitions)}});
    }
    std::sort(documents.begin(), documents.end(), [](const auto& left, const auto& right) {
        return left["name"].template get<std::string>() < right["name"].template get<std::string>();
    });
    return documents;
}

void print_info(const nlohmann::json& info) {
    std::printf("Cluster id: %s\nController: %s\n\n",
                info["cluster_id"].is_null() ? "(unknown)"
                                             : info["cluster_id"].get<std::string>().c_str(),
                info["controller"].get<int>() < 0
                    ? "(unknown)" : std::to_string(info["controller"].get<int>()).c_str());
    table brokers({"BROKER", "HOST", "PORT", "CONTROLLER"});
    for (const auto& broker : info["brokers"]) {
        brokers.add_row({std::to_string(broker["id"].get<int>()), broker["host"],
                         std::to_string(broker["port"].get<int>()),
                         broker["controller"].get<bool>() ? "yes" : ""});
    }
    brokers.print();
    std::printf("\n");
    table partitions({"TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR"});
    for (const auto& topic : info["topics"]) {
        for (const auto& partition : topic["partitions"]) {
            const int leader = partition["leader"];
            partitions.add_row({topic["name"], std::to_string(partition["partition"].get<int>()),
                                leader < 0 ? "none" : std::to_string(leader),
                                join_ids(partition["replicas"].get<std::vector<std::int32_t>>()),
                                join_ids(partition["isr"].get<std::vector<std::int32_t>>())});
        }
    }
    if (partitions.empty()) std::printf("no topics\n");
    else partitions.print();
}

void run_info(const connection_options& connection, output_format format) {
    client kafka(RD_KAFKA_PRODUCER, connection);
    auto metadata = kafka.metadata(true);
    const auto controller = rd_kafka_controllerid(kafka.get(), connection.timeout_ms());
    nlohmann::json cluster_id;
    if (char* text = rd_kafka_clusterid(kafka.get(), connection.timeout_ms()); text != nullptr) {
        cluster_id = text;
        rd_kafka_mem_free(kafka.get(), text);
    }
    nlohmann::json info{{"cluster_id", cluster_id},
                        {"controller", controller},
                        {"brokers", broker_documents(*metadata, controller)},
                        {"topics", topic_documents(*metadata)}};
    if (format == output_format::json) print_json(info);
    else print_info(info);
}

}  // namespace

void add_cluster_commands(CLI::App& app, const connection_options& connection) {
    auto* cluster = app.add_subcommand("cluster", "The cluster: brokers, controller, partitions");
    cluster->require_subcommand(1);
    auto format = std::make_shared<output_format>(output_format::table);
    auto* info = cluster->add_subcommand(
        "info", "Brokers, controller, cluster id, and every partition's leader, replicas and ISR");
    add_format_option(*info, *format);
    info->callback([&connection, format] { run_info(connection, *format); });
}

}  // namespace laminar::cli
