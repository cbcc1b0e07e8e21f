#include "scrape/protocols.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace promlet::scrape {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

model::Format FormatOf(ScrapeProtocol p) {
  if (p == ScrapeProtocol::kPrometheusProto) return model::Format::kProtobuf;
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
      case ScrapeProtocol::kPrometheusProto:
        out += "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
               "encoding=delimited";
        break;
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
  if (media == "application/vnd.google.protobuf") return model::Format::kProtobuf;
  if (fallback) return *fallback;
  return absl::InvalidArgumentError(
      absl::StrCat("received unsupported Content-Type \"", AV(content_type),
                   "\" and no fallback_scrape_protocol specified for target"));
}

}  // namespace promlet::scrape
