// HeadAppender: stages one batch of samples, validates each against its series' newest sample
// (and the batch's own earlier samples), and at Commit logs the batch to the WAL sink and
// applies it under the head's shared commit lock.
//
// Per-sample cost matters (a scrape appends hundreds of samples per batch, thousands of batches
// a minute), hence:
//  - Series are held by raw pointer: the pending hold, taken under the ref table's block lock,
//    keeps Truncate from removing the series (and so its last shared_ptr in the table) until
//    the batch ends, without reference-count traffic per sample.
//  - A held series carries this appender's id and its batch index (MemSeries::batch_owner), so
//    finding the batch entry needs no hash map. Only a series another live appender tagged
//    first goes into the small per-batch `shared_held_` map.
//  - Batch buffers are recycled through a small per-thread pool instead of growing fresh
//    vectors for every scrape.
#include <algorithm>
#include <atomic>
#include <cstring>

#include "model/value.h"
#include "tsdb/head.h"
#include "tsdb/head_series.h"

namespace promlet::tsdb {

using head_internal::MemSeries;

namespace {

constexpr uint32_t kNoBatchHistogram = ~uint32_t{0};

// Records the start timestamp of the item just added to a list of `n` items in `sts`, which
// stays empty until some item has one.
void NoteST(std::vector<int64_t>& sts, size_t n, int64_t st) {
  if (st == 0 && sts.empty()) return;
  sts.resize(n - 1, 0);
  sts.push_back(st);
}

struct BatchEntry {
  MemSeries* series;
  int64_t last_t;
  uint64_t last_v;  // float bits when last_type is kFloat
  bool has_last;
  bool staged;  // has samples in the batch: Head::Apply releases its hold
  storage::ValueType last_type;
  // For a histogram last sample: its index in the batch's histograms, or kNoBatchHistogram
  // when it is the series' committed one.
  uint32_t last_hist;
};

// The growable state of one batch; recycled (cleared, capacity kept) between appenders.
template <typename PendingT>
struct BatchBuffers {
  std::vector<BatchEntry> entries;
  std::vector<RefSeries> new_series;
  std::vector<RefSample> samples;
  std::vector<uint32_t> sample_entry;
  std::vector<RefHistogramSample> histograms;
  std::vector<uint32_t> histogram_entry;
  // Start timestamps of samples / histograms, parallel to them; empty while the batch has none
  // (the usual case), zero-filled up to the first sample that has one.
  std::vector<int64_t> sample_st;
  std::vector<int64_t> histogram_st;
  std::vector<PendingT> pending;

  void Clear() {
    entries.clear();
    new_series.clear();
    samples.clear();
    sample_entry.clear();
    histograms.clear();
    histogram_entry.clear();
    sample_st.clear();
    histogram_st.clear();
    pending.clear();
  }
  size_t Capacity() const { return std::max(entries.capacity(), samples.capacity()); }
};

// Buffers larger than this (in entries) are freed rather than pooled, so one huge batch does
// not pin its memory; a few per thread cover the appenders a scrape thread has open at once.
constexpr size_t kMaxPooledCapacity = size_t{1} << 16;
constexpr size_t kMaxPooledPerThread = 4;

// The WAL's list of the batch's start timestamps (samples that have one).
template <typename B>
std::vector<RefStartTimestamp> StartTimestampsOf(const B& b) {
  std::vector<RefStartTimestamp> out;
  for (size_t i = 0; i < b.sample_st.size(); ++i) {
    if (b.sample_st[i] != 0) out.push_back({b.samples[i].ref, b.samples[i].t, b.sample_st[i]});
  }
  for (size_t i = 0; i < b.histogram_st.size(); ++i) {
    if (b.histogram_st[i] != 0) {
      out.push_back({b.histograms[i].ref, b.histograms[i].t, b.histogram_st[i]});
    }
  }
  return out;
}

uint32_t NextAppenderId() {
  static std::atomic<uint32_t> next{0};
  uint32_t id;
  do {
    id = next.fetch_add(1, std::memory_order_relaxed) + 1;
  } while (id == 0);  // 0 means "no owner"
  return id;
}

}  // namespace

class HeadAppender final : public storage::Appender {
 public:
  using Buffers = BatchBuffers<Head::Pending>;

