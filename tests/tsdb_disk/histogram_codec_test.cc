// The block's histogram column codec (value mode 3, tsdb/block/histogram_codec.h): randomised
// round trips against the chunk's own iterator (bit-exact: hints, sums, stale markers, custom
// bounds, schemas above 8, gauges, counter resets, counts wrapping past 2^64), reads of every
// tail, malformed columns failing cleanly, and blocks of earlier builds (mode 2) still read.
#include "tsdb/block/histogram_codec.h"

#include <unistd.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "gtest/gtest.h"
#include "model/value.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/block/series_chunker.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/histogram_chunk.h"

namespace promlet::tsdb {
namespace {
namespace fs = std::filesystem;
namespace mh = ::promlet::model::histogram;

std::string Bits(double v) { return std::to_string(std::bit_cast<uint64_t>(v)); }

// Every field, floats by their bits.
std::string Dump(const mh::Histogram& h) {
  std::string s = "hint=" + std::to_string(static_cast<int>(h.counter_reset_hint)) +
                  " schema=" + std::to_string(h.schema) + " zt=" + Bits(h.zero_threshold) +
                  " zc=" + std::to_string(h.zero_count) + " c=" + std::to_string(h.count) +
                  " sum=" + Bits(h.sum) + " pos=";
  for (const mh::Span& sp : h.positive_spans) {
    s += std::to_string(sp.offset) + ":" + std::to_string(sp.length) + ",";
  }
  s += " neg=";
  for (const mh::Span& sp : h.negative_spans) {
    s += std::to_string(sp.offset) + ":" + std::to_string(sp.length) + ",";
  }
  s += " pb=";
  for (int64_t b : h.positive_buckets) s += std::to_string(b) + ",";
  s += " nb=";
  for (int64_t b : h.negative_buckets) s += std::to_string(b) + ",";
  s += " cv=";
  if (h.custom_values != nullptr) {
    for (double b : *h.custom_values) s += Bits(b) + ",";
  }
  return s;
}

// A random series: schema (exponential, above 8, or custom bounds), buckets appearing over
// time on both sides, counter resets, gauges, stale markers, counts near 2^64.
std::vector<mh::Histogram> RandomSeries(std::mt19937_64& rng, int n) {
  const int kind = static_cast<int>(rng() % 5);
  const bool gauge = rng() % 4 == 0;
  const int32_t schema = kind == 0   ? mh::kCustomBucketsSchema
                         : kind == 1 ? 9 + static_cast<int32_t>(rng() % 4)
                                     : static_cast<int32_t>(rng() % 9) - 1;
  const uint64_t base = rng() % 6 == 0 ? ~uint64_t{0} - 1000 : 0;  // wraps past 2^64
  const int width = 1 + static_cast<int>(rng() % 160);
  const double rate = std::ldexp(1.0, static_cast<int>(rng() % 12));
  std::map<int32_t, uint64_t> pos, neg;
  uint64_t count = base, zero = base;
  double sum = 0;
  std::vector<mh::Histogram> out;
  std::poisson_distribution<int> per_scrape(rate);
  std::normal_distribution<double> where(0, width / 4.0);
  for (int i = 0; i < n; ++i) {
    if (rng() % 200 == 0 || (gauge && rng() % 3 == 0)) {  // reset (or a gauge going down)
      pos.clear();
      neg.clear();
      count = zero = 0;
      sum = 0;
    }
    mh::Histogram h;
    if (rng() % 40 == 0) {
      h.sum = std::bit_cast<double>(model::kStaleNaNBits);
      out.push_back(h);
      continue;
    }
    for (int k = per_scrape(rng); k > 0; --k) {
      int32_t idx = static_cast<int32_t>(std::lround(where(rng)));
      ++count;
      sum += std::ldexp(1.0, idx % 30) * 0.37;
      if (kind == 0) {
        idx = std::clamp(idx + width / 2, 0, width);
        ++pos[idx];
      } else if (idx == 0 && rng() % 3 == 0) {
        ++zero;
      } else if (kind != 0 && rng() % 5 == 0) {
        ++neg[idx];
      } else {
        ++pos[idx];
      }
    }
    if (rng() % 7 == 0) ++count;  // a NaN observation: in count only
    h.schema = schema;
    h.count = count;
    h.sum = rng() % 50 == 0 ? std::nan("") : sum;
    if (kind != 0) {
      h.zero_threshold = rng() % 30 == 0 ? 1e-300 : std::ldexp(1.0, -128);
      h.zero_count = zero;
    } else {
      std::vector<double> bounds;
      for (int b = 0; b < width; ++b) bounds.push_back(0.005 * (b + 1) * (b + 1));
      h.custom_values = mh::MakeCustomValues(std::move(bounds));
    }
    if (gauge) h.counter_reset_hint = mh::CounterResetHint::kGauge;
    auto fill = [](const std::map<int32_t, uint64_t>& m, std::vector<mh::Span>* spans,
                   std::vector<int64_t>* buckets) {
      int32_t next = 0;
      uint64_t prev = 0;
      for (const auto& [idx, c] : m) {
        if (spans->empty() || idx != next) {
          spans->push_back({spans->empty() ? idx : idx - next, 0});
        }
        ++spans->back().length;
        buckets->push_back(static_cast<int64_t>(c - prev));
        prev = c;
        next = idx + 1;
      }
    };
    fill(pos, &h.positive_spans, &h.positive_buckets);
    fill(neg, &h.negative_spans, &h.negative_buckets);
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<BlockWriter::Chunk> Chunks(const std::vector<mh::Histogram>& series) {
  SeriesChunker chunker;
  for (size_t i = 0; i < series.size(); ++i) {
    EXPECT_TRUE(chunker.AddHistogram(static_cast<int64_t>(i) * 15000, series[i]).ok());
  }
  return chunker.Take();
}

TEST(HistogramColumns, RandomChunksRoundTripBitExact) {
  std::mt19937_64 rng(20);
  size_t chunks = 0, column_bytes = 0, chunk_bytes = 0;
  for (int round = 0; round < 60; ++round) {
    for (const BlockWriter::Chunk& c :
         Chunks(RandomSeries(rng, 1 + static_cast<int>(rng() % 400)))) {
      ASSERT_EQ(c.encoding, static_cast<uint8_t>(chunkenc::Encoding::kHistogram));
      std::vector<mh::Histogram> want;
      chunkenc::HistogramIterator it(c.bytes);
      while (it.Next()) it.AtHistogram(&want.emplace_back());
      ASSERT_TRUE(it.status().ok());
      ASSERT_EQ(want.size(), c.ts.size());
      std::string col;
      ASSERT_TRUE(EncodeHistogramColumns(c.bytes, c.ts.size(), &col));
      ++chunks;
      column_bytes += col.size();
      chunk_bytes += c.bytes.size();
      for (size_t from : {size_t{0}, want.size() / 2, want.size() - 1, want.size()}) {
        std::vector<mh::Histogram> got;
        ASSERT_TRUE(DecodeHistogramColumns(col, want.size(), from, &got).ok());
        ASSERT_EQ(got.size(), want.size() - from);
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_EQ(Dump(got[i]), Dump(want[from + i])) << "round " << round << " sample " << i;
        }
      }
    }
  }
  EXPECT_GT(chunks, 100u);
  // Columns are smaller than the chunk bytes they replace (before zstd, which favours them).
  EXPECT_LT(column_bytes, chunk_bytes) << column_bytes << " vs " << chunk_bytes;
}

TEST(HistogramColumns, RefusesWhatItCannotHold) {
  std::string col;
  EXPECT_FALSE(EncodeHistogramColumns("", 0, &col));
  auto chunks = Chunks({mh::Histogram()});
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_FALSE(EncodeHistogramColumns(chunks[0].bytes, 2, &col));  // count mismatch
  EXPECT_TRUE(col.empty());
}

TEST(HistogramColumns, MalformedColumnsFailCleanly) {
  std::mt19937_64 rng(7);
  auto chunks = Chunks(RandomSeries(rng, 300));
  for (const BlockWriter::Chunk& c : chunks) {
    std::string col;
    ASSERT_TRUE(EncodeHistogramColumns(c.bytes, c.ts.size(), &col));
    std::vector<mh::Histogram> got;
    for (size_t cut = 0; cut + 8 < col.size(); cut += 1 + cut / 4) {
      // Truncated headers fail; a truncated residual stream may decode into other counts but
      // never reads outside its input (ASan) nor allocates without bound.
      (void)DecodeHistogramColumns(col.substr(0, cut), c.ts.size(), 0, &got);
    }
    for (int flip = 0; flip < 50; ++flip) {
      std::string bad = col;
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      (void)DecodeHistogramColumns(bad, c.ts.size(), 0, &got);
    }
    EXPECT_FALSE(DecodeHistogramColumns(col.substr(0, 3), c.ts.size(), 0, &got).ok());
  }
  std::vector<mh::Histogram> got;
  EXPECT_FALSE(DecodeHistogramColumns("\x03", 1, 0, &got).ok());
}

std::string TempDir(const std::string& name) {
  std::string d =
      (fs::temp_directory_path() / ("promlet_hcol_" + name + "_" + std::to_string(getpid())))
          .string();
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Writes the same series with the given writer options; returns the block's histograms and
// its chunks file size.
std::pair<std::vector<std::string>, uint64_t> WriteAndRead(const std::string& dir,
                                                           const std::vector<mh::Histogram>& s,
                                                           bool chunk_bytes) {
  BlockWriterOptions opts;
  opts.histogram_chunk_bytes = chunk_bytes;
  auto w = BlockWriter::Create(dir, opts);
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE((*w)->AddSeriesChunks({{"__name__", "h"}}, Chunks(s)).ok());
  auto meta = (*w)->Finish(0, static_cast<int64_t>(s.size()) * 15000);
  EXPECT_TRUE(meta.ok());
  auto block = Block::Open(dir + "/" + meta->ulid);
  EXPECT_TRUE(block.ok()) << block.status();
  std::vector<std::string> got;
  model::Labels ls;
  std::vector<BlockChunkMeta> metas;
  EXPECT_TRUE((*block)->Series(0, &ls, &metas).ok());
  for (const BlockChunkMeta& m : metas) {
    std::vector<int64_t> ts;
    std::vector<double> vs;
    Block::ChunkHistograms hist;
    EXPECT_TRUE((*block)->ReadChunk(m.ref, &ts, &vs, INT64_MIN, &hist).ok());
    EXPECT_EQ(hist.type, storage::ValueType::kHistogram);
    EXPECT_EQ(hist.h.size(), ts.size());
    for (const mh::Histogram& h : hist.h) got.push_back(Dump(h));
  }
  return {got, fs::file_size(dir + "/" + meta->ulid + "/chunks")};
}

TEST(HistogramColumns, BlocksOfEarlierBuildsStillReadAndColumnsAreSmaller) {
  std::mt19937_64 rng(3);
  const std::string dir = TempDir("old");
  for (int round = 0; round < 4; ++round) {
    auto series = RandomSeries(rng, 720);
    auto [old_read, old_bytes] = WriteAndRead(dir, series, /*chunk_bytes=*/true);
    auto [new_read, new_bytes] = WriteAndRead(dir, series, /*chunk_bytes=*/false);
    ASSERT_EQ(old_read.size(), series.size());
    ASSERT_EQ(new_read, old_read);
    EXPECT_LT(new_bytes, old_bytes) << "round " << round;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promlet::tsdb
