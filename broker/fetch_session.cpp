#include "broker/fetch_session.h"

#include <algorithm>
#include <functional>
#include <limits>

namespace laminar::broker {

std::int32_t next_fetch_epoch(std::int32_t epoch) noexcept {
    if (epoch < 0) return fetch_epoch_final;
    if (epoch == std::numeric_limits<std::int32_t>::max()) return 1;
    return epoch + 1;
}

std::size_t fetch_session::key_hash::operator()(const key& k) const noexcept {
    return std::hash<std::string>{}(k.topic) * 31 + std::hash<std::int32_t>{}(k.partition);
}

fetch_session::fetch_session(std::int32_t id, bool privileged, bool uses_topic_ids,
                             std::int64_t now_ms)
    : _id(id),
      _epoch(next_fetch_epoch(fetch_epoch_initial)),
      _privileged(privileged),
      _uses_topic_ids(uses_topic_ids),
      _created_ms(now_ms),
      _last_used_ms(now_ms) {}

fetch_session::key fetch_session::key_of(const fetch_item& item) const {
    if (!_uses_topic_ids) return {item.topic, item.request.partition};
    const auto& bytes = item.topic_id.value;
    return {std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
            item.request.partition};
}

fetch_session::key fetch_session::key_of(const kafka::forgotten_topic& topic,
                                         std::int32_t partition) const {
    if (!_uses_topic_ids) return {topic.topic, partition};
    const auto& bytes = topic.topic_id.value;
    return {std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), partition};
}

std::vector<fetch_item> fetch_session::items() const {
    std::vector<fetch_item> out;
    out.reserve(_partitions.size());
    for (const auto& cached : _partitions) out.push_back(cached.item);
    return out;
}

void fetch_session::update(const std::vector<fetch_item>& fetched,
                           const std::vector<key>& forgotten) {
    for (const auto& item : fetched) {
        auto k = key_of(item);
        if (auto found = _index.find(k); found != _index.end()) {
            found->second->item.request = item.request;
            continue;
        }
        _partitions.push_back({item, -1, -1});
        _index.emplace(std::move(k), std::prev(_partitions.end()));
    }
    for (const auto& k : forgotten) {
        if (auto found = _index.find(k); found != _index.end()) {
            _partitions.erase(found->second);
            _index.erase(found);
        }
    }
}

void fetch_session::add(const fetch_item& item, const fetch_answer_summary& answer) {
    auto k = key_of(item);
    if (_index.contains(k)) return;  // a partition named twice in one request: the first counts
    _partitions.push_back({item, answer.high_watermark, answer.log_start_offset});
    _index.emplace(std::move(k), std::prev(_partitions.end()));
}

bool fetch_session::must_respond(const fetch_item& item, const fetch_answer_summary& answer) {
    auto found = _index.find(key_of(item));
    if (found == _index.end()) return true;
    auto& cached = *found->second;
    bool respond = answer.record_bytes > 0;
    if (cached.high_watermark != answer.high_watermark) {
        respond = true;
        cached.high_watermark = answer.high_watermark;
    }
    if (cached.log_start_offset != answer.log_start_offset) {
        respond = true;
        cached.log_start_offset = answer.log_start_offset;
    }
    if (answer.preferred_read_replica >= 0) respond = true;
    if (answer.diverging_epoch >= 0) respond = true;
    if (answer.error_code != 0) {
        // Sent again once the error is gone: its high watermark will differ from -1.
        cached.high_watermark = -1;
        respond = true;
    }
    if (respond) _partitions.splice(_partitions.end(), _partitions, found->second);
    return respond;
}

fetch_session_cache::fetch_session_cache(fetch_session_limits limits, unsigned shard,
                                         unsigned shard_count, std::uint64_t seed)
    : _limits(limits), _shard(shard), _shard_count(std::max(shard_count, 1U)), _random(seed) {}

std::shared_ptr<fetch_session> fetch_session_cache::find(std::int32_t id) const {
    auto found = _sessions.find(id);
    return found == _sessions.end() ? nullptr : found->second;
}

void fetch_session_cache::forget(fetch_session& session) {
    _last_used.erase({session._last_used_ms, session._id});
    const evictable_key evictable{session._privileged, session._cached_size, session._id};
    _evictable_by_all.erase(evictable);
    _evictable_by_privileged.erase(evictable);
    if (session._touched) _partitions -= session._cached_size;
}

bool fetch_session_cache::remove(std::int32_t id) {
    auto found = _sessions.find(id);
    if (found == _sessions.end()) return false;
    forget(*found->second);
    _sessions.erase(found);
    return true;
}

