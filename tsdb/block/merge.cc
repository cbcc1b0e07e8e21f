#include "tsdb/block/merge.h"

#include <algorithm>
#include <set>

namespace promlet::tsdb {
namespace {

class MergedIterator : public storage::SampleIterator {
 public:
  explicit MergedIterator(std::vector<std::unique_ptr<storage::SampleIterator>> its)
      : its_(std::move(its)), valid_(its_.size(), false) {}

  bool Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) valid_[i] = its_[i]->Next();
    } else {
      // Advance every iterator sitting at the current timestamp (duplicates dropped).
      for (size_t i = 0; i < its_.size(); ++i) {
        if (valid_[i] && its_[i]->T() == cur_t_) valid_[i] = its_[i]->Next();
      }
    }
    return Pick();
  }

  bool Seek(int64_t t) override {
    if (started_ && cur_ >= 0 && cur_t_ >= t) return true;
    started_ = true;
    for (size_t i = 0; i < its_.size(); ++i) valid_[i] = its_[i]->Seek(t);
    return Pick();
  }

  int64_t T() const override { return cur_t_; }
  double V() const override { return its_[cur_]->V(); }
  int64_t ST() const override { return its_[cur_]->ST(); }
  bool MayHaveST() const override {
    for (const auto& it : its_) {
      if (it->MayHaveST()) return true;
    }
    return false;
  }
  storage::ValueType Type() const override { return its_[cur_]->Type(); }
  void AtHistogram(model::histogram::Histogram* out) const override { its_[cur_]->AtHistogram(out); }
  void AtFloatHistogram(model::histogram::FloatHistogram* out) const override {
    its_[cur_]->AtFloatHistogram(out);
  }
  absl::Status status() const override {
    for (const auto& it : its_) {
      if (!it->status().ok()) return it->status();
    }
    return absl::OkStatus();
  }

 private:
  bool Pick() {
    cur_ = -1;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (valid_[i] && (cur_ < 0 || its_[i]->T() < cur_t_)) {
        cur_ = static_cast<int>(i);
        cur_t_ = its_[i]->T();
      }
    }
    return cur_ >= 0;
  }
  std::vector<std::unique_ptr<storage::SampleIterator>> its_;
  std::vector<bool> valid_;
  bool started_ = false;
  int cur_ = -1;
  int64_t cur_t_ = 0;
};

class MergedSeries : public storage::Series {
 public:
  const model::Labels& labels() const override { return parts_[0]->labels(); }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    if (parts_.size() == 1) return parts_[0]->Iterator();
    std::vector<std::unique_ptr<storage::SampleIterator>> its;
    for (const storage::Series* s : parts_) its.push_back(s->Iterator());
    return MergeIterators(std::move(its));
  }
  std::vector<const storage::Series*> parts_;
};

class MergedSeriesSet : public storage::SeriesSet {
 public:
  explicit MergedSeriesSet(std::vector<std::unique_ptr<storage::SeriesSet>> sets)
      : sets_(std::move(sets)), valid_(sets_.size(), false) {}

  bool Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < sets_.size(); ++i) valid_[i] = sets_[i]->Next();
    } else {
      for (size_t i : current_) valid_[i] = sets_[i]->Next();
    }
    current_.clear();
    cur_.parts_.clear();
    const model::Labels* min = nullptr;
    for (size_t i = 0; i < sets_.size(); ++i) {
      if (!valid_[i]) continue;
      const model::Labels& l = sets_[i]->At().labels();
      int c = min ? model::Labels::Compare(l, *min) : -1;
      if (c < 0) {
        min = &l;
        current_.assign(1, i);
      } else if (c == 0) {
        current_.push_back(i);
      }
    }
    for (size_t i : current_) cur_.parts_.push_back(&sets_[i]->At());
    return !current_.empty();
  }
  const storage::Series& At() const override { return cur_; }
  absl::Status status() const override {
    for (const auto& s : sets_) {
      if (!s->status().ok()) return s->status();
    }
    return absl::OkStatus();
  }

 private:
  std::vector<std::unique_ptr<storage::SeriesSet>> sets_;
  std::vector<bool> valid_;
  std::vector<size_t> current_;
  bool started_ = false;
  MergedSeries cur_;
};

class MergedQuerier : public storage::Querier {
 public:
  explicit MergedQuerier(std::vector<std::unique_ptr<storage::Querier>> qs) : qs_(std::move(qs)) {}
  std::unique_ptr<storage::SeriesSet> Select(absl::Span<const model::Matcher> matchers,
                                    const storage::SelectHints* hints) override {
    std::vector<std::unique_ptr<storage::SeriesSet>> sets;
    for (auto& q : qs_) sets.push_back(q->Select(matchers, hints));
    return MergeSeriesSets(std::move(sets));
  }
  absl::StatusOr<std::vector<std::string>> LabelNames(absl::Span<const model::Matcher> m) override {
    std::set<std::string> out;
    for (auto& q : qs_) {
      auto r = q->LabelNames(m);
      if (!r.ok()) return r.status();
      out.insert(r->begin(), r->end());
    }
    return std::vector<std::string>(out.begin(), out.end());
  }
  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name,
                                                       absl::Span<const model::Matcher> m) override {
    std::set<std::string> out;
    for (auto& q : qs_) {
      auto r = q->LabelValues(name, m);
      if (!r.ok()) return r.status();
      out.insert(r->begin(), r->end());
    }
    return std::vector<std::string>(out.begin(), out.end());
  }

 private:
  std::vector<std::unique_ptr<storage::Querier>> qs_;
};

}  // namespace

std::unique_ptr<storage::SampleIterator> MergeIterators(std::vector<std::unique_ptr<storage::SampleIterator>> its) {
  if (its.size() == 1) return std::move(its[0]);
  return std::make_unique<MergedIterator>(std::move(its));
}

std::unique_ptr<storage::SeriesSet> MergeSeriesSets(std::vector<std::unique_ptr<storage::SeriesSet>> sets) {
  if (sets.size() == 1) return std::move(sets[0]);
  return std::make_unique<MergedSeriesSet>(std::move(sets));
}

std::unique_ptr<storage::Querier> MergeQueriers(std::vector<std::unique_ptr<storage::Querier>> queriers) {
  if (queriers.size() == 1) return std::move(queriers[0]);
  return std::make_unique<MergedQuerier>(std::move(queriers));
}

}  // namespace promlet::tsdb
