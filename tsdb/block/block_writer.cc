#include "tsdb/block/block_writer.h"

#include <limits>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "tsdb/block/block_format.h"
#include "tsdb/block/chunk_codec.h"
#include "tsdb/block/histogram_codec.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/varint.h"

namespace promlet::tsdb {
namespace fs = std::filesystem;
using namespace blockfmt;

namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status IoError(const std::string& what, int err) {
  if (err == ENOSPC || err == EFBIG || err == EDQUOT) {
    return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(err)));
  }
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

void FsyncPath(const std::string& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<BlockWriter>> BlockWriter::Create(const std::string& parent_dir,
                                                                 BlockWriterOptions opts) {
  auto w = std::unique_ptr<BlockWriter>(new BlockWriter());
  w->opts_ = opts;
  w->parent_ = parent_dir;
  w->ulid_ = NewUlid(opts.now_ms ? opts.now_ms : WallMs());
  w->tmp_dir_ = absl::StrCat(parent_dir, "/", w->ulid_, kTmpBlockSuffix);
  std::error_code ec;
  fs::create_directories(w->tmp_dir_, ec);
  if (ec) return absl::InternalError(absl::StrCat("create ", w->tmp_dir_, ": ", ec.message()));
  std::string path = w->tmp_dir_ + "/chunks";
  w->chunks_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->chunks_fd_ < 0) return IoError("create " + path, errno);
  if (auto st = w->WriteAll(w->chunks_fd_, std::string(kChunksMagic, kMagicLen), "chunks");
      !st.ok()) {
    return st;
  }
  w->chunks_offset_ = kMagicLen;
  return w;
}

BlockWriter::~BlockWriter() {
  if (chunks_fd_ >= 0) ::close(chunks_fd_);
  if (!finished_) {
    std::error_code ec;
    fs::remove_all(tmp_dir_, ec);
  }
}

