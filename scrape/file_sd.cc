#include "scrape/file_sd.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <set>

#include "common/log.h"

namespace promlet::scrape {
namespace {

namespace fs = std::filesystem;

}  // namespace

FileDiscovery::FileDiscovery(config::FileSdConfig config, std::string job)
    : config_(std::move(config)), job_(std::move(job)) {}

FileDiscovery::~FileDiscovery() { Stop(); }

void FileDiscovery::Start(UpdateCallback on_update, ErrorCallback on_error) {
  on_update_ = std::move(on_update);
  on_error_ = std::move(on_error);
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  AddWatches();
  {
    std::lock_guard<std::mutex> l(mu_);
    generation_ = 0;
  }
  // The first read always publishes, even an empty set, so consumers know discovery ran.
  if (!Refresh() && on_update_) on_update_(Groups());
  thread_ = std::thread([this] { Run(); });
}

void FileDiscovery::Stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    ssize_t n = ::write(stop_fd_, &one, sizeof one);
    (void)n;
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  inotify_fd_ = stop_fd_ = -1;
  watched_dirs_.clear();
}

std::vector<config::TargetGroup> FileDiscovery::Groups() const {
  std::lock_guard<std::mutex> l(mu_);
  return groups_;
}

uint64_t FileDiscovery::Generation() const {
  std::lock_guard<std::mutex> l(mu_);
  return generation_;
}

std::map<std::string, std::string> FileDiscovery::Errors() const {
  std::lock_guard<std::mutex> l(mu_);
  return errors_;
}

bool FileDiscovery::AddWatches() {
  if (inotify_fd_ < 0) return false;
  bool all = true;
  for (const std::string& pattern : config_.files) {
    std::string dir = fs::path(pattern).parent_path().string();
    if (dir.empty()) dir = ".";
    if (watched_dirs_.count(dir)) continue;
    int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(),
                                 IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE |
                                     IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF |
                                     IN_MOVE_SELF);
    if (wd >= 0) {
      watched_dirs_[dir] = wd;
    } else {
      all = false;  // directory missing: retried every loop
    }
  }
  return all;
}

bool FileDiscovery::Refresh() {
  std::lock_guard<std::mutex> serial(refresh_mu_);
  std::set<std::string> files;
  for (const std::string& pattern : config_.files) {
    for (std::string& f : config::ExpandFileSdPattern(pattern)) files.insert(std::move(f));
  }
  std::map<std::string, std::vector<config::TargetGroup>> next;
  std::map<std::string, std::string> errors;
  std::map<std::string, size_t> failed_contents;
  std::vector<std::pair<std::string, absl::Status>> new_errors;
  std::vector<std::pair<std::string, size_t>> recovered;  // file, its number of targets
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const std::string& f : files) {
      absl::StatusOr<std::string> content = config::ReadTargetGroupFileContent(f);
      absl::StatusOr<std::vector<config::TargetGroup>> groups =
          content.ok() ? config::ParseTargetGroups(*content, f) : content.status();
      if (groups.ok()) {
        if (errors_.count(f)) {
          size_t targets = 0;
          for (const config::TargetGroup& g : *groups) targets += g.targets.size();
          recovered.emplace_back(f, targets);
        }
        next[f] = *std::move(groups);
        continue;
      }
      errors[f] = std::string(groups.status().message());
      failed_contents[f] = content.ok() ? std::hash<std::string>()(*content) : 0;
      auto old = per_file_.find(f);
      if (old != per_file_.end()) next[f] = old->second;  // keep the last good groups
      // Reported once per failure: again only when the error or the file's content changes.
      auto prev_err = errors_.find(f);
      auto prev_content = failed_contents_.find(f);
      if (prev_err == errors_.end() || prev_err->second != errors[f] ||
          prev_content == failed_contents_.end() || prev_content->second != failed_contents[f]) {
        new_errors.emplace_back(f, groups.status());
      }
    }
  }
  std::vector<config::TargetGroup> flat;
  for (auto& [f, groups] : next) flat.insert(flat.end(), groups.begin(), groups.end());
  bool changed;
  std::vector<config::TargetGroup> snapshot;
  {
    std::lock_guard<std::mutex> l(mu_);
    per_file_ = std::move(next);
    errors_ = std::move(errors);
    failed_contents_ = std::move(failed_contents);
    changed = flat != groups_;
    if (changed) {
      groups_ = std::move(flat);
      ++generation_;
      snapshot = groups_;
    }
  }
  for (const auto& [f, st] : new_errors) {
    PROMLET_LOG_ERROR("Error reading file_sd file, keeping its last good targets", "job", job_,
                      "file", f, "err", st.message());
    if (on_error_) on_error_(f, st);
  }
  for (const auto& [f, targets] : recovered) {
    PROMLET_LOG_INFO("file_sd file is valid again", "job", job_, "file", f, "targets", targets);
  }
  if (changed && on_update_) on_update_(snapshot);
  return changed;
}

void FileDiscovery::Run() {
  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::milliseconds(config_.refresh_interval_ms);
  auto next_refresh = Clock::now() + interval;
  alignas(struct inotify_event) char buf[8192];
  for (;;) {
    const bool all_watched = AddWatches();
    auto now = Clock::now();
    int timeout_ms = 0;
    if (next_refresh > now) {
      timeout_ms = static_cast<int>(std::min<int64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(next_refresh - now).count() + 1,
          // Re-check missing directories now and then even with a long refresh interval.
          all_watched ? INT32_MAX : 1000));
    }
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    int n = ::poll(fds, inotify_fd_ >= 0 ? 2 : 1, timeout_ms);
    if (n < 0 && errno != EINTR) return;
    if (fds[0].revents & POLLIN) return;
    bool fs_event = false;
    if (inotify_fd_ >= 0 && (fds[1].revents & POLLIN)) {
      // Drain, then wait briefly for the rest of a burst (an editor's truncate + write +
      // rename) so that one change is read once, complete.
      for (;;) {
        ssize_t r = ::read(inotify_fd_, buf, sizeof buf);
        if (r <= 0) {
          pollfd more = {inotify_fd_, POLLIN, 0};
          if (::poll(&more, 1, 20) <= 0) break;
          continue;
        }
        fs_event = true;
        for (char* p = buf; p < buf + r;) {
          auto* ev = reinterpret_cast<struct inotify_event*>(p);
          if (ev->mask & IN_IGNORED) {
            for (auto it = watched_dirs_.begin(); it != watched_dirs_.end(); ++it) {
              if (it->second == ev->wd) {
                watched_dirs_.erase(it);
                break;
              }
            }
          }
          p += sizeof(struct inotify_event) + ev->len;
        }
      }
    }
    if (fs_event || Clock::now() >= next_refresh) {
      Refresh();
      if (Clock::now() >= next_refresh) next_refresh = Clock::now() + interval;
    }
  }
}

}  // namespace promlet::scrape
