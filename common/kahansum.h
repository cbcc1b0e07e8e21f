// Kahan-Babuska (Neumaier) compensated summation, Prometheus' util/kahansum: the one copy in the
// tree, used by PromQL's sum/avg and by native-histogram arithmetic (model/histogram).
//
// Invariants: KahanSumInc(inc, sum, c) leaves sum = the rounded sum + inc and accumulates the
// rounding error in c (the true total is sum + c); when the running sum overflows to ±Inf the
// compensation is reset to 0 so that it never turns an infinity into NaN. No fused
// multiply-add may be applied across these steps (x86-64 without -mfma never does).
#ifndef PROMLET_COMMON_KAHANSUM_H_
#define PROMLET_COMMON_KAHANSUM_H_

#include <bit>
#include <cmath>
#include <cstdint>

namespace promlet::common {

inline void KahanSumInc(double inc, double& sum, double& c) {
  double t = sum + inc;
  if (std::isinf(t)) {
    c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

inline void KahanSumDec(double dec, double& sum, double& c) { KahanSumInc(-dec, sum, c); }

// The compensation term of adding inc to sum (t = sum + inc), chosen by a mask instead of a
// branch: on data whose magnitudes are in random order the branch mispredicts half the time.
inline double KahanTerm(double sum, double inc, double t) {
  const double big_sum = (sum - t) + inc;
  const double big_inc = (inc - t) + sum;
  const uint64_t mask = -static_cast<uint64_t>(std::fabs(sum) >= std::fabs(inc));
  return std::bit_cast<double>((std::bit_cast<uint64_t>(big_sum) & mask) |
                               (std::bit_cast<uint64_t>(big_inc) & ~mask));
}

// KahanSumInc without the data-dependent branch: the same result bit for bit.
inline void KahanSumIncNoBranch(double inc, double& sum, double& c) {
  const double t = sum + inc;
  const double term = KahanTerm(sum, inc, t);
  c = std::isinf(t) ? 0 : c + term;
  sum = t;
}

}  // namespace promlet::common

#endif  // PROMLET_COMMON_KAHANSUM_H_
