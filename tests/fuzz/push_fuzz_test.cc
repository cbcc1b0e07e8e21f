// Fuzz: the push API's parsers of outside input: the Go client's delimited protobuf bodies
// (push/proto_body.h, a hand-written wire-format reader), text bodies, grouping-key paths and
// import lines. Errors must carry a message; nothing may crash or read out of bounds.
#include <gtest/gtest.h>

#include <bit>
#include <limits>

#include "common/varint.h"
#include "push/grouping_path.h"
#include "push/import.h"
#include "push/proto_body.h"
#include "push/text_body.h"
#include "tests/fuzz/mutator.h"

namespace promlet::push {
namespace {

std::string Key(int field, int wire) {
  std::string out;
  common::PutUvarint(&out, static_cast<uint64_t>(field << 3 | wire));
  return out;
}
std::string Str(int field, std::string_view s) {
  std::string out = Key(field, 2);
  common::PutUvarint(&out, s.size());
  out.append(s);
  return out;
}
std::string Dbl(int field, double v) {
  std::string out = Key(field, 1);
  common::PutFixed64(&out, std::bit_cast<uint64_t>(v));
  return out;
}
std::string Var(int field, uint64_t v) {
  std::string out = Key(field, 0);
  common::PutUvarint(&out, v);
  return out;
}
std::string Family(std::string_view name, int type, const std::string& metric) {
  std::string m = Str(1, name) + Str(2, "Help.") + Var(3, type) + Str(4, metric);
  std::string out;
  common::PutUvarint(&out, m.size());
  return out + m;
}

// Seeds: every metric type the Go client sends (counter, gauge, summary, untyped, histogram),
// with labels and a timestamp, alone and concatenated.
std::vector<std::string> ProtoCorpus() {
  std::string label = Str(1, Str(1, "code") + Str(2, "200"));
  std::string counter = Family("requests_total", 0, label + Str(3, Dbl(1, 12)));
  std::string gauge = Family("temp", 1, Str(2, Dbl(1, -3.5)) + Var(6, 1000));
  std::string summary = Family(
      "lat", 2, Str(4, Var(1, 10) + Dbl(2, 2.5) + Str(3, Dbl(1, 0.5) + Dbl(2, 0.1))));
  std::string untyped = Family("u", 3, Str(5, Dbl(1, 1)));
  std::string histogram = Family(
      "h", 4, Str(7, Var(1, 4) + Dbl(2, 8) + Str(3, Var(1, 1) + Dbl(2, 0.5)) +
                         Str(3, Var(1, 4) + Dbl(2, std::numeric_limits<double>::infinity()))));
  return {counter, gauge, summary, untyped, histogram,
          counter + gauge + summary + untyped + histogram};
}

TEST(FuzzPush, ProtobufDelimitedBodies) {
  for (const std::string& seed : ProtoCorpus()) {
    auto fams = ParseProtoDelimitedBody(seed);
    ASSERT_TRUE(fams.ok()) << "a seed must be a valid body: " << fams.status();
  }
  fuzz::RunFuzz(ProtoCorpus(), {"\x0a", "\x12", "\x1a", "\x22", "\x09", "\x80\x80\x80\x80\x10",
                                "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "\x00"},
                10000, [](const std::string& in) {
                  auto fams = ParseProtoDelimitedBody(in);
                  if (!fams.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(fams.status());
                });
}

TEST(FuzzPush, TextBodies) {
  fuzz::RunFuzz(fuzz::ReadCorpusFile(fuzz::CorpusPath("text.txt")),
                {"# TYPE ", "# HELP ", "{", "}", "=\"", "\",", "\n", " counter\n", " 1000"}, 5000,
                [](const std::string& in) {
                  auto fams = ParseTextBody(in);
                  if (!fams.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(fams.status());
                });
}

TEST(FuzzPush, GroupingPathsAndImportLines) {
  std::vector<std::string> corpus = {
      "/metrics/job/batch", "/metrics/job/batch/instance/host1",
      "/metrics/job@base64/YmF0Y2g/instance@base64/=", "/metrics/job/a%2Fb/x/",
      "up{job=\"a\"} 1 1700000000000\nother 2\n"};
  fuzz::RunFuzz(corpus, {"/", "@base64", "%", "%2F", "=", "==", "{", "\""}, 5000,
                [](const std::string& in) {
                  auto key = ParseGroupingPath(in);
                  if (!key.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(key.status());
                  auto samples = ParseImport(in, {}, 1700000000000);
                  if (!samples.ok()) PROMLET_EXPECT_ERROR_HAS_MESSAGE(samples.status());
                });
}

}  // namespace
}  // namespace promlet::push
