#include "tools/backfill.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "model/textparse.h"
#include "tsdb/block_builder.h"

namespace promlet::tools {
namespace {

namespace fs = std::filesystem;
using XorEncoder = tsdb::SampleChunkEncoder;

// Input pages behind a parse position are dropped from RSS every this many bytes.
constexpr size_t kReleaseStep = size_t{8} << 20;
// Out-of-order samples of one series and window are merged into its chunks once there are
// this many, or a quarter of the chunk samples if more (amortised O(1) per sample).
constexpr size_t kMinOutOfOrderMerge = 64;
constexpr int64_t kNoWindow = INT64_MIN;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

// Sorts (ts, vs) by time; on equal timestamps the later entry wins. Stable, so callers append
// samples in input order.
void SortAndDedupe(std::vector<int64_t>* ts, std::vector<double>* vs) {
  bool strictly = true;
  for (size_t i = 1; i < ts->size(); ++i) {
    if ((*ts)[i] <= (*ts)[i - 1]) {
      strictly = false;
      break;
    }
  }
  if (strictly) return;
  std::vector<uint32_t> idx(ts->size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](uint32_t a, uint32_t b) { return (*ts)[a] < (*ts)[b]; });
  std::vector<int64_t> t2;
  std::vector<double> v2;
  t2.reserve(idx.size());
  v2.reserve(idx.size());
  for (uint32_t i : idx) {
    if (!t2.empty() && t2.back() == (*ts)[i]) {
      v2.back() = (*vs)[i];
    } else {
      t2.push_back((*ts)[i]);
      v2.push_back((*vs)[i]);
    }
  }
  *ts = std::move(t2);
  *vs = std::move(v2);
}

// The samples of one series in one block window, in input order: the longest strictly
// increasing run as it arrived, held as XOR chunks, plus the samples that broke that order
// (tail_), merged into the chunks now and then. Invariant: no chunk sample came later in the
// input than a tail_ sample with the same timestamp (a chunk sample is only appended above
// every timestamp seen), so decoding chunks then tail_ and letting the later entry win keeps
// "the later line wins".
class HeldSamples {
 public:
  HeldSamples() { bytes_ = Count(); }

  // Returns the change of MemoryBytes().
  int64_t Append(int64_t t, double v) {
    if (num_ == 0 || t > last_t_) {
      if (!enc_.Append(t, v)) {  // the chunk is full (65535 samples)
        full_.push_back(enc_.Finish());
        full_bytes_ += full_.back().capacity();
        enc_.Append(t, v);
      }
      ++num_;
      last_t_ = t;
    } else {
      tail_.emplace_back(t, v);
      if (tail_.size() >= std::max<size_t>(kMinOutOfOrderMerge, num_ / 4)) MergeTail();
    }
    size_t now = Count();
    int64_t d = static_cast<int64_t>(now) - static_cast<int64_t>(bytes_);
    bytes_ = now;
    return d;
  }

  size_t MemoryBytes() const { return bytes_; }

  // Appends every sample in input order (not yet sorted nor deduplicated).
  absl::Status DecodeTo(std::vector<int64_t>* ts, std::vector<double>* vs) const {
    for (const auto& c : full_) {
      if (auto st = DecodeChunk(c, ts, vs); !st.ok()) return st;
    }
    if (!enc_.empty()) {
      if (auto st = DecodeChunk(enc_.bytes(), ts, vs); !st.ok()) return st;
    }
    for (const auto& [t, v] : tail_) {
      ts->push_back(t);
      vs->push_back(v);
    }
    return absl::OkStatus();
  }

 private:
  size_t Count() const {
    return sizeof(HeldSamples) + 32 + full_bytes_ + enc_.MemoryBytes() +
           tail_.capacity() * sizeof(tail_[0]) + full_.capacity() * sizeof(std::string);
  }

  static absl::Status DecodeChunk(std::string_view c, std::vector<int64_t>* ts,
                                  std::vector<double>* vs) {
    if (!tsdb::DecodeSampleChunk(c, ts, vs).ok()) {
      return absl::InternalError("backfill: a held chunk does not decode");
    }
    return absl::OkStatus();
  }

