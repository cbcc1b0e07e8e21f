// Block bytes per native-histogram sample (issue 20): the same integer histogram series stored
//   prom    as Prometheus stores them in a block: its chunk bytes plus the chunk file's per-chunk
//           framing (uvarint length, encoding byte, CRC32: 7 bytes), index not counted;
//   mode2   in a promlet block as Prometheus' chunk bytes (the format before mode 3), zstd'ed;
//   mode3   in a promlet block as histogram columns (tsdb/block/histogram_codec.h), zstd'ed.
// promlet figures are the block's chunks file size (only histogram series in it).
//
//   histogram_block_bytes synthetic          series from a generator: 20 series per bucket
//                                            count (10, 40, 160 populated buckets), log-normal
//                                            latencies drifting slowly (spans change now and then),
//                                            Poisson observations per 15 s scrape, 8 h each
//   histogram_block_bytes <promlet data dir> the histogram series of every block of a promlet
//                                            data directory (e.g. after scraping an exporter)
#include <unistd.h>

#include <time.h>

#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "model/histogram/histogram.h"
#include "tsdb/block/block.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/block/chunk_codec.h"
#include "tsdb/block/histogram_codec.h"
#include "tsdb/chunkenc/histogram_chunk.h"
#include "tsdb/block/series_chunker.h"

