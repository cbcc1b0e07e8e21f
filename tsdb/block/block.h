// Block: a read-only view of one block directory (block_format.h). Index and chunks are read
// with pread (block_file.h), never mmap'ed, so a file truncated under the running server is an
// error for this block, not a SIGBUS. Open() checks each file's size against meta.json (when it
// lists sizes), loads only the symbol table, the postings table and the page table, and verifies
// every checksum of the index (and, with verify_chunks, of the chunk groups), so a damaged block
// is refused at open rather than failing queries later. Series pages and chunk groups are
// decompressed on demand and kept in a SectionCache (section_cache.h): the DB's, shared by all
// its blocks, or a small one of the block's own. Thread-safe.
//
// A read that finds the block damaged after open (short file, bad checksum, bad encoding) fails
// with DataLoss and marks the block damaged(): the damage handler runs once, so the owner (DB)
// can report the block and stop querying it. Postings() of a damaged block is empty.
//
// Tombstones are the only mutable part: Delete() rewrites the tombstones file atomically.
#ifndef PROMLET_TSDB_BLOCK_BLOCK_H_
#define PROMLET_TSDB_BLOCK_BLOCK_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "storage/interface.h"
#include "tsdb/block/block_file.h"
#include "tsdb/block/block_meta.h"
#include "tsdb/block/section_cache.h"
#include "tsdb/tombstones.h"

namespace promlet::tsdb {

struct BlockChunkMeta {
  int64_t mint;  // inclusive
  int64_t maxt;  // inclusive
  uint64_t ref;
};

class Block {
 private:
  struct Section;

 public:
  // Where the last Series() call stopped in its series page: reading ordinals in increasing
  // order with one cursor decodes each page once instead of once per series.
  class SeriesCursor {
   private:
    friend class Block;
    std::shared_ptr<const Section> page_;
    uint64_t page_index_ = ~uint64_t{0};
    uint32_t next_ = 0;   // ordinal whose entry starts at offset_
    size_t offset_ = 0;
    int64_t prev_ref_ = 0;
  };

  // Without a cache the block keeps its decompressed sections in one of its own
  // (kPrivateCacheBytes).
  static absl::StatusOr<std::shared_ptr<Block>> Open(const std::string& dir,
                                                     bool verify_chunks = true,
                                                     std::shared_ptr<SectionCache> cache = nullptr);
  static constexpr size_t kPrivateCacheBytes = 2 << 20;
  ~Block();

  // Called once, on the first read that finds the block damaged, with the error. Set it before
  // the block is shared between threads.
  void SetDamageHandler(std::function<void(const Block&, const absl::Status&)> handler) {
    on_damage_ = std::move(handler);
  }
  bool damaged() const { return damaged_.load(std::memory_order_acquire); }

  const BlockMeta& meta() const { return meta_; }
  const std::string& dir() const { return dir_; }
  uint32_t NumSeries() const { return num_series_; }
  // Bytes of the block's files on disk.
  uint64_t SizeBytes() const { return size_bytes_; }

  absl::Status Series(uint32_t ordinal, model::Labels* labels, std::vector<BlockChunkMeta>* chunks,
                      SeriesCursor* cursor = nullptr) const;
  // The histograms of a native-histogram chunk read by ReadChunk.
  struct ChunkHistograms {
    storage::ValueType type = storage::ValueType::kFloat;  // kFloat: a float chunk (vs)
    std::vector<model::histogram::Histogram> h;        // kHistogram
    std::vector<model::histogram::FloatHistogram> fh;  // kFloatHistogram
  };
  // The samples of a chunk with timestamps >= mint: only those are decoded (chunks are
  // stored newest first, chunk_codec.h). A native-histogram chunk fills *hist (vs is left
  // empty); without hist it is an InvalidArgument error. With markers_only, float values are
  // those of DecodeNonFiniteValues (SelectHints::markers_only).
  absl::Status ReadChunk(uint64_t ref, std::vector<int64_t>* ts, std::vector<double>* vs,
                         int64_t mint = std::numeric_limits<int64_t>::min(),
                         ChunkHistograms* hist = nullptr, bool markers_only = false) const;
  // Sorted ordinals of the series matching all matchers (all series for none).
  std::vector<uint32_t> Postings(absl::Span<const model::Matcher> matchers) const;
  std::vector<std::string> LabelNames() const;
  std::vector<std::string> LabelValues(std::string_view name) const;

