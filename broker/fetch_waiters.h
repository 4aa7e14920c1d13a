// Long-polling fetches without a polling loop. A fetch that found too little parks on a shard's
// fetch_waiters until its max_wait passes or an append wakes it: on the shard owning all of its
// partitions when one does (the append's wake then stays on that shard), else on the shard of
// its connection. The shard owning a partition remembers which shards have fetches waiting on
// it (partition_manager::watch) and, after an append, sends each of them one wake message (to
// itself too: its own queue, no wake-up); a wake message already on its way is not sent again
// (it wakes everything parked when it arrives, and the woken fetches read again).
//
// @locality owning shard (park, unpark, wake_all); wake messages cross shards.
#pragma once

#include <algorithm>
#include <atomic>
#include <vector>

#include "core/reactor.h"

namespace laminar::broker {

class fetch_waiters {
public:
    void park(cancel_token& token) { _parked.push_back(&token); }
    void unpark(cancel_token& token) {
        _parked.erase(std::remove(_parked.begin(), _parked.end(), &token), _parked.end());
    }
    // Ends every parked wait (their sleeps complete with errc::cancelled).
    void wake_all() {
        auto parked = std::move(_parked);
        _parked.clear();
        for (auto* token : parked) token->cancel();
    }
    std::size_t parked() const noexcept { return _parked.size(); }

private:
    std::vector<cancel_token*> _parked;
};

// One per (owner shard, target shard): the message an owner sends to wake the target's fetches.
struct wake_message : cross_shard_message {
    std::atomic<bool> in_flight{false};
};

}  // namespace laminar::broker
