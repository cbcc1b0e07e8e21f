#include "tsdb/db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tsdb/block/block_querier.h"
#include "tsdb/block/merge.h"
#include "tsdb/compact.h"

namespace promlet::tsdb {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();

uint64_t DirBytes(const std::string& dir, const std::string& skip = "") {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!skip.empty() && it->is_directory() && it->path().filename() == skip) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) n += it->file_size(ec);
  }
  return n;
}

bool MatchesAll(const model::Labels& l, absl::Span<const model::Matcher> ms) {
  for (const auto& m : ms) {
    if (!m.Matches(l.Get(m.name()))) return false;
  }
  return true;
}

// Skips deleted samples of one series.
class FilteredIterator : public storage::SampleIterator {
 public:
  FilteredIterator(std::unique_ptr<storage::SampleIterator> it, Intervals del)
      : it_(std::move(it)), del_(std::move(del)) {}
  bool Next() override {
    while (it_->Next()) {
      if (!IsDeleted(del_, it_->T())) return true;
    }
    return false;
  }
  bool Seek(int64_t t) override {
    if (!it_->Seek(t)) return false;
    if (!IsDeleted(del_, it_->T())) return true;
    return Next();
  }
  int64_t T() const override { return it_->T(); }
  double V() const override { return it_->V(); }
  int64_t ST() const override { return it_->ST(); }
  bool MayHaveST() const override { return it_->MayHaveST(); }
  storage::ValueType Type() const override { return it_->Type(); }
  void AtHistogram(model::histogram::Histogram* out) const override { it_->AtHistogram(out); }
  void AtFloatHistogram(model::histogram::FloatHistogram* out) const override {
    it_->AtFloatHistogram(out);
  }
  absl::Status status() const override { return it_->status(); }

 private:
  std::unique_ptr<storage::SampleIterator> it_;
  Intervals del_;
};

class FilteredSeries : public storage::Series {
 public:
  const model::Labels& labels() const override { return inner_->labels(); }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    auto it = inner_->Iterator();
    if (del_.empty()) return it;
    return std::make_unique<FilteredIterator>(std::move(it), del_);
  }
  const storage::Series* inner_ = nullptr;
  Intervals del_;
};

}  // namespace

// Head querier with the head's tombstones applied.
class DBHeadQuerier : public storage::Querier {
 public:
  DBHeadQuerier(const DB* db, std::unique_ptr<storage::Querier> inner) : db_(db), inner_(std::move(inner)) {}
  std::unique_ptr<storage::SeriesSet> Select(absl::Span<const model::Matcher> matchers,
                                    const storage::SelectHints* hints) override {
    auto set = inner_->Select(matchers, hints);
    if (!db_->has_head_tombs_.load()) return set;
    return std::make_unique<Set>(db_, std::move(set));
  }
  absl::StatusOr<std::vector<std::string>> LabelNames(absl::Span<const model::Matcher> m) override {
    return inner_->LabelNames(m);
  }
  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name,
                                                       absl::Span<const model::Matcher> m) override {
    return inner_->LabelValues(name, m);
  }

 private:
  class Set : public storage::SeriesSet {
   public:
    Set(const DB* db, std::unique_ptr<storage::SeriesSet> inner) : db_(db), inner_(std::move(inner)) {}
    bool Next() override {
      if (!inner_->Next()) return false;
      cur_.inner_ = &inner_->At();
      std::lock_guard<std::mutex> l(db_->tomb_mu_);
      auto it = db_->head_tombs_by_labels_.find(cur_.inner_->labels());
      cur_.del_ = it == db_->head_tombs_by_labels_.end() ? Intervals{} : it->second;
      return true;
    }
    const storage::Series& At() const override { return cur_; }
    absl::Status status() const override { return inner_->status(); }

   private:
    const DB* db_;
    std::unique_ptr<storage::SeriesSet> inner_;
    FilteredSeries cur_;
  };
  const DB* db_;
  std::unique_ptr<storage::Querier> inner_;
};

