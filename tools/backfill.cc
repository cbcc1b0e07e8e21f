#include "tools/backfill.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "scrape/textparse.h"
#include "tsdb/block/block_writer.h"

namespace promlet::tools {
namespace {

struct SeriesData {
  tsdb::Labels labels;
  std::vector<int64_t> ts;
  std::vector<double> vs;
};

// One thread's share of the input.
struct Part {
  std::string_view body;
  int first_line = 1;  // line number of body's first line in the file
  absl::flat_hash_map<std::string_view, uint32_t> index;  // raw series text -> series
  std::vector<SeriesData> series;
  uint64_t samples = 0;
  uint64_t lines = 0;
  absl::Status status;
};

void ParsePart(Part* part, bool last, std::atomic<uint64_t>* progress) {
  scrape::Parser p(part->body, scrape::Format::kOpenMetrics);
  const char* base = part->body.data();
  uint64_t reported = 0;
  for (;;) {
    auto e = p.Next();
    if (!e.ok()) {
      // The parser numbers lines from the start of its part; a part that is not last has no
      // "# EOF" and ends with an "expected # EOF" complaint at its end, which is fine.
      std::string msg(e.status().message());
      if (!last && msg.find("data does not end with # EOF") != std::string::npos) break;
      int line = 0;
      if (absl::StartsWith(msg, "line ")) {
        size_t colon = msg.find(':');
        int n = 0;
        if (colon != std::string::npos && absl::SimpleAtoi(msg.substr(5, colon - 5), &n)) {
          line = n + part->first_line - 1;
          msg = absl::StrCat("line ", line, msg.substr(colon));
        }
      }
      part->status = absl::InvalidArgumentError(msg);
      return;
    }
    if (*e == scrape::Entry::kEOF) break;
    if (*e != scrape::Entry::kSeries) continue;
    if (p.IsCreatedSeries()) continue;
    auto ts = p.TimestampMs();
    if (!ts) {
      part->status = absl::InvalidArgumentError(absl::StrCat(
          "line ", p.line() + part->first_line - 1, ": sample without timestamp: ",
          std::string(p.RawSeries())));
      return;
    }
    std::string_view raw = p.RawSeries();
    auto [it, inserted] = part->index.try_emplace(raw, static_cast<uint32_t>(part->series.size()));
    if (inserted) {
      SeriesData s;
      if (auto st = p.ParseLabels(&s.labels); !st.ok()) {
        part->status = absl::InvalidArgumentError(
            absl::StrCat("line ", p.line() + part->first_line - 1, ": ", st.message()));
        return;
      }
      part->series.push_back(std::move(s));
    }
    SeriesData& s = part->series[it->second];
    s.ts.push_back(*ts);
    s.vs.push_back(p.Value());
    ++part->samples;
    if ((part->samples & 0xffff) == 0) {
      uint64_t done = static_cast<uint64_t>(raw.data() - base);
      progress->fetch_add(done - reported, std::memory_order_relaxed);
      reported = done;
    }
  }
  part->lines = static_cast<uint64_t>(p.line());
  progress->fetch_add(part->body.size() - reported, std::memory_order_relaxed);
}

// Splits body into up to n parts at "# HELP"/"# TYPE" line starts (a family boundary), so each
// part parses on its own; returns the byte offsets of the part starts.
std::vector<size_t> SplitPoints(std::string_view body, int n) {
  std::vector<size_t> starts = {0};
  for (int i = 1; i < n; ++i) {
    size_t target = body.size() * i / n;
    size_t pos = body.find("\n# TYPE ", target);
    if (pos == std::string_view::npos) break;
    // Prefer starting at the family's HELP line just before, if there is one.
    size_t line_start = pos + 1;
    size_t prev = body.rfind('\n', pos == 0 ? 0 : pos - 1);
    if (prev != std::string_view::npos && body.compare(prev + 1, 7, "# HELP ") == 0) {
      line_start = prev + 1;
    }
    if (line_start > starts.back()) starts.push_back(line_start);
  }
  return starts;
}

}  // namespace

absl::StatusOr<BackfillResult> BackfillOpenMetrics(const std::string& input_file,
                                                   const std::string& data_dir,
                                                   const BackfillOptions& opts) {
  int fd = ::open(input_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot open ", input_file));
  struct stat st;
  if (::fstat(fd, &st) != 0 || st.st_size == 0) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(input_file, ": empty or unreadable"));
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* mem = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mem == MAP_FAILED) return absl::InternalError(absl::StrCat("mmap ", input_file));
  ::madvise(mem, size, MADV_SEQUENTIAL);
  std::string_view body(static_cast<const char*>(mem), size);
  struct Unmap {
    void* p;
    size_t n;
    ~Unmap() { ::munmap(p, n); }
  } unmap{mem, size};

