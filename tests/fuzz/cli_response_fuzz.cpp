// libFuzzer target for the responses `laminar topic alter-config` reads from a broker
// (ctl/cli/config_alter_codec.h): ApiVersions v0 and IncrementalAlterConfigs v0. A broker, or
// anything listening where one was expected, may send any bytes: no input may crash the decoders,
// read out of bounds or allocate beyond what the input describes. The first byte picks the
// decoder and whether the correlation id must match; the rest is the payload.
//
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/assert.h"
#include "ctl/cli/config_alter_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace laminar;
    if (size == 0) return 0;
    const auto selector = data[0];
    auto payload = std::as_bytes(std::span<const std::uint8_t>(data + 1, size - 1));
    const std::int32_t correlation_id = (selector & 2) != 0 ? 1 : 0;
    if ((selector & 1) == 0) {
        auto answer = cli::decode_api_versions_response(payload, correlation_id);
        // Each entry took 6 bytes of the input.
        if (answer) LAMINAR_ASSERT(answer->apis.size() * 6 <= payload.size());
    } else {
        auto answers = cli::decode_incremental_alter_configs_response(payload, correlation_id);
        if (answers) {
            std::size_t text_bytes = 0;
            for (const auto& answer : *answers) {
                text_bytes += answer.resource_name.size();
                if (answer.error_message) text_bytes += answer.error_message->size();
            }
            LAMINAR_ASSERT(text_bytes <= payload.size());
        }
    }
    return 0;
}