// Counts failed commits.
class DBAppender : public storage::Appender {
 public:
  DBAppender(DB* db, std::unique_ptr<storage::Appender> inner) : db_(db), inner_(std::move(inner)) {}
  absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef ref, const model::Labels& labels, int64_t t,
                                   double v) override {
    return inner_->Append(ref, labels, t, v);
  }
  absl::StatusOr<storage::SeriesRef> AppendHistogram(
      storage::SeriesRef ref, const model::Labels& labels, int64_t t,
      const model::histogram::Histogram* h, const model::histogram::FloatHistogram* fh) override {
    return inner_->AppendHistogram(ref, labels, t, h, fh);
  }
  absl::StatusOr<storage::SeriesRef> AppendWithST(storage::SeriesRef ref,
                                                  const model::Labels& labels, int64_t st,
                                                  int64_t t, double v) override {
    return inner_->AppendWithST(ref, labels, st, t, v);
  }
  absl::StatusOr<storage::SeriesRef> AppendHistogramWithST(
      storage::SeriesRef ref, const model::Labels& labels, int64_t st, int64_t t,
      const model::histogram::Histogram* h, const model::histogram::FloatHistogram* fh) override {
    return inner_->AppendHistogramWithST(ref, labels, st, t, h, fh);
  }
  absl::Status Commit() override {
    auto st = inner_->Commit();
    if (!st.ok()) db_->metrics_.append_failures.fetch_add(1, std::memory_order_relaxed);
    db_->NoteCommitResult(st);
    return st;
  }
  void Rollback() override { inner_->Rollback(); }

 private:
  DB* db_;
  std::unique_ptr<storage::Appender> inner_;
};

DB::DB(std::string dir, DBOptions opts)
    : dir_(std::move(dir)),
      opts_(std::move(opts)),
      block_cache_(std::make_shared<SectionCache>(
          std::max(opts_.block_cache_bytes, Block::kPrivateCacheBytes))) {
  if (!opts_.head.now_ms && opts_.now_ms) opts_.head.now_ms = opts_.now_ms;
  if (opts_.max_block_range_ms <= 0) {
    int64_t cap = 31LL * 24 * 3600 * 1000;
    if (opts_.retention.time_ms > 0) cap = std::min(cap, opts_.retention.time_ms / 10);
    opts_.max_block_range_ms = std::max(cap, opts_.block_range_ms);
  }
}

int64_t DB::Now() const {
  if (opts_.now_ms) return opts_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void DB::Log(const std::string& msg) const {
  if (opts_.log) {
    opts_.log(msg);
  } else {
    std::fprintf(stderr, "level=warn component=tsdb msg=\"%s\"\n", msg.c_str());
  }
}

int64_t DB::FutureLimit() const {
  const int64_t window = opts_.head.max_future_ms;
  if (window <= 0) return kMaxInt;
  const int64_t now = Now();
  return now > kMaxInt - window ? kMaxInt : now + window;
}

bool DB::IsFutureBlock(const BlockMeta& m) {
  if (m.max_time <= FutureLimit()) return false;
  std::lock_guard<std::mutex> l(future_mu_);
  if (future_blocks_logged_.insert(m.ulid).second) {
    Log(absl::StrCat("block ", m.ulid, " ends at ", m.max_time, " ms, beyond now + ",
                     opts_.head.max_future_ms,
                     " ms: kept and served, but ignored for head truncation, compaction "
                     "planning and the retention reference"));
  }
  return true;
}

void DB::NoteCommitResult(const absl::Status& st) {
  if (st.ok()) {
    if (wal_failing_.load(std::memory_order_relaxed) && wal_failing_.exchange(false)) {
      Log(absl::StrCat("WAL writes succeed again in ", dir_, "/wal: ingestion resumed"));
    }
    return;
  }
  if (!wal_failing_.exchange(true)) {
    Log(absl::StrCat("WAL write failed, samples are not stored until writes succeed again (", dir_,
                     " needs free space): ", st.message()));
  }
}

absl::Status DB::LockDir() {
  const std::string path = dir_ + "/lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("open lock file ", path, ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) {
      return absl::InternalError(absl::StrCat("lock ", path, ": ", std::strerror(err)));
    }
    std::string holder = "unknown pid";
    int64_t pid = 0;
    if (n > 0) {
      std::string text(buf, static_cast<size_t>(n));
      if (!text.empty() && text.back() == '\n') text.pop_back();
      if (absl::SimpleAtoi(text, &pid)) holder = absl::StrCat("pid ", pid);
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", dir_, " is in use: lock file ", path, " is held by another process (",
        holder, "); stop it, or start with --storage.tsdb.no-lockfile"));
  }
  const std::string pid = absl::StrCat(::getpid(), "\n");
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; a second process just cannot name us.
    Log(absl::StrCat("could not write the pid into ", path, ": ", std::strerror(errno)));
  }
  lock_fd_ = fd;
  return absl::OkStatus();
}