void fetch_session_cache::touch(fetch_session& session, std::int64_t now_ms) {
    forget(session);
    session._last_used_ms = now_ms;
    session._cached_size = session.size();
    session._touched = true;
    _last_used.emplace(last_used_key{now_ms, session._id}, &session);
    const evictable_key evictable{session._privileged, session._cached_size, session._id};
    const bool old = now_ms - session._created_ms > _limits.eviction_ms;
    if (!session._privileged || old) _evictable_by_privileged.emplace(evictable, &session);
    if (old) _evictable_by_all.emplace(evictable, &session);
    _partitions += session._cached_size;
}

bool fetch_session_cache::try_evict(bool privileged, evictable_key proposed, std::int64_t now_ms) {
    if (_last_used.empty()) return false;
    const auto& [least_recent, stale] = *_last_used.begin();
    if (now_ms - least_recent.first > _limits.eviction_ms) {
        remove(stale->id());
        ++_evictions;
        return true;
    }
    const auto& evictable = privileged ? _evictable_by_privileged : _evictable_by_all;
    if (evictable.empty()) return false;
    const auto& [smallest, victim] = *evictable.begin();
    if (proposed < smallest) return false;
    remove(victim->id());
    ++_evictions;
    return true;
}

std::int32_t fetch_session_cache::new_session_id() {
    const auto shard_count = static_cast<std::int64_t>(_shard_count);
    const std::int64_t highest = (std::numeric_limits<std::int32_t>::max() - _shard) / shard_count;
    std::uniform_int_distribution<std::int64_t> pick(0, highest);
    while (true) {
        const auto id = static_cast<std::int32_t>(pick(_random) * shard_count + _shard);
        if (id != fetch_session_id_none && !_sessions.contains(id)) return id;
    }
}

std::int32_t fetch_session_cache::maybe_create(std::int64_t now_ms, bool privileged,
                                               bool uses_topic_ids,
                                               const std::vector<fetch_item>& items,
                                               const std::vector<fetch_answer_summary>& answers) {
    if (_limits.slots == 0) return fetch_session_id_none;
    if (_sessions.size() >= _limits.slots &&
        !try_evict(privileged, {privileged, items.size(), 0}, now_ms)) {
        return fetch_session_id_none;
    }
    auto session =
        std::make_shared<fetch_session>(new_session_id(), privileged, uses_topic_ids, now_ms);
    for (std::size_t i = 0; i < items.size() && i < answers.size(); ++i) {
        session->add(items[i], answers[i]);
    }
    const auto id = session->id();
    auto& stored = *_sessions.emplace(id, std::move(session)).first->second;
    touch(stored, now_ms);
    return id;
}

fetch_context fetch_session_cache::new_context(std::int32_t session_id, std::int32_t epoch,
                                               bool uses_topic_ids, std::vector<fetch_item> items,
                                               const std::vector<kafka::forgotten_topic>& forgotten,
                                               std::int64_t now_ms) {
    fetch_context context;
    if (epoch == fetch_epoch_initial || epoch == fetch_epoch_final) {
        // A full fetch closes whatever session it names.
        if (session_id != fetch_session_id_none) remove(session_id);
        context.type = epoch == fetch_epoch_final ? fetch_context::kind::sessionless
                                                  : fetch_context::kind::full;
        context.items = std::move(items);
        return context;
    }
    auto session = find(session_id);
    if (session == nullptr) {
        context.type = fetch_context::kind::error;
        context.error = kafka_error::fetch_session_id_not_found;
        return context;
    }
    if (session->epoch() != epoch) {
        context.type = fetch_context::kind::error;
        context.error = kafka_error::invalid_fetch_session_epoch;
        return context;
    }
    if (session->uses_topic_ids() != uses_topic_ids) {
        context.type = fetch_context::kind::error;
        context.error = kafka_error::fetch_session_topic_id_error;
        return context;
    }
    std::vector<fetch_session::key> forget;
    for (const auto& topic : forgotten) {
        for (const auto partition : topic.partitions) {
            forget.push_back(session->key_of(topic, partition));
        }
    }
    session->update(items, forget);
    if (session->empty()) {
        remove(session->id());
        context.type = fetch_context::kind::sessionless;
        context.items = std::move(items);
        return context;
    }
    touch(*session, now_ms);
    session->_epoch = next_fetch_epoch(session->_epoch);
    context.type = fetch_context::kind::incremental;
    context.expected_epoch = session->_epoch;
    context.items = session->items();
    context.session = std::move(session);
    return context;
}

}  // namespace laminar::broker
