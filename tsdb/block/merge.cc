#include "tsdb/block/merge.h"

#include <algorithm>
#include <limits>
#include <set>

namespace promlet::tsdb {
namespace {

// Inputs with start timestamps, merged sample by sample through Next() (NextBatch carries no
// STs, interface.h).
class MergedBySample : public storage::SampleIterator {
 public:
  explicit MergedBySample(std::vector<std::unique_ptr<storage::SampleIterator>> its)
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

// Samples of several inputs merged by timestamp. Each input is read with NextBatch into its own
// buffer, and NextBatch here copies runs: the samples of the input with the earliest next
// sample that come before every other input's next one. Inputs that do not overlap in time
// (blocks, then the head) cost a copy per batch instead of a comparison of every input per
// sample. Contract kept towards each input: once its NextBatch is used, only NextBatch until it
// returns 0 (so a buffered input is refilled, never Next()ed or Seek()ed).
class MergedIterator : public storage::SampleIterator {
 public:
  explicit MergedIterator(std::vector<std::unique_ptr<storage::SampleIterator>> its) {
    inputs_.resize(its.size());
    for (size_t i = 0; i < its.size(); ++i) inputs_[i].it = std::move(its[i]);
  }

  bool Next() override {
    if (current_ >= 0) AdvanceAt(cur_t_);
    return Pick();
  }

  bool Seek(int64_t t) override {
    if (current_ >= 0 && cur_t_ >= t) return true;
    for (Input& in : inputs_) SeekInput(in, t);
    return Pick();
  }

  size_t NextBatch(int64_t* ts, double* vs, size_t max) override {
    stopped_at_histogram_ = false;
    if (current_ >= 0) AdvanceAt(cur_t_);
    size_t out = 0;
    while (out < max) {
      int64_t bound;
      const int lead = Lead(&bound);
      if (lead < 0) break;
      Input& in = inputs_[static_cast<size_t>(lead)];
      const int64_t t = in.HeadT();
      if (!in.HeadIsFloat()) {
        // Stop before a histogram; it becomes current when nothing was returned.
        if (out == 0) {
          current_ = lead;
          cur_t_ = t;
          stopped_at_histogram_ = true;
        }
        return out;
      }
      if (in.state == Input::kCurrent || t == bound) {
        // One sample: an input's own current one (after a Seek), or a tie that the earliest
        // input wins (the others' samples at t are dropped).
        ts[out] = t;
        vs[out] = in.HeadV();
        ++out;
        AdvanceAt(t);
        continue;
      }
      size_t end = std::min<size_t>(in.n, in.pos + (max - out));
      if (bound != std::numeric_limits<int64_t>::max() && in.t[end - 1] >= bound) {
        end = static_cast<size_t>(
            std::lower_bound(in.t.begin() + in.pos, in.t.begin() + end, bound) - in.t.begin());
      }
      std::copy(in.t.begin() + in.pos, in.t.begin() + end, ts + out);
      std::copy(in.v.begin() + in.pos, in.v.begin() + end, vs + out);
      out += end - in.pos;
      in.pos = static_cast<uint32_t>(end);
      if (in.pos == in.n) Refill(in);
    }
    if (out > 0) {
      // As Next()+T()/V() would have left it: the last sample returned is current.
      cur_t_ = ts[out - 1];
      last_v_ = vs[out - 1];
    }
    return out;
  }

  int64_t T() const override { return cur_t_; }
  double V() const override { return current_ >= 0 ? inputs_[current_].HeadV() : last_v_; }
  storage::ValueType Type() const override {
    return current_ >= 0 && !inputs_[current_].HeadIsFloat() ? inputs_[current_].it->Type()
                                                             : storage::ValueType::kFloat;
  }
  void AtHistogram(model::histogram::Histogram* out) const override {
    if (current_ >= 0 && !inputs_[current_].HeadIsFloat()) {
      return inputs_[current_].it->AtHistogram(out);
    }
    SampleIterator::AtHistogram(out);
  }
  void AtFloatHistogram(model::histogram::FloatHistogram* out) const override {
    if (current_ >= 0 && !inputs_[current_].HeadIsFloat()) {
      return inputs_[current_].it->AtFloatHistogram(out);
    }
    SampleIterator::AtFloatHistogram(out);
  }
  absl::Status status() const override {
    for (const Input& in : inputs_) {
      if (!in.it->status().ok()) return in.it->status();
    }
    return absl::OkStatus();
  }

