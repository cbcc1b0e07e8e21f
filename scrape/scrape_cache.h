// ScrapeCache: what one target's scrape loop remembers between scrapes.
//
//  - Series: raw series text as exposed (textparse RawSeries, e.g. `x{a="b"}`) -> storage ref of
//    its final labels (after honor_labels and metric_relabel_configs), or "dropped by relabeling".
//    A steady target therefore costs one hash lookup per sample: no label parsing, no relabeling.
//  - Staleness: the series appended (without an explicit timestamp) by the previous successful
//    scrape, so that the next scrape can mark the ones that vanished with tsdb::StaleNaN().
//  - Metadata: TYPE/HELP/UNIT per metric family, as last exposed.
//
// Invariants: entries have stable addresses (the prev/cur lists point at them). An entry is
// erased only by Flush() after a successful scrape, and only when it was not seen in that scrape;
// the series of that scrape become the new "previous" list, so every pointer in it is alive.
// Not thread-safe except Metadata(), which takes a lock: a cache belongs to one loop's strand.
#ifndef PROMLET_SCRAPE_SCRAPE_CACHE_H_
#define PROMLET_SCRAPE_SCRAPE_CACHE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "scrape/textparse.h"
#include "tsdb/labels.h"
#include "tsdb/storage.h"

namespace promlet::scrape {

class ScrapeCache {
 public:
  // Labels are deliberately not kept: appends go by ref, and a ref the storage no longer knows
  // is re-resolved from the scraped text (this halves the memory of a large fleet).
  struct Entry {
    tsdb::SeriesRef ref = 0;
    bool dropped = false;     // metric_relabel_configs dropped it
    uint64_t seen_iter = 0;   // last scrape iteration that exposed it
    uint64_t tracked_iter = 0;  // last iteration it was put on the staleness list
  };

  ScrapeCache() = default;
  ScrapeCache(const ScrapeCache&) = delete;
  ScrapeCache& operator=(const ScrapeCache&) = delete;

  // Starts a scrape iteration (also before the empty append that follows a failed attempt):
  // a new iteration number, an empty staleness list.
  void BeginIteration() {
    ++iter_;
    cur_.clear();
  }

  // Looks up a raw series; marks it seen in this iteration. Null if unknown.
  Entry* Get(std::string_view raw);
  // Adds a raw series; marks it seen.
  Entry* Add(std::string_view raw, bool dropped);

  // Records that `e` got a sample at the scrape's own timestamp in this iteration.
  void TrackStaleness(Entry* e) {
    if (e->tracked_iter == iter_) return;
    e->tracked_iter = iter_;
    cur_.push_back(e);
  }
  // Calls fn(entry) for each series of the previous successful scrape absent from this one.
  template <typename Fn>
  void ForEachStale(Fn&& fn) const {
    for (const Entry* e : prev_) {
      if (e->tracked_iter != iter_) fn(*e);
    }
  }
  // Every series of the previous successful scrape (for end-of-run staleness).
  const std::vector<Entry*>& Previous() const { return prev_; }

  // Ends an iteration. success=true: the tracked series become "previous" and entries not seen
  // in this scrape are dropped. success=false: the previous list is emptied (its series just got
  // stale markers) and entries are kept, unless the cache grew past twice the last successful
  // size (+1000), as Prometheus does against targets whose labels churn on failing scrapes.
  void EndIteration(bool success);

  size_t size() const { return series_.size(); }
  uint64_t iteration() const { return iter_; }

  // --- Metadata ---
  void SetType(std::string_view family, MetricType type);
  void SetHelp(std::string_view family, std::string help);
  void SetUnit(std::string_view family, std::string_view unit);
  // Snapshot, sorted by family name.
  std::vector<MetricMetadata> Metadata() const;
  // Metadata of one family, if exposed.
  std::optional<MetricMetadata> MetadataFor(std::string_view family) const;

 private:
  MetricMetadata& MetaEntry(std::string_view family);

  absl::flat_hash_map<std::string, std::unique_ptr<Entry>> series_;
  std::vector<Entry*> prev_;
  std::vector<Entry*> cur_;
  uint64_t iter_ = 0;
  size_t successful_size_ = 0;

  mutable std::mutex meta_mu_;
  absl::flat_hash_map<std::string, MetricMetadata> metadata_;
};

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_SCRAPE_CACHE_H_
