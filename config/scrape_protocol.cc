#include "config/scrape_protocol.h"

#include "absl/strings/str_cat.h"

namespace promlet::config {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

std::string_view ScrapeProtocolName(ScrapeProtocol p) {
  switch (p) {
    case ScrapeProtocol::kPrometheusProto: return "PrometheusProto";
    case ScrapeProtocol::kOpenMetricsText1_0_0: return "OpenMetricsText1.0.0";
    case ScrapeProtocol::kOpenMetricsText0_0_1: return "OpenMetricsText0.0.1";
    case ScrapeProtocol::kPrometheusText1_0_0: return "PrometheusText1.0.0";
    case ScrapeProtocol::kPrometheusText0_0_4: return "PrometheusText0.0.4";
  }
  return "";
}

absl::StatusOr<ScrapeProtocol> ParseScrapeProtocol(std::string_view name) {
  for (ScrapeProtocol p :
       {ScrapeProtocol::kPrometheusProto, ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
        ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kPrometheusText0_0_4}) {
    if (ScrapeProtocolName(p) == name) return p;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown scrape protocol \"", AV(name),
                   "\", supported: PrometheusProto, OpenMetricsText1.0.0, OpenMetricsText0.0.1, "
                   "PrometheusText1.0.0, PrometheusText0.0.4"));
}

const std::vector<ScrapeProtocol>& DefaultScrapeProtocols() {
  static const std::vector<ScrapeProtocol> kDefault = {
      ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
      ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kPrometheusText0_0_4};
  return kDefault;
}

}  // namespace promlet::config

namespace promlet::config {

const std::vector<ScrapeProtocol>& DefaultProtoFirstScrapeProtocols() {
  static const std::vector<ScrapeProtocol> kDefault = {
      ScrapeProtocol::kPrometheusProto, ScrapeProtocol::kOpenMetricsText1_0_0,
      ScrapeProtocol::kOpenMetricsText0_0_1, ScrapeProtocol::kPrometheusText1_0_0,
      ScrapeProtocol::kPrometheusText0_0_4};
  return kDefault;
}

}  // namespace promlet::config
