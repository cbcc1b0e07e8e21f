// HeadQuerier: a snapshot view of the head over [mint, maxt]. It remembers the commit counter at
// creation; every series hides samples of later commits (MemSeries::VisibleFor). Series data is
// copied out (closed chunks shared, the open chunk copied) when an iterator is created, so
// iterators never touch memory an appender writes. Histogram chunks go through
// chunkenc::HistogramSampleIterator; XOR chunks keep the inline XOR decoder.
#include <algorithm>
#include <cstring>

#include "tsdb/chunkenc/histogram_sample_iterator.h"
#include "tsdb/chunkenc/st_column.h"
#include "tsdb/chunkenc/xor.h"
#include "tsdb/head.h"
#include "tsdb/head_series.h"

namespace promlet::tsdb {

using head_internal::MemSeries;
using head_internal::Visible;

namespace {

struct Piece {
  std::shared_ptr<const chunkenc::ChunkData> chunk;
  int limit;  // samples of the chunk visible to the snapshot
};

// Iterates the visible samples of a series restricted to [mint, maxt].
class HeadSeriesIterator final : public storage::SampleIterator {
 public:
  HeadSeriesIterator(std::vector<Piece> pieces, int64_t mint, int64_t maxt)
      : pieces_(std::move(pieces)), mint_(mint), maxt_(maxt) {
    for (const Piece& p : pieces_) may_have_st_ = may_have_st_ || !p.chunk->st.empty();
  }

  bool Next() override {
    for (;;) {
      if (in_chunk_) {
        if (hist_ ? hit_.Next() : it_.Decode()) {
          int64_t t = T();
          if (st_.present()) cur_st_ = st_.Next(t);
          if (t > maxt_) return Finish();
          if (t >= mint_) return true;
          continue;
        }
        absl::Status st = hist_ ? hit_.status() : it_.status();
        if (!st.ok()) {
          status_ = std::move(st);
          return Finish();
        }
        in_chunk_ = false;
      }
      if (!OpenNext()) return false;
    }
  }

  bool Seek(int64_t t) override {
    if (t < mint_) t = mint_;
    if (in_chunk_ && started_ && T() >= t) return T() <= maxt_;
    // Skip whole chunks that end before t.
    if (in_chunk_ && pieces_[cur_].chunk->max_time < t) in_chunk_ = false;
    if (!in_chunk_) {
      while (next_ < pieces_.size() && pieces_[next_].chunk->max_time < t) ++next_;
    }
    for (;;) {
      if (!Next()) return false;
      if (T() >= t) return true;
    }
  }

  int64_t T() const override { return hist_ ? hit_.T() : it_.T(); }
  double V() const override { return hist_ ? 0 : it_.V(); }
  int64_t ST() const override { return cur_st_; }
  bool MayHaveST() const override { return may_have_st_; }
  absl::Status status() const override { return status_; }
  storage::ValueType Type() const override {
    return hist_ ? hit_.Type() : storage::ValueType::kFloat;
  }
  void AtHistogram(model::histogram::Histogram* out) const override {
    if (hist_) {
      hit_.AtHistogram(out);
    } else {
      SampleIterator::AtHistogram(out);
    }
  }
  void AtFloatHistogram(model::histogram::FloatHistogram* out) const override {
    if (hist_) {
      hit_.AtFloatHistogram(out);
    } else {
      SampleIterator::AtFloatHistogram(out);
    }
  }

  size_t NextBatch(int64_t* ts, double* vs, size_t max) override {
    // The inline XOR batch below would skip the ST column: series with STs go sample by sample.
    if (may_have_st_) return SampleIterator::NextBatch(ts, vs, max);
    stopped_at_histogram_ = false;
    if (histogram_held_) {
      histogram_held_ = false;
      stopped_at_histogram_ = true;
      return 0;
    }
    size_t n = 0;
    while (n < max) {
      if (in_chunk_ && !hist_ && inside_) {
        size_t k = it_.NextBatch(ts + n, vs + n, max - n);
        n += k;
        if (it_.samples_left() == 0) {
          if (!it_.status().ok()) {
            status_ = it_.status();
            Finish();
            break;
          }
          in_chunk_ = false;
        }
        continue;
      }
      // A histogram comes next (or is current): stop before it; report it when nothing else
      // was returned.
      const bool hist_next = in_chunk_ ? hist_ : NextPieceIsHistogram();
      if (hist_next && n > 0) break;
      if (!in_chunk_ && !hist_next) {
        if (!OpenNext()) break;
        if (inside_) continue;
      }
      if (!Next()) break;
      if (hist_) {
        // Next() crossed from floats into a histogram chunk: report it on its own.
        (n == 0 ? stopped_at_histogram_ : histogram_held_) = true;
        break;
      }
      ts[n] = it_.T();
      vs[n] = it_.V();
      ++n;
    }
    return n;
  }

