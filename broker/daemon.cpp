#include "broker/daemon.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>

#include <filesystem>
#include <future>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "broker/client_quota_manager.h"
#include "broker/group_manager.h"
#include "broker/kafka_handler.h"
#include "broker/meta_properties.h"
#include "broker/metadata_controller.h"
#include "broker/partition_manager.h"
#include "broker/producer_ids.h"
#include "broker/server.h"
#include "broker/shard_context.h"
#include "broker/txn_manager.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/runtime.h"
#include "core/shard_id.h"
#include "core/shard_placement.h"
#include "core/topology.h"

namespace laminar::broker {

namespace {

// Pins the shard thread, gives it its NUMA-local arena and its identity for logs and metrics.
void init_shard_thread(const topology& machine, const shard_placement& placement) {
    set_current_shard(placement.shard_id);
    log_register_thread();
    if (auto pinned = pin_current_thread(machine, placement.cpu); !pinned) {
        LAMINAR_LOG_WARN("shard {}: could not pin to cpu {}: {}", placement.shard_id,
                         placement.cpu, to_string(pinned.error()));
    }
    auto arena = create_shard_arena(machine, static_cast<int>(placement.numa_node));
    if (arena) (void)use_arena_for_current_thread(*arena);
}

// The shards' listeners share the port through SO_REUSEPORT, which would also let a second
// broker process of the same user join the group silently and take half the connections. A
// probe socket bound without SO_REUSEPORT first fails with EADDRINUSE if anything listens there.
result<std::vector<unique_fd>, std::string> bind_listeners(const net::endpoint& address,
                                                           std::size_t count) {
    if (address.port != 0) {
        auto probe = net::listen_tcp(address, {.backlog = 1, .reuse_port = false});
        if (!probe) {
            return fail(fmt::format("cannot listen on {}: {}", net::to_string(address),
                                    to_string(probe.error())));
        }
    }
    std::vector<unique_fd> listeners;
    for (std::size_t i = 0; i < count; ++i) {
        auto bound = net::listen_tcp(address, {.backlog = 1024, .reuse_port = true});
        if (!bound) {
            return fail(fmt::format("cannot listen on {}: {}", net::to_string(address),
                                    to_string(bound.error())));
        }
        listeners.push_back(std::move(*bound));
    }
    return listeners;
}

// laminar.partition.placement: with numa, the partitions live on the shards of the data disk's
// NUMA node (their page cache, buffers and I/O completions stay on that node).
std::vector<unsigned> partition_owners(const topology& machine,
                                       std::span<const shard_placement> shards,
                                       const broker_settings& settings) {
    std::optional<unsigned> disk_node;
    if (settings.partitions_near_disk) {
        if (auto node = machine.numa_node_of_path(settings.data_dir)) disk_node = *node;
    }
    auto owners = partition_shards_near(shards, disk_node);
    if (disk_node && owners.size() < shards.size()) {
        LAMINAR_LOG_INFO("partitions on the {} shard(s) of NUMA node {}, where {} is",
                         owners.size(), *disk_node, settings.data_dir);
    } else {
        LAMINAR_LOG_INFO("partitions on all {} shard(s) ({})", owners.size(),
                         !settings.partitions_near_disk ? "laminar.partition.placement=all"
                         : disk_node ? "every shard is on the data disk's NUMA node"
                                     : "the data disk has no single NUMA node");
    }
    return owners;
}

// Kafka's log-dir lock: an exclusive flock on <data_dir>/.lock, held while the broker runs, so a
// second broker on the same directory stops at startup instead of writing the same logs.
result<unique_fd, std::string> lock_data_dir(const std::string& data_dir) {
    const auto path = (std::filesystem::path(data_dir) / ".lock").string();
    unique_fd fd(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644));
    if (!fd) return fail(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            return fail(fmt::format(
                "data dir {} is in use by another process (it holds the lock on {})", data_dir,
                path));
        }
        return fail(fmt::format("cannot lock {}: {}", path, std::strerror(errno)));
    }
    return fd;
}

