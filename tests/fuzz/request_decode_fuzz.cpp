// libFuzzer target for request decoding: requests come from any client on the network, so no
// input may crash the codec, read out of bounds or allocate beyond what the input describes.
// Two paths per input: (1) the input as a frame (int32 size, request header, body) through
// check_request, the broker's path; (2) the first three bytes pick an API and version among
// all declared ones, the rest is that request's body (and, on odd selectors, its response's), so
// every schema is reached without the fuzzer having to find a valid header. A body that decodes
// must re-encode and decode to the same message.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/assert.h"
#include "net/kafka/messages.h"

namespace laminar::kafka {
namespace {

constexpr std::size_t frame_payload_bytes_max = 1024 * 1024;

template <typename M>
void decode_and_round_trip(std::span<const std::byte> body, std::int16_t version) {
    auto decoded = decode_message<M>(body, version);
    if (!decoded) return;
    bytes encoded;
    LAMINAR_ASSERT(encode_message(*decoded, version, encoded));
    LAMINAR_ASSERT(encoded.size() <= body.size());
    auto again = decode_message<M>(encoded, version);
    LAMINAR_ASSERT(again);
    LAMINAR_ASSERT(*again == *decoded);
}

void fuzz_frame(std::span<const std::byte> input) {
    auto size = read_frame_size(input, frame_payload_bytes_max);
    if (!size) return;
    auto payload = input.subspan(frame_size_bytes);
    if (payload.size() < static_cast<std::size_t>(*size)) return;
    (void)check_request(payload.first(static_cast<std::size_t>(*size)));
}

void fuzz_selected(std::span<const std::byte> input) {
    if (input.size() < 3) return;
    auto implemented = 0;
    for (const api_info& info : all_apis()) implemented += info.implemented() ? 1 : 0;
    auto choice = static_cast<int>(input[0]) % implemented;
    const api_info* selected = nullptr;
    for (const api_info& info : all_apis()) {
        if (info.implemented() && choice-- == 0) selected = &info;
    }
    auto span_versions = selected->laminar_max - selected->laminar_min + 1;
    auto version = static_cast<std::int16_t>(selected->laminar_min +
                                             static_cast<int>(input[1]) % span_versions);
    bool response = (static_cast<int>(input[2]) & 1) != 0;
    auto body = input.subspan(3);
    with_messages(selected->key, [&](auto request, auto reply) {
        if (response) decode_and_round_trip<decltype(reply)>(body, version);
        else decode_and_round_trip<decltype(request)>(body, version);
    });
}

}  // namespace
}  // namespace laminar::kafka

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto input = std::as_bytes(std::span(data, size));
    laminar::kafka::fuzz_frame(input);
    laminar::kafka::fuzz_selected(input);
    return 0;
}
