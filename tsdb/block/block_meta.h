// A block's meta.json: identity (ULID), time range [min_time, max_time) in ms (max exclusive,
// as in Prometheus), stats, and compaction lineage. Written last into the block's temporary
// directory, so a block directory with a valid meta.json is complete. `files` lists the size of
// each immutable file as written (blocks written before it existed have none), so a truncated
// file is refused at open with the size expected and the size found.
#ifndef PROMLET_TSDB_BLOCK_BLOCK_META_H_
#define PROMLET_TSDB_BLOCK_BLOCK_META_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace promlet::tsdb {

struct BlockStats {
  uint64_t num_samples = 0;
  uint64_t num_series = 0;
  uint64_t num_chunks = 0;
  uint64_t num_tombstones = 0;
};

struct BlockFileInfo {
  std::string rel_path;  // "index", "chunks"
  uint64_t size_bytes = 0;
};

struct BlockMeta {
  std::string ulid;
  int64_t min_time = 0;  // inclusive
  int64_t max_time = 0;  // exclusive
  BlockStats stats;
  int compaction_level = 1;
  std::vector<std::string> sources;  // ULIDs of the level-1 blocks merged into this one
  std::vector<std::string> parents;  // ULIDs of the blocks compacted into this one
  int version = 1;
  std::vector<BlockFileInfo> files;  // empty for blocks written before sizes were recorded
};

std::string BlockMetaToJson(const BlockMeta& m);
absl::StatusOr<BlockMeta> BlockMetaFromJson(const std::string& json);
absl::StatusOr<BlockMeta> ReadBlockMeta(const std::string& block_dir);
absl::Status WriteBlockMeta(const std::string& block_dir, const BlockMeta& m);

// A new ULID (26 chars, Crockford base32): 48-bit ms time + 80 random bits; sorts by time.
std::string NewUlid(int64_t now_ms);
bool IsUlid(const std::string& s);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_BLOCK_META_H_
