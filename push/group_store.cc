#include "model/value.h"
#include "push/group_store.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/views.h"
#include "push/group_file.h"

namespace promlet::push {
namespace {

constexpr absl::string_view kInconsistent =
    "pushed metrics are invalid or inconsistent with existing metrics: ";

bool IsPushTimeFamily(std::string_view name) {
  return name == kPushTimeMetric || name == kPushFailureTimeMetric;
}

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// Pushgateway compares series as protobuf label pairs, where an empty grouping value is still
// a label: the identity is the labels plus the key's empty-valued names (instance excepted:
// Pushgateway adds instance="" to every metric lacking it).
std::string SeriesIdentity(const model::Labels& labels, const GroupingKey& key) {
  std::string id = labels.ToString();
  for (const auto& [name, value] : key) {
    if (value.empty() && name != "instance") absl::StrAppend(&id, "\xff", name);
  }
  return id;
}

}  // namespace

GroupStore::GroupStore(GroupStoreOptions options) : options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = [] { return absl::ToUnixMillis(absl::Now()); };
}

GroupStore::~GroupStore() { Stop(); }

absl::StatusOr<std::unique_ptr<GroupStore>> GroupStore::Open(GroupStoreOptions options) {
  std::unique_ptr<GroupStore> store(new GroupStore(std::move(options)));
  if (store->options_.dir.empty()) return store;
  std::vector<std::string> errors;
  auto loaded = LoadGroupFiles(store->options_.dir, &errors);
  if (!loaded.ok()) return loaded.status();
  for (const auto& e : errors) store->LogStr(absl::StrCat("skipping damaged push group file ", e));
  std::lock_guard<std::mutex> lock(store->mu_);
  for (auto& lg : *loaded) {
    if (store->groups_.count(lg.group.key) != 0) {
      store->LogStr(absl::StrCat("skipping push group file ", lg.file, ": group ",
                                 GroupingKeyString(lg.group.key), " is stored twice"));
      continue;
    }
    auto [it, inserted] = store->groups_.emplace(lg.group.key, Entry{});
    it->second.group = std::move(lg.group);
    it->second.file = std::move(lg.file);
    store->IndexLocked(it->second.group, +1);
  }
  return store;
}

void GroupStore::LogStr(const std::string& msg) const { Log(msg); }

void GroupStore::Log(std::string_view msg) const {
  if (options_.log) options_.log(msg);
}

int64_t GroupStore::NextAppendMsLocked() {
  last_append_ms_ = std::max(options_.now_ms(), last_append_ms_ + 1);
  return last_append_ms_;
}

void GroupStore::IndexLocked(const Group& g, int delta) {
  auto it = groups_.find(g.key);
  const GroupingKey* owner = it == groups_.end() ? nullptr : &it->first;
  for (const auto& [name, f] : g.families) {
    auto& types = family_types_[name];
    types[f.type] += delta;
    if (types[f.type] <= 0) types.erase(f.type);
    if (types.empty()) family_types_.erase(name);
    for (const auto& s : f.samples) {
      if (delta > 0) {
        series_owner_[SeriesIdentity(s.labels, g.key)] = owner;
        ++exposed_[s.labels];
      } else {
        series_owner_.erase(SeriesIdentity(s.labels, g.key));
        if (--exposed_[s.labels] <= 0) exposed_.erase(s.labels);
      }
    }
  }
}

