// Structs that several APIs share with identical fields (Kafka declares them per message; the
// fields and defaults are the same in Produce and Fetch responses).
#pragma once

#include "net/kafka/schema.h"

namespace laminar::kafka {

struct leader_id_and_epoch {
    std::int32_t leader_id = -1;
    std::int32_t leader_epoch = -1;
    bool operator==(const leader_id_and_epoch&) const = default;
};
template <typename V>
void visit(V& v, leader_id_and_epoch& m) {
    v.field(m.leader_id, {.default_value = -1});
    v.field(m.leader_epoch, {.default_value = -1});
}

struct node_endpoint {
    std::int32_t node_id = 0;
    std::string host;
    std::int32_t port = 0;
    std::optional<std::string> rack;
    bool operator==(const node_endpoint&) const = default;
};
template <typename V>
void visit(V& v, node_endpoint& m) {
    v.field(m.node_id, {});
    v.field(m.host, {});
    v.field(m.port, {});
    v.field(m.rack, {.nullable_min = 0});
}

}  // namespace laminar::kafka
