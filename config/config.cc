#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/decoder.h"

namespace promlet::config {
namespace {

namespace fs = std::filesystem;

// The top-level sections of Prometheus' config that promlet does not implement yet: refused
// (or, with --config.ignore-unsupported, ignored with a warning). A section that gets
// implemented leaves this list and gets its struct, its parser and a line in Load().
const FieldNames kUnimplementedSections = {"remote_read", "storage", "tracing",
                                           "runtime",     "otlp",    "scrape_config_files"};

// rule_files: globs whose last path component alone may hold wildcards (Prometheus'
// patRulePath), made absolute against the config file's directory.
absl::Status ParseRuleFiles(const Decoder& d, const YAML::Node& root,
                            std::vector<std::string>* out) {
  if (auto st = d.StringList(root, "", "rule_files", out); !st.ok()) return st;
  for (size_t i = 0; i < out->size(); ++i) {
    std::string& f = (*out)[i];
    size_t star = f.find('*');
    if (star != std::string::npos && f.find('/', star) != std::string::npos) {
      return d.Error(root["rule_files"][i], Decoder::Index("rule_files", i),
                     absl::StrCat("invalid rule file path \"", f, "\""));
    }
    f = d.Resolve(f);
  }
  return absl::OkStatus();
}

// Prometheus' config.Secret fields, keyed by their YAML name: their values print as
// "<secret>". File fields (password_file, credentials_file, key_file, ...) are paths and stay.
bool IsSecretField(std::string_view key, std::string_view parent) {
  static constexpr std::string_view kSecrets[] = {
      "password",           "credentials", "bearer_token", "client_secret",
      "secret_key",         "token",       "auth_token",   "application_credential_secret",
      "application_secret", "consumer_key"};
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
    std::set<std::string> sections =
        d.RecordUnsupported(root, "", kUnimplementedSections, "section not supported by promlet");
    if (auto st = d.CheckKeys(root, "",
                              {"global", "rule_files", "scrape_configs", "alerting",
                               "remote_write"},
                              sections);
        !st.ok()) {
      return st;
    }
    if (auto g = Decoder::Child(root, "global")) {
      if (auto st = ParseGlobalConfig(d, *g, &cfg.global); !st.ok()) return st;
    }
    if (auto st = ParseRuleFiles(d, root, &cfg.rule_files); !st.ok()) return st;
    if (auto st = ParseScrapeConfigs(d, root, cfg.global, &cfg.scrape_configs); !st.ok()) {
      return st;
    }
    if (auto a = Decoder::Child(root, "alerting")) {
      if (auto st = ParseAlertingConfig(d, *a, &cfg.alerting); !st.ok()) return st;
    }
    if (auto st = ParseRemoteWriteConfigs(d, root, &cfg.remote_write_configs); !st.ok()) {
      return st;
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
    return absl::NotFoundError(
        absl::StrCat("cannot read config file \"", path, "\": ", std::strerror(errno)));
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

}  // namespace promlet::config
