#include "scrape/scrape_cache.h"

#include <algorithm>

namespace promlet::scrape {

ScrapeCache::Entry* ScrapeCache::Get(std::string_view raw) {
  auto it = series_.find(absl::string_view(raw.data(), raw.size()));
  if (it == series_.end()) return nullptr;
  it->second->seen_iter = iter_;
  return it->second.get();
}

ScrapeCache::Entry* ScrapeCache::Add(std::string_view raw, bool dropped) {
  auto e = std::make_unique<Entry>();
  e->dropped = dropped;
  e->seen_iter = iter_;
  Entry* p = e.get();
  series_[std::string(raw)] = std::move(e);
  return p;
}

void ScrapeCache::EndIteration(bool success) {
  bool flush = success;
  if (success) {
    successful_size_ = series_.size();
  } else if (series_.size() > successful_size_ * 2 + 1000) {
    flush = true;
  }
  prev_.swap(cur_);
  cur_.clear();
  if (flush) {
    // Everything on prev_ was seen in this iteration, so no pointer in it dangles.
    absl::erase_if(series_, [this](const auto& kv) { return kv.second->seen_iter != iter_; });
  }
}

MetricMetadata& ScrapeCache::MetaEntry(std::string_view family) {
  auto key = absl::string_view(family.data(), family.size());
  auto it = metadata_.find(key);
  if (it == metadata_.end()) {
    it = metadata_.emplace(std::string(family), MetricMetadata{}).first;
    it->second.family = std::string(family);
  }
  return it->second;
}

void ScrapeCache::SetType(std::string_view family, MetricType type) {
  std::lock_guard<std::mutex> lock(meta_mu_);
  MetaEntry(family).type = type;
}

void ScrapeCache::SetHelp(std::string_view family, std::string help) {
  std::lock_guard<std::mutex> lock(meta_mu_);
  MetricMetadata& m = MetaEntry(family);
  if (m.help != help) m.help = std::move(help);
}

void ScrapeCache::SetUnit(std::string_view family, std::string_view unit) {
  std::lock_guard<std::mutex> lock(meta_mu_);
  MetricMetadata& m = MetaEntry(family);
  if (m.unit != unit) m.unit = std::string(unit);
}

std::vector<MetricMetadata> ScrapeCache::Metadata() const {
  std::vector<MetricMetadata> out;
  {
    std::lock_guard<std::mutex> lock(meta_mu_);
    out.reserve(metadata_.size());
    for (const auto& [k, v] : metadata_) out.push_back(v);
  }
  std::sort(out.begin(), out.end(),
            [](const MetricMetadata& a, const MetricMetadata& b) { return a.family < b.family; });
  return out;
}

std::optional<MetricMetadata> ScrapeCache::MetadataFor(std::string_view family) const {
  std::lock_guard<std::mutex> lock(meta_mu_);
  auto it = metadata_.find(absl::string_view(family.data(), family.size()));
  if (it == metadata_.end()) return std::nullopt;
  return it->second;
}

}  // namespace promlet::scrape
