// Pushed bodies in the delimited protobuf format the Go client sends by default
// (Content-Type: application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
// encoding=delimited): a sequence of varint-length-prefixed io.prometheus.client.MetricFamily
// messages, decoded by hand (only the fields Pushgateway reads).
//
// Families are flattened into exposition samples as Pushgateway would expose them in the text
// format: a summary "s" gives s{quantile="q"}, s_sum and s_count; a histogram "h" gives
// h_bucket{le="b"} (with a +Inf bucket holding the sample count when the message has none),
// h_sum and h_count; bounds and quantiles are formatted as Go's strconv 'g' does. As in
// Pushgateway a later family of the same name replaces an earlier one. Native histograms
// (spans) and gauge histograms are refused: storage has no native histograms yet.
// Errors are InvalidArgument naming the family (or the byte offset for broken framing).
#ifndef PROMLET_PUSH_PROTO_BODY_H_
#define PROMLET_PUSH_PROTO_BODY_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "push/group.h"

namespace promlet::push {

// True for a Content-Type naming the delimited MetricFamily encoding (Pushgateway's test).
bool IsDelimitedProtobuf(std::string_view content_type);

absl::StatusOr<std::vector<Family>> ParseProtoDelimitedBody(std::string_view body);

}  // namespace promlet::push

#endif  // PROMLET_PUSH_PROTO_BODY_H_
