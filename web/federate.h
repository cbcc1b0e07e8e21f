// Federation: the newest sample of every series matching any of the selectors, within the
// lookback window before `now_ms`, in the exposition format the client negotiated, as
// Prometheus 3's /federate writes it (web/federate.go):
//  - Text (0.0.4, the default): series grouped by metric name (sorted), one "# TYPE" line per
//    group ("untyped" for floats), each sample with its timestamp. Native histograms with an
//    exponential schema are left out (the text format cannot carry them); a counter histogram
//    with custom buckets (NHCB) is written as a classic histogram (_bucket with le, +Inf, _sum,
//    _count), as Prometheus converts it (a gauge one is left out: expfmt's text encoder refuses
//    gauge histograms).
//  - Protobuf (delimited MetricFamily, chosen when the Accept header asks for it first): the
//    same groups as UNTYPED, HISTOGRAM or GAUGE_HISTOGRAM families; native histograms carry
//    their schema, zero bucket, spans and float counts; NHCB are classic float buckets. A new
//    family starts whenever the metric name or the kind of sample (float, counter histogram,
//    gauge histogram) changes, as Prometheus does.
// Series whose newest sample is a staleness marker (a float or a histogram sum) are left out.
// The /federate handler itself (match[] parameters, plain-text errors, Accept negotiation) is
// Federate in web/api/v1/handlers.h, defined in federate.cc.
#ifndef PROMLET_WEB_FEDERATE_H_
#define PROMLET_WEB_FEDERATE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/matcher.h"
#include "storage/interface.h"

namespace promlet::web {

enum class FederationFormat { kText, kProtobuf };

// expfmt.Negotiate: the first acceptable entry of the Accept header by descending q: the
// delimited protobuf MetricFamily encoding, or text/plain (version 0.0.4 or none). Anything
// else, including the protobuf text encodings promlet does not write, falls back to text.
FederationFormat NegotiateFederationFormat(std::string_view accept);

absl::StatusOr<std::string> FederateBody(storage::Queryable& storage,
                                         const std::vector<std::vector<model::Matcher>>& selectors,
                                         int64_t now_ms, int64_t lookback_ms,
                                         FederationFormat format);

// FederateBody in the text format.
absl::StatusOr<std::string> FederateText(storage::Queryable& storage,
                                         const std::vector<std::vector<model::Matcher>>& selectors,
                                         int64_t now_ms, int64_t lookback_ms);

}  // namespace promlet::web

#endif  // PROMLET_WEB_FEDERATE_H_