  explicit HeadAppender(Head* head)
      : head_(head),
        id_(NextAppenderId()),
        max_valid_time_(head->MaxValidTime()),
        b_(TakeBuffers()) {}
  ~HeadAppender() override {
    if (!done_) Rollback();
    GiveBack(std::move(b_));
  }

  absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef ref, const model::Labels& labels,
                                            int64_t t, double v) override {
    return AppendFloat(ref, labels, t, v, 0);
  }
  absl::StatusOr<storage::SeriesRef> AppendHistogram(
      storage::SeriesRef ref, const model::Labels& labels, int64_t t,
      const model::histogram::Histogram* h, const model::histogram::FloatHistogram* fh) override {
    return AppendHist(ref, labels, t, h, fh, 0);
  }
  absl::StatusOr<storage::SeriesRef> AppendWithST(storage::SeriesRef ref,
                                                  const model::Labels& labels, int64_t st,
                                                  int64_t t, double v) override {
    return AppendFloat(ref, labels, t, v, head_->opts_.store_start_timestamps ? st : 0);
  }
  absl::StatusOr<storage::SeriesRef> AppendHistogramWithST(
      storage::SeriesRef ref, const model::Labels& labels, int64_t st, int64_t t,
      const model::histogram::Histogram* h, const model::histogram::FloatHistogram* fh) override {
    return AppendHist(ref, labels, t, h, fh, head_->opts_.store_start_timestamps ? st : 0);
  }
  absl::Status Commit() override;
  void Rollback() override;

 private:
  // The batch entry of a live series, taking a pending hold on it if this batch has none yet
  // (so Truncate keeps it). nullptr if the series was deleted meanwhile.
  BatchEntry* Hold(MemSeries* s);
  // Hold() of the series `ref` resolves to; nullptr if unknown.
  BatchEntry* HoldByRef(storage::SeriesRef ref);
  // The held batch entry of the series `ref` or `labels` name, creating the series if needed.
  absl::StatusOr<BatchEntry*> EntryFor(storage::SeriesRef ref, const model::Labels& labels);
  // Checks and stages a histogram sample (exactly one of h, fh set) for e's series, as
  // Prometheus' appendableHistogram / appendableFloatHistogram.
  absl::StatusOr<storage::SeriesRef> StageHistogram(
      BatchEntry* e, int64_t t, std::shared_ptr<const model::histogram::Histogram> h,
      std::shared_ptr<const model::histogram::FloatHistogram> fh, int64_t st);
  // Append / AppendHistogram with start timestamp st (0: none).
  absl::StatusOr<storage::SeriesRef> AppendFloat(storage::SeriesRef ref,
                                                 const model::Labels& labels, int64_t t, double v,
                                                 int64_t st);
  absl::StatusOr<storage::SeriesRef> AppendHist(storage::SeriesRef ref, const model::Labels& labels,
                                                int64_t t, const model::histogram::Histogram* h,
                                                const model::histogram::FloatHistogram* fh,
                                                int64_t st);
  // Whether a histogram equals e's last sample (which is a histogram of the same kind).
  bool SameAsLastHistogram(const BatchEntry& e, const model::histogram::Histogram* h,
                           const model::histogram::FloatHistogram* fh);
  // Ends the pending holds (all, or only those of series without staged samples).
  void Release(bool only_unstaged = false);

  static std::unique_ptr<Buffers> TakeBuffers();
  static void GiveBack(std::unique_ptr<Buffers> b);

  Head* head_;
  const uint32_t id_;
  // Read once per batch, as Prometheus reads minValidTime: a clock call per sample costs more.
  const int64_t max_valid_time_;
  bool done_ = false;
  std::unique_ptr<Buffers> b_;
  // Series this batch holds whose batch tag belonged to another live appender: -> entry index.
  absl::flat_hash_map<MemSeries*, uint32_t> shared_held_;
};

namespace {
thread_local std::vector<std::unique_ptr<HeadAppender::Buffers>> tl_buffer_pool;
}  // namespace

