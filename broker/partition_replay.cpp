#include "broker/partition_replay.h"

#include <vector>

#include "core/reactor.h"
#include "storage/partition_log.h"

namespace laminar::broker {

namespace {

// A replay reads the partition in chunks of this many bytes (whole batches, at least one).
constexpr std::uint64_t replay_read_bytes = 1 << 20;

}  // namespace

task<replay_outcome> replay_partition(
    storage::partition_log& log, const bool& stopping,
    const std::function<void(const kafka::parsed_batch&, std::int64_t from)>& visit) {
    replay_outcome outcome;
    std::int64_t offset = log.log_start_offset();
    std::vector<std::byte> buffer;
    while (!stopping && offset < log.log_end_offset()) {
        auto read = co_await log.read(offset, replay_read_bytes);
        if (!read || read->range.length == 0) {
            outcome.failed = !read;
            break;
        }
        buffer.resize(read->range.length);
        std::size_t filled = 0;
        while (filled < buffer.size()) {
            auto got =
                co_await io::read(read->range.fd, std::span<std::byte>(buffer).subspan(filled),
                                  read->range.position + filled);
            if (!got || *got == 0) break;
            filled += *got;
        }
        if (filled < buffer.size()) {
            outcome.failed = true;
            break;
        }
        std::span<const std::byte> rest(buffer);
        const auto before = offset;
        while (!rest.empty()) {
            auto parsed = kafka::parse_record_batch(rest);
            if (!parsed) {
                outcome.failed = true;
                break;
            }
            const auto& header = parsed->header;
            rest = rest.subspan(header.total_bytes());
            if (header.last_offset() < offset) continue;
            visit(*parsed, offset);
            offset = header.last_offset() + 1;
        }
        if (outcome.failed || offset == before) {
            outcome.failed = true;
            break;
        }
    }
    outcome.next_offset = offset;
    co_return outcome;
}

}  // namespace laminar::broker
