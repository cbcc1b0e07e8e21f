// The zero-copy decoder (write_wire.h) against libprotobuf (DecodeWriteRequest) as the oracle:
// whenever DecodeWriteWire accepts a body, validating its labels must give exactly the oracle's
// series and invalid-series count; bodies it declines go to the oracle in the receiver.
#include "storage/remote/write_wire.h"

#include <cstring>
#include <random>

#include "gtest/gtest.h"
#include "storage/remote/codec.h"
#include "storage/remote/proto/remote.pb.h"
#include "storage/remote/proto/write_v2.pb.h"

namespace promlet::remote {
namespace {

// What the receiver makes of an accepted body: series with valid labels, the others counted.
DecodedWrite Validated(const WireWrite& w) {
  DecodedWrite out;
  for (const WireSeries& s : w.series) {
    std::vector<model::Label> pairs;
    for (uint32_t i = s.labels_begin; i < s.labels_end; ++i) {
      pairs.push_back(model::Label{std::string(w.labels[i].name), std::string(w.labels[i].value)});
    }
    auto labels = LabelsFromWire(std::move(pairs));
    if (!labels.ok()) {
      ++out.invalid_series;
      continue;
    }
    WriteSeries ws;
    ws.labels = *std::move(labels);
    ws.samples.assign(w.samples.begin() + s.samples_begin, w.samples.begin() + s.samples_end);
    out.series.push_back(std::move(ws));
  }
  return out;
}

// Checks the contract on one body; returns whether the wire decoder accepted it.
bool CheckAgainstOracle(WriteProto proto, std::string_view body) {
  WireWrite w;
  const bool accepted = DecodeWriteWire(proto, body, &w);
  if (!accepted) return false;
  auto want = DecodeWriteRequest(proto, body);
  EXPECT_TRUE(want.ok()) << "wire decoder accepted what libprotobuf refuses: " << want.status();
  if (!want.ok()) return true;
  DecodedWrite got = Validated(w);
  EXPECT_EQ(got.invalid_series, want->invalid_series);
  EXPECT_EQ(want->histograms, 0u);
  EXPECT_EQ(want->exemplars, 0u);
  EXPECT_EQ(want->metadata, 0u);
  EXPECT_EQ(got.series.size(), want->series.size());
  for (size_t i = 0; i < std::min(got.series.size(), want->series.size()); ++i) {
    EXPECT_EQ(got.series[i].labels, want->series[i].labels) << "series " << i;
    const auto& a = got.series[i].samples;
    const auto& b = want->series[i].samples;
    EXPECT_EQ(a.size(), b.size());
    for (size_t j = 0; j < std::min(a.size(), b.size()); ++j) {
      EXPECT_EQ(a[j].t, b[j].t);
      EXPECT_EQ(std::memcmp(&a[j].v, &b[j].v, 8), 0) << "value bits, series " << i << " #" << j;
    }
  }
  return true;
}

std::string RandomString(std::mt19937_64& rng, bool allow_odd) {
  static const std::vector<std::string> kPool = {
      "__name__", "job", "instance", "up", "a_b", "", "x", "le", "0bad", "h:9090", "caf\xc3\xa9"};
  if (allow_odd && rng() % 10 == 0) return std::string("\xff\xfe", 2);  // bad UTF-8
  return kPool[rng() % kPool.size()];
}

// A random 1.0/2.0 request through libprotobuf, with invalid series now and then.
std::string RandomBody(WriteProto proto, std::mt19937_64& rng) {
  const int nseries = static_cast<int>(rng() % 6);
  if (proto == WriteProto::kV1) {
    prometheus::WriteRequest req;
    for (int i = 0; i < nseries; ++i) {
      auto* ts = req.add_timeseries();
      const int nl = static_cast<int>(rng() % 4);
      for (int j = 0; j < nl; ++j) {
        auto* l = ts->add_labels();
        l->set_name(RandomString(rng, true));
        l->set_value(RandomString(rng, true));
      }
      if (rng() % 2) {
        auto* l = ts->add_labels();
        l->set_name("__name__");
        l->set_value("m" + std::to_string(rng() % 3));
      }
      for (int k = static_cast<int>(rng() % 4); k > 0; --k) {
        auto* s = ts->add_samples();
        s->set_timestamp(static_cast<int64_t>(rng()) >> (rng() % 64));
        uint64_t bits = rng();
        double v;
        std::memcpy(&v, &bits, 8);
        if (rng() % 3) s->set_value(v);
      }
    }
    return req.SerializeAsString();
  }
  io::prometheus::write::v2::Request req;
  const int nsym = 1 + static_cast<int>(rng() % 6);
  req.add_symbols(rng() % 20 == 0 ? "x" : "");
  for (int i = 1; i < nsym; ++i) req.add_symbols(RandomString(rng, true));
  for (int i = 0; i < nseries; ++i) {
    auto* ts = req.add_timeseries();
    const int nrefs = 2 * static_cast<int>(rng() % 4) + (rng() % 20 == 0 ? 1 : 0);
    for (int j = 0; j < nrefs; ++j) ts->add_labels_refs(static_cast<uint32_t>(rng() % (nsym + 1)));
    for (int k = static_cast<int>(rng() % 4); k > 0; --k) {
      auto* s = ts->add_samples();
      s->set_timestamp(static_cast<int64_t>(rng() % 4000000000000));
      s->set_value(static_cast<double>(rng() % 1000) / 7);
    }
    if (rng() % 3 == 0) {
      ts->mutable_metadata()->set_type(io::prometheus::write::v2::Metadata::METRIC_TYPE_COUNTER);
      ts->mutable_metadata()->set_help_ref(static_cast<uint32_t>(rng() % nsym));
    }
    if (rng() % 3 == 0) ts->set_created_timestamp(static_cast<int64_t>(rng() % 1000));
  }
  return req.SerializeAsString();
}

void Mutate(std::string* body, std::mt19937_64& rng) {
  if (body->empty()) {
    body->push_back(static_cast<char>(rng()));
    return;
  }
  switch (rng() % 4) {
    case 0:
      (*body)[rng() % body->size()] = static_cast<char>(rng());
      break;
    case 1:
      body->resize(rng() % body->size());
      break;
    case 2:
      body->insert(body->begin() + static_cast<std::ptrdiff_t>(rng() % body->size()),
                   static_cast<char>(rng()));
      break;
    default:
      (*body)[rng() % body->size()] ^= static_cast<char>(1 << (rng() % 8));
  }
}

TEST(WriteWireTest, RandomValidBodiesAreAcceptedAndEqualTheOracle) {
  for (WriteProto proto : {WriteProto::kV1, WriteProto::kV2}) {
    std::mt19937_64 rng(proto == WriteProto::kV1 ? 1 : 2);
    int accepted = 0, total = 0, oracle_ok = 0;
    for (int i = 0; i < 3000; ++i) {
      std::string body = RandomBody(proto, rng);
      auto oracle = DecodeWriteRequest(proto, body);
      ++total;
      const bool ok = CheckAgainstOracle(proto, body);
      if (ok) ++accepted;
      // Everything libprotobuf's encoder writes without a decode error is in the subset.
      if (oracle.ok()) {
        ++oracle_ok;
        EXPECT_TRUE(ok) << "body " << i;
      }
    }
    EXPECT_EQ(accepted, oracle_ok);  // and oracle errors are all declined (CheckAgainstOracle)
    EXPECT_GT(oracle_ok, total / 4);
  }
}

TEST(WriteWireTest, RandomlyDamagedBodiesNeverDisagreeWithTheOracle) {
  for (WriteProto proto : {WriteProto::kV1, WriteProto::kV2}) {
    std::mt19937_64 rng(proto == WriteProto::kV1 ? 3 : 4);
    int declined = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string body = RandomBody(proto, rng);
      for (int m = 1 + static_cast<int>(rng() % 3); m > 0; --m) Mutate(&body, rng);
      if (!CheckAgainstOracle(proto, body)) ++declined;
    }
    EXPECT_GT(declined, 0);  // damage is seen, and then left to libprotobuf
  }
}

// Hand-made encodings: what other encoders may legally write, and what must go to libprotobuf.
std::string Varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}
std::string Field(uint32_t f, uint32_t wt, std::string_view payload) {
  std::string s = Varint(f << 3 | wt);
  if (wt == 2) s += Varint(payload.size());
  s += payload;
  return s;
}

