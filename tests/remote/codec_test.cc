#include "storage/remote/codec.h"

#include <cmath>
#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/value.h"
#include "storage/remote/proto/remote.pb.h"
#include "storage/remote/proto/write_v2.pb.h"

namespace promlet::remote {
namespace {

using ::testing::HasSubstr;

std::vector<WriteSeries> SomeSeries() {
  std::vector<WriteSeries> s(2);
  s[0].labels = model::Labels{{"__name__", "up"}, {"job", "a"}};
  s[0].samples = {{1000, 1}, {2000, 0}, {3000, -2.5}};
  s[1].labels = model::Labels{{"__name__", "x_total"}, {"instance", "h:1"}, {"job", "a"}};
  double stale;
  uint64_t bits = model::kStaleNaNBits;
  std::memcpy(&stale, &bits, sizeof stale);
  s[1].samples = {{-5, 1e300}, {7, stale}};
  return s;
}

void ExpectSame(const std::vector<WriteSeries>& want, const std::vector<WriteSeries>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].labels, got[i].labels);
    ASSERT_EQ(want[i].samples.size(), got[i].samples.size());
    for (size_t j = 0; j < want[i].samples.size(); ++j) {
      EXPECT_EQ(want[i].samples[j].t, got[i].samples[j].t);
      uint64_t a, b;
      std::memcpy(&a, &want[i].samples[j].v, 8);
      std::memcpy(&b, &got[i].samples[j].v, 8);
      EXPECT_EQ(a, b) << "value bits of series " << i << " sample " << j;
    }
  }
}

TEST(CodecTest, RoundTripBothProtocolsThroughSnappy) {
  for (WriteProto p : {WriteProto::kV1, WriteProto::kV2}) {
    auto series = SomeSeries();
    std::string wire = SnappyCompress(EncodeWriteRequest(p, series));
    auto raw = SnappyUncompress(wire, 1 << 20);
    ASSERT_TRUE(raw.ok()) << raw.status();
    auto got = DecodeWriteRequest(p, *raw);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectSame(series, got->series);
    EXPECT_EQ(got->invalid_series, 0u);
  }
}

TEST(CodecTest, V2SymbolsStartEmptyAndAreDeduplicated) {
  io::prometheus::write::v2::Request req;
  ASSERT_TRUE(req.ParseFromString(EncodeWriteRequest(WriteProto::kV2, SomeSeries())));
  ASSERT_GT(req.symbols_size(), 0);
  EXPECT_EQ(req.symbols(0), "");
  int jobs = 0;
  for (const auto& s : req.symbols()) jobs += s == "job";
  EXPECT_EQ(jobs, 1);
}

TEST(CodecTest, MalformedInputsAreCleanErrors) {
  // Snappy: garbage, a length header claiming more than the limit, a truncated stream.
  EXPECT_FALSE(SnappyUncompress("\xff\xff\xff\xff\xff\xff", 1 << 20).ok());
  std::string big = SnappyCompress(std::string(4096, 'a'));
  auto over = SnappyUncompress(big, 100);
  ASSERT_FALSE(over.ok());
  EXPECT_THAT(over.status().message(), HasSubstr("exceeds the limit"));
  EXPECT_FALSE(SnappyUncompress(big.substr(0, big.size() / 2), 1 << 20).ok());
  // Protobuf: a field with wire type 7 (invalid), a length running past the end.
  for (WriteProto p : {WriteProto::kV1, WriteProto::kV2}) {
    EXPECT_FALSE(DecodeWriteRequest(p, "\x0f").ok());
    EXPECT_FALSE(DecodeWriteRequest(p, std::string("\x0a\x7f\x01", 3)).ok());
    EXPECT_FALSE(DecodeWriteRequest(p, std::string("\x2a\x10", 2)).ok());
  }
  // 2.0: symbol references out of range, an odd labels_refs, symbols not starting with "".
  io::prometheus::write::v2::Request req;
  req.add_symbols("");
  req.add_symbols("__name__");
  auto* ts = req.add_timeseries();
  ts->add_labels_refs(1);
  ts->add_labels_refs(9);
  auto bad_ref = DecodeWriteRequest(WriteProto::kV2, req.SerializeAsString());
  ASSERT_FALSE(bad_ref.ok());
  EXPECT_THAT(bad_ref.status().message(), HasSubstr("out of range"));
  ts->add_labels_refs(1);
  EXPECT_THAT(DecodeWriteRequest(WriteProto::kV2, req.SerializeAsString()).status().message(),
              HasSubstr("odd length"));
  req.set_symbols(0, "x");
  ts->clear_labels_refs();
  EXPECT_THAT(DecodeWriteRequest(WriteProto::kV2, req.SerializeAsString()).status().message(),
              HasSubstr("empty string"));
}

