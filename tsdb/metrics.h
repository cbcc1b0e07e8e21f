// The storage's self metrics: the prometheus_tsdb_* and promlet_tsdb_* families of a head and
// a DB (the head's Stats(), the DB's counters, blocks, disk use, WAL figures and open report),
// read at each call (nothing is cached), in the names and help texts Prometheus uses. The web
// layer serves them on /metrics; it does not read tsdb internals itself.
//
// Invariant: safe to call concurrently with appends, queries, compaction and WAL writes (every
// figure is read through the head's and DB's thread-safe accessors).
#ifndef PROMLET_TSDB_METRICS_H_
#define PROMLET_TSDB_METRICS_H_

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace promlet::tsdb {

class DB;
class Head;

// The head's families, then the DB's. `db` may be null (head only); `head`, when null, is
// db->head().
std::vector<prometheus::MetricFamily> CollectMetrics(DB* db, const Head* head);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_METRICS_H_
