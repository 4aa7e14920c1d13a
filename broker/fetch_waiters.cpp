#include "broker/fetch_waiters.h"

#include <algorithm>

namespace laminar::broker {

std::size_t fetch_waiters::wake_all() {
    ++_wakes;
    auto parked = std::move(_parked);
    _parked.clear();
    for (auto* each : parked) reactor::current().schedule(each->_handle);
    return parked.size();
}

void fetch_waiters::add(park_operation& parked) {
    _parked.push_back(&parked);
    if (!_timer_running) {
        _timer_running = true;
        reactor::current().spawn(run_timer());
    } else if (_timer_wake != nullptr && parked._deadline < _timer_deadline) {
        _timer_wake->cancel();  // sleeping past this deadline: it starts over
    }
}

task<void> fetch_waiters::run_timer() {
    while (!_parked.empty()) {
        const auto earliest = std::min_element(_parked.begin(), _parked.end(),
                                               [](const auto* a, const auto* b) {
                                                   return a->_deadline < b->_deadline;
                                               });
        const clock::time_point deadline = (*earliest)->_deadline;
        const clock::time_point now = clock::now();
        if (deadline > now) {
            cancel_token wake;
            reactor::current().cancel_on_stop(wake);
            _timer_wake = &wake;
            _timer_deadline = deadline;
            (void)co_await io::sleep_for(deadline - now).with_cancel(wake);
            _timer_wake = nullptr;
            // A stop wakes every parked fetch: each sees the shard stopping and answers.
            if (reactor::current().stopping()) wake_all();
            continue;
        }
        auto past = std::partition(_parked.begin(), _parked.end(),
                                   [now](const auto* each) { return each->_deadline > now; });
        for (auto it = past; it != _parked.end(); ++it) {
            reactor::current().schedule((*it)->_handle);
        }
        _parked.erase(past, _parked.end());
    }
    _timer_running = false;
}

}  // namespace laminar::broker
