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

size_t SampleIterator::NextBatch(int64_t* ts, double* vs, size_t max) {
  size_t n = 0;
  while (n < max && Next()) {
    ts[n] = T();
    vs[n] = V();
    ++n;
  }
  return n;
}

}  // namespace promlet::storage