  // Rewrites chunks + tail as one sorted, deduplicated run of chunks.
  void MergeTail() {
    std::vector<int64_t> ts;
    std::vector<double> vs;
    ts.reserve(num_ + tail_.size());
    vs.reserve(num_ + tail_.size());
    (void)DecodeTo(&ts, &vs);  // our own chunks: cannot fail
    SortAndDedupe(&ts, &vs);
    full_.clear();
    full_.shrink_to_fit();
    full_bytes_ = 0;
    enc_ = XorEncoder();
    tail_.clear();
    tail_.shrink_to_fit();
    num_ = 0;
    for (size_t i = 0; i < ts.size(); ++i) {
      if (!enc_.Append(ts[i], vs[i])) {
        full_.push_back(enc_.Finish());
        full_bytes_ += full_.back().capacity();
        enc_.Append(ts[i], vs[i]);
      }
    }
    num_ = ts.size();
    if (!ts.empty()) last_t_ = ts.back();
  }

  std::vector<std::string> full_;  // finished chunks, each continuing the previous one's run
  XorEncoder enc_;
  std::vector<std::pair<int64_t, double>> tail_;
  size_t num_ = 0;  // samples in full_ and enc_
  size_t full_bytes_ = 0;
  size_t bytes_ = 0;
  int64_t last_t_ = 0;
};

struct Series {
  model::Labels labels;
  int64_t window = kNoWindow;  // window of `held`, a cache of windows[window][id]
  HeldSamples* held = nullptr;
};

// Owns copies of the raw series texts that key Part::index (the input pages they came from
// are dropped behind the parse position).
class Arena {
 public:
  std::string_view Copy(std::string_view s) {
    if (s.size() > left_) {
      size_t n = std::max<size_t>(64 << 10, s.size());
      blocks_.push_back(std::make_unique<char[]>(n));
      next_ = blocks_.back().get();
      left_ = n;
    }
    std::memcpy(next_, s.data(), s.size());
    std::string_view out(next_, s.size());
    next_ += s.size();
    left_ -= s.size();
    return out;
  }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  size_t left_ = 0;
};

using WindowMap = std::map<int64_t, absl::flat_hash_map<uint32_t, std::unique_ptr<HeldSamples>>>;

// One thread's share of the input: [begin, end) of the file, starting at a family boundary.
struct Part {
  int number = 0;
  size_t begin = 0, end = 0;
  bool last = false;
  Arena arena;
  // Raw series text -> series. absl::string_view, not std::string_view: with this Abseil the
  // latter falls back to std::hash, which is several times slower on ~100-byte keys.
  absl::flat_hash_map<absl::string_view, uint32_t> index;
  std::vector<Series> series;
  WindowMap windows;
  uint64_t samples = 0;
  uint64_t lines = 0;
  // A parse error: line number within the part (0: none given) and the text after it.
  bool failed = false;
  int error_line = 0;
  std::string error_text;
};

// State shared by the parsing threads and the flushes.
struct Run {
  const char* base = nullptr;  // the mapped input
  size_t size = 0;
  size_t page = 4096;
  BackfillOptions opts;
  std::string data_dir;
  std::vector<Part> parts;
  std::atomic<int64_t> held{0};  // MemoryBytes() of every HeldSamples
  std::atomic<bool> flush_requested{false};
  std::atomic<int> first_failed_part{INT_MAX};
  std::atomic<bool> write_failed{false};
  std::atomic<uint64_t> progress{0};
  absl::Status write_status;
  std::map<int64_t, std::vector<tsdb::BlockMeta>> written;  // window -> its blocks, flush order
  std::vector<std::string> created;  // every block dir this run made, for cleanup on failure
  bool data_dir_ready = false;
  int flushes = 0;
};

void Release(Run* run, size_t from, size_t to) {
  size_t lo = (from + run->page - 1) / run->page * run->page;
  size_t hi = to / run->page * run->page;
  if (hi > lo) ::madvise(const_cast<char*>(run->base) + lo, hi - lo, MADV_DONTNEED);
}

absl::StatusOr<tsdb::BlockMeta> WriteWindow(Run* run, int64_t window) {
  struct Entry {
    const model::Labels* labels;
    std::unique_ptr<HeldSamples>* held;
  };
  std::vector<Entry> entries;
  for (auto& part : run->parts) {  // in input order, which a stable sort keeps for equal labels
    auto it = part.windows.find(window);
    if (it == part.windows.end()) continue;
    for (auto& [id, held] : it->second) entries.push_back({&part.series[id].labels, &held});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return model::Labels::Compare(*a.labels, *b.labels) < 0;
  });
  tsdb::BlockBuilderOptions wo;
  wo.zstd_level = run->opts.zstd_level;
  auto w = tsdb::BlockBuilder::Create(run->data_dir, wo);
  if (!w.ok()) return w.status();
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (size_t i = 0; i < entries.size();) {
    ts.clear();
    vs.clear();
    size_t j = i;
    do {
      if (auto st = (*entries[j].held)->DecodeTo(&ts, &vs); !st.ok()) return st;
      entries[j].held->reset();  // free as we go
      ++j;
    } while (j < entries.size() && model::Labels::Compare(*entries[j].labels, *entries[i].labels) == 0);
    SortAndDedupe(&ts, &vs);
    if (auto st = (*w)->AddSeries(*entries[i].labels, ts, vs); !st.ok()) return st;
    i = j;
  }
  return (*w)->Finish(window, window + run->opts.block_duration_ms);
}

