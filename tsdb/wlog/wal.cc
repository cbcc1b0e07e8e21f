#include "tsdb/wlog/wal.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tsdb/block/varint.h"
#include "tsdb/wlog/crc32c.h"

namespace promlet::tsdb {
namespace fs = std::filesystem;
namespace {

constexpr size_t kHeader = 8;
constexpr size_t kMaxSamplesPerRecord = 1 << 16;
constexpr char kCheckpointPrefix[] = "checkpoint.";

absl::Status ErrnoStatus(const std::string& what, int err) {
  if (err == ENOSPC || err == EFBIG || err == EDQUOT) {
    return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(err)));
  }
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

std::optional<int> ParseSegmentNumber(const std::string& name) {
  if (name.size() != 8) return std::nullopt;
  int n;
  if (!absl::SimpleAtoi(name, &n)) return std::nullopt;
  return n;
}

// Numbered segment files in `dir`, ascending.
std::vector<int> ListSegments(const std::string& dir) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    if (auto n = ParseSegmentNumber(e.path().filename().string())) out.push_back(*n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Highest complete checkpoint number, or -1; removes leftover *.tmp checkpoints.
int LatestCheckpoint(const std::string& dir, bool clean_tmp) {
  int best = -1;
  std::error_code ec;
  std::vector<fs::path> tmps;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(kCheckpointPrefix, 0) != 0) continue;
    std::string rest = name.substr(sizeof(kCheckpointPrefix) - 1);
    if (rest.size() > 4 && rest.substr(rest.size() - 4) == ".tmp") {
      tmps.push_back(e.path());
      continue;
    }
    int n;
    if (absl::SimpleAtoi(rest, &n)) best = std::max(best, n);
  }
  if (clean_tmp) {
    for (const auto& p : tmps) fs::remove_all(p, ec);
  }
  return best;
}

std::string CheckpointName(int n) { return absl::StrFormat("checkpoint.%08d", n); }

void FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// A read-only view of a whole file (mmap; empty files map to an empty view).
class MappedFile {
 public:
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(absl::StrCat("open ", path), errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return ErrnoStatus(absl::StrCat("stat ", path), e);
    }
    auto f = std::unique_ptr<MappedFile>(new MappedFile());
    f->size_ = static_cast<size_t>(st.st_size);
    if (f->size_ > 0) {
      void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        int e = errno;
        ::close(fd);
        return ErrnoStatus(absl::StrCat("mmap ", path), e);
      }
      ::madvise(p, f->size_, MADV_SEQUENTIAL);
      f->data_ = static_cast<const char*>(p);
    }
    ::close(fd);
    return f;
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view view() const { return {data_, size_}; }

 private:
  MappedFile() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// A decoded run of same-typed records handed from the decoding thread to the applying one.
struct ReplayBatch {
  WalRecordType type;
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<WalTombstone> tombstones;
};

// Bounded single-producer single-consumer queue.
class BatchQueue {
 public:
  void Push(ReplayBatch b) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return q_.size() < 4; });
    q_.push_back(std::move(b));
    cv_.notify_all();
  }
  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  std::optional<ReplayBatch> Pop() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return std::nullopt;
    ReplayBatch b = std::move(q_.front());
    q_.pop_front();
    cv_.notify_all();
    return b;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ReplayBatch> q_;
  bool closed_ = false;
};

// Counts well-framed records in `data` (for the "records lost" estimate): skips a bad record by
// its length when that length is plausible, then counts records whose CRC matches.
uint64_t CountRecords(std::string_view data, bool skip_first) {
  uint64_t n = 0;
  size_t pos = 0;
  bool first = skip_first;
  while (data.size() - pos >= kHeader) {
    uint32_t len = GetFixed32(data.data() + pos);
    uint32_t crc = GetFixed32(data.data() + pos + 4);
    if (len == 0 || len > data.size() - pos - kHeader) break;
    if (!first && Crc32c(data.data() + pos + kHeader, len) != crc) break;
    n += first ? 1 : 1;
    first = false;
    pos += kHeader + len;
  }
  return n;
}

// The decoding side of replay: walks files, checks frames, decodes, repairs.
class WalScanner {
 public:
  WalScanner(std::string dir, BatchQueue* q, WalReplayReport* report)
      : dir_(std::move(dir)), q_(q), report_(report) {}