absl::Status GroupStore::CheckLocked(const Group& candidate,
                                     const std::vector<Family>& pushed) const {
  for (const auto& f : pushed) {
    if (f.has_timestamp)
      return absl::InvalidArgumentError("pushed metrics must not have timestamps");
  }
  auto old = groups_.find(candidate.key);
  const Group* old_group = old == groups_.end() ? nullptr : &old->second.group;
  absl::flat_hash_set<std::string> seen;
  for (const auto& [name, f] : candidate.families) {
    if (auto types = family_types_.find(name); types != family_types_.end()) {
      for (const auto& [type, count] : types->second) {
        int others = count;
        if (old_group != nullptr) {
          auto of = old_group->families.find(name);
          if (of != old_group->families.end() && of->second.type == type) --others;
        }
        if (others > 0 && type != f.type) {
          return absl::InvalidArgumentError(
              absl::StrCat("metric family \"", name, "\" has type ",
                           common::ToAbsl(model::MetricTypeName(f.type)),
                           " but another group holds it with type ",
                           common::ToAbsl(model::MetricTypeName(type))));
        }
      }
    }
    for (const auto& s : f.samples) {
      std::string id = SeriesIdentity(s.labels, candidate.key);
      auto owner = series_owner_.find(id);
      bool repeated = !seen.insert(std::move(id)).second;
      if (repeated || (owner != series_owner_.end() && *owner->second != candidate.key)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "collected metric ", s.labels.ToString(),
            repeated ? " was collected before with the same name and label values"
                     : absl::StrCat(" was collected before with the same name and label values"
                                    " (in group ",
                                    GroupingKeyString(*owner->second), ")")));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status GroupStore::LimitsLocked(const Group& candidate, bool is_new) const {
  if (is_new && options_.max_groups > 0 && groups_.size() >= options_.max_groups) {
    return absl::ResourceExhaustedError(
        absl::StrCat("push refused: the store already holds the maximum of ", options_.max_groups,
                     " groups (--push.max-groups)"));
  }
  if (options_.max_series_per_group > 0) {
    size_t series = 0;
    for (const auto& [name, f] : candidate.families) series += f.samples.size();
    if (series > options_.max_series_per_group) {
      return absl::ResourceExhaustedError(
          absl::StrCat("push refused: group ", GroupingKeyString(candidate.key), " would hold ",
                       series, " series, more than the limit of ", options_.max_series_per_group,
                       " (--push.max-series-per-group)"));
    }
  }
  return absl::OkStatus();
}

std::string GroupStore::FileNameLocked(const GroupingKey& key) const {
  for (int collision = 0;; ++collision) {
    std::string name = GroupFileName(key, collision);
    bool taken = false;
    for (const auto& [k, e] : groups_) {
      if (e.file == name && k != key) {
        taken = true;
        break;
      }
    }
    if (!taken) return name;
  }
}

absl::Status GroupStore::CommitLocked(Group group) {
  auto it = groups_.find(group.key);
  std::string file = it != groups_.end() ? it->second.file : FileNameLocked(group.key);
  if (!options_.dir.empty()) {
    if (auto st = WriteGroupFile(options_.dir, file, group); !st.ok()) {
      return absl::InternalError(
          absl::StrCat("persisting push group ", GroupingKeyString(group.key), ": ", st.message()));
    }
  }
  if (it == groups_.end()) {
    it = groups_.emplace(group.key, Entry{}).first;
    it->second.file = std::move(file);
  } else {
    IndexLocked(it->second.group, -1);
  }
  it->second.group = std::move(group);
  IndexLocked(it->second.group, +1);
  AppendLocked({&it->second}, {}, NextAppendMsLocked(), /*log_errors=*/true);
  return absl::OkStatus();
}

absl::Status GroupStore::Push(const GroupingKey& key, std::vector<Family> families,
                              WriteMode mode) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = options_.now_ms();
  auto it = groups_.find(key);
  const bool is_new = it == groups_.end();
  Group candidate;
  if (is_new) {
    candidate.key = key;
  } else {
    candidate = it->second.group;
  }
  if (mode == WriteMode::kReplaceGroup) {
    std::erase_if(candidate.families, [](const auto& kv) { return !IsPushTimeFamily(kv.first); });
  }
  for (auto& f : families) {
    for (auto& s : f.samples) s.labels = ApplyGroupingKey(s.labels, key);
    f.push_time_ms = now;
    if (IsPushTimeFamily(f.name)) continue;  // overwritten below, as Pushgateway does
    candidate.families.insert_or_assign(f.name, f);
  }
  candidate.families.insert_or_assign(
      std::string(kPushTimeMetric),
      TimestampGauge(kPushTimeMetric, kPushTimeHelp, key, Seconds(now), now));
  if (candidate.families.count(kPushFailureTimeMetric) == 0) {
    candidate.families.emplace(
        std::string(kPushFailureTimeMetric),
        TimestampGauge(kPushFailureTimeMetric, kPushFailureTimeHelp, key, 0, now));
  }
  if (auto st = CheckLocked(candidate, families); !st.ok()) {
    ++stats_.failed_pushes;
    // Pushgateway records the failure in the group (creating it if needed).
    Group failed;
    if (is_new) {
      failed.key = key;
    } else {
      failed = it->second.group;
    }
    failed.families.insert_or_assign(
        std::string(kPushFailureTimeMetric),
        TimestampGauge(kPushFailureTimeMetric, kPushFailureTimeHelp, key, Seconds(now), now));
    if (failed.families.count(kPushTimeMetric) == 0) {
      failed.families.emplace(std::string(kPushTimeMetric),
                              TimestampGauge(kPushTimeMetric, kPushTimeHelp, key, 0, now));
    }
    // A new group's gauges may themselves collide with another group's series: then the failure
    // cannot be recorded without breaking consistency, and only the answer reports it.
    if (CheckLocked(failed, {}).ok() && LimitsLocked(failed, is_new).ok()) {
      if (auto pst = CommitLocked(std::move(failed)); !pst.ok()) Log(common::ToStd(pst.message()));
    }
    return absl::InvalidArgumentError(absl::StrCat(kInconsistent, st.message()));
  }
  if (auto st = LimitsLocked(candidate, is_new); !st.ok()) {
    ++stats_.failed_pushes;
    return st;
  }
  if (auto st = CommitLocked(std::move(candidate)); !st.ok()) {
    ++stats_.failed_pushes;
    return st;
  }
  ++stats_.pushes;
  return absl::OkStatus();
}

absl::Status GroupStore::Delete(const GroupingKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.deletes;
  auto it = groups_.find(key);
  if (it == groups_.end()) return absl::OkStatus();
  if (!options_.dir.empty()) {
    if (auto st = RemoveGroupFile(options_.dir, it->second.file); !st.ok()) {
      return absl::InternalError(
          absl::StrCat("deleting push group ", GroupingKeyString(key), ": ", st.message()));
    }
  }
  std::vector<model::Labels> gone = std::move(it->second.appended);
  IndexLocked(it->second.group, -1);
  groups_.erase(it);
  AppendLocked({}, gone, NextAppendMsLocked(), /*log_errors=*/true);
  return absl::OkStatus();
}

std::vector<Group> GroupStore::Groups() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Group> out;
  out.reserve(groups_.size());
  for (const auto& [key, e] : groups_) out.push_back(e.group);
  return out;
}

