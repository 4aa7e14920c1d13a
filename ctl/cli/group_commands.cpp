#include "ctl/cli/group_commands.h"

#include <algorithm>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "ctl/cli/command_error.h"
#include "ctl/cli/output.h"
#include "ctl/cli/time_text.h"

namespace laminar::cli {
namespace {

struct describe_args {
    std::string group;
    output_format format = output_format::table;
};

struct reset_args {
    std::string group;
    std::string topic;
    bool to_earliest = false;
    bool to_latest = false;
    std::int64_t to_offset = -1;
    std::string to_time;
    bool dry_run = false;
    bool execute = false;
    output_format format = output_format::table;
};

using partition_key = std::pair<std::string, std::int32_t>;

std::string offset_text(std::int64_t offset) { return offset < 0 ? "-" : std::to_string(offset); }

[[noreturn]] void fail_group(const std::string& group, const rd_kafka_error_t* error) {
    if (rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
        fail_command(exit_failed, fmt::format("unknown group: {}", group));
    }
    if (rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
        fail_command(exit_failed, fmt::format("group {}: no answer from its coordinator (does the "
                                              "cluster serve consumer groups?)", group));
    }
    fail_command(exit_failed, fmt::format("group {}: {}", group, rd_kafka_error_string(error)));
}

void run_list(const connection_options& connection, output_format format) {
    client kafka(RD_KAFKA_PRODUCER, connection);
    kafka.metadata(false);
    auto event = kafka.admin(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, [&](auto* options, auto* queue) {
        rd_kafka_ListConsumerGroups(kafka.get(), options, queue);
    });
    const auto* result = rd_kafka_event_ListConsumerGroups_result(event.get());
    std::size_t count = 0;
    auto listings = rd_kafka_ListConsumerGroups_result_valid(result, &count);
    std::size_t error_count = 0;
    auto errors = rd_kafka_ListConsumerGroups_result_errors(result, &error_count);
    if (count == 0 && error_count > 0) {
        fail_command(exit_failed, fmt::format("listing groups: {}", rd_kafka_error_string(errors[0])));
    }
    for (std::size_t i = 0; i < error_count; ++i) {
        std::fprintf(stderr, "laminar: warning: %s\n", rd_kafka_error_string(errors[i]));
    }
    auto documents = nlohmann::json::array();
    for (std::size_t i = 0; i < count; ++i) {
        documents.push_back(
            {{"group", rd_kafka_ConsumerGroupListing_group_id(listings[i])},
             {"state", rd_kafka_consumer_group_state_name(
                           rd_kafka_ConsumerGroupListing_state(listings[i]))},
             {"simple", rd_kafka_ConsumerGroupListing_is_simple_consumer_group(listings[i]) != 0}});
    }
    std::sort(documents.begin(), documents.end(), [](const auto& left, const auto& right) {
        return left["group"].template get<std::string>() < right["group"].template get<std::string>();
    });
    if (format == output_format::json) {
        print_json(documents);
        return;
    }
    table rows({"GROUP", "STATE", "SIMPLE"});
    for (const auto& group : documents) {
        rows.add_row({group["group"], group["state"], group["simple"].get<bool>() ? "yes" : ""});
    }
    if (rows.empty()) std::printf("no groups\n");
    else rows.print();
}

// The group's description: state, coordinator, members with their assignments.
nlohmann::json describe_group(const client& kafka, const std::string& group) {
    const char* name = group.c_str();
    auto event = kafka.admin(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, [&](auto* options, auto* queue) {
        rd_kafka_DescribeConsumerGroups(kafka.get(), &name, 1, options, queue);
    });
    std::size_t count = 0;
    auto groups = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
    if (count != 1) fail_command(exit_failed, fmt::format("group {}: no description", group));
    const auto* description = groups[0];
    if (const auto* error = rd_kafka_ConsumerGroupDescription_error(description)) {
        fail_group(group, error);
    }
    auto members = nlohmann::json::array();
    for (std::size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(description); ++i) {
        const auto* member = rd_kafka_ConsumerGroupDescription_member(description, i);
        const auto* assigned = rd_kafka_MemberAssignment_partitions(
            rd_kafka_MemberDescription_assignment(member));
        auto partitions = nlohmann::json::array();
        for (int j = 0; assigned != nullptr && j < assigned->cnt; ++j) {
            partitions.push_back({{"topic", assigned->elems[j].topic},
                                  {"partition", assigned->elems[j].partition}});
        }
        members.push_back({{"member_id", rd_kafka_MemberDescription_consumer_id(member)},
                           {"client_id", rd_kafka_MemberDescription_client_id(member)},
                           {"host", rd_kafka_MemberDescription_host(member)},
                           {"assignment", std::move(partitions)}});
    }
    const auto* coordinator = rd_kafka_ConsumerGroupDescription_coordinator(description);
    const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(description);
    return {{"group", group},
            {"state", rd_kafka_consumer_group_state_name(
                          rd_kafka_ConsumerGroupDescription_state(description))},
            {"coordinator", coordinator != nullptr ? rd_kafka_Node_id(coordinator) : -1},
            {"assignor", assignor != nullptr ? assignor : ""},
            {"members", std::move(members)}};
}

// Committed offsets of the group: all its partitions, or those in `partitions`.
std::map<partition_key, std::int64_t> committed_offsets(
    const client& kafka, const std::string& group,
    const rd_kafka_topic_partition_list_t* partitions) {
    std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                    decltype(&rd_kafka_ListConsumerGroupOffsets_destroy)>
        request(rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), partitions),
                &rd_kafka_ListConsumerGroupOffsets_destroy);
    auto* raw = request.get();
    auto event = kafka.admin(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, [&](auto* options, auto* queue) {
        rd_kafka_ListConsumerGroupOffsets(kafka.get(), &raw, 1, options, queue);
    });
    std::size_t count = 0;
    auto groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &count);
    std::map<partition_key, std::int64_t> offsets;
    for (std::size_t i = 0; i < count; ++i) {
        if (const auto* error = rd_kafka_group_result_error(groups[i])) fail_group(group, error);
        const auto* listed = rd_kafka_group_result_partitions(groups[i]);
        for (int j = 0; listed != nullptr && j < listed->cnt; ++j) {
            const auto& entry = listed->elems[j];
            offsets[{entry.topic, entry.partition}] =
                entry.err == RD_KAFKA_RESP_ERR_NO_ERROR ? entry.offset : -1;
        }
    }
    return offsets;
}

