// BlockQuerier: a Querier over one Block and [mint, maxt]. Series come lazily in ordinal order
// (= label order); samples are decoded one chunk at a time; tombstoned samples are skipped.
#ifndef PROMLET_TSDB_BLOCK_BLOCK_QUERIER_H_
#define PROMLET_TSDB_BLOCK_BLOCK_QUERIER_H_

#include <memory>

#include "tsdb/block/block.h"
#include "storage/interface.h"

namespace promlet::tsdb {

class BlockQuerier : public storage::Querier {
 public:
  BlockQuerier(std::shared_ptr<Block> block, int64_t mint, int64_t maxt)
      : block_(std::move(block)), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<storage::SeriesSet> Select(absl::Span<const model::Matcher> matchers,
                                    const storage::SelectHints* hints = nullptr) override;
  absl::StatusOr<std::vector<std::string>> LabelNames(absl::Span<const model::Matcher> matchers) override;
  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name,
                                                       absl::Span<const model::Matcher> matchers) override;

 private:
  std::shared_ptr<Block> block_;
  int64_t mint_, maxt_;
};

// Iterates all samples of a block series (chunks in order), skipping tombstoned ones and those
// outside [mint, maxt]. Also used by compaction. markers_only: SelectHints::markers_only.
std::unique_ptr<storage::SampleIterator> NewBlockSeriesIterator(
    std::shared_ptr<const Block> block, std::vector<BlockChunkMeta> chunks, Intervals deleted,
    int64_t mint, int64_t maxt, const Block::StartTimestamps* sts = nullptr,
    bool markers_only = false);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_BLOCK_QUERIER_H_
