// See shard_placement.h.
#include "core/shard_placement.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace laminar {
namespace {

// Longer than any real cpu list; keeps parsing bounded whatever the command line holds.
constexpr std::size_t cpu_list_length_max = 4096;

result<unsigned> parse_cpu(std::string_view digits) {
    if (digits.empty()) return fail(errc::invalid_argument);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return fail(errc::invalid_argument);
    }
    unsigned value = 0;
    const char* end = digits.data() + digits.size();
    auto [stop, error] = std::from_chars(digits.data(), end, value);
    if (error != std::errc() || stop != end || value > cpu_os_index_max) {
        return fail(errc::invalid_argument);
    }
    return value;
}

// One item of the list: "7" or "4-11".
result<std::pair<unsigned, unsigned>> parse_cpu_range(std::string_view item) {
    const std::size_t dash = item.find('-');
    auto first = parse_cpu(item.substr(0, dash));
    if (!first) return fail(first.error());
    if (dash == std::string_view::npos) return std::pair{*first, *first};
    auto last = parse_cpu(item.substr(dash + 1));
    if (!last) return fail(last.error());
    if (*last < *first) return fail(errc::invalid_argument);
    return std::pair{*first, *last};
}

}  // namespace

result<std::vector<unsigned>> parse_cpu_list(std::string_view text) {
    if (text.empty() || text.size() > cpu_list_length_max) return fail(errc::invalid_argument);
    std::vector<std::pair<unsigned, unsigned>> ranges;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        auto range = parse_cpu_range(text.substr(start, comma - start));
        if (!range) return fail(range.error());
        ranges.push_back(*range);
        start = comma + 1;
    }
    // Merge overlapping ranges so the output is sorted and unique without a per-CPU bitmap.
    std::sort(ranges.begin(), ranges.end());
    std::vector<unsigned> cpus;
    unsigned next = 0;  // lowest CPU not emitted yet
    for (auto [first, last] : ranges) {
        for (unsigned cpu = std::max(first, next); cpu <= last; ++cpu) cpus.push_back(cpu);
        next = std::max(next, last + 1);
    }
    return cpus;
}

result<std::vector<shard_placement>> choose_shards(const topology& machine,
                                                   const shard_placement_options& options) {
    std::optional<std::vector<unsigned>> listed;
    if (options.cpu_list.has_value()) {
        auto cpus = parse_cpu_list(*options.cpu_list);
        if (!cpus) return fail(cpus.error());
        for (unsigned cpu : *cpus) {
            if (!machine.has_cpu(cpu)) return fail(errc::not_found);
        }
        listed = std::move(*cpus);
    }
    if (options.numa_node.has_value() && !machine.has_numa_node(*options.numa_node)) {
        return fail(errc::not_found);
    }
    if (options.shard_count.has_value() && *options.shard_count == 0) {
        return fail(errc::invalid_argument);
    }
    std::vector<shard_placement> shards;
    for (const core_info& core : machine.cores()) {
        if (options.numa_node.has_value() && core.numa_node != *options.numa_node) continue;
        for (unsigned cpu : core.cpus) {
            const bool wanted = !listed.has_value() ||
                                std::binary_search(listed->begin(), listed->end(), cpu);
            if (wanted) {
                shards.push_back(shard_placement{
                    .shard_id = static_cast<unsigned>(shards.size()),
                    .cpu = cpu,
                    .core_index = core.index,
                    .numa_node = core.numa_node,
                });
            }
            if (!listed.has_value()) break;  // siblings only when named
        }
    }
    if (shards.empty()) return fail(errc::invalid_argument);
    if (options.shard_count.has_value()) {
        if (*options.shard_count > shards.size()) return fail(errc::too_large);
        shards.resize(*options.shard_count);
    }
    return shards;
}

std::vector<shard_placement> shards_nearest_first(std::span<const shard_placement> shards,
                                                  std::optional<unsigned> numa_node) {
    std::vector<shard_placement> ordered(shards.begin(), shards.end());
    if (numa_node.has_value()) {
        std::stable_partition(ordered.begin(), ordered.end(), [&](const shard_placement& shard) {
            return shard.numa_node == *numa_node;
        });
    }
    return ordered;
}

std::vector<unsigned> partition_shards_near(std::span<const shard_placement> shards,
                                            std::optional<unsigned> disk_node) {
    std::vector<unsigned> near;
    std::vector<unsigned> all;
    for (const auto& shard : shards) {
        all.push_back(shard.shard_id);
        if (disk_node.has_value() && shard.numa_node == *disk_node) near.push_back(shard.shard_id);
    }
    return near.empty() ? all : near;
}

}  // namespace laminar
