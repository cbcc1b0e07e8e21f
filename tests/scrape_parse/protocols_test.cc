// Content negotiation: the Accept header promlet sends and the format chosen from Content-Type.
#include "scrape/protocols.h"

#include <gtest/gtest.h>

namespace promlet::scrape {
namespace {

TEST(ContentNegotiation, AcceptHeaderAsPrometheus) {
  EXPECT_EQ(DefaultAcceptHeader(),
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
            "application/openmetrics-text;version=0.0.1;q=0.5,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
            "text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
  EXPECT_EQ(AcceptHeader({ScrapeProtocol::kPrometheusText0_0_4}),
            "text/plain;version=0.0.4;q=0.6,*/*;q=0.5");
  EXPECT_EQ(*FormatForContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            model::Format::kOpenMetrics);
  EXPECT_EQ(*FormatForContentType("text/plain; version=0.0.4; charset=utf-8"), model::Format::kText004);
  EXPECT_FALSE(FormatForContentType("").ok());
  EXPECT_EQ(*FormatForContentType("application/json", model::Format::kText004), model::Format::kText004);
  EXPECT_EQ(*ParseScrapeProtocol("OpenMetricsText0.0.1"), ScrapeProtocol::kOpenMetricsText0_0_1);
  EXPECT_EQ(*ParseScrapeProtocol("PrometheusProto"), ScrapeProtocol::kPrometheusProto);
  EXPECT_FALSE(ParseScrapeProtocol("prometheusproto").ok());  // case-sensitive, as Prometheus
}

TEST(ContentNegotiation, ProtobufFirstWithNativeHistograms) {
  // Prometheus 3's header for DefaultProtoFirstScrapeProtocols (scrape_native_histograms).
  EXPECT_EQ(AcceptHeader(config::DefaultProtoFirstScrapeProtocols()),
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
            "encoding=delimited;q=0.6,"
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
            "application/openmetrics-text;version=0.0.1;q=0.4,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
            "text/plain;version=0.0.4;q=0.2,*/*;q=0.1");
  EXPECT_EQ(*FormatForContentType("application/vnd.google.protobuf; "
                                  "proto=io.prometheus.client.MetricFamily; encoding=delimited"),
            model::Format::kProtobuf);
  EXPECT_EQ(FormatOf(ScrapeProtocol::kPrometheusProto), model::Format::kProtobuf);
}

}  // namespace
}  // namespace promlet::scrape
