// CRC32C (Castagnoli), the checksum of WAL records and block sections. Uses the SSE4.2 crc32
// instruction when the CPU has it (checked once at run time), a slicing table otherwise; both
// give identical results.
#ifndef PROMLET_TSDB_ENCODING_CRC32C_H_
#define PROMLET_TSDB_ENCODING_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace promlet::tsdb {

// Extends `crc` (0 for a fresh checksum) over data[0, n).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }
inline uint32_t Crc32c(std::string_view s) { return Crc32cExtend(0, s.data(), s.size()); }

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_ENCODING_CRC32C_H_
