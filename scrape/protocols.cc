#include "scrape/protocols.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace promlet::scrape {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

std::string_view ScrapeProtocolName(ScrapeProtocol p) {
  switch (p) {
    case ScrapeProtocol::kOpenMetricsText1_0_0: return "OpenMetricsText1.0.0";
    case ScrapeProtocol::kOpenMetricsText0_0_1: return "OpenMetricsText0.0.1";
    case ScrapeProtocol::kPrometheusText1_0_0: return "PrometheusText1.0.0";
    case ScrapeProtocol::kPrometheusText0_0_4: return "PrometheusText0.0.4";
  }
  return "";
}

absl::StatusOr<ScrapeProtocol> ParseScrapeProtocol(std::string_view name) {
  for (ScrapeProtocol p :
       {ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
        ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kPrometheusText0_0_4}) {
    if (ScrapeProtocolName(p) == name) return p;
  }
  if (name == "PrometheusProto") {
    return absl::InvalidArgumentError("scrape protocol PrometheusProto is not supported by promlet");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown scrape protocol \"", AV(name),
                   "\", supported: OpenMetricsText1.0.0, OpenMetricsText0.0.1, "
                   "PrometheusText1.0.0, PrometheusText0.0.4"));
}

const std::vector<ScrapeProtocol>& DefaultScrapeProtocols() {
  static const std::vector<ScrapeProtocol> kDefault = {
      ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
      ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kPrometheusText0_0_4};
  return kDefault;
}

model::Format FormatOf(ScrapeProtocol p) {
  return p == ScrapeProtocol::kOpenMetricsText1_0_0 || p == ScrapeProtocol::kOpenMetricsText0_0_1
             ? model::Format::kOpenMetrics
             : model::Format::kText004;
}

std::string AcceptHeader(const std::vector<ScrapeProtocol>& protocols) {
  // As Prometheus' acceptHeader(): weights start at (number of known protocols + 1), i.e. 6,
  // and the escaping parameter is sent for the 1.0.0 formats.
  int weight = 6;
  std::string out;
  for (ScrapeProtocol p : protocols) {
    switch (p) {
      case ScrapeProtocol::kOpenMetricsText1_0_0:
        out += "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8";
        break;
      case ScrapeProtocol::kOpenMetricsText0_0_1:
        out += "application/openmetrics-text;version=0.0.1";
        break;
      case ScrapeProtocol::kPrometheusText1_0_0:
        out += "text/plain;version=1.0.0;escaping=allow-utf-8";
        break;
      case ScrapeProtocol::kPrometheusText0_0_4:
        out += "text/plain;version=0.0.4";
        break;
    }
    absl::StrAppend(&out, ";q=0.", weight, ",");
    if (weight > 1) --weight;
  }
  absl::StrAppend(&out, "*/*;q=0.", weight);
  return out;
}

const std::string& DefaultAcceptHeader() {
  static const std::string kHeader = AcceptHeader(DefaultScrapeProtocols());
  return kHeader;
}

absl::StatusOr<model::Format> FormatForContentType(std::string_view content_type,
                                            std::optional<model::Format> fallback) {
  std::string_view mt = content_type.substr(0, content_type.find(';'));
  std::string media(absl::StripAsciiWhitespace(AV(mt)));
  absl::AsciiStrToLower(&media);
  if (media == "application/openmetrics-text") return model::Format::kOpenMetrics;
  if (media == "text/plain") return model::Format::kText004;
  if (fallback) return *fallback;
  return absl::InvalidArgumentError(
      absl::StrCat("received unsupported Content-Type \"", AV(content_type),
                   "\" and no fallback_scrape_protocol specified for target"));
}

}  // namespace promlet::scrape
