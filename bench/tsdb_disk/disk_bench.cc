// Durable-storage figures: disk bytes per sample of blocks (index included) on the shared
// dataset, backfill speed, block decode speed, WAL write throughput and WAL replay speed.
//
//   tsdb_disk_bench [--dataset=FILE.om] [--instances=N] [--only=size|wal|replay] [--replay_series=N]
//                   [--replay_dir=DIR]
//
// --replay_dir keeps the replay bench's data directory: generated there when it has no WAL yet,
// reused (not regenerated, not deleted) otherwise, so replay can be profiled repeatedly.
//
// Without --dataset, generates ../shared/bench/gen_dataset.py's default dataset (or
// --instances=N of it) into /tmp. Prints one "name: value unit" line per figure.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/backfill.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_querier.h"
#include "tsdb/db.h"
#include "tsdb/wlog/wal.h"

namespace fs = std::filesystem;
using namespace promlet;
using Clock = std::chrono::steady_clock;

namespace {

// User + system CPU seconds of the whole process so far (all threads): replay figures per
// CPU-second do not depend on how busy a shared machine is.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file()) n += e.file_size(ec);
  }
  return n;
}

void SizeBench(const std::string& dataset) {
  std::string dir = absl::StrCat("/tmp/promlet_disk_bench_", getpid());
  fs::remove_all(dir);
  auto t0 = Clock::now();
  double cpu0 = CpuSeconds();
  auto r = tools::BackfillOpenMetrics(dataset, dir);
  double secs = Since(t0);
  double cpu = CpuSeconds() - cpu0;
  if (!r.ok()) {
    std::fprintf(stderr, "backfill failed: %s\n", std::string(r.status().message()).c_str());
    std::exit(1);
  }
  uint64_t bytes = DirBytes(dir);
  uint64_t index_bytes = 0, chunk_bytes = 0;
  for (const auto& b : r->blocks) {
    index_bytes += fs::file_size(dir + "/" + b.ulid + "/index");
    chunk_bytes += fs::file_size(dir + "/" + b.ulid + "/chunks");
  }
  std::printf("dataset: %s (%llu series, %llu samples, %zu blocks)\n", dataset.c_str(),
              (unsigned long long)r->series, (unsigned long long)r->samples, r->blocks.size());
  std::printf("backfill_seconds: %.2f s\n", secs);
  std::printf("backfill_samples_per_second: %.2f M/s (%.2f M per CPU-s)\n", r->samples / secs / 1e6,
              r->samples / cpu / 1e6);
  std::printf("disk_bytes_per_sample: %.4f B (index %.4f, chunks %.4f; %llu bytes total)\n",
              double(bytes) / r->samples, double(index_bytes) / r->samples,
              double(chunk_bytes) / r->samples, (unsigned long long)bytes);
  // Decode speed: read every sample of every block back.
  t0 = Clock::now();
  cpu0 = CpuSeconds();
  uint64_t n = 0;
  double sum = 0;
  for (const auto& m : r->blocks) {
    auto b = tsdb::Block::Open(dir + "/" + m.ulid);
    if (!b.ok()) std::exit(1);
    tsdb::BlockQuerier q(*b, INT64_MIN, INT64_MAX);
    auto set = q.Select({});
    while (set->Next()) {
      auto it = set->At().Iterator();
      while (it->Next()) {
        ++n;
        sum += it->T() & 1;
      }
      if (!it->status().ok()) {
        std::fprintf(stderr, "decode error: %s\n", std::string(it->status().message()).c_str());
        std::exit(1);
      }
    }
    if (!set->status().ok()) std::exit(1);
  }
  double dsecs = Since(t0);
  double dcpu = CpuSeconds() - cpu0;
  std::printf("block_decode_samples_per_second: %.2f M/s (%.2f M per CPU-s; %llu samples, check %.0f)\n",
              n / dsecs / 1e6, n / dcpu / 1e6, (unsigned long long)n, sum);
  fs::remove_all(dir);
}

