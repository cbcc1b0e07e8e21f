#include "common/memory_limit.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace promlet::common {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

TEST(MemoryLimit, ACgroupLimitBelowPhysicalMemoryWins) {
  EXPECT_EQ(LowerByCgroupLimit(8 * kGiB, "1073741824\n"), kGiB);
  EXPECT_EQ(LowerByCgroupLimit(8 * kGiB, "  536870912  "), kGiB / 2);
}

TEST(MemoryLimit, NoLimitOrAnUnreadableOneLeavesPhysicalMemory) {
  EXPECT_EQ(LowerByCgroupLimit(8 * kGiB, "max\n"), 8 * kGiB);
  EXPECT_EQ(LowerByCgroupLimit(8 * kGiB, ""), 8 * kGiB);
  EXPECT_EQ(LowerByCgroupLimit(8 * kGiB, "0"), 8 * kGiB);
  EXPECT_EQ(LowerByCgroupLimit(8 * kGiB, "lots"), 8 * kGiB);
  EXPECT_EQ(LowerByCgroupLimit(8 * kGiB, "-1"), 8 * kGiB);
  // cgroup v1's "unlimited": a page-rounded INT64_MAX.
  EXPECT_EQ(LowerByCgroupLimit(8 * kGiB, "9223372036854771712\n"), 8 * kGiB);
}

TEST(MemoryLimit, ThisProcessHasSomeAndNoMoreThanTheMachine) {
  const uint64_t physical = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                            static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_GT(MemoryLimitBytes(), 0u);
  EXPECT_LE(MemoryLimitBytes(), physical);
}

}  // namespace
}  // namespace promlet::common