  absl::Status Run() {
    int cp = LatestCheckpoint(dir_, /*clean_tmp=*/true);
    if (cp >= 0) {
      std::string cpdir = absl::StrCat(dir_, "/", CheckpointName(cp));
      for (int n : ListSegments(cpdir)) {
        auto st = ScanFile(absl::StrCat(cpdir, "/", WalSegmentName(n)), /*last=*/false,
                           /*repair=*/false);
        if (!st.ok()) return st;
        if (stop_) {
          // A damaged checkpoint: keep what decoded, go on with segments (series defined only
          // in the lost part will have their samples dropped by the head).
          stop_ = false;
          break;
        }
      }
    }
    std::vector<int> segs = ListSegments(dir_);
    std::vector<int> todo;
    for (int n : segs) {
      if (n > cp) todo.push_back(n);
    }
    for (size_t i = 0; i < todo.size(); ++i) {
      if (i > 0 && todo[i] != todo[i - 1] + 1) {
        std::string msg = absl::StrCat("wal: segment gap after ", WalSegmentName(todo[i - 1]),
                                       "; later segments moved aside");
        report_->warnings.push_back(msg);
        MoveAside(std::vector<int>(todo.begin() + i, todo.end()));
        break;
      }
      std::string path = absl::StrCat(dir_, "/", WalSegmentName(todo[i]));
      auto st = ScanFile(path, /*last=*/i + 1 == todo.size(), /*repair=*/true);
      if (!st.ok()) return st;
      ++report_->segments;
      if (stop_) {
        std::vector<int> later(todo.begin() + i + 1, todo.end());
        for (int n : later) {
          auto f = MappedFile::Open(absl::StrCat(dir_, "/", WalSegmentName(n)));
          if (f.ok()) {
            report_->damaged_bytes += (*f)->view().size();
            report_->records_lost_estimate += CountRecords((*f)->view(), false);
          }
        }
        MoveAside(later);
        report_->warnings.push_back(absl::StrCat(
            "wal: checksum/framing failure in ", report_->damaged_file, " at offset ",
            report_->damaged_offset, ": replay stopped there; ", report_->damaged_bytes,
            " bytes (about ", report_->records_lost_estimate, " records, ", later.size(),
            " later segments) moved to ", dir_, "/damaged"));
        break;
      }
    }
    Flush();
    return absl::OkStatus();
  }

 private:
  absl::Status ScanFile(const std::string& path, bool last, bool repair) {
    auto mf = MappedFile::Open(path);
    if (!mf.ok()) return mf.status();
    std::string_view data = (*mf)->view();
    size_t pos = 0;
    while (pos < data.size()) {
      size_t left = data.size() - pos;
      bool bad = false, torn = false;
      uint32_t len = 0;
      if (left < kHeader) {
        torn = last;
        bad = !last;
      } else {
        len = GetFixed32(data.data() + pos);
        uint32_t crc = GetFixed32(data.data() + pos + 4);
        if (len == 0 && crc == 0 && last &&
            std::all_of(data.begin() + pos, data.end(), [](char c) { return c == 0; })) {
          torn = true;  // zero padding after a power loss
        } else if (len > left - kHeader) {
          torn = last;
          bad = !last;
        } else if (Crc32c(data.data() + pos + kHeader, len) != crc) {
          if (last && pos + kHeader + len == data.size()) {
            torn = true;
          } else {
            bad = true;
          }
        } else if (!Decode(data.substr(pos + kHeader, len)).ok()) {
          bad = true;
        }
      }
      if (torn) {
        report_->torn_tail = true;
        report_->warnings.push_back(absl::StrCat("wal: torn tail in ", path, " at offset ", pos,
                                                 ": truncated ", left, " bytes"));
        if (repair && ::truncate(path.c_str(), static_cast<off_t>(pos)) != 0) {
          return ErrnoStatus(absl::StrCat("truncate ", path), errno);
        }
        return absl::OkStatus();
      }
      if (bad) {
        stop_ = true;
        report_->corruption = true;
        report_->damaged_file = path;
        report_->damaged_offset = pos;
        report_->damaged_bytes += left;
        report_->records_lost_estimate += CountRecords(data.substr(pos), true);
        if (!repair) {
          report_->warnings.push_back(
              absl::StrCat("wal: corrupt checkpoint file ", path, " at offset ", pos));
          return absl::OkStatus();
        }
        std::error_code ec;
        fs::create_directories(dir_ + "/damaged", ec);
        std::string aside = absl::StrCat(dir_, "/damaged/", fs::path(path).filename().string(),
                                         ".from-", pos);
        FILE* f = std::fopen(aside.c_str(), "wb");
        if (f == nullptr) return ErrnoStatus(absl::StrCat("create ", aside), errno);
        bool ok = std::fwrite(data.data() + pos, 1, left, f) == left;
        ok = (std::fclose(f) == 0) && ok;
        if (!ok) return absl::InternalError(absl::StrCat("wal: cannot write ", aside));
        if (::truncate(path.c_str(), static_cast<off_t>(pos)) != 0) {
          return ErrnoStatus(absl::StrCat("truncate ", path), errno);
        }
        return absl::OkStatus();
      }
      pos += kHeader + len;
      ++report_->records;
    }
    return absl::OkStatus();
  }

