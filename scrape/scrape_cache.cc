#include "scrape/scrape_cache.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <random>

#include "common/hash.h"

namespace promlet::scrape {

// --- Interned strings -------------------------------------------------------------------------

class InternedString {
 public:
  // The pooled copy of `s`, one reference taken.
  static const InternedString* Intern(std::string_view s);
  // Drops one reference (null: nothing); the last one frees the string.
  static void Release(const InternedString* p);

  // The characters follow the header in the same allocation: comparing a string costs one
  // cache miss, not two (the per-scrape metadata check compares hundreds of them).
  std::string_view view() const { return std::string_view(chars(), size_); }

 private:
  struct Pool {
    std::mutex mu;
    absl::flat_hash_map<std::string_view, InternedString*> strings;  // keys view the chars
  };
  static Pool& pool() {
    static Pool* p = new Pool();  // never destroyed: loops may outlive static destruction order
    return *p;
  }
  const char* chars() const { return reinterpret_cast<const char*>(this + 1); }

  uint64_t refs_ = 0;  // guarded by pool().mu
  uint32_t size_ = 0;
};

const InternedString* InternedString::Intern(std::string_view s) {
  Pool& p = pool();
  std::lock_guard<std::mutex> l(p.mu);
  auto it = p.strings.find(s);
  if (it == p.strings.end()) {
    void* mem = ::operator new(sizeof(InternedString) + s.size());
    auto* n = new (mem) InternedString();
    n->size_ = static_cast<uint32_t>(s.size());
    if (!s.empty()) std::memcpy(reinterpret_cast<char*>(n + 1), s.data(), s.size());
    it = p.strings.emplace(n->view(), n).first;
  }
  ++it->second->refs_;
  return it->second;
}

void InternedString::Release(const InternedString* str) {
  if (str == nullptr) return;
  Pool& p = pool();
  std::lock_guard<std::mutex> l(p.mu);
  auto* s = const_cast<InternedString*>(str);
  if (--s->refs_ == 0) {
    p.strings.erase(s->view());
    s->~InternedString();
    ::operator delete(s);
  }
}

namespace {

std::string_view ViewOf(const InternedString* s) { return s ? s->view() : std::string_view(); }

// Replaces *slot with the interned `text` ("" is null) unless it already holds it.
void SetInterned(const InternedString** slot, std::string_view text) {
  if (ViewOf(*slot) == text) return;
  const InternedString* n = text.empty() ? nullptr : InternedString::Intern(text);
  InternedString::Release(*slot);
  *slot = n;
}

uint64_t RandomSeed() {
  static std::mutex mu;
  static std::mt19937_64 gen{std::random_device{}()};
  std::lock_guard<std::mutex> l(mu);
  return gen();
}

}  // namespace

// --- Series -----------------------------------------------------------------------------------

ScrapeCache::ScrapeCache() : seed_lo_(RandomSeed()), seed_hi_(RandomSeed()) {}

ScrapeCache::~ScrapeCache() {
  for (MetaRec& r : meta_) {
    InternedString::Release(r.family);
    InternedString::Release(r.help);
    InternedString::Release(r.unit);
  }
}

ScrapeCache::Key ScrapeCache::KeyOf(std::string_view raw) const {
  Key k;
  common::Murmur3x64_128(raw.data(), raw.size(), seed_lo_, seed_hi_, &k.lo, &k.hi);
  return k;
}

ScrapeCache::Entry* ScrapeCache::Get(std::string_view raw) {
  auto it = series_.find(KeyOf(raw));
  if (it == series_.end()) return nullptr;
  it->second.seen_iter = iter_;
  return &it->second;
}

ScrapeCache::Entry* ScrapeCache::Add(std::string_view raw, bool dropped) {
  Entry& e = series_[KeyOf(raw)];
  e = Entry{};
  e.dropped = dropped;
  e.seen_iter = iter_;
  return &e;
}

void ScrapeCache::EndIteration(bool success) {
  bool flush = success;
  if (success) {
    successful_size_ = series_.size();
  } else if (series_.size() > successful_size_ * 2 + 1000) {
    flush = true;
  }
  if (!flush && !has_prev_ && !success) return;
  // One pass: drop unseen entries (flush), and make this iteration's tracked series the
  // "previous" ones (success) or empty that set (failure: its series just got stale markers).
  bool any_prev = false;
  for (auto it = series_.begin(); it != series_.end();) {
    Entry& e = it->second;
    if (flush && e.seen_iter != iter_) {
      series_.erase(it++);
      continue;
    }
    e.in_prev = success && e.tracked_iter == iter_;
    any_prev |= e.in_prev;
    ++it;
  }
  has_prev_ = any_prev;
  if (flush) DropStaleMetadata();
}

void ScrapeCache::DropStaleMetadata() {
  auto stale = [&](const MetaRec& r) { return iter_ - r.seen_iter > kMetadataKeepIterations; };
  if (std::none_of(meta_.begin(), meta_.end(), stale)) return;
  std::lock_guard<std::mutex> lock(meta_mu_);
  std::vector<MetaRec> kept;
  kept.reserve(meta_.size());
  meta_index_.clear();
  for (MetaRec& r : meta_) {
    if (stale(r)) {
      InternedString::Release(r.family);
      InternedString::Release(r.help);
      InternedString::Release(r.unit);
      continue;
    }
    meta_index_.emplace(r.family->view(), static_cast<uint32_t>(kept.size()));
    kept.push_back(r);
  }
  meta_ = std::move(kept);
  // The previous parse's line -> record positions are void: the next parse takes the slow path.
  meta_line_keys_.clear();
  meta_line_recs_.clear();
  prev_meta_clean_ = false;
}

// --- Metadata ---------------------------------------------------------------------------------

ScrapeCache::MetaRec* ScrapeCache::MetaLine(MetaKind kind, std::string_view family,
                                             std::string_view payload) {
  const size_t pos = meta_pos_++;
  uint64_t f1, f2, key, unused;
  common::Murmur3x64_128(family.data(), family.size(), seed_lo_ ^ kind, seed_hi_, &f1, &f2);
  common::Murmur3x64_128(payload.data(), payload.size(), f1, f2, &key, &unused);
  if (prev_meta_clean_ && pos < meta_line_keys_.size() && meta_line_keys_[pos] == key) {
    MetaRec& r = meta_[meta_line_recs_[pos]];
    if (r.seen_iter != iter_) {
      r.seen_iter = iter_;
      r.seen_kinds = 0;
    }
    if ((r.seen_kinds & kind) == 0) {
      r.seen_kinds |= kind;
      return nullptr;  // same line as last time, first for its (family, kind) now: no change
    }
    meta_clean_ = false;  // repeated within this parse: apply it like any other line
    return &r;
  }
  uint32_t idx;
  auto it = meta_index_.find(family);
  if (it != meta_index_.end()) {
    idx = it->second;
  } else {
    std::lock_guard<std::mutex> lock(meta_mu_);
    idx = static_cast<uint32_t>(meta_.size());
    MetaRec r;
    r.family = InternedString::Intern(family);
    meta_.push_back(r);
    meta_index_.emplace(r.family->view(), idx);
  }
  if (pos < meta_line_keys_.size()) {
    meta_line_keys_[pos] = key;
    meta_line_recs_[pos] = idx;
  } else {
    meta_line_keys_.push_back(key);
    meta_line_recs_.push_back(idx);
  }
  MetaRec& r = meta_[idx];
  if (r.seen_iter != iter_) {
    r.seen_iter = iter_;
    r.seen_kinds = 0;
  }
  if (r.seen_kinds & kind) meta_clean_ = false;
  r.seen_kinds |= kind;
  return &r;
}

void ScrapeCache::SetType(std::string_view family, model::MetricType type) {
  const auto t = static_cast<char>(type);
  MetaRec* r = MetaLine(kMetaType, family, std::string_view(&t, 1));
  if (r == nullptr || r->type == type) return;
  std::lock_guard<std::mutex> lock(meta_mu_);
  r->type = type;
}

void ScrapeCache::SetHelp(std::string_view family, std::string_view help) {
  MetaRec* r = MetaLine(kMetaHelp, family, help);
  if (r == nullptr || ViewOf(r->help) == help) return;
  std::lock_guard<std::mutex> lock(meta_mu_);
  SetInterned(&r->help, help);
}

void ScrapeCache::SetUnit(std::string_view family, std::string_view unit) {
  MetaRec* r = MetaLine(kMetaUnit, family, unit);
  if (r == nullptr || ViewOf(r->unit) == unit) return;
  std::lock_guard<std::mutex> lock(meta_mu_);
  SetInterned(&r->unit, unit);
}

model::MetricMetadata ScrapeCache::ToMetadata(const MetaRec& r) {
  model::MetricMetadata m;
  m.family = std::string(r.family->view());
  m.type = r.type;
  m.help = std::string(ViewOf(r.help));
  m.unit = std::string(ViewOf(r.unit));
  return m;
}

std::vector<model::MetricMetadata> ScrapeCache::Metadata() const {
  std::vector<model::MetricMetadata> out;
  {
    std::lock_guard<std::mutex> lock(meta_mu_);
    out.reserve(meta_.size());
    for (const MetaRec& r : meta_) out.push_back(ToMetadata(r));
  }
  std::sort(out.begin(), out.end(),
            [](const model::MetricMetadata& a, const model::MetricMetadata& b) { return a.family < b.family; });
  return out;
}

std::optional<model::MetricMetadata> ScrapeCache::MetadataFor(std::string_view family) const {
  std::lock_guard<std::mutex> lock(meta_mu_);
  auto it = meta_index_.find(family);
  if (it == meta_index_.end()) return std::nullopt;
  return ToMetadata(meta_[it->second]);
}

}  // namespace promlet::scrape
