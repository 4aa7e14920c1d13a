// Incremental fetch sessions (KIP-227) as Kafka 3.7's FetchSession.scala keeps them, as pure
// logic (no I/O, time passed in): the per-shard session cache with Kafka's eviction rules, the
// choice of a fetch context for each request (sessionless, full, incremental, or a session
// error), and which partitions an incremental response must carry.
//
// Request metadata (session_id, session_epoch):
//   epoch 0 (INITIAL) or -1 (FINAL) is a full fetch: any session it names is closed first; epoch
//   0 then asks for a new session (created once the response is known, id 0 if the cache is
//   full and nothing may be evicted), epoch -1 stays sessionless.
//   epoch > 0 is incremental: the session must exist here (FETCH_SESSION_ID_NOT_FOUND) and be at
//   that epoch (INVALID_FETCH_SESSION_EPOCH); a v13+ request on a session made before v13 or the
//   reverse is FETCH_SESSION_TOPIC_ID_ERROR. The request's partitions are added or updated, the
//   forgotten ones removed; a session left empty is closed and the fetch is sessionless.
//
// Eviction (Kafka's tryEvict): with the cache full, a new session may evict the least recently
// used session if it has been unused for more than min.incremental.fetch.session.eviction.ms;
// otherwise the smallest evictable session (fewest partitions; privileged, i.e. follower,
// sessions after all others) if the new one is not smaller. A session is evictable that way only
// once it is older than the eviction time (privileged new sessions may evict young unprivileged
// ones). Laminar has no followers yet, so every session is unprivileged.
//
// Laminar keeps one cache per shard; the shard is encoded in the session id (id % shard_count),
// and the slots are split over the shards. A request naming another shard's session is answered
// FETCH_SESSION_ID_NOT_FOUND (a client's fetches stay on one connection, so this only happens
// after a reconnect, and the client then starts a new session).
//
// @locality owning shard (one cache per shard).
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "broker/kafka_errors.h"
#include "net/kafka/fetch.h"

namespace laminar::broker {

inline constexpr std::int32_t fetch_session_id_none = 0;  // Kafka's INVALID_SESSION_ID
inline constexpr std::int32_t fetch_epoch_initial = 0;
inline constexpr std::int32_t fetch_epoch_final = -1;

// Kafka's FetchMetadata.nextEpoch: negative stays final, INT32_MAX wraps to 1.
std::int32_t next_fetch_epoch(std::int32_t epoch) noexcept;

// One partition a fetch names: its topic by name (before v13) or id (v13+) and what the client
// asks of it (offset, max bytes, epochs).
struct fetch_item {
    std::string topic;     // empty for v13+ requests
    kafka::uuid topic_id;  // zero before v13
    kafka::fetch_partition request;
};

// What the response said of a partition, as a session compares it with the last one sent.
struct fetch_answer_summary {
    std::int16_t error_code = 0;
    std::int64_t high_watermark = -1;
    std::int64_t log_start_offset = -1;
    std::uint64_t record_bytes = 0;
    std::int32_t preferred_read_replica = -1;
    std::int32_t diverging_epoch = -1;
};

class fetch_session {
public:
    struct key {
        std::string topic;  // the name, or the 16 bytes of the topic id in a v13+ session
        std::int32_t partition = 0;
        bool operator==(const key&) const = default;
    };
    struct key_hash {
        std::size_t operator()(const key& k) const noexcept;
    };
    struct cached_partition {
        fetch_item item;
        std::int64_t high_watermark = -1;    // as last sent; -1 after an error
        std::int64_t log_start_offset = -1;  // as last sent
    };

    fetch_session(std::int32_t id, bool privileged, bool uses_topic_ids, std::int64_t now_ms);

    std::int32_t id() const noexcept { return _id; }
    std::int32_t epoch() const noexcept { return _epoch; }
    bool privileged() const noexcept { return _privileged; }
    bool uses_topic_ids() const noexcept { return _uses_topic_ids; }
    std::size_t size() const noexcept { return _partitions.size(); }
    bool empty() const noexcept { return _partitions.empty(); }

    // The partitions in fetch order (an incremental fetch reads all of them).
    std::vector<fetch_item> items() const;

