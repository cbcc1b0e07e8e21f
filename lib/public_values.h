// Conversions between promlet's internal values and the std-only public types of
// include/promlet/promlet.hpp, shared by the C++ API (cpp_api.cc) and the C API (c_api.cc, whose
// typed results hold the public C++ types behind opaque handles), plus the protobuf batch
// append both APIs offer.
//
// Invariants: a public Histogram lists exactly the buckets the HTTP API's JSON lists for the
// same histogram (populated ones, ascending, same boundary rules: Bucket::BoundaryRule), so the
// typed results and promlet_query's JSON agree.
#ifndef PROMLET_LIB_PUBLIC_VALUES_H_
#define PROMLET_LIB_PUBLIC_VALUES_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "model/histogram/float_histogram.h"
#include "model/labels.h"
#include "promlet/promlet.hpp"
#include "promql/engine/engine.h"
#include "storage/interface.h"

namespace promlet::lib {

Labels ToPublicLabels(const model::Labels& ls);
Histogram ToPublicHistogram(const model::histogram::FloatHistogram& h);
QueryResult ToPublicResult(promql::Result r);

// Appends every sample of a delimited protobuf exposition body to `app` (native histograms as
// histograms); samples without a timestamp get default_t. The first broken message or refused
// sample ends it with an error naming the series.
absl::Status AppendProtobuf(storage::Appender& app, std::string_view body, int64_t default_t);

}  // namespace promlet::lib

#endif  // PROMLET_LIB_PUBLIC_VALUES_H_
