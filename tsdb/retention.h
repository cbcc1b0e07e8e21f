// Retention: which blocks to delete, whole blocks, oldest first, by time and by size, whichever
// hits first. Time is data time, as in Prometheus: a block goes when it ends more than
// `time_ms` before the newest data (blocks and head; DB passes the newest data not beyond
// now + the head's future bound, so one year-2999 block cannot expire the rest). Size counts
// everything under the data dir (WAL and checkpoints included, unlike Prometheus): `other_bytes` is
// what is not blocks.
#ifndef PROMLET_TSDB_RETENTION_H_
#define PROMLET_TSDB_RETENTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tsdb/block/block_meta.h"

namespace promlet::tsdb {

struct RetentionPolicy {
  int64_t time_ms = 0;      // 0: no time limit
  uint64_t size_bytes = 0;  // 0: no size limit
};

struct RetentionBlock {
  BlockMeta meta;
  uint64_t bytes = 0;
};

// `blocks` in any order; returns the ULIDs to delete.
std::vector<std::string> BlocksBeyondRetention(std::vector<RetentionBlock> blocks,
                                               int64_t newest_time, uint64_t other_bytes,
                                               const RetentionPolicy& policy);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_RETENTION_H_