std::unique_ptr<HeadAppender::Buffers> HeadAppender::TakeBuffers() {
  if (tl_buffer_pool.empty()) return std::make_unique<Buffers>();
  std::unique_ptr<Buffers> b = std::move(tl_buffer_pool.back());
  tl_buffer_pool.pop_back();
  return b;
}

void HeadAppender::GiveBack(std::unique_ptr<Buffers> b) {
  if (b == nullptr || b->Capacity() > kMaxPooledCapacity ||
      tl_buffer_pool.size() >= kMaxPooledPerThread) {
    return;
  }
  b->Clear();
  tl_buffer_pool.push_back(std::move(b));
}

BatchEntry* HeadAppender::Hold(MemSeries* s) {
  std::lock_guard<SmallMutex> l(s->mu);
  if (s->batch_owner == id_) return &b_->entries[s->batch_index];
  if (!shared_held_.empty()) {
    auto it = shared_held_.find(s);
    if (it != shared_held_.end()) return &b_->entries[it->second];
  }
  if (s->deleted) return nullptr;
  const auto idx = static_cast<uint32_t>(b_->entries.size());
  if (s->pending == 0) {
    s->batch_owner = id_;  // any previous tag is stale: its appender no longer holds s
    s->batch_index = idx;
  } else {
    shared_held_[s] = idx;
  }
  ++s->pending;
  BatchEntry e{s, 0, 0, false, false, storage::ValueType::kNone, kNoBatchHistogram};
  if (s->HasSamples()) {
    e.has_last = true;
    e.last_t = s->MaxTime();
    e.last_v = s->open.empty() ? 0 : s->open.last_value_bits();
    e.last_type = s->LastType();
  }
  b_->entries.push_back(e);
  return &b_->entries.back();
}

BatchEntry* HeadAppender::HoldByRef(storage::SeriesRef ref) {
  BatchEntry* e = nullptr;
  bool found = false;
  // Under the table's block lock the series cannot be removed; once held, Truncate keeps it.
  head_->refs_.With(ref, [&](const Head::SeriesPtr& p) {
    if (p == nullptr) return;
    found = true;
    e = Hold(p.get());
  });
  if (!found && head_->has_aliases_.load(std::memory_order_acquire)) {
    if (Head::SeriesPtr s = head_->GetByRef(ref)) e = Hold(s.get());
  }
  // A scrape appends its series in page order, and a page's series got consecutive refs when
  // they were created: start loading the next one now (its first touch is otherwise a cache
  // miss that stalls the next Append). A wrong guess costs one uncontended lock.
  head_->refs_.With(ref + 1, [](const Head::SeriesPtr& p) {
    if (p == nullptr) return;
    const char* m = reinterpret_cast<const char*>(p.get());
    __builtin_prefetch(m);
    __builtin_prefetch(m + 64);
    __builtin_prefetch(m + 128);
  });
  return e;
}

absl::StatusOr<storage::SeriesRef> HeadAppender::AppendFloat(storage::SeriesRef ref,
                                                             const model::Labels& labels, int64_t t,
                                                             double v, int64_t st) {
  if (done_) return absl::FailedPreconditionError("appender used after Commit or Rollback");
  auto entry = EntryFor(ref, labels);
  if (!entry.ok()) return entry.status();
  BatchEntry* e = *entry;
  MemSeries* series = e->series;
  if (t < head_->min_valid_time_.load(std::memory_order_relaxed) || t > max_valid_time_) {
    head_->out_of_bounds_.fetch_add(1, std::memory_order_relaxed);
    return storage::ErrOutOfBounds();
  }
  if (e->last_type >= storage::ValueType::kHistogram && model::IsStaleNaN(v)) {
    // A float stale marker for a histogram series becomes a histogram stale marker of the
    // series' kind, so that marking the series stale does not cut a chunk of another type.
    if (e->last_type == storage::ValueType::kHistogram) {
      auto h = std::make_shared<model::histogram::Histogram>();
      h->sum = v;
      return StageHistogram(e, t, std::move(h), nullptr, st);
    }
    auto fh = std::make_shared<model::histogram::FloatHistogram>();
    fh->sum = v;
    return StageHistogram(e, t, nullptr, std::move(fh), st);
  }
  uint64_t vb;
  std::memcpy(&vb, &v, 8);
  if (e->has_last) {
    if (t < e->last_t) {
      head_->out_of_order_.fetch_add(1, std::memory_order_relaxed);
      return storage::ErrOutOfOrderSample();
    }
    if (t == e->last_t) {
      if (vb == e->last_v && e->last_type == storage::ValueType::kFloat) return series->ref;
      head_->duplicates_.fetch_add(1, std::memory_order_relaxed);
      return storage::ErrDuplicateSample();
    }
  }
  e->has_last = true;
  e->last_t = t;
  e->last_v = vb;
  e->last_type = storage::ValueType::kFloat;
  e->staged = true;
  b_->samples.push_back(RefSample{series->ref, t, v});
  b_->sample_entry.push_back(static_cast<uint32_t>(e - b_->entries.data()));
  NoteST(b_->sample_st, b_->samples.size(), st);
  return series->ref;
}