  absl::Status Decode(std::string_view payload) {
    auto type = static_cast<WalRecordType>(static_cast<uint8_t>(payload[0]));
    if (cur_ && cur_->type != type) Flush();
    if (!cur_) {
      cur_.emplace();
      cur_->type = type;
    }
    absl::Status st;
    switch (type) {
      case WalRecordType::kSeries: {
        size_t before = cur_->series.size();
        st = DecodeSeriesRecord(payload, &cur_->series);
        if (!st.ok()) cur_->series.resize(before);
        break;
      }
      case WalRecordType::kSamples: {
        size_t before = cur_->samples.size();
        st = DecodeSamplesRecord(payload, &cur_->samples);
        if (!st.ok()) cur_->samples.resize(before);
        break;
      }
      case WalRecordType::kTombstones: {
        size_t before = cur_->tombstones.size();
        st = DecodeTombstonesRecord(payload, &cur_->tombstones);
        if (!st.ok()) cur_->tombstones.resize(before);
        break;
      }
      default:
        st = absl::DataLossError("wal: unknown record type");
    }
    if (cur_->series.size() + cur_->samples.size() + cur_->tombstones.size() >= (1u << 18)) {
      Flush();
    }
    return st;
  }

  void Flush() {
    if (!cur_) return;
    report_->series += cur_->series.size();
    report_->samples += cur_->samples.size();
    report_->tombstones += cur_->tombstones.size();
    q_->Push(std::move(*cur_));
    cur_.reset();
  }

  void MoveAside(const std::vector<int>& segs) {
    if (segs.empty()) return;
    std::error_code ec;
    fs::create_directories(dir_ + "/damaged", ec);
    for (int n : segs) {
      fs::rename(absl::StrCat(dir_, "/", WalSegmentName(n)),
                 absl::StrCat(dir_, "/damaged/", WalSegmentName(n)), ec);
    }
  }

  std::string dir_;
  BatchQueue* q_;
  WalReplayReport* report_;
  std::optional<ReplayBatch> cur_;
  bool stop_ = false;
};

}  // namespace

std::string WalSegmentName(int n) { return absl::StrFormat("%08d", n); }

absl::StatusOr<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, WalOptions opts) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("wal: create ", dir, ": ", ec.message()));
  auto wal = std::unique_ptr<Wal>(new Wal(dir, opts));
  std::vector<int> segs = ListSegments(dir);
  int next = segs.empty() ? std::max(1, LatestCheckpoint(dir, true) + 1) : segs.back() + 1;
  std::lock_guard<std::mutex> l(wal->mu_);
  if (auto st = wal->OpenSegmentLocked(next); !st.ok()) return st;
  return wal;
}

Wal::~Wal() {
  if (fd_ >= 0) {
    if (opts_.fsync_on_commit) ::fdatasync(fd_);
    ::close(fd_);
  }
}