GroupStoreStats GroupStore::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void GroupStore::AppendLocked(const std::vector<Entry*>& entries,
                              const std::vector<model::Labels>& gone, int64_t t, bool log_errors) {
  std::unique_ptr<storage::Appender> app =
      options_.storage != nullptr ? options_.storage->NewAppender() : nullptr;
  absl::Status first_error;
  auto append = [&](const model::Labels& labels, double v, const PushedSample* s = nullptr) {
    if (app == nullptr) return;
    auto ref = s != nullptr && s->IsHistogram()
                   ? app->AppendHistogram(0, labels, t, s->histogram.get(),
                                          s->float_histogram.get())
                   : app->Append(0, labels, t, v);
    if (!ref.ok()) {
      ++stats_.append_errors;
      if (first_error.ok()) {
        first_error = absl::Status(ref.status().code(),
                                   absl::StrCat(labels.ToString(), ": ", ref.status().message()));
      }
    }
  };
  for (Entry* e : entries) {
    std::vector<model::Labels> current;
    absl::flat_hash_set<model::Labels> current_set;
    for (const auto& [name, f] : e->group.families) {
      for (const auto& s : f.samples) {
        append(s.labels, s.value, &s);
        current.push_back(s.labels);
        current_set.insert(s.labels);
      }
    }
    for (const auto& old : e->appended) {
      if (!current_set.contains(old) && !exposed_.contains(old)) append(old, model::StaleNaN());
    }
    e->appended = std::move(current);
  }
  for (const auto& labels : gone) {
    // A series another group now owns is not stale.
    if (exposed_.contains(labels)) continue;
    append(labels, model::StaleNaN());
  }
  if (app == nullptr) return;
  if (auto st = app->Commit(); !st.ok()) {
    ++stats_.append_errors;
    LogStr(absl::StrCat("appending pushed samples failed: ", st.message()));
    return;
  }
  if (!first_error.ok() && log_errors) {
    LogStr(absl::StrCat("some pushed samples were not appended: ", first_error.message()));
  }
}

void GroupStore::AppendAll() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Entry*> entries;
  entries.reserve(groups_.size());
  for (auto& [key, e] : groups_) entries.push_back(&e);
  AppendLocked(entries, {}, NextAppendMsLocked(), /*log_errors=*/false);
}

void GroupStore::StartTicker(int64_t interval_ms) {
  std::lock_guard<std::mutex> lock(ticker_mu_);
  interval_ms_ = std::max<int64_t>(interval_ms, 1);
  if (ticker_.joinable()) {
    retimed_ = true;
    ticker_cv_.notify_all();
    return;
  }
  stop_ = false;
  ticker_ = std::thread([this] { TickerLoop(); });
}

void GroupStore::TickerLoop() {
  std::unique_lock<std::mutex> lock(ticker_mu_);
  while (!stop_) {
    lock.unlock();
    AppendAll();
    lock.lock();
    retimed_ = false;
    ticker_cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_),
                        [this] { return stop_ || retimed_; });
  }
}

void GroupStore::Stop() {
  {
    std::lock_guard<std::mutex> lock(ticker_mu_);
    stop_ = true;
    ticker_cv_.notify_all();
  }
  if (ticker_.joinable()) ticker_.join();
}

}  // namespace promlet::push
