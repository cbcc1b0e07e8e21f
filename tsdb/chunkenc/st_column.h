// The optional start-timestamp (ST) column of a chunk: one entry per sample of the chunk, in
// sample order. A chunk none of whose samples has an ST carries no column at all (empty
// bytes), so series without STs pay nothing.
//
// Encoding: per sample one uvarint u; u == 0 means "no ST" (ST 0, Prometheus' "unknown"), else
// u == zigzag(t - st) + 1, the ST as a delta from the sample's own timestamp (usually a small
// constant: one or two bytes per sample).
//
// Invariants: a non-empty column has exactly as many entries as the chunk has samples (a
// reader of a truncated chunk stops at the chunk's count); the builder's bytes are a valid
// column between Adds.
#ifndef PROMLET_TSDB_CHUNKENC_ST_COLUMN_H_
#define PROMLET_TSDB_CHUNKENC_ST_COLUMN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/varint.h"

namespace promlet::tsdb::chunkenc {

class StColumnBuilder {
 public:
  // Adds the ST of sample `index` of the chunk (timestamp t; st == 0 means none); samples are
  // added in order, those before the first ST may be left out.
  void Add(size_t index, int64_t t, int64_t st) {
    if (bytes_.empty()) {
      if (st == 0) return;
      bytes_.assign(index, '\0');  // the samples before had none
    }
    if (st == 0) {
      bytes_.push_back('\0');
    } else {
      common::PutUvarint(&bytes_, common::ZigZag(static_cast<int64_t>(static_cast<uint64_t>(t) -
                                                                      static_cast<uint64_t>(st))) +
                                      1);
    }
  }
  // The column so far (empty while no sample had an ST).
  std::string_view bytes() const { return bytes_; }
  size_t MemoryBytes() const { return bytes_.capacity(); }
  // Hands the column over and starts an empty one.
  std::string Finish() {
    std::string out = std::move(bytes_);
    bytes_.clear();
    return out;
  }

 private:
  std::string bytes_;
};

// Reads a column entry by entry alongside the chunk's samples.
class StColumnReader {
 public:
  StColumnReader() = default;
  explicit StColumnReader(std::string_view column) { Reset(column); }
  void Reset(std::string_view column) {
    dec_ = common::Decoder(column);
    present_ = !column.empty();
  }
  bool present() const { return present_; }
  // The ST of the next sample, whose timestamp is t (0 when the column is absent, exhausted or
  // corrupt: an ST is advisory, a damaged column degrades to "unknown").
  int64_t Next(int64_t t) {
    if (!present_) return 0;
    uint64_t u;
    if (!dec_.Uvarint(&u) || u == 0) return 0;
    return static_cast<int64_t>(static_cast<uint64_t>(t) -
                                static_cast<uint64_t>(common::UnZigZag(u - 1)));
  }

 private:
  common::Decoder dec_;
  bool present_ = false;
};

}  // namespace promlet::tsdb::chunkenc

#endif  // PROMLET_TSDB_CHUNKENC_ST_COLUMN_H_
