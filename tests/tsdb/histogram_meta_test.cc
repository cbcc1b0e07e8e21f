// Ports of Prometheus' chunkenc/histogram_meta_test.go: the chunk layout round trip, the bucket
// index iterator and the span/bucket expansion arithmetic (forward/backward inserts, merged spans,
// InsertBuckets, AdjustForInserts).
#include "tsdb/chunkenc/histogram_meta.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tsdb/chunkenc/bstream.h"
#include "tsdb/chunkenc/varbit.h"

namespace promlet::tsdb::chunkenc {

// gtest printers for the failure messages.
void PrintTo(const Insert& i, std::ostream* os) {
  *os << "{pos:" << i.pos << " num:" << i.num << " idx:" << i.bucket_idx << "}";
}

}  // namespace promlet::tsdb::chunkenc

namespace promlet::model::histogram {
void PrintTo(const Span& s, std::ostream* os) { *os << "{" << s.offset << "," << s.length << "}"; }
}  // namespace promlet::model::histogram

namespace promlet::tsdb::chunkenc {
namespace {

using Spans = std::vector<mh::Span>;
using Inserts = std::vector<Insert>;

BitReader ReaderOf(const BitWriter& w) {
  auto b = w.bytes();
  auto* p = reinterpret_cast<const uint8_t*>(b.data());
  return BitReader(p, p + b.size());
}

TEST(HistogramMeta, BucketIndexIterator) {
  struct Case {
    Spans spans = {};
    std::vector<int> idxs = {};
  };
  const std::vector<Case> cases = {
      {
          .spans = {{.offset = 0, .length = 1}},
          .idxs = {0},
      },
      {
          .spans = {{.offset = 0, .length = 2}, {.offset = 1, .length = 1}},
          .idxs = {0, 1, 3},
      },
      {
          .spans = {{.offset = 100, .length = 4},
                    {.offset = 8, .length = 7},
                    {.offset = 0, .length = 1}},
          .idxs = {100, 101, 102, 103, 112, 113, 114, 115, 116, 117, 118, 119},
      },

      {
          .spans = {{.offset = 0, .length = 2},
                    {.offset = 2, .length = 1},
                    {.offset = 3, .length = 2},
                    {.offset = 3, .length = 1},
                    {.offset = 1, .length = 1}},
          .idxs = {0, 1, 4, 8, 9, 13, 15},
      },
      {
          .spans = {{.offset = 0, .length = 3},
                    {.offset = 1, .length = 1},
                    {.offset = 1, .length = 4},
                    {.offset = 3, .length = 3}},
          .idxs = {0, 1, 2, 4, 6, 7, 8, 9, 13, 14, 15},
      },

  };
  for (const Case& c : cases) {
    BucketIndexIterator it(c.spans);
    std::vector<int> got;
    int v;
    while (it.Next(&v)) got.push_back(v);
    EXPECT_EQ(got, c.idxs);
  }
}

// Absolute counts of delta-encoded buckets, as float64.
std::vector<double> Absolute(const std::vector<int64_t>& deltas) {
  std::vector<double> out;
  double cur = 0;
  for (int64_t d : deltas) {
    cur += static_cast<double>(d);
    out.push_back(cur);
  }
  return out;
}

TEST(HistogramMeta, ExpandSpansBothWaysAndInsert) {
  struct Case {
    std::string description = {};
    Spans spans_a = {}, spans_b = {};
    Inserts f_inserts = {}, b_inserts = {};
    std::vector<int64_t> buckets_in = {}, buckets_out = {};
    Spans merged_spans = {};
  };
  const std::vector<Case> cases = {
      {
          .description = "single prepend at the beginning",
          .spans_a = {{.offset = -10, .length = 3}},
          .spans_b = {{.offset = -11, .length = 4}},
          .f_inserts = {{.pos = 0, .num = 1}},
          .buckets_in = {6, -3, 0},
          .buckets_out = {0, 6, -3, 0},
          .merged_spans = {{.offset = -11, .length = 4}},
      },
      {
          .description = "single append at the end",
          .spans_a = {{.offset = -10, .length = 3}},
          .spans_b = {{.offset = -10, .length = 4}},
          .f_inserts = {{.pos = 3, .num = 1}},
          .buckets_in = {6, -3, 0},
          .buckets_out = {6, -3, 0, -3},
          .merged_spans = {{.offset = -10, .length = 4}},
      },
      {
          .description = "double prepend at the beginning",
          .spans_a = {{.offset = -10, .length = 3}},
          .spans_b = {{.offset = -12, .length = 5}},
          .f_inserts = {{.pos = 0, .num = 2}},
          .buckets_in = {6, -3, 0},
          .buckets_out = {0, 0, 6, -3, 0},
          .merged_spans = {{.offset = -12, .length = 5}},
      },
      {
          .description = "double append at the end",
          .spans_a = {{.offset = -10, .length = 3}},
          .spans_b = {{.offset = -10, .length = 5}},
          .f_inserts = {{.pos = 3, .num = 2}},
          .buckets_in = {6, -3, 0},
          .buckets_out = {6, -3, 0, -3, 0},
          .merged_spans = {{.offset = -10, .length = 5}},
      },
      {
          .description = "double prepond at the beginning and double append at the end",
          .spans_a = {{.offset = -10, .length = 3}},
          .spans_b = {{.offset = -12, .length = 7}},
          .f_inserts = {{.pos = 0, .num = 2}, {.pos = 3, .num = 2}},
          .buckets_in = {6, -3, 0},
          .buckets_out = {0, 0, 6, -3, 0, -3, 0},
          .merged_spans = {{.offset = -12, .length = 7}},
      },
      {
          .description = "single removal of bucket at the start",
          .spans_a = {{.offset = -10, .length = 4}},
          .spans_b = {{.offset = -9, .length = 3}},
          .b_inserts = {{.pos = 0, .num = 1}},
          .buckets_in = {1, 2, -1, 2},
          .buckets_out = {1, 2, -1, 2},
          .merged_spans = {{.offset = -10, .length = 4}},
      },
      {
          .description = "single removal of bucket in the middle",
          .spans_a = {{.offset = -10, .length = 4}},
          .spans_b = {{.offset = -10, .length = 2}, {.offset = 1, .length = 1}},
          .b_inserts = {{.pos = 2, .num = 1}},
          .buckets_in = {1, 2, -1, 2},
          .buckets_out = {1, 2, -1, 2},
          .merged_spans = {{.offset = -10, .length = 4}},
      },
      {
          .description = "single removal of bucket at the end",
          .spans_a = {{.offset = -10, .length = 4}},
          .spans_b = {{.offset = -10, .length = 3}},
          .b_inserts = {{.pos = 3, .num = 1}},
          .buckets_in = {1, 2, -1, 2},
          .buckets_out = {1, 2, -1, 2},
          .merged_spans = {{.offset = -10, .length = 4}},
      },
      {
          .description = "as described in doc comment",
          .spans_a = {{.offset = 0, .length = 2},
                      {.offset = 2, .length = 1},
                      {.offset = 3, .length = 2},
                      {.offset = 3, .length = 1},
                      {.offset = 1, .length = 1}},
          .spans_b = {{.offset = 0, .length = 3},
                      {.offset = 1, .length = 1},
                      {.offset = 1, .length = 4},
                      {.offset = 3, .length = 3}},
          .f_inserts = {{.pos = 2, .num = 1}, {.pos = 3, .num = 2}, {.pos = 6, .num = 1}},
          .buckets_in = {6, -3, 0, -1, 2, 1, -4},
          .buckets_out = {6, -3, -3, 3, -3, 0, 2, 2, 1, -5, 1},
          .merged_spans = {{.offset = 0, .length = 3},
                           {.offset = 1, .length = 1},
                           {.offset = 1, .length = 4},
                           {.offset = 3, .length = 3}},
      },
      {
          .description = "both forward and backward inserts, complex case",
          .spans_a = {{.offset = 0, .length = 2},
                      {.offset = 2, .length = 1},
                      {.offset = 3, .length = 2},
                      {.offset = 3, .length = 1},
                      {.offset = 1, .length = 1}},
          .spans_b = {{.offset = 1, .length = 2},
                      {.offset = 1, .length = 1},
                      {.offset = 1, .length = 2},
                      {.offset = 1, .length = 1},
                      {.offset = 4, .length = 1}},
          .f_inserts = {{.pos = 2, .num = 1}, {.pos = 3, .num = 2}, {.pos = 6, .num = 1}},
          .b_inserts = {{.pos = 0, .num = 1},
                        {.pos = 5, .num = 1},
                        {.pos = 6, .num = 1},
                        {.pos = 7, .num = 1}},
          .buckets_in = {1, 2, -1, 2, 0, 3, 1},
          .buckets_out = {1, 2, -3, 2, -2, 0, 4, 0, 3, -7, 8},
          .merged_spans = {{.offset = 0, .length = 3},
                           {.offset = 1, .length = 1},
                           {.offset = 1, .length = 4},
                           {.offset = 3, .length = 3}},
      },
      {
          .description = "inserts with gaps",
          .spans_a = {{.offset = -19, .length = 2}, {.offset = 1, .length = 2}},
          .spans_b = {{.offset = -19, .length = 1},
                      {.offset = 4, .length = 1},
                      {.offset = 3, .length = 1}},
          .f_inserts = {{.pos = 4, .num = 2}},
          .b_inserts = {{.pos = 1, .num = 3}},
          .buckets_in = {1, 2, -1, 1},
          .buckets_out = {1, 2, -1, 1, -3, 0},
          .merged_spans = {{.offset = -19, .length = 2},
                           {.offset = 1, .length = 3},
                           {.offset = 3, .length = 1}},
      },

  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.description);
    Inserts f, b;
    Spans merged;
    ExpandSpansBothWays(c.spans_a, c.spans_b, &f, &b, &merged);
    EXPECT_EQ(f, c.f_inserts);
    EXPECT_EQ(b, c.b_inserts);
    EXPECT_EQ(merged, c.merged_spans);
    std::vector<int64_t> got;
    InsertBuckets(c.buckets_in, f, true, &got);
    EXPECT_EQ(got, c.buckets_out);
    std::vector<double> got_float;
    InsertBuckets(Absolute(c.buckets_in), f, false, &got_float);
    EXPECT_EQ(got_float, Absolute(c.buckets_out));
  }
}

TEST(HistogramMeta, WriteReadChunkLayout) {
  struct Case {
    int32_t schema = 0;
    double zero_threshold = 0;
    Spans positive_spans = {}, negative_spans = {};
    std::vector<double> custom_values = {};
  };
  const std::vector<Case> cases = {
      {
          .schema = 3,
          .zero_threshold = 0,
          .positive_spans = {{.offset = -4, .length = 3}, {.offset = 2, .length = 42}},
          .negative_spans = {},
      },
      {
          .schema = -2,
          .zero_threshold = 2.938735877055719e-39,
          .positive_spans = {},
          .negative_spans = {{.offset = 2, .length = 5}, {.offset = 1, .length = 34}},
      },
      {
          .schema = 6,
          .zero_threshold = 1024,
          .positive_spans = {},
          .negative_spans = {},
      },
      {
          .schema = 6,
          .zero_threshold = 1025,
          .positive_spans = {{.offset = 2, .length = 5},
                             {.offset = 1, .length = 34},
                             {.offset = 0, .length = 0}},
          .negative_spans = {{.offset = -345, .length = 4545},
                             {.offset = 53645665, .length = 345},
                             {.offset = 945995, .length = 85848}},
      },
      {
          .schema = 6,
          .zero_threshold = 2048,
          .positive_spans = {},
          .negative_spans = {},
      },
      {
          .schema = 0,
          .zero_threshold = std::ldexp(0.5, -242),
          .positive_spans = {{.offset = -4, .length = 3}},
          .negative_spans = {{.offset = 2, .length = 5}, {.offset = 1, .length = 34}},
      },
      {
          .schema = 0,
          .zero_threshold = std::ldexp(0.5, -243),
          .positive_spans = {{.offset = -4, .length = 3}},
          .negative_spans = {{.offset = 2, .length = 5}, {.offset = 1, .length = 34}},
      },
      {
          .schema = 4,
          .zero_threshold = 42,
          .positive_spans = {},
          .negative_spans = {},
      },
      {
          .schema = mh::kCustomBucketsSchema,
          .positive_spans = {{.offset = -4, .length = 3}, {.offset = 2, .length = 42}},
          .negative_spans = {},
          .custom_values = {-5, -2.5, 0, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 255, 500, 1000,
                            50000, 1e7},
      },
      {
          .schema = mh::kCustomBucketsSchema,
          .positive_spans = {{.offset = -4, .length = 3}, {.offset = 2, .length = 42}},
          .negative_spans = {},
          .custom_values = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0,
                            50.0, 100.0},
      },
      {
          .schema = mh::kCustomBucketsSchema,
          .positive_spans = {{.offset = -4, .length = 3}, {.offset = 2, .length = 42}},
          .negative_spans = {},
          .custom_values = {0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512,
                            1.024, 2.048, 4.096, 8.192},
      },
      {
          .schema = mh::kCustomBucketsSchema,
          .positive_spans = {{.offset = -4, .length = 3}, {.offset = 2, .length = 42}},
          .negative_spans = {},
          .custom_values = {1.001, 1.023, 2.01, 4.007, 4.095, 8.001, 8.19, 16.24},
      },

  };
  BitWriter w;
  for (const Case& c : cases) {
    WriteHistogramChunkLayout(w, c.schema, c.zero_threshold, c.positive_spans, c.negative_spans,
                              c.custom_values);
  }
  BitReader r = ReaderOf(w);
  for (const Case& want : cases) {
    HistogramChunkLayout got;
    ASSERT_TRUE(ReadHistogramChunkLayout(r, &got));
    EXPECT_EQ(got.schema, want.schema);
    EXPECT_EQ(got.zero_threshold, want.zero_threshold);
    EXPECT_EQ(got.positive_spans, want.positive_spans);
    EXPECT_EQ(got.negative_spans, want.negative_spans);
    EXPECT_EQ(got.custom_values, want.custom_values);
  }
}