  // Parse.
  std::vector<size_t> starts = SplitPoints(body, std::max(1, opts.threads));
  std::vector<Part> parts(starts.size());
  int line = 1;
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t end = i + 1 < starts.size() ? starts[i + 1] : body.size();
    parts[i].body = body.substr(starts[i], end - starts[i]);
    parts[i].first_line = line;
    line += static_cast<int>(std::count(parts[i].body.begin(), parts[i].body.end(), '\n'));
  }
  std::atomic<uint64_t> progress{0};
  std::atomic<bool> parsing{true};
  std::thread reporter;
  bool tty = opts.progress && ::isatty(2);
  if (tty) {
    reporter = std::thread([&] {
      while (parsing.load()) {
        std::fprintf(stderr, "\rparsing %s: %5.1f%%", input_file.c_str(),
                     100.0 * static_cast<double>(progress.load()) / static_cast<double>(size));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  }
  std::vector<std::thread> threads;
  for (size_t i = 1; i < parts.size(); ++i) {
    threads.emplace_back(ParsePart, &parts[i], i + 1 == parts.size(), &progress);
  }
  ParsePart(&parts[0], parts.size() == 1, &progress);
  for (auto& t : threads) t.join();
  parsing = false;
  if (reporter.joinable()) reporter.join();
  if (tty) std::fprintf(stderr, "\rparsing %s: done.  \n", input_file.c_str());
  for (const auto& p : parts) {
    if (!p.status.ok()) return p.status;
  }

  // Merge parts (a series may appear in several parts only if its family is split, which the
  // split points avoid; still handle it by labels).
  BackfillResult result;
  std::vector<SeriesData> series;
  {
    absl::flat_hash_map<tsdb::Labels, uint32_t> by_labels;
    for (auto& p : parts) {
      result.lines += p.lines;
      for (auto& s : p.series) {
        auto [it, inserted] = by_labels.try_emplace(s.labels, static_cast<uint32_t>(series.size()));
        if (inserted) {
          series.push_back(std::move(s));
        } else {
          SeriesData& d = series[it->second];
          d.ts.insert(d.ts.end(), s.ts.begin(), s.ts.end());
          d.vs.insert(d.vs.end(), s.vs.begin(), s.vs.end());
        }
      }
      p.series.clear();
      p.index.clear();
    }
  }
  // Sort series by labels; make each series' samples strictly increasing (sort if needed; for
  // equal timestamps the later line wins, as a re-scrape would overwrite).
  std::vector<uint32_t> order(series.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return tsdb::Labels::Compare(series[a].labels, series[b].labels) < 0;
  });
  int64_t mint = INT64_MAX, maxt = INT64_MIN;
  for (auto& s : series) {
    if (!std::is_sorted(s.ts.begin(), s.ts.end())) {
      std::vector<uint32_t> idx(s.ts.size());
      std::iota(idx.begin(), idx.end(), 0);
      std::stable_sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) { return s.ts[a] < s.ts[b]; });
      std::vector<int64_t> ts(idx.size());
      std::vector<double> vs(idx.size());
      for (size_t i = 0; i < idx.size(); ++i) {
        ts[i] = s.ts[idx[i]];
        vs[i] = s.vs[idx[i]];
      }
      s.ts = std::move(ts);
      s.vs = std::move(vs);
    }
    size_t w = 0;
    for (size_t i = 0; i < s.ts.size(); ++i) {
      if (w > 0 && s.ts[w - 1] == s.ts[i]) {
        s.vs[w - 1] = s.vs[i];
      } else {
        s.ts[w] = s.ts[i];
        s.vs[w] = s.vs[i];
        ++w;
      }
    }
    s.ts.resize(w);
    s.vs.resize(w);
    result.samples += w;
    if (w > 0) {
      mint = std::min(mint, s.ts.front());
      maxt = std::max(maxt, s.ts.back());
    }
  }
  result.series = series.size();
  if (result.samples == 0) return result;

  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("create ", data_dir, ": ", ec.message()));

  // One block per aligned window; windows are written in parallel (each series' samples are
  // split by binary search, no copies).
  const int64_t d = opts.block_duration_ms;
  auto floor_div = [](int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  std::vector<int64_t> windows;
  for (int64_t w = floor_div(mint, d); w <= floor_div(maxt, d); ++w) windows.push_back(w * d);
  std::vector<absl::StatusOr<tsdb::BlockMeta>> metas(windows.size(), absl::UnknownError("not run"));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t wi; (wi = next.fetch_add(1)) < windows.size();) {
      int64_t lo = windows[wi], hi = windows[wi] + d;
      tsdb::BlockWriterOptions wo;
      wo.zstd_level = opts.zstd_level;
      auto w = tsdb::BlockWriter::Create(data_dir, wo);
      if (!w.ok()) {
        metas[wi] = w.status();
        continue;
      }
      absl::Status st;
      for (uint32_t idx : order) {
        const auto& s = series[idx];
        auto b = std::lower_bound(s.ts.begin(), s.ts.end(), lo);
        auto e = std::lower_bound(b, s.ts.end(), hi);
        if (b == e) continue;
        size_t off = static_cast<size_t>(b - s.ts.begin()), n = static_cast<size_t>(e - b);
        st = (*w)->AddSeries(s.labels, absl::MakeConstSpan(s.ts).subspan(off, n),
                             absl::MakeConstSpan(s.vs).subspan(off, n));
        if (!st.ok()) break;
      }
      if (!st.ok()) {
        metas[wi] = st;
        continue;
      }
      metas[wi] = (*w)->Finish(lo, hi);
    }
  };
  std::vector<std::thread> writers;
  for (int i = 1; i < std::min<int>(opts.threads, static_cast<int>(windows.size())); ++i) {
    writers.emplace_back(worker);
  }
  worker();
  for (auto& t : writers) t.join();
  absl::Status failure;
  for (auto& m : metas) {
    if (m.ok()) {
      result.blocks.push_back(*m);
    } else if (!absl::IsNotFound(m.status()) && failure.ok()) {
      failure = m.status();
    }
  }
  if (!failure.ok()) {
    for (const auto& b : result.blocks) std::filesystem::remove_all(data_dir + "/" + b.ulid, ec);
    return failure;
  }
  if (tty) {
    std::fprintf(stderr, "wrote %zu blocks: %llu series, %llu samples\n", result.blocks.size(),
                 static_cast<unsigned long long>(result.series),
                 static_cast<unsigned long long>(result.samples));
  }
  return result;
}

}  // namespace promlet::tools