    // Adds the items not yet in the session, updates the others' request parameters, then
    // removes the forgotten ones (Kafka's order).
    void update(const std::vector<fetch_item>& fetched, const std::vector<key>& forgotten);

    // Adds one partition with the answer the full response gave it.
    void add(const fetch_item& item, const fetch_answer_summary& answer);

    // Whether an incremental response must carry this partition (records, an error, a new
    // high watermark or log start offset, a preferred replica, a diverging epoch). When it
    // must, remembers what is sent and moves the partition to the end of the session (so the
    // others get their turn at the response's byte budget first next time).
    bool must_respond(const fetch_item& item, const fetch_answer_summary& answer);

    key key_of(const fetch_item& item) const;
    key key_of(const kafka::forgotten_topic& topic, std::int32_t partition) const;

private:
    friend class fetch_session_cache;

    std::int32_t _id;
    std::int32_t _epoch;
    bool _privileged;
    bool _uses_topic_ids;
    std::int64_t _created_ms;
    std::int64_t _last_used_ms;
    std::size_t _cached_size = 0;  // size when last touched (its evictable key)
    bool _touched = false;
    std::list<cached_partition> _partitions;
    std::unordered_map<key, std::list<cached_partition>::iterator, key_hash> _index;
};

// What a fetch request is served as.
struct fetch_context {
    enum class kind : std::uint8_t { sessionless, full, incremental, error };
    kind type = kind::sessionless;
    kafka_error error = kafka_error::none;   // kind::error
    std::shared_ptr<fetch_session> session;  // kind::incremental
    std::int32_t expected_epoch = 0;         // the session's epoch once this request counts
    std::vector<fetch_item> items;           // what to read, in response order
};

struct fetch_session_limits {
    std::size_t slots = 1000;  // this shard's part of max.incremental.fetch.session.cache.slots
    std::int64_t eviction_ms = 120000;  // min.incremental.fetch.session.eviction.ms
};

class fetch_session_cache {
public:
    // Session ids are n * shard_count + shard.
    fetch_session_cache(fetch_session_limits limits, unsigned shard, unsigned shard_count,
                        std::uint64_t seed);

    // Kafka's FetchManager.newContext. `items` are the request's partitions in request order.
    fetch_context new_context(std::int32_t session_id, std::int32_t epoch, bool uses_topic_ids,
                              std::vector<fetch_item> items,
                              const std::vector<kafka::forgotten_topic>& forgotten,
                              std::int64_t now_ms);

    // After a full fetch: makes a session of the response's partitions if there is room (or an
    // entry may be evicted); returns its id, or fetch_session_id_none.
    std::int32_t maybe_create(std::int64_t now_ms, bool privileged, bool uses_topic_ids,
                              const std::vector<fetch_item>& items,
                              const std::vector<fetch_answer_summary>& answers);

    std::shared_ptr<fetch_session> find(std::int32_t id) const;
    bool remove(std::int32_t id);
    std::size_t size() const noexcept { return _sessions.size(); }
    std::size_t partitions() const noexcept { return _partitions; }
    std::uint64_t evictions() const noexcept { return _evictions; }

private:
    using last_used_key = std::pair<std::int64_t, std::int32_t>;        // (ms, id)
    using evictable_key = std::tuple<bool, std::size_t, std::int32_t>;  // (privileged, size, id)

    bool try_evict(bool privileged, evictable_key proposed, std::int64_t now_ms);
    void touch(fetch_session& session, std::int64_t now_ms);
    void forget(fetch_session& session);
    std::int32_t new_session_id();

    fetch_session_limits _limits;
    unsigned _shard;
    unsigned _shard_count;
    std::mt19937_64 _random;
    std::unordered_map<std::int32_t, std::shared_ptr<fetch_session>> _sessions;
    std::map<last_used_key, fetch_session*> _last_used;
    std::map<evictable_key, fetch_session*> _evictable_by_all;
    std::map<evictable_key, fetch_session*> _evictable_by_privileged;
    std::size_t _partitions = 0;
    std::uint64_t _evictions = 0;
};

}  // namespace laminar::broker
