// Fuzz: what the storage reads back from disk: WAL record payloads (tsdb/wlog/wal_records.h),
// a block's meta.json (tsdb/block/block_meta.h), the chunk codec streams (chunk_codec.h) and
// compressed sections (block_format.h), and whole blocks whose index or chunks file is
// damaged (Block::Open, then every series and chunk read). The corpus is built by the
// encoders themselves, so every seed is a valid input.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/value.h"
#include "tests/fuzz/mutator.h"
#include "tests/tsdb/histogram_chunk_test_util.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_format.h"
#include "tsdb/block/block_meta.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/block/chunk_codec.h"
#include "tsdb/block/histogram_codec.h"
#include "tsdb/block/series_chunker.h"
#include "tsdb/wlog/wal_records.h"

namespace promlet::tsdb {
namespace {

std::vector<int64_t> Times(size_t n, int64_t step) {
  std::vector<int64_t> ts(n);
  for (size_t i = 0; i < n; ++i) ts[i] = 1700000000000 + static_cast<int64_t>(i) * step;
  return ts;
}

std::vector<std::string> WalCorpus() {
  std::vector<std::string> out(4);
  EncodeSeriesRecord(std::vector<RefSeries>{{1, model::Labels{{"__name__", "up"}, {"job", "a"}}},
                                            {7, model::Labels{{"__name__", "x"}, {"\xc3\xa9", "v"}}}},
                     &out[0]);
  EncodeSamplesRecord(std::vector<RefSample>{{1, 1000, 1},
                                             {7, 1001, 0.5},
                                             {1, 2000, std::nan("")},
                                             {3, -5, 1e300},
                                             {2, INT64_MAX, -4503599627370495}},
                      &out[1]);
  EncodeTombstonesRecord(std::vector<WalTombstone>{{1, 0, 100}, {9, INT64_MIN, INT64_MAX}},
                         &out[2]);
  AppendFramedRecord(out[1], &out[3]);
  return out;
}

TEST(FuzzTsdb, WalRecords) {
  // Regression (found by this test): the encoder's timestamp delta overflowed (signed) for a
  // sample at INT64_MAX after one at -5; deltas wrap now, as the decoder's do.
  std::vector<RefSample> decoded;
  ASSERT_TRUE(DecodeSamplesRecord(WalCorpus()[1], &decoded).ok());
  ASSERT_EQ(decoded.size(), 5u);
  EXPECT_EQ(decoded[3].t, -5);
  EXPECT_EQ(decoded[4].t, INT64_MAX);
  fuzz::RunFuzz(WalCorpus(), {"\x01", "\x02", "\x03", "\xff\xff\xff\xff\x0f", "\x80"}, 20000,
                [](const std::string& in) {
                  std::vector<RefSeries> series;
                  std::vector<RefSample> samples;
                  std::vector<WalTombstone> tombstones;
                  PROMLET_EXPECT_ERROR_HAS_MESSAGE(DecodeSeriesRecord(in, &series));
                  PROMLET_EXPECT_ERROR_HAS_MESSAGE(DecodeSamplesRecord(in, &samples));
                  PROMLET_EXPECT_ERROR_HAS_MESSAGE(DecodeTombstonesRecord(in, &tombstones));
                });
}

TEST(FuzzTsdb, BlockMetaJson) {
  BlockMeta m;
  m.ulid = NewUlid(1700000000000);
  m.min_time = 1700000000000;
  m.max_time = 1700007200000;
  m.stats = {100, 10, 20, 0};
  m.compaction_level = 2;
  m.sources = {NewUlid(1700000000000), NewUlid(1700003600000)};
  m.parents = m.sources;
  std::vector<std::string> corpus = {BlockMetaToJson(m), "{}", "[]", "{\"ulid\":1}"};
  fuzz::RunFuzz(corpus, {"\"", ":", ",", "{", "}", "[", "]", "null", "1e999", "-1", "\\u0000"},
                20000, [](const std::string& in) {
                  auto meta = BlockMetaFromJson(in);
                  if (!meta.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(meta.status());
                });
}

// The block's histogram columns (value mode 3): exponential, custom-bucket and stale samples.
TEST(FuzzTsdb, HistogramColumns) {
  std::vector<std::string> corpus;
  SeriesChunker chunker;
  for (int64_t i = 0; i < 60; ++i) {
    model::histogram::Histogram h = i % 20 == 19 ? model::histogram::Histogram()
                                    : i < 30     ? chunkenc::GenerateTestHistogram(i)
                                                 : chunkenc::GenerateTestCustomBucketsHistogram(i);
    if (i % 20 == 19) h.sum = std::bit_cast<double>(model::kStaleNaNBits);
    ASSERT_TRUE(chunker.AddHistogram(i * 15000, h).ok());
  }
  for (const BlockWriter::Chunk& c : chunker.Take()) {
    std::string col;
    ASSERT_TRUE(EncodeHistogramColumns(c.bytes, c.ts.size(), &col));
    corpus.push_back(col);
  }
  fuzz::RunFuzz(corpus, {}, 10000, [](const std::string& in) {
    std::vector<model::histogram::Histogram> out;
    for (size_t n : {size_t{1}, size_t{30}, size_t{2048}}) {
      PROMLET_EXPECT_ERROR_HAS_MESSAGE(DecodeHistogramColumns(in, n, n / 2, &out));
    }
  });
}

TEST(FuzzTsdb, ChunkCodecStreams) {
  std::vector<std::string> corpus;
  std::string ts;
  EncodeTimestamps(Times(120, 15000), &ts);
  corpus.push_back(ts);
  ts.clear();
  std::vector<int64_t> irregular = {-5, 0, 1, 1000, 1000000, 1000000000000, INT64_MAX / 2};
  EncodeTimestamps(irregular, &ts);
  corpus.push_back(ts);
  std::vector<double> counter(120), gauge(120), mixed = {0, -0.0, 1e300, std::nan(""), 1.5};
  for (size_t i = 0; i < counter.size(); ++i) {
    counter[i] = static_cast<double>(i * 3);
    gauge[i] = std::sin(static_cast<double>(i)) * 100;
  }
  for (const auto* vs : {&counter, &gauge, &mixed}) {
    std::string v;
    EncodeValues(*vs, &v);
    corpus.push_back(v);
  }
  // Reference-predicted value streams: chunks 1 and 2 of a group predicted from chunk 0.
  ValueEncoder enc;
  std::string v0, v1, v2;
  enc.Encode(counter, 0, &v0);
  std::vector<double> counter2 = counter;
  for (auto& x : counter2) x += 1;
  enc.Encode(counter2, 1, &v1);
  enc.Encode(counter2, 2, &v2);
  corpus.push_back(v1);
  corpus.push_back(v2);
  std::string section;
  blockfmt::AppendSection(v0 + ts, 1, &section);
  corpus.push_back(section);
  const std::string ref = v0;
  fuzz::RunFuzz(corpus, {}, 10000, [&ref](const std::string& in) {
    std::vector<int64_t> out_ts;
    PROMLET_EXPECT_ERROR_HAS_MESSAGE(DecodeTimestamps(in, &out_ts));
    std::vector<double> out_vs;
    for (size_t n : {size_t{1}, size_t{5}, size_t{120}, blockfmt::kMaxChunkSamples}) {
      PROMLET_EXPECT_ERROR_HAS_MESSAGE(DecodeValues(in, n, &out_vs));
      PROMLET_EXPECT_ERROR_HAS_MESSAGE(DecodeValues(in, n, ref, &out_vs, n / 2));
    }
    auto r = ValuesReference(in, 3);
    if (!r.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(r.status());
    uint64_t consumed = 0;
    auto s = blockfmt::ReadSection(in, 0, &consumed);
    if (!s.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(s.status());
  });
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Opens the block and reads everything it claims to hold; every failure must be a Status.
void ReadWholeBlock(const std::string& dir) {
  auto b = Block::Open(dir);
  if (!b.ok()) {
    PROMLET_EXPECT_ERROR_HAS_MESSAGE(b.status());
    return;
  }
  (void)(*b)->LabelNames();
  (void)(*b)->LabelValues("job");
  std::vector<uint32_t> all = (*b)->Postings({});
  for (uint32_t ord : all) {
    model::Labels labels;
    std::vector<BlockChunkMeta> chunks;
    absl::Status st = (*b)->Series(ord, &labels, &chunks);
    PROMLET_EXPECT_ERROR_HAS_MESSAGE(st);
    if (!st.ok()) continue;
    for (const auto& c : chunks) {
      std::vector<int64_t> ts;
      std::vector<double> vs;
      PROMLET_EXPECT_ERROR_HAS_MESSAGE((*b)->ReadChunk(c.ref, &ts, &vs));
    }
  }
}

TEST(FuzzTsdb, DamagedBlockFiles) {
  std::string parent = (std::filesystem::temp_directory_path() /
                        ("promlet_fuzz_block_" + std::to_string(getpid())))
                           .string();
  std::filesystem::remove_all(parent);
  std::filesystem::create_directories(parent);
  auto w = BlockWriter::Create(parent);
  ASSERT_TRUE(w.ok()) << w.status();
  std::vector<int64_t> ts = Times(300, 15000);
  for (int s = 0; s < 20; ++s) {
    std::vector<double> vs(ts.size());
    for (size_t i = 0; i < vs.size(); ++i) vs[i] = static_cast<double>(s * 1000 + i);
    char inst[16];
    std::snprintf(inst, sizeof inst, "h%02d", s);
    ASSERT_TRUE((*w)->AddSeries(model::Labels{{"__name__", "m"}, {"instance", inst}, {"job", "j"}}, ts, vs)
                    .ok());
  }
  auto meta = (*w)->Finish(ts.front(), ts.back() + 1);
  ASSERT_TRUE(meta.ok()) << meta.status();
  const std::string dir = parent + "/" + meta->ulid;
  const std::string index = ReadFile(dir + "/index");
  const std::string chunks = ReadFile(dir + "/chunks");
  ASSERT_FALSE(index.empty());
  ASSERT_FALSE(chunks.empty());
  for (const char* file : {"index", "chunks"}) {
    const std::string& original = std::string(file) == "index" ? index : chunks;
    fuzz::RunFuzz(
        {original}, {}, 300,
        [&](const std::string& in) {
          WriteFile(dir + "/" + file, in);
          ReadWholeBlock(dir);
        },
        1 << 20);
    WriteFile(dir + "/" + file, original);
  }
  std::filesystem::remove_all(parent);
}

}  // namespace
}  // namespace promlet::tsdb
