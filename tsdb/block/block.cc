#include "tsdb/block/block.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "absl/strings/str_cat.h"
#include "tsdb/block/block_format.h"
#include "tsdb/block/chunk_codec.h"
#include "tsdb/block/histogram_codec.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/float_histogram_chunk.h"
#include "tsdb/chunkenc/histogram_chunk.h"
#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/varint.h"

namespace promlet::tsdb {
using namespace blockfmt;
namespace {

// Postings lists closer than this in the index are read with one pread (the gap is read too).
constexpr uint64_t kPostingsReadGap = 4096;

std::vector<uint32_t> Union(std::vector<std::vector<uint32_t>> lists) {
  if (lists.empty()) return {};
  if (lists.size() == 1) return std::move(lists[0]);
  std::vector<uint32_t> out;
  for (auto& l : lists) out.insert(out.end(), l.begin(), l.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<uint32_t> Intersect(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<uint32_t> Subtract(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<Block>> Block::Open(const std::string& dir, bool verify_chunks,
                                                   std::shared_ptr<SectionCache> cache) {
  auto b = std::shared_ptr<Block>(new Block());
  b->dir_ = dir;
  b->cache_ =
      cache != nullptr ? std::move(cache) : std::make_shared<SectionCache>(kPrivateCacheBytes);
  auto meta = ReadBlockMeta(dir);
  if (!meta.ok()) return meta.status();
  b->meta_ = *meta;
  if (auto st = b->Load(verify_chunks); !st.ok()) {
    return absl::DataLossError(absl::StrCat("block ", dir, ": ", st.message()));
  }
  return b;
}

Block::~Block() {
  if (cache_ != nullptr) cache_->EraseOwner(owner_);
}

absl::Status Block::Damaged(absl::Status st) const {
  if (absl::IsDataLoss(st) && !damaged_.exchange(true, std::memory_order_acq_rel) && on_damage_) {
    on_damage_(*this, st);
  }
  return st;
}

absl::Status Block::CheckFileSizes() const {
  for (const auto& f : meta_.files) {
    const BlockFile* file = f.rel_path == "index" ? &index_file_
                            : f.rel_path == "chunks" ? &chunks_file_
                                                     : nullptr;
    if (file == nullptr || file->size() == f.size_bytes) continue;
    return absl::DataLossError(absl::StrCat(
        file->path(), ": file is ", file->size(), " bytes, meta.json says ", f.size_bytes,
        file->size() < f.size_bytes ? " (truncated)" : " (longer than written)"));
  }
  return absl::OkStatus();
}

absl::Status Block::LoadStartTimestamps() {
  const std::string path = dir_ + "/" + kStartTimestampsFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return absl::OkStatus();
  std::ifstream in(path, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](std::string_view what) {
    return absl::DataLossError(absl::StrCat(path, ": ", std::string(what)));
  };
  if (data.size() < kMagicLen || data.compare(0, kMagicLen, kStartTimestampsMagic) != 0) {
    return bad("bad magic");
  }
  auto raw = ReadSection(data, kMagicLen);
  if (!raw.ok()) return bad(std::string(raw.status().message()));
  Decoder d(*raw);
  uint64_t n;
  if (!d.Uvarint(&n)) return bad("truncated series count");
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t ordinal, count;
    if (!d.Uvarint(&ordinal) || !d.Uvarint(&count) || ordinal >= num_series_ ||
        count > d.remaining()) {
      return bad(absl::StrCat("bad entry of series ", i));
    }
    StartTimestamps& sts = start_timestamps_[static_cast<uint32_t>(ordinal)];
    sts.reserve(count);
    int64_t t = 0;
    for (uint64_t k = 0; k < count; ++k) {
      int64_t dt, back;
      if (!d.Varint(&dt) || !d.Varint(&back)) {
        return bad(absl::StrCat("truncated entries of series ordinal ", ordinal));
      }
      t = WrapAdd(t, dt);
      sts.emplace_back(t, WrapSub(t, back));
    }
  }
  return absl::OkStatus();
}

absl::Status Block::VerifyChunkGroups() const {
  const uint64_t size = chunks_file_.size();
  uint64_t pos = kMagicLen;
  std::string buf;
  char h[kSectionHeader];
  while (pos < size) {
    if (size - pos < kSectionHeader) {
      return absl::DataLossError(absl::StrCat(chunks_file_.path(), ": truncated: ", size - pos,
                                              " bytes after the last group at offset ", pos));
    }
    if (auto st = chunks_file_.ReadAt(pos, kSectionHeader, h); !st.ok()) return st;
    const SectionHeader sh = ParseSectionHeader(h);
    if (sh.compressed_len > size - pos - kSectionHeader) {
      return absl::DataLossError(absl::StrCat(
          chunks_file_.path(), ": truncated group at offset ", pos, ": needs ",
          kSectionHeader + sh.compressed_len, " bytes, file has ", size - pos));
    }
    buf.resize(sh.compressed_len);
    if (auto st = chunks_file_.ReadAt(pos + kSectionHeader, buf.size(), buf.data()); !st.ok()) {
      return st;
    }
    if (Crc32c(buf.data(), buf.size()) != sh.crc) {
      return absl::DataLossError(absl::StrCat("chunks: checksum mismatch in group at offset ", pos));
    }
    pos += kSectionHeader + sh.compressed_len;
  }
  return absl::OkStatus();
}

absl::Status Block::Load(bool verify_chunks) {
  if (auto st = index_file_.Open(dir_ + "/index"); !st.ok()) return st;
  if (auto st = chunks_file_.Open(dir_ + "/chunks"); !st.ok()) return st;
  if (auto st = CheckFileSizes(); !st.ok()) return st;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    if (e.is_regular_file()) size_bytes_ += e.file_size(ec);
  }
  const uint64_t index_size = index_file_.size();
  if (index_size < kMagicLen + kFooterLen) {
    return absl::DataLossError(absl::StrCat(index_file_.path(), ": file is ", index_size,
                                            " bytes, shorter than its header and footer (",
                                            kMagicLen + kFooterLen, " bytes): truncated"));
  }
  char head[kMagicLen], f[kFooterLen];
  if (auto st = index_file_.ReadAt(0, kMagicLen, head); !st.ok()) return st;
  if (auto st = index_file_.ReadAt(index_size - kFooterLen, kFooterLen, f); !st.ok()) return st;
  if (std::string_view(head, kMagicLen) != kIndexMagic) return absl::DataLossError("index: bad magic");
  if (std::string_view(f + kFooterLen - kMagicLen, kMagicLen) != kIndexEndMagic) {
    return absl::DataLossError(absl::StrCat(index_file_.path(), ": no end magic in the last ",
                                            kMagicLen, " of its ", index_size,
                                            " bytes (truncated or overwritten)"));
  }
  if (Crc32c(f, 32) != GetFixed32(f + 32)) return absl::DataLossError("index: bad footer checksum");
  uint64_t symbols_off = GetFixed64(f), postings_off = GetFixed64(f + 8),
           pages_off = GetFixed64(f + 16), nseries = GetFixed64(f + 24);
  if (nseries > (1ull << 32)) return absl::DataLossError("index: bad series count");
  if (postings_off > index_size) return absl::DataLossError("index: postings table out of range");
  num_series_ = static_cast<uint32_t>(nseries);

  auto syms = index_file_.ReadSection(symbols_off);
  if (!syms.ok()) return absl::DataLossError(absl::StrCat("index symbols: ", syms.status().message()));
  Decoder d(*syms);
  uint64_t n;
  if (!d.Uvarint(&n) || n > syms->size()) return absl::DataLossError("index: bad symbols");
  symbols_.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view s;
    if (!d.String(&s)) return absl::DataLossError("index: bad symbols");
    symbols_.emplace_back(s);
  }

  auto table = index_file_.ReadSection(postings_off);
  if (!table.ok()) return absl::DataLossError(absl::StrCat("index postings table: ", table.status().message()));
  d = Decoder(*table);
  if (!d.Uvarint(&n) || n > table->size()) return absl::DataLossError("index: bad postings table");
  postings_.resize(n);
  uint64_t off = 0;
  for (auto& e : postings_) {
    uint64_t name, value, delta, len;
    if (!d.Uvarint(&name) || !d.Uvarint(&value) || !d.Uvarint(&delta) || !d.Uvarint(&len) ||
        name >= symbols_.size() || value >= symbols_.size()) {
      return absl::DataLossError("index: bad postings table");
    }
    off += delta;
    if (off + len > postings_off) return absl::DataLossError("index: postings out of range");
    e = PostingsEntry{static_cast<uint32_t>(name), static_cast<uint32_t>(value), off, len};
  }
  // Postings lists are not in a checksummed section; check they decode within bounds. They lie
  // next to each other before the postings table: read them in one go.
  const uint64_t lists_begin = postings_.empty() ? postings_off : postings_.front().offset;
  std::string lists;
  if (lists_begin < postings_off) {
    for (const auto& e : postings_) {
      if (e.offset < lists_begin) return absl::DataLossError("index: postings out of order");
    }
    lists.resize(postings_off - lists_begin);
    if (auto st = index_file_.ReadAt(lists_begin, lists.size(), lists.data()); !st.ok()) return st;
  }
  for (const auto& e : postings_) {
    Decoder pd(lists.data() + (e.offset - lists_begin), e.len);
    uint64_t cnt, acc = 0, x;
    if (!pd.Uvarint(&cnt) || cnt > e.len) return absl::DataLossError("index: bad postings list");
    for (uint64_t i = 0; i < cnt; ++i) {
      if (!pd.Uvarint(&x)) return absl::DataLossError("index: bad postings list");
      acc += x;
      if (acc >= num_series_) return absl::DataLossError("index: postings beyond series count");
    }
  }

  auto pages = index_file_.ReadSection(pages_off);
  if (!pages.ok()) return absl::DataLossError(absl::StrCat("index page table: ", pages.status().message()));
  d = Decoder(*pages);
  if (!d.Uvarint(&n) || n != (num_series_ + kSeriesPerPage - 1) / kSeriesPerPage) {
    return absl::DataLossError("index: bad page table");
  }
  pages_.resize(n);
  off = 0;
  for (auto& p : pages_) {
    uint64_t delta;
    if (!d.Uvarint(&delta)) return absl::DataLossError("index: bad page table");
    off += delta;
    p = off;
    if (auto s = index_file_.ReadSection(p); !s.ok()) {
      return absl::DataLossError(absl::StrCat("index series page: ", s.status().message()));
    }
  }

  char magic[kMagicLen] = {};
  const bool has_magic = chunks_file_.size() >= kMagicLen;
  if (has_magic) {
    if (auto st = chunks_file_.ReadAt(0, kMagicLen, magic); !st.ok()) return st;
  }
  std::string_view chunks(magic, has_magic ? kMagicLen : 0);
  if (!has_magic || chunks != kChunksMagic) {
    if (has_magic && chunks.substr(0, kMagicLen - 1) == kChunksMagicPrefix) {
      return absl::FailedPreconditionError(absl::StrCat(
          "chunks: format version '", std::string(chunks.substr(kMagicLen - 1, 1)),
          "' is not supported (this build reads version '",
          std::string(kChunksMagic + kMagicLen - 1, 1), "')"));
    }
    return absl::DataLossError("chunks: bad magic");
  }
  if (verify_chunks) {
    if (auto st = VerifyChunkGroups(); !st.ok()) return st;
  }
  if (auto st = LoadStartTimestamps(); !st.ok()) return st;
  auto tomb = ReadTombstones(dir_);
  if (!tomb.ok()) return tomb.status();
  tombstones_ = std::move(*tomb);
  meta_.stats.num_tombstones = tombstones_.size();
  return absl::OkStatus();
}

bool Block::Section::IndexChunkColumns() {
  // The group header lists (ts_len, val_len) per chunk; all timestamp columns follow it,
  // then all value columns.
  Decoder d(raw);
  uint64_t count;
  if (!d.Uvarint(&count) || count > raw.size()) return false;
  ts.resize(count + 1);
  val.resize(count + 1);
  uint64_t ts_total = 0, val_total = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t a, b;
    if (!d.Uvarint(&a) || !d.Uvarint(&b)) return false;
    ts[i] = static_cast<uint32_t>(ts_total);
    val[i] = static_cast<uint32_t>(val_total);
    ts_total += a;
    val_total += b;
    if (a > raw.size() || b > raw.size() || ts_total + val_total > raw.size()) return false;
  }
  if (ts_total + val_total > d.remaining()) return false;
  ts[count] = static_cast<uint32_t>(ts_total);
  val[count] = static_cast<uint32_t>(val_total);
  const auto columns_start = static_cast<uint32_t>(raw.size() - d.remaining());
  for (auto& o : ts) o += columns_start;
  for (auto& o : val) o += columns_start + static_cast<uint32_t>(ts_total);
  return true;
}

absl::StatusOr<std::shared_ptr<const Block::Section>> Block::CachedSection(uint64_t file,
                                                                        uint64_t off) const {
  const SectionCache::Key key{owner_, file, off};
  if (auto hit = cache_->Lookup(key)) return std::static_pointer_cast<const Section>(hit);
  auto raw = file == 0 ? index_file_.ReadSection(off) : chunks_file_.ReadSection(off);
  if (!raw.ok()) {
    return Damaged(
        absl::DataLossError(absl::StrCat("block ", meta_.ulid, ": ", raw.status().message())));
  }
  auto sec = std::make_shared<Section>();
  sec->raw = std::move(*raw);
  if (file == 1 && !sec->IndexChunkColumns()) {
    return Damaged(absl::DataLossError(
        absl::StrCat("block ", meta_.ulid, ": bad chunk group at offset ", off)));
  }
  const size_t charge = sizeof(Section) + sec->raw.capacity() +
                        (sec->ts.capacity() + sec->val.capacity()) * sizeof(uint32_t);
  std::shared_ptr<const Section> sp = std::move(sec);
  cache_->Insert(key, sp, charge);
  return sp;
}

absl::Status Block::Series(uint32_t ordinal, model::Labels* labels, std::vector<BlockChunkMeta>* chunks,
                           SeriesCursor* cursor) const {
  if (ordinal >= num_series_) return absl::OutOfRangeError("series ordinal out of range");
  const uint64_t page_index = ordinal / kSeriesPerPage;
  SeriesCursor local;
  SeriesCursor& c = cursor != nullptr ? *cursor : local;
  if (c.page_index_ != page_index || c.next_ > ordinal) {
    auto page = CachedSection(0, pages_[page_index]);
    if (!page.ok()) return page.status();
    c.page_ = std::move(*page);
    c.page_index_ = page_index;
    c.next_ = static_cast<uint32_t>(page_index * kSeriesPerPage);
    c.offset_ = 0;
    c.prev_ref_ = 0;
  }
  const std::string& raw = c.page_->raw;
  Decoder d(raw.data() + c.offset_, raw.size() - c.offset_);
  auto bad = [&] {
    c.page_index_ = ~uint64_t{0};
    return Damaged(absl::DataLossError(absl::StrCat("block ", meta_.ulid, ": bad series page")));
  };
  int64_t prev_ref = c.prev_ref_;
  for (uint32_t i = c.next_; i <= ordinal; ++i) {
    uint64_t nl, nc;
    if (!d.Uvarint(&nl) || nl > d.remaining()) return bad();
    std::vector<model::Label> ls;
    bool want = i == ordinal;
    if (want) ls.reserve(nl);
    for (uint64_t j = 0; j < nl; ++j) {
      uint64_t a, b;
      if (!d.Uvarint(&a) || !d.Uvarint(&b) || a >= symbols_.size() || b >= symbols_.size()) return bad();
      if (want) ls.push_back(model::Label{symbols_[a], symbols_[b]});
    }
    if (!d.Uvarint(&nc) || nc > d.remaining()) return bad();
    if (want) chunks->clear();
    int64_t prev_maxt = 0;
    for (uint64_t j = 0; j < nc; ++j) {
      int64_t dm, dr;
      uint64_t span;
      if (!d.Varint(&dm) || !d.Uvarint(&span) || !d.Varint(&dr)) return bad();
      int64_t mint = WrapAdd(prev_maxt, dm);
      prev_maxt = WrapAdd(mint, static_cast<int64_t>(span));
      prev_ref = WrapAdd(prev_ref, dr);
      if (want) chunks->push_back(BlockChunkMeta{mint, prev_maxt, static_cast<uint64_t>(prev_ref)});
    }
    if (want) *labels = model::Labels::FromSorted(std::move(ls));
  }
  c.next_ = ordinal + 1;
  c.offset_ = raw.size() - d.remaining();
  c.prev_ref_ = prev_ref;
  return absl::OkStatus();
}

namespace {

// Decodes samples [from, n) of a histogram chunk's value column (mode 2 or 3) into *out.
absl::Status DecodeHistogramChunk(std::string_view vv, size_t n, size_t from,
                                  Block::ChunkHistograms* out) {
  if (IsHistogramColumnValues(vv)) {
    out->type = storage::ValueType::kHistogram;
    out->fh.clear();
    return DecodeHistogramColumns(vv, n, from, &out->h);
  }
  const auto enc = static_cast<chunkenc::Encoding>(static_cast<uint8_t>(vv[1]));
  const std::string_view bytes = vv.substr(2);
  out->h.clear();
  out->fh.clear();
  size_t i = 0;
  if (enc == chunkenc::Encoding::kHistogram) {
    out->type = storage::ValueType::kHistogram;
    chunkenc::HistogramIterator it(bytes);
    while (it.Next()) {
      if (i++ < from) continue;
      it.AtHistogram(&out->h.emplace_back());
    }
    if (!it.status().ok()) return absl::DataLossError(it.status().message());
  } else if (enc == chunkenc::Encoding::kFloatHistogram) {
    out->type = storage::ValueType::kFloatHistogram;
    chunkenc::FloatHistogramIterator it(bytes);
    while (it.Next()) {
      if (i++ < from) continue;
      it.AtFloatHistogram(&out->fh.emplace_back());
    }
    if (!it.status().ok()) return absl::DataLossError(it.status().message());
  } else {
    return absl::DataLossError(
        absl::StrCat("histogram chunk with unknown encoding ", static_cast<int>(enc)));
  }
  if (i != n) {
    return absl::DataLossError(absl::StrCat("histogram chunk holds ", i,
                                            " samples, its timestamps column ", n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Block::ReadChunk(uint64_t ref, std::vector<int64_t>* ts, std::vector<double>* vs,
                              int64_t mint, ChunkHistograms* hist, bool markers_only) const {
  if (hist != nullptr) hist->type = storage::ValueType::kFloat;
  auto group = CachedSection(1, ChunkRefGroup(ref));
  if (!group.ok()) return group.status();
  const Section& g = **group;
  const uint32_t idx = ChunkRefIndex(ref);
  if (idx + 1 >= g.ts.size()) {
    return Damaged(absl::DataLossError(
        absl::StrCat("block ", meta_.ulid, ": chunk ref ", ref, " beyond its group")));
  }
  auto column = [&](const std::vector<uint32_t>& offs, uint64_t i) {
    return std::string_view(g.raw.data() + offs[i], offs[i + 1] - offs[i]);
  };
  size_t from = 0;
  if (auto st = DecodeTimestampsFrom(column(g.ts, idx), mint, ts, &from); !st.ok()) {
    return Damaged(st);
  }
  const size_t n = from + ts->size();
  std::string_view vv = column(g.val, idx);
  if (IsHistogramChunkValues(vv) || IsHistogramColumnValues(vv)) {
    vs->clear();
    if (hist == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "block ", meta_.ulid, ": chunk ref ", ref, " holds native histograms, not floats"));
    }
    return Damaged(DecodeHistogramChunk(vv, n, from, hist));
  }
  auto ref_idx = ValuesReference(vv, idx);
  if (!ref_idx.ok()) return Damaged(ref_idx.status());
  std::string_view refv =
      *ref_idx >= 0 ? column(g.val, static_cast<uint64_t>(*ref_idx)) : std::string_view();
  return Damaged(markers_only ? DecodeNonFiniteValues(vv, n, refv, vs, from)
                              : DecodeValues(vv, n, refv, vs, from));
}

std::pair<size_t, size_t> Block::NameRange(std::string_view name) const {
  auto lo = std::lower_bound(postings_.begin(), postings_.end(), name,
                             [&](const PostingsEntry& e, std::string_view n) {
                               return symbols_[e.name] < n;
                             });
  auto hi = lo;
  while (hi != postings_.end() && symbols_[hi->name] == name) ++hi;
  return {static_cast<size_t>(lo - postings_.begin()), static_cast<size_t>(hi - postings_.begin())};
}

std::vector<uint32_t> Block::DecodePostings(const PostingsEntry& e, const char* data,
                                            uint64_t data_offset) {
  Decoder d(data + (e.offset - data_offset), e.len);
  uint64_t n, acc = 0, x;
  std::vector<uint32_t> out;
  if (!d.Uvarint(&n)) return out;
  out.reserve(n);
  for (uint64_t i = 0; i < n && d.Uvarint(&x); ++i) {
    acc += x;
    out.push_back(static_cast<uint32_t>(acc));
  }
  return out;
}

std::optional<std::vector<std::vector<uint32_t>>> Block::ReadPostingsLists(
    const std::vector<size_t>& idx) const {
  std::vector<std::vector<uint32_t>> out;
  out.reserve(idx.size());
  std::string buf;
  for (size_t i = 0; i < idx.size();) {
    // Entries are in file order: extend the run while the next list starts close by.
    const uint64_t begin = postings_[idx[i]].offset;
    uint64_t end = begin + postings_[idx[i]].len;
    size_t j = i + 1;
    while (j < idx.size() && postings_[idx[j]].offset <= end + kPostingsReadGap) {
      end = std::max(end, postings_[idx[j]].offset + postings_[idx[j]].len);
      ++j;
    }
    buf.resize(end - begin);
    if (auto st = index_file_.ReadAt(begin, buf.size(), buf.data()); !st.ok()) {
      (void)Damaged(absl::DataLossError(absl::StrCat("block ", meta_.ulid, ": ", st.message())));
      return std::nullopt;
    }
    for (; i < j; ++i) out.push_back(DecodePostings(postings_[idx[i]], buf.data(), begin));
  }
  return out;
}

std::vector<uint32_t> Block::Postings(absl::Span<const model::Matcher> matchers) const {
  std::vector<uint32_t> result;
  bool have = false;
  auto all = [&] {
    std::vector<uint32_t> v(num_series_);
    for (uint32_t i = 0; i < num_series_; ++i) v[i] = i;
    return v;
  };
  // Positive matchers first: they narrow fastest.
  std::vector<const model::Matcher*> order;
  for (const auto& m : matchers) if (!m.MatchesEmpty()) order.push_back(&m);
  for (const auto& m : matchers) if (m.MatchesEmpty()) order.push_back(&m);
  for (const model::Matcher* m : order) {
    auto [lo, hi] = NameRange(m->name());
    std::vector<size_t> wanted;
    bool positive = !m->MatchesEmpty();
    for (size_t i = lo; i < hi; ++i) {
      bool match = m->Matches(symbols_[postings_[i].value]);
      if (match == positive) wanted.push_back(i);
    }
    auto lists = ReadPostingsLists(wanted);
    if (!lists) return {};
    std::vector<uint32_t> set = Union(std::move(*lists));
    if (positive) {
      result = have ? Intersect(result, set) : std::move(set);
    } else {
      result = Subtract(have ? result : all(), set);
    }
    have = true;
    if (result.empty()) return result;
  }
  return have ? result : all();
}

std::vector<std::string> Block::LabelNames() const {
  std::vector<std::string> out;
  for (const auto& e : postings_) {
    if (out.empty() || out.back() != symbols_[e.name]) out.push_back(symbols_[e.name]);
  }
  return out;
}

std::vector<std::string> Block::LabelValues(std::string_view name) const {
  auto [lo, hi] = NameRange(name);
  std::vector<std::string> out;
  for (size_t i = lo; i < hi; ++i) out.push_back(symbols_[postings_[i].value]);
  return out;
}

Intervals Block::Tombstones(uint32_t ordinal) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = tombstones_.find(ordinal);
  return it == tombstones_.end() ? Intervals{} : it->second;
}

bool Block::HasTombstones() const {
  std::lock_guard<std::mutex> l(mu_);
  return !tombstones_.empty();
}

absl::StatusOr<size_t> Block::Delete(absl::Span<const model::Matcher> matchers, int64_t mint,
                                     int64_t maxt) {
  std::vector<uint32_t> ords = Postings(matchers);
  std::lock_guard<std::mutex> l(mu_);
  TombstoneMap next = tombstones_;
  size_t touched = 0;
  for (uint32_t o : ords) {
    AddInterval(&next[o], Interval{mint, maxt});
    ++touched;
  }
  if (touched == 0) return 0;
  if (auto st = WriteTombstones(dir_, next); !st.ok()) return st;
  tombstones_ = std::move(next);
  meta_.stats.num_tombstones = tombstones_.size();
  return touched;
}

}  // namespace promlet::tsdb
