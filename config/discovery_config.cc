#include "config/discovery_config.h"

#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "config/decoder.h"
#include "re2/re2.h"
#include "model/relabel.h"

namespace promlet::config {
namespace {

namespace fs = std::filesystem;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

absl::Status GroupError(const std::string& path, std::string_view msg) {
  return absl::InvalidArgumentError(
      absl::StrCat("error reading file \"", path, "\": ", std::string(msg)));
}

// One group from already-extracted pieces, validated as Prometheus' targetgroup.Group.
absl::StatusOr<TargetGroup> MakeGroup(const std::string& path, size_t index,
                                      const std::vector<std::string>& targets,
                                      std::vector<model::Label> labels) {
  TargetGroup tg;
  tg.source = absl::StrCat(path, ":", index);
  for (const std::string& t : targets) {
    if (t.find('/') != std::string::npos) {
      return GroupError(path,
                        absl::StrCat("group ", index, ": \"", t, "\" is not a valid hostname"));
    }
    tg.targets.push_back(model::Labels{{model::kAddressLabel, t}});
  }
  std::set<std::string> seen;
  for (const model::Label& l : labels) {
    if (!model::IsValidLabelName(l.name)) {
      return GroupError(
          path, absl::StrCat("group ", index, ": \"", l.name, "\" is not a valid label name"));
    }
    if (!model::IsValidUtf8(l.value)) {
      return GroupError(
          path, absl::StrCat("group ", index, ": invalid label value for \"", l.name, "\""));
    }
    if (!seen.insert(l.name).second) {
      return GroupError(path, absl::StrCat("group ", index, ": label \"", l.name, "\" set twice"));
    }
  }
  labels.push_back({std::string(kFilepathLabel), path});
  tg.labels = model::Labels::FromUnsorted(std::move(labels));
  return tg;
}

absl::StatusOr<std::vector<TargetGroup>> ParseJson(std::string_view content,
                                                   const std::string& path) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(content.begin(), content.end());
  } catch (const nlohmann::json::exception& e) {
    return GroupError(path, e.what());
  }
  if (!doc.is_array()) return GroupError(path, "expected a JSON array of target groups");
  std::vector<TargetGroup> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    const nlohmann::json& g = doc[i];
    if (g.is_null())
      return GroupError(path, absl::StrCat("nil target group item found (index ", i, ")"));
    if (!g.is_object()) return GroupError(path, absl::StrCat("group ", i, ": expected an object"));
    std::vector<std::string> targets;
    std::vector<model::Label> labels;
    for (auto it = g.begin(); it != g.end(); ++it) {
      if (it.key() == "targets") {
        if (it.value().is_null()) continue;
        if (!it.value().is_array())
          return GroupError(path, absl::StrCat("group ", i, ": targets must be a list"));
        for (const auto& t : it.value()) {
          if (!t.is_string())
            return GroupError(path, absl::StrCat("group ", i, ": targets must be strings"));
          targets.push_back(t.get<std::string>());
        }
      } else if (it.key() == "labels") {
        if (it.value().is_null()) continue;
        if (!it.value().is_object())
          return GroupError(path, absl::StrCat("group ", i, ": labels must be an object"));
        for (auto l = it.value().begin(); l != it.value().end(); ++l) {
          if (!l.value().is_string()) {
            return GroupError(
                path, absl::StrCat("group ", i, ": label \"", l.key(), "\" must be a string"));
          }
          labels.push_back({l.key(), l.value().get<std::string>()});
        }
      } else {
        return GroupError(path, absl::StrCat("group ", i, ": unknown field \"", it.key(),
                                             "\" (known: targets, labels)"));
      }
    }
    absl::StatusOr<TargetGroup> tg = MakeGroup(path, i, targets, std::move(labels));
    if (!tg.ok()) return tg.status();
    out.push_back(*std::move(tg));
  }
  return out;
}

absl::StatusOr<std::vector<TargetGroup>> ParseYaml(std::string_view content,
                                                   const std::string& path) {
  std::vector<TargetGroup> out;
  try {
    YAML::Node doc = YAML::Load(std::string(content));
    if (!doc.IsDefined() || doc.IsNull()) return out;
    if (!doc.IsSequence()) return GroupError(path, "expected a list of target groups");
    for (size_t i = 0; i < doc.size(); ++i) {
      const YAML::Node g = doc[i];
      auto line = [&](const YAML::Node& n) {
        return absl::StrCat("line ", n.Mark().line + 1, ": ");
      };
      if (g.IsNull())
        return GroupError(path, absl::StrCat("nil target group item found (index ", i, ")"));
      if (!g.IsMap())
        return GroupError(path, absl::StrCat(line(g), "group ", i, ": expected a mapping"));
      std::vector<std::string> targets;
      std::vector<model::Label> labels;
      for (auto it = g.begin(); it != g.end(); ++it) {
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
        const YAML::Node v = it->second;
        if (key == "targets") {
          if (v.IsNull()) continue;
          if (!v.IsSequence())
            return GroupError(path, absl::StrCat(line(v), "targets must be a list"));
          for (size_t t = 0; t < v.size(); ++t) {
            if (!v[t].IsScalar())
              return GroupError(path, absl::StrCat(line(v[t]), "targets must be strings"));
            targets.push_back(v[t].Scalar());
          }
        } else if (key == "labels") {
          if (v.IsNull()) continue;
          if (!v.IsMap())
            return GroupError(path, absl::StrCat(line(v), "labels must be a mapping"));
          for (auto l = v.begin(); l != v.end(); ++l) {
            if (!l->first.IsScalar() || !l->second.IsScalar()) {
              return GroupError(path,
                                absl::StrCat(line(l->first), "labels must map names to strings"));
            }
            labels.push_back({l->first.Scalar(), l->second.Scalar()});
          }
        } else {
          return GroupError(path, absl::StrCat(line(it->first), "group ", i, ": unknown field \"",
                                               key, "\" (known: targets, labels)"));
        }
      }
      absl::StatusOr<TargetGroup> tg = MakeGroup(path, i, targets, std::move(labels));
      if (!tg.ok()) return tg.status();
      out.push_back(*std::move(tg));
    }
  } catch (const YAML::Exception& e) {
    return GroupError(path, absl::StrCat("line ", e.mark.line + 1, ": ", e.msg));
  }
  return out;
}

}  // namespace

