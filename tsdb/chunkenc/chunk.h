// Chunk encodings: how a run of (timestamp, float) samples of one series is packed into bytes.
//
// A chunk is an encoding byte plus opaque bytes. Each encoding decodes through a
// SampleIterator. The head writes kXOR (Gorilla, appendable in O(1)); persisted blocks may add
// tighter encodings: give them a new Encoding value (never reuse or renumber one, the byte is
// persisted) and either add a case to NewChunkIterator() or call RegisterChunkDecoder() once at
// startup before any chunk of that encoding is read.
//
// Invariants: every encoding round-trips timestamps and the float64 bit patterns exactly
// (-0, NaN payloads, the stale NaN, +-Inf, denormals); timestamps within a chunk are strictly
// increasing.
#ifndef PROMLET_TSDB_CHUNKENC_CHUNK_H_
#define PROMLET_TSDB_CHUNKENC_CHUNK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "storage/interface.h"

namespace promlet::tsdb::chunkenc {

enum class Encoding : uint8_t {
  kNone = 0,
  kXOR = 1,  // Gorilla XOR, byte-compatible with Prometheus' chunkenc.XORChunk
  // Native histograms, byte-compatible with Prometheus' EncHistogram / EncFloatHistogram
  // (histogram_chunk.h, float_histogram_chunk.h; decoded by their own iterators, not through
  // NewChunkIterator, whose SampleIterator yields floats).
  kHistogram = 2,
  kFloatHistogram = 3,
  // 4.. reserved for block encodings (added by the block writer).
};

std::string_view EncodingName(Encoding e);

// Immutable bytes of one chunk with its time range; shared between the head, iterators and
// the block writer, so it is handed out as shared_ptr<const ChunkData>.
struct ChunkData {
  Encoding encoding = Encoding::kNone;
  uint16_t num_samples = 0;
  int64_t min_time = 0;
  int64_t max_time = 0;
  std::string bytes;
  // The optional start-timestamp column (st_column.h); empty when no sample has an ST.
  std::string st;
};

// A decoder factory. The span must stay valid for the iterator's lifetime.
using ChunkDecoderFactory =
    std::function<std::unique_ptr<storage::SampleIterator>(absl::Span<const uint8_t> bytes)>;

// Makes `factory` the decoder of `e` (overrides any earlier one). Thread-safe.
void RegisterChunkDecoder(Encoding e, ChunkDecoderFactory factory);

// An iterator over the samples of `bytes` encoded as `e`; InvalidArgument for an unknown
// encoding. Corrupt bytes surface as the iterator's status(), never as a crash.
absl::StatusOr<std::unique_ptr<storage::SampleIterator>> NewChunkIterator(Encoding e,
                                                                 absl::Span<const uint8_t> bytes);

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TSDB_CHUNKENC_CHUNK_H_
