#include "tsdb/chunkenc/histogram_sample_iterator.h"

#include <algorithm>

namespace promlet::tsdb::chunkenc {

void HistogramSampleIterator::Reset(Encoding e, absl::Span<const uint8_t> bytes) {
  is_float_ = e == Encoding::kFloatHistogram;
  stopped_at_histogram_ = false;
  if (is_float_) {
    fh_.Reset(bytes);
  } else {
    h_.Reset(bytes);
  }
}

bool HistogramSampleIterator::Next() { return is_float_ ? fh_.Next() : h_.Next(); }
bool HistogramSampleIterator::Seek(int64_t t) { return is_float_ ? fh_.Seek(t) : h_.Seek(t); }
int64_t HistogramSampleIterator::T() const { return is_float_ ? fh_.T() : h_.T(); }
absl::Status HistogramSampleIterator::status() const {
  return is_float_ ? fh_.status() : h_.status();
}
storage::ValueType HistogramSampleIterator::Type() const {
  return is_float_ ? storage::ValueType::kFloatHistogram : storage::ValueType::kHistogram;
}

void HistogramSampleIterator::AtHistogram(mh::Histogram* out) const {
  if (is_float_) {
    *out = mh::Histogram();  // a float histogram has no integer form
    return;
  }
  h_.AtHistogram(out);
}

void HistogramSampleIterator::AtFloatHistogram(mh::FloatHistogram* out) const {
  if (is_float_) {
    fh_.AtFloatHistogram(out);
  } else {
    h_.AtFloatHistogram(out);
  }
}

size_t HistogramSampleIterator::NextBatch(int64_t*, double*, size_t) {
  stopped_at_histogram_ = Next();
  return 0;
}

std::string TruncatedHistogramChunk(std::string_view bytes, int limit) {
  std::string out(bytes);
  if (out.size() >= 2) {
    const int have = (static_cast<uint8_t>(out[0]) << 8) | static_cast<uint8_t>(out[1]);
    const int n = std::clamp(limit, 0, have);
    out[0] = static_cast<char>(n >> 8);
    out[1] = static_cast<char>(n & 0xff);
  }
  return out;
}

}  // namespace promlet::tsdb::chunkenc
