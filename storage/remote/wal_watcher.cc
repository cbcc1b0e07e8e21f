#include "storage/remote/wal_watcher.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tsdb/wlog/tail.h"
#include "tsdb/wlog/wal_histogram_records.h"

namespace promlet::remote {
namespace {

constexpr size_t kReadBytes = 1 << 20;

// Modification time of a file in ms since the epoch, or INT64_MAX when unknown.
int64_t MtimeMs(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return INT64_MAX;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace

WalWatcher::WalWatcher(WalWatcherOptions options, WalSampleSink* sink)
    : options_(std::move(options)), sink_(sink) {}

WalWatcher::~WalWatcher() { Stop(); }

void WalWatcher::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void WalWatcher::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WalPosition WalWatcher::read_position() const {
  std::lock_guard<std::mutex> l(mu_);
  return pos_;
}

int64_t WalWatcher::Now() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void WalWatcher::Log(std::string_view msg) const {
  if (options_.log) options_.log(msg);
}

bool WalWatcher::Sleep(int64_t ms) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, std::chrono::milliseconds(ms), [&] { return stop_; });
  return !stop_;
}

bool WalWatcher::LoadSeriesBefore(WalPosition until) {
  tsdb::WalListing listing = tsdb::ListWalDir(options_.wal_dir);
  std::vector<tsdb::RefSeries> series;
  auto apply = [&](std::string_view payload) {
    if (payload.empty() ||
        static_cast<uint8_t>(payload[0]) != static_cast<uint8_t>(tsdb::WalRecordType::kSeries)) {
      return;
    }
    series.clear();
    if (tsdb::DecodeSeriesRecord(payload, &series).ok()) sink_->StoreSeries(series);
  };
  if (listing.checkpoint >= 0) {
    for (const std::string& f :
         tsdb::WalCheckpointFiles(tsdb::WalCheckpointPath(options_.wal_dir, listing.checkpoint))) {
      uint64_t off = 0;
      for (;;) {
        auto r = tsdb::ReadSegmentRecords(f, off, kReadBytes);
        if (!r.ok()) break;
        for (const auto& p : r->payloads) apply(p);
        off = r->offset;
        if (r->stop != tsdb::WalTailStop::kLimit) break;
      }
    }
  }
  for (int seg : listing.segments) {
    if (seg > until.segment) break;
    uint64_t off = 0;
    for (;;) {
      {
        std::lock_guard<std::mutex> l(mu_);
        if (stop_) return false;
      }
      auto r =
          tsdb::ReadSegmentRecords(tsdb::WalSegmentPath(options_.wal_dir, seg), off, kReadBytes);
      if (!r.ok()) break;
      bool done = false;
      for (size_t i = 0; i < r->payloads.size(); ++i) {
        if (seg == until.segment && r->ends[i] > until.offset) {
          done = true;
          break;
        }
        apply(r->payloads[i]);
      }
      off = r->offset;
      if (done || r->stop != tsdb::WalTailStop::kLimit) break;
    }
  }
  return true;
}

bool WalWatcher::ReadSegment(int seg, uint64_t* offset, bool series_only, bool drop_samples,
                             int* stop_kind) {
  const std::string path = tsdb::WalSegmentPath(options_.wal_dir, seg);
  std::vector<tsdb::RefSeries> series;
  std::vector<tsdb::RefSample> samples;
  std::vector<tsdb::RefHistogramSample> histograms;
  for (;;) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_) return false;
    }
    auto r = tsdb::ReadSegmentRecords(path, *offset, kReadBytes);
    if (!r.ok()) {
      *stop_kind = -1;  // gone (or unreadable)
      return true;
    }
    for (size_t i = 0; i < r->payloads.size(); ++i) {
      const std::string& p = r->payloads[i];
      const WalPosition end{seg, r->ends[i]};
      const auto type = static_cast<tsdb::WalRecordType>(static_cast<uint8_t>(p[0]));
      if (type == tsdb::WalRecordType::kSeries) {
        series.clear();
        if (tsdb::DecodeSeriesRecord(p, &series).ok()) sink_->StoreSeries(series);
      } else if (type == tsdb::WalRecordType::kSamples && !series_only) {
        samples.clear();
        if (!tsdb::DecodeSamplesRecord(p, &samples).ok()) {
          Log(absl::StrCat("undecodable samples record in WAL segment ", path, " ending at ",
                           end.offset, "; skipped"));
          samples.clear();
        }
        int64_t hi = highest_ts_.load(std::memory_order_relaxed);
        for (const auto& s : samples) hi = std::max(hi, s.t);
        highest_ts_.store(hi, std::memory_order_relaxed);
        if (drop_samples) {
          sink_->Dropped(samples.size());
          samples.clear();
        }
        if (!sink_->Append(samples, end)) return false;
      } else if ((type == tsdb::WalRecordType::kHistogramSamples ||
                  type == tsdb::WalRecordType::kFloatHistogramSamples) &&
                 options_.read_histograms && !series_only) {
        histograms.clear();
        const absl::Status st = type == tsdb::WalRecordType::kHistogramSamples
                                    ? tsdb::DecodeHistogramSamplesRecord(p, &histograms)
                                    : tsdb::DecodeFloatHistogramSamplesRecord(p, &histograms);
        if (!st.ok()) {
          Log(absl::StrCat("undecodable histogram samples record in WAL segment ", path,
                           " ending at ", end.offset, "; skipped"));
          histograms.clear();
        }
        int64_t hi = highest_ts_.load(std::memory_order_relaxed);
        for (const auto& s : histograms) hi = std::max(hi, s.t);
        highest_ts_.store(hi, std::memory_order_relaxed);
        if (drop_samples) {
          sink_->Dropped(histograms.size());
          histograms.clear();
        }
        if (!sink_->AppendHistograms(histograms, end)) return false;
      }
      *offset = end.offset;
      std::lock_guard<std::mutex> l(mu_);
      pos_ = end;
    }
    *offset = r->offset;
    if (r->stop != tsdb::WalTailStop::kLimit) {
      *stop_kind = static_cast<int>(r->stop);
      return true;
    }
  }
}

