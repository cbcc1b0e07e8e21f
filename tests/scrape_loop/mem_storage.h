// MemStorage: a minimal in-memory Appendable for scrape tests. Records committed samples per
// series, enforces Prometheus' in-order rules at Append time (out of order, duplicate with a
// different value), and counts commits and rollbacks so tests can see batch behaviour.
#ifndef PROMLET_TESTS_SCRAPE_LOOP_MEM_STORAGE_H_
#define PROMLET_TESTS_SCRAPE_LOOP_MEM_STORAGE_H_

#include <bit>
#include <cmath>
#include <map>
#include <mutex>
#include <vector>

#include "storage/interface.h"

namespace promlet::scrape::testing {

class MemStorage : public storage::Appendable {
 public:
  struct Series {
    model::Labels labels;
    std::vector<storage::Sample> samples;
  };

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
  };
  class App : public storage::Appender {
   public:
    explicit App(MemStorage* st) : st_(st) {}
    absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef ref, const model::Labels& labels,
                                           int64_t t, double v) override {
      std::lock_guard<std::mutex> lock(st_->mu_);
      if (ref == 0 || ref > st_->series_.size()) {
        ++st_->label_lookups_;
        auto it = st_->by_labels_.find(labels);
        if (it == st_->by_labels_.end()) {
          st_->series_.push_back({labels, {}});
          it = st_->by_labels_.emplace(labels, st_->series_.size()).first;
        }
        ref = it->second;
      }
      // Last timestamp: pending in this batch, else committed.
      const Series& s = st_->series_[ref - 1];
      const storage::Sample* last = s.samples.empty() ? nullptr : &s.samples.back();
      for (const auto& p : pending_) {
        if (p.ref == ref) last = &p.s;
      }
      if (last != nullptr) {
        if (t < last->t) return storage::ErrOutOfOrderSample();
        if (t == last->t) {
          if (std::bit_cast<uint64_t>(v) != std::bit_cast<uint64_t>(last->v)) {
            return storage::ErrDuplicateSample();
          }
          return ref;  // identical: ignored
        }
      }
      pending_.push_back({ref, {t, v}});
      return ref;
    }
    absl::Status Commit() override {
      std::lock_guard<std::mutex> lock(st_->mu_);
      for (const auto& p : pending_) st_->series_[p.ref - 1].samples.push_back(p.s);
      ++st_->commits_;
      return absl::OkStatus();
    }
    void Rollback() override {
      std::lock_guard<std::mutex> lock(st_->mu_);
      ++st_->rollbacks_;
      pending_.clear();
    }

   private:
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