// Writes everything held into one block per window and frees it. Only called while no parsing
// thread runs (from the barrier's completion or after the joins).
absl::Status FlushHeld(Run* run) {
  std::vector<int64_t> windows;
  for (const auto& part : run->parts) {
    for (const auto& [w, m] : part.windows) windows.push_back(w);
  }
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  if (windows.empty()) return absl::OkStatus();
  if (!run->data_dir_ready) {
    std::error_code ec;
    fs::create_directories(run->data_dir, ec);
    if (ec) return absl::InternalError(absl::StrCat("create ", run->data_dir, ": ", ec.message()));
    run->data_dir_ready = true;
  }
  std::vector<absl::StatusOr<tsdb::BlockMeta>> metas(windows.size(), absl::UnknownError("not run"));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t wi; (wi = next.fetch_add(1)) < windows.size();) metas[wi] = WriteWindow(run, windows[wi]);
  };
  std::vector<std::thread> writers;
  for (int i = 1; i < std::min<int>(run->opts.threads, static_cast<int>(windows.size())); ++i) {
    writers.emplace_back(worker);
  }
  worker();
  for (auto& t : writers) t.join();
  for (auto& part : run->parts) {
    part.windows.clear();
    for (auto& s : part.series) {
      s.window = kNoWindow;
      s.held = nullptr;
    }
  }
  run->held.store(0);
  ++run->flushes;
  ::malloc_trim(0);  // hand the freed chunks back, so RSS follows what is held
  absl::Status failure;
  for (size_t i = 0; i < metas.size(); ++i) {
    if (metas[i].ok()) {
      run->created.push_back(metas[i]->ulid);
      run->written[windows[i]].push_back(*std::move(metas[i]));
    } else if (!absl::IsNotFound(metas[i].status()) && failure.ok()) {
      failure = metas[i].status();
    }
  }
  return failure;
}

// Runs on the last parsing thread to reach the barrier, while the others wait.
struct FlushOnBarrier {
  Run* run;
  void operator()() noexcept {
    absl::Status s = FlushHeld(run);
    if (!s.ok() && run->write_status.ok()) {
      run->write_status = s;
      run->write_failed = true;
    }
    run->flush_requested = false;
  }
};
using FlushBarrier = std::barrier<FlushOnBarrier>;

