// Helpers shared by the head / DB native-histogram tests: collecting a series' samples of any
// type through storage::SampleIterator.
#ifndef PROMLET_TESTS_TSDB_HEAD_HISTOGRAM_TEST_UTIL_H_
#define PROMLET_TESTS_TSDB_HEAD_HISTOGRAM_TEST_UTIL_H_

#include <cstdint>
#include <vector>

#include "model/histogram/float_histogram.h"
#include "model/histogram/histogram.h"
#include "model/matcher.h"
#include "storage/interface.h"

namespace promlet::tsdb::testutil {

namespace mh = ::promlet::model::histogram;

struct AnySample {
  int64_t t = 0;
  storage::ValueType type = storage::ValueType::kNone;
  double v = 0;
  mh::Histogram h;        // kHistogram
  mh::FloatHistogram fh;  // kHistogram (converted) and kFloatHistogram
};

inline std::vector<AnySample> Drain(storage::SampleIterator& it) {
  std::vector<AnySample> out;
  while (it.Next()) {
    AnySample s;
    s.t = it.T();
    s.type = it.Type();
    if (s.type == storage::ValueType::kFloat) {
      s.v = it.V();
    } else {
      if (s.type == storage::ValueType::kHistogram) it.AtHistogram(&s.h);
      it.AtFloatHistogram(&s.fh);
    }
    out.push_back(std::move(s));
  }
  return out;
}

// All samples of the one series matching __name__=name in q.
inline std::vector<AnySample> SelectOne(storage::Querier& q, const std::string& name) {
  std::vector<model::Matcher> ms;
  ms.push_back(model::Matcher::MustMake(model::MatchType::kEqual, "__name__", name));
  auto set = q.Select(ms);
  std::vector<AnySample> out;
  if (!set->Next()) return out;
  auto it = set->At().Iterator();
  out = Drain(*it);
  return out;
}

}  // namespace promlet::tsdb::testutil

#endif  // PROMLET_TESTS_TSDB_HEAD_HISTOGRAM_TEST_UTIL_H_
