// Service discovery settings promlet implements: static_configs and file_sd_configs, and the
// target-group files file_sd_configs point at (JSON if the name ends in .json, YAML otherwise):
//   [{"targets": ["host:9100", ...], "labels": {"env": "prod"}}, ...]
// Watching those files is scrape/file_sd.h's FileDiscovery; reading them is here, because
// `promlet check config` validates them as promtool does.
//
// Invariants: a TargetGroup's targets each hold exactly __address__ (never containing '/'), its
// labels are valid names with UTF-8 values, and its source is "<index>" for static_configs
// and "<file>:<index>" for a file (whose groups also get __meta_filepath=<file>). A
// FileSdConfig has at least one pattern, each absolute, "*" only in the last path element and
// ending in .json/.yml/.yaml; refresh_interval_ms > 0.
#ifndef PROMLET_CONFIG_DISCOVERY_CONFIG_H_
#define PROMLET_CONFIG_DISCOVERY_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/labels.h"

namespace YAML {
class Node;
}

namespace promlet::config {

class Decoder;

inline constexpr std::string_view kFilepathLabel = "__meta_filepath";

// A set of targets sharing labels: a static_configs entry or one entry of a file_sd file.
// As Prometheus' targetgroup.Group: each target is a label set holding at least __address__.
struct TargetGroup {
  std::vector<model::Labels> targets;
  model::Labels labels;
  std::string source;  // "0" for static_configs[0]; "<file>:<index>" for file_sd
  friend bool operator==(const TargetGroup&, const TargetGroup&) = default;
};

struct FileSdConfig {
  std::vector<std::string> files;  // absolute glob patterns ending in .json/.yml/.yaml
  int64_t refresh_interval_ms = 5 * 60 * 1000;
  friend bool operator==(const FileSdConfig&, const FileSdConfig&) = default;
};

// The service discoveries of Prometheus that promlet does not implement (azure_sd_configs,
// consul_sd_configs, ...): a section that discovers targets records them as unsupported with
// kUnsupportedServiceDiscovery as the reason.
const std::vector<std::string_view>& UnsupportedServiceDiscoveryFields();
inline constexpr std::string_view kUnsupportedServiceDiscovery =
    "not supported by promlet (service discovery: static_configs and file_sd_configs)";

// The `static_configs` and `file_sd_configs` lists of mapping `n` (at `path`), appended to `out`.
absl::Status ParseStaticConfigs(const Decoder& d, const YAML::Node& n, std::string_view path,
                                std::vector<TargetGroup>* out);
absl::Status ParseFileSdConfigs(const Decoder& d, const YAML::Node& n, std::string_view path,
                                std::vector<FileSdConfig>* out);

// Prometheus' rule for file_sd patterns: "*" only in the last path element, and the name must
// end in .json, .yml or .yaml. Error: `path name "x" is not valid for file discovery`.
absl::Status ValidateFileSdPattern(std::string_view pattern);
// Files matching a glob pattern, sorted; none if the directory does not exist.
std::vector<std::string> ExpandFileSdPattern(const std::string& pattern);
// Parses a target-group file's content; `path` decides the format (.json or YAML) and is used
// for __meta_filepath, the sources and error messages.
absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroups(std::string_view content,
                                                           const std::string& path);
// A target-group file's raw content; errors read `error reading file "<path>": <why>`.
absl::StatusOr<std::string> ReadTargetGroupFileContent(const std::string& path);
absl::StatusOr<std::vector<TargetGroup>> ReadTargetGroupFile(const std::string& path);

}  // namespace promlet::config

#endif  // PROMLET_CONFIG_DISCOVERY_CONFIG_H_
