#include "tsdb/block/block_querier.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"

namespace promlet::tsdb {
namespace {

// Decode buffers handed from one iterator to the next. A query opens one iterator per series;
// a fresh vector would be allocated and zero-filled (resize) for each chunk's columns, a
// recycled one keeps its size, so resizing it to the next chunk's (mostly equal) length
// writes nothing. An iterator takes a pair at its first load (on the thread that decodes) and
// gives it back when destroyed (on the thread that drops it). Each thread keeps one pair; the
// rest go to a small shared pool. A query's helper threads decode series whose iterators the
// query's own thread drops (helper_pool.h): with thread-local pairs only, every helper
// allocated each series' buffers and the query's thread freed them into the helper's malloc
// arena (both under that arena's lock).
struct SpareBuffers {
  std::vector<int64_t> ts;
  std::vector<double> vs;
  void Exchange(std::vector<int64_t>& other_ts, std::vector<double>& other_vs) {
    ts.swap(other_ts);
    vs.swap(other_vs);
  }
};
struct ThreadSpare {
  SpareBuffers buffers;
  bool held = false;
};
ThreadSpare& LocalSpare() {
  thread_local ThreadSpare spare;
  return spare;
}
struct SharedSpares {
  std::mutex mu;
  std::vector<SpareBuffers> pairs;
};
SharedSpares& Shared() {
  static auto* shared = new SharedSpares();  // leaked: threads may outlive static destruction
  return *shared;
}
constexpr size_t kSharedSpares = 16;

void TakeSpares(std::vector<int64_t>& ts, std::vector<double>& vs) {
  ThreadSpare& local = LocalSpare();
  if (local.held) {
    local.held = false;
    local.buffers.Exchange(ts, vs);
    return;
  }
  SharedSpares& shared = Shared();
  std::lock_guard<std::mutex> l(shared.mu);
  if (shared.pairs.empty()) return;
  shared.pairs.back().Exchange(ts, vs);
  shared.pairs.pop_back();
}

void GiveSpares(std::vector<int64_t>& ts, std::vector<double>& vs) {
  ThreadSpare& local = LocalSpare();
  if (!local.held) {
    local.held = true;
    local.buffers.Exchange(ts, vs);
    return;
  }
  SharedSpares& shared = Shared();
  std::lock_guard<std::mutex> l(shared.mu);
  if (shared.pairs.size() < kSharedSpares) shared.pairs.push_back({std::move(ts), std::move(vs)});
}

class BlockSeriesIterator : public storage::SampleIterator {
 public:
  BlockSeriesIterator(std::shared_ptr<const Block> block, std::vector<BlockChunkMeta> chunks,
                      Intervals deleted, int64_t mint, int64_t maxt,
                      const Block::StartTimestamps* sts, bool markers_only)
      : block_(std::move(block)),
        chunks_(std::move(chunks)),
        deleted_(std::move(deleted)),
        mint_(mint),
        maxt_(maxt),
        sts_(sts),
        markers_only_(markers_only) {}
  ~BlockSeriesIterator() override {
    // Sizes stay as the last chunk left them (a clear() would make the next resize fill).
    if (recycled_) GiveSpares(ts_, vs_);
  }
  BlockSeriesIterator(const BlockSeriesIterator&) = delete;
  BlockSeriesIterator& operator=(const BlockSeriesIterator&) = delete;

  bool Next() override {
    if (done_) return false;
    for (;;) {
      ++pos_;
      if (pos_ >= len_) {
        if (!LoadChunk(next_chunk_)) return Finish();
        continue;
      }
      int64_t t = ts_[pos_];
      if (t > maxt_) return Finish();
      if (t < mint_ || (!deleted_.empty() && IsDeleted(deleted_, t))) continue;
      return true;
    }
  }

  bool Seek(int64_t t) override {
    if (done_) return false;
    if (started() && pos_ < len_ && ts_[pos_] >= t) return true;
    t = std::max(t, mint_);
    // Skip whole chunks that end before t.
    if (pos_ >= len_ || len_ == 0 || ts_[len_ - 1] < t) {
      size_t c = next_chunk_;
      while (c < chunks_.size() && chunks_[c].maxt < t) ++c;
      if (c >= chunks_.size()) return Finish();
      if (!LoadChunk(c, t)) return Finish();
    }
    auto it = std::lower_bound(ts_.begin(), ts_.begin() + len_, t);
    pos_ = static_cast<size_t>(it - ts_.begin());
    if (pos_ > 0) --pos_;
    else pos_ = static_cast<size_t>(-1);
    return Next();
  }