BlockWriterOptions DB::WriterOptions() const {
  BlockWriterOptions o;
  o.zstd_level = opts_.zstd_level;
  o.now_ms = Now();
  return o;
}

absl::StatusOr<std::unique_ptr<DB>> DB::Open(const std::string& dir, DBOptions opts) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("create ", dir, ": ", ec.message()));
  auto db = std::unique_ptr<DB>(new DB(dir, std::move(opts)));
  if (!db->opts_.no_lockfile) {
    if (auto st = db->LockDir(); !st.ok()) return st;
  }
  if (auto st = db->OpenBlocks(); !st.ok()) return st;
  if (auto st = db->ReplayWal(); !st.ok()) return st;
  if (db->opts_.background_compaction) db->bg_ = std::thread([p = db.get()] { p->BackgroundLoop(); });
  return db;
}

DB::~DB() {
  {
    std::lock_guard<std::mutex> l(bg_mu_);
    stop_ = true;
  }
  bg_cv_.notify_all();
  if (bg_.joinable()) bg_.join();
  if (wal_) (void)wal_->Sync();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

absl::StatusOr<std::shared_ptr<Block>> DB::OpenBlock(const std::string& path,
                                                     bool verify_chunks) const {
  return Block::Open(path, verify_chunks, block_cache_);
}

absl::Status DB::OpenBlocks() {
  std::error_code ec;
  std::vector<std::shared_ptr<Block>> blocks;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string name = e.path().filename().string();
    if (!e.is_directory()) continue;
    if (name.size() > 26 && name.find(kTmpBlockSuffix) != std::string::npos) {
      fs::remove_all(e.path(), ec);
      open_report_.removed_tmp.push_back(name);
      Log(absl::StrCat("removed half-written block ", e.path().string()));
      continue;
    }
    if (!IsUlid(name)) continue;
    auto b = OpenBlock(e.path().string(), /*verify_chunks=*/true);
    if (!b.ok()) {
      std::string msg = absl::StrCat(e.path().string(), ": ", b.status().message());
      open_report_.skipped_blocks.push_back(msg);
      Log(absl::StrCat("skipping unreadable block ", msg));
      continue;
    }
    WatchBlock(b->get());
    blocks.push_back(*b);
  }
  // Blocks whose data a compacted block already holds (crash before the parents were deleted).
  std::set<std::string> parents;
  for (const auto& b : blocks) parents.insert(b->meta().parents.begin(), b->meta().parents.end());
  std::vector<std::shared_ptr<Block>> keep;
  for (auto& b : blocks) {
    if (parents.count(b->meta().ulid)) {
      open_report_.removed_parents.push_back(b->meta().ulid);
      fs::remove_all(b->dir(), ec);
    } else {
      keep.push_back(std::move(b));
    }
  }
  std::sort(keep.begin(), keep.end(), [](const auto& a, const auto& b) {
    return a->meta().min_time < b->meta().min_time;
  });
  std::lock_guard<std::mutex> l(mu_);
  blocks_ = std::move(keep);
  return absl::OkStatus();
}

std::unique_ptr<storage::Appender> DB::NewAppender() {
  return std::make_unique<DBAppender>(this, head_->NewAppender());
}

absl::StatusOr<std::unique_ptr<storage::Querier>> DB::NewQuerier(int64_t mint, int64_t maxt) {
  std::vector<std::unique_ptr<storage::Querier>> qs;
  auto hq = head_->NewQuerier(mint, maxt);
  if (!hq.ok()) return hq.status();
  qs.push_back(std::make_unique<DBHeadQuerier>(this, std::move(*hq)));
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& b : blocks_) {
    if (b->meta().min_time <= maxt && b->meta().max_time > mint) {
      qs.push_back(std::make_unique<BlockQuerier>(b, mint, maxt));
    }
  }
  return MergeQueriers(std::move(qs));
}

std::vector<int64_t> DB::ChunkBoundaries(int64_t mint, int64_t maxt) {
  std::vector<int64_t> out;
  auto add = [&](int64_t t) {
    if (t > mint && t <= maxt) out.push_back(t);
  };
  add(head_->MinTime());
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& b : blocks_) add(b->meta().min_time);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<BlockMeta> DB::Blocks() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<BlockMeta> out;
  for (const auto& b : blocks_) out.push_back(b->meta());
  return out;
}

uint64_t DB::DiskBytes() const { return DirBytes(dir_, "snapshots"); }

std::vector<std::string> DB::DamagedBlocks() const {
  std::vector<std::string> out = open_report_.skipped_blocks;
  std::lock_guard<std::mutex> l(mu_);
  out.insert(out.end(), damaged_blocks_.begin(), damaged_blocks_.end());
  return out;
}

