// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days), the
// calendar arithmetic behind PromQL's date functions and the templates' time formatting.
//
// Invariants: exact for every int64 day count whose year fits in int64; month 1..12, day 1..31.
#ifndef PROMLET_COMMON_CIVIL_DAYS_H_
#define PROMLET_COMMON_CIVIL_DAYS_H_

#include <cstdint>

namespace promlet::common {

inline void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2 ? 1 : 0);
}

}  // namespace promlet::common

#endif  // PROMLET_COMMON_CIVIL_DAYS_H_
