// Content negotiation for scrapes: Prometheus' scrape_protocols, the Accept header built from
// them, and the mapping of a response's Content-Type to an exposition parser format.
//
// Invariants: protocol names are Prometheus' spelling ("OpenMetricsText1.0.0", ...); the Accept
// header lists them in the given order with strictly descending weights, then "*/*".
#ifndef PROMLET_SCRAPE_PROTOCOLS_H_
#define PROMLET_SCRAPE_PROTOCOLS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/textparse.h"

namespace promlet::scrape {

using model::Format;

// The formats a scrape may ask for, by Prometheus' scrape_protocols names.
enum class ScrapeProtocol {
  kOpenMetricsText1_0_0,  // "OpenMetricsText1.0.0"
  kOpenMetricsText0_0_1,  // "OpenMetricsText0.0.1"
  kPrometheusText1_0_0,   // "PrometheusText1.0.0"
  kPrometheusText0_0_4,   // "PrometheusText0.0.4"
};
std::string_view ScrapeProtocolName(ScrapeProtocol p);
absl::StatusOr<ScrapeProtocol> ParseScrapeProtocol(std::string_view name);
// Prometheus' default order: OpenMetrics preferred, text fallback.
const std::vector<ScrapeProtocol>& DefaultScrapeProtocols();
model::Format FormatOf(ScrapeProtocol p);

// The Accept header Prometheus sends for these protocols, weights descending, e.g.
// "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,...,*/*;q=0.2".
std::string AcceptHeader(const std::vector<ScrapeProtocol>& protocols);
// The default header (DefaultScrapeProtocols()).
const std::string& DefaultAcceptHeader();

// Maps a response Content-Type to a parser format. "application/openmetrics-text" ->
// OpenMetrics; "text/plain" -> text. A missing or other type uses `fallback` if given and is
// an error otherwise (as Prometheus 3 with no fallback_scrape_protocol).
absl::StatusOr<model::Format> FormatForContentType(std::string_view content_type,
                                            std::optional<model::Format> fallback = std::nullopt);

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_PROTOCOLS_H_
