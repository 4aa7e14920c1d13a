// See numa_policy.h. Raw syscalls: glibc has no wrappers and libnuma would be one more
// dependency for two calls.
#include "core/numa_policy.h"

#include <cerrno>
#include <climits>

#include <linux/mempolicy.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace laminar {
namespace {

constexpr std::size_t mask_bits = numa_node_os_index_max + 1;
constexpr std::size_t word_bits = sizeof(unsigned long) * CHAR_BIT;
static_assert(mask_bits % word_bits == 0);

struct node_mask {
    unsigned long words[mask_bits / word_bits] = {};
};

node_mask mask_of(unsigned node) noexcept {
    node_mask mask;
    mask.words[node / word_bits] = 1UL << (node % word_bits);
    return mask;
}

// The kernel reads maxnode - 1 bits (a historical off-by-one kept for compatibility).
constexpr unsigned long kernel_maxnode = mask_bits + 1;

}  // namespace

status prefer_numa_node_for_thread(unsigned node) noexcept {
    if (node > numa_node_os_index_max) return fail(errc::invalid_argument);
    const node_mask mask = mask_of(node);
    const int saved_errno = errno;
    const long rc = syscall(SYS_set_mempolicy, MPOL_PREFERRED, mask.words, kernel_maxnode);
    const int call_errno = errno;
    errno = saved_errno;
    if (rc != 0) return fail(errc_from_errno(call_errno));
    return {};
}

status prefer_numa_node_for_range(void* address, std::size_t bytes, unsigned node) noexcept {
    if (node > numa_node_os_index_max) return fail(errc::invalid_argument);
    const node_mask mask = mask_of(node);
    const int saved_errno = errno;
    const long rc = syscall(SYS_mbind, address, bytes, MPOL_PREFERRED, mask.words,
                            kernel_maxnode, 0U);
    const int call_errno = errno;
    errno = saved_errno;
    if (rc != 0) return fail(errc_from_errno(call_errno));
    return {};
}

}  // namespace laminar