absl::Status Wal::OpenSegmentLocked(int n) {
  std::string path = absl::StrCat(dir_, "/", WalSegmentName(n));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(absl::StrCat("wal: create segment ", path), errno);
  if (fd_ >= 0) {
    ::fdatasync(fd_);  // a finished segment is always flushed
    ::close(fd_);
  }
  fd_ = fd;
  segment_ = n;
  struct stat st;
  offset_ = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  FsyncDir(dir_);
  metrics_.segments_created.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status Wal::WriteLocked(const std::string& buf) {
  if (fd_ < 0) return absl::FailedPreconditionError("wal: closed");
  if (offset_ > 0 && offset_ + buf.size() > opts_.segment_size) {
    if (auto st = OpenSegmentLocked(segment_ + 1); !st.ok()) {
      metrics_.write_failures.fetch_add(1, std::memory_order_relaxed);
      return st;
    }
  }
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t w = ::write(fd_, buf.data() + done, buf.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int err = w < 0 ? errno : ENOSPC;
      const std::string failed = absl::StrCat(dir_, "/", WalSegmentName(segment_));
      metrics_.write_failures.fetch_add(1, std::memory_order_relaxed);
      // Cut the partial batch off so the segment stays a sequence of whole records; if even
      // that fails the next write (O_APPEND) would follow garbage, so start a new segment.
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(offset_)) != 0) {
        ::close(fd_);
        fd_ = -1;
        (void)OpenSegmentLocked(segment_ + 1);
      }
      return ErrnoStatus(absl::StrCat("wal: write of ", buf.size(), " bytes to segment ", failed),
                         err);
    }
    done += static_cast<size_t>(w);
  }
  if (opts_.fsync_on_commit && ::fdatasync(fd_) != 0) {
    int err = errno;
    metrics_.write_failures.fetch_add(1, std::memory_order_relaxed);
    return ErrnoStatus(absl::StrCat("wal: fdatasync segment ", WalSegmentName(segment_)), err);
  }
  offset_ += buf.size();
  metrics_.bytes_written.fetch_add(buf.size(), std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status Wal::Log(absl::Span<const RefSeries> new_series,
                      absl::Span<const RefSample> samples) {
  if (new_series.empty() && samples.empty()) return absl::OkStatus();
  std::string buf, payload;
  uint64_t records = 0;
  for (size_t i = 0; i < new_series.size(); i += 4096) {
    payload.clear();
    EncodeSeriesRecord(new_series.subspan(i, 4096), &payload);
    AppendFramedRecord(payload, &buf);
    ++records;
  }
  for (size_t i = 0; i < samples.size(); i += kMaxSamplesPerRecord) {
    payload.clear();
    EncodeSamplesRecord(samples.subspan(i, kMaxSamplesPerRecord), &payload);
    AppendFramedRecord(payload, &buf);
    ++records;
  }
  std::lock_guard<std::mutex> l(mu_);
  auto st = WriteLocked(buf);
  if (st.ok()) metrics_.records_written.fetch_add(records, std::memory_order_relaxed);
  return st;
}

absl::Status Wal::LogTombstones(absl::Span<const WalTombstone> tombstones) {
  if (tombstones.empty()) return absl::OkStatus();
  std::string payload, buf;
  EncodeTombstonesRecord(tombstones, &payload);
  AppendFramedRecord(payload, &buf);
  std::lock_guard<std::mutex> l(mu_);
  return WriteLocked(buf);
}

absl::Status Wal::Sync() {
  std::lock_guard<std::mutex> l(mu_);
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) return ErrnoStatus("wal: fdatasync", errno);
  return absl::OkStatus();
}

absl::StatusOr<int> Wal::CutSegment() {
  std::lock_guard<std::mutex> l(mu_);
  int closed = segment_;
  if (auto st = OpenSegmentLocked(segment_ + 1); !st.ok()) return st;
  return closed;
}

int Wal::CurrentSegment() const {
  std::lock_guard<std::mutex> l(mu_);
  return segment_;
}

namespace {

// Collects the kept records of a checkpoint in memory (series, then samples, then tombstones).
class CheckpointFilter : public WalReplayHandler {
 public:
  CheckpointFilter(const std::function<bool(SeriesRef)>& keep, int64_t mint)
      : keep_(keep), mint_(mint) {}
  void OnSeries(absl::Span<const RefSeries> s) override {
    for (const auto& x : s) {
      if (keep_(x.ref)) series.push_back(x);
    }
  }
  void OnSamples(absl::Span<const RefSample> s) override {
    for (const auto& x : s) {
      if (x.t >= mint_ && keep_(x.ref)) samples.push_back(x);
    }
  }
  void OnTombstones(absl::Span<const WalTombstone> t) override {
    for (const auto& x : t) {
      if (keep_(x.ref)) tombstones.push_back(x);
    }
  }
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<WalTombstone> tombstones;