// The zero threshold's one-byte form: 0 -> 0; 2^-128 (client_golang's
// default 2.938735877055719e-39) is 0.5*2^-127 -> byte 116; 1024 = 0.5*2^11 -> 254; others 255 + 8
// bytes.
TEST(HistogramMeta, ZeroThresholdBytes) {
  struct Case {
    double threshold;
    std::vector<uint8_t> bytes = {};
  };
  const std::vector<Case> cases = {
      {0, {0}},
      {2.938735877055719e-39, {116}},
      {1024, {254}},
      {std::ldexp(0.5, -242), {1}},
      {2048, {255, 0x40, 0xa0, 0, 0, 0, 0, 0, 0}},
      {0.001, {255, 0x3f, 0x50, 0x62, 0x4d, 0xd2, 0xf1, 0xa9, 0xfc}},
  };
  for (const Case& c : cases) {
    BitWriter w;
    PutZeroThreshold(w, c.threshold);
    auto b = w.bytes();
    EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.end()), c.bytes) << c.threshold;
  }
}

// Custom bounds that are multiples of 0.001 up to 33554.43 take a varbit uint of bound*1000+1;
// others a 0 bit and the 64 float bits.
TEST(HistogramMeta, CustomBoundWidths) {
  struct Case {
    double bound;
    uint32_t bits;
  };
  for (const Case& c : std::vector<Case>{{0, 5},          // 1: '10'+3b
                                         {0.008, 9},      // 9: '110'+6b
                                         {0.1, 13},       // 101: '1110'+9b
                                         {33554.43, 32},  // 33554431: 7+25 bits
                                         {33554.431, 65},
                                         {-1, 65},
                                         {0.0001, 65}}) {
    BitWriter w;
    PutCustomBound(w, c.bound);
    EXPECT_EQ(w.bit_pos(), c.bits) << c.bound;
    BitReader r = ReaderOf(w);
    double got;
    ASSERT_TRUE(ReadCustomBound(r, &got));
    EXPECT_EQ(got, c.bound);
  }
}

