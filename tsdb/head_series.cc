#include "tsdb/head_series.h"

#include <cmath>

namespace promlet::tsdb::head_internal {
namespace {

// Prometheus' chunkenc.TargetBytesPerHistogramChunk and MinSamplesPerHistogramChunk.
constexpr size_t kTargetBytesPerHistogramChunk = 1024;
constexpr int kMinSamplesPerHistogramChunk = 10;

// First multiple of `range` strictly after t (saturating), floor semantics for negative t.
int64_t NextBoundary(int64_t t, int64_t range) {
  if (range <= 0) return std::numeric_limits<int64_t>::max();
  int64_t q = t / range;
  if (t % range != 0 && t < 0) --q;
  if (q >= std::numeric_limits<int64_t>::max() / range - 1) return std::numeric_limits<int64_t>::max();
  return (q + 1) * range;
}

// Prometheus' computeChunkEndTime: the end time that splits what is left of the chunk range
// into equally full chunks, assuming samples keep arriving at the rate seen so far.
int64_t ComputeChunkEndTime(int64_t start, int64_t cur, int64_t max_t, double ratio_to_full) {
  const double n = static_cast<double>(max_t - start) /
                   (static_cast<double>(cur - start + 1) * ratio_to_full);
  if (n <= 1) return max_t;
  return static_cast<int64_t>(static_cast<double>(start) +
                              static_cast<double>(max_t - start) / std::floor(n));
}

std::unique_ptr<OpenHistogramChunk> NewOpenHistogramChunk(chunkenc::Encoding e, int64_t t) {
  auto c = std::make_unique<OpenHistogramChunk>();
  c->encoding = e;
  if (e == chunkenc::Encoding::kHistogram) {
    c->h = std::make_unique<chunkenc::HistogramAppender>();
  } else {
    c->fh = std::make_unique<chunkenc::FloatHistogramAppender>();
  }
  c->min_time = t;
  c->max_time = t;
  return c;
}

}  // namespace

storage::ValueType MemSeries::LastType() const {
  if (hist) {
    return hist->encoding == chunkenc::Encoding::kHistogram ? storage::ValueType::kHistogram
                                                            : storage::ValueType::kFloatHistogram;
  }
  if (!open.empty()) return storage::ValueType::kFloat;
  if (closed.empty()) return storage::ValueType::kNone;
  switch (closed.back()->encoding) {
    case chunkenc::Encoding::kHistogram:
      return storage::ValueType::kHistogram;
    case chunkenc::Encoding::kFloatHistogram:
      return storage::ValueType::kFloatHistogram;
    default:
      return storage::ValueType::kFloat;
  }
}

std::unique_ptr<OpenHistogramChunk> MemSeries::CloseOpen() {
  if (!open.empty()) {
    auto c = std::make_shared<chunkenc::ChunkData>();
    c->encoding = chunkenc::Encoding::kXOR;
    c->num_samples = open.num_samples();
    c->min_time = open.min_time();
    c->max_time = open.last_time();
    c->bytes = open.Finish();
    if (open_st) c->st = open_st->Finish();
    open_st.reset();
    closed.push_back(std::move(c));
    return nullptr;
  }
  if (hist != nullptr && hist->num_samples() > 0) closed.push_back(OpenChunkData());
  open_st.reset();
  return std::move(hist);
}

std::shared_ptr<chunkenc::ChunkData> MemSeries::OpenChunkData() const {
  auto c = std::make_shared<chunkenc::ChunkData>();
  if (hist != nullptr) {
    c->encoding = hist->encoding;
    c->num_samples = static_cast<uint16_t>(hist->num_samples());
    c->min_time = hist->min_time;
    c->max_time = hist->max_time;
    c->bytes = std::string(hist->bytes());
    if (open_st) c->st = std::string(open_st->bytes());
    return c;
  }
  if (open.empty()) return nullptr;
  c->encoding = chunkenc::Encoding::kXOR;
  c->num_samples = open.num_samples();
  c->min_time = open.min_time();
  c->max_time = open.last_time();
  c->bytes = std::string(open.bytes());
  if (open_st) c->st = std::string(open_st->bytes());
  return c;
}

bool MemSeries::AppendHistogram(int64_t t, std::shared_ptr<const model::histogram::Histogram> h,
                                std::shared_ptr<const model::histogram::FloatHistogram> fh,
                                int64_t chunk_range, int64_t st) {
  if (HasSamples() && t <= MaxTime()) return false;
  const chunkenc::Encoding e =
      h ? chunkenc::Encoding::kHistogram : chunkenc::Encoding::kFloatHistogram;
  if (!open.empty() || (hist && hist->encoding != e)) CloseOpen();  // type change: no prev
  std::unique_ptr<OpenHistogramChunk> prev;
  bool created = false;
  if (hist == nullptr) {
    created = true;
  } else {
    // Prometheus' histogramsAppendPreprocessor.
    const int num = hist->num_samples();
    const size_t num_bytes = hist->bytes().size();
    const int64_t next_range_start =
        hist->computed_end ? NextBoundary(hist->min_time, chunk_range) : next_cut;
    if (!hist->computed_end && num_bytes >= kTargetBytesPerHistogramChunk / 4) {
      const double ratio = static_cast<double>(kTargetBytesPerHistogramChunk) /
                           static_cast<double>(num_bytes);
      next_cut = ComputeChunkEndTime(hist->min_time, hist->max_time, next_cut, ratio);
      hist->computed_end = true;
    }
    if (((t >= next_cut || num_bytes >= 2 * kTargetBytesPerHistogramChunk) &&
         (num >= kMinSamplesPerHistogramChunk || t >= next_range_start)) ||
        num >= chunkenc::HistogramAppender::kMaxSamples) {
      prev = CloseOpen();
      created = true;
    }
  }
  if (created) {
    hist = NewOpenHistogramChunk(e, t);
    next_cut = NextBoundary(t, chunk_range);
  }
  // The previous chunk's appender decides a fresh chunk's counter-reset header.
  auto cut_by_appender = [&]() {
    CloseOpen();
    hist = NewOpenHistogramChunk(e, t);
    next_cut = NextBoundary(t, chunk_range);
  };
  if (h) {
    const chunkenc::HistogramAppender* prev_app = prev ? prev->h.get() : nullptr;
    auto r = hist->h->AppendHistogram(prev_app, t, *h, /*append_only=*/false);
    if (!r.ok()) {
      if (hist->num_samples() == 0) hist.reset();
      return false;
    }
    if (r->new_chunk != nullptr) {
      if (!r->recoded) cut_by_appender();
      hist->h = std::move(r->new_chunk);
    }
  } else {
    const chunkenc::FloatHistogramAppender* prev_app = prev ? prev->fh.get() : nullptr;
    auto r = hist->fh->AppendFloatHistogram(prev_app, t, *fh, /*append_only=*/false);
    if (!r.ok()) {
      if (hist->num_samples() == 0) hist.reset();
      return false;
    }
    if (r->new_chunk != nullptr) {
      if (!r->recoded) cut_by_appender();
      hist->fh = std::move(r->new_chunk);
    }
  }
  hist->max_time = t;
  if (st != 0 || open_st) AddST(static_cast<size_t>(hist->num_samples() - 1), t, st);
  hist->last_h = std::move(h);
  hist->last_fh = std::move(fh);
  ++seq;
  return true;
}

bool MemSeries::Append(int64_t t, double v, int max_per_chunk, int64_t chunk_range, int64_t st) {
  if (hist != nullptr) {
    if (t <= hist->max_time) return false;
    CloseOpen();  // type change
  }
  if (!open.empty()) {
    if (t <= open.last_time()) return false;
    if (open.num_samples() >= max_per_chunk || t >= next_cut ||
        open.num_samples() == chunkenc::XorEncoder::kMaxSamples) {
      auto c = std::make_shared<chunkenc::ChunkData>();
      c->encoding = chunkenc::Encoding::kXOR;
      c->num_samples = open.num_samples();
      c->min_time = open.min_time();
      c->max_time = open.last_time();
      c->bytes = open.Finish();
      if (open_st) c->st = open_st->Finish();
      open_st.reset();
      closed.push_back(std::move(c));
    }
  } else if (!closed.empty() && t <= closed.back()->max_time) {
    return false;
  }
  if (open.empty()) next_cut = NextBoundary(t, chunk_range);
  if (!open.Append(t, v)) return false;
  if (st != 0 || open_st) AddST(open.num_samples() - 1u, t, st);
  ++seq;
  return true;
}

void MemSeries::AddST(size_t index, int64_t t, int64_t st) {
  if (!open_st) open_st = std::make_unique<chunkenc::StColumnBuilder>();
  open_st->Add(index, t, st);
}

Visible MemSeries::VisibleFor(uint64_t reader_id) const {
  if (marks) {
    for (const TxnMark& m : *marks) {
      if (m.commit_id > reader_id) return {m.seq_before, m.maxt_before};
    }
  }
  return {seq, HasSamples() ? MaxTime() : std::numeric_limits<int64_t>::min()};
}

void MemSeries::NoteCommit(uint64_t id, uint64_t min_reader) {
  if (marks) {
    if (min_reader == std::numeric_limits<uint64_t>::max()) {
      marks.reset();
    } else {
      // Marks with ids <= every open reader are visible to all of them: a prefix.
      size_t k = 0;
      while (k < marks->size() && (*marks)[k].commit_id <= min_reader) ++k;
      marks->erase(marks->begin(), marks->begin() + static_cast<ptrdiff_t>(k));
      if (marks->empty()) marks.reset();
    }
  }
  if (min_reader == std::numeric_limits<uint64_t>::max()) return;  // no reader to hide from
  if (marks && marks->back().commit_id == id) return;
  if (!marks) marks = std::make_unique<std::vector<TxnMark>>();
  marks->push_back({id, seq, HasSamples() ? MaxTime() : std::numeric_limits<int64_t>::min()});
}

size_t MemSeries::ChunkMemoryBytes() const {
  size_t n = open.MemoryBytes() + (open_st ? open_st->MemoryBytes() : 0) +
             (hist ? hist->MemoryBytes() + sizeof(OpenHistogramChunk) : 0);
  for (const auto& c : closed) {
    n += c->bytes.capacity() + c->st.capacity() + sizeof(chunkenc::ChunkData) + 16;
  }
  return n;
}

}  // namespace promlet::tsdb::head_internal
