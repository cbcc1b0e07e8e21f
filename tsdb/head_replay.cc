// The head's side of WAL replay: ReplaySeries/ReplaySamples and the sharded Head::Replayer
// (head.h states their contract). Kept apart from head.cc so replay, a hot path at startup,
// reads on its own.
#include <algorithm>

#include "tsdb/head.h"
#include "tsdb/head_series.h"

namespace promlet::tsdb {

using head_internal::MemSeries;

absl::Status Head::ReplaySeries(storage::SeriesRef ref, const model::Labels& labels) {
  return ReplaySeriesResolved(ref, labels).status();
}

absl::StatusOr<Head::SeriesPtr> Head::ReplaySeriesResolved(storage::SeriesRef ref, const model::Labels& labels) {
  if (ref == 0) return absl::InvalidArgumentError("replayed series ref 0 for " + labels.ToString());
  if (SeriesPtr existing = GetByRef(ref)) {
    if (LabelsEqual(*existing, labels)) return existing;
    return absl::AlreadyExistsError("replayed series ref " + std::to_string(ref) +
                                    " already holds other labels than " + labels.ToString());
  }
  bool created = false;
  auto s = GetOrCreate(labels, &created, ref);
  if (!s.ok()) return s.status();
  if (!created && (*s)->ref != ref) {
    std::lock_guard<std::mutex> l(alias_mu_);
    aliases_[ref] = (*s)->ref;
    has_aliases_.store(true, std::memory_order_release);
    storage::SeriesRef cur = next_ref_.load();
    while (cur <= ref && !next_ref_.compare_exchange_weak(cur, ref + 1)) {
    }
  }
  return s;
}

void Head::ReplaySamples(absl::Span<const RefSample> samples) {
  int64_t mint = std::numeric_limits<int64_t>::max();
  int64_t maxt = std::numeric_limits<int64_t>::min();
  uint64_t applied = 0, ooo = 0, dup = 0, unknown = 0;
  // Appends one run of samples of the same series under one lock of that series.
  auto append_run = [&](MemSeries& s, const RefSample* first, const RefSample* last) {
    std::lock_guard<SmallMutex> l(s.mu);
    if (s.deleted) return;
    for (const RefSample* r = first; r != last; ++r) {
      if (s.Append(r->t, r->v, opts_.samples_per_chunk, opts_.chunk_range_ms)) {
        ++applied;
        mint = std::min(mint, r->t);
        maxt = std::max(maxt, r->t);
      } else if (s.HasSamples() && s.MaxTime() == r->t) {
        ++dup;
      } else {
        ++ooo;
      }
    }
  };
  // WAL records hold one sample for each of many series, so nearly every sample is a lookup of
  // a series not touched recently (a cache miss): the table slot is prefetched 16 samples ahead
  // and the series 8 samples ahead, and the
  // series is used under the table's block lock instead of copying its shared_ptr (two atomic
  // read-modify-writes per sample saved). Lock order table block -> series is used nowhere
  // else in reverse.
  constexpr size_t kPrefetchAhead = 8;
  const size_t n = samples.size();
  const RefSample* base = samples.data();
  for (size_t i = 0; i < n;) {
    const storage::SeriesRef ref = base[i].ref;
    size_t j = i + 1;
    while (j < n && base[j].ref == ref) ++j;
    if (j + 2 * kPrefetchAhead < n) refs_.Prefetch(base[j + 2 * kPrefetchAhead].ref);
    if (j + kPrefetchAhead < n && base[j + kPrefetchAhead].ref != ref) {
      // Its slot is in cache by now: start loading the series itself (its lock and open chunk
      // header span the first two cache lines).
      refs_.With(base[j + kPrefetchAhead].ref, [](const SeriesPtr& p) {
        if (p == nullptr) return;
        __builtin_prefetch(p.get());
        __builtin_prefetch(reinterpret_cast<const char*>(p.get()) + 64);
      });
    }
    bool found = false;
    refs_.With(ref, [&](const SeriesPtr& p) {
      if (p == nullptr) return;
      found = true;
      append_run(*p, base + i, base + j);
    });
    if (!found) {
      // An alias (replayed duplicate labels) or an unknown ref.
      SeriesPtr s = has_aliases_.load(std::memory_order_acquire) ? GetByRef(ref) : nullptr;
      if (s) {
        append_run(*s, base + i, base + j);
      } else {
        unknown += j - i;
      }
    }
    i = j;
  }
  NoteTimes(mint, maxt);
  samples_appended_.fetch_add(applied, std::memory_order_relaxed);
  if (ooo) out_of_order_.fetch_add(ooo, std::memory_order_relaxed);
  if (dup) duplicates_.fetch_add(dup, std::memory_order_relaxed);
  if (unknown) replay_unknown_.fetch_add(unknown, std::memory_order_relaxed);
}

void Head::ReplayHistograms(absl::Span<const RefHistogramSample> samples) {
  int64_t mint = std::numeric_limits<int64_t>::max();
  int64_t maxt = std::numeric_limits<int64_t>::min();
  uint64_t applied = 0, ooo = 0, dup = 0, unknown = 0;
  for (const RefHistogramSample& r : samples) {
    SeriesPtr s = GetByRef(r.ref);
    if (s == nullptr) {
      ++unknown;
      continue;
    }
    std::lock_guard<SmallMutex> l(s->mu);
    if (s->deleted) continue;
    if (s->AppendHistogram(r.t, r.h, r.fh, opts_.chunk_range_ms)) {
      ++applied;
      mint = std::min(mint, r.t);
      maxt = std::max(maxt, r.t);
    } else if (s->HasSamples() && s->MaxTime() == r.t) {
      ++dup;
    } else {
      ++ooo;
    }
  }
  NoteTimes(mint, maxt);
  histogram_samples_appended_.fetch_add(applied, std::memory_order_relaxed);
  if (ooo) out_of_order_.fetch_add(ooo, std::memory_order_relaxed);
  if (dup) duplicates_.fetch_add(dup, std::memory_order_relaxed);
  if (unknown) replay_unknown_.fetch_add(unknown, std::memory_order_relaxed);
}

Head::Replayer::Replayer(Head* head, int shards, int64_t min_valid)
    : head_(head),
      shards_(std::max(1, shards)),
      min_valid_(min_valid),
      head_had_series_(head->NumSeries() > 0),
      stats_(new ShardStats[static_cast<size_t>(std::max(1, shards))]) {}

Head::Replayer::~Replayer() { Finish(); }

Head::Replayer::Entry* Head::Replayer::Find(storage::SeriesRef ref) const {
  const uint64_t si = ref >> kSegBits;
  if (si >= segs_.size() || segs_[si] == nullptr) return nullptr;
  Entry* e = &segs_[si][ref & ((uint64_t{1} << kSegBits) - 1)];
  return e->series != nullptr ? e : nullptr;
}

void Head::Replayer::Set(storage::SeriesRef ref, const SeriesPtr& s) {
  const uint64_t si = ref >> kSegBits;  // ref < SeriesTable::kMaxRef: GetOrCreate checked
  if (si >= segs_.size()) segs_.resize(si + 1);
  if (segs_[si] == nullptr) segs_[si].reset(new Entry[uint64_t{1} << kSegBits]);
  Entry& e = segs_[si][ref & ((uint64_t{1} << kSegBits) - 1)];
  if (e.series == s.get()) return;
  e.series = s.get();
  // Runs of 64 consecutive series per shard: neighbours in ref order were created together and
  // mostly sit together in memory, so a shard walks memory in runs rather than every other one.
  e.shard = static_cast<uint32_t>((s->ref >> 6) % static_cast<uint64_t>(shards_));
  keep_.push_back(s);
}

absl::Status Head::Replayer::AddSeries(storage::SeriesRef ref, const model::Labels& labels) {
  auto s = head_->ReplaySeriesResolved(ref, labels);
  if (!s.ok()) return s.status();
  Set(ref, *s);
  return absl::OkStatus();
}

void Head::Replayer::Route(absl::Span<const RefSample> samples, std::vector<Sample>* out) {
  storage::SeriesRef last_ref = 0;
  const Entry* last = nullptr;
  for (const RefSample& x : samples) {
    if (x.t < min_valid_) continue;
    const Entry* e = last;
    if (x.ref != last_ref || e == nullptr) {
      e = Find(x.ref);
      if (e == nullptr && head_had_series_) {
        // Replaying into a head that already held series: a ref may name one of those.
        if (SeriesPtr s = head_->GetByRef(x.ref)) {
          Set(x.ref, s);
          e = Find(x.ref);
        }
      }
      last_ref = x.ref;
      last = e;
    }
    if (e == nullptr) {
      ++unknown_;
      continue;
    }
    out[e->shard].push_back(Sample{e->series, x.t, x.v});
  }
}

void Head::Replayer::Apply(int shard, absl::Span<const Sample> samples) {
  ShardStats& st = stats_[static_cast<size_t>(shard)];
  const int per_chunk = head_->opts_.samples_per_chunk;
  const int64_t range = head_->opts_.chunk_range_ms;
  // Two prefetch stages: the series object kFar samples ahead, then, once that is in cache, the
  // open chunk's last byte kNear samples ahead (the encoder ORs bits into it).
  constexpr size_t kFar = 16, kNear = 8;
  const size_t n = samples.size();
  const Sample* base = samples.data();
  uint64_t applied = 0, ooo = 0, dup = 0;
  int64_t mint = st.mint, maxt = st.maxt;
  for (size_t i = 0; i < n; ++i) {
    if (i + kFar < n) {
      // Append's common path (no chunk cut) uses the members from `open` to `seq` (two lines).
      const MemSeries* p = base[i + kFar].series;
      __builtin_prefetch(&p->open, 1);
      __builtin_prefetch(reinterpret_cast<const char*>(&p->seq) + sizeof(p->seq) - 1, 1);
    }
    if (i + kNear < n) {
      std::string_view b = base[i + kNear].series->open.bytes();
      __builtin_prefetch(b.data() + b.size() - 1, 1);
    }
    // No `deleted` check (ReplaySamples has one): nothing deletes series while the head is
    // exclusive, and the check would touch one more cache line per sample.
    MemSeries& s = *base[i].series;
    if (s.Append(base[i].t, base[i].v, per_chunk, range)) {
      ++applied;
      mint = std::min(mint, base[i].t);
      maxt = std::max(maxt, base[i].t);
    } else if (s.HasSamples() && s.MaxTime() == base[i].t) {
      ++dup;
    } else {
      ++ooo;
    }
  }
  st.applied += applied;
  st.out_of_order += ooo;
  st.duplicates += dup;
  st.mint = mint;
  st.maxt = maxt;
}

const Head::Replayer::Entry* Head::Replayer::Resolve(storage::SeriesRef ref) {
  const Entry* e = Find(ref);
  if (e == nullptr && head_had_series_) {
    if (SeriesPtr s = head_->GetByRef(ref)) {
      Set(ref, s);
      e = Find(ref);
    }
  }
  return e;
}

void Head::Replayer::NoteStartTimestamps(absl::Span<const RefStartTimestamp> sts) {
  for (const RefStartTimestamp& x : sts) pending_st_[{x.ref, x.t}] = x.st;
}

int64_t Head::Replayer::TakeStartTimestamp(storage::SeriesRef ref, int64_t t) {
  if (pending_st_.empty()) return 0;
  auto it = pending_st_.find(std::make_pair(ref, t));
  if (it == pending_st_.end()) return 0;
  const int64_t st = it->second;
  pending_st_.erase(it);
  return st;
}

MemSeries* Head::Replayer::TargetOf(storage::SeriesRef ref, int64_t t, int64_t* start) {
  *start = TakeStartTimestamp(ref, t);
  if (t < min_valid_) return nullptr;
  const Entry* e = Resolve(ref);
  if (e == nullptr) {
    ++unknown_;
    return nullptr;
  }
  return e->series;
}

void Head::Replayer::CountAppend(bool appended, const MemSeries& s, int64_t t, ShardStats& st) {
  if (appended) {
    ++st.applied;
    st.mint = std::min(st.mint, t);
    st.maxt = std::max(st.maxt, t);
  } else if (s.HasSamples() && s.MaxTime() == t) {
    ++st.duplicates;
  } else {
    ++st.out_of_order;
  }
}

void Head::Replayer::ApplyWithStartTimestamps(absl::Span<const RefSample> samples) {
  const int per_chunk = head_->opts_.samples_per_chunk;
  const int64_t range = head_->opts_.chunk_range_ms;
  for (const RefSample& x : samples) {
    int64_t start;
    if (MemSeries* s = TargetOf(x.ref, x.t, &start)) {
      CountAppend(s->Append(x.t, x.v, per_chunk, range, start), *s, x.t, stats_[0]);
    }
  }
}

void Head::Replayer::ApplyHistograms(absl::Span<const RefHistogramSample> samples) {
  const int64_t range = head_->opts_.chunk_range_ms;
  for (const RefHistogramSample& x : samples) {
    int64_t start;
    if (MemSeries* s = TargetOf(x.ref, x.t, &start)) {
      CountAppend(s->AppendHistogram(x.t, x.h, x.fh, range, start), *s, x.t, histogram_stats_);
    }
  }
}

void Head::Replayer::Finish() {
  if (finished_) return;
  finished_ = true;
  for (int k = 0; k < shards_; ++k) {
    ShardStats& st = stats_[static_cast<size_t>(k)];
    head_->NoteTimes(st.mint, st.maxt);
    head_->samples_appended_.fetch_add(st.applied, std::memory_order_relaxed);
    if (st.out_of_order) head_->out_of_order_.fetch_add(st.out_of_order, std::memory_order_relaxed);
    if (st.duplicates) head_->duplicates_.fetch_add(st.duplicates, std::memory_order_relaxed);
  }
  const ShardStats& hs = histogram_stats_;
  head_->NoteTimes(hs.mint, hs.maxt);
  head_->histogram_samples_appended_.fetch_add(hs.applied, std::memory_order_relaxed);
  if (hs.out_of_order) head_->out_of_order_.fetch_add(hs.out_of_order, std::memory_order_relaxed);
  if (hs.duplicates) head_->duplicates_.fetch_add(hs.duplicates, std::memory_order_relaxed);
  if (unknown_) head_->replay_unknown_.fetch_add(unknown_, std::memory_order_relaxed);
}

}  // namespace promlet::tsdb
