// ListOffsets: the earliest offset (-2), the latest (-1), or the first offset at or after a
// timestamp, looked up on the shard owning each partition.
//
// @locality owning shard of the connection.
#pragma once

#include "broker/shard_context.h"
#include "core/task.h"
#include "net/kafka/header.h"
#include "net/kafka/list_offsets.h"

namespace laminar::broker {

task<kafka::list_offsets_response> handle_list_offsets(const kafka::request_header& header,
                                                       const kafka::list_offsets_request& request);

}  // namespace laminar::broker
