#include "tsdb/wlog/reader.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/varint.h"
#include "tsdb/wlog/segments.h"
#include "tsdb/wlog/wal_histogram_records.h"
#include "tsdb/wlog/writer.h"

namespace promlet::tsdb {
namespace fs = std::filesystem;
using namespace wlog_internal;
namespace {

// A decoded run of same-typed records handed from the decoding thread to the applying one.
struct ReplayBatch {
  WalRecordType type;
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<WalTombstone> tombstones;
  std::vector<RefHistogramSample> histograms;
  std::vector<RefStartTimestamp> sts;
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

// The decoding side of replay: walks files, checks frames, decodes, reports damage.
class WalScanner {
 public:
  WalScanner(std::string dir, BatchQueue* q, WalReplayReport* report)
      : dir_(std::move(dir)), q_(q), report_(report) {}

  absl::Status Run() {
    int cp = LatestCheckpoint(dir_, /*clean_tmp=*/false);
    if (cp >= 0) {
      std::string cpdir = absl::StrCat(dir_, "/", CheckpointName(cp));
      for (int n : ListSegments(cpdir)) {
        auto st = ScanFile(absl::StrCat(cpdir, "/", WalSegmentName(n)), /*last=*/false,
                           /*in_checkpoint=*/true);
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
        report_->warnings.push_back(absl::StrCat("wal: segment gap after ",
                                                 WalSegmentName(todo[i - 1]),
                                                 "; later segments not replayed"));
        for (size_t j = i; j < todo.size(); ++j) {
          report_->after_gap.push_back(absl::StrCat(dir_, "/", WalSegmentName(todo[j])));
        }
        break;
      }
      std::string path = absl::StrCat(dir_, "/", WalSegmentName(todo[i]));
      auto st = ScanFile(path, /*last=*/i + 1 == todo.size(), /*in_checkpoint=*/false);
      if (!st.ok()) return st;
      ++report_->segments;
      // A damaged segment keeps the records before the damage; later segments still replay
      // (samples of series whose records were lost are dropped by the head).
      stop_ = false;
    }
    Flush();
    return absl::OkStatus();
  }

 private:
  absl::Status ScanFile(const std::string& path, bool last, bool in_checkpoint) {
    auto mf = MappedFile::Open(path);
    if (!mf.ok()) return mf.status();
    std::string_view data = (*mf)->view();
    size_t pos = 0;
    while (pos < data.size()) {
      const size_t left = data.size() - pos;
      bool incomplete = false, bad = false;
      uint32_t len = 0;
      if (left < kHeader) {
        incomplete = true;
      } else {
        len = GetFixed32(data.data() + pos);
        uint32_t crc = GetFixed32(data.data() + pos + 4);
        if (len == 0 && std::all_of(data.begin() + pos, data.end(), [](char c) { return c == 0; })) {
          incomplete = true;  // zero padding after a power loss: pages never written
        } else if (len > left - kHeader) {
          incomplete = true;
        } else if (len == 0 || Crc32c(data.data() + pos + kHeader, len) != crc ||
                   !Decode(data.substr(pos + kHeader, len)).ok()) {
          bad = true;
        }
      }
      // A torn tail is only an incomplete last record of the last segment: when a well-framed
      // record follows, the "incomplete" one is a damaged header (e.g. at offset 0).
      if (incomplete && last && !RecordFollows(data, pos)) {
        report_->torn_tail = true;
        report_->warnings.push_back(absl::StrCat("wal: torn tail in ", path, " at offset ", pos,
                                                 ": ", left, " bytes of an incomplete record"));
        report_->damage.push_back(WalDamage{path, pos, /*torn=*/true, in_checkpoint});
        return absl::OkStatus();
      }
      if (incomplete || bad) {
        stop_ = true;
        report_->corruption = true;
        ++report_->damaged_segments;
        report_->damaged_file = path;
        report_->damaged_offset = pos;
        report_->damaged_bytes += left;
        const uint64_t lost = CountRecords(data.substr(pos), true);
        report_->records_lost_estimate += lost;
        report_->damage.push_back(WalDamage{path, pos, /*torn=*/false, in_checkpoint});
        report_->warnings.push_back(absl::StrCat(
            in_checkpoint ? "wal: corrupt checkpoint file " : "wal: checksum/framing failure in ",
            path, " at offset ", pos, ": ", left, " bytes (about ", lost,
            " records) after it not replayed"));
        return absl::OkStatus();
      }
      pos += kHeader + len;
      ++report_->records;
    }
    return absl::OkStatus();
  }

  // Whether a well-framed record (plausible length, matching checksum, known type) starts
  // anywhere after pos. Runs only on a damaged tail.
  static bool RecordFollows(std::string_view data, size_t pos) {
    for (size_t p = pos + 1; p + kHeader < data.size(); ++p) {
      uint32_t len = GetFixed32(data.data() + p);
      if (len == 0 || len > data.size() - p - kHeader) continue;
      if (!IsKnownWalRecordType(static_cast<uint8_t>(data[p + kHeader]))) continue;
      if (Crc32c(data.data() + p + kHeader, len) == GetFixed32(data.data() + p + 4)) return true;
    }
    return false;
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
      case WalRecordType::kHistogramSamples:
        st = DecodeHistogramSamplesRecord(payload, &cur_->histograms);  // all or nothing
        break;
      case WalRecordType::kFloatHistogramSamples:
        st = DecodeFloatHistogramSamplesRecord(payload, &cur_->histograms);
        break;
      case WalRecordType::kStartTimestamps: {
        size_t before = cur_->sts.size();
        st = DecodeStartTimestampsRecord(payload, &cur_->sts);
        if (!st.ok()) cur_->sts.resize(before);
        break;
      }
      default:
        st = absl::DataLossError("wal: unknown record type");
    }
    if (cur_->series.size() + cur_->samples.size() + cur_->tombstones.size() + cur_->sts.size() +
            16 * cur_->histograms.size() >=
        (1u << 18)) {
      Flush();
    }
    return st;
  }

  void Flush() {
    if (!cur_) return;
    report_->series += cur_->series.size();
    report_->samples += cur_->samples.size();
    report_->tombstones += cur_->tombstones.size();
    report_->histogram_samples += cur_->histograms.size();
    report_->start_timestamps += cur_->sts.size();
    q_->Push(std::move(*cur_));
    cur_.reset();
  }

  std::string dir_;
  BatchQueue* q_;
  WalReplayReport* report_;
  std::optional<ReplayBatch> cur_;
  bool stop_ = false;
};

}  // namespace

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
      case WalRecordType::kHistogramSamples:
      case WalRecordType::kFloatHistogramSamples:
        handler->OnHistograms(b->histograms);
        break;
      case WalRecordType::kStartTimestamps:
        handler->OnStartTimestamps(b->sts);
        break;
    }
  }
  scanner.join();
  if (!scan_status.ok()) return scan_status;
  return report;
}

}  // namespace promlet::tsdb