void ParsePart(Run* run, Part* part, FlushBarrier* sync) {
  std::string_view body(run->base + part->begin, part->end - part->begin);
  model::Parser p(body, model::Format::kOpenMetrics);
  const int64_t d = run->opts.block_duration_ms;
  const int64_t cap = run->opts.max_held_bytes;
  size_t reported = 0, released = part->begin;
  auto fail = [&](int line, std::string text) {
    part->failed = true;
    part->error_line = line;
    part->error_text = std::move(text);
    int cur = run->first_failed_part.load();
    while (part->number < cur && !run->first_failed_part.compare_exchange_weak(cur, part->number)) {
    }
  };
  for (;;) {
    if (run->flush_requested.load(std::memory_order_relaxed)) sync->arrive_and_wait();
    // Stop when a write failed or an earlier part failed (its error comes first in the file).
    if (run->write_failed.load(std::memory_order_relaxed) ||
        run->first_failed_part.load(std::memory_order_relaxed) < part->number) {
      break;
    }
    auto e = p.Next();
    if (!e.ok()) {
      // A part that is not last has no "# EOF" and ends with that complaint, which is fine.
      std::string msg(e.status().message());
      if (!part->last && msg.find("data does not end with # EOF") != std::string::npos) {
        part->lines = static_cast<uint64_t>(p.line() - 1);
        break;
      }
      int line = 0;
      if (absl::StartsWith(msg, "line ")) {
        size_t colon = msg.find(':');
        if (colon != std::string::npos && absl::SimpleAtoi(msg.substr(5, colon - 5), &line)) {
          msg = msg.substr(colon);
        } else {
          line = 0;
        }
      }
      fail(line, msg);
      break;
    }
    if (*e == model::Entry::kEOF) {
      part->lines = static_cast<uint64_t>(p.line());
      break;
    }
    if (*e != model::Entry::kSeries || p.IsCreatedSeries()) continue;
    auto ts = p.TimestampMs();
    if (!ts) {
      fail(p.line(), absl::StrCat(": sample without timestamp: ", std::string(p.RawSeries())));
      break;
    }
    std::string_view raw = p.RawSeries();
    uint32_t id;
    if (auto it = part->index.find(absl::string_view(raw.data(), raw.size()));
        it != part->index.end()) {
      id = it->second;
    } else {
      Series s;
      if (auto st = p.ParseLabels(&s.labels); !st.ok()) {
        fail(p.line(), absl::StrCat(": ", std::string(st.message())));
        break;
      }
      id = static_cast<uint32_t>(part->series.size());
      part->series.push_back(std::move(s));
      std::string_view key = part->arena.Copy(raw);
      part->index.emplace(absl::string_view(key.data(), key.size()), id);
    }
    int64_t w, w_end;
    if (__builtin_mul_overflow(FloorDiv(*ts, d), d, &w) || __builtin_add_overflow(w, d, &w_end)) {
      fail(p.line(), absl::StrCat(": timestamp out of range: ", *ts, " ms"));
      break;
    }
    Series& s = part->series[id];
    int64_t delta = 0;
    if (w != s.window || s.held == nullptr) {
      auto& slot = part->windows[w][id];
      if (!slot) {
        slot = std::make_unique<HeldSamples>();
        delta += static_cast<int64_t>(slot->MemoryBytes());
      }
      s.window = w;
      s.held = slot.get();
    }
    delta += s.held->Append(*ts, p.Value());
    if (delta != 0) {
      int64_t now = run->held.fetch_add(delta, std::memory_order_relaxed) + delta;
      if (cap > 0 && now > cap) run->flush_requested.store(true, std::memory_order_relaxed);
    }
    ++part->samples;
    if ((part->samples & 0xffff) == 0) {
      size_t pos = static_cast<size_t>(raw.data() - run->base);
      run->progress.fetch_add(pos - part->begin - reported, std::memory_order_relaxed);
      reported = pos - part->begin;
      if (pos - released >= kReleaseStep) {
        Release(run, released, pos);
        released = pos;
      }
    }
  }
  run->progress.fetch_add(body.size() - reported, std::memory_order_relaxed);
  Release(run, released, part->end);
  sync->arrive_and_drop();
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

// Newlines in [0, end) of the input, dropping the pages read (error path only).
uint64_t CountNewlines(Run* run, size_t end) {
  uint64_t n = 0;
  for (size_t pos = 0; pos < end;) {
    size_t step = std::min(kReleaseStep, end - pos);
    n += static_cast<uint64_t>(std::count(run->base + pos, run->base + pos + step, '\n'));
    Release(run, pos, pos + step);
    pos += step;
  }
  return n;
}

// Windows that got several blocks (early flushes) are merged into one block each; the later
// flush comes first, so it wins on equal timestamps, as the later input line should.
absl::Status MergeWindows(Run* run) {
  for (auto& [window, metas] : run->written) {
    if (metas.size() < 2) continue;
    std::vector<std::string> ulids;
    for (auto it = metas.rbegin(); it != metas.rend(); ++it) ulids.push_back(it->ulid);
    tsdb::BlockBuilderOptions wo;
    wo.zstd_level = run->opts.zstd_level;
    auto merged = tsdb::MergeBlocks(run->data_dir, ulids, wo);
    if (!merged.ok()) return merged.status();
    run->created.push_back(merged->ulid);
    std::error_code ec;
    for (const auto& m : metas) fs::remove_all(run->data_dir + "/" + m.ulid, ec);
    metas = {*std::move(merged)};
  }
  return absl::OkStatus();
}

void RemoveCreated(Run* run) {
  std::error_code ec;
  for (const auto& u : run->created) fs::remove_all(run->data_dir + "/" + u, ec);
  run->created.clear();
  run->written.clear();
}

// True when the same labels occur in more than one part.
bool SeriesInSeveralParts(const Run& run, uint64_t* unique_series) {
  if (run.parts.size() == 1) {
    *unique_series = run.parts[0].series.size();
    return false;
  }
  struct Hash {
    size_t operator()(const model::Labels* l) const { return l->Hash(); }
  };
  struct Eq {
    bool operator()(const model::Labels* a, const model::Labels* b) const {
      return model::Labels::Compare(*a, *b) == 0;
    }
  };
  absl::flat_hash_set<const model::Labels*, Hash, Eq> seen;
  bool dup = false;
  for (const auto& part : run.parts) {
    for (const auto& s : part.series) {
      if (!seen.insert(&s.labels).second) dup = true;
    }
  }
  *unique_series = seen.size();
  return dup;
}

}  // namespace

