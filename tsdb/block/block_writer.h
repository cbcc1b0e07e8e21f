// BlockWriter: streams series (in Labels::Compare order) into a new block directory. Chunk
// groups are compressed and written as they fill, so memory holds only the labels and chunk
// metadata of the series, not their samples. Everything goes to <parent>/<ULID>.tmp-for-creation
// and is renamed to <parent>/<ULID> by Finish() after fsync: a crash leaves only a .tmp dir,
// which DB::Open removes.
#ifndef PROMLET_TSDB_BLOCK_BLOCK_WRITER_H_
#define PROMLET_TSDB_BLOCK_BLOCK_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tsdb/block/block_meta.h"
#include "tsdb/block/chunk_codec.h"
#include "model/labels.h"

namespace promlet::tsdb {

struct BlockWriterOptions {
  int zstd_level = 9;
  int64_t now_ms = 0;  // for the ULID; 0 = wall clock
  // Store integer histogram chunks as Prometheus' chunk bytes (value mode 2, what earlier
  // builds wrote) instead of histogram columns (mode 3): tests and size comparisons only.
  bool histogram_chunk_bytes = false;
};

inline constexpr char kTmpBlockSuffix[] = ".tmp-for-creation";

class BlockWriter {
 public:
  static absl::StatusOr<std::unique_ptr<BlockWriter>> Create(const std::string& parent_dir,
                                                             BlockWriterOptions opts = {});
  ~BlockWriter();  // aborts (removes the tmp dir) unless Finish() succeeded

  // Adds one series. Labels must sort strictly after the previous series'; ts strictly
  // increasing; ts/vs the same non-zero length.
  absl::Status AddSeries(const model::Labels& labels, absl::Span<const int64_t> ts,
                         absl::Span<const double> vs);

  // One chunk of a series for AddSeriesChunks: floats (encoding kXOR: ts and vs), or a
  // native-histogram chunk (kHistogram / kFloatHistogram: its Prometheus chunk bytes and the
  // timestamps of its samples).
  struct Chunk {
    uint8_t encoding = 1;  // chunkenc::Encoding
    std::vector<int64_t> ts;
    std::vector<double> vs;
    std::string bytes;
    // Start timestamps parallel to ts (0: none), or empty when no sample has one.
    std::vector<int64_t> sts;
  };
  // Adds one series made of chunks in time order (what a series holding histograms needs).
  // Same ordering rules as AddSeries, across the chunks too.
  absl::Status AddSeriesChunks(const model::Labels& labels, absl::Span<const Chunk> chunks);

  // Writes index and meta.json ([min_time, max_time) from the arguments; level and lineage as
  // given), fsyncs and renames into place. Returns the meta. A block with no series is not
  // created: returns NotFound.
  absl::StatusOr<BlockMeta> Finish(int64_t min_time, int64_t max_time, int level = 1,
                                   std::vector<std::string> sources = {},
                                   std::vector<std::string> parents = {});

  const std::string& ulid() const { return ulid_; }
  uint64_t num_samples() const { return num_samples_; }

 private:
  struct ChunkMeta {
    int64_t mint, maxt;
    uint64_t ref;
  };
  struct SeriesEntry {
    model::Labels labels;
    std::vector<ChunkMeta> chunks;
  };

  BlockWriter() = default;
  absl::Status FlushGroup();
  // Records the start timestamps of series sidx's chunks, if any, for the start_timestamps file.
  void NoteStartTimestamps(size_t sidx, absl::Span<const Chunk> chunks);
  // Appends one float (bytes empty) or histogram chunk to the group of series sidx.
  absl::Status AddChunk(size_t sidx, absl::Span<const int64_t> ts, absl::Span<const double> vs,
                        uint8_t encoding, std::string_view bytes);
  absl::Status WriteAll(int fd, const std::string& data, const char* what);

  BlockWriterOptions opts_;
  std::string parent_, ulid_, tmp_dir_;
  int chunks_fd_ = -1;
  uint64_t chunks_offset_ = 0;
  bool finished_ = false;
  // Current group: per-chunk stream lengths and the two columns.
  std::vector<std::pair<uint32_t, uint32_t>> group_lens_;
  std::string group_ts_, group_vals_;
  ValueEncoder value_encoder_;  // cross-chunk value prediction within the group
  std::vector<std::pair<size_t, size_t>> pending_refs_;  // (series idx, chunk idx) in group
  std::vector<SeriesEntry> series_;
  uint64_t num_samples_ = 0, num_chunks_ = 0;
  // The start_timestamps file's section body so far (block_format.h), for st_series_ series.
  std::string st_raw_;
  uint64_t st_series_ = 0;
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_BLOCK_WRITER_H_
