// Decoder: strict reading of prometheus.yml's YAML nodes into config structs, shared by every
// section's parser (global, scrape_configs, the HTTP client settings, service discovery, ...).
// Private to config/: the section parsers take a Decoder, callers take Config.
//
// Invariants: every error is an InvalidArgument naming the file, the line (when yaml-cpp knows
// it) and the field path, as "prometheus.yml:12: scrape_configs[0].scrap_interval: unknown
// field (known fields: ...)"; a null or absent child reads as "not set" and leaves the output
// untouched; relative file paths are resolved against the config file's directory; keys are
// strings and never repeated (yaml-cpp would silently keep the first).
// Valid Prometheus settings promlet does not implement are recorded with Unsupported() (one
// located message each) and do not stop loading: LoadConfig* decides at the end whether they
// refuse the config or become warnings.
#ifndef PROMLET_CONFIG_DECODER_H_
#define PROMLET_CONFIG_DECODER_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "model/relabel.h"
#include "model/labels.h"

namespace promlet::config {

// Field names of a mapping, in the order the "known fields" hint prints them.
using FieldNames = std::vector<std::string_view>;

// The reason printed for a setting promlet recognises but does not implement.
inline constexpr std::string_view kNotImplemented = "not supported by promlet";

class Decoder {
 public:
  // `file` names the config in errors; `base_dir` (absolute, or empty) anchors relative paths;
  // `unsupported` collects the located messages of Unsupported().
  Decoder(std::string file, std::string base_dir, std::vector<std::string>* unsupported)
      : file_(std::move(file)), base_dir_(std::move(base_dir)), unsupported_(unsupported) {}

  // "a.b" and "a[3]": the field paths errors print.
  static std::string Join(std::string_view path, std::string_view field);
  static std::string Index(std::string_view path, size_t i);
  // Child `key` of map `n`, undefined-or-null meaning absent.
  static std::optional<YAML::Node> Child(const YAML::Node& n, std::string_view key);

  absl::Status Error(const YAML::Node& n, std::string_view path, std::string_view msg) const;

  // Fails on keys not in `known` and on repeated keys. Keys in `unsupported` pass (the caller
  // recorded them with RecordUnsupported()).
  absl::Status CheckKeys(const YAML::Node& n, std::string_view path, const FieldNames& known,
                         const std::set<std::string>& unsupported = {}) const;

  // Records a valid Prometheus setting that promlet does not implement (see the file comment).
  void Unsupported(const YAML::Node& key, std::string_view path, std::string_view why) const;
  // Records the keys of map `n` found in `names` as unsupported; returns the ones found.
  std::set<std::string> RecordUnsupported(const YAML::Node& n, std::string_view path,
                                          const FieldNames& names, std::string_view why) const;
  // Fails on the first key of map `n` found in `names`: settings that would change how requests
  // go out, so that ignoring them (even with --config.ignore-unsupported) is never safe.
  absl::Status RefuseNeverIgnorable(const YAML::Node& n, std::string_view path,
                                    const FieldNames& names) const;

  // Typed readers of child `key` of map `n` (at `path`): absent or null leaves `out` as is.
  absl::Status String(const YAML::Node& n, std::string_view path, std::string_view key,
                      std::string* out) const;
  // A string naming a file: made absolute against the config file's directory.
  absl::Status File(const YAML::Node& n, std::string_view path, std::string_view key,
                    std::string* out) const;
  absl::Status Bool(const YAML::Node& n, std::string_view path, std::string_view key,
                    bool* out) const;
  absl::Status Uint(const YAML::Node& n, std::string_view path, std::string_view key,
                    uint64_t* out) const;
  // Prometheus durations ("1m30s"), in milliseconds.
  absl::Status Duration(const YAML::Node& n, std::string_view path, std::string_view key,
                        int64_t* out) const;
  // Byte sizes ("10MB").
  absl::Status Size(const YAML::Node& n, std::string_view path, std::string_view key,
                    int64_t* out) const;
  absl::Status StringList(const YAML::Node& n, std::string_view path, std::string_view key,
                          std::vector<std::string>* out) const;
  // Calls `entry` with each element of list child `key` and its path ("key[i]"), stopping at the
  // first error; absent or null is an empty list, anything else than a list is
  // "expected <what>".
  using ListEntry =
      std::function<absl::Status(const YAML::Node& e, const std::string& path, size_t i)>;
  absl::Status ForEach(const YAML::Node& n, std::string_view path, std::string_view key,
                       std::string_view what, const ListEntry& entry) const;
  // A map of label name -> value, validated (names, UTF-8 values, no repeats).
  absl::Status LabelMap(const YAML::Node& n, std::string_view path, std::string_view key,
                        model::Labels* out) const;
  // A list of relabel configs (relabel_configs, metric_relabel_configs, ...), each validated.
  absl::Status Relabels(const YAML::Node& n, std::string_view path, std::string_view key,
                        std::vector<model::RelabelConfig>* out) const;

  // `p` made absolute against the config file's directory (unchanged if already absolute).
  std::string Resolve(const std::string& p) const;
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::string base_dir_;
  std::vector<std::string>* unsupported_;
};

// The message of a status, for embedding in a located error.
inline std::string Msg(const absl::Status& s) { return std::string(s.message()); }

}  // namespace promlet::config

#endif  // PROMLET_CONFIG_DECODER_H_
