// Kahan-Babuska (Neumaier) compensated summation, Prometheus' util/kahansum: the one copy in the
// tree, used by PromQL's sum/avg and by native-histogram arithmetic (model/histogram).
//
// Invariants: KahanSumInc(inc, sum, c) leaves sum = the rounded sum + inc and accumulates the
// rounding error in c (the true total is sum + c); when the running sum overflows to ±Inf the
// compensation is reset to 0 so that it never turns an infinity into NaN. No fused
// multiply-add may be applied across these steps (x86-64 without -mfma never does).
#ifndef PROMLET_COMMON_KAHANSUM_H_
#define PROMLET_COMMON_KAHANSUM_H_

#include <cmath>

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

}  // namespace promlet::common

#endif  // PROMLET_COMMON_KAHANSUM_H_
