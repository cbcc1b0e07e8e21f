// The memory this process may use: the machine's physical memory, lowered by a cgroup limit
// (v2 memory.max, v1 memory.limit_in_bytes) when one is set. Caches sized from it (the block
// cache's "auto" size) then follow a container's limit, not the host's RAM.
#ifndef PROMLET_COMMON_MEMORY_LIMIT_H_
#define PROMLET_COMMON_MEMORY_LIMIT_H_

#include <cstdint>
#include <string_view>

namespace promlet::common {

// Never 0: physical memory when no limit can be read (1 GiB if even that fails).
uint64_t MemoryLimitBytes();

// The smaller of `physical` and the limit in a cgroup file's text ("max", empty or garbage:
// no limit). Split out so that the parsing is tested without a cgroup.
uint64_t LowerByCgroupLimit(uint64_t physical, std::string_view cgroup_file_text);

}  // namespace promlet::common

#endif  // PROMLET_COMMON_MEMORY_LIMIT_H_