absl::StatusOr<BackfillResult> BackfillOpenMetrics(const std::string& input_file,
                                                   const std::string& data_dir,
                                                   const BackfillOptions& opts) {
  if (opts.block_duration_ms <= 0) return absl::InvalidArgumentError("block duration must be > 0");
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
  struct Unmap {
    void* p;
    size_t n;
    ~Unmap() { ::munmap(p, n); }
  } unmap{mem, size};

  Run run;
  run.base = static_cast<const char*>(mem);
  run.size = size;
  run.page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  run.opts = opts;
  run.data_dir = data_dir;
  std::string_view body(run.base, size);

  // Parse; a barrier parks every parsing thread while held samples are flushed early.
  std::vector<size_t> starts = SplitPoints(body, std::max(1, opts.threads));
  run.parts.resize(starts.size());
  for (size_t i = 0; i < starts.size(); ++i) {
    Part& p = run.parts[i];
    p.number = static_cast<int>(i);
    p.begin = starts[i];
    p.end = i + 1 < starts.size() ? starts[i + 1] : size;
    p.last = i + 1 == starts.size();
  }
  FlushBarrier sync(static_cast<std::ptrdiff_t>(run.parts.size()), FlushOnBarrier{&run});

  std::atomic<bool> parsing{true};
  std::thread reporter;
  bool tty = opts.progress && ::isatty(2);
  if (tty) {
    reporter = std::thread([&] {
      while (parsing.load()) {
        std::fprintf(stderr, "\rparsing %s: %5.1f%%", input_file.c_str(),
                     100.0 * static_cast<double>(run.progress.load()) / static_cast<double>(size));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  }
  std::vector<std::thread> threads;
  for (size_t i = 1; i < run.parts.size(); ++i) {
    threads.emplace_back(ParsePart, &run, &run.parts[i], &sync);
  }
  ParsePart(&run, &run.parts[0], &sync);
  for (auto& t : threads) t.join();
  parsing = false;
  if (reporter.joinable()) reporter.join();
  if (tty) std::fprintf(stderr, "\rparsing %s: done.  \n", input_file.c_str());

  // The first error in the file wins; its line number counts the lines of the parts before.
  for (auto& part : run.parts) {
    if (!part.failed) continue;
    RemoveCreated(&run);
    if (part.error_line == 0) return absl::InvalidArgumentError(part.error_text);
    uint64_t before = part.begin == 0 ? 0 : CountNewlines(&run, part.begin);
    return absl::InvalidArgumentError(
        absl::StrCat("line ", before + static_cast<uint64_t>(part.error_line), part.error_text));
  }
  if (!run.write_status.ok()) {
    RemoveCreated(&run);
    return run.write_status;
  }

  BackfillResult result;
  bool shared_series = SeriesInSeveralParts(run, &result.series);
  if (shared_series && run.flushes > 0) {
    // A series in two parts whose samples went to different flushes: which flush holds the
    // later line is not known any more. Rare (a family split across the file); redo in order.
    RemoveCreated(&run);
    BackfillOptions one = opts;
    one.threads = 1;
    return BackfillOpenMetrics(input_file, data_dir, one);
  }
  for (const auto& part : run.parts) result.lines += part.lines;

  if (tty) std::fprintf(stderr, "writing blocks...\n");
  absl::Status s = FlushHeld(&run);
  if (s.ok()) s = MergeWindows(&run);
  if (!s.ok()) {
    RemoveCreated(&run);
    return s;
  }
  result.flushes = run.flushes;
  for (auto& [w, metas] : run.written) {
    for (auto& m : metas) {
      result.samples += m.stats.num_samples;
      result.blocks.push_back(std::move(m));
    }
  }
  if (tty) {
    std::fprintf(stderr, "wrote %zu blocks: %llu series, %llu samples\n", result.blocks.size(),
                 static_cast<unsigned long long>(result.series),
                 static_cast<unsigned long long>(result.samples));
  }
  return result;
}

}  // namespace promlet::tools
