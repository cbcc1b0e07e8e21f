// ScrapeCache: what one target's scrape loop remembers between scrapes.
//
//  - Series: raw series text as exposed (textparse RawSeries, e.g. `x{a="b"}`) -> storage ref of
//    its final labels (after honor_labels and metric_relabel_configs), or "dropped by relabeling".
//    A steady target therefore costs one hash lookup per sample: no label parsing, no relabeling.
//    The text itself is not kept: the key is a 128-bit hash of it, seeded per cache from a
//    random source (two different texts of one target share a key with probability ~n^2/2^129,
//    i.e. never in practice, and a target cannot aim for a collision without knowing the seed).
//    That is ~40 bytes per series instead of the text plus two heap nodes.
//  - Staleness: which series the previous successful scrape appended (without an explicit
//    timestamp): Entry::in_prev, set for the whole cache by EndIteration's pass (which also
//    drops unseen entries). Those not tracked again in this iteration vanished and get
//    tsdb::StaleNaN().
//  - Metadata: TYPE/HELP/UNIT per metric family, as last exposed; a family no scrape exposed in
//    the last kMetadataKeepIterations iterations is dropped when an iteration flushes the cache
//    (as Prometheus' scrapeCache.iterDone), so a target churning metric names keeps a bounded
//    set, and a target that goes away takes its metadata with its cache. Family names and texts are
//    interned process-wide (a fleet of identical exporters repeats the same help texts in every
//    target). Fast path: a line whose 64-bit hash equals the line at the same position of the
//    previous parse is skipped without touching the stored strings, when that is exact: the
//    previous parse set each (family, kind) at most once ("clean"), so the stored value is that
//    line's, and no earlier line of this parse touched the same (family, kind).
//
// Invariants: an Entry* from Get/Add stays valid until the next Add or EndIteration. An entry is
// erased only by EndIteration after a successful scrape (or a failed one that grew the cache
// past twice the last successful size + 1000, as Prometheus does), and only when that iteration
// did not see it. Iteration numbers are 32-bit (136 years of 1 s scrapes before wrapping).
// Not thread-safe except Metadata()/MetadataFor(), which take a lock: a cache belongs to one
// loop's strand (a successor loop takes it over only after its predecessor stopped).
#ifndef PROMLET_SCRAPE_SCRAPE_CACHE_H_
#define PROMLET_SCRAPE_SCRAPE_CACHE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "model/textparse.h"
#include "model/labels.h"
#include "storage/interface.h"

namespace promlet::scrape {

// A process-wide interned, immutable string (refcounted; the pool frees it with its last user).
class InternedString;

class ScrapeCache {
 public:
  // Labels are deliberately not kept: appends go by ref, and a ref the storage no longer knows
  // is re-resolved from the scraped text (this halves the memory of a large fleet).
  struct Entry {
    storage::SeriesRef ref = 0;
    uint32_t seen_iter = 0;     // last scrape iteration that exposed it
    uint32_t tracked_iter = 0;  // last iteration it got a sample at the scrape's timestamp
    bool dropped = false;       // metric_relabel_configs dropped it
    bool in_prev = false;       // tracked by the previous successful scrape
  };

  ScrapeCache();
  ~ScrapeCache();
  ScrapeCache(const ScrapeCache&) = delete;
  ScrapeCache& operator=(const ScrapeCache&) = delete;

  // Starts a scrape iteration (also before the empty append that follows a failed attempt).
  void BeginIteration() {
    ++iter_;
    if (iter_ == 0) ++iter_;  // 0 means "never"
    meta_pos_ = 0;
    meta_clean_ = true;
  }
  // Ends the metadata lines of a parse (successful or not): what it saw becomes the reference
  // of the next parse's fast path.
  void EndMetadata() {
    meta_line_keys_.resize(meta_pos_);
    meta_line_recs_.resize(meta_pos_);
    prev_meta_clean_ = meta_clean_;
  }