TEST(HistogramMeta, SpansFromBidirectionalCompareSpans) {
  struct Case {
    Spans s1 = {}, s2 = {}, exp = {};
  };
  const std::vector<Case> cases = {
      {
        s1 : {},
        s2 : {},
      },
      {
        s1 : {},
        s2 : {},
      },
      {

        s1 : {{.offset = 0, .length = 3}, {.offset = 3, .length = 3}, {.offset = 5, .length = 3}},
        s2 : {{.offset = 0, .length = 2},
              {.offset = 2, .length = 2},
              {.offset = 2, .length = 3},
              {.offset = 3, .length = 3}},
        .exp = {{.offset = 0, .length = 3}, {.offset = 1, .length = 7}, {.offset = 3, .length = 3}},
      },
      {

        s1 : {{.offset = 0, .length = 3}, {.offset = 3, .length = 5}, {.offset = 3, .length = 3}},
        s2 : {{.offset = 0, .length = 2}, {.offset = 5, .length = 3}, {.offset = 4, .length = 3}},
        .exp = {{.offset = 0, .length = 3}, {.offset = 3, .length = 5}, {.offset = 3, .length = 3}},
      },
      {

        s1 : {{.offset = 0, .length = 3}, {.offset = 3, .length = 3}, {.offset = 5, .length = 3}},
        s2 : {{.offset = 3, .length = 3}, {.offset = 4, .length = 2}},
        .exp = {{.offset = 0, .length = 9}, {.offset = 1, .length = 2}, {.offset = 2, .length = 3}},
      },
      {

        s1 : {{.offset = 0, .length = 3}, {.offset = 3, .length = 3}, {.offset = 5, .length = 3}},
        s2 : {},
        .exp = {{.offset = 0, .length = 3}, {.offset = 3, .length = 3}, {.offset = 5, .length = 3}},
      },
      {
        s1 : {{.offset = -5, .length = 0},
              {.offset = 2, .length = 0},
              {.offset = 3, .length = 3},
              {.offset = 1, .length = 0},
              {.offset = 2, .length = 3},
              {.offset = 2, .length = 0},
              {.offset = 2, .length = 0},
              {.offset = 1, .length = 3},
              {.offset = 4, .length = 0},
              {.offset = 5, .length = 0}},
        s2 : {{.offset = 0, .length = 2},
              {.offset = 2, .length = 2},
              {.offset = 1, .length = 0},
              {.offset = 1, .length = 3},
              {.offset = 3, .length = 3}},
        .exp = {{.offset = 0, .length = 3}, {.offset = 1, .length = 7}, {.offset = 3, .length = 3}},
      },

  };
  for (const Case& c : cases) {
    Inserts f, b;
    Spans merged;
    ExpandSpansBothWays(c.s1, c.s2, &f, &b, &merged);
    EXPECT_EQ(merged, c.exp);
    ExpandSpansBothWays(c.s2, c.s1, &f, &b, &merged);
    EXPECT_EQ(merged, c.exp);
  }
}

