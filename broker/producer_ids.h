// Producer ids for idempotent producers (InitProducerId), unique across the broker's life and
// its restarts. Ids are handed out from blocks reserved durably: <data-dir>/producer-id-block
// holds the first id not reserved yet, replaced crash-safely (storage/checkpoint.h: temporary
// file, fsync, rename, directory fsync) before any id of a new block is handed out. A crash
// loses at most the unused rest of a block; an id is never handed out twice.
//
// Single node (--dev) only: with several brokers the controller must hand out the blocks
// (Kafka's AllocateProducerIds), which ctl/ has no record for yet.
//
// @locality controller shard.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/async_mutex.h"
#include "core/task.h"
#include "core/unique_fd.h"
#include "storage/errc.h"

namespace laminar::broker {

inline constexpr std::string_view producer_id_block_file = "producer-id-block";
inline constexpr std::int64_t producer_id_block_size = 1000;  // Kafka's block size too

class producer_id_allocator {
public:
    explicit producer_id_allocator(std::string data_dir,
                                   std::int64_t block_size = producer_id_block_size)
        : _data_dir(std::move(data_dir)), _block_size(block_size) {}

    // The next id; the first call, and every block_size-th, waits for a durable reservation.
    task<storage::result<std::int64_t>> next();

private:
    task<storage::status> reserve_block();

    std::string _data_dir;
    std::int64_t _block_size;
    unique_fd _dir_fd;
    bool _loaded = false;
    std::int64_t _next = 0;
    std::int64_t _block_end = 0;  // first id not reserved
    async_mutex _reserving;
};

// A new producer id from the controller shard's allocator, asked from any shard; nullopt (logged)
// when no id could be reserved (InitProducerId answers COORDINATOR_NOT_AVAILABLE, retriable).
task<std::optional<std::int64_t>> reserve_producer_id();

}  // namespace laminar::broker
