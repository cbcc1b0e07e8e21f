#include "config/remote_write_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "config/decoder.h"

namespace promlet::config {
namespace {

// Headers the protocol sets itself (Prometheus' reservedHeaders).
constexpr std::string_view kReservedHeaders[] = {"host",
                                                 "content-encoding",
                                                 "content-length",
                                                 "content-type",
                                                 "user-agent",
                                                 "connection",
                                                 "keep-alive",
                                                 "proxy-authenticate",
                                                 "proxy-authorization",
                                                 "www-authenticate",
                                                 "accept-encoding",
                                                 "x-prometheus-remote-write-version",
                                                 "x-prometheus-remote-read-version",
                                                 "x-amz-date",
                                                 "x-amz-security-token",
                                                 "x-amz-content-sha256"};

// Authentication and routing promlet cannot do: refused even with --config.ignore-unsupported.
const FieldNames kRefused = {"sigv4", "azuread", "google_iam"};

absl::Status ParseUrl(const Decoder& d, const YAML::Node& n, const std::string& path,
                      std::string* url) {
  absl::Status st = d.String(n, path, "url", url);
  if (!st.ok()) return st;
  if (url->empty()) return d.Error(n, Decoder::Join(path, "url"), "url for remote_write is empty");
  const size_t scheme_end = url->find("://");
  const std::string scheme =
      scheme_end == std::string::npos ? "" : absl::AsciiStrToLower(url->substr(0, scheme_end));
  const size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const size_t host_end = url->find_first_of("/?#", host_start);
  const std::string host = url->substr(
      host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
  if ((scheme != "http" && scheme != "https") || host.empty() || host.front() == ':') {
    return d.Error(
        *Decoder::Child(n, "url"), Decoder::Join(path, "url"),
        absl::StrCat("invalid URL \"", *url, "\": want an absolute http or https URL with a host"));
  }
  if (host.find('@') != std::string::npos) {
    return d.Error(*Decoder::Child(n, "url"), Decoder::Join(path, "url"),
                   "credentials in the URL are not supported, use basic_auth");
  }
  return absl::OkStatus();
}

absl::Status ParseQueueConfig(const Decoder& d, const YAML::Node& parent, const std::string& ppath,
                              QueueConfig* q) {
  auto n = Decoder::Child(parent, "queue_config");
  if (!n) return absl::OkStatus();
  const std::string path = Decoder::Join(ppath, "queue_config");
  absl::Status st;
  if (!(st = d.CheckKeys(
            *n, path,
            {"capacity", "min_shards", "max_shards", "max_samples_per_send", "batch_send_deadline",
             "min_backoff", "max_backoff", "retry_on_http_429", "sample_age_limit"}))
           .ok()) {
    return st;
  }
  struct IntField {
    const char* name;
    int64_t* out;
  };
  for (const IntField& f :
       {IntField{"capacity", &q->capacity}, IntField{"min_shards", &q->min_shards},
        IntField{"max_shards", &q->max_shards},
        IntField{"max_samples_per_send", &q->max_samples_per_send}}) {
    uint64_t v = static_cast<uint64_t>(*f.out);
    if (!(st = d.Uint(*n, path, f.name, &v)).ok()) return st;
    if (v == 0 || v > (1u << 30)) {
      return d.Error(*n, Decoder::Join(path, f.name),
                     absl::StrCat(f.name, " must be between 1 and ", 1u << 30));
    }
    *f.out = static_cast<int64_t>(v);
  }
  if (!(st = d.Duration(*n, path, "batch_send_deadline", &q->batch_send_deadline_ms)).ok())
    return st;
  if (!(st = d.Duration(*n, path, "min_backoff", &q->min_backoff_ms)).ok()) return st;
  if (!(st = d.Duration(*n, path, "max_backoff", &q->max_backoff_ms)).ok()) return st;
  if (!(st = d.Bool(*n, path, "retry_on_http_429", &q->retry_on_http_429)).ok()) return st;
  if (!(st = d.Duration(*n, path, "sample_age_limit", &q->sample_age_limit_ms)).ok()) return st;
  if (q->min_shards > q->max_shards) {
    return d.Error(*n, Decoder::Join(path, "min_shards"),
                   absl::StrCat("min_shards (", q->min_shards, ") must not exceed max_shards (",
                                q->max_shards, ")"));
  }
  for (auto [name, v] :
       {std::pair{"batch_send_deadline", q->batch_send_deadline_ms},
        std::pair{"min_backoff", q->min_backoff_ms}, std::pair{"max_backoff", q->max_backoff_ms}}) {
    if (v <= 0)
      return d.Error(*n, Decoder::Join(path, name), absl::StrCat(name, " must be positive"));
  }
  if (q->min_backoff_ms > q->max_backoff_ms) {
    return d.Error(*n, Decoder::Join(path, "min_backoff"),
                   "min_backoff must not exceed max_backoff");
  }
  return absl::OkStatus();
}

absl::Status ParseMetadataConfig(const Decoder& d, const YAML::Node& parent,
                                 const std::string& ppath, MetadataConfig* m) {
  auto n = Decoder::Child(parent, "metadata_config");
  if (!n) return absl::OkStatus();
  const std::string path = Decoder::Join(ppath, "metadata_config");
  absl::Status st;
  if (!(st = d.CheckKeys(*n, path, {"send", "send_interval", "max_samples_per_send"})).ok()) {
    return st;
  }
  if (!(st = d.Bool(*n, path, "send", &m->send)).ok()) return st;
  if (!(st = d.Duration(*n, path, "send_interval", &m->send_interval_ms)).ok()) return st;
  uint64_t per_send = static_cast<uint64_t>(m->max_samples_per_send);
  if (!(st = d.Uint(*n, path, "max_samples_per_send", &per_send)).ok()) return st;
  m->max_samples_per_send = static_cast<int64_t>(per_send);
  return absl::OkStatus();
}

absl::Status ParseHeaders(const Decoder& d, const YAML::Node& parent, const std::string& ppath,
                          bool has_auth, std::vector<std::pair<std::string, std::string>>* out) {
  auto n = Decoder::Child(parent, "headers");
  if (!n) return absl::OkStatus();
  const std::string path = Decoder::Join(ppath, "headers");
  if (!n->IsMap()) return d.Error(*n, path, "expected a map of header names to values");
  for (auto it = n->begin(); it != n->end(); ++it) {
    if (!it->first.IsScalar() || !it->second.IsScalar()) {
      return d.Error(it->first, path, "expected a map of header names to values");
    }
    const std::string name = it->first.Scalar();
    const std::string lower = absl::AsciiStrToLower(name);
    if (std::find(std::begin(kReservedHeaders), std::end(kReservedHeaders), lower) !=
        std::end(kReservedHeaders)) {
      return d.Error(it->first, Decoder::Join(path, name),
                     absl::StrCat(name, " is a reserved header. It must not be changed"));
    }
    if (lower == "authorization" && has_auth) {
      return d.Error(it->first, Decoder::Join(path, name),
                     "authorization header must be changed via the basic_auth, authorization, "
                     "oauth2, sigv4, azuread or google_iam parameter");
    }
    out->emplace_back(name, it->second.Scalar());
  }
  std::sort(out->begin(), out->end());
  return absl::OkStatus();
}

absl::Status ParseRemoteWriteConfig(const Decoder& d, const YAML::Node& n, const std::string& path,
                                    RemoteWriteConfig* c) {
  absl::Status st;
  if (!(st = d.RefuseNeverIgnorable(n, path, HttpClientConfigNeverIgnorableFields())).ok()) {
    return st;
  }
  for (std::string_view key : kRefused) {
    if (auto k = Decoder::Child(n, key)) {
      return d.Error(*k, Decoder::Join(path, key),
                     absl::StrCat(std::string(key),
                                  " is not supported by promlet; refusing rather than sending "
                                  "unauthenticated requests"));
    }
  }
  FieldNames known = {"url",
                      "name",
                      "remote_timeout",
                      "headers",
                      "write_relabel_configs",
                      "send_exemplars",
                      "send_native_histograms",
                      "round_robin_dns",
                      "protobuf_message",
                      "queue_config",
                      "metadata_config",
                      "enable_http2"};
  for (std::string_view f : HttpClientConfigFields()) known.push_back(f);
  if (!(st = d.CheckKeys(n, path, known)).ok()) return st;
  if (!(st = ParseUrl(d, n, path, &c->url)).ok()) return st;
  if (!(st = d.String(n, path, "name", &c->name)).ok()) return st;
  if (!(st = d.Duration(n, path, "remote_timeout", &c->remote_timeout_ms)).ok()) return st;
  if (c->remote_timeout_ms <= 0) {
    return d.Error(n, Decoder::Join(path, "remote_timeout"), "remote_timeout must be positive");
  }
  if (!(st = d.Bool(n, path, "send_exemplars", &c->send_exemplars)).ok()) return st;
  if (!(st = d.Bool(n, path, "send_native_histograms", &c->send_native_histograms)).ok()) return st;
  if (!(st = d.Bool(n, path, "round_robin_dns", &c->round_robin_dns)).ok()) return st;
  bool http2 = false;
  if (!(st = d.Bool(n, path, "enable_http2", &http2)).ok()) return st;
  if (!(st = d.String(n, path, "protobuf_message", &c->protobuf_message)).ok()) return st;
  if (c->protobuf_message != "prometheus.WriteRequest" &&
      c->protobuf_message != "io.prometheus.write.v2.Request") {
    return d.Error(*Decoder::Child(n, "protobuf_message"), Decoder::Join(path, "protobuf_message"),
                   absl::StrCat("unknown remote write protobuf message ", c->protobuf_message,
                                ", supported: prometheus.WriteRequest, "
                                "io.prometheus.write.v2.Request"));
  }
  if (!(st = ParseHttpClientConfig(d, n, path, &c->http_client)).ok()) return st;
  const bool has_auth = c->http_client.basic_auth || c->http_client.authorization;
  if (!(st = ParseHeaders(d, n, path, has_auth, &c->headers)).ok()) return st;
  if (!(st = d.Relabels(n, path, "write_relabel_configs", &c->write_relabel_configs)).ok()) {
    return st;
  }
  if (!(st = ParseQueueConfig(d, n, path, &c->queue_config)).ok()) return st;
  return ParseMetadataConfig(d, n, path, &c->metadata_config);
}

}  // namespace

absl::Status ParseRemoteWriteConfigs(const Decoder& d, const YAML::Node& root,
                                     std::vector<RemoteWriteConfig>* out) {
  std::set<std::string> names;
  return d.ForEach(root, "", "remote_write", "a list of remote write configs",
                   [&](const YAML::Node& e, const std::string& path, size_t) -> absl::Status {
                     if (!e.IsMap()) return d.Error(e, path, "expected a remote write config");
                     RemoteWriteConfig c;
                     if (auto st = ParseRemoteWriteConfig(d, e, path, &c); !st.ok()) return st;
                     if (!c.name.empty() && !names.insert(c.name).second) {
                       return d.Error(e, Decoder::Join(path, "name"),
                                      absl::StrCat("found multiple remote write configs with "
                                                   "job name \"",
                                                   c.name, "\""));
                     }
                     out->push_back(std::move(c));
                     return absl::OkStatus();
                   });
}

}  // namespace promlet::config
