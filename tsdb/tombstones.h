// Tombstones: deleted time intervals per series, the storage side of delete_series. In the head
// they are keyed by SeriesRef (and logged to the WAL); in a block by series ordinal, stored in the
// block's "tombstones" file (replaced atomically). Queries skip deleted samples; compaction and
// clean_tombstones rewrite blocks without them.
//
// Invariant: an Intervals list is sorted, non-overlapping and non-adjacent (merged on insert).
// An empty tombstones file reads as no tombstones (a non-empty damaged one is DataLoss).
#ifndef PROMLET_TSDB_TOMBSTONES_H_
#define PROMLET_TSDB_TOMBSTONES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace promlet::tsdb {

struct Interval {
  int64_t mint;  // inclusive
  int64_t maxt;  // inclusive
};
using Intervals = std::vector<Interval>;
using TombstoneMap = absl::flat_hash_map<uint32_t, Intervals>;

// Adds `iv` keeping the invariant.
void AddInterval(Intervals* ivs, Interval iv);
bool IsDeleted(const Intervals& ivs, int64_t t);
// True when [mint, maxt] is entirely deleted.
bool CoversRange(const Intervals& ivs, int64_t mint, int64_t maxt);

inline constexpr char kTombstonesFile[] = "tombstones";

// A missing file is an empty map.
absl::StatusOr<TombstoneMap> ReadTombstones(const std::string& block_dir);
// Writes <dir>/tombstones.tmp, fsyncs, renames over <dir>/tombstones. Empty map: removes it.
absl::Status WriteTombstones(const std::string& block_dir, const TombstoneMap& t);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_TOMBSTONES_H_
