#include "tsdb/wlog/writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/container/flat_hash_map.h"
#include "tsdb/wlog/segments.h"
#include "tsdb/wlog/wal_histogram_records.h"

namespace promlet::tsdb {
namespace fs = std::filesystem;
using namespace wlog_internal;

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
  return LogFloats(std::string(), 0, new_series, samples);
}

absl::Status Wal::LogFloats(std::string buf, uint64_t records,
                            absl::Span<const RefSeries> new_series,
                            absl::Span<const RefSample> samples) {
  std::string payload;
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

namespace {

// Frames `samples` as float sample records into buf; returns the record count.
uint64_t FrameSamples(absl::Span<const RefSample> samples, size_t per_record, std::string* buf) {
  std::string payload;
  uint64_t records = 0;
  for (size_t i = 0; i < samples.size(); i += per_record) {
    payload.clear();
    EncodeSamplesRecord(samples.subspan(i, per_record), &payload);
    AppendFramedRecord(payload, buf);
    ++records;
  }
  return records;
}

// Frames histogram samples of one kind (all integer or all float) into buf.
uint64_t FrameHistograms(absl::Span<const RefHistogramSample> samples, size_t per_record,
                         std::string* buf) {
  std::string payload;
  uint64_t records = 0;
  for (size_t i = 0; i < samples.size(); i += per_record) {
    payload.clear();
    absl::Span<const RefHistogramSample> part = samples.subspan(i, per_record);
    if (part.front().h != nullptr) {
      EncodeHistogramSamplesRecord(part, &payload);
    } else {
      EncodeFloatHistogramSamplesRecord(part, &payload);
    }
    AppendFramedRecord(payload, buf);
    ++records;
  }
  return records;
}

}  // namespace

absl::Status Wal::LogBatchWithST(absl::Span<const RefSeries> new_series,
                                 absl::Span<const RefSample> samples,
                                 absl::Span<const RefHistogramSample> histograms,
                                 absl::Span<const RefStartTimestamp> sts) {
  // The ST records go first, in the batch's one write: replay holds each ST until its sample.
  std::string buf, payload;
  uint64_t records = 0;
  for (size_t i = 0; i < sts.size(); i += kMaxSamplesPerRecord) {
    payload.clear();
    EncodeStartTimestampsRecord(sts.subspan(i, kMaxSamplesPerRecord), &payload);
    AppendFramedRecord(payload, &buf);
    ++records;
  }
  return LogMixed(std::move(buf), records, new_series, samples, histograms);
}

absl::Status Wal::LogBatch(absl::Span<const RefSeries> new_series,
                           absl::Span<const RefSample> samples,
                           absl::Span<const RefHistogramSample> histograms) {
  if (histograms.empty()) return Log(new_series, samples);
  return LogMixed(std::string(), 0, new_series, samples, histograms);
}

absl::Status Wal::LogMixed(std::string buf, uint64_t records,
                           absl::Span<const RefSeries> new_series,
                           absl::Span<const RefSample> samples,
                           absl::Span<const RefHistogramSample> histograms) {
  if (histograms.empty()) return LogFloats(std::move(buf), records, new_series, samples);
  std::string payload;
  for (size_t i = 0; i < new_series.size(); i += 4096) {
    payload.clear();
    EncodeSeriesRecord(new_series.subspan(i, 4096), &payload);
    AppendFramedRecord(payload, &buf);
    ++records;
  }
  // Replay applies records in log order, so a series whose samples change type within the
  // batch must see them in time order: write the batch as runs of one kind, in time order (a
  // series' samples are in time order, so this keeps each series' order). Batches without such
  // a series (the usual case) go kind by kind.
  enum Kind : uint8_t { kFloat, kInt, kFloatHist };
  struct Item {
    int64_t t;
    Kind kind;
    uint32_t index;
  };
  std::vector<Item> items;
  items.reserve(samples.size() + histograms.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    items.push_back({samples[i].t, kFloat, static_cast<uint32_t>(i)});
  }
  for (size_t i = 0; i < histograms.size(); ++i) {
    items.push_back({histograms[i].t, histograms[i].h ? kInt : kFloatHist, static_cast<uint32_t>(i)});
  }
  absl::flat_hash_map<storage::SeriesRef, Kind> kind_of;
  bool mixed = false;
  for (const Item& it : items) {
    const storage::SeriesRef ref =
        it.kind == kFloat ? samples[it.index].ref : histograms[it.index].ref;
    auto [pos, fresh] = kind_of.emplace(ref, it.kind);
    if (!fresh && pos->second != it.kind) {
      mixed = true;
      break;
    }
  }
  if (mixed) {
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.t < b.t; });
  } else {
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.kind < b.kind; });
  }
  std::vector<RefSample> run_f;
  std::vector<RefHistogramSample> run_h;
  auto flush = [&] {
    records += FrameSamples(run_f, kMaxSamplesPerRecord, &buf);
    records += FrameHistograms(run_h, kMaxSamplesPerRecord, &buf);
    run_f.clear();
    run_h.clear();
  };
  Kind cur = items.front().kind;
  for (const Item& it : items) {
    if (it.kind != cur) {
      flush();
      cur = it.kind;
    }
    if (it.kind == kFloat) {
      run_f.push_back(samples[it.index]);
    } else {
      run_h.push_back(histograms[it.index]);
    }
  }
  flush();
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

}  // namespace promlet::tsdb