absl::Status ValidateFileSdPattern(std::string_view pattern) {
  static const re2::RE2 kPattern(R"(^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$)");
  if (!re2::RE2::FullMatch(re2::StringPiece(pattern.data(), pattern.size()), kPattern)) {
    return absl::InvalidArgumentError(
        absl::StrCat("path name \"", std::string(pattern), "\" is not valid for file discovery"));
  }
  return absl::OkStatus();
}

std::vector<std::string> ExpandFileSdPattern(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g;
  std::memset(&g, 0, sizeof g);
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      std::error_code ec;
      if (fs::is_regular_file(g.gl_pathv[i], ec)) out.emplace_back(g.gl_pathv[i]);
    }
  }
  ::globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroups(std::string_view content,
                                                           const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (EndsWith(lower, ".json")) return ParseJson(content, path);
  return ParseYaml(content, path);
}

absl::StatusOr<std::string> ReadTargetGroupFileContent(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return GroupError(path, std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return GroupError(path, "read failed");
  return ss.str();
}

absl::StatusOr<std::vector<TargetGroup>> ReadTargetGroupFile(const std::string& path) {
  absl::StatusOr<std::string> content = ReadTargetGroupFileContent(path);
  if (!content.ok()) return content.status();
  return ParseTargetGroups(*content, path);
}

const std::vector<std::string_view>& UnsupportedServiceDiscoveryFields() {
  static const std::vector<std::string_view> kFields = {
      "azure_sd_configs",      "consul_sd_configs",      "digitalocean_sd_configs",
      "docker_sd_configs",     "dockerswarm_sd_configs", "dns_sd_configs",
      "ec2_sd_configs",        "eureka_sd_configs",      "gce_sd_configs",
      "hetzner_sd_configs",    "http_sd_configs",        "ionos_sd_configs",
      "kubernetes_sd_configs", "kuma_sd_configs",        "lightsail_sd_configs",
      "linode_sd_configs",     "marathon_sd_configs",    "nerve_sd_configs",
      "nomad_sd_configs",      "openstack_sd_configs",   "ovhcloud_sd_configs",
      "puppetdb_sd_configs",   "scaleway_sd_configs",    "serverset_sd_configs",
      "stackit_sd_configs",    "triton_sd_configs",      "uyuni_sd_configs",
      "vultr_sd_configs"};
  return kFields;
}

absl::Status ParseStaticConfigs(const Decoder& d, const YAML::Node& n, std::string_view path,
                                std::vector<TargetGroup>* out) {
  auto entry = [&](const YAML::Node& e, const std::string& ep, size_t i) -> absl::Status {
    absl::Status st = d.CheckKeys(e, ep, {"targets", "labels"});
    if (!st.ok()) return st;
    TargetGroup tg;
    tg.source = absl::StrCat(i);
    std::vector<std::string> targets;
    if (!(st = d.StringList(e, ep, "targets", &targets)).ok()) return st;
    for (size_t t = 0; t < targets.size(); ++t) {
      if (targets[t].find('/') != std::string::npos) {
        return d.Error(e["targets"][t], Decoder::Index(Decoder::Join(ep, "targets"), t),
                       absl::StrCat("\"", targets[t], "\" is not a valid hostname"));
      }
      tg.targets.push_back(model::Labels{{model::kAddressLabel, targets[t]}});
    }
    if (!(st = d.LabelMap(e, ep, "labels", &tg.labels)).ok()) return st;
    out->push_back(std::move(tg));
    return absl::OkStatus();
  };
  return d.ForEach(n, path, "static_configs", "a list", entry);
}

absl::Status ParseFileSdConfigs(const Decoder& d, const YAML::Node& n, std::string_view path,
                                std::vector<FileSdConfig>* out) {
  auto entry = [&](const YAML::Node& e, const std::string& ep, size_t) -> absl::Status {
    absl::Status st = d.CheckKeys(e, ep, {"files", "refresh_interval"});
    if (!st.ok()) return st;
    FileSdConfig f;
    std::vector<std::string> files;
    if (!(st = d.StringList(e, ep, "files", &files)).ok()) return st;
    if (files.empty()) {
      return d.Error(e, ep, "file service discovery config must contain at least one path name");
    }
    for (size_t k = 0; k < files.size(); ++k) {
      if (absl::Status v = ValidateFileSdPattern(files[k]); !v.ok()) {
        return d.Error(e["files"][k], Decoder::Index(Decoder::Join(ep, "files"), k), Msg(v));
      }
      f.files.push_back(d.Resolve(files[k]));
    }
    if (!(st = d.Duration(e, ep, "refresh_interval", &f.refresh_interval_ms)).ok()) return st;
    if (f.refresh_interval_ms == 0) {
      return d.Error(e, Decoder::Join(ep, "refresh_interval"), "refresh_interval cannot be 0");
    }
    out->push_back(std::move(f));
    return absl::OkStatus();
  };
  return d.ForEach(n, path, "file_sd_configs", "a list", entry);
}

}  // namespace promlet::config