  int64_t T() const override { return ts_[pos_]; }
  // Looked up by time: chunks may be skipped, so the sample's place in the series is unknown.
  int64_t ST() const override {
    if (sts_ == nullptr) return 0;
    const int64_t t = T();
    auto it = std::lower_bound(sts_->begin(), sts_->end(), std::make_pair(t, INT64_MIN));
    return it != sts_->end() && it->first == t ? it->second : 0;
  }
  bool MayHaveST() const override { return sts_ != nullptr; }
  double V() const override { return hist_.type == storage::ValueType::kFloat ? vs_[pos_] : 0; }
  absl::Status status() const override { return status_; }
  storage::ValueType Type() const override { return hist_.type; }
  void AtHistogram(model::histogram::Histogram* out) const override {
    if (hist_.type != storage::ValueType::kHistogram) return SampleIterator::AtHistogram(out);
    hist_.h[pos_].CopyTo(out);
  }
  void AtFloatHistogram(model::histogram::FloatHistogram* out) const override {
    if (hist_.type == storage::ValueType::kHistogram) {
      hist_.h[pos_].ToFloat(out);
    } else if (hist_.type == storage::ValueType::kFloatHistogram) {
      hist_.fh[pos_].CopyTo(out);
    } else {
      SampleIterator::AtFloatHistogram(out);
    }
  }

  // Copies runs of the decoded chunk at once: one virtual call per batch instead of three per
  // sample. Same samples as repeated Next()+T()+V(); stops before a histogram (interface.h).
  size_t NextBatch(int64_t* ts, double* vs, size_t max) override {
    stopped_at_histogram_ = false;
    if (histogram_held_) {
      histogram_held_ = false;
      stopped_at_histogram_ = true;
      return 0;
    }
    size_t n = 0;
    while (n < max && !done_) {
      size_t from = pos_ + 1;  // wraps to 0 before the first sample of a chunk
      if (from >= len_) {
        if (!LoadChunk(next_chunk_)) {
          Finish();
          break;
        }
        continue;
      }
      if (hist_.type != storage::ValueType::kFloat || ts_[from] < mint_ || !deleted_.empty()) {
        // A histogram chunk comes next: report what was read so far first.
        if (hist_.type != storage::ValueType::kFloat && n > 0) break;
        // Slow path for histograms, samples before mint or under tombstones.
        if (!Next()) break;
        if (hist_.type != storage::ValueType::kFloat) {
          (n == 0 ? stopped_at_histogram_ : histogram_held_) = true;
          break;
        }
        ts[n] = ts_[pos_];
        vs[n] = vs_[pos_];
        ++n;
        continue;
      }
      size_t end = std::min(len_, from + (max - n));
      // Timestamps are increasing: find the first one beyond maxt_.
      if (ts_[end - 1] > maxt_) {
        end = static_cast<size_t>(std::upper_bound(ts_.begin() + from, ts_.begin() + end, maxt_) -
                                  ts_.begin());
      }
      const size_t k = end - from;
      std::copy(ts_.begin() + from, ts_.begin() + end, ts + n);
      std::copy(vs_.begin() + from, vs_.begin() + end, vs + n);
      n += k;
      pos_ = end - 1;
      if (end < len_ && ts_[end] > maxt_) {
        pos_ = end;
        Finish();
        break;
      }
      if (k == 0) {  // ts_[from] > maxt_
        pos_ = from;
        Finish();
        break;
      }
    }
    return n;
  }

 private:
  bool started() const { return pos_ != static_cast<size_t>(-1); }
  bool Finish() {
    done_ = true;
    return false;
  }
  // Loads the samples >= from (and >= mint_) of chunk c; positions before the first.
  bool LoadChunk(size_t c, int64_t from = std::numeric_limits<int64_t>::min()) {
    while (c < chunks_.size() && (chunks_[c].maxt < mint_ ||
                                  CoversRange(deleted_, chunks_[c].mint, chunks_[c].maxt))) {
      ++c;
    }
    if (c >= chunks_.size() || chunks_[c].mint > maxt_) return false;
    if (!recycled_) {
      // Taken at the first load, not at construction: a query creates a batch of iterators,
      // then decodes and drops them one by one on each thread.
      recycled_ = true;
      TakeSpares(ts_, vs_);
    }
    auto st =
        block_->ReadChunk(chunks_[c].ref, &ts_, &vs_, std::max(from, mint_), &hist_, markers_only_);
    len_ = st.ok() ? ts_.size() : 0;
    if (!st.ok()) {
      status_ = st;
      return false;
    }
    next_chunk_ = c + 1;
    pos_ = static_cast<size_t>(-1);
    return true;
  }

