#include "scrape/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/bytesize.h"
#include "common/duration.h"
#include "scrape/file_sd.h"
#include "scrape/protocols.h"
#include "scrape/target_labels.h"

namespace promlet::scrape {
namespace {

namespace fs = std::filesystem;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

std::string JoinNames(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// Reads YAML nodes into config structs; every error names file, line and field path.
class Decoder {
 public:
  // `unsupported` collects the Prometheus settings promlet does not implement, one located
  // message each (see Unsupported()).
  Decoder(std::string file, std::string base_dir, std::vector<std::string>* unsupported)
      : file_(std::move(file)), base_dir_(std::move(base_dir)), unsupported_(unsupported) {}

  // Records a valid Prometheus setting that promlet does not implement. Loading goes on so
  // that every such setting is listed; Load() refuses the config at the end unless told to
  // ignore them.
  void Unsupported(const YAML::Node& key, std::string_view path, std::string_view why) const {
    unsupported_->push_back(Msg(Error(key, path, why)));
  }

  absl::Status Error(const YAML::Node& n, std::string_view path, std::string_view msg) const {
    std::string where = file_;
    if (n.IsDefined() && n.Mark().line >= 0 && !n.Mark().is_null()) {
      absl::StrAppend(&where, ":", n.Mark().line + 1);
    }
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", std::string(path), path.empty() ? "" : ": ", std::string(msg)));
  }

  // Fails on keys not in `known` and on repeated keys (yaml-cpp keeps the first silently).
  // Keys in `unsupported` pass (the caller records them with Unsupported()).
  absl::Status CheckKeys(const YAML::Node& n, std::string_view path,
                         std::initializer_list<std::string_view> known,
                         const std::set<std::string>& unsupported = {}) const {
    if (!n.IsMap()) return Error(n, path, "expected a mapping");
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) return Error(it->first, path, "expected a string key");
      const std::string& k = it->first.Scalar();
      if (std::find(known.begin(), known.end(), k) == known.end() && !unsupported.count(k)) {
        return Error(it->first, Join(path, k),
                     absl::StrCat("unknown field (known fields: ", JoinNames(known), ")"));
      }
      if (!seen.insert(k).second) return Error(it->first, Join(path, k), "field set twice");
    }
    return absl::OkStatus();
  }

  static std::string Join(std::string_view path, std::string_view field) {
    if (path.empty()) return std::string(field);
    return absl::StrCat(std::string(path), ".", std::string(field));
  }
  static std::string Index(std::string_view path, size_t i) {
    return absl::StrCat(std::string(path), "[", i, "]");
  }

  // Child `key` of map `n`, undefined-or-null meaning absent.
  static std::optional<YAML::Node> Child(const YAML::Node& n, std::string_view key) {
    YAML::Node c = n[std::string(key)];
    if (!c.IsDefined() || c.IsNull()) return std::nullopt;
    return c;
  }

  absl::Status String(const YAML::Node& n, std::string_view path, std::string_view key,
                      std::string* out) const {
    auto c = Child(n, key);
    if (!c) return absl::OkStatus();
    if (!c->IsScalar()) return Error(*c, Join(path, key), "expected a string");
    *out = c->Scalar();
    return absl::OkStatus();
  }

  absl::Status File(const YAML::Node& n, std::string_view path, std::string_view key,
                    std::string* out) const {
    if (auto st = String(n, path, key, out); !st.ok()) return st;
    *out = Resolve(*out);
    return absl::OkStatus();
  }

  std::string Resolve(const std::string& p) const {
    if (p.empty() || p[0] == '/' || base_dir_.empty()) return p;
    return (fs::path(base_dir_) / p).lexically_normal().string();
  }

  absl::Status Bool(const YAML::Node& n, std::string_view path, std::string_view key,
                    bool* out) const {
    auto c = Child(n, key);
    if (!c) return absl::OkStatus();
    std::string v = c->IsScalar() ? absl::AsciiStrToLower(c->Scalar()) : "";
    if (v == "true" || v == "yes" || v == "on") {
      *out = true;
    } else if (v == "false" || v == "no" || v == "off") {
      *out = false;
    } else {
      return Error(*c, Join(path, key), "expected true or false");
    }
    return absl::OkStatus();
  }

  absl::Status Uint(const YAML::Node& n, std::string_view path, std::string_view key,
                    uint64_t* out) const {
    auto c = Child(n, key);
    if (!c) return absl::OkStatus();
    const std::string s = c->IsScalar() ? c->Scalar() : "";
    uint64_t v = 0;
    bool ok = !s.empty() && s.size() <= 19;
    for (char ch : s) {
      if (ch < '0' || ch > '9') ok = false;
      else v = v * 10 + (ch - '0');
    }
    if (!ok) return Error(*c, Join(path, key), absl::StrCat("expected a non-negative integer, got \"", s, "\""));
    *out = v;
    return absl::OkStatus();
  }

