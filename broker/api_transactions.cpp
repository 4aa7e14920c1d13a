#include "broker/api_transactions.h"

#include <map>
#include <string>

#include "broker/api_groups.h"
#include "broker/api_metadata.h"
#include "broker/group_manager.h"
#include "broker/kafka_errors.h"
#include "broker/producer_ids.h"
#include "broker/txn_manager.h"
#include "core/cross_shard.h"
#include "core/log.h"

namespace laminar::broker {

namespace {

// Runs `invoke(machine, request_id, now_ms)` on the coordinator of `transactional_id` and waits
// for its reply; NOT_COORDINATOR when this broker hosts none for it.
template <typename Invoke>
task<txn::reply_effect> through_txn_coordinator(shard_context& context,
                                                const std::string& transactional_id,
                                                Invoke invoke) {
    txn::reply_effect failed;
    failed.error = kafka_error::not_coordinator;
    const auto location = locate_transaction(context, transactional_id);
    if (!location) co_return failed;
    auto run = [partition = location->partition,
                invoke]() -> task<std::optional<txn::reply_effect>> {
        co_return co_await shard_context::current().transactions->call(partition, invoke);
    };
    auto reply = co_await submit_to(location->shard, run);
    co_return reply ? *reply : failed;
}

// Runs `work(machine, now_ms)` on the coordinator of `transactional_id` for a request answered at
// once; nullopt when this broker hosts none for it.
template <typename Outcome, typename Work>
task<std::optional<Outcome>> at_txn_coordinator(shard_context& context,
                                                const std::string& transactional_id,
                                                const Work& work) {
    const auto location = locate_transaction(context, transactional_id);
    if (!location) co_return std::nullopt;
    auto run = [partition = location->partition, work]() -> task<std::optional<Outcome>> {
        co_return shard_context::current().transactions->with_coordinator(partition, work);
    };
    co_return co_await submit_to(location->shard, run);
}

struct txn_identity {
    std::string transactional_id;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
};

// One transaction's AddPartitionsToTxn, as Kafka's KafkaApis answers it: a client's request
// (v0-v3) may not add internal topics (TOPIC_AUTHORIZATION_FAILED: Kafka leaves them out of
// what it authorizes); partitions of topics that do not exist are UNKNOWN_TOPIC_OR_PARTITION;
// with either, the others are OPERATION_NOT_ATTEMPTED (nothing is added). Else every partition
// gets the coordinator's answer. verify_only (v4) asks whether each partition is in the ongoing
// transaction.
task<std::vector<kafka::add_partitions_to_txn_topic_result>> add_partitions(
    shard_context& context, const txn_identity& who,
    const std::vector<kafka::add_partitions_to_txn_topic>& topics, bool verify_only,
    bool knows_producer_fenced, bool refuse_internal) {
    std::vector<kafka::add_partitions_to_txn_topic_result> results;
    std::vector<txn::topic_partition> wanted;
    bool refused = false;
    for (const auto& topic : topics) {
        const auto* state = context.metadata.find_topic(topic.name);
        const bool internal = refuse_internal && is_internal_topic(topic.name);
        auto& result = results.emplace_back();
        result.name = topic.name;
        for (const auto partition : topic.partitions) {
            const bool exists = state != nullptr && partition >= 0 &&
                                static_cast<std::size_t>(partition) < state->partitions.size();
            kafka_error error = kafka_error::operation_not_attempted;
            if (internal) {
                error = kafka_error::topic_authorization_failed;
            } else if (!exists) {
                error = kafka_error::unknown_topic_or_partition;
            }
            refused = refused || error != kafka_error::operation_not_attempted;
            result.results_by_partition.push_back({partition, code(error)});
            wanted.push_back({topic.name, partition});
        }
    }
    if (refused || wanted.empty()) co_return results;
    std::vector<kafka_error> errors;
    if (verify_only) {
        auto verify = [&who, &wanted](txn::txn_coordinator& machine, std::int64_t) {
            std::vector<kafka_error> verdicts;
            for (const auto& partition : wanted) {
                verdicts.push_back(machine.verify_partition(who.transactional_id, who.producer_id,
                                                            who.producer_epoch, partition));
            }
            return verdicts;
        };
        auto verdicts = co_await at_txn_coordinator<std::vector<kafka_error>>(
            context, who.transactional_id, verify);
        errors = verdicts ? std::move(*verdicts)
                          : std::vector<kafka_error>(wanted.size(), kafka_error::not_coordinator);
    } else {
        auto add = [who, wanted](txn::txn_coordinator& machine, txn::request_id id,
                                 std::int64_t now) {
            machine.add_partitions(id, who.transactional_id, who.producer_id, who.producer_epoch,
                                   wanted, now);
        };
        auto reply = co_await through_txn_coordinator(context, who.transactional_id, add);
        errors.assign(wanted.size(), reply.error);
    }
    std::size_t next = 0;
    for (auto& result : results) {
        for (auto& partition : result.results_by_partition) {
            partition.partition_error_code =
                code(txn::for_version(errors[next++], knows_producer_fenced));
        }
    }
    co_return results;
}

std::int16_t error_for(kafka_error error, bool knows_producer_fenced) {
    return code(txn::for_version(error, knows_producer_fenced));
}

}  // namespace

task<kafka::init_producer_id_response> init_transactional_producer(
    shard_context& context, const kafka::request_header& header,
    const kafka::init_producer_id_request& request) {
    kafka::init_producer_id_response response;
    // An unused id, which the coordinator takes when the transactional id is new or its epochs
    // are exhausted (ids are plentiful: the rest of the time it stays unused).
    auto allocated = co_await reserve_producer_id();
    if (!allocated) {
        response.error_code = code(kafka_error::coordinator_not_available);  // retriable
        co_return response;
    }
    txn::init_producer_id_input input;
    input.transactional_id = *request.transactional_id;
    input.transaction_timeout_ms = request.transaction_timeout_ms;
    input.expected_producer_id = request.producer_id;
    input.expected_producer_epoch = request.producer_epoch;
    const auto fresh = *allocated;
    auto init = [input, fresh](txn::txn_coordinator& machine, txn::request_id id,
                               std::int64_t now) {
        machine.init_producer_id(id, input, fresh, now);
    };
    auto reply = co_await through_txn_coordinator(context, input.transactional_id, init);
    response.error_code = error_for(reply.error, header.api_version >= 4);
    response.producer_id = reply.producer_id;
    response.producer_epoch = reply.producer_epoch;
    co_return response;
}

task<kafka_error> verify_in_transaction(const std::string& transactional_id,
                                        std::int64_t producer_id, std::int16_t producer_epoch,
                                        const std::string& topic, std::int32_t partition) {
    const txn::topic_partition wanted{topic, partition};
    auto verify = [&](txn::txn_coordinator& machine, std::int64_t) {
        return machine.verify_partition(transactional_id, producer_id, producer_epoch, wanted);
    };
    auto verdict = co_await at_txn_coordinator<kafka_error>(shard_context::current(),
                                                            transactional_id, verify);
    switch (verdict.value_or(kafka_error::not_coordinator)) {
        case kafka_error::none: co_return kafka_error::none;
        case kafka_error::concurrent_transactions:
        case kafka_error::coordinator_load_in_progress:
        case kafka_error::coordinator_not_available:
        case kafka_error::not_coordinator: co_return kafka_error::not_enough_replicas;
        case kafka_error::producer_fenced: co_return kafka_error::invalid_producer_epoch;
        default: co_return *verdict;
    }
}

task<kafka::add_partitions_to_txn_response> handle_add_partitions_to_txn(
    shard_context& context, const kafka::request_header& header,
    kafka::add_partitions_to_txn_request request) {
    kafka::add_partitions_to_txn_response response;
    const bool knows_producer_fenced = header.api_version >= 2;
    if (header.api_version < 4) {
        txn_identity who{request.v3_and_below_transactional_id, request.v3_and_below_producer_id,
                         request.v3_and_below_producer_epoch};
        response.results_by_topic_v3_and_below = co_await add_partitions(
            context, who, request.v3_and_below_topics, false, knows_producer_fenced, true);
        co_return response;
    }
    for (const auto& transaction : request.transactions) {
        txn_identity who{transaction.transactional_id, transaction.producer_id,
                         transaction.producer_epoch};
        kafka::add_partitions_to_txn_result result;
        result.transactional_id = transaction.transactional_id;
        result.topic_results = co_await add_partitions(context, who, transaction.topics,
                                                       transaction.verify_only, true, false);
        response.results_by_transaction.push_back(std::move(result));
    }
    co_return response;
}

task<kafka::add_offsets_to_txn_response> handle_add_offsets_to_txn(
    shard_context& context, const kafka::request_header& header,
    kafka::add_offsets_to_txn_request request) {
    kafka::add_offsets_to_txn_response response;
    // The group's offsets go to its partition of __consumer_offsets: that partition joins the
    // transaction and gets its marker.
    if (auto error = co_await ensure_offsets_topic(context); error != 0) {
        response.error_code = error;
        co_return response;
    }
    const auto group = locate_group(context, request.group_id);
    if (!group) {
        response.error_code = code(kafka_error::coordinator_not_available);
        co_return response;
    }
    const txn_identity who{request.transactional_id, request.producer_id, request.producer_epoch};
    const std::vector<txn::topic_partition> wanted{
        {std::string(offsets_topic_name), group->partition}};
    auto add = [who, wanted](txn::txn_coordinator& machine, txn::request_id id, std::int64_t now) {
        machine.add_partitions(id, who.transactional_id, who.producer_id, who.producer_epoch,
                               wanted, now);
    };
    auto reply = co_await through_txn_coordinator(context, who.transactional_id, add);
    response.error_code = error_for(reply.error, header.api_version >= 2);
    co_return response;
}

task<kafka::end_txn_response> handle_end_txn(shard_context& context,
                                             const kafka::request_header& header,
                                             kafka::end_txn_request request) {
    kafka::end_txn_response response;
    const txn_identity who{request.transactional_id, request.producer_id, request.producer_epoch};
    const bool commit = request.committed;
    auto end = [who, commit](txn::txn_coordinator& machine, txn::request_id id, std::int64_t now) {
        machine.end_txn(id, who.transactional_id, who.producer_id, who.producer_epoch, commit, now);
    };
    auto reply = co_await through_txn_coordinator(context, who.transactional_id, end);
    response.error_code = error_for(reply.error, header.api_version >= 2);
    co_return response;
}

task<kafka::describe_transactions_response> handle_describe_transactions(
    shard_context& context, kafka::describe_transactions_request request) {
    kafka::describe_transactions_response response;
    struct described {
        kafka_error error = kafka_error::none;
        std::optional<txn::txn_description> description;
    };
    for (const auto& transactional_id : request.transactional_ids) {
        auto describe = [transactional_id](txn::txn_coordinator& machine, std::int64_t) {
            if (!machine.loaded()) return described{kafka_error::coordinator_load_in_progress, {}};
            auto found = machine.describe(transactional_id);
            if (!found) return described{kafka_error::transactional_id_not_found, {}};
            return described{kafka_error::none, std::move(found)};
        };
        auto outcome = co_await at_txn_coordinator<described>(context, transactional_id, describe);
        kafka::described_transaction out;
        out.transactional_id = transactional_id;
        if (!outcome) {
            out.error_code = code(kafka_error::not_coordinator);
        } else if (outcome->error != kafka_error::none) {
            out.error_code = code(outcome->error);
        } else {
            const auto& txn = *outcome->description;
            out.transaction_state = std::string(txn::state_name(txn.state));
            out.transaction_timeout_ms = txn.transaction_timeout_ms;
            out.transaction_start_time_ms = txn.transaction_start_time_ms;
            out.producer_id = txn.producer_id;
            out.producer_epoch = txn.producer_epoch;
            for (const auto& partition : txn.partitions) {
                if (out.topics.empty() || out.topics.back().topic != partition.topic) {
                    out.topics.push_back({partition.topic, {}});
                }
                out.topics.back().partitions.push_back(partition.partition);
            }
        }
        response.transaction_states.push_back(std::move(out));
    }
    co_return response;
}

task<kafka::list_transactions_response> handle_list_transactions(
    shard_context& context, kafka::list_transactions_request request) {
    kafka::list_transactions_response response;
    std::vector<txn::txn_state> states;
    for (const auto& name : request.state_filters) {
        if (auto state = txn::state_named(name)) {
            states.push_back(*state);
        } else {
            response.unknown_state_filters.push_back(name);
        }
    }
    // Filters that name no known state match nothing (Kafka's shouldInclude).
    const bool match_none = !request.state_filters.empty() && states.empty();
    struct gathered {
        bool loading = false;
        std::vector<txn::txn_description> transactions;
    };
    const auto& producer_ids = request.producer_id_filters;
    for (unsigned shard = 0; shard < context.shard_count; ++shard) {
        auto gather = [states, producer_ids, match_none]() -> task<gathered> {
            gathered merged;
            shard_context::current().transactions->for_each(
                [&](std::int32_t, const txn::txn_coordinator& machine) {
                    if (!machine.loaded()) {
                        merged.loading = true;
                        return;
                    }
                    if (match_none) return;
                    for (auto& txn : machine.list(states, producer_ids)) {
                        merged.transactions.push_back(std::move(txn));
                    }
                });
            co_return merged;
        };
        auto listed = co_await submit_to(shard, gather);
        if (listed.loading) response.error_code = code(kafka_error::coordinator_load_in_progress);
        for (auto& txn : listed.transactions) {
            response.transaction_states.push_back(
                {txn.transactional_id, txn.producer_id, std::string(txn::state_name(txn.state))});
        }
    }
    if (response.error_code != 0) {
        // Kafka answers a coordinator still loading with the error alone.
        response.transaction_states.clear();
        response.unknown_state_filters.clear();
    }
    co_return response;
}

}  // namespace laminar::broker