 private:
  bool NextPieceIsHistogram() const {
    return next_ < pieces_.size() && pieces_[next_].chunk->min_time <= maxt_ &&
           pieces_[next_].chunk->encoding != chunkenc::Encoding::kXOR;
  }
  bool OpenNext() {
    if (next_ >= pieces_.size()) return false;
    cur_ = next_++;
    const Piece& p = pieces_[cur_];
    if (p.chunk->min_time > maxt_) return Finish();
    const auto* data = reinterpret_cast<const uint8_t*>(p.chunk->bytes.data());
    const absl::Span<const uint8_t> bytes(data, p.chunk->bytes.size());
    hist_ = p.chunk->encoding != chunkenc::Encoding::kXOR;
    if (hist_) {
      hit_.Reset(p.chunk->encoding, bytes);  // histogram pieces are cut to their limit
    } else {
      it_.Reset(bytes, p.limit);
    }
    st_.Reset(p.chunk->st);
    cur_st_ = 0;
    in_chunk_ = true;
    started_ = true;
    inside_ = p.chunk->min_time >= mint_ && p.chunk->max_time <= maxt_;
    return true;
  }
  bool Finish() {
    in_chunk_ = false;
    next_ = pieces_.size();
    return false;
  }

  std::vector<Piece> pieces_;
  const int64_t mint_, maxt_;
  size_t next_ = 0;
  size_t cur_ = 0;
  bool in_chunk_ = false;
  bool started_ = false;
  bool inside_ = false;  // current chunk lies within [mint, maxt]: no per-sample range checks
  bool hist_ = false;    // the current chunk holds histograms (hit_), else floats (it_)
  bool histogram_held_ = false;  // a histogram is current after a NextBatch that returned floats
  chunkenc::XorIterator it_;
  chunkenc::HistogramSampleIterator hit_;
  absl::Status status_;
  bool may_have_st_ = false;     // some piece has an ST column
  chunkenc::StColumnReader st_;  // the current chunk's
  int64_t cur_st_ = 0;
};

// A histogram chunk cut to the first `limit` samples (shared as is when that is all of it).
std::shared_ptr<const chunkenc::ChunkData> LimitedHistogramChunk(
    std::shared_ptr<const chunkenc::ChunkData> c, int limit, int64_t max_time) {
  if (limit >= c->num_samples && c->max_time <= max_time) return c;
  auto out = std::make_shared<chunkenc::ChunkData>(*c);
  out->num_samples = static_cast<uint16_t>(limit);
  out->max_time = std::min(c->max_time, max_time);
  out->bytes = chunkenc::TruncatedHistogramChunk(c->bytes, limit);
  return out;
}

// Builds the pieces a snapshot sees, under the series lock.
std::vector<Piece> SnapshotPieces(const MemSeries& s, const Visible& vis, int64_t mint,
                                  int64_t maxt) {
  std::vector<Piece> out;
  uint64_t hidden = s.seq - vis.seq;
  int open_limit = s.open.num_samples() + (s.hist ? s.hist->num_samples() : 0);
  if (hidden >= static_cast<uint64_t>(open_limit)) {
    hidden -= open_limit;
    open_limit = 0;
  } else {
    open_limit -= static_cast<int>(hidden);
    hidden = 0;
  }
  std::vector<int> limits(s.closed.size());
  for (size_t i = s.closed.size(); i-- > 0;) {
    int n = s.closed[i]->num_samples;
    if (hidden >= static_cast<uint64_t>(n)) {
      hidden -= n;
      limits[i] = 0;
    } else {
      limits[i] = n - static_cast<int>(hidden);
      hidden = 0;
    }
  }
  for (size_t i = 0; i < s.closed.size(); ++i) {
    const auto& c = s.closed[i];
    if (limits[i] == 0 || c->max_time < mint || c->min_time > maxt) continue;
    if (c->encoding != chunkenc::Encoding::kXOR && limits[i] < c->num_samples) {
      // Rare: a later commit cut this chunk after the snapshot; its own max time is unknown
      // here, so the iterator's range checks bound it.
      out.push_back(Piece{LimitedHistogramChunk(c, limits[i], c->max_time), limits[i]});
      continue;
    }
    out.push_back(Piece{c, limits[i]});
  }
  if (open_limit > 0) {
    std::shared_ptr<chunkenc::ChunkData> c = s.OpenChunkData();
    if (c->max_time >= mint && c->min_time <= maxt) {
      c->max_time = std::min(c->max_time, vis.max_time);
      if (c->encoding != chunkenc::Encoding::kXOR && open_limit < c->num_samples) {
        c->bytes = chunkenc::TruncatedHistogramChunk(c->bytes, open_limit);
      }
      c->num_samples = static_cast<uint16_t>(open_limit);
      out.push_back(Piece{std::move(c), open_limit});
    }
  }
  return out;
}

class HeadSeries final : public storage::Series {
 public:
  HeadSeries(const Head* head, std::shared_ptr<MemSeries> s, uint64_t reader, int64_t mint,
             int64_t maxt)
      : head_(head), s_(std::move(s)), reader_(reader), mint_(mint), maxt_(maxt) {}
  const model::Labels& labels() const override { return labels_; }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    std::vector<Piece> pieces;
    {
      std::lock_guard<SmallMutex> l(s_->mu);
      pieces = SnapshotPieces(*s_, s_->VisibleFor(reader_), mint_, maxt_);
    }
    return std::make_unique<HeadSeriesIterator>(std::move(pieces), mint_, maxt_);
  }
  model::Labels labels_;  // filled by the set when reached
  const Head* head_;
  std::shared_ptr<MemSeries> s_;
  uint64_t reader_;
  int64_t mint_, maxt_;
};

}  // namespace

