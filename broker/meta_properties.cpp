#include "broker/meta_properties.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/properties.h"
#include "core/unique_fd.h"
#include "ctl/metadata_records.h"

namespace laminar::broker {

namespace {

result<void, std::string> write_durably(const std::filesystem::path& path,
                                        const std::string& text) {
    const auto temporary = path.string() + ".tmp";
    unique_fd file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!file) return fail(fmt::format("create {}: {}", temporary, std::strerror(errno)));
    if (::write(file.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        ::fsync(file.get()) != 0) {
        return fail(fmt::format("write {}: {}", temporary, std::strerror(errno)));
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        return fail(fmt::format("rename {}: {}", temporary, std::strerror(errno)));
    }
    unique_fd directory(::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory || ::fsync(directory.get()) != 0) {
        return fail(fmt::format("fsync {}: {}", path.parent_path().string(), std::strerror(errno)));
    }
    return {};
}

}  // namespace

result<meta_properties, std::string> load_or_create_meta_properties(
    const std::filesystem::path& data_dir, std::int32_t node_id) {
    const auto path = data_dir / "meta.properties";
    std::ifstream in(path);
    if (!in) {
        meta_properties created{ctl::to_base64url(ctl::random_uuid()), node_id};
        const auto text = fmt::format("#Written by laminar-broker\nversion=1\ncluster.id={}\n"
                                      "node.id={}\n", created.cluster_id, node_id);
        if (auto written = write_durably(path, text); !written) return fail(written.error());
        return created;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto entries = parse_properties(text.str(), path.string());
    if (!entries) return fail(entries.error().message());
    meta_properties found;
    bool has_node = false;
    for (const auto& entry : *entries) {
        if (entry.key == "cluster.id") found.cluster_id = entry.value;
        if (entry.key == "node.id") {
            found.node_id = std::atoi(entry.value.c_str());
            has_node = true;
        }
    }
    if (found.cluster_id.empty() || !has_node) {
        return fail(path.string() + " lacks cluster.id or node.id");
    }
    if (found.node_id != node_id) {
        return fail(fmt::format("{} belongs to node {}, but node.id is {}", path.string(),
                                found.node_id, node_id));
    }
    return found;
}

}  // namespace laminar::broker