  // Looks up a raw series; marks it seen in this iteration. Null if unknown.
  Entry* Get(std::string_view raw);
  // Adds a raw series (not present); marks it seen.
  Entry* Add(std::string_view raw, bool dropped);

  // Records that `e` got a sample at the scrape's own timestamp in this iteration.
  void TrackStaleness(Entry* e) { e->tracked_iter = iter_; }
  // Calls fn(entry) for each series of the previous successful scrape absent from this one.
  template <typename Fn>
  void ForEachStale(Fn&& fn) const {
    if (!has_prev_) return;
    for (const auto& [key, e] : series_) {
      if (e.in_prev && e.tracked_iter != iter_) fn(e);
    }
  }

  // Ends an iteration. success=true: the tracked series become "previous" and entries not seen
  // in this scrape are dropped. success=false: the previous list is emptied (its series just got
  // stale markers) and entries are kept, unless the cache grew past twice the last successful
  // size (+1000), as Prometheus does against targets whose labels churn on failing scrapes.
  void EndIteration(bool success);

  size_t size() const { return series_.size(); }
  // Metadata families currently kept.
  size_t metadata_size() const {
    std::lock_guard<std::mutex> lock(meta_mu_);
    return meta_.size();
  }
  static constexpr uint32_t kMetadataKeepIterations = 10;
  uint64_t iteration() const { return iter_; }

  // --- Metadata ---
  void SetType(std::string_view family, model::MetricType type);
  void SetHelp(std::string_view family, std::string_view help);
  void SetUnit(std::string_view family, std::string_view unit);
  // Snapshot, sorted by family name.
  std::vector<model::MetricMetadata> Metadata() const;
  // Metadata of one family, if exposed.
  std::optional<model::MetricMetadata> MetadataFor(std::string_view family) const;

 private:
  struct Key {
    uint64_t lo, hi;
    bool operator==(const Key& o) const { return lo == o.lo && hi == o.hi; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.lo; }  // already uniformly mixed
  };
  Key KeyOf(std::string_view raw) const;

  struct MetaRec {
    const InternedString* family = nullptr;  // never null
    const InternedString* help = nullptr;    // null: ""
    const InternedString* unit = nullptr;    // null: ""
    model::MetricType type = model::MetricType::kUnknown;
    uint8_t seen_kinds = 0;   // bit per kind set by a line of iteration seen_iter
    uint32_t seen_iter = 0;
  };
  enum MetaKind : uint8_t { kMetaType = 1, kMetaHelp = 2, kMetaUnit = 4 };
  // The record a metadata line sets, or null when the line provably changes nothing (fast
  // path). `payload` is the line's value as bytes (the type, the help or unit text).
  MetaRec* MetaLine(MetaKind kind, std::string_view family, std::string_view payload);
  static model::MetricMetadata ToMetadata(const MetaRec& r);
  // Drops families unseen for more than kMetadataKeepIterations iterations (EndIteration).
  void DropStaleMetadata();

  absl::flat_hash_map<Key, Entry, KeyHash> series_;
  uint64_t seed_lo_, seed_hi_;
  uint32_t iter_ = 0;
  bool has_prev_ = false;  // some entry has in_prev
  size_t successful_size_ = 0;

  mutable std::mutex meta_mu_;  // guards meta_index_ and meta_ against Metadata() readers
  std::vector<MetaRec> meta_;   // indexes change only in DropStaleMetadata
  absl::flat_hash_map<std::string_view, uint32_t> meta_index_;  // keys view meta_[i].family
  // Hash and meta_ index of the i-th metadata line of the previous parse (fast path).
  std::vector<uint64_t> meta_line_keys_;
  std::vector<uint32_t> meta_line_recs_;
  size_t meta_pos_ = 0;
  bool meta_clean_ = true;       // this parse set no (family, kind) twice so far
  bool prev_meta_clean_ = false;
};

}  // namespace promlet::scrape

#endif  // PROMLET_SCRAPE_SCRAPE_CACHE_H_
