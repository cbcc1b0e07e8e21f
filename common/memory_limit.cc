#include "common/memory_limit.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "common/views.h"

namespace promlet::common {
namespace {

std::string ReadSmallFile(const char* path) {
  std::ifstream in(path);
  if (!in) return "";
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

uint64_t LowerByCgroupLimit(uint64_t physical, std::string_view cgroup_file_text) {
  uint64_t limit = 0;
  // An unlimited v1 cgroup reports a huge page-rounded number, which the min below ignores.
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(ToAbsl(cgroup_file_text)), &limit) ||
      limit == 0) {
    return physical;
  }
  return limit < physical ? limit : physical;
}

uint64_t MemoryLimitBytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  uint64_t bytes = pages > 0 && page > 0
                       ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page)
                       : uint64_t{1} << 30;
  bytes = LowerByCgroupLimit(bytes, ReadSmallFile("/sys/fs/cgroup/memory.max"));
  return LowerByCgroupLimit(bytes, ReadSmallFile("/sys/fs/cgroup/memory/memory.limit_in_bytes"));
}

}  // namespace promlet::common
