// Invariants crash loudly. A broken invariant is a bug, not an operating error: it goes to
// on_internal_error(), which logs where and why and aborts (in tests, simulation and production
// alike). Operating errors (disk full, peer gone, bad request) are values, see core/result.h.
#pragma once

#include <source_location>

namespace laminar {

[[noreturn]] void on_internal_error(const char* what,
                                    std::source_location where = std::source_location::current());

}  // namespace laminar

#define LAMINAR_ASSERT(condition)                                                      \
    do {                                                                               \
        if (!(condition)) [[unlikely]] {                                               \
            ::laminar::on_internal_error("assertion failed: " #condition);             \
        }                                                                              \
    } while (0)
