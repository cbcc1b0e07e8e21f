// Hashing shared by modules: MurmurHash3's 64-bit finalizer (an avalanche step for any 64-bit
// hash) and MurmurHash3_x64_128 (Austin Appleby, public domain) with two 64-bit seeds, used
// where a 128-bit key must stand in for a string (the scrape cache's series keys); and XXH64,
// Prometheus' hash.
#ifndef PROMLET_COMMON_HASH_H_
#define PROMLET_COMMON_HASH_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace promlet::common {

inline uint64_t Fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// XXH64 with seed 0, as Go's github.com/cespare/xxhash Sum64 (what Prometheus hashes labels,
// rule groups and ratio samples with).
uint64_t XxHash64(std::string_view data);

void Murmur3x64_128(const char* data, size_t len, uint64_t seed1, uint64_t seed2, uint64_t* out1,
                    uint64_t* out2);

}  // namespace promlet::common

#endif  // PROMLET_COMMON_HASH_H_
