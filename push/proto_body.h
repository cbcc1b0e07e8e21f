// Pushed bodies in the delimited protobuf format the Go client sends by default
// (Content-Type: application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
// encoding=delimited): a sequence of varint-length-prefixed io.prometheus.client.MetricFamily
// messages, read with the one protobuf exposition decoder (model/metric_family.h).
//
// Families are flattened into exposition samples as Pushgateway would expose them in the text
// format: a summary "s" gives s{quantile="q"}, s_sum and s_count; a histogram "h" gives
// h_bucket{le="b"} (with a +Inf bucket holding the sample count when the message has none),
// h_sum and h_count; bounds and quantiles are formatted as Go's strconv 'g' does. As in
// Pushgateway a later family of the same name replaces an earlier one. A native histogram
// (histogram or gauge histogram with spans, a zero threshold or a zero count) becomes one
// PushedSample carrying the histogram (integer or float, validated), as Prometheus stores a
// scrape of it with scrape_native_histograms (its classic buckets are not kept); classic gauge
// histograms are refused. Errors are InvalidArgument naming the family (the decoder's also the
// byte offset).
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
