// Content negotiation for scrapes: the Accept header built from the configured scrape_protocols
// (config/scrape_protocol.h) and the mapping of a response's Content-Type to an exposition parser format.
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
#include "config/scrape_protocol.h"
#include "model/textparse.h"

namespace promlet::scrape {

using config::DefaultScrapeProtocols;
using config::ParseScrapeProtocol;
using config::ScrapeProtocol;
using config::ScrapeProtocolName;

model::Format FormatOf(ScrapeProtocol p);

// The Accept header Prometheus sends for these protocols, weights descending, e.g.
// "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,...,*/*;q=0.2".
std::string AcceptHeader(const std::vector<ScrapeProtocol>& protocols);
// The default header (DefaultScrapeProtocols()).
const std::string& DefaultAcceptHeader();

// Maps a response Content-Type to a parser format. "application/openmetrics-text" ->
// OpenMetrics; "text/plain" -> text; "application/vnd.google.protobuf" -> protobuf (as
// Prometheus, by media type alone). A missing or other type uses `fallback` if given and is
// an error otherwise (as Prometheus 3 with no fallback_scrape_protocol).
absl::StatusOr<model::Format> FormatForContentType(std::string_view content_type,
                                            std::optional<model::Format> fallback = std::nullopt);

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_PROTOCOLS_H_
