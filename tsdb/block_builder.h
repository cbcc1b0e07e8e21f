// Block building for code outside tsdb (tools/backfill, snapshots by hand): write new blocks
// from sorted series, merge blocks of one directory, and hold samples compressed in memory
// before writing them. The only tsdb header such tools need: block files, the chunk codec and
// compaction stay internal.
//
// Invariants: as BlockWriter (block/block_writer.h): series are added in Labels::Compare order,
// each with strictly increasing timestamps; a block appears in its directory only once Finish()
// succeeded (a crash leaves a *.tmp-for-creation directory that DB::Open removes).
#ifndef PROMLET_TSDB_BLOCK_BUILDER_H_
#define PROMLET_TSDB_BLOCK_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tsdb/block/block_meta.h"
#include "tsdb/chunkenc/xor.h"
#include "model/labels.h"

namespace promlet::tsdb {

class BlockWriter;

struct BlockBuilderOptions {
  int zstd_level = 9;
  int64_t now_ms = 0;  // for the ULID; 0 = wall clock
};

// Writes one new block into a directory.
class BlockBuilder {
 public:
  static absl::StatusOr<std::unique_ptr<BlockBuilder>> Create(const std::string& dir,
                                                              BlockBuilderOptions opts = {});
  ~BlockBuilder();  // removes the unfinished block unless Finish() succeeded

  // Labels strictly after the previous series'; ts strictly increasing; ts/vs of equal,
  // non-zero length.
  absl::Status AddSeries(const model::Labels& labels, absl::Span<const int64_t> ts,
                         absl::Span<const double> vs);
  // Completes the block covering [min_time, max_time). NotFound when no series was added.
  absl::StatusOr<BlockMeta> Finish(int64_t min_time, int64_t max_time);

 private:
  explicit BlockBuilder(std::unique_ptr<BlockWriter> w);
  std::unique_ptr<BlockWriter> writer_;
};

// Merges the blocks `ulids` of `dir` into one new block there (the parents stay: the caller
// removes them). On equal timestamps the sample of the block listed first wins.
absl::StatusOr<BlockMeta> MergeBlocks(const std::string& dir, const std::vector<std::string>& ulids,
                                      BlockBuilderOptions opts = {});

// Samples held compressed in memory: Prometheus' XOR chunk (at most 65535 samples each,
// strictly increasing timestamps).
using SampleChunkEncoder = chunkenc::XorEncoder;
// Appends the samples of a chunk made by SampleChunkEncoder to ts and vs.
absl::Status DecodeSampleChunk(std::string_view chunk, std::vector<int64_t>* ts,
                               std::vector<double>* vs);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_BUILDER_H_
