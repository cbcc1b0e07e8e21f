#include "tsdb/compact.h"

#include <algorithm>
#include <limits>
#include <map>

#include "tsdb/block/block_querier.h"
#include "tsdb/block/merge.h"
#include "tsdb/block/series_chunker.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/histogram_sample_iterator.h"
#include "tsdb/chunkenc/st_column.h"

namespace promlet::tsdb {

std::vector<int64_t> CompactionRanges(int64_t base, int64_t max_range) {
  std::vector<int64_t> out = {base};
  while (out.back() * 3 <= max_range) out.push_back(out.back() * 3);
  return out;
}

std::vector<size_t> PlanCompaction(const std::vector<BlockMeta>& metas,
                                   const std::vector<int64_t>& ranges) {
  // Overlaps first (vertical compaction): a run of blocks each starting before the run's end.
  for (size_t i = 0; i + 1 < metas.size(); ++i) {
    int64_t end = metas[i].max_time;
    size_t j = i + 1;
    while (j < metas.size() && metas[j].min_time < end) {
      end = std::max(end, metas[j].max_time);
      ++j;
    }
    if (j - i >= 2) {
      std::vector<size_t> out;
      for (size_t k = i; k < j; ++k) out.push_back(k);
      return out;
    }
  }
  if (metas.size() < 2) return {};
  int64_t newest = 0;
  for (const auto& m : metas) newest = std::max(newest, m.max_time);
  auto floor_div = [](int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  for (size_t r = 1; r < ranges.size(); ++r) {
    int64_t range = ranges[r];
    std::map<int64_t, std::vector<size_t>> windows;
    for (size_t i = 0; i < metas.size(); ++i) {
      int64_t w = floor_div(metas[i].min_time, range);
      // Only blocks that fit inside the window and are smaller than it.
      if (metas[i].max_time <= (w + 1) * range && metas[i].max_time - metas[i].min_time < range) {
        windows[w].push_back(i);
      }
    }
    for (const auto& [w, idx] : windows) {
      if (idx.size() >= 2 && (w + 1) * range <= newest) return idx;
    }
  }
  return {};
}

absl::StatusOr<BlockMeta> CompactBlocks(const std::string& dir,
                                        const std::vector<std::shared_ptr<Block>>& blocks,
                                        const BlockWriterOptions& opts) {
  auto w = BlockWriter::Create(dir, opts);
  if (!w.ok()) return w.status();
  int64_t mint = std::numeric_limits<int64_t>::max(), maxt = std::numeric_limits<int64_t>::min();
  int level = 0;
  std::vector<std::string> sources, parents;
  std::vector<std::unique_ptr<storage::SeriesSet>> sets;
  for (const auto& b : blocks) {
    mint = std::min(mint, b->meta().min_time);
    maxt = std::max(maxt, b->meta().max_time);
    level = std::max(level, b->meta().compaction_level);
    sources.insert(sources.end(), b->meta().sources.begin(), b->meta().sources.end());
    parents.push_back(b->meta().ulid);
    BlockQuerier q(b, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    sets.push_back(q.Select({}));
  }
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  auto merged = MergeSeriesSets(std::move(sets));
  SeriesChunker chunker;
  while (merged->Next()) {
    auto it = merged->At().Iterator();
    while (it->Next()) {
      if (auto st = chunker.AddCurrent(*it); !st.ok()) return st;
    }
    if (!it->status().ok()) return it->status();
    if (chunker.empty()) continue;
    if (auto st = (*w)->AddSeriesChunks(merged->At().labels(), chunker.Take()); !st.ok()) {
      return st;
    }
  }
  if (!merged->status().ok()) return merged->status();
  return (*w)->Finish(mint, maxt, blocks.size() > 1 ? level + 1 : level, sources, parents);
}

absl::StatusOr<BlockMeta> WriteHeadBlock(const std::string& dir, Head* head, int64_t mint,
                                         int64_t maxt, const BlockWriterOptions& opts,
                                         const std::function<Intervals(storage::SeriesRef)>& deleted) {
  auto w = BlockWriter::Create(dir, opts);
  if (!w.ok()) return w.status();
  auto set = head->ChunkSeries(mint, maxt - 1, /*include_open=*/true);
  SeriesChunker chunker;
  chunkenc::HistogramSampleIterator hist_it;
  while (set->Next()) {
    Intervals del = deleted ? deleted(set->ref()) : Intervals{};
    int64_t last = std::numeric_limits<int64_t>::min();
    bool any = false;
    for (const auto& c : set->chunks()) {
      const absl::Span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(c->bytes.data()),
                                            c->bytes.size());
      std::unique_ptr<storage::SampleIterator> owned;
      storage::SampleIterator* it = &hist_it;
      if (c->encoding == chunkenc::Encoding::kHistogram ||
          c->encoding == chunkenc::Encoding::kFloatHistogram) {
        hist_it.Reset(c->encoding, bytes);
      } else {
        auto xit = chunkenc::NewChunkIterator(c->encoding, bytes);
        if (!xit.ok()) return xit.status();
        owned = std::move(*xit);
        it = owned.get();
      }
      chunkenc::StColumnReader sts(c->st);
      while (it->Next()) {
        int64_t t = it->T();
        const int64_t start = sts.Next(t);  // every sample has its entry, skipped ones too
        if (t < mint || t >= maxt) continue;
        if (any && t <= last) continue;
        if (!del.empty() && IsDeleted(del, t)) continue;
        if (auto st = chunker.AddCurrent(*it, start); !st.ok()) return st;
        last = t;
        any = true;
      }
      if (!it->status().ok()) return it->status();
    }
    if (chunker.empty()) continue;
    if (auto st = (*w)->AddSeriesChunks(set->labels(), chunker.Take()); !st.ok()) return st;
  }
  return (*w)->Finish(mint, maxt);
}

}  // namespace promlet::tsdb
