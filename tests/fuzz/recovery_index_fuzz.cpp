// libFuzzer target for the recovery index's parse (storage/recovery_index.h): the file is read
// back from disk after a crash, so no input may crash it or read out of bounds. What parses is
// the file's intact prefix: the bytes up to its end parse the same; a whole file of the same
// snapshot, and that prefix with one more chunk appended, parse back to what was encoded; a
// limit below the last chunk's next offset leaves it out.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/assert.h"
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
    const auto whole = encode_recovery_index(snapshot, tail);
    LAMINAR_ASSERT(tail.file_bytes == whole.size());
    const auto rewritten = parse_recovery_index(whole);
    LAMINAR_ASSERT(rewritten && rewritten->snapshot == snapshot && rewritten->chunks == 1);

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
