// The encoder of the protobuf exposition format: appends io.prometheus.client.MetricFamily
// messages, each prefixed with its varint length (Content-Type kDelimitedMetricFamilyType), the
// inverse of MetricFamilyReader (metric_family.h). The one MetricFamily writer in promlet; the
// /federate handler serves native histograms through it.
//
// Invariants:
//  - Input is the reader's own MetricFamily, so MetricFamilyReader(AppendDelimitedFamily(f))
//    decodes f again (tests/model/metric_family_writer_test.cc checks this against libprotobuf).
//  - Written: name, help, unit, type; per metric the labels, the gauge/counter/untyped value its
//    has_* flag selects, summaries, histograms (classic buckets, schema, zero bucket, spans,
//    integer deltas and float counts) and timestamp_ms. Start timestamps and exemplars are not.
//  - proto3 style: zero scalars and empty strings are left out (the reader reads them as zero),
//    repeated scalars are packed. A metric's sub-message is always written when its has_* flag
//    is set, even when empty, so the metric keeps its kind.
#ifndef PROMLET_MODEL_METRIC_FAMILY_WRITER_H_
#define PROMLET_MODEL_METRIC_FAMILY_WRITER_H_

#include <string>

#include "model/metric_family.h"

namespace promlet::model::proto {

inline constexpr char kDelimitedMetricFamilyType[] =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
    "encoding=delimited";

// Appends the length-delimited encoding of the first f.size() metrics of `f` to *out.
void AppendDelimitedFamily(const MetricFamily& f, std::string* out);

// Fills the native-histogram fields of *out (float counts, as Prometheus' federation writes
// them: sample_count_float, zero_count_float, positive/negative_count) from `h`, which must use
// an exponential schema.
void NativeHistogramFields(const histogram::FloatHistogram& h, Histogram* out);

}  // namespace promlet::model::proto

#endif  // PROMLET_MODEL_METRIC_FAMILY_WRITER_H_