void WalBench() {
  std::string dir = absl::StrCat("/tmp/promlet_wal_bench_", getpid());
  fs::remove_all(dir);
  const int kSeries = 100000, kRounds = 30;
  {
    auto wal = tsdb::Wal::Open(dir);
    std::vector<tsdb::RefSeries> series;
    for (int i = 0; i < kSeries; ++i) {
      series.push_back({storage::SeriesRef(i + 1),
                        model::Labels{{"__name__", "metric_" + std::to_string(i % 500)},
                                     {"instance", "host-" + std::to_string(i / 500) + ":9100"},
                                     {"job", "node"}}});
    }
    auto t0 = Clock::now();
    double cpu0 = CpuSeconds();
    (void)(*wal)->Log(series, {});
    std::vector<tsdb::RefSample> batch;
    uint64_t samples = 0;
    for (int r = 0; r < kRounds; ++r) {
      // One "scrape" batch per 1000 series, as scrape loops commit.
      for (int s = 0; s < kSeries; s += 1000) {
        batch.clear();
        for (int i = s; i < s + 1000; ++i) {
          batch.push_back({storage::SeriesRef(i + 1), 1700000000000 + r * 15000, double((i * 7 + r) % 1000) * 0.25});
        }
        if (!(*wal)->Log({}, batch).ok()) std::exit(1);
        samples += batch.size();
      }
    }
    double secs = Since(t0);
    double cpu = CpuSeconds() - cpu0;
    std::printf("wal_write_samples_per_second: %.2f M/s (%.2f M per CPU-s; %.2f bytes/sample in the log)\n",
                samples / secs / 1e6, samples / cpu / 1e6, double(DirBytes(dir)) / samples);
  }
  fs::remove_all(dir);
}

void ReplayBench(int nseries, const std::string& keep_dir) {
  std::string dir =
      keep_dir.empty() ? absl::StrCat("/tmp/promlet_replay_bench_", getpid()) : keep_dir;
  if (keep_dir.empty()) fs::remove_all(dir);
  const int kSamples = 120;
  if (!fs::exists(dir + "/wal")) {
    tsdb::DBOptions o;
    o.background_compaction = false;
    auto db = tsdb::DB::Open(dir, o);
    if (!db.ok()) {
      std::fprintf(stderr, "%s\n", std::string(db.status().message()).c_str());
      std::exit(1);
    }
    std::vector<storage::SeriesRef> refs(nseries, 0);
    for (int s = 0; s < kSamples; ++s) {
      for (int base = 0; base < nseries; base += 10000) {
        auto app = (*db)->NewAppender();
        for (int i = base; i < std::min(nseries, base + 10000); ++i) {
          model::Labels l;
          if (refs[i] == 0) {
            l = model::Labels{{"__name__", "metric_" + std::to_string(i % 1000)},
                             {"instance", "host-" + std::to_string(i / 1000) + ":9100"},
                             {"job", "node"}};
          }
          auto r = app->Append(refs[i], l, 1700000000000 + s * 15000 + i % 7, double((i + s) % 100));
          if (r.ok()) refs[i] = *r;
        }
        if (!app->Commit().ok()) std::exit(1);
      }
    }
  }
  auto t0 = Clock::now();
  double cpu0 = CpuSeconds();
  tsdb::DBOptions o;
  o.background_compaction = false;
  auto db = tsdb::DB::Open(dir, o);
  double secs = Since(t0);
  double cpu = CpuSeconds() - cpu0;
  if (!db.ok()) std::exit(1);
  uint64_t samples = uint64_t(nseries) * kSamples;
  std::printf("wal_replay: %d series x %d samples in %.2f s = %.2f M samples/s (wal %.1f MiB)\n",
              nseries, kSamples, secs, samples / secs / 1e6, DirBytes(dir + "/wal") / 1048576.0);
  // With 2 idle cores the wall time is at least cpu/2: this is the figure to compare runs by.
  std::printf("wal_replay_cpu: %.2f CPU-s = %.2f M samples per CPU-s (%.2f M samples/s if 2 cores "
              "were fully used)\n",
              cpu, samples / cpu / 1e6, 2 * samples / cpu / 1e6);
  db->reset();
  if (keep_dir.empty()) fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dataset, only, replay_dir;
  int instances = 60, replay_series = 1000000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--dataset=", 0) == 0) dataset = a.substr(10);
    if (a.rfind("--instances=", 0) == 0) (void)absl::SimpleAtoi(a.substr(12), &instances);
    if (a.rfind("--only=", 0) == 0) only = a.substr(7);
    if (a.rfind("--replay_series=", 0) == 0) (void)absl::SimpleAtoi(a.substr(16), &replay_series);
    if (a.rfind("--replay_dir=", 0) == 0) replay_dir = a.substr(13);
  }
  if (only.empty() || only == "size") {
    if (dataset.empty()) {
      dataset = absl::StrCat("/tmp/promlet_dataset_", instances, ".om");
      if (!fs::exists(dataset)) {
        std::string cmd = absl::StrCat("python3 ", PROMLET_SHARED_DIR,
                                       "/bench/gen_dataset.py --instances ", instances,
                                       " --out ", dataset, " > /dev/null");
        if (std::system(cmd.c_str()) != 0) return 1;
      }
    }
    SizeBench(dataset);
  }
  if (only.empty() || only == "wal") WalBench();
  if (only.empty() || only == "replay") ReplayBench(replay_series, replay_dir);
  return 0;
}
