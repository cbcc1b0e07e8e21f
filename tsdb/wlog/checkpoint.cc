#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <limits>

#include "absl/strings/str_cat.h"
#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/varint.h"
#include "tsdb/wlog/reader.h"
#include "tsdb/wlog/segments.h"
#include "tsdb/wlog/wal_histogram_records.h"
#include "tsdb/wlog/writer.h"

namespace promlet::tsdb {
namespace fs = std::filesystem;
using namespace wlog_internal;
namespace {

// Collects the kept records of a checkpoint in memory (series, then samples, then tombstones).
class CheckpointFilter : public WalReplayHandler {
 public:
  CheckpointFilter(const std::function<bool(storage::SeriesRef)>& keep, int64_t mint)
      : keep_(keep), mint_(mint) {}
  void OnSeries(absl::Span<const RefSeries> s) override {
    for (const auto& x : s) {
      if (keep_(x.ref)) series.push_back(x);
    }
  }
  void OnSamples(absl::Span<const RefSample> s) override {
    for (const auto& x : s) {
      if (x.t >= mint_ && keep_(x.ref)) Run(kFloatRun).samples.push_back(x);
    }
  }
  void OnTombstones(absl::Span<const WalTombstone> t) override {
    for (const auto& x : t) {
      if (keep_(x.ref)) tombstones.push_back(x);
    }
  }
  void OnHistograms(absl::Span<const RefHistogramSample> h) override {
    for (const auto& x : h) {
      if (x.t >= mint_ && keep_(x.ref)) {
        Run(x.h ? kHistogramRun : kFloatHistogramRun).histograms.push_back(x);
      }
    }
  }
  void OnStartTimestamps(absl::Span<const RefStartTimestamp> sts) override {
    for (const auto& x : sts) {
      if (x.t >= mint_ && keep_(x.ref)) Run(kStartTimestampRun).sts.push_back(x);
    }
  }
  enum RunKind { kFloatRun, kHistogramRun, kFloatHistogramRun, kStartTimestampRun };
  // Kept samples as runs of one kind in log order, so that a series whose samples change type
  // replays them in the same order from the checkpoint.
  struct SampleRun {
    RunKind kind;
    std::vector<RefSample> samples;
    std::vector<RefHistogramSample> histograms;
    std::vector<RefStartTimestamp> sts;  // before the samples they belong to
  };
  SampleRun& Run(RunKind k) {
    if (runs.empty() || runs.back().kind != k) runs.push_back(SampleRun{k, {}, {}, {}});
    return runs.back();
  }
  std::vector<RefSeries> series;
  std::vector<SampleRun> runs;
  std::vector<WalTombstone> tombstones;

 private:
  const std::function<bool(storage::SeriesRef)>& keep_;
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
  std::vector<RefHistogramSample> histograms;
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
        case WalRecordType::kHistogramSamples:
          histograms.clear();
          if (DecodeHistogramSamplesRecord(payload, &histograms).ok()) h->OnHistograms(histograms);
          break;
        case WalRecordType::kFloatHistogramSamples:
          histograms.clear();
          if (DecodeFloatHistogramSamplesRecord(payload, &histograms).ok()) {
            h->OnHistograms(histograms);
          }
          break;
        case WalRecordType::kStartTimestamps: {
          std::vector<RefStartTimestamp> sts;
          if (DecodeStartTimestampsRecord(payload, &sts).ok()) h->OnStartTimestamps(sts);
          break;
        }
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

absl::Status Wal::Checkpoint(int upto, const std::function<bool(storage::SeriesRef)>& keep, int64_t mint) {
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
  for (const auto& run : filter.runs) {
    for (size_t i = 0; i < run.sts.size(); i += kMaxSamplesPerRecord) {
      payload.clear();
      EncodeStartTimestampsRecord(absl::MakeConstSpan(run.sts).subspan(i, kMaxSamplesPerRecord),
                                  &payload);
      AppendFramedRecord(payload, &buf);
    }
    for (size_t i = 0; i < run.samples.size(); i += kMaxSamplesPerRecord) {
      payload.clear();
      EncodeSamplesRecord(absl::MakeConstSpan(run.samples).subspan(i, kMaxSamplesPerRecord),
                          &payload);
      AppendFramedRecord(payload, &buf);
    }
    for (size_t i = 0; i < run.histograms.size(); i += kMaxSamplesPerRecord) {
      payload.clear();
      auto part = absl::MakeConstSpan(run.histograms).subspan(i, kMaxSamplesPerRecord);
      if (run.kind == CheckpointFilter::kHistogramRun) {
        EncodeHistogramSamplesRecord(part, &payload);
      } else {
        EncodeFloatHistogramSamplesRecord(part, &payload);
      }
      AppendFramedRecord(payload, &buf);
    }
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
  // Now obsolete: segments <= upto that no reader needs any more, and older checkpoints.
  std::function<int()> keeper;
  {
    std::lock_guard<std::mutex> l(mu_);
    keeper = keeper_;
  }
  const int keep_from = keeper ? keeper() : std::numeric_limits<int>::max();
  for (int n : ListSegments(dir_)) {
    if (n <= upto && n < keep_from) fs::remove(absl::StrCat(dir_, "/", WalSegmentName(n)), ec);
  }
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(kCheckpointPrefix, 0) == 0 && name != CheckpointName(upto)) {
      fs::remove_all(e.path(), ec);
    }
  }
  return absl::OkStatus();
}

void Wal::SetSegmentKeeper(std::function<int()> first_needed) {
  std::lock_guard<std::mutex> l(mu_);
  keeper_ = std::move(first_needed);
}

}  // namespace promlet::tsdb
