#include "core/runtime.h"

#include <latch>

namespace laminar {

runtime::runtime(runtime_options options) : _options(std::move(options)) {
    LAMINAR_ASSERT(_options.shard_count > 0);
    const unsigned count = _options.shard_count;
    _queues.reserve(count * count);
    for (unsigned i = 0; i < count * count; ++i) {
        _queues.push_back(std::make_unique<cross_shard_queue>(_options.queue_capacity));
    }
    _reactors.assign(count, nullptr);
    _start_errors.assign(count, errc::ok);
}

runtime::~runtime() {
    request_stop();
    wait();
}

status runtime::start(std::function<task<void>(unsigned shard)> main) {
    const unsigned count = _options.shard_count;
    _active_shards.store(count);
    // Shared with the threads: they may still be leaving wait() when start() returns.
    auto created = std::make_shared<std::latch>(count);
    auto wired = std::make_shared<std::latch>(1);
    auto exited = std::make_shared<std::latch>(count);
    for (unsigned shard = 0; shard < count; ++shard) {
        _threads.emplace_back([this, shard, created, wired, exited, main] {
            if (_options.thread_init) _options.thread_init(shard);
            auto options = _options.reactor;
            options.shard_id = shard;
            auto made = reactor::create(options);
            std::unique_ptr<reactor> owned;
            if (made) owned = std::move(*made);
            else _start_errors[shard] = made.error();
            {
                std::lock_guard lock(_reactors_mutex);
                _reactors[shard] = owned.get();
            }
            created->count_down();
            wired->wait();
            bool all_created = true;
            for (auto error : _start_errors) all_created = all_created && error == errc::ok;
            if (all_created) shard_thread(shard, main);
            // No shard destroys its reactor while a peer may still wake it.
            exited->arrive_and_wait();
            std::lock_guard lock(_reactors_mutex);
            _reactors[shard] = nullptr;
            owned.reset();
        });
    }
    created->wait();
    wired->count_down();
    for (auto error : _start_errors) {
        if (error != errc::ok) {
            wait();
            return fail(error);
        }
    }
    return {};
}

void runtime::shard_thread(unsigned shard, const std::function<task<void>(unsigned)>& main) {
    const unsigned count = _options.shard_count;
    std::vector<cross_shard_queue*> inbound(count);
    std::vector<cross_shard_queue*> outbound(count);
    for (unsigned other = 0; other < count; ++other) {
        inbound[other] = _queues[other * count + shard].get();
        outbound[other] = _queues[shard * count + other].get();
    }
    std::vector<reactor*> peers;
    {
        std::lock_guard lock(_reactors_mutex);
        peers = _reactors;
    }
    reactor& self = *peers[shard];
    self.attach_peers(peers, inbound, outbound, &_active_shards);
    self.spawn(main(shard));
    self.run();
}

void runtime::request_stop() {
    std::lock_guard lock(_reactors_mutex);
    for (auto* shard : _reactors) {
        if (shard) shard->request_stop_external();
    }
}

void runtime::wait() {
    for (auto& thread : _threads) {
        if (thread.joinable()) thread.join();
    }
    _threads.clear();
}

}  // namespace laminar