  absl::Status Duration(const YAML::Node& n, std::string_view path, std::string_view key,
                        int64_t* out) const {
    auto c = Child(n, key);
    if (!c) return absl::OkStatus();
    if (!c->IsScalar()) return Error(*c, Join(path, key), "expected a duration");
    absl::StatusOr<int64_t> d = common::ParseDuration(c->Scalar());
    if (!d.ok()) return Error(*c, Join(path, key), Msg(d.status()));
    *out = *d;
    return absl::OkStatus();
  }

  absl::Status Size(const YAML::Node& n, std::string_view path, std::string_view key,
                    int64_t* out) const {
    auto c = Child(n, key);
    if (!c) return absl::OkStatus();
    if (!c->IsScalar()) return Error(*c, Join(path, key), "expected a size such as 10MB");
    absl::StatusOr<int64_t> d = common::ParseByteSize(c->Scalar());
    if (!d.ok()) return Error(*c, Join(path, key), Msg(d.status()));
    *out = *d;
    return absl::OkStatus();
  }

  absl::Status StringList(const YAML::Node& n, std::string_view path, std::string_view key,
                          std::vector<std::string>* out) const {
    auto c = Child(n, key);
    if (!c) return absl::OkStatus();
    if (!c->IsSequence()) return Error(*c, Join(path, key), "expected a list of strings");
    out->clear();
    for (size_t i = 0; i < c->size(); ++i) {
      const YAML::Node e = (*c)[i];
      if (!e.IsScalar()) return Error(e, Index(Join(path, key), i), "expected a string");
      out->push_back(e.Scalar());
    }
    return absl::OkStatus();
  }

  // A map of label name -> value, validated.
  absl::Status LabelMap(const YAML::Node& n, std::string_view path, std::string_view key,
                        model::Labels* out) const {
    auto c = Child(n, key);
    if (!c) return absl::OkStatus();
    if (!c->IsMap()) return Error(*c, Join(path, key), "expected a mapping of label names to values");
    std::vector<model::Label> v;
    std::set<std::string> seen;
    for (auto it = c->begin(); it != c->end(); ++it) {
      if (!it->first.IsScalar() || !it->second.IsScalar()) {
        return Error(it->first, Join(path, key), "expected label name: value");
      }
      const std::string& name = it->first.Scalar();
      std::string field = Join(Join(path, key), name);
      if (!model::IsValidLabelName(name)) return Error(it->first, field, "invalid label name");
      if (!model::IsValidUtf8(it->second.Scalar())) {
        return Error(it->second, field, "label value is not valid UTF-8");
      }
      if (!seen.insert(name).second) return Error(it->first, field, "label set twice");
      v.push_back({name, it->second.Scalar()});
    }
    *out = model::Labels::FromUnsorted(std::move(v));
    return absl::OkStatus();
  }

  absl::Status Protocols(const YAML::Node& n, std::string_view path, std::string_view key,
                         std::vector<ScrapeProtocol>* out) const {
    auto c = Child(n, key);
    if (!c) return absl::OkStatus();
    std::vector<std::string> names;
    if (auto st = StringList(n, path, key, &names); !st.ok()) return st;
    if (names.empty()) return Error(*c, Join(path, key), "scrape_protocols cannot be empty");
    out->clear();
    for (size_t i = 0; i < names.size(); ++i) {
      absl::StatusOr<ScrapeProtocol> p = ParseScrapeProtocol(names[i]);
      if (!p.ok()) return Error((*c)[i], Index(Join(path, key), i), Msg(p.status()));
      if (std::find(out->begin(), out->end(), *p) != out->end()) {
        return Error((*c)[i], Index(Join(path, key), i),
                     absl::StrCat("duplicated protocol in scrape_protocols: ", names[i]));
      }
      out->push_back(*p);
    }
    return absl::OkStatus();
  }

  absl::Status Relabels(const YAML::Node& n, std::string_view path, std::string_view key,
                        std::vector<model::RelabelConfig>* out) const;
  absl::Status Global(const YAML::Node& n, GlobalConfig* g) const;
  absl::Status Job(const YAML::Node& n, std::string_view path, const GlobalConfig& g,
                   ScrapeConfig* c) const;

