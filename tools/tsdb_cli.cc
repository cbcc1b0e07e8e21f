#include "tools/tsdb_cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/bytesize.h"
#include "tools/backfill.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_meta.h"

namespace promlet::tools {
namespace {

void Usage(std::FILE* err) {
  std::fprintf(err,
               "usage:\n"
               "  promlet tsdb create-blocks-from openmetrics [--max-samples-memory=SIZE] <input-file> <data-dir>\n"
               "      SIZE (default 1GiB, 0 = no cap): compressed samples held before blocks are\n"
               "      written early; later flushes of a time window are merged into one block\n"
               "  promlet tsdb list [-r|--human-readable] <data-dir>\n"
               "  promlet tsdb analyze [--limit=N] <data-dir>\n");
}

std::string FormatTime(int64_t ms) {
  std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm;
  gmtime_r(&s, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return absl::StrCat(buf, ".", absl::StrFormat("%03d", static_cast<int>(((ms % 1000) + 1000) % 1000)), " +0000 UTC");
}

std::string HumanBytes(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return absl::StrFormat("%.1f%s", v, units[u]);
}

std::string HumanDuration(int64_t ms) {
  int64_t s = ms / 1000;
  return absl::StrFormat("%dh%dm%ds", s / 3600, (s / 60) % 60, s % 60);
}

// Block directories of a data dir, sorted by min time.
std::vector<std::shared_ptr<tsdb::Block>> OpenBlocks(const std::string& dir, std::FILE* err) {
  std::vector<std::shared_ptr<tsdb::Block>> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (!e.is_directory() || !tsdb::IsUlid(name)) continue;
    auto b = tsdb::Block::Open(e.path().string(), /*verify_chunks=*/false);
    if (!b.ok()) {
      std::fprintf(err, "skipping block %s: %s\n", name.c_str(),
                   std::string(b.status().message()).c_str());
      continue;
    }
    out.push_back(*b);
  }
  if (ec) std::fprintf(err, "cannot read %s: %s\n", dir.c_str(), ec.message().c_str());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a->meta().min_time < b->meta().min_time;
  });
  return out;
}

int List(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  bool human = false;
  std::string dir;
  for (const auto& a : args) {
    if (a == "-r" || a == "--human-readable") {
      human = true;
    } else {
      dir = a;
    }
  }
  if (dir.empty()) {
    Usage(err);
    return 2;
  }
  std::fprintf(out, "%-26s  %-14s  %-14s  %-10s  %-11s  %-10s  %-10s  %s\n", "BLOCK ULID",
               "MIN TIME", "MAX TIME", "DURATION", "NUM SAMPLES", "NUM CHUNKS", "NUM SERIES",
               "SIZE");
  for (const auto& b : OpenBlocks(dir, err)) {
    const auto& m = b->meta();
    std::string mint = human ? FormatTime(m.min_time) : std::to_string(m.min_time);
    std::string maxt = human ? FormatTime(m.max_time) : std::to_string(m.max_time);
    std::string size = human ? HumanBytes(b->SizeBytes()) : std::to_string(b->SizeBytes());
    std::fprintf(out, "%-26s  %-14s  %-14s  %-10s  %-11llu  %-10llu  %-10llu  %s\n",
                 m.ulid.c_str(), mint.c_str(), maxt.c_str(),
                 HumanDuration(m.max_time - m.min_time).c_str(),
                 static_cast<unsigned long long>(m.stats.num_samples),
                 static_cast<unsigned long long>(m.stats.num_chunks),
                 static_cast<unsigned long long>(m.stats.num_series), size.c_str());
  }
  return 0;
}

