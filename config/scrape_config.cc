#include "config/scrape_config.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "config/decoder.h"

namespace promlet::config {
namespace {

// `a` followed by `b`.
FieldNames Concat(FieldNames a, const FieldNames& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Records the keys of scrape config `n` that promlet does not implement; returns them.
std::set<std::string> RecordUnsupportedScrapeFields(const Decoder& d, const YAML::Node& n,
                                                    std::string_view path) {
  std::set<std::string> unsupported = d.RecordUnsupported(
      n, path, UnsupportedServiceDiscoveryFields(), kUnsupportedServiceDiscovery);
  for (const std::string& k : d.RecordUnsupported(
           n, path,
           Concat(HttpClientConfigUnsupportedFields(),
                  {"metric_name_validation_scheme",
                   "metric_name_escaping_scheme", "scrape_failure_log_file"}),
           kNotImplemented)) {
    unsupported.insert(k);
  }
  return unsupported;
}

absl::Status ParseParams(const Decoder& d, const YAML::Node& n, std::string_view path,
                         std::map<std::string, std::vector<std::string>>* out) {
  auto params = Decoder::Child(n, "params");
  if (!params) return absl::OkStatus();
  std::string pp = Decoder::Join(path, "params");
  if (!params->IsMap()) return d.Error(*params, pp, "expected a mapping of names to lists");
  for (auto it = params->begin(); it != params->end(); ++it) {
    const std::string& k = it->first.Scalar();
    std::vector<std::string> vals;
    if (it->second.IsScalar()) {
      vals.push_back(it->second.Scalar());  // tolerated: a single value
    } else if (it->second.IsSequence()) {
      for (size_t i = 0; i < it->second.size(); ++i) {
        if (!it->second[i].IsScalar()) {
          return d.Error(it->second[i], Decoder::Join(pp, k), "expected a string");
        }
        vals.push_back(it->second[i].Scalar());
      }
    } else {
      return d.Error(it->second, Decoder::Join(pp, k), "expected a list of strings");
    }
    (*out)[k] = std::move(vals);
  }
  return absl::OkStatus();
}

// scrape_native_histograms, always_scrape_classic_histograms (or its Prometheus 2 name
// scrape_classic_histograms), convert_classic_histograms_to_nhcb, native_histogram_bucket_limit
// and native_histogram_min_bucket_factor.
absl::Status ParseNativeHistogramSettings(const Decoder& d, const YAML::Node& n,
                                          std::string_view path, const GlobalConfig& g,
                                          ScrapeConfig* c) {
  absl::Status st;
  c->scrape_native_histograms = g.scrape_native_histograms;
  c->always_scrape_classic_histograms = g.always_scrape_classic_histograms;
  c->convert_classic_histograms_to_nhcb = g.convert_classic_histograms_to_nhcb;
  if (!(st = d.Bool(n, path, "scrape_native_histograms", &c->scrape_native_histograms)).ok()) {
    return st;
  }
  if (Decoder::Child(n, "scrape_classic_histograms") &&
      Decoder::Child(n, "always_scrape_classic_histograms")) {
    return d.Error(n, Decoder::Join(path, "scrape_classic_histograms"),
                   "scrape_classic_histograms is the Prometheus 2 name of "
                   "always_scrape_classic_histograms: set only one of them");
  }
  if (!(st = d.Bool(n, path, "scrape_classic_histograms", &c->always_scrape_classic_histograms))
           .ok()) {
    return st;
  }
  if (!(st = d.Bool(n, path, "always_scrape_classic_histograms",
                    &c->always_scrape_classic_histograms))
           .ok()) {
    return st;
  }
  if (!(st = d.Bool(n, path, "convert_classic_histograms_to_nhcb",
                    &c->convert_classic_histograms_to_nhcb))
           .ok()) {
    return st;
  }
  if (!(st = d.Uint(n, path, "native_histogram_bucket_limit", &c->native_histogram_bucket_limit))
           .ok()) {
    return st;
  }
  if (auto f = Decoder::Child(n, "native_histogram_min_bucket_factor")) {
    const std::string field = Decoder::Join(path, "native_histogram_min_bucket_factor");
    const std::string s = f->IsScalar() ? f->Scalar() : "";
    double v = 0;
    if (!absl::SimpleAtod(s, &v) || std::isnan(v) || std::isinf(v) || v < 0) {
      return d.Error(*f, field, absl::StrCat("expected a non-negative number, got \"", s, "\""));
    }
    c->native_histogram_min_bucket_factor = v;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseScrapeProtocols(const Decoder& d, const YAML::Node& n, std::string_view path,
                                  std::string_view key, std::vector<config::ScrapeProtocol>* out) {
  auto c = Decoder::Child(n, key);
  if (!c) return absl::OkStatus();
  std::vector<std::string> names;
  if (auto st = d.StringList(n, path, key, &names); !st.ok()) return st;
  const std::string field = Decoder::Join(path, key);
  if (names.empty()) return d.Error(*c, field, "scrape_protocols cannot be empty");
  out->clear();
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StatusOr<config::ScrapeProtocol> p = config::ParseScrapeProtocol(names[i]);
    if (!p.ok()) return d.Error((*c)[i], Decoder::Index(field, i), Msg(p.status()));
    if (std::find(out->begin(), out->end(), *p) != out->end()) {
      return d.Error((*c)[i], Decoder::Index(field, i),
                     absl::StrCat("duplicated protocol in scrape_protocols: ", names[i]));
    }
    out->push_back(*p);
  }
  return absl::OkStatus();
}

absl::Status ParseScrapeConfig(const Decoder& d, const YAML::Node& n, std::string_view path,
                               const GlobalConfig& g, ScrapeConfig* c) {
  // Settings that change how requests go out are errors even with --config.ignore-unsupported:
  // ignoring them would scrape unauthenticated or through another network path.
  if (auto st = d.RefuseNeverIgnorable(n, path, HttpClientConfigNeverIgnorableFields()); !st.ok()) {
    return st;
  }
  std::set<std::string> unsupported = RecordUnsupportedScrapeFields(d, n, path);
  if (auto st = d.CheckKeys(n, path,
                            Concat({"job_name",
                                    "scrape_interval",
                                    "scrape_timeout",
                                    "metrics_path",
                                    "scheme",
                                    "params",
                                    "honor_labels",
                                    "honor_timestamps",
                                    "enable_compression",
                                    "scrape_protocols",
                                    "fallback_scrape_protocol",
                                    "sample_limit",
                                    "target_limit",
                                    "label_limit",
                                    "label_name_length_limit",
                                    "label_value_length_limit",
                                    "body_size_limit",
                                    "static_configs",
                                    "file_sd_configs",
                                    "relabel_configs",
                                    "metric_relabel_configs",
                                    "track_timestamps_staleness",
                                    "keep_dropped_targets",
                                    "scrape_native_histograms",
                                    "always_scrape_classic_histograms",
                                    "scrape_classic_histograms",
                                    "convert_classic_histograms_to_nhcb",
                                    "native_histogram_bucket_limit",
                                    "native_histogram_min_bucket_factor"},
                                   HttpClientConfigFields()),
                            unsupported);
      !st.ok()) {
    return st;
  }
  absl::Status st;
  c->keep_dropped_targets = g.keep_dropped_targets;
  if (!(st = d.Bool(n, path, "track_timestamps_staleness", &c->track_timestamps_staleness)).ok()) {
    return st;
  }
  if (!(st = d.Uint(n, path, "keep_dropped_targets", &c->keep_dropped_targets)).ok()) return st;
  c->scrape_protocols = g.scrape_protocols;
  c->sample_limit = g.sample_limit;
  c->target_limit = g.target_limit;
  c->label_limit = g.label_limit;
  c->label_name_length_limit = g.label_name_length_limit;
  c->label_value_length_limit = g.label_value_length_limit;
  c->body_size_limit_bytes = g.body_size_limit_bytes;

  if (!(st = d.String(n, path, "job_name", &c->job_name)).ok()) return st;
  if (c->job_name.empty()) return d.Error(n, Decoder::Join(path, "job_name"), "job_name is empty");
  if (!(st = d.Duration(n, path, "scrape_interval", &c->scrape_interval_ms)).ok()) return st;
  if (!(st = d.Duration(n, path, "scrape_timeout", &c->scrape_timeout_ms)).ok()) return st;
  if (!(st = d.String(n, path, "metrics_path", &c->metrics_path)).ok()) return st;
  if (!(st = d.String(n, path, "scheme", &c->scheme)).ok()) return st;
  if (!(st = d.Bool(n, path, "honor_labels", &c->honor_labels)).ok()) return st;
  if (!(st = d.Bool(n, path, "honor_timestamps", &c->honor_timestamps)).ok()) return st;
  if (!(st = d.Bool(n, path, "enable_compression", &c->enable_compression)).ok()) return st;
  if (!(st = ParseScrapeProtocols(d, n, path, "scrape_protocols", &c->scrape_protocols)).ok()) {
    return st;
  }
  if (auto f = Decoder::Child(n, "fallback_scrape_protocol")) {
    absl::StatusOr<config::ScrapeProtocol> p =
        f->IsScalar() ? config::ParseScrapeProtocol(f->Scalar())
                      : absl::InvalidArgumentError("expected a protocol name");
    if (!p.ok()) {
      return d.Error(*f, Decoder::Join(path, "fallback_scrape_protocol"), Msg(p.status()));
    }
    c->fallback_scrape_protocol = *p;
  }
  if (!(st = d.Uint(n, path, "sample_limit", &c->sample_limit)).ok()) return st;
  if (!(st = d.Uint(n, path, "target_limit", &c->target_limit)).ok()) return st;
  if (!(st = d.Uint(n, path, "label_limit", &c->label_limit)).ok()) return st;
  if (!(st = d.Uint(n, path, "label_name_length_limit", &c->label_name_length_limit)).ok()) {
    return st;
  }
  if (!(st = d.Uint(n, path, "label_value_length_limit", &c->label_value_length_limit)).ok()) {
    return st;
  }
  if (!(st = d.Size(n, path, "body_size_limit", &c->body_size_limit_bytes)).ok()) return st;
  if (!(st = ParseNativeHistogramSettings(d, n, path, g, c)).ok()) return st;
  if (c->scrape_protocols.empty()) {
    c->scrape_protocols = c->scrape_native_histograms ? DefaultProtoFirstScrapeProtocols()
                                                      : DefaultScrapeProtocols();
  }

  if (c->scheme != "http" && c->scheme != "https") {
    return d.Error(*Decoder::Child(n, "scheme"), Decoder::Join(path, "scheme"),
                   absl::StrCat("scheme \"", c->scheme, "\" is not supported, use http or https"));
  }
  if (c->metrics_path.empty() || c->metrics_path[0] != '/') {
    return d.Error(n, Decoder::Join(path, "metrics_path"), "metrics_path must start with \"/\"");
  }

  // Intervals, as Prometheus' ScrapeConfig.Validate.
  if (c->scrape_interval_ms == 0) c->scrape_interval_ms = g.scrape_interval_ms;
  if (c->scrape_timeout_ms > c->scrape_interval_ms) {
    return d.Error(n, Decoder::Join(path, "scrape_timeout"),
                   absl::StrCat("scrape timeout greater than scrape interval for scrape config "
                                "with job name \"",
                                c->job_name, "\""));
  }
  if (c->scrape_timeout_ms == 0) {
    c->scrape_timeout_ms = std::min(g.scrape_timeout_ms, c->scrape_interval_ms);
  }

  if (!(st = ParseParams(d, n, path, &c->params)).ok()) return st;
  if (!(st = ParseHttpClientConfig(d, n, path, &c->http_client)).ok()) return st;
  if (!(st = ParseStaticConfigs(d, n, path, &c->static_configs)).ok()) return st;
  if (!(st = ParseFileSdConfigs(d, n, path, &c->file_sd_configs)).ok()) return st;
  if (!(st = d.Relabels(n, path, "relabel_configs", &c->relabel_configs)).ok()) return st;
  return d.Relabels(n, path, "metric_relabel_configs", &c->metric_relabel_configs);
}

absl::Status ParseScrapeConfigs(const Decoder& d, const YAML::Node& root, const GlobalConfig& g,
                                std::vector<ScrapeConfig>* out) {
  std::set<std::string> jobs;
  auto entry = [&](const YAML::Node& j, const std::string& path, size_t) -> absl::Status {
    if (j.IsNull()) return d.Error(j, path, "empty scrape config section");
    ScrapeConfig c;
    if (auto st = ParseScrapeConfig(d, j, path, g, &c); !st.ok()) return st;
    if (!jobs.insert(c.job_name).second) {
      return d.Error(
          j, Decoder::Join(path, "job_name"),
          absl::StrCat("found multiple scrape configs with job name \"", c.job_name, "\""));
    }
    out->push_back(std::move(c));
    return absl::OkStatus();
  };
  return d.ForEach(root, "", "scrape_configs", "a list", entry);
}

}  // namespace promlet::config