std::pair<std::int64_t, std::int64_t> watermarks(const client& kafka, const partition_key& key) {
    std::int64_t low = -1;
    std::int64_t high = -1;
    auto error = rd_kafka_query_watermark_offsets(kafka.get(), key.first.c_str(), key.second, &low,
                                                  &high, kafka.options().timeout_ms());
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        kafka.check_reachable(error);
        return {-1, -1};
    }
    return {low, high};
}

nlohmann::json lag_documents(const client& kafka, const nlohmann::json& description,
                             const std::map<partition_key, std::int64_t>& committed) {
    std::map<partition_key, std::string> owners;
    for (const auto& member : description["members"]) {
        for (const auto& partition : member["assignment"]) {
            owners[{partition["topic"], partition["partition"]}] = member["member_id"];
        }
    }
    std::map<partition_key, std::int64_t> offsets = committed;
    for (const auto& [key, owner] : owners) offsets.try_emplace(key, -1);
    auto documents = nlohmann::json::array();
    for (const auto& [key, offset] : offsets) {
        const auto high = watermarks(kafka, key).second;
        const auto owner = owners.find(key);
        documents.push_back(
            {{"topic", key.first},
             {"partition", key.second},
             {"committed_offset", offset},
             {"log_end_offset", high},
             {"lag", offset >= 0 && high >= 0 ? nlohmann::json(high - offset) : nlohmann::json()},
             {"member_id", owner != owners.end() ? nlohmann::json(owner->second) : nlohmann::json()}});
    }
    return documents;
}