class HeadSeriesSet final : public storage::SeriesSet {
 public:
  HeadSeriesSet(const Head* head, Head::SymbolPin pin, std::vector<Head::SeriesPtr> series,
                uint64_t reader, int64_t mint, int64_t maxt)
      : head_(head), pin_(std::move(pin)) {
    series_.reserve(series.size());
    for (auto& s : series) series_.emplace_back(head, std::move(s), reader, mint, maxt);
  }
  bool Next() override {
    if (pos_ >= series_.size()) return false;
    ++pos_;
    HeadSeries& cur = series_[pos_ - 1];
    cur.labels_ = head_->LabelsOf(*cur.s_);
    return true;
  }
  const storage::Series& At() const override { return series_[pos_ - 1]; }

 private:
  const Head* head_;
  const Head::SymbolPin pin_;  // may outlive its querier
  std::vector<HeadSeries> series_;
  size_t pos_ = 0;
};

class HeadQuerier final : public storage::Querier {
 public:
  HeadQuerier(Head* head, int64_t mint, int64_t maxt)
      : head_(head),
        pin_(head->PinSymbols()),
        mint_(mint),
        maxt_(maxt),
        reader_(head->RegisterReader()) {}
  ~HeadQuerier() override { head_->UnregisterReader(reader_); }