TEST(WriteWireTest, HandMadeEncodings) {
  const std::string sample = Field(2, 0, Varint(1000)) + Field(1, 1, std::string(8, '\0'));
  // 2.0, symbols after the series, unpacked labels_refs, a repeated sample field (last wins).
  std::string ts = Field(1, 0, Varint(1)) + Field(1, 0, Varint(2)) +
                   Field(2, 2, sample + Field(2, 0, Varint(2000)));
  std::string v2 = Field(5, 2, ts) + Field(4, 2, "") + Field(4, 2, "__name__") + Field(4, 2, "m");
  WireWrite w;
  ASSERT_TRUE(DecodeWriteWire(WriteProto::kV2, v2, &w));
  ASSERT_TRUE(CheckAgainstOracle(WriteProto::kV2, v2));
  ASSERT_EQ(w.series.size(), 1u);
  EXPECT_EQ(w.labels[0].name, "__name__");
  EXPECT_EQ(w.samples[0].t, 2000);

  // Declined: unknown fields, histograms, exemplars, 1.0 metadata, wrong wire types, a
  // reference out of range, symbols not starting with "", field 0, overlong varints.
  const std::string v1_series =
      Field(1, 2, Field(1, 2, "__name__") + Field(2, 2, "m")) + Field(2, 2, sample);
  for (const std::string& body : {
           Field(1, 2, v1_series + Field(9, 0, Varint(1))),  // unknown field in TimeSeries
           Field(1, 2, v1_series + Field(4, 2, "")),         // a histogram
           Field(1, 2, v1_series + Field(3, 2, "")),         // an exemplar
           Field(1, 2, v1_series) + Field(3, 2, Field(1, 0, Varint(1))),  // metadata
           Field(1, 2, v1_series + Field(2, 0, Varint(5))),               // samples as a varint
           Field(1, 2, v1_series) + Varint(0),                            // field 0
           Field(1, 2, Field(2, 2, Field(2, 0, std::string(11, '\xff') + "\x01"))),
       }) {
    EXPECT_FALSE(DecodeWriteWire(WriteProto::kV1, body, &w));
  }
  for (const std::string& body : {
           Field(5, 2, Field(1, 0, Varint(1)) + Field(1, 0, Varint(9))) + Field(4, 2, ""),
           Field(5, 2, Field(1, 0, Varint(0)) + Field(1, 0, Varint(0))) + Field(4, 2, "x"),
           Field(5, 2, Field(1, 0, Varint(0))) + Field(4, 2, ""),           // odd labels_refs
           Field(5, 2, Field(3, 2, "")) + Field(4, 2, ""),                  // a histogram
           Field(5, 2, Field(1, 0, Varint(1ull << 33))) + Field(4, 2, ""),  // ref over 32 bits
       }) {
    EXPECT_FALSE(DecodeWriteWire(WriteProto::kV2, body, &w));
  }
  // Empty bodies are empty requests for both.
  EXPECT_TRUE(DecodeWriteWire(WriteProto::kV1, "", &w));
  EXPECT_TRUE(w.series.empty());
  EXPECT_TRUE(CheckAgainstOracle(WriteProto::kV2, ""));
}

}  // namespace
}  // namespace promlet::remote