void print_group(const nlohmann::json& group) {
    std::printf("Group: %s  State: %s  Coordinator: %d  Assignor: %s\n\n",
                group["group"].get<std::string>().c_str(), group["state"].get<std::string>().c_str(),
                group["coordinator"].get<int>(), group["assignor"].get<std::string>().c_str());
    table members({"MEMBER", "CLIENT", "HOST", "ASSIGNMENT"});
    for (const auto& member : group["members"]) {
        std::string assignment;
        for (const auto& partition : member["assignment"]) {
            if (!assignment.empty()) assignment += ' ';
            assignment += fmt::format("{}-{}", partition["topic"].get<std::string>(),
                                      partition["partition"].get<int>());
        }
        members.add_row({member["member_id"], member["client_id"], member["host"], assignment});
    }
    if (members.empty()) std::printf("no active members\n");
    else members.print();
    std::printf("\n");
    table offsets({"TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "MEMBER"});
    for (const auto& partition : group["offsets"]) {
        offsets.add_row({partition["topic"], std::to_string(partition["partition"].get<int>()),
                         offset_text(partition["committed_offset"]),
                         offset_text(partition["log_end_offset"]),
                         partition["lag"].is_null() ? "-" : std::to_string(partition["lag"].get<std::int64_t>()),
                         partition["member_id"].is_null() ? "-" : partition["member_id"].get<std::string>()});
    }
    if (offsets.empty()) std::printf("no committed offsets\n");
    else offsets.print();
}

void run_describe(const connection_options& connection, const describe_args& args) {
    client kafka(RD_KAFKA_PRODUCER, connection);
    kafka.metadata(false);
    auto group = describe_group(kafka, args.group);
    group["offsets"] = lag_documents(kafka, group, committed_offsets(kafka, args.group, nullptr));
    if (args.format == output_format::json) print_json(group);
    else print_group(group);
}

void run_delete(const connection_options& connection, const std::string& group) {
    client kafka(RD_KAFKA_PRODUCER, connection);
    kafka.metadata(false);
    std::unique_ptr<rd_kafka_DeleteGroup_t, decltype(&rd_kafka_DeleteGroup_destroy)> request(
        rd_kafka_DeleteGroup_new(group.c_str()), &rd_kafka_DeleteGroup_destroy);
    auto* raw = request.get();
    auto event = kafka.admin(RD_KAFKA_ADMIN_OP_DELETEGROUPS, [&](auto* options, auto* queue) {
        rd_kafka_DeleteGroups(kafka.get(), &raw, 1, options, queue);
    });
    std::size_t count = 0;
    auto results = rd_kafka_DeleteGroups_result_groups(
        rd_kafka_event_DeleteGroups_result(event.get()), &count);
    for (std::size_t i = 0; i < count; ++i) {
        if (const auto* error = rd_kafka_group_result_error(results[i])) fail_group(group, error);
    }
    std::printf("deleted group %s\n", group.c_str());
}

// The offset each partition of the topic moves to.
std::int64_t target_offset(const client& kafka, const reset_args& args, const partition_key& key,
                           std::int64_t time_offset) {
    const auto [low, high] = watermarks(kafka, key);
    if (low < 0 || high < 0) {
        fail_command(exit_failed, fmt::format("no offsets for {}-{}", key.first, key.second));
    }
    if (args.to_earliest) return low;
    if (args.to_latest) return high;
    if (args.to_offset >= 0) return std::clamp(args.to_offset, low, high);
    return time_offset >= 0 ? time_offset : high;  // no record at or after the time: the end
}

// Offsets for --to-time, per partition (-1 where no record is at or after the time).
std::map<std::int32_t, std::int64_t> offsets_at_time(const client& kafka,
                                                      const rd_kafka_metadata_topic_t& topic,
                                                      std::int64_t time_ms) {
    auto partitions = make_partition_list(topic.partition_cnt);
    for (int i = 0; i < topic.partition_cnt; ++i) {
        rd_kafka_topic_partition_list_add(partitions.get(), topic.topic, topic.partitions[i].id)
            ->offset = time_ms;
    }
    auto error = rd_kafka_offsets_for_times(kafka.get(), partitions.get(),
                                            kafka.options().timeout_ms());
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        kafka.check_reachable(error);
        fail_command(exit_failed, fmt::format("offsets for --to-time: {}", rd_kafka_err2str(error)));
    }
    std::map<std::int32_t, std::int64_t> offsets;
    for (int i = 0; i < partitions->cnt; ++i) {
        offsets[partitions->elems[i].partition] = partitions->elems[i].offset;
    }
    return offsets;
}

void alter_offsets(const client& kafka, const std::string& group,
                   const rd_kafka_topic_partition_list_t* offsets) {
    std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t,
                    decltype(&rd_kafka_AlterConsumerGroupOffsets_destroy)>
        request(rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), offsets),
                &rd_kafka_AlterConsumerGroupOffsets_destroy);
    auto* raw = request.get();
    auto event = kafka.admin(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, [&](auto* options, auto* queue) {
        rd_kafka_AlterConsumerGroupOffsets(kafka.get(), &raw, 1, options, queue);
    });
    std::size_t count = 0;
    auto groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(event.get()), &count);
    for (std::size_t i = 0; i < count; ++i) {
        if (const auto* error = rd_kafka_group_result_error(groups[i])) fail_group(group, error);
        const auto* partitions = rd_kafka_group_result_partitions(groups[i]);
        for (int j = 0; partitions != nullptr && j < partitions->cnt; ++j) {
            const auto& entry = partitions->elems[j];
            if (entry.err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
            fail_command(exit_failed, fmt::format("group {}: {}-{}: {}", group, entry.topic,
                                                  entry.partition, rd_kafka_err2str(entry.err)));
        }
    }
}

