// HeadAppender: stages one batch of samples, validates each against its series' newest sample
// (and the batch's own earlier samples), and at Commit logs the batch to the WAL sink and
// applies it under the head's shared commit lock.
#include <algorithm>
#include <cstring>

#include "tsdb/head.h"
#include "tsdb/head_series.h"

namespace promlet::tsdb {

using head_internal::MemSeries;

class HeadAppender final : public Appender {
 public:
  explicit HeadAppender(Head* head) : head_(head) {}
  ~HeadAppender() override {
    if (!done_) Rollback();
  }

  absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels, int64_t t,
                                   double v) override;
  absl::Status Commit() override;
  void Rollback() override;

 private:
  struct Entry {
    Head::SeriesPtr series;
    int64_t last_t;
    uint64_t last_v;
    bool has_last;
    bool staged = false;  // has samples in the batch: Head::Apply releases its hold
  };
  // The batch entry of a live series, taking a pending hold on it (so Truncate keeps it).
  // nullptr if the series was deleted meanwhile.
  Entry* Hold(const Head::SeriesPtr& s);
  // Ends the pending holds (all, or only those of series without staged samples).
  void Release(bool only_unstaged = false);

  Head* head_;
  bool done_ = false;
  absl::flat_hash_map<SeriesRef, uint32_t> entry_of_;
  std::vector<Entry> entries_;
  std::vector<RefSeries> new_series_;
  std::vector<RefSample> samples_;
  std::vector<uint32_t> sample_entry_;
};

HeadAppender::Entry* HeadAppender::Hold(const Head::SeriesPtr& s) {
  auto it = entry_of_.find(s->ref);
  if (it != entry_of_.end() && entries_[it->second].series == s) return &entries_[it->second];
  Entry e{s, 0, 0, false};
  {
    std::lock_guard<SmallMutex> l(s->mu);
    if (s->deleted) return nullptr;
    ++s->pending;
    if (s->HasSamples()) {
      e.has_last = true;
      e.last_t = s->MaxTime();
      e.last_v = s->open.empty() ? 0 : s->open.last_value_bits();
    }
  }
  entry_of_[s->ref] = static_cast<uint32_t>(entries_.size());
  entries_.push_back(std::move(e));
  return &entries_.back();
}

absl::StatusOr<SeriesRef> HeadAppender::Append(SeriesRef ref, const Labels& labels, int64_t t,
                                               double v) {
  if (done_) return absl::FailedPreconditionError("appender used after Commit or Rollback");
  Entry* e = nullptr;
  if (ref != 0) {
    auto it = entry_of_.find(ref);
    if (it != entry_of_.end()) {
      e = &entries_[it->second];
    } else if (Head::SeriesPtr s = head_->GetByRef(ref)) {
      e = Hold(s);
    }
  }
  for (int attempt = 0; e == nullptr; ++attempt) {
    if (labels.empty()) {
      return absl::NotFoundError("unknown series ref " + std::to_string(ref) +
                                 " and no labels given");
    }
    if (attempt > 8) return absl::UnavailableError("series kept being truncated while appending");
    bool created = false;
    auto s = head_->GetOrCreate(labels, &created);
    if (!s.ok()) return s.status();
    e = Hold(*s);
    if (e != nullptr && created) new_series_.push_back(RefSeries{(*s)->ref, labels});
  }
  if (t < head_->min_valid_time_.load(std::memory_order_relaxed)) {
    head_->out_of_bounds_.fetch_add(1, std::memory_order_relaxed);
    return ErrOutOfBounds();
  }
  uint64_t vb;
  std::memcpy(&vb, &v, 8);
  if (e->has_last) {
    if (t < e->last_t) {
      head_->out_of_order_.fetch_add(1, std::memory_order_relaxed);
      return ErrOutOfOrderSample();
    }
    if (t == e->last_t) {
      if (vb == e->last_v) return e->series->ref;
      head_->duplicates_.fetch_add(1, std::memory_order_relaxed);
      return ErrDuplicateSample();
    }
  }
  e->has_last = true;
  e->last_t = t;
  e->last_v = vb;
  e->staged = true;
  samples_.push_back(RefSample{e->series->ref, t, v});
  sample_entry_.push_back(static_cast<uint32_t>(e - entries_.data()));
  return e->series->ref;
}

absl::Status HeadAppender::Commit() {
  if (done_) return absl::FailedPreconditionError("appender already committed or rolled back");
  done_ = true;
  if (samples_.empty() && new_series_.empty()) {
    Release();
    return absl::OkStatus();
  }
  if (head_->opts_.wal != nullptr) {
    absl::Status st = head_->opts_.wal->Log(new_series_, samples_);
    if (!st.ok()) {
      Release();
      return st;
    }
  }
  // Group by series (stable: keeps each series' samples in time order) so each series is
  // locked once.
  std::vector<Head::Pending> pending;
  pending.reserve(samples_.size());
  for (size_t i = 0; i < samples_.size(); ++i) {
    pending.push_back(
        Head::Pending{entries_[sample_entry_[i]].series.get(), samples_[i].t, samples_[i].v});
  }
  // Usual scrape batches touch each series once and are grouped already.
  const bool grouped = entries_.size() == pending.size();
  if (!grouped) {
    std::stable_sort(pending.begin(), pending.end(),
                     [](const Head::Pending& a, const Head::Pending& b) {
                       return a.series < b.series;
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
  for (Entry& e : entries_) {
    if (only_unstaged && e.staged) continue;
    std::lock_guard<SmallMutex> l(e.series->mu);
    --e.series->pending;
  }
  entries_.clear();
  entry_of_.clear();
  samples_.clear();
  sample_entry_.clear();
  new_series_.clear();
}

std::unique_ptr<Appender> Head::NewAppender() { return std::make_unique<HeadAppender>(this); }

}  // namespace promlet::tsdb
