// The kafka target: librdkafka 2.0 (Debian's), as an application would use it. Its own threads
// do the I/O; delivery reports (acknowledgements) are served on the producer's thread by
// rd_kafka_poll, consumed records on the consumer's by rd_kafka_consumer_poll. Consumers take
// partitions by assign() (no group protocol), from the high watermark measured at start.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>

#include "bench/laminar_bench/targets.h"

namespace laminar::bench {
namespace {

constexpr int setup_timeout_ms = 15'000;
constexpr int create_timeout_ms = 5'000;  // librdkafka 2.0's mock never answers CreateTopics

struct kafka_handle_deleter {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using kafka_handle = std::unique_ptr<rd_kafka_t, kafka_handle_deleter>;

bool set(rd_kafka_conf_t* conf, const char* name, const std::string& value, std::string& error) {
    char text[512];
    if (rd_kafka_conf_set(conf, name, value.c_str(), text, sizeof text) != RD_KAFKA_CONF_OK) {
        error = std::string(name) + ": " + text;
        return false;
    }
    return true;
}

kafka_handle make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf, std::string& error) {
    char text[512];
    rd_kafka_t* handle = rd_kafka_new(type, conf, text, sizeof text);
    if (handle == nullptr) {
        rd_kafka_conf_destroy(conf);
        error = text;
    }
    return kafka_handle(handle);
}

rd_kafka_conf_t* base_conf(const options& opt, std::string& error) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    if (!set(conf, "bootstrap.servers", opt.brokers, error) ||
        !set(conf, "socket.nagle.disable", "true", error) ||
        !set(conf, "client.id", "laminar-bench", error)) {
        rd_kafka_conf_destroy(conf);
        return nullptr;
    }
    return conf;
}

// CreateTopics; an existing topic is fine. The mock cluster answers too.
bool create_topic(rd_kafka_t* handle, const options& opt, std::string& error) {
    char text[512];
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(opt.topic.c_str(), opt.partitions,
                                                       opt.replication_factor, text, sizeof text);
    if (topic == nullptr) {
        error = text;
        return false;
    }
    rd_kafka_queue_t* queue = rd_kafka_queue_new(handle);
    rd_kafka_CreateTopics(handle, &topic, 1, nullptr, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, create_timeout_ms);
    bool ok = event != nullptr;
    if (!ok) error = "CreateTopics timed out";
    if (event != nullptr) {
        const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
        std::size_t count = 0;
        const rd_kafka_topic_result_t** topics =
            result ? rd_kafka_CreateTopics_result_topics(result, &count) : nullptr;
        if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            ok = false;
            error = rd_kafka_event_error_string(event);
        }
        for (std::size_t i = 0; ok && i < count; ++i) {
            const rd_kafka_resp_err_t code = rd_kafka_topic_result_error(topics[i]);
            if (code != RD_KAFKA_RESP_ERR_NO_ERROR &&
                code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                ok = false;
                error = std::string("CreateTopics: ") + rd_kafka_err2str(code);
            }
        }
        rd_kafka_event_destroy(event);
    }
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(topic);
    return ok;
}

// The topic's partition count from Metadata, retried `attempts` times 200 ms apart; -1 when it
// does not exist.
int partition_count(rd_kafka_t* handle, const std::string& name, int attempts, std::string& error) {
    rd_kafka_topic_t* topic = rd_kafka_topic_new(handle, name.c_str(), nullptr);
    int count = -1;
    for (int attempt = 0; attempt < attempts && count <= 0; ++attempt) {
        const rd_kafka_metadata_t* metadata = nullptr;
        const rd_kafka_resp_err_t code = rd_kafka_metadata(handle, 0, topic, &metadata, 5000);
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
            error = std::string("Metadata: ") + rd_kafka_err2str(code);
        } else if (metadata->topic_cnt == 1 && metadata->topics[0].err == 0) {
            count = metadata->topics[0].partition_cnt;
        } else if (metadata->topic_cnt == 1) {
            error = std::string("Metadata: ") + rd_kafka_err2str(metadata->topics[0].err);
        }
        if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
        if (count <= 0 && attempt + 1 < attempts) wait_until(now_ns() + 200'000'000, false);
    }
    rd_kafka_topic_destroy(topic);
    return count;
}

