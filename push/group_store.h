// GroupStore: Pushgateway's metric groups, kept durably and fed to storage as if a Pushgateway
// were scraped by Prometheus with honor_labels: true.
//
// Semantics (Pushgateway's storage/diskmetricstore.go):
//  - Push with kReplaceGroup (PUT) replaces every family of the group; kReplaceFamilies (POST)
//    replaces only the families the push carries. Either sets push_time_seconds to now and adds
//    push_failure_time_seconds = 0 if the group had none. Pushed families named like those two
//    are overwritten by them.
//  - A push is checked before it changes anything: samples with timestamps, a family whose type
//    differs from the same family in another group, and a series (after the grouping key is
//    applied) that repeats within the push or exists in another group make it inconsistent.
//    An inconsistent push returns InvalidArgument "pushed metrics are invalid or inconsistent
//    with existing metrics: ...", and then only sets the group's push_failure_time_seconds
//    (creating the group with push_time_seconds = 0 if needed), as Pushgateway does. Help
//    texts may differ between groups (Pushgateway merges them too).
//    Series identity is Pushgateway's: the labels with the grouping key's empty values kept
//    (except instance, which Pushgateway always sets), so {job="a"} and {job="a",x=""} may
//    both hold x, although Prometheus (and promlet's storage) sees one series: the later
//    append of such a series in a round is dropped as a duplicate, as a scrape would drop it.
//  - Delete removes the group (a missing group is not an error).
//  - Limits (max_groups, max_series_per_group; 0 = none) answer ResourceExhausted and change
//    nothing.
// Durability: with a directory, every change is written to the group's file (group_file.h)
// before the call returns OK; a persistence failure returns Internal and changes nothing.
// Open() reloads the groups.
// Storage: after each change the group's samples are appended at the change time, and series
// it no longer has get a staleness marker; the ticker appends every group's samples every
// interval (a Pushgateway scrape), so rate() and time() - push_time_seconds behave as with a
// scraped Pushgateway. Append timestamps strictly increase across the store. Append errors are
// logged and counted, never fail a push (the group file is the source of truth).
// Thread-safe: one mutex serialises changes, persistence and appends.
#ifndef PROMLET_PUSH_GROUP_STORE_H_
#define PROMLET_PUSH_GROUP_STORE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "push/group.h"
#include "storage/interface.h"

namespace promlet::push {

enum class WriteMode { kReplaceGroup, kReplaceFamilies };

struct GroupStoreOptions {
  std::string dir;                            // "" keeps groups in memory only (tests)
  storage::Appendable* storage = nullptr;        // null: nothing is appended (tests)
  size_t max_groups = 0;                      // 0 = unlimited
  size_t max_series_per_group = 0;            // 0 = unlimited
  std::function<int64_t()> now_ms;            // Unix ms; defaults to the system clock
  std::function<void(std::string_view)> log;  // warnings; defaults to none
};

struct GroupStoreStats {
  uint64_t pushes = 0;
  uint64_t failed_pushes = 0;
  uint64_t deletes = 0;
  uint64_t append_errors = 0;
};

class GroupStore {
 public:
  // Loads the groups under options.dir (creating it). Damaged files are logged and skipped.
  static absl::StatusOr<std::unique_ptr<GroupStore>> Open(GroupStoreOptions options);
  ~GroupStore();
  GroupStore(const GroupStore&) = delete;
  GroupStore& operator=(const GroupStore&) = delete;

  // `families` come from a body parser (text_body.h), labels without the grouping key.
  absl::Status Push(const GroupingKey& key, std::vector<Family> families, WriteMode mode);
  absl::Status Delete(const GroupingKey& key);

  // A copy of every group, ordered by grouping key.
  std::vector<Group> Groups() const;
  GroupStoreStats stats() const;

  // Appends every group's samples now (one Pushgateway scrape).
  void AppendAll();
  // Starts (or re-times) the thread calling AppendAll every interval; the first call happens
  // at once, so groups loaded from disk are queryable right after a restart.
  void StartTicker(int64_t interval_ms);
  // Stops the ticker; idempotent. The destructor calls it.
  void Stop();

 private:
  struct Entry {
    Group group;
    std::string file;
    std::vector<model::Labels> appended;  // series appended last time, for staleness markers
  };

  explicit GroupStore(GroupStoreOptions options);
  void Log(std::string_view msg) const;
  void LogStr(const std::string& msg) const;
  int64_t NextAppendMsLocked();
  // Checks a candidate group (the result of applying a push) against the other groups.
  absl::Status CheckLocked(const Group& candidate, const std::vector<Family>& pushed) const;
  absl::Status LimitsLocked(const Group& candidate, bool is_new) const;
  // Persists then installs `group` (replacing the entry for its key). Nothing changes on error.
  absl::Status CommitLocked(Group group);
  void IndexLocked(const Group& g, int delta);
  std::string FileNameLocked(const GroupingKey& key) const;
  // Appends the entries' samples at `t`, staleness markers for series they lost, and (for
  // `gone`) markers for every series of deleted groups.
  // Errors are logged when `log_errors` (changes), counted always (ticks repeat them).
  void AppendLocked(const std::vector<Entry*>& entries, const std::vector<model::Labels>& gone,
                    int64_t t, bool log_errors);
  void TickerLoop();

  GroupStoreOptions options_;
  mutable std::mutex mu_;
  std::map<GroupingKey, Entry> groups_;
  // Series identity (SeriesIdentity) of every group's samples -> the group owning it.
  absl::flat_hash_map<std::string, const GroupingKey*> series_owner_;
  // How many groups expose each series (two may, through empty grouping values).
  absl::flat_hash_map<model::Labels, int> exposed_;
  // Family name -> type -> number of groups holding it with that type.
  std::map<std::string, std::map<model::MetricType, int>, std::less<>> family_types_;
  int64_t last_append_ms_ = 0;
  GroupStoreStats stats_;

  std::mutex ticker_mu_;
  std::condition_variable ticker_cv_;
  int64_t interval_ms_ = 0;
  bool stop_ = false;
  bool retimed_ = false;
  std::thread ticker_;
};

}  // namespace promlet::push

#endif  // PROMLET_PUSH_GROUP_STORE_H_
