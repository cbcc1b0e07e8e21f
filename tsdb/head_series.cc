#include "tsdb/head_series.h"

namespace promlet::tsdb::head_internal {
namespace {

// First multiple of `range` strictly after t (saturating), floor semantics for negative t.
int64_t NextBoundary(int64_t t, int64_t range) {
  if (range <= 0) return std::numeric_limits<int64_t>::max();
  int64_t q = t / range;
  if (t % range != 0 && t < 0) --q;
  if (q >= std::numeric_limits<int64_t>::max() / range - 1) return std::numeric_limits<int64_t>::max();
  return (q + 1) * range;
}

}  // namespace

bool MemSeries::Append(int64_t t, double v, int max_per_chunk, int64_t chunk_range) {
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
      closed.push_back(std::move(c));
    }
  } else if (!closed.empty() && t <= closed.back()->max_time) {
    return false;
  }
  if (open.empty()) next_cut = NextBoundary(t, chunk_range);
  if (!open.Append(t, v)) return false;
  ++seq;
  return true;
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
  size_t n = open.MemoryBytes();
  for (const auto& c : closed) n += c->bytes.capacity() + sizeof(chunkenc::ChunkData) + 16;
  return n;
}

}  // namespace promlet::tsdb::head_internal
