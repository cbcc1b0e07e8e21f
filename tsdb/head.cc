#include "tsdb/head.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "tsdb/head_series.h"

namespace promlet::tsdb {

using head_internal::MemSeries;

namespace {

size_t RoundUpPow2(int n) {
  size_t p = 1;
  while (p < static_cast<size_t>(n < 1 ? 1 : n)) p <<= 1;
  return p;
}

void AtomicMin(std::atomic<int64_t>& a, int64_t v) {
  int64_t cur = a.load(std::memory_order_relaxed);
  while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}
void AtomicMax(std::atomic<int64_t>& a, int64_t v) {
  int64_t cur = a.load(std::memory_order_relaxed);
  while (v > cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

}  // namespace

Head::Head(HeadOptions opts)
    : opts_(opts),
      stripe_mask_(RoundUpPow2(opts.stripes) - 1),
      hash_stripes_(new HashStripe[stripe_mask_ + 1]),
      epoch_(std::make_shared<SymbolEpoch>(this, 1)) {}

Head::SymbolEpoch::~SymbolEpoch() {
  if (released.empty()) return;
  std::unique_lock<std::shared_mutex> il(head->index_mu_);
  for (uint32_t id : released) head->symbols_.Free(id, serial);
}

Head::SymbolPin Head::PinSymbols() const {
  std::lock_guard<std::mutex> l(epoch_mu_);
  return epoch_;
}

Head::~Head() = default;

int64_t Head::MaxValidTime() const {
  if (opts_.max_future_ms <= 0) return std::numeric_limits<int64_t>::max();
  int64_t now = opts_.now_ms ? opts_.now_ms()
                             : std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
  if (now > std::numeric_limits<int64_t>::max() - opts_.max_future_ms) {
    return std::numeric_limits<int64_t>::max();
  }
  return now + opts_.max_future_ms;
}

Head::SeriesPtr Head::GetByRef(storage::SeriesRef ref) const {
  if (SeriesPtr s = refs_.Get(ref)) return s;
  if (has_aliases_.load(std::memory_order_acquire)) {
    storage::SeriesRef target = 0;
    {
      std::lock_guard<std::mutex> l(alias_mu_);
      auto it = aliases_.find(ref);
      if (it != aliases_.end()) target = it->second;
    }
    if (target != 0) return refs_.Get(target);
  }
  return nullptr;
}

bool Head::LabelsEqual(const MemSeries& s, const model::Labels& labels) const {
  if (s.num_labels != labels.size()) return false;
  for (uint32_t i = 0; i < s.num_labels; ++i) {
    if (symbols_.Get(s.syms[2 * i]) != labels[i].name) return false;
    if (symbols_.Get(s.syms[2 * i + 1]) != labels[i].value) return false;
  }
  return true;
}

model::Labels Head::LabelsOf(const MemSeries& s) const {
  std::vector<model::Label> out;
  out.reserve(s.num_labels);
  for (uint32_t i = 0; i < s.num_labels; ++i) {
    out.push_back(model::Label{std::string(symbols_.Get(s.syms[2 * i])),
                        std::string(symbols_.Get(s.syms[2 * i + 1]))});
  }
  return model::Labels::FromSorted(std::move(out));
}

int Head::CompareSeries(const MemSeries& a, const MemSeries& b) const {
  uint32_t n = std::min(a.num_labels, b.num_labels);
  for (uint32_t i = 0; i < 2 * n; ++i) {
    uint32_t x = a.syms[i], y = b.syms[i];
    if (x == y) continue;
    int c = symbols_.Get(x).compare(symbols_.Get(y));
    if (c != 0) return c < 0 ? -1 : 1;
  }
  if (a.num_labels == b.num_labels) return 0;
  return a.num_labels < b.num_labels ? -1 : 1;
}

std::shared_ptr<const std::vector<uint32_t>> Head::SymbolRanks() const {
  std::lock_guard<std::mutex> l(ranks_mu_);
  // Under the index lock: ids may be freed and reused (which changes the version) otherwise.
  std::shared_lock<std::shared_mutex> il(index_mu_);
  if (ranks_ && ranks_version_ == symbols_.version()) return ranks_;
  const size_t n = symbols_.id_limit();
  std::vector<uint32_t> ids(n);
  for (uint32_t i = 0; i < n; ++i) ids[i] = i;
  std::sort(ids.begin(), ids.end(),
            [this](uint32_t a, uint32_t b) { return symbols_.Get(a) < symbols_.Get(b); });
  auto ranks = std::make_shared<std::vector<uint32_t>>(n);
  for (uint32_t r = 0; r < n; ++r) (*ranks)[ids[r]] = r;
  ranks_ = std::move(ranks);
  ranks_version_ = symbols_.version();
  return ranks_;
}

void Head::SortByLabels(std::vector<SeriesPtr>& v) const {
  if (v.size() < 512) {
    std::sort(v.begin(), v.end(), [this](const SeriesPtr& a, const SeriesPtr& b) {
      return CompareSeries(*a, *b) < 0;
    });
    return;
  }
  // Big sets: compare flat arrays of symbol ranks (same order as the strings, since ranks are
  // assigned in string order and every series' symbols are older than the ranks snapshot...
  // unless created meanwhile, which SymbolRanks() covers by counting symbols first).
  std::shared_ptr<const std::vector<uint32_t>> ranks = SymbolRanks();
  uint32_t max_sym = 0;
  for (const SeriesPtr& s : v) {
    for (uint32_t i = 0; i < 2 * s->num_labels; ++i) max_sym = std::max(max_sym, s->syms[i]);
  }
  if (max_sym >= ranks->size()) ranks = SymbolRanks();  // a series got newer symbols
  if (max_sym >= ranks->size()) {
    std::sort(v.begin(), v.end(), [this](const SeriesPtr& a, const SeriesPtr& b) {
      return CompareSeries(*a, *b) < 0;
    });
    return;
  }
  struct Key {
    uint32_t off;
    uint32_t len;
    uint32_t idx;
  };
  std::vector<uint32_t> flat;
  std::vector<Key> keys;
  keys.reserve(v.size());
  for (uint32_t k = 0; k < v.size(); ++k) {
    const MemSeries& s = *v[k];
    keys.push_back(Key{static_cast<uint32_t>(flat.size()), 2 * s.num_labels, k});
    for (uint32_t i = 0; i < 2 * s.num_labels; ++i) flat.push_back((*ranks)[s.syms[i]]);
  }
  std::sort(keys.begin(), keys.end(), [&flat](const Key& a, const Key& b) {
    const uint32_t* x = flat.data() + a.off;
    const uint32_t* y = flat.data() + b.off;
    uint32_t n = std::min(a.len, b.len);
    for (uint32_t i = 0; i < n; ++i) {
      if (x[i] != y[i]) return x[i] < y[i];
    }
    return a.len < b.len;
  });
  std::vector<SeriesPtr> out;
  out.reserve(v.size());
  for (const Key& k : keys) out.push_back(std::move(v[k.idx]));
  v = std::move(out);
}

Head::SeriesPtr Head::FindByLabels(const model::Labels& labels, uint64_t hash) const {
  HashStripe& hs = hash_stripes_[hash & stripe_mask_];
  std::lock_guard<SmallMutex> l(hs.mu);
  auto it = hs.series.find(hash);
  if (it == hs.series.end()) return nullptr;
  for (const SeriesPtr& s : it->second) {
    if (!LabelsEqual(*s, labels)) continue;
    std::lock_guard<SmallMutex> sl(s->mu);
    if (!s->deleted) return s;
  }
  return nullptr;
}

absl::StatusOr<Head::SeriesPtr> Head::GetOrCreate(const model::Labels& labels, bool* created,
                                                  storage::SeriesRef want_ref) {
  *created = false;
  if (labels.empty()) return absl::InvalidArgumentError("empty label set");
  for (const model::Label& l : labels) {
    if (l.name.empty()) {
      return absl::InvalidArgumentError("empty label name in " + labels.ToString());
    }
  }
  const uint64_t hash = labels.Hash();
  HashStripe& hs = hash_stripes_[hash & stripe_mask_];
  std::lock_guard<SmallMutex> l(hs.mu);
  auto& bucket = hs.series[hash];
  for (const SeriesPtr& s : bucket) {
    if (!LabelsEqual(*s, labels)) continue;
    std::lock_guard<SmallMutex> sl(s->mu);
    if (!s->deleted) return s;
  }
  storage::SeriesRef ref = want_ref;
  if (ref >= SeriesTable<SeriesPtr>::kMaxRef) {
    return absl::InvalidArgumentError("series ref " + std::to_string(ref) + " out of range");
  }
  if (ref == 0) {
    ref = next_ref_.fetch_add(1);
  } else {
    storage::SeriesRef cur = next_ref_.load();
    while (cur <= ref && !next_ref_.compare_exchange_weak(cur, ref + 1)) {
    }
  }
  std::unique_ptr<uint32_t[]> syms(new uint32_t[2 * labels.size()]);
  std::vector<index::LabelPairView> pairs;
  pairs.reserve(labels.size());
  SeriesPtr s;
  {
    std::unique_lock<std::shared_mutex> il(index_mu_);
    for (size_t i = 0; i < labels.size(); ++i) {
      syms[2 * i] = symbols_.Intern(labels[i].name);
      syms[2 * i + 1] = symbols_.Intern(labels[i].value);
      pairs.emplace_back(symbols_.Get(syms[2 * i]), symbols_.Get(syms[2 * i + 1]));
    }
    s = std::make_shared<MemSeries>(ref, hash, std::move(syms),
                                    static_cast<uint32_t>(labels.size()));
    postings_.Add(ref, pairs);
  }
  bucket.push_back(s);
  refs_.Insert(ref, s);
  num_series_.fetch_add(1, std::memory_order_relaxed);
  series_created_.fetch_add(1, std::memory_order_relaxed);
  *created = true;
  return s;
}

std::vector<Head::SeriesPtr> Head::AllSeries() const {
  std::vector<SeriesPtr> out;
  out.reserve(num_series_.load(std::memory_order_relaxed));
  refs_.ForEach([&](storage::SeriesRef, const SeriesPtr& s) { out.push_back(s); });
  return out;
}

void Head::NoteTimes(int64_t mint, int64_t maxt) {
  if (mint > maxt) return;
  AtomicMin(min_time_, mint);
  AtomicMax(max_time_, maxt);
}

void Head::EnterCommit() {
  for (;;) {
    while (gate_closed_.load()) std::this_thread::yield();
    inflight_commits_.fetch_add(1);
    if (!gate_closed_.load()) return;
    inflight_commits_.fetch_sub(1);
  }
}

void Head::ExitCommit() { inflight_commits_.fetch_sub(1); }

uint64_t Head::RegisterReader() {
  std::lock_guard<std::mutex> sl(snapshot_mu_);
  gate_closed_.store(true);
  while (inflight_commits_.load() != 0) std::this_thread::yield();  // drain: no half commits
  uint64_t id = commit_counter_.load();
  {
    // Registered before the gate reopens, so every later commit sees this reader.
    std::lock_guard<std::mutex> rl(readers_mu_);
    open_readers_.insert(id);
    min_open_reader_.store(*open_readers_.begin());
  }
  gate_closed_.store(false);
  return id;
}

void Head::UnregisterReader(uint64_t id) {
  std::lock_guard<std::mutex> rl(readers_mu_);
  auto it = open_readers_.find(id);
  if (it != open_readers_.end()) open_readers_.erase(it);
  min_open_reader_.store(open_readers_.empty() ? std::numeric_limits<uint64_t>::max()
                                               : *open_readers_.begin());
}

void Head::Apply(absl::Span<const Pending> samples) {
  if (samples.empty()) return;
  int64_t mint = std::numeric_limits<int64_t>::max();
  int64_t maxt = std::numeric_limits<int64_t>::min();
  uint64_t applied = 0, applied_histograms = 0, ooo = 0;
  {
    EnterCommit();
    const uint64_t id = commit_counter_.fetch_add(1) + 1;
    const uint64_t min_reader = min_open_reader_.load();
    size_t i = 0;
    while (i < samples.size()) {
      MemSeries* s = samples[i].series;
      std::lock_guard<SmallMutex> sl(s->mu);
      --s->pending;  // the appender's hold ends here (saves a second lock pass)
      s->NoteCommit(id, min_reader);
      for (; i < samples.size() && samples[i].series == s; ++i) {
        const Pending& p = samples[i];
        if (p.hist != nullptr) {
          if (s->AppendHistogram(p.t, p.hist->h, p.hist->fh, opts_.chunk_range_ms, p.st)) {
            ++applied_histograms;
            mint = std::min(mint, p.t);
            maxt = std::max(maxt, p.t);
          } else {
            ++ooo;
          }
        } else if (s->Append(p.t, p.v, opts_.samples_per_chunk, opts_.chunk_range_ms, p.st)) {
          ++applied;
          mint = std::min(mint, p.t);
          maxt = std::max(maxt, p.t);
        } else {
          ++ooo;  // lost a race with another appender on the same series
        }
      }
    }
    ExitCommit();
  }
  NoteTimes(mint, maxt);
  samples_appended_.fetch_add(applied, std::memory_order_relaxed);
  if (applied_histograms) {
    histogram_samples_appended_.fetch_add(applied_histograms, std::memory_order_relaxed);
  }
  if (ooo) out_of_order_.fetch_add(ooo, std::memory_order_relaxed);
}

Head::TruncateResult Head::Truncate(int64_t mint) {
  std::lock_guard<std::mutex> truncating(truncate_mu_);
  TruncateResult res;
  AtomicMax(min_valid_time_, mint);
  std::vector<SeriesPtr> all = AllSeries();
  std::vector<SeriesPtr> dead;
  int64_t new_min = std::numeric_limits<int64_t>::max();
  for (const SeriesPtr& s : all) {
    std::lock_guard<SmallMutex> l(s->mu);
    size_t k = 0;
    while (k < s->closed.size() && s->closed[k]->max_time < mint) ++k;
    if (k > 0) {
      s->closed.erase(s->closed.begin(), s->closed.begin() + static_cast<ptrdiff_t>(k));
      res.removed_chunks += k;
    }
    bool open_old = (s->open.empty() || s->open.last_time() < mint) &&
                    (s->hist == nullptr || s->hist->max_time < mint);
    if (s->closed.empty() && open_old && s->pending == 0) {
      if (!s->open.empty() || s->hist != nullptr) ++res.removed_chunks;
      s->deleted = true;
      s->open = chunkenc::XorEncoder();
      s->hist.reset();
      s->marks.reset();
      dead.push_back(s);
    } else if (s->HasSamples()) {
      new_min = std::min(new_min, s->MinTime());
    }
  }
  if (!dead.empty()) {
    absl::flat_hash_set<storage::SeriesRef> dead_refs;
    std::vector<index::LabelPairView> pairs;
    std::vector<uint32_t> released;
    uint32_t serial;
    {
      std::lock_guard<std::mutex> l(epoch_mu_);
      serial = epoch_->serial;
    }
    {
      std::unique_lock<std::shared_mutex> il(index_mu_);
      for (const SeriesPtr& s : dead) {
        dead_refs.insert(s->ref);
        for (uint32_t i = 0; i < s->num_labels; ++i) {
          pairs.emplace_back(symbols_.Get(s->syms[2 * i]), symbols_.Get(s->syms[2 * i + 1]));
        }
      }
      std::sort(pairs.begin(), pairs.end());
      pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
      postings_.Delete(dead_refs, pairs);
      for (const SeriesPtr& s : dead) {
        for (uint32_t i = 0; i < 2 * s->num_labels; ++i) {
          if (symbols_.Unref(s->syms[i], serial)) released.push_back(s->syms[i]);
        }
      }
    }
    for (const SeriesPtr& s : dead) {
      {
        HashStripe& hs = hash_stripes_[s->hash & stripe_mask_];
        std::lock_guard<SmallMutex> l(hs.mu);
        auto it = hs.series.find(s->hash);
        if (it != hs.series.end()) {
          auto& b = it->second;
          b.erase(std::remove(b.begin(), b.end(), s), b.end());
          if (b.empty()) hs.series.erase(it);
        }
      }
      refs_.Erase(s->ref);
      res.removed_series.push_back(s->ref);
    }
    if (has_aliases_.load()) {
      std::lock_guard<std::mutex> l(alias_mu_);
      absl::erase_if(aliases_, [&](const auto& kv) { return dead_refs.contains(kv.second); });
    }
    num_series_.fetch_sub(dead.size(), std::memory_order_relaxed);
    series_removed_.fetch_add(dead.size(), std::memory_order_relaxed);
    // The released symbols go with the epoch readers pinned so far; a new epoch starts.
    SymbolPin retired;
    {
      std::lock_guard<std::mutex> l(epoch_mu_);
      retired = std::move(epoch_);
      retired->released = std::move(released);
      epoch_ = std::make_shared<SymbolEpoch>(this, serial + 1);
      retired->next = epoch_;
    }
    retired.reset();  // frees them now unless a reader still holds that epoch
    std::sort(res.removed_series.begin(), res.removed_series.end());
  }
  // Appends racing with this walk only raise min_time_ candidates above mint; store the walk's.
  if (new_min == std::numeric_limits<int64_t>::max()) {
    if (num_series_.load() == 0) {
      min_time_.store(std::numeric_limits<int64_t>::max());
      max_time_.store(std::numeric_limits<int64_t>::min());
    }
  } else {
    int64_t cur = min_time_.load();
    if (new_min > cur) min_time_.store(new_min);
  }
  return res;
}

void Head::ForEachSeries(const std::function<void(storage::SeriesRef, const model::Labels&)>& fn) const {
  SymbolPin pin = PinSymbols();
  std::vector<SeriesPtr> all = AllSeries();
  std::sort(all.begin(), all.end(),
            [](const SeriesPtr& a, const SeriesPtr& b) { return a->ref < b->ref; });
  for (const SeriesPtr& s : all) {
    {
      std::lock_guard<SmallMutex> l(s->mu);
      if (s->deleted) continue;
    }
    fn(s->ref, LabelsOf(*s));
  }
}

std::vector<RefSeries> Head::LiveSeries() const {
  std::vector<RefSeries> out;
  ForEachSeries([&](storage::SeriesRef ref, const model::Labels& l) { out.push_back(RefSeries{ref, l}); });
  return out;
}

bool Head::IsLive(storage::SeriesRef ref) const { return GetByRef(ref) != nullptr; }

HeadStats Head::Stats() const {
  HeadStats st;
  std::vector<SeriesPtr> all = AllSeries();
  st.num_series = all.size();
  for (const SeriesPtr& s : all) {
    std::lock_guard<SmallMutex> l(s->mu);
    st.num_chunks += s->closed.size() + (s->open.empty() ? 0 : 1) + (s->hist ? 1 : 0);
    st.chunk_bytes += s->ChunkMemoryBytes();
    st.index_bytes += sizeof(MemSeries) + 8 * s->num_labels + 96;  // series record + map slots
  }
  {
    std::unique_lock<std::shared_mutex> il(index_mu_);
    st.index_bytes += postings_.MemoryBytes() + symbols_.MemoryBytes();
    st.num_symbols = symbols_.size();
  }
  st.samples_appended = samples_appended_.load();
  st.histogram_samples_appended = histogram_samples_appended_.load();
  st.series_created = series_created_.load();
  st.series_removed = series_removed_.load();
  st.out_of_order = out_of_order_.load();
  st.duplicates = duplicates_.load();
  st.out_of_bounds = out_of_bounds_.load();
  st.min_time = MinTime();
  st.max_time = MaxTime();
  return st;
}

HeadCardinality Head::Cardinality(size_t top_n) const {
  HeadCardinality c;
  using Entry = HeadCardinality::Entry;
  auto top = [top_n](std::vector<Entry>& v) {
    std::sort(v.begin(), v.end(), [](const Entry& a, const Entry& b) {
      return a.value != b.value ? a.value > b.value : a.name < b.name;
    });
    if (v.size() > top_n) v.resize(top_n);
  };
  std::unique_lock<std::shared_mutex> il(index_mu_);
  c.num_series = postings_.All().size();
  c.num_label_pairs = postings_.NumPairs();
  std::vector<Entry> pairs;
  postings_.ForEachName([&](std::string_view name, const index::MemPostings::ValueMap& values) {
    uint64_t mem = 0;
    for (const auto& [v, p] : values) {
      mem += v.size() * p.size();
      std::string pair = std::string(name) + "=\"" + std::string(v) + "\"";
      pairs.push_back(Entry{std::move(pair), p.size()});
      if (name == model::kMetricName) c.series_count_by_metric_name.push_back(Entry{std::string(v), p.size()});
    }
    c.label_value_count_by_label_name.push_back(Entry{std::string(name), values.size()});
    c.memory_in_bytes_by_label_name.push_back(Entry{std::string(name), mem});
    // Keep the pair list bounded while walking.
    if (pairs.size() > 4 * top_n + 4096) top(pairs);
  });
  top(pairs);
  c.series_count_by_label_value_pair = std::move(pairs);
  top(c.series_count_by_metric_name);
  top(c.label_value_count_by_label_name);
  top(c.memory_in_bytes_by_label_name);
  return c;
}

}  // namespace promlet::tsdb
