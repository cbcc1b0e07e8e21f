// QueryContext: interruption checks, sample accounting and annotations of one query.
#include "promql/engine/context.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace promlet::promql::internal {

void QueryContext::CheckInterrupt() const {
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
    Fail(absl::CancelledError("query was canceled in expression evaluation"));
  }
  if (absl::Now() > deadline) {
    Fail(absl::DeadlineExceededError("query timed out in expression evaluation"));
  }
}

namespace {
thread_local int64_t* deferred_samples = nullptr;

[[noreturn]] void FailTooManySamples() {
  Fail(absl::ResourceExhaustedError(
      "query processing would load too many samples into memory in query execution"));
}
}  // namespace

DeferSamples::DeferSamples(int64_t* count) : prev_(deferred_samples) { deferred_samples = count; }
DeferSamples::~DeferSamples() { deferred_samples = prev_; }

void QueryContext::SubSamples(int64_t n) {
  if (deferred_samples != nullptr) {
    *deferred_samples -= n;
    return;
  }
  current_samples.fetch_sub(n, std::memory_order_relaxed);
}

void QueryContext::AddSamples(int64_t n) {
  if (int64_t* count = deferred_samples) {
    *count += n;
    if (*count > options->max_samples) FailTooManySamples();
    return;
  }
  const int64_t now = current_samples.fetch_add(n, std::memory_order_relaxed) + n;
  if (now > options->max_samples) FailTooManySamples();
  int64_t peak = peak_samples.load(std::memory_order_relaxed);
  while (now > peak && !peak_samples.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

int64_t QueryContext::SampleBudget() const {
  return std::max<int64_t>(0, options->max_samples - current_samples.load(std::memory_order_relaxed));
}

std::string QueryContext::Pos(const PositionRange& p) const {
  if (query_text.empty()) return "";
  int line = 1;
  int col = 1;
  for (int i = 0; i < p.start && i < static_cast<int>(query_text.size()); ++i) {
    if (query_text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return absl::StrCat(" (", line, ":", col, ")");
}

namespace {
void AddUnique(std::vector<std::string>& v, std::string s) {
  for (const auto& x : v) {
    if (x == s) return;
  }
  v.push_back(std::move(s));
}
}  // namespace

void QueryContext::Warn(const std::string& msg, const PositionRange& p) {
  AddUnique(warnings, absl::StrCat("PromQL warning: ", msg, Pos(p)));
}
void QueryContext::Info(const std::string& msg, const PositionRange& p) {
  AddUnique(infos, absl::StrCat("PromQL info: ", msg, Pos(p)));
}

}  // namespace promlet::promql::internal