namespace {
namespace fs = std::filesystem;
namespace mh = promlet::model::histogram;
using promlet::model::Labels;
using promlet::tsdb::BlockWriter;

struct Series {
  Labels labels;
  std::vector<int64_t> ts;
  std::vector<mh::Histogram> hs;
};

// One histogram series: n scrapes 15 s apart of a log-normal latency whose median drifts.
Series Synthetic(std::mt19937_64& rng, int buckets, int id, int n) {
  // Schema s has 2^s buckets per power of two; a log-normal with sigma spans ~6 sigma of
  // log2 range, so pick s and sigma to populate about `buckets` buckets.
  const int schema = buckets <= 10 ? 1 : buckets <= 40 ? 3 : 5;
  const double per_octave = std::ldexp(1.0, schema);
  const double sigma_log2 = buckets / per_octave / 6.0;
  std::normal_distribution<double> z(0, 1);
  std::poisson_distribution<int> per_scrape(50 + id * 10);
  double median_log2 = std::log2(0.05) + id * 0.1;
  std::map<int32_t, int64_t> counts;
  uint64_t count = 0;
  double sum = 0;
  Series s;
  s.labels = Labels::FromSorted({{"__name__", "request_duration_seconds"},
                                 {"buckets", std::to_string(buckets)},
                                 {"instance", "i" + std::to_string(id)}});
  for (int i = 0; i < n; ++i) {
    median_log2 += 0.002 * z(rng);  // slow drift: the span layout changes now and then
    for (int k = per_scrape(rng); k > 0; --k) {
      const double l2 = median_log2 + sigma_log2 * z(rng);
      ++counts[static_cast<int32_t>(std::ceil(l2 * per_octave))];
      ++count;
      sum += std::exp2(l2);
    }
    mh::Histogram h;
    h.schema = schema;
    h.zero_threshold = std::ldexp(1.0, -128);
    h.count = count;
    h.sum = sum;
    int32_t next = 0;
    int64_t prev = 0;
    for (const auto& [idx, c] : counts) {
      if (h.positive_spans.empty() || idx > next + 2) {  // gaps of up to 2 ride in a span
        h.positive_spans.push_back({h.positive_spans.empty() ? idx : idx - next, 0});
      } else {
        for (; next < idx; ++next) {
          ++h.positive_spans.back().length;
          h.positive_buckets.push_back(-prev);
          prev = 0;
        }
      }
      ++h.positive_spans.back().length;
      h.positive_buckets.push_back(c - prev);
      prev = c;
      next = idx + 1;
    }
    s.ts.push_back(int64_t{i} * 15000);
    s.hs.push_back(std::move(h));
  }
  return s;
}

struct Sizes {
  uint64_t samples = 0, prom = 0, mode2 = 0, mode3 = 0;
  uint64_t sums = 0;  // of mode3: the sums' float streams, before zstd
  double decode_chunk_ns = 0, decode_columns_ns = 0;  // CPU per sample, chunk vs columns
};

double CpuNs() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

// CPU per sample to decode every chunk into histograms: its own iterator, then its columns.
void TimeDecoding(const std::vector<BlockWriter::Chunk>& chunks, Sizes* z) {
  std::vector<std::string> columns;
  size_t n = 0;
  for (const BlockWriter::Chunk& c : chunks) {
    columns.emplace_back();
    if (!promlet::tsdb::EncodeHistogramColumns(c.bytes, c.ts.size(), &columns.back())) {
      std::abort();
    }
    n += c.ts.size();
  }
  constexpr int kRounds = 5;
  std::vector<mh::Histogram> hs;
  for (size_t i = 0; i < chunks.size(); ++i) {  // the columns decode to what the chunk holds
    promlet::tsdb::chunkenc::HistogramIterator it(chunks[i].bytes);
    if (!promlet::tsdb::DecodeHistogramColumns(columns[i], chunks[i].ts.size(), 0, &hs).ok()) {
      std::abort();
    }
    mh::Histogram want;
    for (size_t j = 0; it.Next(); ++j) {
      it.AtHistogram(&want);
      const mh::Histogram& got = hs[j];
      if (got.count != want.count || got.zero_count != want.zero_count ||
          std::bit_cast<uint64_t>(got.sum) != std::bit_cast<uint64_t>(want.sum) ||
          got.positive_buckets != want.positive_buckets ||
          got.negative_buckets != want.negative_buckets ||
          got.positive_spans != want.positive_spans ||
          got.counter_reset_hint != want.counter_reset_hint) {
        std::fprintf(stderr, "chunk %zu sample %zu differs\n", i, j);
        std::abort();
      }
    }
  }
  double t0 = CpuNs();
  for (int r = 0; r < kRounds; ++r) {
    for (const BlockWriter::Chunk& c : chunks) {
      // As Block::ReadChunk does for a mode-2 chunk: a fresh histogram per sample.
      promlet::tsdb::chunkenc::HistogramIterator it(c.bytes);
      hs.clear();
      while (it.Next()) it.AtHistogram(&hs.emplace_back());
    }
  }
  double t1 = CpuNs();
  for (int r = 0; r < kRounds; ++r) {
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (!promlet::tsdb::DecodeHistogramColumns(columns[i], chunks[i].ts.size(), 0, &hs).ok()) {
        std::abort();
      }
    }
  }
  double t2 = CpuNs();
  z->decode_chunk_ns = (t1 - t0) / kRounds / static_cast<double>(n);
  z->decode_columns_ns = (t2 - t1) / kRounds / static_cast<double>(n);
}

uint64_t WriteBlock(const std::string& dir, const std::vector<Series>& series, bool mode2) {
  promlet::tsdb::BlockWriterOptions opts;
  opts.histogram_chunk_bytes = mode2;
  auto w = BlockWriter::Create(dir, opts);
  if (!w.ok()) std::abort();
  int64_t maxt = 0;
  for (const Series& s : series) {
    promlet::tsdb::SeriesChunker chunker;
    for (size_t i = 0; i < s.hs.size(); ++i) {
      if (!chunker.AddHistogram(s.ts[i], s.hs[i]).ok()) std::abort();
    }
    if (!(*w)->AddSeriesChunks(s.labels, chunker.Take()).ok()) std::abort();
    maxt = std::max(maxt, s.ts.back() + 1);
  }
  auto meta = (*w)->Finish(0, maxt);
  if (!meta.ok()) std::abort();
  const std::string block = dir + "/" + meta->ulid;
  const uint64_t bytes = fs::file_size(block + "/chunks");
  fs::remove_all(block);
  return bytes;
}

