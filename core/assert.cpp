#include "core/assert.h"

#include <cstdio>
#include <cstdlib>

namespace laminar {

void on_internal_error(const char* what, std::source_location where) {
    // Straight to stderr, unbuffered: the process is about to die and the async log may not drain.
    std::fprintf(stderr, "laminar: internal error: %s at %s:%u (%s)\n", what, where.file_name(),
                 static_cast<unsigned>(where.line()), where.function_name());
    std::fflush(stderr);
    std::abort();
}

}  // namespace laminar
