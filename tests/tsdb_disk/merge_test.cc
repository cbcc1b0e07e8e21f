// MergeIterators against a reference merge (samples by timestamp; at equal timestamps the
// first input's sample is kept) over random inputs, disjoint in time (blocks) and overlapping,
// with duplicates and native-histogram samples among the floats; read through Next(), through
// NextBatch with batch sizes from 1 up as the engine reads (histograms taken in between), and
// after a Seek.
#include "tsdb/block/merge.h"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "model/histogram/float_histogram.h"

namespace promlet::tsdb {
namespace {

struct Smp {
  int64_t t;
  double v;  // a histogram's count for a histogram sample
  bool hist;
  bool operator==(const Smp& o) const { return t == o.t && v == o.v && hist == o.hist; }
};

// An input over given samples, with the interface's default NextBatch (Next()+T()/V(), holding
// a histogram it crosses after floats).
class VectorIterator : public storage::SampleIterator {
 public:
  explicit VectorIterator(std::vector<Smp> s) : s_(std::move(s)) {}
  bool Next() override {
    pos_ = started_ ? pos_ + 1 : 0;
    started_ = true;
    return pos_ < s_.size();
  }
  bool Seek(int64_t t) override {
    if (started_ && pos_ < s_.size() && s_[pos_].t >= t) return true;
    if (!started_) pos_ = 0;
    started_ = true;
    while (pos_ < s_.size() && s_[pos_].t < t) ++pos_;
    return pos_ < s_.size();
  }
  int64_t T() const override { return s_[pos_].t; }
  double V() const override { return s_[pos_].hist ? 0 : s_[pos_].v; }
  storage::ValueType Type() const override {
    return s_[pos_].hist ? storage::ValueType::kFloatHistogram : storage::ValueType::kFloat;
  }
  void AtFloatHistogram(model::histogram::FloatHistogram* out) const override {
    *out = model::histogram::FloatHistogram();
    out->count = s_[pos_].v;
  }

 private:
  std::vector<Smp> s_;
  size_t pos_ = 0;
  bool started_ = false;
};

Smp Current(const storage::SampleIterator& it) {
  if (it.Type() == storage::ValueType::kFloat) return {it.T(), it.V(), false};
  model::histogram::FloatHistogram h;
  it.AtFloatHistogram(&h);
  return {it.T(), h.count, true};
}

std::vector<Smp> Reference(const std::vector<std::vector<Smp>>& inputs, int64_t from) {
  std::map<int64_t, Smp> by_t;
  for (const auto& in : inputs) {
    for (const Smp& s : in) {
      if (s.t >= from) by_t.try_emplace(s.t, s);  // the first input's sample stays
    }
  }
  std::vector<Smp> out;
  for (const auto& [t, s] : by_t) out.push_back(s);
  return out;
}

std::unique_ptr<storage::SampleIterator> Merged(const std::vector<std::vector<Smp>>& inputs) {
  std::vector<std::unique_ptr<storage::SampleIterator>> its;
  for (const auto& in : inputs) its.push_back(std::make_unique<VectorIterator>(in));
  return MergeIterators(std::move(its));
}

// Reads on in batches of `max` as Evaluator::DecodeInto does, after a current sample (if any).
void ReadBatches(storage::SampleIterator& it, size_t max, std::vector<Smp>* out) {
  std::vector<int64_t> ts(max);
  std::vector<double> vs(max);
  for (;;) {
    const size_t n = it.NextBatch(ts.data(), vs.data(), max);
    if (n == 0 && it.StoppedAtHistogram()) {
      bool more = true;
      while (more && it.Type() != storage::ValueType::kFloat) {
        out->push_back(Current(it));
        more = it.Next();
      }
      if (!more) return;
      out->push_back(Current(it));
      continue;
    }
    if (n == 0) return;
    for (size_t i = 0; i < n; ++i) out->push_back({ts[i], vs[i], false});
  }
}

TEST(MergeIteratorsTest, EqualsTheReferenceMergeReadEveryWay) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 400; ++round) {
    const int k = 2 + static_cast<int>(rng() % 5);
    const bool disjoint = round % 2 == 0;
    const int hist_pct = round % 3 == 0 ? 0 : 10;
    std::vector<std::vector<Smp>> inputs(static_cast<size_t>(k));
    for (int i = 0; i < k; ++i) {
      const int64_t lo = disjoint ? i * 1000 : 0, span = disjoint ? 1000 : 3000;
      for (int64_t t = lo; t < lo + span; t += 1 + static_cast<int64_t>(rng() % 7)) {
        if (rng() % 4 == 0) continue;
        const bool hist = static_cast<int>(rng() % 100) < hist_pct;
        inputs[static_cast<size_t>(i)].push_back({t, i * 100000.0 + static_cast<double>(t), hist});
      }
    }
    if (disjoint) std::shuffle(inputs.begin(), inputs.end(), rng);  // any input order
    const std::vector<Smp> want = Reference(inputs, std::numeric_limits<int64_t>::min());

    std::vector<Smp> by_next;
    for (auto it = Merged(inputs); it->Next();) by_next.push_back(Current(*it));
    ASSERT_EQ(by_next, want) << "Next(), round " << round;

    for (size_t max : {size_t{1}, size_t{3}, size_t{64}, size_t{512}}) {
      std::vector<Smp> got;
      auto it = Merged(inputs);
      ReadBatches(*it, max, &got);
      ASSERT_EQ(got, want) << "NextBatch(" << max << "), round " << round;
    }

    const int64_t from = static_cast<int64_t>(rng() % 3500);
    std::vector<Smp> got;
    auto it = Merged(inputs);
    if (it->Seek(from)) {
      got.push_back(Current(*it));
      ASSERT_TRUE(it->Seek(from)) << "a second Seek to the same time stays";
      EXPECT_EQ(Current(*it), got.back());
      ReadBatches(*it, 1 + rng() % 300, &got);
    }
    ASSERT_EQ(got, Reference(inputs, from)) << "Seek(" << from << "), round " << round;
  }
}

}  // namespace
}  // namespace promlet::tsdb
