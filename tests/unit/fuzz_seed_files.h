// The committed seeds of a fuzz target (tests/fuzz/seeds/<target>/) are made by the encoders:
// check_or_write_fuzz_seeds checks that the files are exactly the given seeds, so an encoder
// change cannot leave a fuzzer starting from stale inputs. LAMINAR_WRITE_FUZZ_SEEDS=1 rewrites
// them first. The directory comes from LAMINAR_SOURCE_DIR (set for every unit test), not from
// __FILE__: with ccache's base_dir that is relative to the compiler's working directory.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace laminar::testing {

using fuzz_seed_set = std::map<std::string, std::vector<std::byte>>;

inline std::vector<std::byte> read_seed_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(text.size());
    std::memcpy(out.data(), text.data(), text.size());
    return out;
}

inline void check_or_write_fuzz_seeds(const std::string& target, const fuzz_seed_set& seeds) {
    const auto dir = std::filesystem::path(LAMINAR_SOURCE_DIR) / "tests/fuzz/seeds" / target;
    if (std::getenv("LAMINAR_WRITE_FUZZ_SEEDS") != nullptr) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        for (const auto& [name, data] : seeds) {
            std::ofstream(dir / name, std::ios::binary)
                .write(reinterpret_cast<const char*>(data.data()),
                       static_cast<std::streamsize>(data.size()));
        }
    }
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        ++files;
        const auto name = entry.path().filename().string();
        auto found = seeds.find(name);
        ASSERT_NE(found, seeds.end()) << "stale seed " << name;
        EXPECT_EQ(read_seed_file(entry.path()), found->second) << "seed differs: " << name;
    }
    EXPECT_EQ(files, seeds.size()) << "seeds missing in " << dir;
}

}  // namespace laminar::testing
