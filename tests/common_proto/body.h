// Builds delimited protobuf exposition bodies (io.prometheus.client.MetricFamily) with
// libprotobuf, for tests of promlet's hand-written decoder, scrapes and pushes.
#ifndef PROMLET_TESTS_COMMON_PROTO_BODY_H_
#define PROMLET_TESTS_COMMON_PROTO_BODY_H_

#include <string>
#include <vector>

#include "metrics.pb.h"

namespace promlet::testing {

namespace dto = ::io::prometheus::client;

// The families, each prefixed with its varint length.
std::string DelimitedBody(const std::vector<dto::MetricFamily>& families);

// Helpers for common shapes.
dto::MetricFamily CounterFamily(const std::string& name, double value);
// A native integer histogram: schema, zero threshold/count, positive spans and deltas.
dto::MetricFamily NativeHistogramFamily(const std::string& name, int schema,
                                        const std::vector<std::pair<int, unsigned>>& spans,
                                        const std::vector<long>& deltas, unsigned long count,
                                        double sum);
// A classic histogram with cumulative bucket counts (no +Inf bucket unless given).
dto::MetricFamily ClassicHistogramFamily(const std::string& name,
                                         const std::vector<std::pair<double, unsigned long>>& buckets,
                                         unsigned long count, double sum);

}  // namespace promlet::testing

#endif  // PROMLET_TESTS_COMMON_PROTO_BODY_H_