void run_reset(const connection_options& connection, const reset_args& args) {
    std::int64_t time_ms = -1;
    if (!args.to_time.empty()) {
        auto parsed = parse_time_ms(args.to_time);
        if (!parsed) fail_command(exit_usage, fmt::format("--to-time: not a time: '{}'", args.to_time));
        time_ms = *parsed;
    }
    client kafka(RD_KAFKA_PRODUCER, connection);
    auto metadata = kafka.metadata(true);
    const auto& topic = require_topic(*metadata, args.topic);
    if (args.execute) {
        const auto state = describe_group(kafka, args.group)["state"].get<std::string>();
        if (state != "Empty" && state != "Dead" && state != "Unknown") {
            fail_command(exit_failed, fmt::format("group {} is {}: offsets can only be reset while "
                                                  "it has no active members", args.group, state));
        }
    }
    auto partitions = make_partition_list(topic.partition_cnt);
    for (int i = 0; i < topic.partition_cnt; ++i) {
        rd_kafka_topic_partition_list_add(partitions.get(), topic.topic, topic.partitions[i].id);
    }
    const auto current = committed_offsets(kafka, args.group, partitions.get());
    const auto at_time = time_ms >= 0 ? offsets_at_time(kafka, topic, time_ms)
                                      : std::map<std::int32_t, std::int64_t>{};
    auto documents = nlohmann::json::array();
    for (int i = 0; i < partitions->cnt; ++i) {
        auto& entry = partitions->elems[i];
        const partition_key key{entry.topic, entry.partition};
        const auto time_offset = at_time.contains(entry.partition) ? at_time.at(entry.partition) : -1;
        entry.offset = target_offset(kafka, args, key, time_offset);
        const auto found = current.find(key);
        documents.push_back({{"topic", entry.topic},
                             {"partition", entry.partition},
                             {"current_offset", found != current.end() ? found->second : -1},
                             {"new_offset", entry.offset}});
    }
    std::sort(documents.begin(), documents.end(), [](const auto& left, const auto& right) {
        return left["partition"].template get<int>() < right["partition"].template get<int>();
    });
    if (args.execute) alter_offsets(kafka, args.group, partitions.get());
    else if (!args.dry_run) std::fprintf(stderr, "laminar: dry run; --execute applies it\n");
    if (args.format == output_format::json) {
        print_json({{"group", args.group}, {"executed", args.execute}, {"partitions", documents}});
        return;
    }
    table rows({"TOPIC", "PARTITION", "CURRENT", "NEW"});
    for (const auto& partition : documents) {
        rows.add_row({partition["topic"], std::to_string(partition["partition"].get<int>()),
                      offset_text(partition["current_offset"]), offset_text(partition["new_offset"])});
    }
    rows.print();
}

void add_reset_command(CLI::App& group, const connection_options& connection) {
    auto args = std::make_shared<reset_args>();
    auto* command = group.add_subcommand(
        "reset-offsets", "Move a group's committed offsets on a topic (dry run unless --execute)");
    command->add_option("group", args->group, "Group id")->required();
    command->add_option("--topic", args->topic, "Topic whose partitions move")->required();
    // Exactly one target.
    auto* targets = command->add_option_group("target", "Where the offsets move (one of)");
    targets->add_flag("--to-earliest", args->to_earliest, "To each log start");
    targets->add_flag("--to-latest", args->to_latest, "To each log end");
    targets->add_option("--to-offset", args->to_offset, "To this offset (clamped to the log's range)")
        ->check(at_least(0));
    targets->add_option("--to-time", args->to_time,
                        "To the first record at or after a time (ms or ISO-8601)");
    targets->require_option(1);
    auto* dry_run = command->add_flag("--dry-run", args->dry_run, "Only show the new offsets");
    auto* execute = command->add_flag("--execute", args->execute, "Commit the new offsets");
    dry_run->excludes(execute);
    add_format_option(*command, args->format);
    command->callback([&connection, args] { run_reset(connection, *args); });
}

}  // namespace

void add_group_commands(CLI::App& app, const connection_options& connection) {
    auto* group = app.add_subcommand("group", "List, describe, delete consumer groups, reset offsets");
    group->require_subcommand(1);

    auto list_format = std::make_shared<output_format>(output_format::table);
    auto* list_command = group->add_subcommand("list", "List consumer groups and their states");
    add_format_option(*list_command, *list_format);
    list_command->callback([&connection, list_format] { run_list(connection, *list_format); });

    auto describe = std::make_shared<describe_args>();
    auto* describe_command = group->add_subcommand(
        "describe", "Members, assignments, and per partition committed offset, log end, lag");
    describe_command->add_option("group", describe->group, "Group id")->required();
    add_format_option(*describe_command, describe->format);
    describe_command->callback([&connection, describe] { run_describe(connection, *describe); });

    auto delete_group = std::make_shared<std::string>();
    auto* delete_command = group->add_subcommand("delete", "Delete a group with no active members");
    delete_command->add_option("group", *delete_group, "Group id")->required();
    delete_command->callback([&connection, delete_group] { run_delete(connection, *delete_group); });

    add_reset_command(*group, connection);
}

}  // namespace laminar::cli
