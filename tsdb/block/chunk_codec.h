// Persisted chunk encoding: tighter than the head's XOR chunks, because blocks are written once
// and read many times and disk bytes per sample is a headline figure. A chunk is two byte
// strings, timestamps and values, that the block writer stores in separate columns of a
// zstd-compressed group of chunks (see chunk_file.h), so zstd sees similar data side by side.
//
// Timestamps: n, t0, the regular interval d (the first delta), then the exceptions: positions
// whose delta differs from d, as (position gap, delta - d). Regular scrapes (constant interval,
// constant jitter) cost a handful of bytes per chunk.
//
// Values, one of three modes:
//  - constant: every value has the same bits: 8 bytes.
//  - decimal: the values are decimals with at most 15 digits after the point (what exporters
//    print), so v == r / 10^k exactly for integers r (checked bit-exactly, value by value). The
//    r's are delta-coded to order 0, 1, 2 or "1 minus the chunk's median delta", whichever is
//    smallest by summed bit length (counters: order 1; steady rates: order 2 or
//    median-relative), zigzagged and stored as byte planes (all low bytes, then all second
//    bytes, ...), which zstd's entropy stage models much better than varints.
//  - xor: anything else: XOR with the previous value's bits, shifted right by its trailing
//    zeros, varint'ed.
//  Non-finite values (NaN incl. StaleNaN, +-Inf) and -0.0 are exceptions stored with their raw
//  bits at their positions, so the staleness marker survives bit-exactly; the decimal stream
//  repeats the previous value there.
#ifndef PROMLET_TSDB_BLOCK_CHUNK_CODEC_H_
#define PROMLET_TSDB_BLOCK_CHUNK_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace promlet::tsdb {

// ts must be strictly increasing and non-empty.
void EncodeTimestamps(absl::Span<const int64_t> ts, std::string* out);
void EncodeValues(absl::Span<const double> vs, std::string* out);

// Replace *out with the decoded columns; DataLoss on malformed input.
absl::Status DecodeTimestamps(std::string_view in, std::vector<int64_t>* out);
absl::Status DecodeValues(std::string_view in, size_t n, std::vector<double>* out);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_CHUNK_CODEC_H_
