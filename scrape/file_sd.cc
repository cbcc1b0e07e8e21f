#include "scrape/file_sd.h"

#include <glob.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "re2/re2.h"
#include "scrape/target_labels.h"

namespace promlet::scrape {
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
      return GroupError(path, absl::StrCat("group ", index, ": \"", t, "\" is not a valid hostname"));
    }
    tg.targets.push_back(model::Labels{{kAddressLabel, t}});
  }
  std::set<std::string> seen;
  for (const model::Label& l : labels) {
    if (!model::IsValidLabelName(l.name)) {
      return GroupError(path, absl::StrCat("group ", index, ": \"", l.name, "\" is not a valid label name"));
    }
    if (!model::IsValidUtf8(l.value)) {
      return GroupError(path, absl::StrCat("group ", index, ": invalid label value for \"", l.name, "\""));
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
    if (g.is_null()) return GroupError(path, absl::StrCat("nil target group item found (index ", i, ")"));
    if (!g.is_object()) return GroupError(path, absl::StrCat("group ", i, ": expected an object"));
    std::vector<std::string> targets;
    std::vector<model::Label> labels;
    for (auto it = g.begin(); it != g.end(); ++it) {
      if (it.key() == "targets") {
        if (it.value().is_null()) continue;
        if (!it.value().is_array()) return GroupError(path, absl::StrCat("group ", i, ": targets must be a list"));
        for (const auto& t : it.value()) {
          if (!t.is_string()) return GroupError(path, absl::StrCat("group ", i, ": targets must be strings"));
          targets.push_back(t.get<std::string>());
        }
      } else if (it.key() == "labels") {
        if (it.value().is_null()) continue;
        if (!it.value().is_object()) return GroupError(path, absl::StrCat("group ", i, ": labels must be an object"));
        for (auto l = it.value().begin(); l != it.value().end(); ++l) {
          if (!l.value().is_string()) {
            return GroupError(path, absl::StrCat("group ", i, ": label \"", l.key(), "\" must be a string"));
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
      auto line = [&](const YAML::Node& n) { return absl::StrCat("line ", n.Mark().line + 1, ": "); };
      if (g.IsNull()) return GroupError(path, absl::StrCat("nil target group item found (index ", i, ")"));
      if (!g.IsMap()) return GroupError(path, absl::StrCat(line(g), "group ", i, ": expected a mapping"));
      std::vector<std::string> targets;
      std::vector<model::Label> labels;
      for (auto it = g.begin(); it != g.end(); ++it) {
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
        const YAML::Node v = it->second;
        if (key == "targets") {
          if (v.IsNull()) continue;
          if (!v.IsSequence()) return GroupError(path, absl::StrCat(line(v), "targets must be a list"));
          for (size_t t = 0; t < v.size(); ++t) {
            if (!v[t].IsScalar()) return GroupError(path, absl::StrCat(line(v[t]), "targets must be strings"));
            targets.push_back(v[t].Scalar());
          }
        } else if (key == "labels") {
          if (v.IsNull()) continue;
          if (!v.IsMap()) return GroupError(path, absl::StrCat(line(v), "labels must be a mapping"));
          for (auto l = v.begin(); l != v.end(); ++l) {
            if (!l->first.IsScalar() || !l->second.IsScalar()) {
              return GroupError(path, absl::StrCat(line(l->first), "labels must map names to strings"));
            }
            labels.push_back({l->first.Scalar(), l->second.Scalar()});
          }
        } else {
          return GroupError(path, absl::StrCat(line(it->first), "group ", i, ": unknown field \"", key,
                                               "\" (known: targets, labels)"));
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

namespace {

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return GroupError(path, std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return GroupError(path, "read failed");
  return ss.str();
}

}  // namespace

absl::StatusOr<std::vector<TargetGroup>> ReadTargetGroupFile(const std::string& path) {
  absl::StatusOr<std::string> content = ReadWholeFile(path);
  if (!content.ok()) return content.status();
  return ParseTargetGroups(*content, path);
}

FileDiscovery::FileDiscovery(FileSdConfig config, std::string job)
    : config_(std::move(config)), job_(std::move(job)) {}

FileDiscovery::~FileDiscovery() { Stop(); }

void FileDiscovery::Start(UpdateCallback on_update, ErrorCallback on_error) {
  on_update_ = std::move(on_update);
  on_error_ = std::move(on_error);
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  AddWatches();
  {
    absl::MutexLock l(&mu_);
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

std::vector<TargetGroup> FileDiscovery::Groups() const {
  absl::MutexLock l(&mu_);
  return groups_;
}

uint64_t FileDiscovery::Generation() const {
  absl::MutexLock l(&mu_);
  return generation_;
}

std::map<std::string, std::string> FileDiscovery::Errors() const {
  absl::MutexLock l(&mu_);
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
  absl::MutexLock serial(&refresh_mu_);
  std::set<std::string> files;
  for (const std::string& pattern : config_.files) {
    for (std::string& f : ExpandFileSdPattern(pattern)) files.insert(std::move(f));
  }
  std::map<std::string, std::vector<TargetGroup>> next;
  std::map<std::string, std::string> errors;
  std::map<std::string, size_t> failed_contents;
  std::vector<std::pair<std::string, absl::Status>> new_errors;
  std::vector<std::pair<std::string, size_t>> recovered;  // file, its number of targets
  {
    absl::MutexLock l(&mu_);
    for (const std::string& f : files) {
      absl::StatusOr<std::string> content = ReadWholeFile(f);
      absl::StatusOr<std::vector<TargetGroup>> groups =
          content.ok() ? ParseTargetGroups(*content, f) : content.status();
      if (groups.ok()) {
        if (errors_.count(f)) {
          size_t targets = 0;
          for (const TargetGroup& g : *groups) targets += g.targets.size();
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
  std::vector<TargetGroup> flat;
  for (auto& [f, groups] : next) flat.insert(flat.end(), groups.begin(), groups.end());
  bool changed;
  std::vector<TargetGroup> snapshot;
  {
    absl::MutexLock l(&mu_);
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