Sizes Measure(std::vector<Series> series, const std::string& tmp) {
  std::sort(series.begin(), series.end(), [](const Series& a, const Series& b) {
    return Labels::Compare(a.labels, b.labels) < 0;
  });
  Sizes z;
  std::vector<BlockWriter::Chunk> all;
  for (const Series& s : series) {
    promlet::tsdb::SeriesChunker chunker;
    for (size_t i = 0; i < s.hs.size(); ++i) {
      if (!chunker.AddHistogram(s.ts[i], s.hs[i]).ok()) std::abort();
    }
    size_t first = 0;
    for (BlockWriter::Chunk& c : chunker.Take()) {
      z.prom += c.bytes.size() + 7;
      std::vector<double> sums;
      for (size_t i = first; i < first + c.ts.size(); ++i) sums.push_back(s.hs[i].sum);
      first += c.ts.size();
      std::string stream;
      promlet::tsdb::EncodeValues(sums, &stream);
      z.sums += stream.size();
      all.push_back(std::move(c));
    }
    z.samples += s.hs.size();
  }
  TimeDecoding(all, &z);
  z.mode2 = WriteBlock(tmp, series, true);
  z.mode3 = WriteBlock(tmp, series, false);
  return z;
}

void Print(const char* what, const Sizes& z) {
  const double n = static_cast<double>(z.samples);
  std::printf("%-28s samples %8" PRIu64
              "  bytes/sample: prom %7.2f  mode2 %7.2f  mode3 %7.2f"
              "  (mode3/prom %.3f, mode3/mode2 %.3f; sums %.2f)\n",
              what, z.samples, z.prom / n, z.mode2 / n, z.mode3 / n,
              static_cast<double>(z.mode3) / z.prom, static_cast<double>(z.mode3) / z.mode2,
              z.sums / n);
  std::printf("%-28s decode CPU ns/sample: chunk iterator %.0f, columns %.0f\n", "",
              z.decode_chunk_ns, z.decode_columns_ns);
}

std::vector<Series> FromDataDir(const std::string& data) {
  std::map<std::string, Series> by_labels;
  for (const auto& e : fs::directory_iterator(data)) {
    if (!fs::exists(e.path() / "meta.json")) continue;
    auto block = promlet::tsdb::Block::Open(e.path().string());
    if (!block.ok()) continue;
    for (uint32_t o = 0; o < (*block)->NumSeries(); ++o) {
      Labels ls;
      std::vector<promlet::tsdb::BlockChunkMeta> metas;
      if (!(*block)->Series(o, &ls, &metas).ok()) continue;
      for (const auto& m : metas) {
        std::vector<int64_t> ts;
        std::vector<double> vs;
        promlet::tsdb::Block::ChunkHistograms hist;
        if (!(*block)->ReadChunk(m.ref, &ts, &vs, INT64_MIN, &hist).ok()) continue;
        if (hist.type != promlet::storage::ValueType::kHistogram) continue;
        Series& s = by_labels[ls.ToString()];
        s.labels = ls;
        for (size_t i = 0; i < ts.size(); ++i) {
          if (!s.ts.empty() && ts[i] <= s.ts.back()) continue;
          s.ts.push_back(ts[i]);
          s.hs.push_back(hist.h[i]);
        }
      }
    }
  }
  std::vector<Series> out;
  for (auto& [k, s] : by_labels) out.push_back(std::move(s));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s synthetic | <promlet data dir>\n", argv[0]);
    return 2;
  }
  const std::string tmp =
      (fs::temp_directory_path() / ("histogram_block_bytes_" + std::to_string(getpid()))).string();
  fs::create_directories(tmp);
  if (std::string(argv[1]) == "synthetic") {
    std::mt19937_64 rng(20);
    for (int buckets : {10, 40, 160}) {
      std::vector<Series> series;
      for (int id = 0; id < 20; ++id) series.push_back(Synthetic(rng, buckets, id, 8 * 240));
      Print(("synthetic ~" + std::to_string(buckets) + " buckets").c_str(), Measure(series, tmp));
    }
  } else {
    auto series = FromDataDir(argv[1]);
    Print(argv[1], Measure(std::move(series), tmp));
  }
  fs::remove_all(tmp);
  return 0;
}