  // Records the keys of map `n` found in `names` as unsupported; returns the ones found.
  std::set<std::string> RecordUnsupported(const YAML::Node& n, std::string_view path,
                                          std::initializer_list<std::string_view> names,
                                          std::string_view why) const {
    std::set<std::string> found;
    if (!n.IsMap()) return found;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string& k = it->first.Scalar();
      if (std::find(names.begin(), names.end(), k) == names.end()) continue;
      if (found.insert(k).second) Unsupported(it->first, Join(path, k), why);
    }
    return found;
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::string base_dir_;
  std::vector<std::string>* unsupported_;
};

constexpr std::string_view kNotImplemented = "not supported by promlet";

absl::Status Decoder::Relabels(const YAML::Node& n, std::string_view path, std::string_view key,
                               std::vector<model::RelabelConfig>* out) const {
  auto list = Child(n, key);
  if (!list) return absl::OkStatus();
  std::string lpath = Join(path, key);
  if (!list->IsSequence()) return Error(*list, lpath, "expected a list of relabel configs");
  for (size_t i = 0; i < list->size(); ++i) {
    const YAML::Node r = (*list)[i];
    std::string p = Index(lpath, i);
    if (auto st = CheckKeys(r, p,
                            {"source_labels", "separator", "regex", "modulus", "target_label",
                             "replacement", "action"});
        !st.ok()) {
      return st;
    }
    model::RelabelConfig c;
    absl::Status st;
    if (!(st = StringList(r, p, "source_labels", &c.source_labels)).ok()) return st;
    if (!(st = String(r, p, "separator", &c.separator)).ok()) return st;
    if (!(st = String(r, p, "target_label", &c.target_label)).ok()) return st;
    if (!(st = String(r, p, "replacement", &c.replacement)).ok()) return st;
    if (!(st = Uint(r, p, "modulus", &c.modulus)).ok()) return st;
    if (auto a = Child(r, "action")) {
      if (!a->IsScalar()) return Error(*a, Join(p, "action"), "expected a string");
      absl::StatusOr<model::RelabelAction> act = model::ParseRelabelAction(a->Scalar());
      if (!act.ok()) return Error(*a, Join(p, "action"), Msg(act.status()));
      c.action = *act;
    }
    if (auto re = Child(r, "regex")) {
      if (!re->IsScalar()) return Error(*re, Join(p, "regex"), "expected a string");
      absl::StatusOr<model::RelabelRegex> rx = model::RelabelRegex::Compile(re->Scalar());
      if (!rx.ok()) return Error(*re, Join(p, "regex"), Msg(rx.status()));
      c.regex = *rx;
    }
    if (absl::Status v = c.Validate(); !v.ok()) return Error(r, p, Msg(v));
    out->push_back(std::move(c));
  }
  return absl::OkStatus();
}

absl::Status Decoder::Global(const YAML::Node& n, GlobalConfig* g) const {
  const std::string p = "global";
  // evaluation_interval is kept for rules; without rule_files (refused) it has no effect.
  std::set<std::string> unsupported = RecordUnsupported(
      n, p,
      {"query_log_file", "rule_query_offset", "scrape_failure_log_file",
       "metric_name_validation_scheme", "metric_name_escaping_scheme"},
      kNotImplemented);
  if (auto st = CheckKeys(n, p,
                          {"scrape_interval", "scrape_timeout", "evaluation_interval",
                           "external_labels", "scrape_protocols", "sample_limit", "target_limit",
                           "label_limit", "label_name_length_limit", "label_value_length_limit",
                           "body_size_limit", "keep_dropped_targets"},
                          unsupported);
      !st.ok()) {
    return st;
  }
  absl::Status st;
  int64_t timeout = 0;
  if (!(st = Duration(n, p, "scrape_interval", &g->scrape_interval_ms)).ok()) return st;
  if (!(st = Duration(n, p, "scrape_timeout", &timeout)).ok()) return st;
  if (!(st = Duration(n, p, "evaluation_interval", &g->evaluation_interval_ms)).ok()) return st;
  if (!(st = LabelMap(n, p, "external_labels", &g->external_labels)).ok()) return st;
  if (!(st = Protocols(n, p, "scrape_protocols", &g->scrape_protocols)).ok()) return st;
  if (!(st = Uint(n, p, "sample_limit", &g->sample_limit)).ok()) return st;
  if (!(st = Uint(n, p, "target_limit", &g->target_limit)).ok()) return st;
  if (!(st = Uint(n, p, "label_limit", &g->label_limit)).ok()) return st;
  if (!(st = Uint(n, p, "label_name_length_limit", &g->label_name_length_limit)).ok()) return st;
  if (!(st = Uint(n, p, "label_value_length_limit", &g->label_value_length_limit)).ok()) return st;
  if (!(st = Size(n, p, "body_size_limit", &g->body_size_limit_bytes)).ok()) return st;
  if (!(st = Uint(n, p, "keep_dropped_targets", &g->keep_dropped_targets)).ok()) return st;
  if (g->scrape_interval_ms == 0) return Error(n, p, "scrape_interval cannot be 0");
  if (g->external_labels.Has(model::kMetricName)) {
    return Error(n, Join(p, "external_labels"), "__name__ is not allowed as an external label");
  }
  if (timeout == 0) {
    timeout = std::min<int64_t>(10000, g->scrape_interval_ms);
  }
  if (timeout > g->scrape_interval_ms) {
    return Error(n, p, "global scrape timeout greater than scrape interval");
  }
  g->scrape_timeout_ms = timeout;
  return absl::OkStatus();
}

absl::Status Decoder::Job(const YAML::Node& n, std::string_view path, const GlobalConfig& g,
                          ScrapeConfig* c) const {
  // Prometheus fields promlet does not implement. Those that change how requests go out
  // (credentials, proxies, headers) are errors even with --config.ignore-unsupported: ignoring
  // them would scrape unauthenticated or through another network path. The others are
  // recorded as unsupported (refused unless ignored).
  static constexpr std::string_view kNeverIgnored[] = {
      "oauth2", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header",
      "http_headers"};
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string& k = it->first.Scalar();
      if (std::find(std::begin(kNeverIgnored), std::end(kNeverIgnored), k) !=
          std::end(kNeverIgnored)) {
        return Error(it->first, Join(path, k),
                     "not supported by promlet (and not ignorable: scraping without it would "
                     "send requests differently than configured)");
      }
    }
  }
  std::set<std::string> unsupported = RecordUnsupported(
      n, path,
      {"azure_sd_configs", "consul_sd_configs", "digitalocean_sd_configs", "docker_sd_configs",
       "dockerswarm_sd_configs", "dns_sd_configs", "ec2_sd_configs", "eureka_sd_configs",
       "gce_sd_configs", "hetzner_sd_configs", "http_sd_configs", "ionos_sd_configs",
       "kubernetes_sd_configs", "kuma_sd_configs", "lightsail_sd_configs", "linode_sd_configs",
       "marathon_sd_configs", "nerve_sd_configs", "nomad_sd_configs", "openstack_sd_configs",
       "ovhcloud_sd_configs", "puppetdb_sd_configs", "scaleway_sd_configs",
       "serverset_sd_configs", "stackit_sd_configs", "triton_sd_configs", "uyuni_sd_configs",
       "vultr_sd_configs"},
      "not supported by promlet (service discovery: static_configs and file_sd_configs)");
  for (const std::string& k : RecordUnsupported(
           n, path,
           {"enable_http2", "scrape_classic_histograms", "always_scrape_classic_histograms",
            "native_histogram_bucket_limit", "native_histogram_min_bucket_factor",
            "convert_classic_histograms_to_nhcb", "metric_name_validation_scheme",
            "metric_name_escaping_scheme", "scrape_failure_log_file"},
           kNotImplemented)) {
    unsupported.insert(k);
  }
  if (auto st = CheckKeys(
          n, path,
          {"job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "params",
           "honor_labels", "honor_timestamps", "enable_compression", "follow_redirects",
           "scrape_protocols", "fallback_scrape_protocol", "sample_limit", "target_limit",
           "label_limit", "label_name_length_limit", "label_value_length_limit",
           "body_size_limit", "basic_auth", "authorization", "bearer_token", "bearer_token_file",
           "tls_config", "static_configs", "file_sd_configs", "relabel_configs",
           "metric_relabel_configs", "track_timestamps_staleness", "keep_dropped_targets"},
          unsupported);
      !st.ok()) {
    return st;
  }
  absl::Status st;
  c->keep_dropped_targets = g.keep_dropped_targets;
  if (!(st = Bool(n, path, "track_timestamps_staleness", &c->track_timestamps_staleness)).ok()) {
    return st;
  }
  if (!(st = Uint(n, path, "keep_dropped_targets", &c->keep_dropped_targets)).ok()) return st;
  c->scrape_protocols = g.scrape_protocols;
  c->sample_limit = g.sample_limit;
  c->target_limit = g.target_limit;
  c->label_limit = g.label_limit;
  c->label_name_length_limit = g.label_name_length_limit;
  c->label_value_length_limit = g.label_value_length_limit;
  c->body_size_limit_bytes = g.body_size_limit_bytes;

  if (!(st = String(n, path, "job_name", &c->job_name)).ok()) return st;
  if (c->job_name.empty()) return Error(n, Join(path, "job_name"), "job_name is empty");
  if (!(st = Duration(n, path, "scrape_interval", &c->scrape_interval_ms)).ok()) return st;
  if (!(st = Duration(n, path, "scrape_timeout", &c->scrape_timeout_ms)).ok()) return st;
  if (!(st = String(n, path, "metrics_path", &c->metrics_path)).ok()) return st;
  if (!(st = String(n, path, "scheme", &c->scheme)).ok()) return st;
  if (!(st = Bool(n, path, "honor_labels", &c->honor_labels)).ok()) return st;
  if (!(st = Bool(n, path, "honor_timestamps", &c->honor_timestamps)).ok()) return st;
  if (!(st = Bool(n, path, "enable_compression", &c->enable_compression)).ok()) return st;
  if (!(st = Bool(n, path, "follow_redirects", &c->follow_redirects)).ok()) return st;
  if (!(st = Protocols(n, path, "scrape_protocols", &c->scrape_protocols)).ok()) return st;
  if (auto f = Child(n, "fallback_scrape_protocol")) {
    absl::StatusOr<ScrapeProtocol> p =
        f->IsScalar() ? ParseScrapeProtocol(f->Scalar())
                      : absl::InvalidArgumentError("expected a protocol name");
    if (!p.ok()) return Error(*f, Join(path, "fallback_scrape_protocol"), Msg(p.status()));
    c->fallback_scrape_protocol = *p;
  }
  if (!(st = Uint(n, path, "sample_limit", &c->sample_limit)).ok()) return st;
  if (!(st = Uint(n, path, "target_limit", &c->target_limit)).ok()) return st;
  if (!(st = Uint(n, path, "label_limit", &c->label_limit)).ok()) return st;
  if (!(st = Uint(n, path, "label_name_length_limit", &c->label_name_length_limit)).ok()) return st;
  if (!(st = Uint(n, path, "label_value_length_limit", &c->label_value_length_limit)).ok()) {
    return st;
  }
  if (!(st = Size(n, path, "body_size_limit", &c->body_size_limit_bytes)).ok()) return st;

  if (c->scheme != "http" && c->scheme != "https") {
    return Error(*Child(n, "scheme"), Join(path, "scheme"),
                 absl::StrCat("scheme \"", c->scheme, "\" is not supported, use http or https"));
  }
  if (c->metrics_path.empty() || c->metrics_path[0] != '/') {
    return Error(n, Join(path, "metrics_path"), "metrics_path must start with \"/\"");
  }

  // Intervals, as Prometheus' ScrapeConfig.Validate.
  if (c->scrape_interval_ms == 0) c->scrape_interval_ms = g.scrape_interval_ms;
  if (c->scrape_timeout_ms > c->scrape_interval_ms) {
    return Error(n, Join(path, "scrape_timeout"),
                 absl::StrCat("scrape timeout greater than scrape interval for scrape config with "
                              "job name \"",
                              c->job_name, "\""));
  }
  if (c->scrape_timeout_ms == 0) {
    c->scrape_timeout_ms = std::min(g.scrape_timeout_ms, c->scrape_interval_ms);
  }

  if (auto params = Child(n, "params")) {
    std::string pp = Join(path, "params");
    if (!params->IsMap()) return Error(*params, pp, "expected a mapping of names to lists");
    for (auto it = params->begin(); it != params->end(); ++it) {
      const std::string& k = it->first.Scalar();
      std::vector<std::string> vals;
      if (it->second.IsScalar()) {
        vals.push_back(it->second.Scalar());  // tolerated: a single value
      } else if (it->second.IsSequence()) {
        for (size_t i = 0; i < it->second.size(); ++i) {
          if (!it->second[i].IsScalar()) return Error(it->second[i], Join(pp, k), "expected a string");
          vals.push_back(it->second[i].Scalar());
        }
      } else {
        return Error(it->second, Join(pp, k), "expected a list of strings");
      }
      c->params[k] = std::move(vals);
    }
  }

  // Authentication.
  if (auto ba = Child(n, "basic_auth")) {
    std::string bp = Join(path, "basic_auth");
    if (!(st = CheckKeys(*ba, bp, {"username", "password", "password_file"})).ok()) return st;
    BasicAuth b;
    if (!(st = String(*ba, bp, "username", &b.username)).ok()) return st;
    if (!(st = String(*ba, bp, "password", &b.password)).ok()) return st;
    if (!(st = File(*ba, bp, "password_file", &b.password_file)).ok()) return st;
    if (!b.password.empty() && !b.password_file.empty()) {
      return Error(*ba, bp, "at most one of basic_auth password & password_file must be configured");
    }
    c->basic_auth = b;
  }
  std::string bearer, bearer_file;
  if (!(st = String(n, path, "bearer_token", &bearer)).ok()) return st;
  if (!(st = File(n, path, "bearer_token_file", &bearer_file)).ok()) return st;
  if (!bearer.empty() && !bearer_file.empty()) {
    return Error(n, path, "at most one of bearer_token & bearer_token_file must be configured");
  }
  if (auto az = Child(n, "authorization")) {
    std::string ap = Join(path, "authorization");
    if (!(st = CheckKeys(*az, ap, {"type", "credentials", "credentials_file"})).ok()) return st;
    Authorization a;
    if (!(st = String(*az, ap, "type", &a.type)).ok()) return st;
    if (!(st = String(*az, ap, "credentials", &a.credentials)).ok()) return st;
    if (!(st = File(*az, ap, "credentials_file", &a.credentials_file)).ok()) return st;
    if (a.type.empty()) a.type = "Bearer";
    if (absl::AsciiStrToLower(a.type) == "basic") {
      return Error(*az, Join(ap, "type"),
                   "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    }
    if (!a.credentials.empty() && !a.credentials_file.empty()) {
      return Error(*az, ap,
                   "at most one of authorization credentials & credentials_file must be configured");
    }
    if (!bearer.empty() || !bearer_file.empty()) {
      return Error(*az, ap, "authorization is not compatible with bearer_token & bearer_token_file");
    }
    c->authorization = a;
  } else if (!bearer.empty() || !bearer_file.empty()) {
    c->authorization = Authorization{"Bearer", bearer, bearer_file};
  }
  if (c->basic_auth && c->authorization) {
    return Error(n, path,
                 "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be "
                 "configured");
  }
  if (auto tls = Child(n, "tls_config")) {
    std::string tp = Join(path, "tls_config");
    if (!(st = CheckKeys(*tls, tp,
                         {"ca_file", "cert_file", "key_file", "server_name",
                          "insecure_skip_verify"}))
             .ok()) {
      return st;
    }
    TlsConfig& t = c->tls_config;
    if (!(st = File(*tls, tp, "ca_file", &t.ca_file)).ok()) return st;
    if (!(st = File(*tls, tp, "cert_file", &t.cert_file)).ok()) return st;
    if (!(st = File(*tls, tp, "key_file", &t.key_file)).ok()) return st;
    if (!(st = String(*tls, tp, "server_name", &t.server_name)).ok()) return st;
    if (!(st = Bool(*tls, tp, "insecure_skip_verify", &t.insecure_skip_verify)).ok()) return st;
    if (t.cert_file.empty() != t.key_file.empty()) {
      return Error(*tls, tp, "exactly one of key or key_file / cert or cert_file is configured; both are needed for client certificates");
    }
  }

  // Service discovery.
  if (auto sc = Child(n, "static_configs")) {
    std::string sp = Join(path, "static_configs");
    if (!sc->IsSequence()) return Error(*sc, sp, "expected a list");
    for (size_t i = 0; i < sc->size(); ++i) {
      const YAML::Node e = (*sc)[i];
      std::string ep = Index(sp, i);
      if (!(st = CheckKeys(e, ep, {"targets", "labels"})).ok()) return st;
      TargetGroup tg;
      tg.source = absl::StrCat(i);
      std::vector<std::string> targets;
      if (!(st = StringList(e, ep, "targets", &targets)).ok()) return st;
      for (size_t t = 0; t < targets.size(); ++t) {
        if (targets[t].find('/') != std::string::npos) {
          return Error(e["targets"][t], Index(Join(ep, "targets"), t),
                       absl::StrCat("\"", targets[t], "\" is not a valid hostname"));
        }
        tg.targets.push_back(model::Labels{{kAddressLabel, targets[t]}});
      }
      if (!(st = LabelMap(e, ep, "labels", &tg.labels)).ok()) return st;
      c->static_configs.push_back(std::move(tg));
    }
  }
  if (auto fc = Child(n, "file_sd_configs")) {
    std::string fp = Join(path, "file_sd_configs");
    if (!fc->IsSequence()) return Error(*fc, fp, "expected a list");
    for (size_t i = 0; i < fc->size(); ++i) {
      const YAML::Node e = (*fc)[i];
      std::string ep = Index(fp, i);
      if (!(st = CheckKeys(e, ep, {"files", "refresh_interval"})).ok()) return st;
      FileSdConfig f;
      std::vector<std::string> files;
      if (!(st = StringList(e, ep, "files", &files)).ok()) return st;
      if (files.empty()) {
        return Error(e, ep, "file service discovery config must contain at least one path name");
      }
      for (size_t k = 0; k < files.size(); ++k) {
        if (absl::Status v = ValidateFileSdPattern(files[k]); !v.ok()) {
          return Error(e["files"][k], Index(Join(ep, "files"), k), Msg(v));
        }
        f.files.push_back(Resolve(files[k]));
      }
      if (!(st = Duration(e, ep, "refresh_interval", &f.refresh_interval_ms)).ok()) return st;
      if (f.refresh_interval_ms == 0) {
        return Error(e, Join(ep, "refresh_interval"), "refresh_interval cannot be 0");
      }
      c->file_sd_configs.push_back(std::move(f));
    }
  }
  if (!(st = Relabels(n, path, "relabel_configs", &c->relabel_configs)).ok()) return st;
  if (!(st = Relabels(n, path, "metric_relabel_configs", &c->metric_relabel_configs)).ok()) {
    return st;
  }
  return absl::OkStatus();
}

// Prometheus' config.Secret fields, keyed by their YAML name: their values print as
// "<secret>". File fields (password_file, credentials_file, key_file, ...) are paths and stay.
bool IsSecretField(std::string_view key, std::string_view parent) {
  static constexpr std::string_view kSecrets[] = {
      "password", "credentials", "bearer_token", "client_secret", "secret_key", "token",
      "auth_token", "application_credential_secret", "application_secret", "consumer_key"};
  if (key == "key") return parent == "tls_config";  // the inline private key
  return std::find(std::begin(kSecrets), std::end(kSecrets), key) != std::end(kSecrets);
}

void RedactSecrets(YAML::Node n, std::string_view parent) {
  if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i) RedactSecrets(n[i], parent);
    return;
  }
  if (!n.IsMap()) return;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& key = it->first.Scalar();
    YAML::Node value = it->second;
    // Label names and request parameters are data, never Prometheus secrets.
    if (key == "labels" || key == "external_labels" || key == "params") continue;
    if (parent == "http_headers" && value.IsMap()) {
      // http_headers: {Name: {values: [...], secrets: [...], files: [...]}}
      if (YAML::Node secrets = value["secrets"]; secrets.IsSequence()) {
        for (size_t i = 0; i < secrets.size(); ++i) {
          if (secrets[i].IsScalar() && !secrets[i].Scalar().empty()) secrets[i] = "<secret>";
        }
      }
      continue;
    }
    if (value.IsScalar() && !value.Scalar().empty() && IsSecretField(key, parent)) {
      it->second = "<secret>";
      continue;
    }
    RedactSecrets(value, key);
  }
}

