// Prometheus' scrape_protocols names, as the config spells them (config.ScrapeProtocol in
// Prometheus). What each protocol means on the wire (Accept header, parser) is scrape/protocols.h.
//
// Invariants: names are Prometheus' spelling ("PrometheusProto", "OpenMetricsText1.0.0", ...);
// the default order prefers OpenMetrics; with scrape_native_histograms the default prefers
// PrometheusProto (the only format that carries native histograms), as Prometheus 3 does.
#ifndef PROMLET_CONFIG_SCRAPE_PROTOCOL_H_
#define PROMLET_CONFIG_SCRAPE_PROTOCOL_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace promlet::config {

enum class ScrapeProtocol {
  kPrometheusProto,       // "PrometheusProto"
  kOpenMetricsText1_0_0,  // "OpenMetricsText1.0.0"
  kOpenMetricsText0_0_1,  // "OpenMetricsText0.0.1"
  kPrometheusText1_0_0,   // "PrometheusText1.0.0"
  kPrometheusText0_0_4,   // "PrometheusText0.0.4"
};
std::string_view ScrapeProtocolName(ScrapeProtocol p);
absl::StatusOr<ScrapeProtocol> ParseScrapeProtocol(std::string_view name);
// Prometheus' default order: OpenMetrics preferred, text fallback.
const std::vector<ScrapeProtocol>& DefaultScrapeProtocols();
// DefaultProtoFirstScrapeProtocols: PrometheusProto, then the default order (the default of a
// job with scrape_native_histograms when no scrape_protocols is configured anywhere).
const std::vector<ScrapeProtocol>& DefaultProtoFirstScrapeProtocols();

}  // namespace promlet::config

#endif  // PROMLET_CONFIG_SCRAPE_PROTOCOL_H_