absl::Status BlockWriter::WriteAll(int fd, const std::string& data, const char* what) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::write(fd, data.data() + done, data.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return IoError(absl::StrCat("block ", ulid_, ": write ", what), w < 0 ? errno : ENOSPC);
    done += static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

absl::Status BlockWriter::AddSeries(const model::Labels& labels, absl::Span<const int64_t> ts,
                                    absl::Span<const double> vs) {
  if (ts.empty() || ts.size() != vs.size()) {
    return absl::InvalidArgumentError("block writer: empty series or length mismatch");
  }
  if (!series_.empty() && model::Labels::Compare(series_.back().labels, labels) >= 0) {
    return absl::InvalidArgumentError(absl::StrCat("block writer: series out of order: ",
                                                   labels.ToString()));
  }
  for (size_t i = 1; i < ts.size(); ++i) {
    if (ts[i] <= ts[i - 1]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "block writer: timestamps not increasing in ", labels.ToString()));
    }
  }
  series_.push_back(SeriesEntry{labels, {}});
  size_t sidx = series_.size() - 1;
  for (size_t start = 0; start < ts.size(); start += kMaxChunkSamples) {
    size_t n = std::min(kMaxChunkSamples, ts.size() - start);
    if (auto st = AddChunk(sidx, ts.subspan(start, n), vs.subspan(start, n), 1, {}); !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

absl::Status BlockWriter::AddChunk(size_t sidx, absl::Span<const int64_t> ts,
                                   absl::Span<const double> vs, uint8_t encoding,
                                   std::string_view bytes) {
  size_t ts0 = group_ts_.size(), v0 = group_vals_.size();
  EncodeTimestamps(ts, &group_ts_);
  if (encoding == 1) {
    value_encoder_.Encode(vs, static_cast<uint32_t>(group_lens_.size()), &group_vals_);
  } else if (encoding != static_cast<uint8_t>(chunkenc::Encoding::kHistogram) ||
             opts_.histogram_chunk_bytes ||
             !EncodeHistogramColumns(bytes, ts.size(), &group_vals_)) {
    EncodeHistogramChunkValues(encoding, bytes, &group_vals_);
  }
  group_lens_.emplace_back(static_cast<uint32_t>(group_ts_.size() - ts0),
                           static_cast<uint32_t>(group_vals_.size() - v0));
  series_[sidx].chunks.push_back(ChunkMeta{ts.front(), ts.back(), 0});
  pending_refs_.emplace_back(sidx, series_[sidx].chunks.size() - 1);
  ++num_chunks_;
  num_samples_ += ts.size();
  if (group_ts_.size() + group_vals_.size() >= kGroupTargetBytes || group_lens_.size() >= 65535) {
    if (auto st = FlushGroup(); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status BlockWriter::AddSeriesChunks(const model::Labels& labels,
                                          absl::Span<const Chunk> chunks) {
  int64_t prev = std::numeric_limits<int64_t>::min();
  bool first = true;
  size_t total = 0;
  for (const Chunk& c : chunks) {
    const bool floats = c.encoding == 1;
    if (c.ts.empty() || (floats && c.ts.size() != c.vs.size()) || (!floats && c.bytes.empty()) ||
        (c.encoding != 1 && c.encoding != 2 && c.encoding != 3)) {
      return absl::InvalidArgumentError(
          absl::StrCat("block writer: empty or malformed chunk in ", labels.ToString()));
    }
    for (int64_t t : c.ts) {
      if (!first && t <= prev) {
        return absl::InvalidArgumentError(
            absl::StrCat("block writer: timestamps not increasing in ", labels.ToString()));
      }
      first = false;
      prev = t;
    }
    total += c.ts.size();
  }
  if (total == 0) return absl::InvalidArgumentError("block writer: empty series");
  if (!series_.empty() && model::Labels::Compare(series_.back().labels, labels) >= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("block writer: series out of order: ", labels.ToString()));
  }
  series_.push_back(SeriesEntry{labels, {}});
  const size_t sidx = series_.size() - 1;
  NoteStartTimestamps(sidx, chunks);
  for (const Chunk& c : chunks) {
    if (c.encoding != 1) {
      if (auto st = AddChunk(sidx, c.ts, {}, c.encoding, c.bytes); !st.ok()) return st;
      continue;
    }
    absl::Span<const int64_t> ts(c.ts);
    absl::Span<const double> vs(c.vs);
    for (size_t start = 0; start < ts.size(); start += kMaxChunkSamples) {
      size_t n = std::min(kMaxChunkSamples, ts.size() - start);
      if (auto st = AddChunk(sidx, ts.subspan(start, n), vs.subspan(start, n), 1, {}); !st.ok()) {
        return st;
      }
    }
  }
  return absl::OkStatus();
}

void BlockWriter::NoteStartTimestamps(size_t sidx, absl::Span<const Chunk> chunks) {
  std::string entries;
  uint64_t n = 0;
  int64_t prev_t = 0;
  for (const Chunk& c : chunks) {
    for (size_t i = 0; i < c.sts.size() && i < c.ts.size(); ++i) {
      if (c.sts[i] == 0) continue;
      PutVarint(&entries, WrapSub(c.ts[i], prev_t));
      PutVarint(&entries, WrapSub(c.ts[i], c.sts[i]));
      prev_t = c.ts[i];
      ++n;
    }
  }
  if (n == 0) return;
  PutUvarint(&st_raw_, sidx);
  PutUvarint(&st_raw_, n);
  st_raw_ += entries;
  ++st_series_;
}

absl::Status BlockWriter::FlushGroup() {
  if (group_lens_.empty()) return absl::OkStatus();
  std::string raw;
  PutUvarint(&raw, group_lens_.size());
  for (auto [a, b] : group_lens_) {
    PutUvarint(&raw, a);
    PutUvarint(&raw, b);
  }
  raw += group_ts_;
  raw += group_vals_;
  std::string section;
  AppendSection(raw, opts_.zstd_level, &section);
  for (size_t i = 0; i < pending_refs_.size(); ++i) {
    auto [s, c] = pending_refs_[i];
    series_[s].chunks[c].ref = MakeChunkRef(chunks_offset_, static_cast<uint32_t>(i));
  }
  if (auto st = WriteAll(chunks_fd_, section, "chunks"); !st.ok()) return st;
  chunks_offset_ += section.size();
  group_lens_.clear();
  group_ts_.clear();
  group_vals_.clear();
  pending_refs_.clear();
  value_encoder_.NewGroup();
  return absl::OkStatus();
}

absl::StatusOr<BlockMeta> BlockWriter::Finish(int64_t min_time, int64_t max_time, int level,
                                              std::vector<std::string> sources,
                                              std::vector<std::string> parents) {
  if (series_.empty()) return absl::NotFoundError("block writer: no series");
  if (auto st = FlushGroup(); !st.ok()) return st;
  if (::fsync(chunks_fd_) != 0) return IoError("fsync chunks", errno);
  ::close(chunks_fd_);
  chunks_fd_ = -1;

  // Symbols: every distinct name and value, sorted.
  std::vector<std::string_view> syms;
  for (const auto& s : series_) {
    for (const auto& l : s.labels) {
      syms.push_back(l.name);
      syms.push_back(l.value);
    }
  }
  std::sort(syms.begin(), syms.end());
  syms.erase(std::unique(syms.begin(), syms.end()), syms.end());
  absl::flat_hash_map<std::string_view, uint32_t> sym_id;
  sym_id.reserve(syms.size());
  std::string raw;
  PutUvarint(&raw, syms.size());
  for (size_t i = 0; i < syms.size(); ++i) {
    sym_id[syms[i]] = static_cast<uint32_t>(i);
    PutString(&raw, syms[i]);
  }
  std::string index(kIndexMagic, kMagicLen);
  uint64_t symbols_off = index.size();
  AppendSection(raw, opts_.zstd_level, &index);

  // Series pages.
  std::vector<uint64_t> page_offsets;
  for (size_t p = 0; p < series_.size(); p += kSeriesPerPage) {
    raw.clear();
    int64_t prev_ref = 0;  // chunk refs are delta-coded within a page (pages decode alone)
    for (size_t i = p; i < std::min(series_.size(), p + kSeriesPerPage); ++i) {
      const auto& s = series_[i];
      PutUvarint(&raw, s.labels.size());
      for (const auto& l : s.labels) {
        PutUvarint(&raw, sym_id[l.name]);
        PutUvarint(&raw, sym_id[l.value]);
      }
      PutUvarint(&raw, s.chunks.size());
      int64_t prev_maxt = 0;
      for (const auto& c : s.chunks) {
        PutVarint(&raw, c.mint - prev_maxt);
        PutUvarint(&raw, static_cast<uint64_t>(c.maxt - c.mint));
        PutVarint(&raw, static_cast<int64_t>(c.ref) - prev_ref);
        prev_maxt = c.maxt;
        prev_ref = static_cast<int64_t>(c.ref);
      }
    }
    page_offsets.push_back(index.size());
    AppendSection(raw, opts_.zstd_level, &index);
  }

  // Postings: (name sym, value sym) -> ordinals. Symbol ids sort like the strings.
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> postings;
  for (size_t i = 0; i < series_.size(); ++i) {
    for (const auto& l : series_[i].labels) {
      postings[{sym_id[l.name], sym_id[l.value]}].push_back(static_cast<uint32_t>(i));
    }
  }
  std::string table;
  PutUvarint(&table, postings.size());
  uint64_t prev_off = 0;
  for (const auto& [key, list] : postings) {
    uint64_t off = index.size();
    PutUvarint(&index, list.size());
    uint32_t prev = 0;
    for (uint32_t o : list) {
      PutUvarint(&index, o - prev);
      prev = o;
    }
    PutUvarint(&table, key.first);
    PutUvarint(&table, key.second);
    PutUvarint(&table, off - prev_off);
    PutUvarint(&table, index.size() - off);
    prev_off = off;
  }
  uint64_t postings_table_off = index.size();
  AppendSection(table, opts_.zstd_level, &index);

  raw.clear();
  PutUvarint(&raw, page_offsets.size());
  uint64_t prev_page = 0;
  for (uint64_t o : page_offsets) {
    PutUvarint(&raw, o - prev_page);
    prev_page = o;
  }
  uint64_t page_table_off = index.size();
  AppendSection(raw, opts_.zstd_level, &index);

  std::string footer;
  PutFixed64(&footer, symbols_off);
  PutFixed64(&footer, postings_table_off);
  PutFixed64(&footer, page_table_off);
  PutFixed64(&footer, series_.size());
  PutFixed32(&footer, Crc32c(footer));
  PutFixed32(&footer, 0);
  footer.append(kIndexEndMagic, kMagicLen);
  index += footer;

  std::string index_path = tmp_dir_ + "/index";
  int fd = ::open(index_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("create " + index_path, errno);
  auto st = WriteAll(fd, index, "index");
  if (st.ok() && ::fsync(fd) != 0) st = IoError("fsync index", errno);
  ::close(fd);
  if (!st.ok()) return st;

  uint64_t st_file_size = 0;
  if (st_series_ > 0) {
    std::string raw_st;
    PutUvarint(&raw_st, st_series_);
    raw_st += st_raw_;
    std::string file(kStartTimestampsMagic, kMagicLen);
    AppendSection(raw_st, opts_.zstd_level, &file);
    const std::string path = tmp_dir_ + "/" + kStartTimestampsFile;
    int sfd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (sfd < 0) return IoError("create " + path, errno);
    auto s = WriteAll(sfd, file, kStartTimestampsFile);
    if (s.ok() && ::fsync(sfd) != 0) s = IoError("fsync start_timestamps", errno);
    ::close(sfd);
    if (!s.ok()) return s;
    st_file_size = file.size();
  }

  BlockMeta meta;
  meta.ulid = ulid_;
  meta.min_time = min_time;
  meta.max_time = max_time;
  meta.stats.num_samples = num_samples_;
  meta.stats.num_series = series_.size();
  meta.stats.num_chunks = num_chunks_;
  meta.compaction_level = level;
  meta.sources = sources.empty() ? std::vector<std::string>{ulid_} : std::move(sources);
  meta.parents = std::move(parents);
  meta.files = {BlockFileInfo{"chunks", chunks_offset_}, BlockFileInfo{"index", index.size()}};
  if (st_file_size > 0) meta.files.push_back(BlockFileInfo{kStartTimestampsFile, st_file_size});
  if (auto s = WriteBlockMeta(tmp_dir_, meta); !s.ok()) return s;
  FsyncPath(tmp_dir_);
  std::string final_dir = absl::StrCat(parent_, "/", ulid_);
  std::error_code ec;
  fs::rename(tmp_dir_, final_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("rename ", tmp_dir_, ": ", ec.message()));
  FsyncPath(parent_);
  finished_ = true;
  return meta;
}

}  // namespace promlet::tsdb