// Reads the metadata log (plain syscalls: startup) into the image every shard starts from.
result<ctl::metadata_log::opened, std::string> load_metadata(const broker_settings& settings,
                                                             ctl::metadata_image& image) {
    auto opened = ctl::metadata_log::open(std::filesystem::path(settings.data_dir) /
                                          "__cluster_metadata");
    if (!opened) return fail("metadata log: " + opened.error());
    if (opened->log.truncated_bytes() > 0) {
        LAMINAR_LOG_WARN("metadata log: cut {} bytes of torn tail",
                         opened->log.truncated_bytes());
    }
    for (const auto& batch : opened->batches) {
        if (auto applied = image.apply(batch); !applied) {
            return fail("metadata log does not replay: " + applied.error());
        }
    }
    return opened;
}

ctl::register_broker_record registration_of(const broker_settings& settings) {
    ctl::register_broker_record record;
    record.node_id = settings.node_id;
    record.incarnation_id = ctl::random_uuid();
    for (const auto& advertised : settings.advertised_listeners) {
        record.endpoints.push_back(
            {advertised.name, advertised.address.host, advertised.address.port});
    }
    return record;
}

// Waits for SIGTERM or SIGINT, which block_stop_signals() blocked in every thread.
void wait_for_stop_signal(const sigset_t& stop_signals) {
    int received = 0;
    sigwait(&stop_signals, &received);
    LAMINAR_LOG_INFO("received {}, stopping", received == SIGTERM ? "SIGTERM" : "SIGINT");
}

}  // namespace

sigset_t block_stop_signals() {
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);
    return stop_signals;
}

