// common::KahanSumIncNoBranch against KahanSumInc, bit for bit, over random sequences with
// magnitudes in random order, infinities and NaN.
#include "common/kahansum.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace promlet::common {
namespace {

bool SameBits(double x, double y) {
  return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y) ||
         (std::isnan(x) && std::isnan(y));  // a NaN's payload follows operand order
}

TEST(KahanSumTest, NoBranchEqualsKahanSumInc) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  const double inf = std::numeric_limits<double>::infinity();
  for (int seq = 0; seq < 20000; ++seq) {
    double sum = 0, c = 0, sum2 = 0, c2 = 0;
    const int len = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) {
      const double r = u(rng);
      double f = (u(rng) - 0.5) * std::pow(10.0, static_cast<double>(rng() % 40) - 20);
      if (seq % 5 == 1) f = (u(rng) - 0.4) * 1.5e308;  // sums overflow
      if (seq % 5 == 2 && r < 0.05) f = r < 0.02 ? inf : r < 0.04 ? -inf : std::nan("");
      KahanSumInc(f, sum, c);
      KahanSumIncNoBranch(f, sum2, c2);
      ASSERT_TRUE(SameBits(sum, sum2)) << "sequence " << seq << " step " << i;
      ASSERT_TRUE(SameBits(c, c2)) << "sequence " << seq << " step " << i;
    }
  }
}

}  // namespace
}  // namespace promlet::common
