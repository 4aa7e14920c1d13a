#include "broker/metadata_controller.h"

#include "broker/broker_config.h"
#include "broker/group_manager.h"
#include "broker/partition_manager.h"
#include "broker/server.h"
#include "broker/shard_context.h"
#include "broker/txn_manager.h"
#include "core/cross_shard.h"
#include "core/log.h"

namespace laminar::broker {

namespace {

thread_local shard_context* current_context = nullptr;

failure<ctl::command_error> storage_failure(errc error) {
    // The metadata log could not be written: the change is not made (and not acknowledged).
    return fail(ctl::command_error{ctl::command_errc::invalid_request,
                                   std::string("metadata log write failed: ") +
                                       std::string(to_string(error))});
}

}  // namespace

shard_context& shard_context::current() noexcept {
    LAMINAR_ASSERT(current_context != nullptr);
    return *current_context;
}

void shard_context::set_current(shard_context* context) noexcept { current_context = context; }

metadata_controller::metadata_controller(ctl::metadata_log log, ctl::metadata_image image,
                                         ctl::topic_defaults defaults, unsigned shard_count,
                                         std::int32_t node_id)
    : _log(std::move(log)),
      _image(std::move(image)),
      _defaults(defaults),
      _shard_count(shard_count),
      _node_id(node_id),
      _next_random([this] { return _random(); }) {}

task<ctl::command_result<void>> metadata_controller::commit(
    std::vector<ctl::metadata_record> batch) {
    if (auto appended = co_await _log.append(batch); !appended) {
        LAMINAR_LOG_ERROR("metadata log append failed: {}", to_string(appended.error()));
        co_return storage_failure(appended.error());
    }
    if (auto applied = _image.apply(batch); !applied) {
        // Planned against this image under the lock: failing here is a bug.
        on_internal_error("a planned metadata batch did not apply");
    }
    const auto* shared = &batch;  // read-only on every shard until the last one has applied it
    bool removes_topics = false;
    bool changes_configs = false;
    bool changes_broker_configs = false;  // the topic defaults too
    for (const auto& record : batch) {
        removes_topics |= record.type == ctl::metadata_record_type::remove_topic;
        changes_configs |= record.type == ctl::metadata_record_type::config;
        changes_broker_configs |= record.type == ctl::metadata_record_type::config &&
                                  record.config.resource_type == ctl::config_resource_type::broker;
    }
    for (unsigned shard = 0; shard < _shard_count; ++shard) {
        co_await submit_to(shard, [shared, removes_topics, changes_configs,
                                   changes_broker_configs] {
            auto& here = shard_context::current();
            std::vector<std::string> removed;  // names, while the old image still has them
            for (const auto& record : *shared) {
                if (record.type != ctl::metadata_record_type::remove_topic) continue;
                const auto* topic = here.metadata.find_topic(record.remove_topic.topic_id);
                if (topic != nullptr) removed.push_back(topic->name);
            }
            if (!here.metadata.apply(*shared)) {
                on_internal_error("a committed metadata batch did not apply to a shard's copy");
            }
            if (changes_broker_configs) apply_broker_configs(here);
            if (changes_configs && here.partitions != nullptr) {
                here.partitions->reconfigure(here.metadata);
            }
            if (removes_topics && here.partitions != nullptr) {
                reactor::current().spawn(here.partitions->drop_removed(here.metadata));
            }
            if (here.groups != nullptr) {
                here.groups->adopt(here);
                if (!removed.empty()) here.groups->topics_deleted(removed);
            }
            if (here.transactions != nullptr) here.transactions->adopt(here);
        });
    }
    co_return ctl::command_result<void>{};
}

task<ctl::command_result<void>> metadata_controller::start(ctl::register_broker_record broker) {
    auto held = co_await _changes.lock();
    std::vector<ctl::metadata_record> batch;
    batch.push_back(ctl::metadata_record::of(
        ctl::leader_change_record{_node_id, _image.quorum().epoch + 1, {_node_id}}));
    if (!_image.features().contains(ctl::metadata_version_feature)) {
        batch.push_back(ctl::metadata_record::of(ctl::feature_level_record{
            std::string(ctl::metadata_version_feature), ctl::metadata_version_latest}));
    }
    const auto* known = _image.find_broker(broker.node_id);
    if (!known || known->endpoints != broker.endpoints || known->rack != broker.rack) {
        batch.push_back(ctl::metadata_record::of(std::move(broker)));
    }
    auto elected = ctl::plan_elect_leaderless(_image, _node_id);
    if (!elected.empty()) {
        LAMINAR_LOG_INFO("broker {} leads {} partitions that had no leader", _node_id,
                         elected.size());
    }
    for (auto& change : elected) batch.push_back(std::move(change));
    co_return co_await commit(std::move(batch));
}

task<ctl::command_result<void>> metadata_controller::unregister_broker(std::int32_t node_id) {
    auto held = co_await _changes.lock();
    auto planned = ctl::plan_unregister_broker(_image, node_id);
    if (!planned) co_return fail(planned.error());
    LAMINAR_LOG_WARN("unregistering broker {}: {} partitions change leader or ISR", node_id,
                     planned->size() - 1);
    co_return co_await commit(std::move(*planned));
}

task<std::vector<ctl::feature_update_outcome>> metadata_controller::update_features(
    std::vector<ctl::feature_update> updates, bool validate_only) {
    auto held = co_await _changes.lock();
    auto plan = ctl::plan_update_features(_image, updates, _node_id);
    if (validate_only || plan.records.empty()) co_return std::move(plan.outcomes);
    for (const auto& record : plan.records) {
        LAMINAR_LOG_INFO("finalizing feature {} at level {} (was {})", record.feature_level.name,
                         record.feature_level.level,
                         _image.feature_level(record.feature_level.name));
    }
    if (auto committed = co_await commit(std::move(plan.records)); !committed) {
        for (auto& outcome : plan.outcomes) {
            if (!outcome.error) outcome.error = committed.error();
        }
    }
    co_return std::move(plan.outcomes);
}

task<ctl::command_result<ctl::uuid>> metadata_controller::create_topic(
    ctl::create_topic_request request, bool validate_only) {
    auto held = co_await _changes.lock();
    auto planned = ctl::plan_create_topic(_image, request, _defaults, _next_random);
    if (!planned) co_return fail(planned.error());
    const auto topic_id = planned->front().topic.topic_id;
    if (validate_only) co_return topic_id;
    auto committed = co_await commit(std::move(*planned));
    if (!committed) co_return fail(committed.error());
    co_return topic_id;
}

task<ctl::command_result<ctl::uuid>> metadata_controller::delete_topic(std::string name) {
    auto held = co_await _changes.lock();
    auto planned = ctl::plan_delete_topic(_image, name);
    if (!planned) co_return fail(planned.error());
    const auto topic_id = planned->front().remove_topic.topic_id;
    auto committed = co_await commit(std::move(*planned));
    if (!committed) co_return fail(committed.error());
    co_return topic_id;
}

task<ctl::command_result<void>> metadata_controller::create_partitions(
    std::string name, std::int32_t total_partitions,
    std::vector<std::vector<std::int32_t>> assignment, bool validate_only) {
    auto held = co_await _changes.lock();
    auto planned =
        ctl::plan_create_partitions(_image, name, total_partitions, assignment, _next_random,
                                    _defaults.partitions_max);
    if (!planned) co_return fail(planned.error());
    if (validate_only) co_return ctl::command_result<void>{};
    co_return co_await commit(std::move(*planned));
}

task<ctl::command_result<void>> metadata_controller::alter_topic_configs(
    std::string name, std::map<std::string, std::optional<std::string>> changes,
    bool validate_only) {
    auto held = co_await _changes.lock();
    auto planned = ctl::plan_alter_topic_configs(_image, name, changes);
    if (!planned) co_return fail(planned.error());
    if (validate_only) co_return ctl::command_result<void>{};
    co_return co_await commit(std::move(*planned));
}

task<std::vector<ctl::quota_alteration_outcome>> metadata_controller::alter_client_quotas(
    std::vector<ctl::quota_alteration> alterations, bool validate_only) {
    auto held = co_await _changes.lock();
    auto plan = ctl::plan_alter_client_quotas(_image, alterations);
    if (validate_only || plan.records.empty()) co_return std::move(plan.outcomes);
    if (auto committed = co_await commit(std::move(plan.records)); !committed) {
        for (auto& outcome : plan.outcomes) {
            if (!outcome.error) outcome.error = committed.error();
        }
    }
    co_return std::move(plan.outcomes);
}

task<ctl::command_result<void>> metadata_controller::rewrite_topic_configs(
    std::string name, config_rewrite rewrite, bool validate_only) {
    auto held = co_await _changes.lock();
    const auto* topic = _image.find_topic(name);
    if (topic == nullptr) {
        co_return fail(ctl::command_error{ctl::command_errc::unknown_topic,
                                          "This server does not host this topic: " + name});
    }
    auto wanted = rewrite(topic->configs);
    if (!wanted) co_return fail(wanted.error());
    std::map<std::string, std::optional<std::string>> changes;
    for (const auto& [key, value] : topic->configs) {
        if (!wanted->contains(key)) changes[key] = std::nullopt;
    }
    for (auto& [key, value] : *wanted) {
        auto current = topic->configs.find(key);
        if (current == topic->configs.end() || current->second != value) changes[key] = value;
    }
    if (validate_only || changes.empty()) co_return ctl::command_result<void>{};
    auto planned = ctl::plan_alter_topic_configs(_image, name, changes);
    if (!planned) co_return fail(planned.error());
    co_return co_await commit(std::move(*planned));
}

task<ctl::command_result<void>> metadata_controller::rewrite_broker_configs(
    std::string name, config_rewrite rewrite, bool validate_only) {
    auto held = co_await _changes.lock();
    static const std::map<std::string, std::string> none;
    const auto* found = _image.broker_configs(name);
    const auto& current = found != nullptr ? *found : none;
    auto wanted = rewrite(current);
    if (!wanted) co_return fail(wanted.error());
    std::vector<ctl::metadata_record> batch;
    for (const auto& [key, value] : current) {
        if (!wanted->contains(key)) {
            batch.push_back(ctl::metadata_record::of(
                ctl::config_record{ctl::config_resource_type::broker, name, key, std::nullopt}));
        }
    }
    for (const auto& [key, value] : *wanted) {
        auto now = current.find(key);
        if (now == current.end() || now->second != value) {
            batch.push_back(ctl::metadata_record::of(
                ctl::config_record{ctl::config_resource_type::broker, name, key, value}));
        }
    }
    if (validate_only || batch.empty()) co_return ctl::command_result<void>{};
    LAMINAR_LOG_INFO("dynamic broker configs of {}: {} changes", name.empty() ? "<default>" : name,
                     batch.size());
    co_return co_await commit(std::move(batch));
}

void apply_broker_configs(shard_context& shard) {
    if (shard.settings == nullptr) return;
    const auto* cluster_wide = shard.metadata.broker_configs("");
    const auto* own = shard.metadata.broker_configs(std::to_string(shard.settings->node_id));
    shard.topic_defaults =
        effective_topic_defaults(shard.settings->topic_defaults, cluster_wide, own);
    shard.topic_settings.set_defaults(&shard.topic_defaults);
    if (shard.partitions != nullptr) shard.partitions->set_topic_defaults(&shard.topic_defaults);
    if (shard.admission != nullptr && shard.shard_id == controller_shard) {  // one for all
        const auto limits = effective_connection_limits(*shard.settings, cluster_wide, own);
        shard.admission->set_limits(limits.total, limits.per_ip);
    }
}

}  // namespace laminar::broker