// The configuration as /api/v1/status/config shows it: the file's settings with every secret
// replaced by "<secret>" (as Prometheus' config.Secret marshals), comments dropped.
std::string RedactedYaml(YAML::Node root) {
  YAML::Node copy = YAML::Clone(root);
  RedactSecrets(copy, "");
  YAML::Emitter out;
  out << copy;
  return std::string(out.c_str()) + "\n";
}

absl::StatusOr<Config> Load(std::string_view yaml, const std::string& name,
                            const std::string& base_dir, const LoadOptions& options) {
  std::vector<std::string> unsupported;
  Decoder d(name, base_dir, &unsupported);
  Config cfg;
  cfg.source = name;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsDefined() || root.IsNull()) return cfg;  // an empty file is a valid config
    std::set<std::string> sections = d.RecordUnsupported(
        root, "",
        {"rule_files", "alerting", "remote_write", "remote_read", "storage", "tracing", "runtime",
         "otlp", "scrape_config_files"},
        "section not supported by promlet");
    if (auto st = d.CheckKeys(root, "", {"global", "scrape_configs"}, sections); !st.ok()) {
      return st;
    }
    if (auto g = Decoder::Child(root, "global")) {
      if (auto st = d.Global(*g, &cfg.global); !st.ok()) return st;
    }
    if (auto sc = Decoder::Child(root, "scrape_configs")) {
      if (!sc->IsSequence()) return d.Error(*sc, "scrape_configs", "expected a list");
      std::set<std::string> jobs;
      for (size_t i = 0; i < sc->size(); ++i) {
        const YAML::Node j = (*sc)[i];
        std::string path = Decoder::Index("scrape_configs", i);
        if (j.IsNull()) return d.Error(j, path, "empty scrape config section");
        ScrapeConfig c;
        if (auto st = d.Job(j, path, cfg.global, &c); !st.ok()) return st;
        if (!jobs.insert(c.job_name).second) {
          return d.Error(j, Decoder::Join(path, "job_name"),
                         absl::StrCat("found multiple scrape configs with job name \"", c.job_name,
                                      "\""));
        }
        cfg.scrape_configs.push_back(std::move(c));
      }
    }
    if (!unsupported.empty() && !options.ignore_unsupported) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": refusing a configuration that uses ", unsupported.size(),
          " Prometheus setting(s) promlet does not implement (--config.ignore-unsupported "
          "ignores them with a warning):\n  ",
          absl::StrJoin(unsupported, "\n  ")));
    }
    for (std::string& u : unsupported) {
      cfg.warnings.push_back(absl::StrCat(u, " (ignored: --config.ignore-unsupported)"));
    }
    cfg.yaml = RedactedYaml(root);
  } catch (const YAML::Exception& e) {
    std::string where = name;
    if (!e.mark.is_null()) absl::StrAppend(&where, ":", e.mark.line + 1);
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", e.msg));
  }
  return cfg;
}

}  // namespace

