// MemStorage: a minimal in-memory Appendable for scrape tests. Records committed samples per
// series (floats and native histograms separately), enforces Prometheus' in-order rules at
// Append time (out of order, duplicate with a different value; one timeline per series across
// both kinds), validates histograms as the head does, turns a float stale marker appended to a
// histogram series into a histogram stale marker (sum = StaleNaN) as Prometheus' head does, and
// counts commits and rollbacks so tests can see batch behaviour.
#ifndef PROMLET_TESTS_SCRAPE_LOOP_MEM_STORAGE_H_
#define PROMLET_TESTS_SCRAPE_LOOP_MEM_STORAGE_H_

#include <bit>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "model/value.h"
#include "storage/interface.h"

namespace promlet::scrape::testing {

class MemStorage : public storage::Appendable {
 public:
  // A native-histogram sample: exactly one of h and fh is set.
  struct HistogramSample {
    int64_t t = 0;
    std::optional<model::histogram::Histogram> h;
    std::optional<model::histogram::FloatHistogram> fh;
    bool IsStale() const { return model::IsStaleNaN(h ? h->sum : fh->sum); }
  };
  struct Series;

  std::unique_ptr<storage::Appender> NewAppender() override {
    return std::make_unique<App>(this);
  }

  // Copy of all series, by labels.
  std::map<model::Labels, std::vector<storage::Sample>> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<model::Labels, std::vector<storage::Sample>> out;
    for (const auto& s : series_) out[s.labels] = s.samples;
    return out;
  }
  std::vector<HistogramSample> Histograms(const model::Labels& l) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_labels_.find(l);
    if (it == by_labels_.end()) return {};
    return series_[it->second - 1].histograms;
  }
  std::vector<storage::Sample> Samples(const model::Labels& l) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_labels_.find(l);
    if (it == by_labels_.end()) return {};
    return series_[it->second - 1].samples;
  }
  int commits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return commits_;
  }
  int rollbacks() const {
    std::lock_guard<std::mutex> lock(mu_);
    return rollbacks_;
  }
  uint64_t label_lookups() const {
    std::lock_guard<std::mutex> lock(mu_);
    return label_lookups_;
  }

 private:
  struct Pending {
    storage::SeriesRef ref;
    storage::Sample s;
    std::optional<HistogramSample> hs;  // set for a histogram sample
  };

 public:
  struct Series {
    model::Labels labels;
    std::vector<storage::Sample> samples;
    std::vector<HistogramSample> histograms;
    std::optional<Pending> last;  // the last committed sample (either kind)
  };

 private:
  class App : public storage::Appender {
   public:
    explicit App(MemStorage* st) : st_(st) {}
    absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef ref, const model::Labels& labels,
                                           int64_t t, double v) override {
      std::lock_guard<std::mutex> lock(st_->mu_);
      ref = Resolve(ref, labels);
      const Pending* last = Last(ref);
      if (model::IsStaleNaN(v) && last != nullptr && last->hs.has_value()) {
        // The head's rule: a float stale marker on a histogram series is a histogram marker.
        HistogramSample hs;
        hs.t = t;
        if (last->hs->h) {
          hs.h = model::histogram::Histogram();
          hs.h->sum = v;
        } else {
          hs.fh = model::histogram::FloatHistogram();
          hs.fh->sum = v;
        }
        return AddHistogram(ref, std::move(hs), last);
      }
      if (last != nullptr) {
        if (t < last->s.t) return storage::ErrOutOfOrderSample();
        if (t == last->s.t) {
          if (last->hs.has_value() ||
              std::bit_cast<uint64_t>(v) != std::bit_cast<uint64_t>(last->s.v)) {
            return storage::ErrDuplicateSample();
          }
          return ref;  // identical: ignored
        }
      }
      pending_.push_back({ref, {t, v}, std::nullopt});
      return ref;
    }
    absl::StatusOr<storage::SeriesRef> AppendHistogram(
        storage::SeriesRef ref, const model::Labels& labels, int64_t t,
        const model::histogram::Histogram* h,
        const model::histogram::FloatHistogram* fh) override {
      HistogramSample hs;
      hs.t = t;
      if (h != nullptr) {
        if (!model::IsStaleNaN(h->sum)) {
          if (auto st = h->Validate(); !st.ok()) return st;
        }
        hs.h = h->Copy();
      } else {
        if (!model::IsStaleNaN(fh->sum)) {
          if (auto st = fh->Validate(); !st.ok()) return st;
        }
        hs.fh = fh->Copy();
      }
      std::lock_guard<std::mutex> lock(st_->mu_);
      ref = Resolve(ref, labels);
      return AddHistogram(ref, std::move(hs), Last(ref));
    }
    absl::Status Commit() override {
      std::lock_guard<std::mutex> lock(st_->mu_);
      for (const auto& p : pending_) {
        Series& series = st_->series_[p.ref - 1];
        if (p.hs.has_value()) {
          series.histograms.push_back(*p.hs);
        } else {
          series.samples.push_back(p.s);
        }
        series.last = p;
      }
      ++st_->commits_;
      return absl::OkStatus();
    }
    void Rollback() override {
      std::lock_guard<std::mutex> lock(st_->mu_);
      ++st_->rollbacks_;
      pending_.clear();
    }

   private:
    storage::SeriesRef Resolve(storage::SeriesRef ref, const model::Labels& labels) {
      if (ref == 0 || ref > st_->series_.size()) {
        ++st_->label_lookups_;
        auto it = st_->by_labels_.find(labels);
        if (it == st_->by_labels_.end()) {
          st_->series_.push_back({labels, {}, {}, std::nullopt});
          it = st_->by_labels_.emplace(labels, st_->series_.size()).first;
        }
        ref = it->second;
      }
      return ref;
    }
    // The series' last sample: pending in this batch, else committed (nullptr: none).
    const Pending* Last(storage::SeriesRef ref) const {
      const Pending* last = nullptr;
      const auto& committed = st_->series_[ref - 1].last;
      if (committed.has_value()) last = &*committed;
      for (const auto& p : pending_) {
        if (p.ref == ref) last = &p;
      }
      return last;
    }
    absl::StatusOr<storage::SeriesRef> AddHistogram(storage::SeriesRef ref, HistogramSample hs,
                                                    const Pending* last) {
      if (last != nullptr) {
        if (hs.t < last->s.t) return storage::ErrOutOfOrderSample();
        if (hs.t == last->s.t) {
          const bool same = last->hs.has_value() &&
                            ((hs.h && last->hs->h && hs.h->Equals(*last->hs->h)) ||
                             (hs.fh && last->hs->fh && hs.fh->Equals(*last->hs->fh)));
          if (!same) return storage::ErrDuplicateSample();
          return ref;
        }
      }
      Pending p{ref, {hs.t, 0}, std::move(hs)};
      pending_.push_back(std::move(p));
      return ref;
    }

    MemStorage* st_;
    std::vector<Pending> pending_;
  };

  mutable std::mutex mu_;
  std::vector<Series> series_;  // ref = index + 1
  std::map<model::Labels, storage::SeriesRef> by_labels_;
  int commits_ = 0;
  int rollbacks_ = 0;
  uint64_t label_lookups_ = 0;
};

}  // namespace promlet::scrape::testing

#endif  // PROMLET_TESTS_SCRAPE_LOOP_MEM_STORAGE_H_
