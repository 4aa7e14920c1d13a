#include "broker/api_fetch.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

#include "broker/batch_checks.h"
#include "broker/client_quota_manager.h"
#include "broker/kafka_response.h"
#include "broker/partition_access.h"
#include "broker/topic_config.h"
#include "broker/wire_uuid.h"
#include "core/endian.h"

namespace laminar::broker {

namespace {

using clock = std::chrono::steady_clock;

struct read_outcome {
    kafka_error error = kafka_error::none;
    storage::file_range range;
    std::int64_t high_watermark = -1;
    std::int64_t last_stable_offset = -1;
    std::int64_t log_start_offset = -1;
    std::vector<kafka::aborted_transaction> aborted;  // read_committed only
    explicit read_outcome(kafka_error failed = kafka_error::none) : error(failed) {}
};

// One partition to read: its topic as the metadata names it, what is asked of it, and the
// slot of its answer.
struct wanted_partition {
    std::string topic;
    ctl::uuid topic_id{};
    const kafka::fetch_partition* request = nullptr;
    std::size_t slot = 0;
};

// The partitions read and what was found, slot by slot (the fetch context's item order).
struct fetch_answers {
    std::vector<kafka::fetch_response_partition> partitions;
    std::vector<storage::file_range> ranges;
    // Slots whose answer is UNSUPPORTED_COMPRESSION_TYPE once the fetch is done (Kafka replaces
    // the read's answer when it sends the response; the read itself counts as any other).
    std::vector<std::size_t> refused_codec;
    // A partition failed before any read (a leader epoch error): Kafka answers at once.
    bool failed_early = false;
};

// Reads one partition on its owner; remembers the fetch's shard as a watcher first, so an
// append racing with the read still wakes it. A read_committed fetch reads below the last
// stable offset and learns the aborted transactions from its offset up to there (Kafka's
// collectAbortedTransactions, bounded by the LSO rather than the end of what is returned: a
// client ignores those past its records).
task<read_outcome> read_partition(const wanted_partition& wanted, std::uint64_t max_bytes,
                                  unsigned requester, bool read_committed) {
    const std::int64_t offset = wanted.request->fetch_offset;
    auto read = [&wanted, offset, max_bytes, requester,
                 read_committed](storage::partition_log& log) -> task<read_outcome> {
        auto& partitions = *shard_context::current().partitions;
        const auto* producers = partitions.producers(wanted.topic, wanted.request->partition);
        read_outcome outcome;
        outcome.high_watermark = log.log_end_offset();  // one node: the whole ISR
        outcome.last_stable_offset = producers != nullptr
                                         ? producers->last_stable_offset(outcome.high_watermark)
                                         : outcome.high_watermark;
        outcome.log_start_offset = log.log_start_offset();
        if (offset < log.log_start_offset() || offset > log.log_end_offset()) {
            co_return read_outcome(kafka_error::offset_out_of_range);
        }
        const std::int64_t readable_end =
            read_committed ? outcome.last_stable_offset : outcome.high_watermark;
        if (offset >= readable_end || max_bytes == 0) {
            partitions.watch(wanted.topic, wanted.request->partition, requester);
            co_return outcome;
        }
        auto batches = co_await log.read(offset, max_bytes, readable_end);
        if (!batches) co_return read_outcome(to_kafka_error(batches.error()));
        outcome.range = std::move(batches->range);
        // The table may be gone after the suspension (a deleted topic): look it up again.
        producers = partitions.producers(wanted.topic, wanted.request->partition);
        if (read_committed && producers != nullptr) {
            for (const auto& txn : producers->aborted_between(offset, readable_end)) {
                outcome.aborted.push_back({txn.producer_id, txn.first_offset});
            }
        }
        co_return outcome;
    };
    co_return co_await on_partition<read_outcome>(wanted.topic_id, wanted.topic,
                                                  wanted.request->partition, read);
}

const std::string& compression_type_of(shard_context& context, const ctl::topic_state& topic) {
    // The topic's own value, else the broker's default (the cache resolves with both).
    return context.topic_settings.of(context.metadata, topic).compression_type;
}

// The items that name existing partitions, with their answers set up; the others get errors.
std::vector<wanted_partition> resolve(shard_context& context, std::int16_t version,
                                      const kafka::fetch_request& request,
                                      const std::vector<fetch_item>& items,
                                      fetch_answers& answers) {
    std::vector<wanted_partition> wanted;
    answers.partitions.resize(items.size());
    answers.ranges.resize(items.size());
    for (std::size_t slot = 0; slot < items.size(); ++slot) {
        const auto& item = items[slot];
        const auto& partition = item.request;
        auto& answer = answers.partitions[slot];
        const auto* state = version >= 13
                                ? context.metadata.find_topic(from_wire_uuid(item.topic_id))
                                : context.metadata.find_topic(item.topic);
        answer.partition_index = partition.partition;
        answer.high_watermark = -1;
        if (state == nullptr || partition.partition < 0 ||
            partition.partition >= static_cast<std::int32_t>(state->partitions.size())) {
            answer.error_code = code(version >= 13 && state == nullptr
                                         ? kafka_error::unknown_topic_id
                                         : kafka_error::unknown_topic_or_partition);
            continue;
        }
        // Kafka answers this instead of whatever the read finds (the records or another error)
        // when it sends the response; fetches from v10 on skip the settings lookup.
        if (version < fetch_version_zstd_min &&
            fetch_refuses_codec(compression_type_of(context, *state), version)) {
            answers.refused_codec.push_back(slot);
        }
        const auto& partition_state =
            state->partitions[static_cast<std::size_t>(partition.partition)];
        const auto epoch = partition_state.leader_epoch;
        if (partition.current_leader_epoch >= 0 && partition.current_leader_epoch != epoch) {
            answer.error_code = code(partition.current_leader_epoch > epoch
                                         ? kafka_error::unknown_leader_epoch
                                         : kafka_error::fenced_leader_epoch);
            answers.failed_early = true;
            continue;
        }
        // Kafka checks the epoch first, then leadership (Partition.localLogWithEpochOrThrow).
        if (!context.leads(partition_state)) {
            answer.error_code = code(kafka_error::not_leader_or_follower);
            answers.failed_early = true;
            continue;
        }
        if (request.isolation_level == 0) answer.aborted_transactions.reset();
        wanted.push_back({state->name, state->topic_id, &partition, slot});
    }
    return wanted;
}

// One pass over the partitions, in order, within max_bytes (KIP-74: the first batch found is
// returned whole even when larger). Returns the bytes found.
task<std::uint64_t> read_pass(std::vector<wanted_partition>& wanted,
                              const kafka::fetch_request& request, std::uint64_t response_max,
                              fetch_answers& answers, unsigned requester) {
    std::uint64_t total = 0;
    for (auto& partition : wanted) {
        const auto partition_max =
            static_cast<std::uint64_t>(std::max(partition.request->partition_max_bytes, 0));
        const std::uint64_t left = response_max - std::min(total, response_max);
        std::uint64_t budget = std::min(partition_max, left);
        if (total == 0) budget = std::max<std::uint64_t>(budget, 1);  // at least one batch
        auto outcome =
            co_await read_partition(partition, budget, requester, request.isolation_level == 1);
        auto& answer = answers.partitions[partition.slot];
        answer.error_code = code(outcome.error);
        answer.high_watermark = outcome.high_watermark;
        answer.last_stable_offset = outcome.last_stable_offset;
        answer.log_start_offset = outcome.log_start_offset;
        if (answer.aborted_transactions) *answer.aborted_transactions = std::move(outcome.aborted);
        answers.ranges[partition.slot] = std::move(outcome.range);
        total += answers.ranges[partition.slot].length;
    }
    co_return total;
}

// The shard owning every wanted partition, if one owns them all (a consumer of one partition).
std::optional<unsigned> single_owner(const std::vector<wanted_partition>& wanted) {
    if (wanted.empty()) return std::nullopt;
    const auto& shards = shard_context::current().partition_shards;
    const auto owner_of = [&shards](const wanted_partition& partition) {
        return owner_shard(partition.topic_id, partition.request->partition, shards);
    };
    const unsigned owner = owner_of(wanted.front());
    for (const auto& partition : wanted) {
        if (owner_of(partition) != owner) return std::nullopt;
    }
    return owner;
}

// Read passes until min_bytes are found, a partition fails, the deadline passes or the shard
// stops, parked on this shard's waiters between passes. Run on the partitions' owner when one
// shard owns them all: an append there then wakes the fetch and it reads without a hop, and only
// the outcome crosses back (woken on the connection's shard, it cost a wake message, the read's
// request and its reply: three wake-ups of a sleeping shard between an append and the response).
// @locality any shard; `wanted`, `request` and `answers` belong to the caller, suspended meanwhile.
task<void> read_until(std::vector<wanted_partition>& wanted, const kafka::fetch_request& request,
                      std::uint64_t response_max, fetch_answers& answers,
                      clock::time_point deadline, std::uint64_t min_bytes) {
    auto& context = shard_context::current();
    while (true) {
        // A wake during the pass (an append to a partition it already read, whose watch it
        // spent) must not be lost: the park below then returns at once and the fetch reads again.
        const std::uint64_t wakes = context.waiters.wakes();
        const auto found =
            co_await read_pass(wanted, request, response_max, answers, context.shard_id);
        bool errors = false;
        for (const auto& partition : wanted) {
            errors |= answers.partitions[partition.slot].error_code != 0;
        }
        if (found >= min_bytes || errors || wanted.empty() || clock::now() >= deadline ||
            reactor::current().stopping()) {
            co_return;
        }
        // Until an append wakes this shard's fetches, the deadline passes, or the shard stops.
        co_await context.waiters.park_until(deadline, wakes);
    }
}

fetch_answer_summary summary_of(const fetch_answers& answers, std::size_t slot) {
    const auto& answer = answers.partitions[slot];
    return {.error_code = answer.error_code,
            .high_watermark = answer.high_watermark,
            .log_start_offset = answer.log_start_offset,
            .record_bytes = answers.ranges[slot].length,
            .preferred_read_replica = answer.preferred_read_replica,
            .diverging_epoch = answer.diverging_epoch.epoch};
}

// The response frame with the chosen slots, grouped by topic as they come; their records are
// spliced from the files they were read from.
status append_spliced_response(const kafka::request_header& header,
                               kafka::fetch_response& message,
                               const std::vector<fetch_item>& items, fetch_answers& answers,
                               const std::vector<std::size_t>& chosen,
                               net::outbound_chain& chain) {
    const bool by_id = header.api_version >= 13;
    for (std::uint32_t index = 0; index < chosen.size(); ++index) {
        const auto slot = chosen[index];
        const auto& item = items[slot];
        if (message.responses.empty() ||
            (by_id ? message.responses.back().topic_id != item.topic_id
                   : message.responses.back().topic != item.topic)) {
            auto& topic = message.responses.emplace_back();
            topic.topic = item.topic;
            topic.topic_id = item.topic_id;
        }
        auto& answer = message.responses.back().partitions.emplace_back(
            std::move(answers.partitions[slot]));
        answer.records.data = kafka::bytes{};
        answer.records.splice_bytes = answers.ranges[slot].length;
        answer.records.slot = index;
    }
    kafka::bytes frame(kafka::frame_size_bytes);
    kafka::writer out(frame);
    kafka::encode_response_header(
        {header.correlation_id},
        kafka::response_header_version(header.api_key, header.api_version), out);
    std::vector<kafka::splice_point> points;
    if (!kafka::encode_message(message, header.api_version, frame, &points)) {
        return fail(errc::invalid_argument);
    }
    std::uint64_t spliced = 0;
    for (const auto& point : points) spliced += point.bytes;
    store_be(frame.data(),
             static_cast<std::int32_t>(frame.size() - kafka::frame_size_bytes + spliced));
    std::size_t from = 0;
    for (const auto& point : points) {
        const auto& range = answers.ranges[chosen[point.slot]];
        chain.append_view(std::span(frame).subspan(from, point.position - from));
        chain.append_file(range.fd, range.position, range.length);
        chain.keep_alive(range.owner);
        from = point.position;
    }
    chain.append_view(std::span(frame).subspan(from));
    chain.keep(std::move(frame));
    return {};
}

// What a partition's answer adds to a fetch response besides its records, as the quota counts it.
constexpr double fetch_partition_overhead = 64;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               clock::now().time_since_epoch())
        .count();
}

