// Backfill: OpenMetrics text with timestamps (the "# EOF"-terminated format promtool's
// `tsdb create-blocks-from openmetrics` accepts) -> blocks in a data directory.
//
// The input is mmapped and parsed on `threads` threads (split at metric-family boundaries).
// Pages behind each thread's parse position are dropped (MADV_DONTNEED), so the input never
// counts whole in RSS. Samples are held compressed per series and block_duration-aligned
// window (Gorilla XOR, about 1.4 bytes per sample; samples that arrive out of order wait in a
// small uncompressed tail that is merged back in from time to time). When the held data
// exceed max_held_bytes, everything held is written out as blocks early and parsing goes on;
// at the end, a window that got several blocks is merged into one (the later flush wins on
// equal timestamps), so the result is one block per window whatever the cap. Memory is thus
// about min(compressed input, max_held_bytes) plus the series' labels, independent of the
// input file's size.
//
// Semantics: a series' samples are sorted by time; for equal timestamps the later line wins.
// Any parse error stops everything, names the line, and removes every block this run wrote
// (also those flushed early), so the data dir never holds half of an import; the same for a
// failed write.
#ifndef PROMLET_TOOLS_BACKFILL_H_
#define PROMLET_TOOLS_BACKFILL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tsdb/block_builder.h"

namespace promlet::tools {

struct BackfillOptions {
  int64_t block_duration_ms = 2 * 3600 * 1000;
  int threads = 2;
  bool progress = false;  // progress line on stderr
  int zstd_level = 9;
  // Compressed samples held in memory before they are flushed into blocks early (0 = no cap).
  int64_t max_held_bytes = int64_t{1} << 30;
};

struct BackfillResult {
  uint64_t series = 0;
  uint64_t samples = 0;
  uint64_t lines = 0;
  // Times the held samples were written out (early flushes plus the final one).
  int flushes = 0;
  std::vector<tsdb::BlockMeta> blocks;  // sorted by min_time, one per window
};

absl::StatusOr<BackfillResult> BackfillOpenMetrics(const std::string& input_file,
                                                   const std::string& data_dir,
                                                   const BackfillOptions& opts = {});

}  // namespace promlet::tools

#endif  // PROMLET_TOOLS_BACKFILL_H_