struct producer_state {
    run_context* ctx;
    producer_tally* tally;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto* state = static_cast<producer_state*>(opaque);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        state->tally->note_error(std::string("delivery: ") + rd_kafka_err2str(message->err));
        return;
    }
    payload_stamp stamp;
    if (!read_stamp(message->payload, message->len, stamp)) {
        state->tally->note_error("delivery report without our payload");
        return;
    }
    note_acked(*state->ctx, *state->tally, stamp, now_ns());
}

// Serves delivery reports until `deadline_ns`, sleeping in rd_kafka_poll while more than a
// millisecond is left and then waiting out the rest precisely.
void poll_until(rd_kafka_t* handle, std::uint64_t deadline_ns, bool busy_poll) {
    for (;;) {
        const std::uint64_t now = now_ns();
        if (now >= deadline_ns) return;
        const std::uint64_t left_ms = (deadline_ns - now) / 1'000'000;
        if (busy_poll || left_ms < 2) {
            rd_kafka_poll(handle, 0);
            wait_until(std::min(deadline_ns, now + 50'000), busy_poll);
        } else {
            rd_kafka_poll(handle, static_cast<int>(std::min<std::uint64_t>(left_ms - 1, 100)));
        }
    }
}

}  // namespace

bool kafka_prepare(run_context& ctx, std::string& error) {
    rd_kafka_conf_t* conf = base_conf(ctx.opt, error);
    if (conf == nullptr) return false;
    // A producer's Metadata would otherwise auto-create the topic with the broker's defaults.
    if (!set(conf, "allow.auto.create.topics", "false", error)) {
        rd_kafka_conf_destroy(conf);
        return false;
    }
    kafka_handle admin = make_handle(RD_KAFKA_PRODUCER, conf, error);
    if (!admin) return false;
    // Create the topic only when Metadata does not know it.
    std::string create_error;
    if (partition_count(admin.get(), ctx.opt.topic, 1, create_error) <= 0 &&
        !create_topic(admin.get(), ctx.opt, create_error)) {
        std::fprintf(stderr, "laminar-bench: %s (continuing: the topic may be auto-created)\n",
                     create_error.c_str());
    }
    const int count = partition_count(admin.get(), ctx.opt.topic, 30, error);
    if (count <= 0) return false;
    if (count != ctx.opt.partitions) {
        std::fprintf(stderr, "laminar-bench: topic %s has %d partitions, using them all\n",
                     ctx.opt.topic.c_str(), count);
        ctx.opt.partitions = count;
    }
    ctx.start_offsets.assign(static_cast<std::size_t>(count), 0);
    for (int p = 0; p < count; ++p) {
        std::int64_t low = 0, high = 0;
        const rd_kafka_resp_err_t code = rd_kafka_query_watermark_offsets(
            admin.get(), ctx.opt.topic.c_str(), p, &low, &high, setup_timeout_ms);
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
            error = std::string("watermarks: ") + rd_kafka_err2str(code);
            return false;
        }
        ctx.start_offsets[static_cast<std::size_t>(p)] = high;
    }
    return true;
}

