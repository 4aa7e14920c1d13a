// The shard runtime: one thread per shard, each running its own reactor, wired to every other
// shard by bounded SPSC queues (queues[source][target]). The runtime pins nothing itself: the
// caller's thread_init hook pins the thread and selects its memory arena (core/topology.h,
// core/memory.h), so placement decisions stay testable apart from the threads.
//
// @locality construct, run and wait on one control thread; request_stop from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/reactor.h"

namespace laminar {

struct runtime_options {
    unsigned shard_count = 1;
    reactor_options reactor;          // shard_id is filled in per shard
    std::size_t queue_capacity = 1024;  // per (source, target) pair
    // Runs first on each shard thread, before its reactor exists (pin, arena, thread name).
    std::function<void(unsigned shard)> thread_init;
};

class runtime {
public:
    explicit runtime(runtime_options options);
    ~runtime();
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    // Starts every shard with `main(shard)` spawned on it; returns once all reactors run.
    // Fails if a ring could not be created (the error of the first shard that failed).
    status start(std::function<task<void>(unsigned shard)> main);
    // Asks every shard to stop cleanly; any thread, any number of times.
    void request_stop();
    // Joins the shard threads (after they drained and stopped).
    void wait();

    unsigned shard_count() const noexcept { return _options.shard_count; }

private:
    void shard_thread(unsigned shard, const std::function<task<void>(unsigned)>& main);

    runtime_options _options;
    std::vector<std::unique_ptr<cross_shard_queue>> _queues;  // [source * n + target]
    std::mutex _reactors_mutex;  // guards _reactors against request_stop during teardown
    std::vector<reactor*> _reactors;
    std::atomic<unsigned> _active_shards{0};
    std::vector<std::thread> _threads;
    std::vector<errc> _start_errors;
};

}  // namespace laminar
