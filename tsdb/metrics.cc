#include "tsdb/metrics.h"

#include <utility>

#include "common/metric_families.h"
#include "tsdb/db.h"
#include "tsdb/head.h"

namespace promlet::tsdb {

using common::AppendMetrics;
using common::MetricKind;

namespace {

double D(uint64_t v) { return static_cast<double>(v); }
double D(int64_t v) { return static_cast<double>(v); }

void CollectHead(const Head& head, std::vector<prometheus::MetricFamily>& out) {
  HeadStats s = head.Stats();
  AppendMetrics(
      out,
      {
          {MetricKind::kGauge, "prometheus_tsdb_head_series",
           "Total number of series in the head block.", D(s.num_series)},
          {MetricKind::kGauge, "prometheus_tsdb_head_chunks",
           "Total number of chunks in the head block.", D(s.num_chunks)},
          {MetricKind::kFloatCounter, "prometheus_tsdb_head_samples_appended_total",
           "Total number of appended samples.", D(s.samples_appended)},
          {MetricKind::kCounter, "prometheus_tsdb_head_series_created_total",
           "Total number of series created in the head", D(s.series_created)},
          {MetricKind::kCounter, "prometheus_tsdb_head_series_removed_total",
           "Total number of series removed in the head", D(s.series_removed)},
          {MetricKind::kFloatCounter, "prometheus_tsdb_out_of_order_samples_total",
           "Total number of out of order samples ingestion failed attempts.", D(s.out_of_order)},
          {MetricKind::kFloatCounter, "prometheus_tsdb_out_of_bound_samples_total",
           "Total number of out of bound samples ingestion failed attempts.", D(s.out_of_bounds)},
          {MetricKind::kCounter, "promlet_tsdb_duplicate_samples_total",
           "Total number of samples rejected because their timestamp already held a different "
           "value.",
           D(s.duplicates)},
          // As in Prometheus: max int64 / min int64 while the head is empty.
          {MetricKind::kGauge, "prometheus_tsdb_head_min_time",
           "Minimum time bound of the head block. The unit is decided by the library consumer.",
           D(s.min_time)},
          {MetricKind::kGauge, "prometheus_tsdb_head_max_time",
           "Maximum timestamp of the head block. The unit is decided by the library consumer.",
           D(s.max_time)},
          {MetricKind::kGauge, "prometheus_tsdb_head_min_time_seconds",
           "Minimum time bound of the head block.", D(s.min_time) / 1000.0},
          {MetricKind::kGauge, "prometheus_tsdb_head_max_time_seconds",
           "Maximum timestamp of the head block.", D(s.max_time) / 1000.0},
          {MetricKind::kGauge, "promlet_tsdb_head_chunk_bytes",
           "Heap bytes of the head's chunk data (closed and open chunks).", D(s.chunk_bytes)},
          {MetricKind::kGauge, "promlet_tsdb_head_index_bytes",
           "Estimated bytes of the head's index (postings, symbols, series records).",
           D(s.index_bytes)},
          {MetricKind::kGauge, "promlet_tsdb_head_symbols",
           "Number of distinct strings in the head.", D(s.num_symbols)},
      });
  // Prometheus counts appended native histograms in the same family, labelled type="histogram".
  for (prometheus::MetricFamily& f : out) {
    if (f.name != "prometheus_tsdb_head_samples_appended_total" || f.metric.empty()) continue;
    prometheus::ClientMetric m = f.metric[0];
    m.label = {{"type", "histogram"}};
    m.counter.value = D(s.histogram_samples_appended);
    f.metric.push_back(std::move(m));
  }
}

void CollectDb(DB& db, std::vector<prometheus::MetricFamily>& out) {
  const DBMetrics& m = db.metrics();
  const DBOpenReport& r = db.open_report();
  AppendMetrics(
      out,
      {
          {MetricKind::kGauge, "prometheus_tsdb_blocks_loaded",
           "Number of currently loaded data blocks", D(db.Blocks().size())},
          {MetricKind::kCounter, "prometheus_tsdb_compactions_total",
           "Total number of compactions that were executed for the partition.",
           D(m.compactions.load())},
          {MetricKind::kCounter, "prometheus_tsdb_compactions_failed_total",
           "Total number of compactions that failed for the partition.",
           D(m.compaction_failures.load())},
          {MetricKind::kCounter, "prometheus_tsdb_head_truncations_total",
           "Total number of head truncations attempted.", D(m.head_truncations.load())},
          {MetricKind::kCounter, "prometheus_tsdb_checkpoint_creations_total",
           "Total number of checkpoint creations attempted.", D(m.checkpoints.load())},
          {MetricKind::kCounter, "promlet_tsdb_blocks_deleted_by_retention_total",
           "Total number of blocks deleted by time or size retention.",
           D(m.blocks_deleted_by_retention.load())},
          {MetricKind::kCounter, "promlet_tsdb_append_failures_total",
           "Total number of commits that failed (WAL write errors such as a full disk); their "
           "samples were not stored.",
           D(m.append_failures.load())},
          {MetricKind::kGauge, "promlet_tsdb_disk_bytes",
           "Bytes under the data directory (blocks, WAL, checkpoints), as size retention counts "
           "them.",
           D(db.DiskBytes())},
          {MetricKind::kCounter, "prometheus_tsdb_wal_corruptions_total",
           "Total number of WAL corruptions.", D(static_cast<uint64_t>(r.wal.damaged_segments))},
          {MetricKind::kGauge, "prometheus_tsdb_data_replay_duration_seconds",
           "Time taken to replay the data on disk.", r.replay_seconds},
          {MetricKind::kGauge, "promlet_tsdb_blocks_skipped",
           "Damaged blocks skipped at open (still on disk, not served).",
           D(r.skipped_blocks.size())},
          {MetricKind::kGauge, "promlet_tsdb_block_cache_bytes",
           "Bytes of decompressed block sections (series pages, chunk groups) kept for queries.",
           D(static_cast<uint64_t>(db.block_cache().usage()))},
          {MetricKind::kGauge, "promlet_tsdb_block_cache_capacity_bytes",
           "Most bytes the block cache keeps (--storage.tsdb.block-cache-size).",
           D(static_cast<uint64_t>(db.block_cache().capacity()))},
          {MetricKind::kCounter, "promlet_tsdb_block_cache_hits_total",
           "Block section reads served from the block cache.", D(db.block_cache().hits())},
          {MetricKind::kCounter, "promlet_tsdb_block_cache_misses_total",
           "Block section reads that read and decompressed the section.",
           D(db.block_cache().misses())},
          {MetricKind::kCounter, "promlet_tsdb_blocks_damaged_total",
           "Blocks found damaged by a read while serving (logged, then skipped; their files stay "
           "on disk).",
           D(m.blocks_damaged.load())},
      });
  if (const Wal* w = db.wal()) {
    const WalMetrics& wm = w->metrics();
    AppendMetrics(
        out, {
                 {MetricKind::kGauge, "prometheus_tsdb_wal_segment_current",
                  "Write log segment index that TSDB is currently writing to.",
                  static_cast<double>(w->CurrentSegment())},
                 {MetricKind::kCounter, "prometheus_tsdb_wal_writes_failed_total",
                  "Total number of write log writes that failed.", D(wm.write_failures.load())},
                 {MetricKind::kCounter, "promlet_tsdb_wal_records_written_total",
                  "Total number of records written to the WAL.", D(wm.records_written.load())},
                 {MetricKind::kCounter, "promlet_tsdb_wal_bytes_written_total",
                  "Total number of bytes written to the WAL.", D(wm.bytes_written.load())},
                 {MetricKind::kCounter, "promlet_tsdb_wal_segments_created_total",
                  "Total number of WAL segments created.", D(wm.segments_created.load())},
             });
  }
}

}  // namespace

std::vector<prometheus::MetricFamily> CollectMetrics(DB* db, const Head* head) {
  if (head == nullptr && db != nullptr) head = db->head();
  std::vector<prometheus::MetricFamily> out;
  if (head != nullptr) CollectHead(*head, out);
  if (db != nullptr) CollectDb(*db, out);
  return out;
}

}  // namespace promlet::tsdb
