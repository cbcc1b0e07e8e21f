#include "tsdb/block/series_chunker.h"

#include <string>

#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/float_histogram_chunk.h"
#include "tsdb/chunkenc/histogram_chunk.h"

namespace promlet::tsdb {
namespace {

// The head's cut rule for histogram chunks (Prometheus' TargetBytesPerHistogramChunk and
// MinSamplesPerHistogramChunk), without its time-based parts.
constexpr size_t kTargetBytes = 1024;
constexpr int kMinSamples = 10;

constexpr uint8_t kFloatChunk = static_cast<uint8_t>(chunkenc::Encoding::kXOR);

// Records the ST of the n-th item of a chunk in sts, which stays empty until some item has one.
void NoteST(std::vector<int64_t>& sts, size_t n, int64_t st) {
  if (st == 0 && sts.empty()) return;
  sts.resize(n - 1, 0);
  sts.push_back(st);
}

// Appends to *app (creating it), cutting as the head does; `close` moves a full chunk out.
template <typename Appender, typename H, typename AppendFn, typename CloseFn>
absl::Status AppendTo(std::unique_ptr<Appender>& app, std::vector<int64_t>& ts, int64_t t,
                      const H& h, AppendFn append, CloseFn close) {
  std::unique_ptr<Appender> prev;
  if (app != nullptr && app->bytes().size() >= kTargetBytes && app->num_samples() >= kMinSamples) {
    close();
    prev = std::move(app);
  }
  if (app == nullptr) app = std::make_unique<Appender>();
  auto r = append(*app, prev.get(), t, h);
  if (!r.ok()) return r.status();
  if (r->new_chunk == nullptr) {
    ts.push_back(t);
  } else if (r->recoded) {
    app = std::move(r->new_chunk);
    ts.push_back(t);
  } else {
    close();
    app = std::move(r->new_chunk);
    ts.push_back(t);
  }
  return absl::OkStatus();
}

}  // namespace

SeriesChunker::SeriesChunker() = default;
SeriesChunker::~SeriesChunker() = default;

void SeriesChunker::CloseHistogramChunk() {
  if (hist_ts_.empty()) return;
  BlockWriter::Chunk c;
  if (h_ != nullptr) {
    c.encoding = static_cast<uint8_t>(chunkenc::Encoding::kHistogram);
    c.bytes = std::string(h_->bytes());
  } else {
    c.encoding = static_cast<uint8_t>(chunkenc::Encoding::kFloatHistogram);
    c.bytes = std::string(fh_->bytes());
  }
  c.ts = std::move(hist_ts_);
  hist_ts_.clear();
  c.sts = std::move(hist_sts_);
  hist_sts_.clear();
  chunks_.push_back(std::move(c));
}

void SeriesChunker::AddFloat(int64_t t, double v, int64_t st) {
  if (h_ != nullptr || fh_ != nullptr) {
    CloseHistogramChunk();
    h_.reset();
    fh_.reset();
  }
  if (chunks_.empty() || chunks_.back().encoding != kFloatChunk) {
    chunks_.emplace_back();
    chunks_.back().encoding = kFloatChunk;
  }
  chunks_.back().ts.push_back(t);
  chunks_.back().vs.push_back(v);
  NoteST(chunks_.back().sts, chunks_.back().ts.size(), st);
}

absl::Status SeriesChunker::AddHistogram(int64_t t, const model::histogram::Histogram& h,
                                         int64_t st) {
  if (fh_ != nullptr) {
    CloseHistogramChunk();
    fh_.reset();
  }
  absl::Status s = AppendTo(
      h_, hist_ts_, t, h,
      [](chunkenc::HistogramAppender& a, const chunkenc::HistogramAppender* prev, int64_t ts,
         const model::histogram::Histogram& x) {
        return a.AppendHistogram(prev, ts, x, /*append_only=*/false);
      },
      [this] { CloseHistogramChunk(); });
  if (s.ok()) NoteST(hist_sts_, hist_ts_.size(), st);  // t is the open chunk's last
  return s;
}

absl::Status SeriesChunker::AddFloatHistogram(int64_t t, const model::histogram::FloatHistogram& fh,
                                              int64_t st) {
  if (h_ != nullptr) {
    CloseHistogramChunk();
    h_.reset();
  }
  absl::Status s = AppendTo(
      fh_, hist_ts_, t, fh,
      [](chunkenc::FloatHistogramAppender& a, const chunkenc::FloatHistogramAppender* prev,
         int64_t ts, const model::histogram::FloatHistogram& x) {
        return a.AppendFloatHistogram(prev, ts, x, /*append_only=*/false);
      },
      [this] { CloseHistogramChunk(); });
  if (s.ok()) NoteST(hist_sts_, hist_ts_.size(), st);
  return s;
}

absl::Status SeriesChunker::AddCurrent(const storage::SampleIterator& it, int64_t st) {
  switch (it.Type()) {
    case storage::ValueType::kHistogram:
      it.AtHistogram(&scratch_h_);
      return AddHistogram(it.T(), scratch_h_, st);
    case storage::ValueType::kFloatHistogram:
      it.AtFloatHistogram(&scratch_fh_);
      return AddFloatHistogram(it.T(), scratch_fh_, st);
    default:
      AddFloat(it.T(), it.V(), st);
      return absl::OkStatus();
  }
}

std::vector<BlockWriter::Chunk> SeriesChunker::Take() {
  CloseHistogramChunk();
  h_.reset();
  fh_.reset();
  return std::move(chunks_);
}

}  // namespace promlet::tsdb
