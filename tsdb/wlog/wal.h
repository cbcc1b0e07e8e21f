// The write-ahead log, as the DB uses it: writer.h (append, cut segments, checkpoint),
// reader.h (read-only replay that reports damage) and repair.h (fix what replay reported, run
// at open). Segment layout and framing are described in writer.h.
#ifndef PROMLET_TSDB_WLOG_WAL_H_
#define PROMLET_TSDB_WLOG_WAL_H_

#include "tsdb/wlog/reader.h"
#include "tsdb/wlog/repair.h"
#include "tsdb/wlog/writer.h"

#endif  // PROMLET_TSDB_WLOG_WAL_H_
