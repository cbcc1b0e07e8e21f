#include "cmd/web_hooks.h"

#include <utility>

namespace promlet::cmd {
namespace {

std::vector<web::TsdbStatusView::Entry> Entries(
    std::vector<tsdb::HeadCardinality::Entry>&& entries) {
  std::vector<web::TsdbStatusView::Entry> out;
  out.reserve(entries.size());
  for (auto& e : entries) out.push_back({std::move(e.name), e.value});
  return out;
}

}  // namespace

web::TsdbStatusView TsdbStatusOf(const tsdb::Head& head, size_t limit) {
  tsdb::HeadCardinality card = head.Cardinality(limit);
  tsdb::HeadStats stats = head.Stats();
  web::TsdbStatusView v;
  v.num_series = stats.num_series;
  v.num_label_pairs = card.num_label_pairs;
  v.chunk_count = stats.num_chunks;
  v.min_time = stats.min_time;
  v.max_time = stats.max_time;
  v.series_count_by_metric_name = Entries(std::move(card.series_count_by_metric_name));
  v.label_value_count_by_label_name = Entries(std::move(card.label_value_count_by_label_name));
  v.memory_in_bytes_by_label_name = Entries(std::move(card.memory_in_bytes_by_label_name));
  v.series_count_by_label_value_pair = Entries(std::move(card.series_count_by_label_value_pair));
  return v;
}

}  // namespace promlet::cmd
