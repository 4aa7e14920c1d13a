// Topic ids between the metadata (ctl::uuid, bytes) and the wire codec (kafka::uuid).
#pragma once

#include "ctl/metadata_records.h"
#include "net/kafka/wire.h"

namespace laminar::broker {

inline kafka::uuid to_wire_uuid(const ctl::uuid& id) {
    kafka::uuid wire;
    for (std::size_t i = 0; i < id.size(); ++i) wire.value[i] = std::byte{id[i]};
    return wire;
}

inline ctl::uuid from_wire_uuid(const kafka::uuid& id) {
    ctl::uuid internal{};
    for (std::size_t i = 0; i < internal.size(); ++i) {
        internal[i] = static_cast<std::uint8_t>(id.value[i]);
    }
    return internal;
}

}  // namespace laminar::broker
