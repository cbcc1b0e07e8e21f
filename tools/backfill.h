// Backfill: OpenMetrics text with timestamps (the "# EOF"-terminated format promtool's
// `tsdb create-blocks-from openmetrics` accepts) -> blocks in a data directory.
//
// The input is mmapped and parsed on two threads (split at a metric-family boundary), samples
// are bucketed into block_duration-aligned windows, each window becomes one block written
// through BlockWriter (tmp dir + atomic rename). Any parse error stops everything before the
// first block is written and names the line; if writing a block fails, the blocks this run
// already wrote are removed, so the data dir never holds half of an import.
// Memory: about 16 bytes per input sample plus the series' labels.
#ifndef PROMLET_TOOLS_BACKFILL_H_
#define PROMLET_TOOLS_BACKFILL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tsdb/block/block_meta.h"

namespace promlet::tools {

struct BackfillOptions {
  int64_t block_duration_ms = 2 * 3600 * 1000;
  int threads = 2;
  bool progress = false;  // progress line on stderr
  int zstd_level = 9;
};

struct BackfillResult {
  uint64_t series = 0;
  uint64_t samples = 0;
  uint64_t lines = 0;
  std::vector<tsdb::BlockMeta> blocks;
};

absl::StatusOr<BackfillResult> BackfillOpenMetrics(const std::string& input_file,
                                                   const std::string& data_dir,
                                                   const BackfillOptions& opts = {});

}  // namespace promlet::tools

#endif  // PROMLET_TOOLS_BACKFILL_H_