TEST(HistogramMeta, ExpandIntOrFloatSpansAndBuckets) {
  struct Case {
    std::string name = {};
    Spans spans_a = {};
    std::vector<int64_t> buckets_a = {};
    Spans spans_b = {};
    std::vector<int64_t> buckets_b = {};
    bool expect_reset = false;
    Inserts expect_forward_inserts = {}, expect_backward_inserts = {};
    Spans expect_merged_spans = {};
    std::vector<int64_t> expect_buckets_a = {}, expect_buckets_b = {};
  };
  const std::vector<Case> cases = {
      {
          .name = "empty",
          .spans_a = {},
          .buckets_a = {},
          .spans_b = {},
          .buckets_b = {},
          .expect_reset = false,
          .expect_forward_inserts = {},
          .expect_backward_inserts = {},
          .expect_merged_spans = {},
          .expect_buckets_a = {},
          .expect_buckets_b = {},
      },
      {
          .name = "single bucket reset to none",
          .spans_a = {{.offset = 1, .length = 1}},
          .buckets_a = {1},
          .spans_b = {},
          .buckets_b = {},
          .expect_reset = true,
      },
      {
          .name = "single bucket reset to lower",
          .spans_a = {{.offset = 1, .length = 1}},
          .buckets_a = {2},
          .spans_b = {{.offset = 1, .length = 1}},
          .buckets_b = {1},
          .expect_reset = true,
      },
      {
          .name = "single bucket increase",
          .spans_a = {{.offset = 1, .length = 1}},
          .buckets_a = {1},
          .spans_b = {{.offset = 1, .length = 1}},
          .buckets_b = {2},
          .expect_reset = false,
          .expect_forward_inserts = {},
          .expect_backward_inserts = {},
          .expect_merged_spans = {{.offset = 1, .length = 1}},
          .expect_buckets_a = {1},
          .expect_buckets_b = {2},
      },
      {
          .name = "distinct new buckets and increase",
          .spans_a = {{.offset = 1, .length = 1}},
          .buckets_a = {1},
          .spans_b = {{.offset = -2, .length = 2},
                      {.offset = 1, .length = 2},
                      {.offset = 3, .length = 1}},
          .buckets_b = {2, 0, 0, 0, 0},
          .expect_reset = false,
          .expect_forward_inserts = {{.pos = 0, .num = 2, .bucket_idx = -2},
                                     {.pos = 1, .num = 1, .bucket_idx = 2},
                                     {.pos = 1, .num = 1, .bucket_idx = 6}},
          .expect_backward_inserts = {},
          .expect_merged_spans = {{.offset = -2, .length = 2},
                                  {.offset = 1, .length = 2},
                                  {.offset = 3, .length = 1}},
          .expect_buckets_a = {0, 0, 1, -1, 0},
          .expect_buckets_b = {2, 0, 0, 0, 0},
      },
      {
          .name = "distinct new buckets but reset",
          .spans_a = {{.offset = 1, .length = 1}},
          .buckets_a = {2},
          .spans_b = {{.offset = -2, .length = 2},
                      {.offset = 1, .length = 2},
                      {.offset = 3, .length = 1}},
          .buckets_b = {1, 0, 0, 0, 0},
          .expect_reset = true,
      },
      {
          .name = "distinct new buckets but missing",
          .spans_a = {{.offset = 1, .length = 1}},
          .buckets_a = {2},
          .spans_b = {{.offset = -2, .length = 2},
                      {.offset = 2, .length = 1},
                      {.offset = 3, .length = 1}},
          .buckets_b = {1, 0, 0, 0},
          .expect_reset = true,
      },
      {
          .name = "distinct new buckets and missing an empty bucket",
          .spans_a = {{.offset = 1, .length = 1}},
          .buckets_a = {0},
          .spans_b = {{.offset = 3, .length = 1}},
          .buckets_b = {1},
          .expect_reset = false,
          .expect_forward_inserts = {{.pos = 1, .num = 1, .bucket_idx = 3}},
          .expect_backward_inserts = {{.pos = 0, .num = 1, .bucket_idx = 1}},
          .expect_merged_spans = {{.offset = 1, .length = 1}, {.offset = 1, .length = 1}},
          .expect_buckets_a = {0, 0},
          .expect_buckets_b = {0, 1},
      },
      {
          .name = "distinct new buckets and missing multiple empty buckets",
          .spans_a = {{.offset = 1, .length = 3},
                      {.offset = 1, .length = 2},
                      {.offset = 2, .length = 1},
                      {.offset = 2, .length = 2}},
          .buckets_a = {0, 0, 0, 0, 0, 0, 0, 0},
          .spans_b = {{.offset = 8, .length = 1}},
          .buckets_b = {1},
          .expect_reset = false,
          .expect_forward_inserts = {{.pos = 5, .num = 1, .bucket_idx = 8}},
          .expect_backward_inserts = {{.pos = 0, .num = 3, .bucket_idx = 1},
                                      {.pos = 0, .num = 2, .bucket_idx = 5},
                                      {.pos = 1, .num = 1, .bucket_idx = 9},
                                      {.pos = 1, .num = 2, .bucket_idx = 12}},
          .expect_merged_spans = {{.offset = 1, .length = 3},
                                  {.offset = 1, .length = 2},
                                  {.offset = 1, .length = 2},
                                  {.offset = 2, .length = 2}},
          .expect_buckets_a = {0, 0, 0, 0, 0, 0, 0, 0, 0},
          .expect_buckets_b = {0, 0, 0, 0, 0, 1, -1, 0, 0},
      },
      {
          .name = "overlap new buckets and missing multiple empty buckets",
          .spans_a = {{.offset = 1, .length = 3},
                      {.offset = 1, .length = 2},
                      {.offset = 1, .length = 2},
                      {.offset = 2, .length = 2}},
          .buckets_a = {0, 0, 0, 0, 0, 1, -1, 0, 0},
          .spans_b = {{.offset = 8, .length = 1}},
          .buckets_b = {2},
          .expect_reset = false,
          .expect_forward_inserts = {},
          .expect_backward_inserts = {{.pos = 0, .num = 3, .bucket_idx = 1},
                                      {.pos = 0, .num = 2, .bucket_idx = 5},
                                      {.pos = 1, .num = 1, .bucket_idx = 9},
                                      {.pos = 1, .num = 2, .bucket_idx = 12}},
          .expect_merged_spans = {{.offset = 1, .length = 3},
                                  {.offset = 1, .length = 2},
                                  {.offset = 1, .length = 2},
                                  {.offset = 2, .length = 2}},
          .expect_buckets_a = {0, 0, 0, 0, 0, 1, -1, 0, 0},
          .expect_buckets_b = {0, 0, 0, 0, 0, 2, -2, 0, 0},
      },
      {
          .name =
              "overlap new buckets and missing multiple empty buckets with 0 length/offset spans",
          .spans_a = {{.offset = 1, .length = 3},
                      {.offset = 1, .length = 2},
                      {.offset = 1, .length = 2},
                      {.offset = 1, .length = 0},
                      {.offset = 1, .length = 2}},
          .buckets_a = {0, 0, 0, 0, 0, 1, -1, 0, 0},
          .spans_b = {{.offset = 1, .length = 0}, {.offset = 7, .length = 1}},
          .buckets_b = {2},
          .expect_reset = false,
          .expect_forward_inserts = {},
          .expect_backward_inserts = {{.pos = 0, .num = 3, .bucket_idx = 1},
                                      {.pos = 0, .num = 2, .bucket_idx = 5},
                                      {.pos = 1, .num = 1, .bucket_idx = 9},
                                      {.pos = 1, .num = 2, .bucket_idx = 12}},
          .expect_merged_spans = {{.offset = 1, .length = 3},
                                  {.offset = 1, .length = 2},
                                  {.offset = 1, .length = 2},
                                  {.offset = 2, .length = 2}},
          .expect_buckets_a = {0, 0, 0, 0, 0, 1, -1, 0, 0},
          .expect_buckets_b = {0, 0, 0, 0, 0, 2, -2, 0, 0},
      },
      {
          .name = "new empty buckets between filled buckets",
          .spans_a = {{.offset = -51, .length = 8},
                      {.offset = 11, .length = 1},
                      {.offset = 14, .length = 1}},
          .buckets_a = {1, 0, 1, -1, 1, 1, 0, -1, -1, 0},
          .spans_b = {{.offset = -51, .length = 9},
                      {.offset = 9, .length = 2},
                      {.offset = 14, .length = 1}},
          .buckets_b = {1, 1, 0, 1, -1, 1, 0, -1, -1, 0, 0, 0},
          .expect_reset = false,
          .expect_forward_inserts = {{.pos = 8, .num = 1, .bucket_idx = -43},
                                     {.pos = 8, .num = 1, .bucket_idx = -33}},
          .expect_merged_spans = {{.offset = -51, .length = 9},
                                  {.offset = 9, .length = 2},
                                  {.offset = 14, .length = 1}},
          .expect_buckets_a = {1, 0, 1, -1, 1, 1, 0, -1, -2, 0, 1, 0},
          .expect_buckets_b = {1, 1, 0, 1, -1, 1, 0, -1, -1, 0, 0, 0},
      },
      {
          .name = "real example 1",
          .spans_a = {{.offset = -16, .length = 1},
                      {.offset = 2, .length = 1},
                      {.offset = 7, .length = 1}},
          .buckets_a = {0, 2, -2},
          .spans_b = {{.offset = -15, .length = 4},
                      {.offset = 5, .length = 2},
                      {.offset = 1, .length = 1}},
          .buckets_b = {0, 1, 2, -3, 0, 0, 0},
          .expect_reset = false,
          .expect_forward_inserts = {{.pos = 1, .num = 2, .bucket_idx = -15},
                                     {.pos = 2, .num = 1, .bucket_idx = -12},
                                     {.pos = 2, .num = 1, .bucket_idx = -6},
                                     {.pos = 3, .num = 1, .bucket_idx = -3}},
          .expect_backward_inserts = {{.pos = 0, .num = 1, .bucket_idx = -16}},
          .expect_merged_spans = {{.offset = -16, .length = 5},
                                  {.offset = 5, .length = 2},
                                  {.offset = 1, .length = 1}},
          .expect_buckets_a = {0, 0, 0, 2, -2, 0, 0, 0},
          .expect_buckets_b = {0, 0, 1, 2, -3, 0, 0, 0},
      },

  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(static_cast<int>(c.buckets_a.size()), CountSpans(c.spans_a));
    ASSERT_EQ(static_cast<int>(c.buckets_b.size()), CountSpans(c.spans_b));
    {
      Inserts f, b;
      bool ok = ExpandIntSpansAndBuckets(c.spans_a, c.spans_b, c.buckets_a, c.buckets_b, &f, &b);
      EXPECT_EQ(ok, !c.expect_reset);
      if (ok) {
        EXPECT_EQ(f, c.expect_forward_inserts);
        EXPECT_EQ(b, c.expect_backward_inserts);
        EXPECT_EQ(AdjustForInserts(c.spans_b, b), c.expect_merged_spans);
        std::vector<int64_t> got;
        InsertBuckets(c.buckets_a, f, true, &got);
        EXPECT_EQ(got, c.expect_buckets_a);
        InsertBuckets(c.buckets_b, b, true, &got);
        EXPECT_EQ(got, c.expect_buckets_b);
      }
    }
    {
      Inserts f, b;
      bool ok = ExpandFloatSpansAndBuckets(c.spans_a, c.spans_b, Absolute(c.buckets_a),
                                           Absolute(c.buckets_b), &f, &b);
      EXPECT_EQ(ok, !c.expect_reset);
      if (ok) {
        EXPECT_EQ(f, c.expect_forward_inserts);
        EXPECT_EQ(b, c.expect_backward_inserts);
        EXPECT_EQ(AdjustForInserts(c.spans_b, b), c.expect_merged_spans);
        std::vector<double> got;
        InsertBuckets(Absolute(c.buckets_a), f, false, &got);
        EXPECT_EQ(got, Absolute(c.expect_buckets_a));
        InsertBuckets(Absolute(c.buckets_b), b, false, &got);
        EXPECT_EQ(got, Absolute(c.expect_buckets_b));
      }
    }
  }
}

}  // namespace
}  // namespace promlet::tsdb::chunkenc
