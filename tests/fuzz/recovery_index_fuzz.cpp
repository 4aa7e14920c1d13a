// libFuzzer target for the recovery index's parse (storage/recovery_index.h): the file is read
// back from disk after a crash, so no input may crash it or read out of bounds. What parses is
// the file's intact prefix: the bytes up to its end parse the same; a whole file of the same
// snapshot and id, and that prefix with one more chunk appended, parse back to what was encoded;
// its chunks behind another file id's header do not parse; a limit below the last chunk's next
// offset leaves it out.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "core/assert.h"
#include "core/crc32c.h"
#include "core/endian.h"
#include "storage/recovery_index_format.h"

using namespace laminar::storage;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = std::as_bytes(std::span(data, size));
    const auto parsed = parse_recovery_index(bytes);
    if (!parsed) return 0;
    const auto& snapshot = parsed->snapshot;
    LAMINAR_ASSERT(parsed->tail.file_bytes <= bytes.size());
    LAMINAR_ASSERT(parsed->tail.offsets == snapshot.offsets.size());
    LAMINAR_ASSERT(parsed->tail.times == snapshot.times.size());
    LAMINAR_ASSERT(parse_recovery_index(bytes.first(parsed->tail.file_bytes)) == parsed);

    recovery_index_tail tail;
    const auto whole = encode_recovery_index(snapshot, parsed->file_id, tail);
    LAMINAR_ASSERT(tail.file_bytes == whole.size());
    const auto rewritten = parse_recovery_index(whole);
    LAMINAR_ASSERT(rewritten && rewritten->snapshot == snapshot && rewritten->chunks == 1 &&
                   rewritten->file_id == parsed->file_id);
    // Its chunks behind the header of another file id (a stale tail after a rewrite): the id
    // seeds the chain, so not one of them continues it (a header CRC that differs makes every
    // chunk CRC differ: CRC32C is linear).
    std::vector<std::byte> other_header(recovery_index_header_bytes);
    const std::size_t id_at = recovery_index_header_bytes - 12;
    std::copy_n(bytes.begin(), id_at, other_header.begin());
    laminar::store_be(other_header.data() + id_at, ~parsed->file_id);
    const std::uint32_t other_crc = laminar::crc32c(std::span(other_header).first(id_at + 8));
    laminar::store_be(other_header.data() + id_at + 8, other_crc);
    const bool same_seed = other_crc == laminar::load_be<std::uint32_t>(bytes.data() + id_at + 8);
    std::vector<std::byte> moved(other_header);
    moved.insert(moved.end(), bytes.begin() + recovery_index_header_bytes, bytes.end());
    LAMINAR_ASSERT(same_seed || !parse_recovery_index(moved));

    const bool can_grow = snapshot.offsets.size() < recovery_index_entries_max &&
                          snapshot.next_offset < INT64_MAX && snapshot.size < UINT64_MAX;
    if (!can_grow) return 0;
    const auto kept = static_cast<std::ptrdiff_t>(parsed->tail.file_bytes);
    std::vector<std::byte> appended(bytes.begin(), bytes.begin() + kept);
    auto grown = snapshot;
    grown.next_offset += 1;
    grown.size += 1;
    grown.offsets.push_back({7, 9});
    tail = parsed->tail;
    encode_recovery_index_chunk(grown, tail, appended);
    const auto extended = parse_recovery_index(appended);
    LAMINAR_ASSERT(extended && extended->snapshot == grown &&
                   extended->chunks == parsed->chunks + 1 && extended->tail == tail);
    const auto limited = parse_recovery_index(appended, snapshot.next_offset);
    LAMINAR_ASSERT(limited && limited->snapshot == snapshot);
    return 0;
}