void DB::WatchBlock(Block* b) {
  b->SetDamageHandler([this](const Block& blk, const absl::Status& st) { OnBlockDamaged(blk, st); });
}

void DB::OnBlockDamaged(const Block& b, const absl::Status& st) {
  metrics_.blocks_damaged.fetch_add(1, std::memory_order_relaxed);
  Log(absl::StrCat("block ", b.dir(), " is damaged and no longer served: ", st.message()));
  // Queries that hold the block keep it alive; its files stay for inspection.
  std::lock_guard<std::mutex> l(mu_);
  damaged_blocks_.push_back(absl::StrCat(b.dir(), ": ", st.message()));
  blocks_.erase(std::remove_if(blocks_.begin(), blocks_.end(),
                               [&](const auto& x) { return x.get() == &b; }),
                blocks_.end());
}

void DB::AddBlock(std::shared_ptr<Block> b) {
  WatchBlock(b.get());
  std::lock_guard<std::mutex> l(mu_);
  blocks_.push_back(std::move(b));
  std::sort(blocks_.begin(), blocks_.end(), [](const auto& a, const auto& c) {
    return a->meta().min_time < c->meta().min_time;
  });
}

void DB::RemoveBlocks(const std::vector<std::string>& ulids) {
  std::vector<std::shared_ptr<Block>> gone;
  {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::shared_ptr<Block>> keep;
    for (auto& b : blocks_) {
      if (std::find(ulids.begin(), ulids.end(), b->meta().ulid) != ulids.end()) {
        gone.push_back(b);
      } else {
        keep.push_back(b);
      }
    }
    blocks_ = std::move(keep);
  }
  // Open queriers keep their mmaps; the files go now.
  std::error_code ec;
  for (const auto& b : gone) fs::remove_all(b->dir(), ec);
}

Intervals DB::HeadDeleted(storage::SeriesRef ref) const {
  if (!has_head_tombs_.load()) return {};
  std::lock_guard<std::mutex> l(tomb_mu_);
  auto it = head_tombs_.find(ref);
  return it == head_tombs_.end() ? Intervals{} : it->second;
}

absl::Status DB::Compact() {
  std::lock_guard<std::mutex> l(compact_mu_);
  absl::Status first;
  auto note = [&](absl::Status st, const char* what) {
    if (st.ok()) return;
    metrics_.compaction_failures.fetch_add(1, std::memory_order_relaxed);
    Log(absl::StrCat(what, " failed: ", st.message()));
    if (first.ok()) first = st;
  };
  note(CompactHead(), "head compaction");
  for (int i = 0; i < 100; ++i) {
    bool did = false;
    auto st = CompactBlocksOnce(&did);
    note(st, "block compaction");
    if (!st.ok() || !did) break;
  }
  note(ApplyRetention(), "retention");
  return first;
}