TEST(CodecTest, InvalidSeriesAreSkippedAndCounted) {
  prometheus::WriteRequest req;
  auto add = [&](std::vector<std::pair<std::string, std::string>> ls) {
    auto* ts = req.add_timeseries();
    for (auto& [n, v] : ls) {
      auto* l = ts->add_labels();
      l->set_name(n);
      l->set_value(v);
    }
    auto* s = ts->add_samples();
    s->set_timestamp(1);
    s->set_value(1);
  };
  add({{"job", "no_name"}});
  add({{"__name__", "a"}, {"x", "1"}, {"x", "2"}});
  add({{"__name__", "a"}, {"bad", std::string("\xff", 1)}});
  add({{"__name__", "a"}, {"", "v"}});
  add({{"zz", "last"}, {"__name__", "ok"}, {"empty", ""}});
  auto got = DecodeWriteRequest(WriteProto::kV1, req.SerializeAsString());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->invalid_series, 4u);
  ASSERT_EQ(got->series.size(), 1u);
  EXPECT_EQ(got->series[0].labels, (model::Labels{{"__name__", "ok"}, {"zz", "last"}}));
}

TEST(CodecTest, ContentTypeNegotiation) {
  EXPECT_EQ(*ParseWriteContentType(""), WriteProto::kV1);
  EXPECT_EQ(*ParseWriteContentType("application/x-protobuf"), WriteProto::kV1);
  EXPECT_EQ(*ParseWriteContentType(WriteContentType(WriteProto::kV1)), WriteProto::kV1);
  EXPECT_EQ(*ParseWriteContentType(WriteContentType(WriteProto::kV2)), WriteProto::kV2);
  EXPECT_EQ(*ParseWriteContentType("application/x-protobuf; proto=io.prometheus.write.v2.Request"),
            WriteProto::kV2);
  EXPECT_FALSE(ParseWriteContentType("application/json").ok());
  EXPECT_FALSE(ParseWriteContentType("application/x-protobuf;proto=foo.Bar").ok());
  EXPECT_FALSE(ParseWriteContentType("application/x-protobuf;proto").ok());
}

TEST(CodecTest, ChunkedFramesRoundTripAndRejectDamage) {
  std::string stream;
  AppendChunkedFrame("hello", &stream);
  AppendChunkedFrame(std::string(300, 'x'), &stream);
  size_t pos = 0;
  EXPECT_EQ(*NextChunkedFrame(stream, &pos, 1 << 20), "hello");
  EXPECT_EQ(NextChunkedFrame(stream, &pos, 1 << 20)->size(), 300u);
  EXPECT_TRUE(absl::IsNotFound(NextChunkedFrame(stream, &pos, 1 << 20).status()));
  pos = 0;
  std::string flipped = stream;
  flipped[6] ^= 1;  // a byte of the first message
  EXPECT_THAT(NextChunkedFrame(flipped, &pos, 1 << 20).status().message(), HasSubstr("checksum"));
  pos = 0;
  EXPECT_THAT(NextChunkedFrame(stream.substr(0, 7), &pos, 1 << 20).status().message(),
              HasSubstr("cut short"));
  pos = 0;
  size_t second = 0;
  ASSERT_TRUE(NextChunkedFrame(stream, &second, 1 << 20).ok());
  EXPECT_THAT(NextChunkedFrame(stream, &second, 100).status().message(), HasSubstr("limit"));
  pos = 0;
  EXPECT_FALSE(NextChunkedFrame(std::string(11, '\xff'), &pos, 1 << 20).ok());
}

}  // namespace
}  // namespace promlet::remote
