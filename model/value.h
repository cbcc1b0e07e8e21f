// Sample values of Prometheus' data model that need exact bits: the staleness marker.
//
// Invariants: the staleness marker is the NaN with bits kStaleNaNBits; every layer (WAL, chunks,
// blocks, remote write) must keep it bit-exactly, and no other NaN is ever taken for it.
#ifndef PROMLET_MODEL_VALUE_H_
#define PROMLET_MODEL_VALUE_H_

#include <bit>
#include <cstdint>

namespace promlet::model {

inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
inline double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
inline bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

}  // namespace promlet::model

#endif  // PROMLET_MODEL_VALUE_H_