TargetDefaults ScrapeConfig::ToTargetDefaults() const {
  TargetDefaults d;
  d.job_name = job_name;
  d.scrape_interval_ms = scrape_interval_ms;
  d.scrape_timeout_ms = scrape_timeout_ms;
  d.metrics_path = metrics_path;
  d.scheme = scheme;
  d.params = params;
  d.relabel_configs = relabel_configs;
  return d;
}

const ScrapeConfig* Config::FindJob(std::string_view job_name) const {
  for (const ScrapeConfig& c : scrape_configs) {
    if (c.job_name == job_name) return &c;
  }
  return nullptr;
}

absl::StatusOr<Config> LoadConfigString(std::string_view yaml, std::string_view name,
                                        const LoadOptions& options) {
  std::string base = fs::path(std::string(name)).parent_path().string();
  if (!base.empty()) base = fs::absolute(base).lexically_normal().string();
  return Load(yaml, std::string(name), base, options);
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read config file \"", path, "\": ",
                                            std::strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadConfigString(ss.str(), path, options);
}

std::string DefaultConfigYaml(std::string_view listen_address, std::string_view route_prefix) {
  std::string addr(listen_address);
  std::string host, port;
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) {
    host = addr;
    port = "9090";
  } else {
    host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
  }
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") host = "localhost";
  return absl::StrCat(
      "# Default promlet configuration: scrape promlet itself.\n"
      "global:\n"
      "  scrape_interval: 15s\n"
      "  evaluation_interval: 15s\n"
      "scrape_configs:\n"
      "  - job_name: promlet\n",
      route_prefix.empty() || route_prefix == "/"
          ? ""
          : absl::StrCat("    metrics_path: '", std::string(route_prefix), "/metrics'\n"),
      "    static_configs:\n"
      "      - targets: ['",
      host, ":", port, "']\n");
}