// This shard's session cache, made on first use with its share of the broker's slots.
fetch_session_cache& session_cache(shard_context& context) {
    if (context.fetch_sessions == nullptr) {
        fetch_session_limits limits;
        const auto shards = static_cast<std::int64_t>(std::max(context.shard_count, 1U));
        if (context.settings != nullptr) {
            const auto slots = std::max<std::int64_t>(context.settings->fetch_session_slots, 0);
            limits.slots = static_cast<std::size_t>((slots + shards - 1) / shards);
            limits.eviction_ms = context.settings->fetch_session_eviction_ms;
        }
        std::random_device seed;
        context.fetch_sessions = std::make_unique<fetch_session_cache>(
            limits, context.shard_id, context.shard_count,
            (static_cast<std::uint64_t>(seed()) << 32) | seed());
    }
    return *context.fetch_sessions;
}

std::vector<fetch_item> items_of(const kafka::fetch_request& request, std::int16_t version) {
    std::vector<fetch_item> items;
    for (const auto& topic : request.topics) {
        for (const auto& partition : topic.partitions) {
            items.push_back({version >= 13 ? std::string() : topic.topic,
                             version >= 13 ? topic.topic_id : kafka::uuid{}, partition});
        }
    }
    return items;
}

}  // namespace

task<status> handle_fetch(shard_context& context, const kafka::request_header& header,
                          const kafka::fetch_request& request, net::outbound_chain& response,
                          std::int64_t& throttle_ms) {
    kafka::fetch_response message;
    const std::int16_t version = header.api_version;
    const std::int32_t replica = version >= 15 ? request.replica.replica_id : request.replica_id;
    auto& sessions = session_cache(context);
    auto fetch = sessions.new_context(request.session_id, request.session_epoch, version >= 13,
                                      items_of(request, version), request.forgotten_topics_data,
                                      now_ms());
    if (fetch.type == fetch_context::kind::error) {
        message.error_code = code(fetch.error);
        co_return append_response(header, message, response);
    }
    fetch_answers answers;
    auto wanted = resolve(context, version, request, fetch.items, answers);
    if (replica >= 0) {
        // Follower fetches come with replication.
        for (auto& partition : wanted) {
            answers.partitions[partition.slot].error_code =
                code(kafka_error::not_leader_or_follower);
        }
        wanted.clear();
    }
    // Kafka's ReplicaManager answers at once when a partition's read failed (errorReadingData).
    const auto deadline =
        clock::now() + std::chrono::milliseconds(
                           answers.failed_early ? 0 : std::max(request.max_wait_ms, 0));
    const auto min_bytes = static_cast<std::uint64_t>(std::max(request.min_bytes, 1));
    auto response_max = static_cast<std::uint64_t>(std::max(request.max_bytes, 0));
    const auto quota =
        context.quotas == nullptr
            ? std::nullopt
            : client_quota_of(context.metadata, quota_kind::fetch, client_id_of(header));
    if (quota) {
        // Kafka's getMaxValueInQuotaWindow: the quota over (samples - 1) windows.
        const auto& window = context.quotas->settings();
        const double window_bytes = quota->bytes_per_second *
                                    static_cast<double>(std::max(window.samples - 1, 1)) *
                                    static_cast<double>(window.window_ms) / 1000.0;
        // (A bound that is not a positive number, from a damaged metadata log, reads nothing
        // more than the first batch.)
        const double bounded = window_bytes > 0 ? std::min(window_bytes, 2147483647.0) : 0.0;
        response_max = std::min<std::uint64_t>(response_max, static_cast<std::uint64_t>(bounded));
    }
    const auto owner = single_owner(wanted);
    if (owner && *owner != context.shard_id) {
        auto wait_on_owner = [&wanted, &request, response_max, &answers, deadline, min_bytes] {
            return read_until(wanted, request, response_max, answers, deadline, min_bytes);
        };
        co_await submit_to(*owner, wait_on_owner);
    } else {
        co_await read_until(wanted, request, response_max, answers, deadline, min_bytes);
    }
    for (const auto slot : answers.refused_codec) {
        auto& answer = answers.partitions[slot];
        answer = kafka::fetch_response_partition{};  // FetchResponse.partitionResponse(tp, error)
        answer.partition_index = fetch.items[slot].request.partition;
        answer.error_code = code(kafka_error::unsupported_compression_type);
        answer.high_watermark = -1;
        answers.ranges[slot] = {};
    }
    if (quota) {
        double bytes = 0;
        for (std::size_t slot = 0; slot < fetch.items.size(); ++slot) {
            bytes += static_cast<double>(answers.ranges[slot].length) + fetch_partition_overhead;
        }
        const auto now = quota_clock_ms();
        throttle_ms = context.quotas->record(quota_kind::fetch, *quota, bytes, now);
        if (throttle_ms > 0) {
            // Kafka's getThrottledResponse: nothing read is sent, the session stays as it was.
            context.quotas->unrecord(quota_kind::fetch, *quota, bytes, now);
            message.throttle_time_ms =
                static_cast<std::int32_t>(std::min<std::int64_t>(throttle_ms, INT32_MAX));
            if (fetch.type == fetch_context::kind::incremental) {
                message.session_id = fetch.session->id();
                if (fetch.session->epoch() != fetch.expected_epoch) {
                    message.error_code = code(kafka_error::invalid_fetch_session_epoch);
                }
            }
            co_return append_response(header, message, response);
        }
    }
    std::vector<std::size_t> chosen;
    switch (fetch.type) {
    case fetch_context::kind::full: {
        std::vector<fetch_answer_summary> summaries;
        for (std::size_t slot = 0; slot < fetch.items.size(); ++slot) {
            summaries.push_back(summary_of(answers, slot));
        }
        message.session_id =
            sessions.maybe_create(now_ms(), replica >= 0, version >= 13, fetch.items, summaries);
        [[fallthrough]];
    }
    case fetch_context::kind::sessionless:
    case fetch_context::kind::error:
        for (std::size_t slot = 0; slot < fetch.items.size(); ++slot) chosen.push_back(slot);
        break;
    case fetch_context::kind::incremental:
        message.session_id = fetch.session->id();
        if (fetch.session->epoch() != fetch.expected_epoch) {
            // Another request of this session came meanwhile (a duplicate).
            message.error_code = code(kafka_error::invalid_fetch_session_epoch);
            break;
        }
        for (std::size_t slot = 0; slot < fetch.items.size(); ++slot) {
            if (fetch.session->must_respond(fetch.items[slot], summary_of(answers, slot))) {
                chosen.push_back(slot);
            }
        }
        break;
    }
    co_return append_spliced_response(header, message, fetch.items, answers, chosen, response);
}

}  // namespace laminar::broker