void kafka_producer(run_context& ctx, int index, producer_tally& tally) {
    const options& opt = ctx.opt;
    std::string error;
    producer_state state{&ctx, &tally};
    rd_kafka_conf_t* conf = base_conf(opt, error);
    const bool configured =
        conf != nullptr && set(conf, "acks", std::to_string(opt.acks), error) &&
        set(conf, "compression.codec", opt.compression, error) &&
        (opt.linger_ms < 0 || set(conf, "linger.ms", std::to_string(opt.linger_ms), error)) &&
        set(conf, "enable.idempotence", "false", error) &&
        set(conf, "queue.buffering.max.messages", "1000000", error) &&
        set(conf, "queue.buffering.max.kbytes", "1048576", error);
    kafka_handle handle;
    if (configured) {
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_opaque(conf, &state);
        handle = make_handle(RD_KAFKA_PRODUCER, conf, error);
    } else if (conf != nullptr) {
        rd_kafka_conf_destroy(conf);
    }
    if (!handle) {
        tally.note_error(error);
        ctx.producers_running.fetch_sub(1);
        return;
    }
    rd_kafka_topic_t* topic = rd_kafka_topic_new(handle.get(), opt.topic.c_str(), nullptr);
    const auto producers = static_cast<std::uint64_t>(opt.producers);
    const bool scheduled = ctx.period_ns > 0;
    std::vector<char> value(opt.record_size);
    std::uint64_t key_state = static_cast<std::uint64_t>(index);
    while (!ctx.go.load()) wait_until(now_ns() + 100'000, false);
    for (std::uint64_t k = static_cast<std::uint64_t>(index);; k += producers) {
        std::uint64_t intended;
        if (scheduled) {
            if (k >= ctx.records_total) break;
            intended = ctx.intended_ns(k);
            poll_until(handle.get(), intended, opt.busy_poll);
        } else {
            intended = now_ns();
            if (intended >= ctx.end_ns) break;
        }
        const payload_stamp stamp = stamp_record(ctx, k, intended, value.data());
        const std::string key = record_key(opt, k, key_state);
        tally.note_sent(k / producers);
        for (;;) {
            const int rc = rd_kafka_produce(
                topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, value.data(), value.size(),
                key.empty() ? nullptr : key.data(), key.size(), nullptr);
            if (rc == 0) {
                // Handed to librdkafka: its queue and I/O thread send it from here.
                if (auto* row = ctx.trace_of(k)) row->sent_ns = now_ns();
                break;
            }
            const rd_kafka_resp_err_t code = rd_kafka_last_error();
            if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL || now_ns() > ctx.drain_deadline_ns) {
                tally.note_error(std::string("produce: ") + rd_kafka_err2str(code));
                break;
            }
            rd_kafka_poll(handle.get(), 1);
        }
        (void)stamp;
        rd_kafka_poll(handle.get(), 0);
    }
    const std::uint64_t now = now_ns();
    const auto flush_ms =
        now < ctx.drain_deadline_ns ? (ctx.drain_deadline_ns - now) / 1'000'000 : 0;
    if (rd_kafka_flush(handle.get(), static_cast<int>(flush_ms)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        tally.note_error("records still unacknowledged at the drain deadline");
    }
    rd_kafka_topic_destroy(topic);
    ctx.producers_running.fetch_sub(1);
}

void kafka_consumer(run_context& ctx, int index, consumer_tally& tally) {
    const options& opt = ctx.opt;
    std::string error;
    rd_kafka_conf_t* conf = base_conf(opt, error);
    const bool configured =
        conf != nullptr &&
        set(conf, "group.id", "laminar-bench-" + std::to_string(ctx.run_id), error) &&
        set(conf, "enable.auto.commit", "false", error) &&
        set(conf, "fetch.wait.max.ms", std::to_string(opt.fetch_wait_ms), error) &&
        set(conf, "enable.partition.eof", "false", error);
    kafka_handle handle;
    if (configured) {
        handle = make_handle(RD_KAFKA_CONSUMER, conf, error);
    } else if (conf != nullptr) {
        rd_kafka_conf_destroy(conf);
    }
    if (!handle) {
        tally.note_error(error);
        ctx.consumers_ready.fetch_add(1);
        return;
    }
    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(opt.partitions);
    for (int p = index; p < opt.partitions; p += opt.consumers) {
        rd_kafka_topic_partition_list_add(assignment, opt.topic.c_str(), p)->offset =
            ctx.start_offsets[static_cast<std::size_t>(p)];
    }
    const bool any = assignment->cnt > 0;
    if (any) rd_kafka_assign(handle.get(), assignment);
    rd_kafka_topic_partition_list_destroy(assignment);
    ctx.consumers_ready.fetch_add(1);
    while (any && !ctx.consumers_done()) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(handle.get(), opt.busy_poll ? 0 : 100);
        if (message == nullptr) continue;
        const std::uint64_t now = now_ns();
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            tally.note_error(std::string("consume: ") + rd_kafka_err2str(message->err));
        } else {
            note_consumed(ctx, tally, message->payload, message->len, now);
        }
        rd_kafka_message_destroy(message);
    }
    rd_kafka_consumer_close(handle.get());
}

}  // namespace laminar::bench