Config DefaultConfig(std::string_view listen_address, std::string_view route_prefix) {
  absl::StatusOr<Config> c =
      LoadConfigString(DefaultConfigYaml(listen_address, route_prefix), "<default>");
  if (!c.ok()) {
    // Only a malformed listen address can get here; fall back to the port alone.
    c = LoadConfigString(DefaultConfigYaml(":9090"), "<default>");
  }
  return *std::move(c);
}

absl::StatusOr<std::string> CheckConfig(const std::string& path, const LoadOptions& options) {
  std::string report = absl::StrCat("Checking ", path, "\n");
  absl::StatusOr<Config> cfg = LoadConfigFile(path, options);
  if (!cfg.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(report, "  FAILED: ", cfg.status().message(), "\n"));
  }
  std::vector<std::string> problems;
  std::vector<std::string> notes;
  for (const ScrapeConfig& job : cfg->scrape_configs) {
    for (const std::string* f : {&job.tls_config.ca_file, &job.tls_config.cert_file,
                                 &job.tls_config.key_file}) {
      if (!f->empty() && !fs::exists(*f)) {
        problems.push_back(absl::StrCat("job \"", job.job_name, "\": error checking file \"", *f,
                                        "\": file does not exist"));
      }
    }
    size_t targets = 0;
    for (const TargetGroup& g : job.static_configs) targets += g.targets.size();
    for (const FileSdConfig& fsd : job.file_sd_configs) {
      for (const std::string& pattern : fsd.files) {
        std::vector<std::string> files = ExpandFileSdPattern(pattern);
        if (files.empty()) {
          notes.push_back(absl::StrCat("  WARNING: file \"", pattern, "\" for file_sd in scrape job \"",
                                       job.job_name, "\" does not exist"));
        }
        for (const std::string& file : files) {
          absl::StatusOr<std::vector<TargetGroup>> groups = ReadTargetGroupFile(file);
          if (!groups.ok()) {
            problems.push_back(absl::StrCat("job \"", job.job_name, "\": ", Msg(groups.status())));
            continue;
          }
          for (const TargetGroup& g : *groups) targets += g.targets.size();
        }
      }
    }
    notes.push_back(absl::StrCat("  job \"", job.job_name, "\": every ",
                                 common::FormatDuration(job.scrape_interval_ms), ", timeout ",
                                 common::FormatDuration(job.scrape_timeout_ms), ", ", targets,
                                 " target(s) before relabeling"));
  }
  for (const std::string& w : cfg->warnings) notes.push_back(absl::StrCat("  WARNING: ", w));
  if (!problems.empty()) {
    absl::StrAppend(&report, "  FAILED: ", absl::StrJoin(problems, "\n  FAILED: "), "\n");
    return absl::InvalidArgumentError(report);
  }
  absl::StrAppend(&report, "  SUCCESS: ", path, " is valid prometheus config file syntax\n");
  for (const std::string& n : notes) absl::StrAppend(&report, n, "\n");
  return report;
}

}  // namespace promlet::scrape
