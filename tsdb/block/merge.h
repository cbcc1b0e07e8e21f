// Merging of several sorted SeriesSets (head + blocks) into one: series with equal labels are
// combined, their samples merged by timestamp with duplicates (same timestamp) kept once — the
// first set given wins, so callers pass the most authoritative source first.
//
// Invariant: a merged Series is valid until the merged set's next Next(), like its components.
#ifndef PROMLET_TSDB_BLOCK_MERGE_H_
#define PROMLET_TSDB_BLOCK_MERGE_H_

#include <memory>
#include <vector>

#include "storage/interface.h"

namespace promlet::tsdb {

std::unique_ptr<storage::SeriesSet> MergeSeriesSets(std::vector<std::unique_ptr<storage::SeriesSet>> sets);
std::unique_ptr<storage::SampleIterator> MergeIterators(std::vector<std::unique_ptr<storage::SampleIterator>> its);

// A Querier over several queriers (merged Select; union of label names / values).
std::unique_ptr<storage::Querier> MergeQueriers(std::vector<std::unique_ptr<storage::Querier>> queriers);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_BLOCK_MERGE_H_