void WalWatcher::Run() {
  tsdb::WalListing listing = tsdb::ListWalDir(options_.wal_dir);
  WalPosition cur{-1, 0};
  if (options_.start) {
    cur = *options_.start;
    if (!LoadSeriesBefore(cur)) return;
  } else if (!listing.segments.empty()) {
    // A new queue starts at the WAL's end: read the series (only) of everything there is.
    if (!LoadSeriesBefore({listing.segments.back() - 1, UINT64_MAX})) return;
    const int last = listing.segments.back();
    uint64_t off = 0;
    int stop_kind = 0;
    if (!ReadSegment(last, &off, /*series_only=*/true, false, &stop_kind)) return;
    cur = {last, off};
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    pos_ = cur;
  }
  std::string logged_drop;
  while (true) {
    listing = tsdb::ListWalDir(options_.wal_dir);
    if (listing.segments.empty()) {
      if (!Sleep(options_.poll_interval_ms)) return;
      continue;
    }
    if (cur.segment < 0) cur = {listing.segments.front(), 0};
    auto it = std::lower_bound(listing.segments.begin(), listing.segments.end(), cur.segment);
    if (it == listing.segments.end() || *it != cur.segment) {
      if (it == listing.segments.end()) {
        if (!Sleep(options_.poll_interval_ms)) return;
        continue;
      }
      Log(absl::StrCat("WAL segments ", cur.segment, " to ", *it - 1,
                       " were removed before this queue sent them (older than "
                       "--storage.remote.max-retention, or the disk bound); their unsent samples "
                       "are lost"));
      cur = {*it, 0};
      if (!LoadSeriesBefore({cur.segment - 1, UINT64_MAX})) return;
      if (!sink_->Append({}, cur)) return;
      continue;
    }
    const bool later = it + 1 != listing.segments.end();
    const std::string path = tsdb::WalSegmentPath(options_.wal_dir, cur.segment);
    bool drop = false;
    if (later && options_.max_retention_ms >= 0 &&
        MtimeMs(path) < Now() - options_.max_retention_ms) {
      drop = true;
      if (logged_drop != path) {
        logged_drop = path;
        Log(absl::StrCat("WAL segment ", path,
                         " is older than --storage.remote.max-retention and was not sent yet: "
                         "dropping its samples (counted in "
                         "prometheus_remote_storage_samples_dropped_total)"));
      }
    }
    int stop_kind = 0;
    if (!ReadSegment(cur.segment, &cur.offset, false, drop, &stop_kind)) return;
    if (stop_kind == -1) continue;  // removed meanwhile: handled above
    if (!later) {
      if (!Sleep(options_.poll_interval_ms)) return;
      continue;
    }
    // The listing was taken before the read and showed a later segment: the writer had closed
    // this one, so everything in it has been read.
    if (stop_kind == static_cast<int>(tsdb::WalTailStop::kPartial)) {
      Log(absl::StrCat("damaged record in WAL segment ", path, " at offset ", cur.offset,
                       "; continuing with the next segment (the rest of this one is not sent)"));
    }
    cur = {*(it + 1), 0};
    if (!sink_->Append({}, cur)) return;
    std::lock_guard<std::mutex> l(mu_);
    pos_ = cur;
  }
}

}  // namespace promlet::remote