  std::shared_ptr<const Block> block_;
  std::vector<BlockChunkMeta> chunks_;
  Intervals deleted_;
  int64_t mint_, maxt_;
  size_t next_chunk_ = 0;
  // The current chunk's columns: ts_[0, len_) (the vectors are recycled, see SpareBuffers,
  // and hold an earlier chunk's samples until the first LoadChunk).
  std::vector<int64_t> ts_;
  std::vector<double> vs_;
  size_t len_ = 0;
  bool recycled_ = false;        // ts_ and vs_ came from TakeSpares() and go back by GiveSpares()
  Block::ChunkHistograms hist_;  // the current chunk's histograms (type kFloat: none)
  bool histogram_held_ = false;  // a histogram is current after a NextBatch that returned floats
  size_t pos_ = static_cast<size_t>(-1);
  bool done_ = false;
  absl::Status status_;
  const Block::StartTimestamps* sts_;  // owned by block_
  const bool markers_only_;
};

class BlockSeries : public storage::Series {
 public:
  const model::Labels& labels() const override { return labels_; }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    return NewBlockSeriesIterator(block_, chunks_, deleted_, mint_, maxt_, sts_, markers_only_);
  }
  model::Labels labels_;
  std::vector<BlockChunkMeta> chunks_;
  Intervals deleted_;
  const Block::StartTimestamps* sts_ = nullptr;
  std::shared_ptr<const Block> block_;
  int64_t mint_ = 0, maxt_ = 0;
  bool markers_only_ = false;
};

class BlockSeriesSet : public storage::SeriesSet {
 public:
  BlockSeriesSet(std::shared_ptr<const Block> block, std::vector<uint32_t> ords, int64_t mint,
                 int64_t maxt, bool markers_only, absl::Status status = absl::OkStatus())
      : ords_(std::move(ords)), status_(std::move(status)) {
    cur_.block_ = std::move(block);
    cur_.mint_ = mint;
    cur_.maxt_ = maxt;
    cur_.markers_only_ = markers_only;
  }
  bool Next() override {
    while (i_ < ords_.size()) {
      uint32_t o = ords_[i_++];
      auto st = cur_.block_->Series(o, &cur_.labels_, &cur_.chunks_, &cursor_);
      if (!st.ok()) {
        status_ = st;
        return false;
      }
      cur_.deleted_ = cur_.block_->Tombstones(o);
      cur_.sts_ = cur_.block_->StartTimestampsOf(o);
      bool any = false;
      for (const auto& c : cur_.chunks_) {
        if (c.maxt >= cur_.mint_ && c.mint <= cur_.maxt_ &&
            !CoversRange(cur_.deleted_, std::max(c.mint, cur_.mint_), std::min(c.maxt, cur_.maxt_))) {
          any = true;
          break;
        }
      }
      if (any) return true;
    }
    return false;
  }
  const storage::Series& At() const override { return cur_; }
  absl::Status status() const override { return status_; }

 private:
  std::vector<uint32_t> ords_;
  size_t i_ = 0;
  Block::SeriesCursor cursor_;
  BlockSeries cur_;
  absl::Status status_;
};

}  // namespace

std::unique_ptr<storage::SampleIterator> NewBlockSeriesIterator(
    std::shared_ptr<const Block> block, std::vector<BlockChunkMeta> chunks, Intervals deleted,
    int64_t mint, int64_t maxt, const Block::StartTimestamps* sts, bool markers_only) {
  return std::make_unique<BlockSeriesIterator>(std::move(block), std::move(chunks),
                                               std::move(deleted), mint, maxt, sts, markers_only);
}

std::unique_ptr<storage::SeriesSet> BlockQuerier::Select(absl::Span<const model::Matcher> matchers,
                                                const storage::SelectHints* hints) {
  std::vector<uint32_t> ords = block_->Postings(matchers);
  if (block_->damaged()) {
    // Postings() came back empty or may have been cut short: say so rather than answer less.
    return std::make_unique<BlockSeriesSet>(
        block_, std::vector<uint32_t>{}, mint_, maxt_, false,
        absl::DataLossError(absl::StrCat("block ", block_->dir(), " is damaged")));
  }
  return std::make_unique<BlockSeriesSet>(block_, std::move(ords), mint_, maxt_,
                                          hints != nullptr && hints->markers_only);
}

absl::StatusOr<std::vector<std::string>> BlockQuerier::LabelNames(
    absl::Span<const model::Matcher> matchers) {
  if (matchers.empty()) return block_->LabelNames();
  std::set<std::string> names;
  auto set = Select(matchers);
  while (set->Next()) {
    for (const auto& l : set->At().labels()) names.insert(l.name);
  }
  if (!set->status().ok()) return set->status();
  return std::vector<std::string>(names.begin(), names.end());
}

absl::StatusOr<std::vector<std::string>> BlockQuerier::LabelValues(
    std::string_view name, absl::Span<const model::Matcher> matchers) {
  if (matchers.empty()) return block_->LabelValues(name);
  std::set<std::string> values;
  auto set = Select(matchers);
  while (set->Next()) {
    auto v = set->At().labels().Get(name);
    if (!v.empty()) values.insert(std::string(v));
  }
  if (!set->status().ok()) return set->status();
  return std::vector<std::string>(values.begin(), values.end());
}

}  // namespace promlet::tsdb