absl::StatusOr<BatchEntry*> HeadAppender::EntryFor(storage::SeriesRef ref,
                                                  const model::Labels& labels) {
  BatchEntry* e = ref != 0 ? HoldByRef(ref) : nullptr;
  for (int attempt = 0; e == nullptr; ++attempt) {
    if (labels.empty()) {
      return absl::NotFoundError("unknown series ref " + std::to_string(ref) +
                                 " and no labels given");
    }
    if (attempt > 8) return absl::UnavailableError("series kept being truncated while appending");
    bool created = false;
    auto s = head_->GetOrCreate(labels, &created);
    if (!s.ok()) return s.status();
    e = Hold(s->get());
    if (e != nullptr && created) b_->new_series.push_back(RefSeries{(*s)->ref, labels});
  }
  return e;
}

absl::StatusOr<storage::SeriesRef> HeadAppender::AppendHist(
    storage::SeriesRef ref, const model::Labels& labels, int64_t t,
    const model::histogram::Histogram* h, const model::histogram::FloatHistogram* fh, int64_t st) {
  if (done_) return absl::FailedPreconditionError("appender used after Commit or Rollback");
  if ((h == nullptr) == (fh == nullptr)) {
    return absl::InvalidArgumentError(
        "AppendHistogram needs exactly one of an integer and a float histogram");
  }
  // Prometheus' order: the time bound first, then the histogram, then the series.
  if (t < head_->min_valid_time_.load(std::memory_order_relaxed) || t > max_valid_time_) {
    head_->out_of_bounds_.fetch_add(1, std::memory_order_relaxed);
    return storage::ErrOutOfBounds();
  }
  absl::Status valid = h != nullptr ? h->Validate() : fh->Validate();
  if (!valid.ok()) return valid;
  auto entry = EntryFor(ref, labels);
  if (!entry.ok()) return entry.status();
  if (h != nullptr) {
    return StageHistogram(*entry, t, std::make_shared<model::histogram::Histogram>(h->Copy()),
                          nullptr, st);
  }
  return StageHistogram(*entry, t, nullptr,
                        std::make_shared<model::histogram::FloatHistogram>(fh->Copy()), st);
}

bool HeadAppender::SameAsLastHistogram(const BatchEntry& e, const model::histogram::Histogram* h,
                                       const model::histogram::FloatHistogram* fh) {
  if (e.last_hist != kNoBatchHistogram) {
    const RefHistogramSample& last = b_->histograms[e.last_hist];
    if (h != nullptr) return last.h != nullptr && last.h->Equals(*h);
    return last.fh != nullptr && last.fh->Equals(*fh);
  }
  // The series' committed last sample (rare path: a repeated timestamp).
  std::lock_guard<SmallMutex> l(e.series->mu);
  const auto& open = e.series->hist;
  if (open == nullptr || open->max_time != e.last_t) return false;
  if (h != nullptr) return open->last_h != nullptr && open->last_h->Equals(*h);
  return open->last_fh != nullptr && open->last_fh->Equals(*fh);
}

