// A zero-copy decoder of Remote Write request bodies (1.0 prometheus.WriteRequest and 2.0
// io.prometheus.write.v2.Request) for the receiver's hot path: label names and values are
// string_views into the (snappy-decoded) body, samples are copied into one flat vector, and the
// output's vectors are reused across calls (no allocation per series once warm).
//
// Invariants:
//  - It decodes only the canonical subset of the wire format that senders write: known fields
//    with their declared wire types, varints of at most 10 bytes. Anything else (unknown
//    fields, groups, histograms, exemplars, 1.0 metadata, 2.0 symbol errors, truncation) makes
//    DecodeWriteWire return false and the caller uses DecodeWriteRequest (libprotobuf), which
//    accepts what libprotobuf accepts and names the error of a malformed body. So whenever this
//    returns true, its series (labels in wire order, samples) are exactly DecodeWriteRequest's
//    before label validation; tests/remote/write_wire_test.cc checks that against random bodies.
//  - Labels are neither validated nor sorted here: the receiver validates them with
//    LabelsFromWire (codec.h) only for series its cache does not know.
#ifndef PROMLET_STORAGE_REMOTE_WRITE_WIRE_H_
#define PROMLET_STORAGE_REMOTE_WRITE_WIRE_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/interface.h"
#include "storage/remote/codec.h"

namespace promlet::remote {

struct WireLabel {
  std::string_view name;
  std::string_view value;
};

// One series: half-open ranges into WireWrite::labels and WireWrite::samples.
struct WireSeries {
  uint32_t labels_begin = 0, labels_end = 0;
  uint32_t samples_begin = 0, samples_end = 0;
};

struct WireWrite {
  std::vector<WireLabel> labels;
  std::vector<storage::Sample> samples;
  std::vector<WireSeries> series;
  std::vector<uint32_t> refs;             // 2.0 scratch: labels_refs before symbols are known
  std::vector<std::string_view> symbols;  // 2.0 scratch
  void Clear() {
    labels.clear();
    samples.clear();
    series.clear();
    refs.clear();
    symbols.clear();
  }
};

// Decodes `body` into *out (cleared first); false when the body is outside the subset above.
// The views in *out point into `body`.
bool DecodeWriteWire(WriteProto proto, std::string_view body, WireWrite* out);

}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_WRITE_WIRE_H_
