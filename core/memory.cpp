// See memory.h. The extent hooks forward every call to the hooks jemalloc had for arena 0 (its
// defaults) and, after an extent is mapped or recommitted, set the range's NUMA policy. mbind
// sets a policy on the virtual range, so pages faulted in later, by any thread, follow it; the
// commit hook repeats it because a decommit may have replaced the mapping.
#include "core/memory.h"

#if defined(LAMINAR_WITH_JEMALLOC)

#include "core/numa_policy.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <type_traits>

#include <jemalloc/jemalloc.h>

namespace laminar {
namespace {

// One per shard arena. jemalloc hands the hooks pointer back to every hook, and the hooks are
// the record's first member, so each hook finds its record (and node) without a lookup.
struct arena_record {
    extent_hooks_t hooks;
    extent_hooks_t* next;  // jemalloc's default hooks, which do the actual work
    int numa_node;         // negative: no preference
    std::atomic<bool> created;
    std::atomic<unsigned> arena;
    std::atomic<std::uint64_t> placed_bytes;
    std::atomic<std::uint64_t> place_failures;
};
static_assert(std::is_standard_layout_v<arena_record>);
static_assert(offsetof(arena_record, hooks) == 0);

std::array<arena_record, shard_arenas_max> records;
std::atomic<unsigned> records_claimed{0};

arena_record& record_of(extent_hooks_t* hooks) noexcept {
    return *reinterpret_cast<arena_record*>(hooks);
}

void place(arena_record& record, void* address, std::size_t bytes) noexcept {
    if (record.numa_node < 0) return;
    if (prefer_numa_node_for_range(address, bytes, static_cast<unsigned>(record.numa_node))) {
        record.placed_bytes.fetch_add(bytes, std::memory_order_relaxed);
    } else {
        record.place_failures.fetch_add(1, std::memory_order_relaxed);
    }
}

void* hook_alloc(extent_hooks_t* hooks, void* new_address, std::size_t size,
                 std::size_t alignment, bool* zero, bool* commit, unsigned arena) {
    arena_record& record = record_of(hooks);
    void* address =
        record.next->alloc(record.next, new_address, size, alignment, zero, commit, arena);
    if (address != nullptr) place(record, address, size);
    return address;
}

bool hook_dalloc(extent_hooks_t* hooks, void* address, std::size_t size, bool committed,
                 unsigned arena) {
    arena_record& record = record_of(hooks);
    return record.next->dalloc(record.next, address, size, committed, arena);
}

void hook_destroy(extent_hooks_t* hooks, void* address, std::size_t size, bool committed,
                  unsigned arena) {
    arena_record& record = record_of(hooks);
    record.next->destroy(record.next, address, size, committed, arena);
}

bool hook_commit(extent_hooks_t* hooks, void* address, std::size_t size, std::size_t offset,
                 std::size_t length, unsigned arena) {
    arena_record& record = record_of(hooks);
    const bool failed = record.next->commit(record.next, address, size, offset, length, arena);
    if (!failed) place(record, static_cast<char*>(address) + offset, length);
    return failed;
}

bool hook_decommit(extent_hooks_t* hooks, void* address, std::size_t size, std::size_t offset,
                   std::size_t length, unsigned arena) {
    arena_record& record = record_of(hooks);
    return record.next->decommit(record.next, address, size, offset, length, arena);
}

bool hook_purge_lazy(extent_hooks_t* hooks, void* address, std::size_t size, std::size_t offset,
                     std::size_t length, unsigned arena) {
    arena_record& record = record_of(hooks);
    return record.next->purge_lazy(record.next, address, size, offset, length, arena);
}

bool hook_purge_forced(extent_hooks_t* hooks, void* address, std::size_t size,
                       std::size_t offset, std::size_t length, unsigned arena) {
    arena_record& record = record_of(hooks);
    return record.next->purge_forced(record.next, address, size, offset, length, arena);
}

bool hook_split(extent_hooks_t* hooks, void* address, std::size_t size, std::size_t size_a,
                std::size_t size_b, bool committed, unsigned arena) {
    arena_record& record = record_of(hooks);
    return record.next->split(record.next, address, size, size_a, size_b, committed, arena);
}

bool hook_merge(extent_hooks_t* hooks, void* address_a, std::size_t size_a, void* address_b,
                std::size_t size_b, bool committed, unsigned arena) {
    arena_record& record = record_of(hooks);
    return record.next->merge(record.next, address_a, size_a, address_b, size_b, committed,
                              arena);
}

// Our hooks where jemalloc's defaults have one; a missing default stays missing, which tells
// jemalloc the operation is not supported (it then falls back as it would without us).
extent_hooks_t wrap(const extent_hooks_t& next) noexcept {
    extent_hooks_t hooks{};
    hooks.alloc = next.alloc != nullptr ? hook_alloc : nullptr;
    hooks.dalloc = next.dalloc != nullptr ? hook_dalloc : nullptr;
    hooks.destroy = next.destroy != nullptr ? hook_destroy : nullptr;
    hooks.commit = next.commit != nullptr ? hook_commit : nullptr;
    hooks.decommit = next.decommit != nullptr ? hook_decommit : nullptr;
    hooks.purge_lazy = next.purge_lazy != nullptr ? hook_purge_lazy : nullptr;
    hooks.purge_forced = next.purge_forced != nullptr ? hook_purge_forced : nullptr;
    hooks.split = next.split != nullptr ? hook_split : nullptr;
    hooks.merge = next.merge != nullptr ? hook_merge : nullptr;
    return hooks;
}

extent_hooks_t* default_hooks() noexcept {
    extent_hooks_t* hooks = nullptr;
    std::size_t size = sizeof(hooks);
    if (mallctl("arena.0.extent_hooks", &hooks, &size, nullptr, 0) != 0) return nullptr;
    return hooks;
}

result<unsigned> claim_record() noexcept {
    unsigned claimed = records_claimed.load(std::memory_order_relaxed);
    do {
        if (claimed >= shard_arenas_max) return fail(errc::too_large);
    } while (!records_claimed.compare_exchange_weak(claimed, claimed + 1,
                                                    std::memory_order_acq_rel));
    return claimed;
}

result<unsigned> arena_count() noexcept {
    unsigned count = 0;
    std::size_t size = sizeof(count);
    if (mallctl("arenas.narenas", &count, &size, nullptr, 0) != 0) return fail(errc::unsupported);
    return count;
}

// Reads a statistic of `arena`; `leaf` is the name below "stats.arenas.<i>.".
template <typename T>
result<T> read_arena_statistic(unsigned arena, const char* leaf) noexcept {
    char name[96];
    const int length = std::snprintf(name, sizeof(name), "stats.arenas.%u.%s", arena, leaf);
    if (length < 0 || static_cast<std::size_t>(length) >= sizeof(name)) {
        return fail(errc::too_large);
    }
    T value{};
    std::size_t size = sizeof(value);
    if (mallctl(name, &value, &size, nullptr, 0) != 0) return fail(errc::unsupported);
    return value;
}

const arena_record* record_of_arena(unsigned arena) noexcept {
    const unsigned claimed =
        std::min(records_claimed.load(std::memory_order_acquire), shard_arenas_max);
    for (unsigned slot = 0; slot < claimed; ++slot) {
        const arena_record& record = records[slot];
        if (record.created.load(std::memory_order_acquire) &&
            record.arena.load(std::memory_order_relaxed) == arena) {
            return &record;
        }
    }
    return nullptr;
}

}  // namespace

result<std::string_view> allocator_version() {
    const char* version = nullptr;
    std::size_t size = sizeof(version);
    if (mallctl("version", &version, &size, nullptr, 0) != 0 || version == nullptr) {
        return fail(errc::unsupported);
    }
    return std::string_view(version);
}

result<unsigned> create_shard_arena(const topology& machine, int numa_node) {
    if (numa_node >= 0 && (static_cast<unsigned>(numa_node) > numa_node_os_index_max ||
                           !machine.has_numa_node(static_cast<unsigned>(numa_node)))) {
        return fail(errc::not_found);
    }
    extent_hooks_t* next = default_hooks();
    if (next == nullptr) return fail(errc::unsupported);
    auto slot = claim_record();
    if (!slot) return fail(slot.error());
    // The record is complete before jemalloc sees it: arenas.create already allocates the
    // arena's metadata through these hooks, which places the metadata on the node too.
    arena_record& record = records[*slot];
    record.hooks = wrap(*next);
    record.next = next;
    record.numa_node = numa_node;
    extent_hooks_t* hooks = &record.hooks;
    unsigned arena = 0;
    std::size_t size = sizeof(arena);
    const int error = mallctl("arenas.create", &arena, &size, &hooks, sizeof(hooks));
    if (error != 0) return fail(errc_from_errno(error));
    record.arena.store(arena, std::memory_order_relaxed);
    record.created.store(true, std::memory_order_release);
    return arena;
}

status use_arena_for_current_thread(unsigned arena) {
    auto count = arena_count();
    if (!count) return fail(count.error());
    if (arena >= *count) return fail(errc::not_found);
    const int error = mallctl("thread.arena", nullptr, nullptr, &arena, sizeof(arena));
    if (error != 0) return fail(errc_from_errno(error));
    // Fails only when the thread has no cache, in which case there is nothing to flush.
    (void)mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
    return {};
}

result<arena_stats> read_arena_stats(unsigned arena) {
    auto count = arena_count();
    if (!count) return fail(count.error());
    if (arena >= *count) return fail(errc::not_found);
    std::uint64_t epoch = 1;
    std::size_t size = sizeof(epoch);
    if (mallctl("epoch", &epoch, &size, &epoch, sizeof(epoch)) != 0) {
        return fail(errc::unsupported);
    }
    std::size_t page_bytes = 0;
    size = sizeof(page_bytes);
    if (mallctl("arenas.page", &page_bytes, &size, nullptr, 0) != 0) {
        return fail(errc::unsupported);
    }
    auto small = read_arena_statistic<std::size_t>(arena, "small.allocated");
    auto large = read_arena_statistic<std::size_t>(arena, "large.allocated");
    auto active_pages = read_arena_statistic<std::size_t>(arena, "pactive");
    auto resident = read_arena_statistic<std::size_t>(arena, "resident");
    auto mapped = read_arena_statistic<std::size_t>(arena, "mapped");
    if (!small || !large || !active_pages || !resident || !mapped) {
        return fail(errc::unsupported);  // jemalloc built without --enable-stats
    }
    arena_stats stats{
        .allocated_bytes = *small + *large,
        .active_bytes = *active_pages * page_bytes,
        .resident_bytes = *resident,
        .mapped_bytes = *mapped,
    };
    if (const arena_record* record = record_of_arena(arena); record != nullptr) {
        stats.numa_placed_bytes = record->placed_bytes.load(std::memory_order_relaxed);
        stats.numa_place_failures = record->place_failures.load(std::memory_order_relaxed);
    }
    return stats;
}

}  // namespace laminar

#else  // !LAMINAR_WITH_JEMALLOC

namespace laminar {

result<std::string_view> allocator_version() { return fail(errc::unsupported); }

result<unsigned> create_shard_arena(const topology&, int) { return fail(errc::unsupported); }

status use_arena_for_current_thread(unsigned) { return fail(errc::unsupported); }

result<arena_stats> read_arena_stats(unsigned) { return fail(errc::unsupported); }

}  // namespace laminar

#endif  // LAMINAR_WITH_JEMALLOC
