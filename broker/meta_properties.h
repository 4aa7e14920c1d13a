// <data-dir>/meta.properties, as Kafka keeps it: the cluster id (created on first start, a random
// UUID in Kafka's base64url form) and this node's id, checked on every start so that a data
// directory is never served under another node id.
//
// Faults tolerated: a crash while creating the file (written to a temporary, fsynced, renamed,
// directory fsynced: either the old state or the complete file is seen).
//
// @locality startup (main thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/result.h"

namespace laminar::broker {

struct meta_properties {
    std::string cluster_id;
    std::int32_t node_id = 0;
};

// Reads the file, or creates it with a new cluster id when absent.
result<meta_properties, std::string> load_or_create_meta_properties(
    const std::filesystem::path& data_dir, std::int32_t node_id);

}  // namespace laminar::broker