result<void, std::string> run_broker(const config& values, const broker_settings& settings) {
    auto machine = topology::load_live();
    if (!machine) return fail(std::string("cannot read the machine's topology"));
    shard_placement_options placement_options{settings.cpus, settings.numa_node,
                                              settings.shard_count};
    auto shards = choose_shards(*machine, placement_options);
    if (!shards) {
        return fail(fmt::format("cannot choose shards (--cpus/--numa-node/--shards): {}",
                                to_string(shards.error())));
    }
    std::error_code dir_error;
    std::filesystem::create_directories(settings.data_dir, dir_error);
    if (dir_error) {
        return fail(fmt::format("cannot create data dir {}: {}", settings.data_dir,
                                dir_error.message()));
    }
    auto data_dir_lock = lock_data_dir(settings.data_dir);
    if (!data_dir_lock) return fail(data_dir_lock.error());
    auto meta = load_or_create_meta_properties(settings.data_dir, settings.node_id);
    if (!meta) return fail(meta.error());
    ctl::metadata_image image;
    auto metadata = load_metadata(settings, image);
    if (!metadata) return fail(metadata.error());
    LAMINAR_LOG_INFO("metadata: {} batches replayed, {} topics, {} brokers",
                     metadata->batches.size(), image.topics().size(), image.brokers().size());

    const auto& address = settings.listeners.front().address;
    auto listeners = bind_listeners(address, shards->size());
    if (!listeners) return fail(listeners.error());

    const sigset_t stop_signals = block_stop_signals();

    runtime_options options;
    options.shard_count = static_cast<unsigned>(shards->size());
    options.reactor.idle = settings.idle;
    options.reactor.spin_before_sleep = settings.spin_before_sleep;
    options.reactor.inline_write_bytes_max = settings.inline_write_bytes_max;
    // After SIGTERM the shards close every open log (sync, indexes, checkpoints): 10,000
    // partitions took ~21 s here on a loaded 2-vCPU VM. The reactor's default 5 s drain would
    // cancel those closes (the logs then recover by scanning at the next start).
    options.reactor.drain_timeout = std::chrono::seconds(60);
    const auto shard_count = static_cast<unsigned>(shards->size());
    const auto owners = partition_owners(*machine, *shards, settings);
    connection_admission admission(settings.connections_max, settings.connections_per_ip_max);
    client_quota_registry quotas({settings.quota_window_samples, settings.quota_window_ms});
    std::vector<shard_context> contexts(shard_count);
    std::vector<std::unique_ptr<partition_manager>> partitions;
    std::vector<std::unique_ptr<group_manager>> group_managers;
    std::vector<std::unique_ptr<txn_manager>> txn_managers;
    const auto open_logs_max = open_logs_max_per_shard(settings.log_open_max, shard_count);
    for (unsigned shard = 0; shard < shard_count; ++shard) {
        partitions.push_back(std::make_unique<partition_manager>(
            settings.data_dir, shard, shard_count, open_logs_max, owners));
        contexts[shard].partitions = partitions.back().get();
        group_managers.push_back(std::make_unique<group_manager>(settings.groups, shard));
        contexts[shard].groups = group_managers.back().get();
        txn_managers.push_back(std::make_unique<txn_manager>(settings.transactions, shard));
        contexts[shard].transactions = txn_managers.back().get();
        contexts[shard].shard_count = shard_count;
        contexts[shard].partition_shards = owners;
        contexts[shard].shard_id = shard;
        contexts[shard].settings = &settings;
        contexts[shard].broker_config = &values;
        contexts[shard].cluster_id = meta->cluster_id;
        contexts[shard].metadata = image;
        contexts[shard].admission = &admission;
        contexts[shard].quotas = &quotas;
        apply_broker_configs(contexts[shard]);  // the file's, under the dynamic ones in `image`
    }
    ctl::topic_defaults defaults{settings.num_partitions, settings.default_replication_factor};
    metadata_controller controller(std::move(metadata->log), std::move(image), defaults,
                                   shard_count, settings.node_id);
    contexts[controller_shard].controller = &controller;
    producer_id_allocator producer_ids(settings.data_dir);
    contexts[controller_shard].producer_ids = &producer_ids;
    options.thread_init = [&](unsigned shard) {
        init_shard_thread(*machine, (*shards)[shard]);
        shard_context::set_current(&contexts[shard]);
    };
    server_mesh mesh(shard_count);  // outlives the shards
    runtime shard_runtime(std::move(options));
    std::vector<server_counters> counters(shard_count);
    // Set once the controller has taken its epoch and registered this broker (on every shard's
    // image): only then does the broker say it is listening.
    std::promise<void> controller_started;
    auto controller_ready = controller_started.get_future();
    auto shard_main = [&](unsigned shard) -> task<void> {
        if (shard == controller_shard) {
            auto started = co_await controller.start(registration_of(settings));
            if (!started) {
                LAMINAR_LOG_ERROR("cannot start the metadata controller of broker {}: {}",
                                  settings.node_id, started.error().message);
            }
            controller_started.set_value();
        }
        auto& context = contexts[shard];
        // Directories of topics deleted while the broker was down.
        co_await context.partitions->drop_removed(context.metadata);
        context.partitions->start_maintenance(settings.maintenance);
        context.groups->adopt(context);  // loads the group coordinators of this shard
        context.transactions->adopt(context);  // and its transaction coordinators
        kafka_handler handler(context);
        server_options serving{
            .frame_bytes_max = settings.socket_request_bytes_max,
            .admission = &admission,
            .send = {.copy_bytes_max = settings.fetch_copy_bytes_max},
            .inflight_bytes_max = settings.connection_inflight_bytes_max,
            .mesh = settings.connections_follow_partitions && shard_count > 1 ? &mesh : nullptr,
            .connections_max_idle_ms = settings.connections_max_idle_ms};
        co_await serve((*listeners)[shard].get(), handler, serving, counters[shard]);
        co_await context.transactions->stop();  // its markers may reach the groups
        co_await context.groups->stop();
        co_await context.partitions->close_all();
    };
    if (auto started = shard_runtime.start(shard_main); !started) {
        return fail(fmt::format("cannot start shards: {}", to_string(started.error())));
    }
    if (controller_ready.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
        LAMINAR_LOG_WARN("the metadata controller has not started after 60 s");
    }
    LAMINAR_LOG_INFO("laminar-broker node {} listening on {} with {} shard(s), idle {}, data in {}",
                     settings.node_id, net::to_string(address), shards->size(),
                     to_string(settings.idle), settings.data_dir);
    std::fprintf(stdout, "laminar-broker listening on %s (%zu shards, data in %s)\n",
                 net::to_string(address).c_str(), shards->size(), settings.data_dir.c_str());
    std::fflush(stdout);
    wait_for_stop_signal(stop_signals);
    shard_runtime.request_stop();
    shard_runtime.wait();
    // The shards have stopped: their counters are read here, on this thread, only now.
    for (unsigned shard = 0; shard < shard_count; ++shard) {
        const server_counters& seen = counters[shard];
        LAMINAR_LOG_INFO(
            "shard {}: {} connections accepted, {} refused, {} moved out, "
            "{} moved in, {} closed idle, {} requests, {} frames refused",
            shard, seen.connections_accepted, seen.connections_refused, seen.connections_moved_out,
            seen.connections_moved_in, seen.connections_idle_closed, seen.requests,
            seen.frames_refused);
    }
    LAMINAR_LOG_INFO("stopped cleanly");
    return {};
}

}  // namespace laminar::broker
