// WAL repair, the step DB::Open runs after replay (reader.h) on a directory nobody writes to:
// a torn tail is truncated; a segment with corruption is moved whole into <dir>/damaged/ and
// replaced by its records before the damage; segments after a gap are moved into <dir>/damaged/;
// unfinished checkpoint.*.tmp directories are removed.
#ifndef PROMLET_TSDB_WLOG_REPAIR_H_
#define PROMLET_TSDB_WLOG_REPAIR_H_

#include <string>

#include "absl/status/status.h"
#include "tsdb/wlog/reader.h"

namespace promlet::tsdb {

// Acts on report->damage and report->after_gap; appends a warning per action taken.
absl::Status RepairWal(const std::string& dir, WalReplayReport* report);

}  // namespace promlet::tsdb

#endif  // PROMLET_TSDB_WLOG_REPAIR_H_
