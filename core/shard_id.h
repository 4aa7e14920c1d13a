// Which shard the calling thread is. A shard thread sets its id once when it starts; every other
// thread (the log writer, the metrics exporter, the main thread before shards start) reports
// no_shard. Logging and metrics read it to label what they record; nothing else should branch on
// it. Reading it is one thread-local load, cheap enough for the hot path.
#pragma once

namespace laminar {

inline constexpr unsigned no_shard = ~0u;

namespace detail {
constinit inline thread_local unsigned current_shard_id = no_shard;
}  // namespace detail

// @locality the shard thread itself, once at its start (and no_shard again when it stops).
inline void set_current_shard(unsigned shard) noexcept { detail::current_shard_id = shard; }

// @locality any thread
inline unsigned current_shard() noexcept { return detail::current_shard_id; }

}  // namespace laminar