  // The (t, st) pairs of the samples of series `ordinal` that have a start timestamp, in t
  // order; nullptr when none has (block_format.h's start_timestamps file).
  using StartTimestamps = std::vector<std::pair<int64_t, int64_t>>;
  const StartTimestamps* StartTimestampsOf(uint32_t ordinal) const {
    auto it = start_timestamps_.find(ordinal);
    return it == start_timestamps_.end() ? nullptr : &it->second;
  }

  // Deleted intervals of a series (empty when none).
  Intervals Tombstones(uint32_t ordinal) const;
  bool HasTombstones() const;
  // Marks [mint, maxt] of every matching series deleted; returns how many series it touched.
  absl::StatusOr<size_t> Delete(absl::Span<const model::Matcher> matchers, int64_t mint, int64_t maxt);

 private:
  struct PostingsEntry {
    uint32_t name, value;  // symbol ids
    uint64_t offset, len;
  };
  Block() = default;
  absl::Status Load(bool verify_chunks);
  // Decodes a postings list from `data`, which holds the bytes of entries starting at
  // file offset `data_offset`.
  static std::vector<uint32_t> DecodePostings(const PostingsEntry& e, const char* data,
                                              uint64_t data_offset);
  // The postings lists of entries idx (sorted by file offset) as (entry, list) pairs; adjacent
  // lists are read with one pread. Marks the block damaged and returns nullopt on a read error.
  std::optional<std::vector<std::vector<uint32_t>>> ReadPostingsLists(
      const std::vector<size_t>& idx) const;
  // Marks the block damaged (once: runs the handler) when st is a DataLoss; returns st.
  absl::Status Damaged(absl::Status st) const;
  absl::Status CheckFileSizes() const;
  absl::Status LoadStartTimestamps();
  absl::Status VerifyChunkGroups() const;
  // Entries [first, last) of a label name in the sorted postings table.
  std::pair<size_t, size_t> NameRange(std::string_view name) const;
  // A decompressed section; for a chunk group also where each chunk's columns start.
  struct Section {
    std::string raw;
    // Chunk groups: offsets in raw of chunk i's timestamps [ts[i], ts[i+1]) and values
    // [val[i], val[i+1]); checked against raw's size when the group is loaded.
    std::vector<uint32_t> ts, val;
    // Fills ts and val from raw's group header; false when the header is malformed.
    bool IndexChunkColumns();
  };
  absl::StatusOr<std::shared_ptr<const Section>> CachedSection(uint64_t file, uint64_t off) const;

  std::string dir_;
  BlockMeta meta_;
  BlockFile index_file_;
  BlockFile chunks_file_;
  uint64_t size_bytes_ = 0;
  uint32_t num_series_ = 0;
  std::vector<std::string> symbols_;
  std::vector<PostingsEntry> postings_;  // sorted by (name, value) symbol id = string order
  std::vector<uint64_t> pages_;

  mutable std::mutex mu_;  // tombstones_
  // Decompressed sections keyed by (owner_, file, offset): series pages and chunk groups.
  std::shared_ptr<SectionCache> cache_;
  uint64_t owner_ = SectionCache::NewOwner();
  TombstoneMap tombstones_;
  absl::flat_hash_map<uint32_t, StartTimestamps> start_timestamps_;  // immutable after Load
  std::function<void(const Block&, const absl::Status&)> on_damage_;
  mutable std::atomic<bool> damaged_{false};
};

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_BLOCK_H_
