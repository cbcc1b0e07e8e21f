#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/duration.h"
#include "config/config.h"
#include "config/decoder.h"
#include "config/discovery_config.h"

namespace promlet::config {

namespace fs = std::filesystem;

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
    const TlsConfig& tls = job.http_client.tls_config;
    for (const std::string* f : {&tls.ca_file, &tls.cert_file, &tls.key_file}) {
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
          notes.push_back(absl::StrCat("  WARNING: file \"", pattern,
                                       "\" for file_sd in scrape job \"", job.job_name,
                                       "\" does not exist"));
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
  // Alertmanagers, as promtool: TLS files exist, file_sd files parse.
  for (size_t i = 0; i < cfg->alerting.alertmanagers.size(); ++i) {
    const AlertmanagerConfig& am = cfg->alerting.alertmanagers[i];
    const std::string where = absl::StrCat("alerting.alertmanagers[", i, "]");
    const TlsConfig& tls = am.http_client.tls_config;
    for (const std::string* f : {&tls.ca_file, &tls.cert_file, &tls.key_file}) {
      if (!f->empty() && !fs::exists(*f)) {
        problems.push_back(
            absl::StrCat(where, ": error checking file \"", *f, "\": file does not exist"));
      }
    }
    for (const FileSdConfig& fsd : am.file_sd_configs) {
      for (const std::string& pattern : fsd.files) {
        std::vector<std::string> files = ExpandFileSdPattern(pattern);
        if (files.empty()) {
          notes.push_back(absl::StrCat("  WARNING: file \"", pattern,
                                       "\" for file_sd in alertmanager config does not exist"));
        }
        for (const std::string& file : files) {
          absl::StatusOr<std::vector<TargetGroup>> groups = ReadTargetGroupFile(file);
          if (!groups.ok()) {
            problems.push_back(absl::StrCat(where, ": checking SD file \"", pattern, "\": ",
                                            Msg(groups.status())));
          }
        }
      }
    }
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

}  // namespace promlet::config
