// A tsdb::Appendable that records committed samples, for push tests. Rollback drops a batch.
// An Append of the labels in `refuse` fails (as an out-of-bounds sample would).
#ifndef PROMLET_TESTS_PUSH_RECORDING_STORAGE_H_
#define PROMLET_TESTS_PUSH_RECORDING_STORAGE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storage/interface.h"

namespace promlet::push {

class RecordingStorage : public storage::Appendable {
 public:
  struct Rec {
    model::Labels labels;
    int64_t t;
    double v;
    std::string histogram = "";  // String() of a native histogram sample ("" for floats)
  };
  std::unique_ptr<storage::Appender> NewAppender() override {
    class App : public storage::Appender {
     public:
      explicit App(RecordingStorage* s) : s_(s) {}
      absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef, const model::Labels& l, int64_t t,
                                             double v) override {
        if (l.ToString() == s_->refuse) return storage::ErrOutOfBounds();
        batch_.push_back({l, t, v});
        return 1;
      }
      absl::StatusOr<storage::SeriesRef> AppendHistogram(
          storage::SeriesRef, const model::Labels& l, int64_t t,
          const model::histogram::Histogram* h,
          const model::histogram::FloatHistogram* fh) override {
        batch_.push_back({l, t, 0, h != nullptr ? h->String() : fh->String()});
        return 1;
      }
      absl::Status Commit() override {
        for (auto& r : batch_) s_->committed.push_back(r);
        return absl::OkStatus();
      }
      void Rollback() override { batch_.clear(); }

     private:
      RecordingStorage* s_;
      std::vector<Rec> batch_;
    };
    return std::make_unique<App>(this);
  }
  // The last committed value of each series.
  std::map<std::string, double> Last() const {
    std::map<std::string, double> out;
    for (const auto& r : committed) out[r.labels.ToString()] = r.v;
    return out;
  }
  std::vector<Rec> committed;
  std::string refuse;
};

}  // namespace promlet::push

#endif  // PROMLET_TESTS_PUSH_RECORDING_STORAGE_H_