absl::Status DB::CompactHead() {
  const int64_t range = opts_.block_range_ms;
  for (;;) {
    int64_t hmin = head_->MinTime(), hmax = head_->MaxTime();
    if (hmin == kMaxInt || hmax == kMinInt) return absl::OkStatus();
    // Future data (an old WAL's year-2999 sample) stays in the head; it must not make the head
    // look wide enough to cut and truncate the present away.
    hmax = std::min(hmax, FutureLimit());
    if (hmax - hmin <= range * 3 / 2) return absl::OkStatus();
    int64_t mint = hmin >= 0 ? hmin / range * range : -((-hmin + range - 1) / range) * range;
    int64_t maxt = mint + range;
    auto meta = WriteHeadBlock(dir_, head_.get(), mint, maxt, WriterOptions(),
                               [this](storage::SeriesRef r) { return HeadDeleted(r); });
    if (meta.ok()) {
      auto b = OpenBlock(absl::StrCat(dir_, "/", meta->ulid), /*verify_chunks=*/false);
      if (!b.ok()) return b.status();
      AddBlock(*b);
      metrics_.compactions.fetch_add(1, std::memory_order_relaxed);
    } else if (!absl::IsNotFound(meta.status())) {
      return meta.status();
    }
    head_->Truncate(maxt);
    metrics_.head_truncations.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> l(tomb_mu_);
      for (auto* m : {&head_tombs_}) {
        for (auto it = m->begin(); it != m->end();) {
          if (!it->second.empty() && it->second.back().maxt < maxt) {
            m->erase(it++);
          } else {
            ++it;
          }
        }
      }
      has_head_tombs_ = !head_tombs_.empty();
      if (!has_head_tombs_) head_tombs_by_labels_.clear();
    }
    if (wal_) {
      auto closed = wal_->CutSegment();
      if (!closed.ok()) return closed.status();
      Head* h = head_.get();
      auto st = wal_->Checkpoint(*closed, [h](storage::SeriesRef r) { return h->IsLive(r); }, maxt);
      if (!st.ok()) return st;
      metrics_.checkpoints.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

absl::Status DB::CompactBlocksOnce(bool* did) {
  *did = false;
  std::vector<std::shared_ptr<Block>> blocks;
  {
    std::lock_guard<std::mutex> l(mu_);
    blocks = blocks_;
  }
  // Future blocks are left out of planning: one would make every window look complete.
  std::vector<std::shared_ptr<Block>> present;
  std::vector<BlockMeta> metas;
  for (const auto& b : blocks) {
    if (IsFutureBlock(b->meta())) continue;
    present.push_back(b);
    metas.push_back(b->meta());
  }
  blocks = std::move(present);
  auto plan = PlanCompaction(metas, CompactionRanges(opts_.block_range_ms, opts_.max_block_range_ms));
  if (plan.empty()) return absl::OkStatus();
  std::vector<std::shared_ptr<Block>> parents;
  std::vector<std::string> ulids;
  for (size_t i : plan) {
    parents.push_back(blocks[i]);
    ulids.push_back(blocks[i]->meta().ulid);
  }
  auto meta = CompactBlocks(dir_, parents, WriterOptions());
  if (meta.ok()) {
    auto b = OpenBlock(absl::StrCat(dir_, "/", meta->ulid), /*verify_chunks=*/false);
    if (!b.ok()) return b.status();
    AddBlock(*b);
  } else if (!absl::IsNotFound(meta.status())) {
    return meta.status();
  }
  RemoveBlocks(ulids);
  metrics_.compactions.fetch_add(1, std::memory_order_relaxed);
  *did = true;
  return absl::OkStatus();
}

absl::Status DB::ApplyRetention() {
  if (opts_.retention.time_ms <= 0 && opts_.retention.size_bytes == 0) return absl::OkStatus();
  std::vector<RetentionBlock> rb;
  uint64_t block_bytes = 0;
  // The reference "newest data" time ignores future data: a block or head sample in the year
  // 2999 would otherwise put every other block beyond retention.
  const int64_t limit = FutureLimit();
  int64_t newest = head_->MaxTime() <= limit ? head_->MaxTime() : kMinInt;
  std::vector<std::shared_ptr<Block>> blocks;
  {
    std::lock_guard<std::mutex> l(mu_);
    blocks = blocks_;
  }
  for (const auto& b : blocks) {
    rb.push_back(RetentionBlock{b->meta(), b->SizeBytes()});
    block_bytes += b->SizeBytes();
    if (!IsFutureBlock(b->meta())) newest = std::max(newest, b->meta().max_time);
  }
  if (rb.empty()) return absl::OkStatus();
  uint64_t total = opts_.retention.size_bytes > 0 ? DiskBytes() : 0;
  uint64_t other = total > block_bytes ? total - block_bytes : 0;
  RetentionPolicy policy = opts_.retention;
  if (newest == kMinInt) policy.time_ms = 0;  // only future data: no reference time
  auto del = BlocksBeyondRetention(std::move(rb), newest, other, policy);
  if (del.empty()) return absl::OkStatus();
  for (const auto& u : del) Log(absl::StrCat("retention: deleting block ", u));
  RemoveBlocks(del);
  metrics_.blocks_deleted_by_retention.fetch_add(del.size(), std::memory_order_relaxed);
  return absl::OkStatus();
}

void DB::BackgroundLoop() {
  std::unique_lock<std::mutex> l(bg_mu_);
  while (!stop_) {
    bg_cv_.wait_for(l, std::chrono::milliseconds(opts_.compaction_interval_ms),
                    [&] { return stop_; });
    if (stop_) break;
    l.unlock();
    const uint64_t before = metrics_.compactions.load(std::memory_order_relaxed);
    (void)Compact();
    if (opts_.after_compaction && metrics_.compactions.load(std::memory_order_relaxed) != before) {
      opts_.after_compaction();
    }
    l.lock();
  }
}

absl::Status DB::Delete(absl::Span<const model::Matcher> matchers, int64_t mint, int64_t maxt) {
  std::vector<std::shared_ptr<Block>> blocks;
  {
    std::lock_guard<std::mutex> l(mu_);
    blocks = blocks_;
  }
  for (const auto& b : blocks) {
    if (b->meta().min_time > maxt || b->meta().max_time <= mint) continue;
    auto r = b->Delete(matchers, mint, maxt);
    if (!r.ok()) return r.status();
  }
  std::vector<WalTombstone> wal_tombs;
  std::vector<std::pair<storage::SeriesRef, model::Labels>> hits;
  auto set = head_->ChunkSeries(kMinInt, kMaxInt, /*include_open=*/true);
  while (set->Next()) {
    if (MatchesAll(set->labels(), matchers)) hits.emplace_back(set->ref(), set->labels());
  }
  if (hits.empty()) return absl::OkStatus();
  for (const auto& [ref, labels] : hits) wal_tombs.push_back(WalTombstone{ref, mint, maxt});
  if (wal_) {
    if (auto st = wal_->LogTombstones(wal_tombs); !st.ok()) return st;
  }
  std::lock_guard<std::mutex> l(tomb_mu_);
  for (const auto& [ref, labels] : hits) {
    AddInterval(&head_tombs_[ref], Interval{mint, maxt});
    AddInterval(&head_tombs_by_labels_[labels], Interval{mint, maxt});
  }
  has_head_tombs_ = true;
  return absl::OkStatus();
}

absl::Status DB::CleanTombstones() {
  std::lock_guard<std::mutex> l(compact_mu_);
  std::vector<std::shared_ptr<Block>> blocks;
  {
    std::lock_guard<std::mutex> ml(mu_);
    blocks = blocks_;
  }
  for (const auto& b : blocks) {
    if (!b->HasTombstones()) continue;
    auto meta = CompactBlocks(dir_, {b}, WriterOptions());
    if (meta.ok()) {
      auto nb = OpenBlock(absl::StrCat(dir_, "/", meta->ulid), /*verify_chunks=*/false);
      if (!nb.ok()) return nb.status();
      AddBlock(*nb);
    } else if (!absl::IsNotFound(meta.status())) {
      return meta.status();
    }
    RemoveBlocks({b->meta().ulid});
  }
  return absl::OkStatus();
}

absl::Status DB::Snapshot(const std::string& dir, bool with_head) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("snapshot: create ", dir, ": ", ec.message()));
  std::vector<std::shared_ptr<Block>> blocks;
  {
    std::lock_guard<std::mutex> l(mu_);
    blocks = blocks_;
  }
  for (const auto& b : blocks) {
    std::string dst = absl::StrCat(dir, "/", b->meta().ulid);
    fs::create_directories(dst, ec);
    for (const auto& e : fs::directory_iterator(b->dir(), ec)) {
      fs::path to = fs::path(dst) / e.path().filename();
      fs::create_hard_link(e.path(), to, ec);
      if (ec) {
        ec.clear();
        fs::copy_file(e.path(), to, fs::copy_options::overwrite_existing, ec);
        if (ec) return absl::InternalError(absl::StrCat("snapshot: copy ", e.path().string(), ": ", ec.message()));
      }
    }
  }
  if (!with_head) return absl::OkStatus();
  int64_t hmin = head_->MinTime(), hmax = head_->MaxTime();
  if (hmin == kMaxInt || hmax == kMinInt) return absl::OkStatus();
  const int64_t range = opts_.block_range_ms;
  int64_t start = hmin >= 0 ? hmin / range * range : -((-hmin + range - 1) / range) * range;
  // One block per range up to the present; whatever lies beyond (future data) goes into one
  // last block rather than one per empty range up to the year 2999.
  const int64_t present = std::min(hmax, FutureLimit());
  int64_t mint = start;
  for (; mint <= present; mint += range) {
    auto meta = WriteHeadBlock(dir, head_.get(), mint, mint + range, WriterOptions(),
                               [this](storage::SeriesRef r) { return HeadDeleted(r); });
    if (!meta.ok() && !absl::IsNotFound(meta.status())) return meta.status();
  }
  if (hmax >= mint) {
    int64_t end = hmax == kMaxInt ? kMaxInt : hmax + 1;
    auto meta = WriteHeadBlock(dir, head_.get(), mint, end, WriterOptions(),
                               [this](storage::SeriesRef r) { return HeadDeleted(r); });
    if (!meta.ok() && !absl::IsNotFound(meta.status())) return meta.status();
  }
  return absl::OkStatus();
}

}  // namespace promlet::tsdb
