// Compaction: planning which blocks merge (Prometheus' leveled scheme: ranges 2h, 6h, 18h, ...
// each 3x the previous, capped), and writing blocks from the head or from other blocks.
// Writing is crash-safe through BlockWriter (tmp dir + rename); a merged block lists its
// parents in meta.json, so DB::Open deletes parents that a crash left behind.
#ifndef PROMLET_TSDB_COMPACT_H_
#define PROMLET_TSDB_COMPACT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_meta.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/head.h"
#include "tsdb/tombstones.h"

namespace promlet::tsdb {

// base, 3*base, 9*base, ... while <= max_range (at least {base}).
std::vector<int64_t> CompactionRanges(int64_t base, int64_t max_range);

// Given metas sorted by min_time, the indices of the blocks to merge next, or empty. First any
// group of overlapping blocks; else, for each range above the first, the earliest aligned window
// [k*r, (k+1)*r) that ends at or before the newest block's max_time and holds >= 2 blocks.
std::vector<size_t> PlanCompaction(const std::vector<BlockMeta>& metas,
                                   const std::vector<int64_t>& ranges);

// Merges blocks (tombstones applied, duplicates dropped) into a new block in `dir`. NotFound if
// nothing is left (everything deleted).
absl::StatusOr<BlockMeta> CompactBlocks(const std::string& dir,
                                        const std::vector<std::shared_ptr<Block>>& blocks,
                                        const BlockWriterOptions& opts);

// Writes the head's samples in [mint, maxt) into a new level-1 block in `dir`, skipping samples
// deleted per `deleted(ref)` (may be null). NotFound if the range holds no samples.
absl::StatusOr<BlockMeta> WriteHeadBlock(const std::string& dir, Head* head, int64_t mint,
                                         int64_t maxt, const BlockWriterOptions& opts,
                                         const std::function<Intervals(storage::SeriesRef)>& deleted);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_COMPACT_H_