 private:
  const std::function<bool(SeriesRef)>& keep_;
  int64_t mint_;
};

// Reads one complete log directory (checkpoint + segments <= upto) without repairing.
absl::Status ReadRange(const std::string& dir, int upto, WalReplayHandler* h) {
  int cp = LatestCheckpoint(dir, false);
  std::vector<std::string> files;
  if (cp >= 0) {
    std::string cpdir = absl::StrCat(dir, "/", CheckpointName(cp));
    for (int n : ListSegments(cpdir)) files.push_back(absl::StrCat(cpdir, "/", WalSegmentName(n)));
  }
  for (int n : ListSegments(dir)) {
    if (n > cp && n <= upto) files.push_back(absl::StrCat(dir, "/", WalSegmentName(n)));
  }
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<WalTombstone> tombstones;
  for (const auto& path : files) {
    auto mf = MappedFile::Open(path);
    if (!mf.ok()) return mf.status();
    std::string_view data = (*mf)->view();
    size_t pos = 0;
    while (data.size() - pos >= kHeader) {
      uint32_t len = GetFixed32(data.data() + pos);
      uint32_t crc = GetFixed32(data.data() + pos + 4);
      if (len == 0 || len > data.size() - pos - kHeader) break;
      std::string_view payload = data.substr(pos + kHeader, len);
      if (Crc32c(payload) != crc) {
        return absl::DataLossError(absl::StrCat("wal: checkpoint: bad record in ", path,
                                                " at offset ", pos));
      }
      series.clear();
      samples.clear();
      tombstones.clear();
      switch (static_cast<WalRecordType>(static_cast<uint8_t>(payload[0]))) {
        case WalRecordType::kSeries:
          if (DecodeSeriesRecord(payload, &series).ok()) h->OnSeries(series);
          break;
        case WalRecordType::kSamples:
          if (DecodeSamplesRecord(payload, &samples).ok()) h->OnSamples(samples);
          break;
        case WalRecordType::kTombstones:
          if (DecodeTombstonesRecord(payload, &tombstones).ok()) h->OnTombstones(tombstones);
          break;
      }
      pos += kHeader + len;
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFileDurably(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(absl::StrCat("create ", path), errno);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::write(fd, data.data() + done, data.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = w < 0 ? errno : ENOSPC;
      ::close(fd);
      return ErrnoStatus(absl::StrCat("write ", path), e);
    }
    done += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    return ErrnoStatus(absl::StrCat("fsync ", path), e);
  }
  ::close(fd);
  return absl::OkStatus();
}

}  // namespace

absl::Status Wal::Checkpoint(int upto, const std::function<bool(SeriesRef)>& keep, int64_t mint) {
  if (upto >= CurrentSegment()) {
    return absl::InvalidArgumentError("wal: checkpoint must end before the current segment");
  }
  CheckpointFilter filter(keep, mint);
  if (auto st = ReadRange(dir_, upto, &filter); !st.ok()) return st;
  std::string buf, payload;
  for (size_t i = 0; i < filter.series.size(); i += 4096) {
    payload.clear();
    EncodeSeriesRecord(absl::MakeConstSpan(filter.series).subspan(i, 4096), &payload);
    AppendFramedRecord(payload, &buf);
  }
  for (size_t i = 0; i < filter.samples.size(); i += kMaxSamplesPerRecord) {
    payload.clear();
    EncodeSamplesRecord(absl::MakeConstSpan(filter.samples).subspan(i, kMaxSamplesPerRecord),
                        &payload);
    AppendFramedRecord(payload, &buf);
  }
  if (!filter.tombstones.empty()) {
    payload.clear();
    EncodeTombstonesRecord(filter.tombstones, &payload);
    AppendFramedRecord(payload, &buf);
  }
  std::string final_dir = absl::StrCat(dir_, "/", CheckpointName(upto));
  std::string tmp_dir = final_dir + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp_dir, ec);
  fs::create_directories(tmp_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("wal: create ", tmp_dir, ": ", ec.message()));
  if (auto st = WriteFileDurably(tmp_dir + "/" + WalSegmentName(0), buf); !st.ok()) {
    fs::remove_all(tmp_dir, ec);
    return st;
  }
  FsyncDir(tmp_dir);
  fs::remove_all(final_dir, ec);
  fs::rename(tmp_dir, final_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("wal: rename checkpoint: ", ec.message()));
  FsyncDir(dir_);
  // Now obsolete: segments <= upto and older checkpoints.
  for (int n : ListSegments(dir_)) {
    if (n <= upto) fs::remove(absl::StrCat(dir_, "/", WalSegmentName(n)), ec);
  }
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(kCheckpointPrefix, 0) == 0 && name != CheckpointName(upto)) {
      fs::remove_all(e.path(), ec);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<WalReplayReport> ReadWal(const std::string& dir, WalReplayHandler* handler) {
  WalReplayReport report;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return report;
  BatchQueue queue;
  absl::Status scan_status;
  std::thread scanner([&] {
    WalScanner s(dir, &queue, &report);
    scan_status = s.Run();
    queue.Close();
  });
  while (auto b = queue.Pop()) {
    switch (b->type) {
      case WalRecordType::kSeries:
        handler->OnSeries(b->series);
        break;
      case WalRecordType::kSamples:
        handler->OnSamples(b->samples);
        break;
      case WalRecordType::kTombstones:
        handler->OnTombstones(b->tombstones);
        break;
    }
  }
  scanner.join();
  if (!scan_status.ok()) return scan_status;
  return report;
}

}  // namespace promlet::tsdb
