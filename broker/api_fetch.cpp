#include "broker/api_fetch.h"

#include <algorithm>
#include <chrono>

#include "broker/kafka_response.h"
#include "broker/partition_access.h"
#include "broker/wire_uuid.h"
#include "core/endian.h"

namespace laminar::broker {

namespace {

using clock = std::chrono::steady_clock;

struct read_outcome {
    kafka_error error = kafka_error::none;
    storage::file_range range;
    std::int64_t high_watermark = -1;
    std::int64_t log_start_offset = -1;
    explicit read_outcome(kafka_error failed = kafka_error::none) : error(failed) {}
};

// One requested partition, its place in the response, and what was read for it.
struct wanted_partition {
    std::string topic;
    ctl::uuid topic_id{};
    const kafka::fetch_partition* request = nullptr;
    kafka::fetch_response_partition* answer = nullptr;
    storage::file_range range;
};

// Reads one partition on its owner; remembers the fetch's shard as a watcher first, so an
// append racing with the read still wakes it.
task<read_outcome> read_partition(const wanted_partition& wanted, std::uint64_t max_bytes,
                                  unsigned requester) {
    const std::int64_t offset = wanted.request->fetch_offset;
    auto read = [&wanted, offset, max_bytes, requester](
                    storage::partition_log& log) -> task<read_outcome> {
        read_outcome outcome;
        outcome.high_watermark = log.log_end_offset();  // one node: the whole ISR
        outcome.log_start_offset = log.log_start_offset();
        if (offset < log.log_start_offset() || offset > log.log_end_offset()) {
            co_return read_outcome(kafka_error::offset_out_of_range);
        }
        if (offset == log.log_end_offset() || max_bytes == 0) {
            shard_context::current().partitions->watch(wanted.topic,
                                                       wanted.request->partition, requester);
            co_return outcome;
        }
        auto batches = co_await log.read(offset, max_bytes);
        if (!batches) co_return read_outcome(to_kafka_error(batches.error()));
        outcome.range = std::move(batches->range);
        co_return outcome;
    };
    co_return co_await on_partition<read_outcome>(wanted.topic_id, wanted.topic,
                                                  wanted.request->partition, read);
}

// The partitions of the request that exist, with their answers set up; the others get errors.
std::vector<wanted_partition> resolve(shard_context& context, std::int16_t version,
                                      const kafka::fetch_request& request,
                                      kafka::fetch_response& response) {
    std::vector<wanted_partition> wanted;
    response.responses.resize(request.topics.size());
    for (std::size_t t = 0; t < request.topics.size(); ++t) {
        const auto& topic = request.topics[t];
        auto& out = response.responses[t];
        out.topic = topic.topic;
        out.topic_id = topic.topic_id;
        const auto* state = version >= 13
                                ? context.metadata.find_topic(from_wire_uuid(topic.topic_id))
                                : context.metadata.find_topic(topic.topic);
        out.partitions.resize(topic.partitions.size());
        for (std::size_t p = 0; p < topic.partitions.size(); ++p) {
            const auto& partition = topic.partitions[p];
            auto& answer = out.partitions[p];
            answer.partition_index = partition.partition;
            answer.high_watermark = -1;
            if (state == nullptr || partition.partition < 0 ||
                partition.partition >= static_cast<std::int32_t>(state->partitions.size())) {
                answer.error_code = code(version >= 13 && state == nullptr
                                             ? kafka_error::unknown_topic_id
                                             : kafka_error::unknown_topic_or_partition);
                continue;
            }
            const auto epoch =
                state->partitions[static_cast<std::size_t>(partition.partition)].leader_epoch;
            if (partition.current_leader_epoch >= 0 && partition.current_leader_epoch != epoch) {
                answer.error_code = code(partition.current_leader_epoch > epoch
                                             ? kafka_error::unknown_leader_epoch
                                             : kafka_error::fenced_leader_epoch);
                continue;
            }
            if (request.isolation_level == 0) answer.aborted_transactions.reset();
            wanted.push_back({state->name, state->topic_id, &partition, &answer, {}});
        }
    }
    return wanted;
}

// One pass over the partitions, in order, within max_bytes (KIP-74: the first batch found is
// returned whole even when larger). Returns the bytes found.
task<std::uint64_t> read_pass(std::vector<wanted_partition>& wanted,
                              const kafka::fetch_request& request, unsigned requester) {
    std::uint64_t total = 0;
    const auto response_max = static_cast<std::uint64_t>(std::max(request.max_bytes, 0));
    for (auto& partition : wanted) {
        const auto partition_max =
            static_cast<std::uint64_t>(std::max(partition.request->partition_max_bytes, 0));
        const std::uint64_t left = response_max - std::min(total, response_max);
        std::uint64_t budget = std::min(partition_max, left);
        if (total == 0) budget = std::max<std::uint64_t>(budget, 1);  // at least one batch
        auto outcome = co_await read_partition(partition, budget, requester);
        auto& answer = *partition.answer;
        answer.error_code = code(outcome.error);
        answer.high_watermark = outcome.high_watermark;
        answer.last_stable_offset = outcome.high_watermark;
        answer.log_start_offset = outcome.log_start_offset;
        partition.range = std::move(outcome.range);
        total += partition.range.length;
    }
    co_return total;
}

// Parks until an append wakes this shard's fetches, the deadline passes, or the shard stops.
task<void> park_until(shard_context& context, clock::time_point deadline) {
    cancel_token wake;
    context.waiters.park(wake);
    (void)co_await io::sleep_for(deadline - clock::now()).with_cancel(wake);
    context.waiters.unpark(wake);
}

status append_spliced_response(const kafka::request_header& header,
                               kafka::fetch_response& message,
                               std::vector<wanted_partition>& wanted,
                               net::outbound_chain& chain) {
    for (std::uint32_t slot = 0; slot < wanted.size(); ++slot) {
        auto& records = wanted[slot].answer->records;
        records.data = kafka::bytes{};
        records.splice_bytes = wanted[slot].range.length;
        records.slot = slot;
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
        const auto& range = wanted[point.slot].range;
        chain.append_view(std::span(frame).subspan(from, point.position - from));
        chain.append_file(range.fd, range.position, range.length);
        chain.keep_alive(range.owner);
        from = point.position;
    }
    chain.append_view(std::span(frame).subspan(from));
    chain.keep(std::move(frame));
    return {};
}

}  // namespace

task<status> handle_fetch(shard_context& context, const kafka::request_header& header,
                          const kafka::fetch_request& request, net::outbound_chain& response) {
    kafka::fetch_response message;
    const bool has_session = request.session_id != 0;
    if (has_session || (request.session_epoch > 0)) {
        // No sessions are kept (a new-session request got id 0), so any id is unknown.
        message.error_code = code(has_session ? kafka_error::fetch_session_id_not_found
                                              : kafka_error::invalid_fetch_session_epoch);
        co_return append_response(header, message, response);
    }
    const std::int32_t replica = header.api_version >= 15 ? request.replica.replica_id
                                                           : request.replica_id;
    auto wanted = resolve(context, header.api_version, request, message);
    if (replica >= 0) {
        // Follower fetches come with replication.
        for (auto& partition : wanted) {
            partition.answer->error_code = code(kafka_error::not_leader_or_follower);
        }
        wanted.clear();
    }
    const auto deadline =
        clock::now() + std::chrono::milliseconds(std::max(request.max_wait_ms, 0));
    const auto min_bytes = static_cast<std::uint64_t>(std::max(request.min_bytes, 1));
    while (true) {
        const auto found = co_await read_pass(wanted, request, context.shard_id);
        bool errors = false;
        for (const auto& partition : wanted) errors |= partition.answer->error_code != 0;
        if (found >= min_bytes || errors || wanted.empty() || clock::now() >= deadline ||
            reactor::current().stopping()) {
            break;
        }
        co_await park_until(context, deadline);
    }
    co_return append_spliced_response(header, message, wanted, response);
}

}  // namespace laminar::broker