 private:
  static constexpr size_t kBuffer = 256;
  struct Input {
    std::unique_ptr<storage::SampleIterator> it;
    // kFresh: not read yet. kBuffered: the next samples are t/v[pos, n), all floats.
    // kCurrent: the next sample is the input's own current one (after Seek, or a histogram
    // its NextBatch stopped at). kDone: exhausted.
    enum State : uint8_t { kFresh, kBuffered, kCurrent, kDone } state = kFresh;
    uint32_t pos = 0, n = 0;
    std::vector<int64_t> t;
    std::vector<double> v;
    int64_t HeadT() const { return state == kBuffered ? t[pos] : it->T(); }
    double HeadV() const { return state == kBuffered ? v[pos] : it->V(); }
    bool HeadIsFloat() const {
      return state == kBuffered || it->Type() == storage::ValueType::kFloat;
    }
  };

  void Refill(Input& in) {
    if (in.t.empty()) {
      in.t.resize(kBuffer);
      in.v.resize(kBuffer);
    }
    const size_t got = in.it->NextBatch(in.t.data(), in.v.data(), kBuffer);
    in.pos = 0;
    in.n = static_cast<uint32_t>(got);
    in.state = got > 0                       ? Input::kBuffered
               : in.it->StoppedAtHistogram() ? Input::kCurrent
                                             : Input::kDone;
  }

  // Moves past the input's next sample.
  void Advance(Input& in) {
    if (in.state == Input::kBuffered) {
      if (++in.pos == in.n) Refill(in);
    } else if (in.state == Input::kCurrent) {
      if (in.it->Type() == storage::ValueType::kFloat) {
        Refill(in);  // the samples after the current one
      } else if (!in.it->Next()) {
        in.state = Input::kDone;
      }
    }
  }

  void AdvanceAt(int64_t t) {
    for (Input& in : inputs_) {  // none is fresh: a current sample was picked among all
      if ((in.state == Input::kBuffered || in.state == Input::kCurrent) && in.HeadT() == t) {
        Advance(in);
      }
    }
    current_ = -1;
  }

  void SeekInput(Input& in, int64_t t) {
    for (;;) {
      switch (in.state) {
        case Input::kDone:
          return;
        case Input::kFresh:
          in.state = in.it->Seek(t) ? Input::kCurrent : Input::kDone;
          return;
        case Input::kCurrent:
          if (in.it->T() >= t) return;
          // A float current may have been reached by Seek (no batch pending); a histogram
          // current ended a batch with a 0 return: either way Seek is allowed.
          in.state = in.it->Seek(t) ? Input::kCurrent : Input::kDone;
          return;
        case Input::kBuffered:
          in.pos = static_cast<uint32_t>(
              std::lower_bound(in.t.begin() + in.pos, in.t.begin() + in.n, t) - in.t.begin());
          if (in.pos < in.n) return;
          Refill(in);  // a batch is pending: it is read on, never Seek()ed
          break;
      }
    }
  }

  // The input with the earliest next sample (the first such on ties), and in *bound the
  // earliest next sample of the others (max when none); -1 when all are exhausted.
  int Lead(int64_t* bound) {
    int lead = -1;
    int64_t lead_t = 0;
    *bound = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Input& in = inputs_[i];
      if (in.state == Input::kFresh) Refill(in);
      if (in.state == Input::kDone) continue;
      const int64_t t = in.HeadT();
      if (lead < 0 || t < lead_t) {
        if (lead >= 0) *bound = std::min(*bound, lead_t);
        lead = static_cast<int>(i);
        lead_t = t;
      } else {
        *bound = std::min(*bound, t);
      }
    }
    return lead;
  }

  bool Pick() {
    int64_t bound;
    current_ = Lead(&bound);
    if (current_ >= 0) cur_t_ = inputs_[static_cast<size_t>(current_)].HeadT();
    return current_ >= 0;
  }

  std::vector<Input> inputs_;
  int current_ = -1;  // the input whose next sample is the current one; -1: none pending
  int64_t cur_t_ = 0;
  double last_v_ = 0;  // the current sample's value after a NextBatch
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
  for (const auto& it : its) {
    if (it->MayHaveST()) return std::make_unique<MergedBySample>(std::move(its));
  }
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