absl::StatusOr<storage::SeriesRef> HeadAppender::StageHistogram(
    BatchEntry* e, int64_t t, std::shared_ptr<const model::histogram::Histogram> h,
    std::shared_ptr<const model::histogram::FloatHistogram> fh, int64_t st) {
  const storage::ValueType type =
      h != nullptr ? storage::ValueType::kHistogram : storage::ValueType::kFloatHistogram;
  if (e->has_last) {
    if (t < e->last_t) {
      head_->out_of_order_.fetch_add(1, std::memory_order_relaxed);
      return storage::ErrOutOfOrderSample();
    }
    if (t == e->last_t) {
      // Prometheus: an identical histogram is accepted silently; anything else (another value
      // or another type) is a duplicate.
      if (e->last_type == type && SameAsLastHistogram(*e, h.get(), fh.get())) {
        return e->series->ref;
      }
      head_->duplicates_.fetch_add(1, std::memory_order_relaxed);
      return storage::ErrDuplicateSample();
    }
  }
  e->has_last = true;
  e->last_t = t;
  e->last_type = type;
  e->last_hist = static_cast<uint32_t>(b_->histograms.size());
  e->staged = true;
  const storage::SeriesRef ref = e->series->ref;
  b_->histograms.push_back(RefHistogramSample{ref, t, std::move(h), std::move(fh)});
  b_->histogram_entry.push_back(static_cast<uint32_t>(e - b_->entries.data()));
  NoteST(b_->histogram_st, b_->histograms.size(), st);
  return ref;
}

absl::Status HeadAppender::Commit() {
  if (done_) return absl::FailedPreconditionError("appender already committed or rolled back");
  done_ = true;
  Buffers& b = *b_;
  if (b.samples.empty() && b.histograms.empty() && b.new_series.empty()) {
    Release();
    return absl::OkStatus();
  }
  if (head_->opts_.wal != nullptr) {
    absl::Status st;
    if (!b.sample_st.empty() || !b.histogram_st.empty()) {
      st = head_->opts_.wal->LogBatchWithST(b.new_series, b.samples, b.histograms,
                                            StartTimestampsOf(b));
    } else if (b.histograms.empty()) {
      st = head_->opts_.wal->Log(b.new_series, b.samples);
    } else {
      st = head_->opts_.wal->LogBatch(b.new_series, b.samples, b.histograms);
    }
    if (!st.ok()) {
      Release();
      return st;
    }
  }
  // Group by series (stable: keeps each series' samples in time order) so each series is
  // locked once.
  std::vector<Head::Pending>& pending = b.pending;
  pending.clear();
  pending.reserve(b.samples.size() + b.histograms.size());
  for (size_t i = 0; i < b.samples.size(); ++i) {
    pending.push_back(Head::Pending{b.entries[b.sample_entry[i]].series, b.samples[i].t,
                                    b.samples[i].v, nullptr});
  }
  for (size_t i = 0; i < b.sample_st.size(); ++i) pending[i].st = b.sample_st[i];
  const size_t first_hist = pending.size();
  for (size_t i = 0; i < b.histograms.size(); ++i) {
    pending.push_back(Head::Pending{b.entries[b.histogram_entry[i]].series, b.histograms[i].t, 0,
                                    &b.histograms[i]});
  }
  for (size_t i = 0; i < b.histogram_st.size(); ++i) pending[first_hist + i].st = b.histogram_st[i];
  // Usual scrape batches touch each series once and are grouped already.
  const bool grouped = b.entries.size() == pending.size();
  if (!grouped) {
    // A series' staged timestamps strictly increase in append order, so (series, t) order is
    // append order per series even across the float and histogram lists.
    std::sort(pending.begin(), pending.end(), [](const Head::Pending& x, const Head::Pending& y) {
      return x.series != y.series ? x.series < y.series : x.t < y.t;
    });
  }
  head_->Apply(pending);
  Release(/*only_unstaged=*/true);
  return absl::OkStatus();
}

void HeadAppender::Rollback() {
  done_ = true;
  Release();
}

void HeadAppender::Release(bool only_unstaged) {
  for (BatchEntry& e : b_->entries) {
    if (only_unstaged && e.staged) continue;
    std::lock_guard<SmallMutex> l(e.series->mu);
    --e.series->pending;
  }
  b_->Clear();
  shared_held_.clear();
}

std::unique_ptr<storage::Appender> Head::NewAppender() { return std::make_unique<HeadAppender>(this); }

}  // namespace promlet::tsdb