  std::unique_ptr<storage::SeriesSet> Select(absl::Span<const model::Matcher> matchers,
                                    const storage::SelectHints* hints) override {
    return std::make_unique<HeadSeriesSet>(head_, pin_, Matching(matchers), reader_, mint_, maxt_);
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(
      absl::Span<const model::Matcher> matchers) override {
    std::vector<std::string> out;
    if (matchers.empty() && CoversHead()) {
      std::shared_lock<std::shared_mutex> il(head_->index_mu_);
      for (std::string_view n : head_->postings_.Names()) out.emplace_back(n);
      return out;
    }
    absl::flat_hash_set<uint32_t> names;
    for (const auto& s : Matching(matchers)) {
      for (uint32_t i = 0; i < s->num_labels; ++i) names.insert(s->syms[2 * i]);
    }
    for (uint32_t id : names) out.emplace_back(head_->symbols_.Get(id));
    std::sort(out.begin(), out.end());
    return out;
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(
      std::string_view name, absl::Span<const model::Matcher> matchers) override {
    std::vector<std::string> out;
    if (matchers.empty() && CoversHead()) {
      std::shared_lock<std::shared_mutex> il(head_->index_mu_);
      if (const auto* vm = head_->postings_.Values(name)) {
        for (const auto& [v, p] : *vm) out.emplace_back(v);
      }
      return out;
    }
    absl::flat_hash_set<uint32_t> values;
    for (const auto& s : Matching(matchers)) {
      for (uint32_t i = 0; i < s->num_labels; ++i) {
        if (head_->symbols_.Get(s->syms[2 * i]) == name) {
          values.insert(s->syms[2 * i + 1]);
          break;
        }
      }
    }
    for (uint32_t id : values) out.emplace_back(head_->symbols_.Get(id));
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  // The query range covers all the head's data: index-only answers are exact enough (they may
  // include series whose samples are not committed yet, as Prometheus' head does).
  bool CoversHead() const { return mint_ <= head_->MinTime() && maxt_ >= head_->MaxTime(); }

  // Series matching the matchers with visible samples in range, sorted by labels.
  std::vector<Head::SeriesPtr> Matching(absl::Span<const model::Matcher> matchers) {
    index::Postings refs;
    {
      std::shared_lock<std::shared_mutex> il(head_->index_mu_);
      refs = head_->postings_.Select(matchers, head_->next_ref_.load());
    }
    std::vector<Head::SeriesPtr> out;
    out.reserve(refs.size());
    for (storage::SeriesRef ref : refs) {
      Head::SeriesPtr s = head_->GetByRef(ref);
      if (!s || s->ref != ref) continue;
      std::lock_guard<SmallMutex> l(s->mu);
      if (s->deleted || !s->HasSamples()) continue;
      Visible vis = s->VisibleFor(reader_);
      if (vis.seq <= s->FirstSeq()) continue;
      if (s->MinTime() > maxt_ || vis.max_time < mint_) continue;
      out.push_back(std::move(s));
    }
    head_->SortByLabels(out);
    return out;
  }

  Head* head_;
  const Head::SymbolPin pin_;  // labels of series removed after this querier stay readable
  const int64_t mint_, maxt_;
  const uint64_t reader_;
};

absl::StatusOr<std::unique_ptr<storage::Querier>> Head::NewQuerier(int64_t mint, int64_t maxt) {
  return std::unique_ptr<storage::Querier>(new HeadQuerier(this, mint, maxt));
}

// ---- chunk enumeration for the block writer ----

class HeadChunkSeriesSetImpl final : public HeadChunkSeriesSet {
 public:
  HeadChunkSeriesSetImpl(const Head* head, Head::SymbolPin pin, std::vector<Head::SeriesPtr> series,
                         int64_t mint, int64_t maxt, bool include_open)
      : head_(head),
        pin_(std::move(pin)),
        series_(std::move(series)),
        mint_(mint),
        maxt_(maxt),
        include_open_(include_open) {}

  bool Next() override {
    while (pos_ < series_.size()) {
      const Head::SeriesPtr& s = series_[pos_++];
      chunks_.clear();
      {
        std::lock_guard<SmallMutex> l(s->mu);
        if (s->deleted) continue;
        for (const auto& c : s->closed) {
          if (c->max_time >= mint_ && c->min_time <= maxt_) chunks_.push_back(c);
        }
        if (include_open_) {
          std::shared_ptr<chunkenc::ChunkData> c = s->OpenChunkData();
          if (c != nullptr && c->max_time >= mint_ && c->min_time <= maxt_) {
            chunks_.push_back(std::move(c));
          }
        }
      }
      if (chunks_.empty()) continue;
      ref_ = s->ref;
      labels_ = head_->LabelsOf(*s);
      return true;
    }
    return false;
  }
  storage::SeriesRef ref() const override { return ref_; }
  const model::Labels& labels() const override { return labels_; }
  const std::vector<std::shared_ptr<const chunkenc::ChunkData>>& chunks() const override {
    return chunks_;
  }

 private:
  const Head* head_;
  const Head::SymbolPin pin_;
  std::vector<Head::SeriesPtr> series_;
  const int64_t mint_, maxt_;
  const bool include_open_;
  size_t pos_ = 0;
  storage::SeriesRef ref_ = 0;
  model::Labels labels_;
  std::vector<std::shared_ptr<const chunkenc::ChunkData>> chunks_;
};

std::unique_ptr<HeadChunkSeriesSet> Head::ChunkSeries(int64_t mint, int64_t maxt,
                                                      bool include_open) {
  SymbolPin pin = PinSymbols();
  std::vector<SeriesPtr> all = AllSeries();
  SortByLabels(all);
  return std::make_unique<HeadChunkSeriesSetImpl>(this, std::move(pin), std::move(all), mint, maxt,
                                                  include_open);
}

}  // namespace promlet::tsdb
