// Everything an engine answer says, values as bits (NaN payloads included): series or samples
// with labels and timestamps, histograms' counts, sums and buckets, warnings and infos, or the
// error. Tests that must give the same answer another way (threads, windows of steps) compare
// these strings.
#ifndef PROMLET_TESTS_PROMQL_ENGINE_ANSWER_BYTES_H_
#define PROMLET_TESTS_PROMQL_ENGINE_ANSWER_BYTES_H_

#include <bit>
#include <cstdint>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "promql/engine/engine.h"

namespace promlet::promql::testing {

inline std::string AnswerBytes(const absl::StatusOr<Result>& r) {
  if (!r.ok()) return "error: " + r.status().ToString();
  std::string out;
  auto num = [&](double v) { out += std::to_string(std::bit_cast<uint64_t>(v)) + ","; };
  if (const auto* m = std::get_if<Matrix>(&r->value)) {
    for (const auto& s : *m) {
      out += s.labels.ToString() + ":";
      for (const auto& p : s.points) {
        out += std::to_string(p.t) + "=";
        num(p.v);
      }
      for (const auto& p : s.histograms) {
        out += std::to_string(p.t) + "=h";
        for (double v : {p.h->count, p.h->sum, p.h->zero_count}) num(v);
        for (double v : p.h->positive_buckets) num(v);
        for (double v : p.h->negative_buckets) num(v);
      }
      out += "\n";
    }
  } else if (const auto* v = std::get_if<Vector>(&r->value)) {
    for (const auto& s : *v) {
      out += s.labels.ToString() + "@" + std::to_string(s.t) + "=";
      num(s.v);
      if (s.h) {
        for (double v : {s.h->count, s.h->sum, s.h->zero_count}) num(v);
        for (double v : s.h->positive_buckets) num(v);
      }
      out += "\n";
    }
  } else if (const auto* sc = std::get_if<Scalar>(&r->value)) {
    num(sc->v);
  }
  for (const auto& w : r->warnings) out += "W " + w + "\n";
  for (const auto& i : r->infos) out += "I " + i + "\n";
  return out;
}

}  // namespace promlet::promql::testing

#endif  // PROMLET_TESTS_PROMQL_ENGINE_ANSWER_BYTES_H_
