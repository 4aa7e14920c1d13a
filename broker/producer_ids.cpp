#include "broker/producer_ids.h"

#include <fcntl.h>

#include <cerrno>
#include <limits>

#include "broker/shard_context.h"
#include "core/cross_shard.h"
#include "core/log.h"
#include "storage/checkpoint.h"

namespace laminar::broker {

task<storage::status> producer_id_allocator::reserve_block() {
    if (!_loaded) {
        _dir_fd.reset(::open(_data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!_dir_fd) co_return fail(storage::errc_from_core(errc_from_errno(errno)));
        auto stored = co_await storage::read_checkpoint(_data_dir,
                                                        std::string(producer_id_block_file));
        if (!stored) co_return fail(stored.error());
        _next = stored->value_or(0);
        _block_end = _next;
        _loaded = true;
    }
    if (_block_end > std::numeric_limits<std::int64_t>::max() - _block_size) {
        co_return fail(storage::errc::invalid_argument);  // 2^63 ids used: never in practice
    }
    const std::int64_t end = _block_end + _block_size;
    auto written = co_await storage::write_checkpoint(
        _data_dir, _dir_fd.get(), std::string(producer_id_block_file), end);
    if (!written) co_return written;
    _block_end = end;
    LAMINAR_LOG_DEBUG("producer ids {} to {} reserved", _next, end - 1);
    co_return storage::status{};
}

task<storage::result<std::int64_t>> producer_id_allocator::next() {
    if (_next == _block_end) {
        auto held = co_await _reserving.lock();
        if (_next == _block_end) {  // not reserved by a call we waited behind
            auto reserved = co_await reserve_block();
            if (!reserved) co_return fail(reserved.error());
        }
    }
    co_return _next++;
}

task<std::optional<std::int64_t>> reserve_producer_id() {
    auto allocate = []() -> task<storage::result<std::int64_t>> {
        co_return co_await shard_context::current().producer_ids->next();
    };
    auto allocated = co_await submit_to(controller_shard, allocate);
    if (!allocated) {
        LAMINAR_LOG_ERROR("cannot reserve producer ids: {}", storage::to_string(allocated.error()));
        co_return std::nullopt;
    }
    co_return *allocated;
}

}  // namespace laminar::broker