int Analyze(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  size_t limit = 20;
  std::string dir;
  for (const auto& a : args) {
    if (a.rfind("--limit=", 0) == 0) {
      if (!absl::SimpleAtoi(a.substr(8), &limit)) {
        std::fprintf(err, "bad --limit: %s\n", a.c_str());
        return 2;
      }
    } else {
      dir = a;
    }
  }
  if (dir.empty()) {
    Usage(err);
    return 2;
  }
  auto blocks = OpenBlocks(dir, err);
  if (blocks.empty()) {
    std::fprintf(err, "no blocks in %s\n", dir.c_str());
    return 1;
  }
  // Analyze the newest block, as promtool does by default.
  const auto& b = blocks.back();
  const auto& m = b->meta();
  std::fprintf(out, "Block ID: %s\nDuration: %s\nTotal Series: %llu\nTotal Samples: %llu\n",
               m.ulid.c_str(), HumanDuration(m.max_time - m.min_time).c_str(),
               static_cast<unsigned long long>(m.stats.num_series),
               static_cast<unsigned long long>(m.stats.num_samples));
  absl::flat_hash_map<std::string, uint64_t> by_metric, by_pair, values_per_name;
  model::Labels labels;
  std::vector<tsdb::BlockChunkMeta> chunks;
  tsdb::Block::SeriesCursor cursor;
  for (uint32_t i = 0; i < b->NumSeries(); ++i) {
    if (!b->Series(i, &labels, &chunks, &cursor).ok()) continue;
    ++by_metric[std::string(labels.MetricName())];
    for (const auto& l : labels) ++by_pair[absl::StrCat(l.name, "=", l.value)];
  }
  auto names = b->LabelNames();
  for (const auto& n : names) values_per_name[n] = b->LabelValues(n).size();
  std::fprintf(out, "Label names: %zu\nLabel pairs: %zu\n", names.size(), by_pair.size());
  auto top = [&](const char* title, const absl::flat_hash_map<std::string, uint64_t>& m) {
    std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::fprintf(out, "\n%s\n", title);
    for (size_t i = 0; i < std::min(limit, v.size()); ++i) {
      std::fprintf(out, "%llu %s\n", static_cast<unsigned long long>(v[i].second), v[i].first.c_str());
    }
  };
  top("Highest cardinality metric names (series):", by_metric);
  top("Most common label pairs (series):", by_pair);
  top("Highest cardinality labels (distinct values):", values_per_name);
  return 0;
}

int CreateBlocks(const std::vector<std::string>& all_args, std::FILE* out, std::FILE* err) {
  BackfillOptions opts;
  std::vector<std::string> args;
  constexpr std::string_view kCapFlag = "--max-samples-memory=";
  for (const auto& a : all_args) {
    if (a.rfind(kCapFlag, 0) == 0) {
      auto cap = common::ParseByteSize(std::string_view(a).substr(kCapFlag.size()));
      if (!cap.ok()) {
        std::fprintf(err, "bad %s: %s\n", a.c_str(), std::string(cap.status().message()).c_str());
        return 2;
      }
      opts.max_held_bytes = *cap;
    } else {
      args.push_back(a);
    }
  }
  if (args.size() != 3 || args[0] != "openmetrics") {
    Usage(err);
    return 2;
  }
  opts.progress = ::isatty(2);
  auto start = std::chrono::steady_clock::now();
  auto r = BackfillOpenMetrics(args[1], args[2], opts);
  if (!r.ok()) {
    std::fprintf(err, "create-blocks-from openmetrics: %s\n",
                 std::string(r.status().message()).c_str());
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(out, "%zu blocks, %llu series, %llu samples written to %s in %.2fs\n",
               r->blocks.size(), static_cast<unsigned long long>(r->series),
               static_cast<unsigned long long>(r->samples), args[2].c_str(), secs);
  if (r->flushes > 1) {
    std::fprintf(out, "  (samples held in memory were flushed %d times, over --max-samples-memory)\n",
                 r->flushes);
  }
  for (const auto& b : r->blocks) {
    std::fprintf(out, "  %s  [%lld, %lld)  %llu samples\n", b.ulid.c_str(),
                 static_cast<long long>(b.min_time), static_cast<long long>(b.max_time),
                 static_cast<unsigned long long>(b.stats.num_samples));
  }
  return 0;
}

}  // namespace

int RunTsdbCommand(int argc, char** argv, std::FILE* out, std::FILE* err) {
  std::vector<std::string> args(argv, argv + argc);
  if (!args.empty() && args[0] == "tsdb") args.erase(args.begin());
  if (args.empty()) {
    Usage(err);
    return 2;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "list") return List(args, out, err);
  if (cmd == "analyze") return Analyze(args, out, err);
  if (cmd == "create-blocks-from") return CreateBlocks(args, out, err);
  std::fprintf(err, "unknown tsdb command %s\n", cmd.c_str());
  Usage(err);
  return 2;
}

}  // namespace promlet::tools
