// File-based service discovery, as Prometheus' file_sd_configs: watching the target-group files
// that config/discovery_config.h reads (format, validation, __meta_filepath, sources).
//
// A FileDiscovery watches the directories of its patterns (inotify) and also re-reads every
// refresh_interval. Invariants: a file that matches but cannot be read or parsed keeps its
// last good groups (the error is logged with the file and the line, and reported through the
// error callback and Errors(), once per failure: again only when the error or the file's
// content changes; the file's recovery is logged too); a file
// that no longer matches (deleted, renamed away) loses its groups; the published set only
// changes (and the callback only fires) when the groups actually differ.
#ifndef PROMLET_SCRAPE_FILE_SD_H_
#define PROMLET_SCRAPE_FILE_SD_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/discovery_config.h"

namespace promlet::scrape {

class FileDiscovery {
 public:
  // Called on the discovery thread with the complete current set of groups, sorted by file
  // then index, every time it changes (and once after the first read).
  using UpdateCallback = std::function<void(const std::vector<config::TargetGroup>&)>;
  using ErrorCallback = std::function<void(const std::string& file, const absl::Status&)>;

  // `job` names the scrape job in log lines.
  explicit FileDiscovery(config::FileSdConfig config, std::string job = "");
  ~FileDiscovery();  // stops the thread
  FileDiscovery(const FileDiscovery&) = delete;
  FileDiscovery& operator=(const FileDiscovery&) = delete;

  // Reads all files once synchronously (so Groups() is filled when Start returns), then
  // watches in a background thread. Either callback may be null.
  void Start(UpdateCallback on_update, ErrorCallback on_error = nullptr);
  void Stop();

  // Poll API: the current groups and a counter that increases on every change.
  std::vector<config::TargetGroup> Groups() const;
  uint64_t Generation() const;
  // Last error per file that currently fails to read or parse (empty when all are fine).
  std::map<std::string, std::string> Errors() const;

  // Re-reads every file now; returns true if the groups changed. Thread-safe; the watcher
  // thread calls it too. Useful in tests and for an explicit reload.
  bool Refresh();

 private:
  void Run();
  bool AddWatches();  // true if every pattern's directory is watched

  const config::FileSdConfig config_;
  const std::string job_;
  UpdateCallback on_update_;
  ErrorCallback on_error_;

  mutable std::mutex mu_;
  std::map<std::string, std::vector<config::TargetGroup>> per_file_;  // guarded by mu_
  std::vector<config::TargetGroup> groups_;  // guarded by mu_
  std::map<std::string, std::string> errors_;  // guarded by mu_
  // Hash of the content of each failing file (0: unreadable), to report each new content once.
  std::map<std::string, size_t> failed_contents_;  // guarded by mu_
  uint64_t generation_ = 0;  // guarded by mu_

  std::mutex refresh_mu_;  // serialises Refresh() calls
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd that wakes the thread on Stop()
  std::map<std::string, int> watched_dirs_;
  std::thread thread_;
};

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_FILE_SD_H_
