#include "config/alerting_config.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "config/decoder.h"

namespace promlet::config {
namespace {

absl::Status ParseAlertmanagerConfig(const Decoder& d, const YAML::Node& n, std::string_view path,
                                     AlertmanagerConfig* c) {
  if (!n.IsMap()) return d.Error(n, path, "expected a mapping");
  // Settings that change how requests go out are errors even with --config.ignore-unsupported.
  FieldNames never = HttpClientConfigNeverIgnorableFields();
  never.push_back("sigv4");
  if (auto st = d.RefuseNeverIgnorable(n, path, never); !st.ok()) return st;
  std::set<std::string> unsupported = d.RecordUnsupported(
      n, path, UnsupportedServiceDiscoveryFields(), kUnsupportedServiceDiscovery);
  for (const std::string& k :
       d.RecordUnsupported(n, path, HttpClientConfigUnsupportedFields(), kNotImplemented)) {
    unsupported.insert(k);
  }
  FieldNames known = {"scheme",          "path_prefix",          "timeout",
                      "api_version",     "static_configs",       "file_sd_configs",
                      "relabel_configs", "alert_relabel_configs"};
  known.insert(known.end(), HttpClientConfigFields().begin(), HttpClientConfigFields().end());
  absl::Status st;
  if (!(st = d.CheckKeys(n, path, known, unsupported)).ok()) return st;
  if (!(st = d.String(n, path, "scheme", &c->scheme)).ok()) return st;
  if (!(st = d.String(n, path, "path_prefix", &c->path_prefix)).ok()) return st;
  if (Decoder::Child(n, "timeout")) {
    int64_t ms = 0;
    if (!(st = d.Duration(n, path, "timeout", &ms)).ok()) return st;
    c->timeout_ms = ms;
  }
  if (!(st = d.String(n, path, "api_version", &c->api_version)).ok()) return st;
  if (c->api_version != "v2") {
    // Prometheus' message; v1 is named because it is the one people still have in old files.
    return d.Error(
        *Decoder::Child(n, "api_version"), Decoder::Join(path, "api_version"),
        absl::StrCat("expected Alertmanager api version to be one of [v2] but got ", c->api_version,
                     c->api_version == "v1"
                         ? " (Alertmanager API v1 was removed in Prometheus 3 and Alertmanager "
                           "0.27: remove api_version or set it to v2)"
                         : ""));
  }
  if (c->scheme != "http" && c->scheme != "https") {
    return d.Error(*Decoder::Child(n, "scheme"), Decoder::Join(path, "scheme"),
                   absl::StrCat("scheme \"", c->scheme, "\" is not supported, use http or https"));
  }
  if (!(st = ParseHttpClientConfig(d, n, path, &c->http_client)).ok()) return st;
  if (!(st = ParseStaticConfigs(d, n, path, &c->static_configs)).ok()) return st;
  if (!(st = ParseFileSdConfigs(d, n, path, &c->file_sd_configs)).ok()) return st;
  if (!(st = d.Relabels(n, path, "relabel_configs", &c->relabel_configs)).ok()) return st;
  return d.Relabels(n, path, "alert_relabel_configs", &c->alert_relabel_configs);
}

}  // namespace

absl::Status ParseAlertingConfig(const Decoder& d, const YAML::Node& n, AlertingConfig* out) {
  const std::string path = "alerting";
  if (n.IsNull()) return absl::OkStatus();
  if (!n.IsMap()) return d.Error(n, path, "expected a mapping");
  absl::Status st;
  if (!(st = d.CheckKeys(n, path, {"alert_relabel_configs", "alertmanagers"})).ok()) return st;
  if (!(st = d.Relabels(n, path, "alert_relabel_configs", &out->alert_relabel_configs)).ok()) {
    return st;
  }
  auto entry = [&](const YAML::Node& e, const std::string& ep, size_t) -> absl::Status {
    if (e.IsNull()) return d.Error(e, ep, "empty alertmanager config");
    AlertmanagerConfig c;
    if (auto st = ParseAlertmanagerConfig(d, e, ep, &c); !st.ok()) return st;
    out->alertmanagers.push_back(std::move(c));
    return absl::OkStatus();
  };
  return d.ForEach(n, path, "alertmanagers", "a list of alertmanager configs", entry);
}

}  // namespace promlet::config
