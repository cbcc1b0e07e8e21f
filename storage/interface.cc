#include "storage/interface.h"

namespace promlet::storage {

absl::Status ErrOutOfOrderSample() { return absl::FailedPreconditionError("out of order sample"); }
absl::Status ErrDuplicateSample() {
  return absl::AlreadyExistsError("duplicate sample for timestamp");
}
absl::Status ErrOutOfBounds() { return absl::OutOfRangeError("out of bounds"); }

bool IsOutOfOrder(const absl::Status& s) {
  return absl::IsFailedPrecondition(s) && s.message() == "out of order sample";
}
bool IsDuplicateSample(const absl::Status& s) {
  return absl::IsAlreadyExists(s) && s.message() == "duplicate sample for timestamp";
}
bool IsOutOfBounds(const absl::Status& s) {
  return absl::IsOutOfRange(s) && s.message() == "out of bounds";
}

void SampleIterator::AtHistogram(model::histogram::Histogram* out) const {
  *out = model::histogram::Histogram();
}
void SampleIterator::AtFloatHistogram(model::histogram::FloatHistogram* out) const {
  *out = model::histogram::FloatHistogram();
}

absl::StatusOr<SeriesRef> Appender::AppendHistogram(SeriesRef, const model::Labels&, int64_t,
                                                    const model::histogram::Histogram*,
                                                    const model::histogram::FloatHistogram*) {
  return absl::UnimplementedError("native histograms are not supported by this storage");
}

size_t SampleIterator::NextBatch(int64_t* ts, double* vs, size_t max) {
  stopped_at_histogram_ = false;
  if (histogram_held_) {
    histogram_held_ = false;
    stopped_at_histogram_ = true;
    return 0;
  }
  size_t n = 0;
  while (n < max && Next()) {
    if (Type() != ValueType::kFloat) {
      (n == 0 ? stopped_at_histogram_ : histogram_held_) = true;
      return n;
    }
    ts[n] = T();
    vs[n] = V();
    ++n;
  }
  return n;
}

}  // namespace promlet::storage
