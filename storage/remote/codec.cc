#include "storage/remote/codec.h"

#include <snappy.h>

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/views.h"
#include "storage/remote/histogram_proto.h"
#include "storage/remote/proto/remote.pb.h"
#include "storage/remote/proto/write_v2.pb.h"
#include "tsdb/encoding/crc32c.h"

namespace promlet::remote {
namespace {

using common::ToAbsl;
using histogram_proto::HistogramFromProto;
using histogram_proto::HistogramToProto;

constexpr std::string_view kProtobufMediaType = "application/x-protobuf";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    size_t i = s.find(sep, start);
    if (i == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, i - start));
    start = i + 1;
  }
}

absl::Status DecodeV1(std::string_view body, DecodedWrite* out) {
  prometheus::WriteRequest req;
  if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::InvalidArgumentError("remote write 1.0: cannot parse the WriteRequest protobuf");
  }
  out->metadata = static_cast<size_t>(req.metadata_size());
  out->series.reserve(static_cast<size_t>(req.timeseries_size()));
  for (const auto& ts : req.timeseries()) {
    out->histograms += static_cast<size_t>(ts.histograms_size());
    out->exemplars += static_cast<size_t>(ts.exemplars_size());
    std::vector<model::Label> pairs;
    pairs.reserve(static_cast<size_t>(ts.labels_size()));
    for (const auto& l : ts.labels()) pairs.push_back(model::Label{l.name(), l.value()});
    auto labels = LabelsFromWire(std::move(pairs));
    if (!labels.ok()) {
      ++out->invalid_series;
      continue;
    }
    WriteSeries s;
    s.labels = *std::move(labels);
    s.samples.reserve(static_cast<size_t>(ts.samples_size()));
    for (const auto& x : ts.samples())
      s.samples.push_back(storage::Sample{x.timestamp(), x.value()});
    s.histograms.reserve(static_cast<size_t>(ts.histograms_size()));
    for (const auto& x : ts.histograms()) s.histograms.push_back(HistogramFromProto(x));
    out->series.push_back(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status DecodeV2(std::string_view body, DecodedWrite* out) {
  io::prometheus::write::v2::Request req;
  if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::InvalidArgumentError(
        "remote write 2.0: cannot parse the io.prometheus.write.v2.Request protobuf");
  }
  const auto& symbols = req.symbols();
  if (req.timeseries_size() > 0 && (symbols.empty() || !symbols[0].empty())) {
    return absl::InvalidArgumentError("remote write 2.0: symbols must start with the empty string");
  }
  out->series.reserve(static_cast<size_t>(req.timeseries_size()));
  for (int i = 0; i < req.timeseries_size(); ++i) {
    const auto& ts = req.timeseries(i);
    out->histograms += static_cast<size_t>(ts.histograms_size());
    out->exemplars += static_cast<size_t>(ts.exemplars_size());
    const auto& refs = ts.labels_refs();
    if (refs.size() % 2 != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "remote write 2.0: timeseries ", i, ": labels_refs has an odd length ", refs.size()));
    }
    std::vector<model::Label> pairs;
    pairs.reserve(static_cast<size_t>(refs.size() / 2));
    for (int j = 0; j < refs.size(); j += 2) {
      const uint32_t n = refs[j], v = refs[j + 1];
      if (n >= static_cast<uint32_t>(symbols.size()) ||
          v >= static_cast<uint32_t>(symbols.size())) {
        return absl::InvalidArgumentError(
            absl::StrCat("remote write 2.0: timeseries ", i, ": label reference ", std::max(n, v),
                         " out of range of ", symbols.size(), " symbols"));
      }
      pairs.push_back(model::Label{symbols[static_cast<int>(n)], symbols[static_cast<int>(v)]});
    }
    auto labels = LabelsFromWire(std::move(pairs));
    if (!labels.ok()) {
      ++out->invalid_series;
      continue;
    }
    WriteSeries s;
    s.labels = *std::move(labels);
    s.samples.reserve(static_cast<size_t>(ts.samples_size()));
    for (const auto& x : ts.samples())
      s.samples.push_back(storage::Sample{x.timestamp(), x.value()});
    s.histograms.reserve(static_cast<size_t>(ts.histograms_size()));
    for (const auto& x : ts.histograms()) s.histograms.push_back(HistogramFromProto(x));
    out->series.push_back(std::move(s));
  }
  return absl::OkStatus();
}

std::string EncodeV1(absl::Span<const WriteSeries> series) {
  prometheus::WriteRequest req;
  req.mutable_timeseries()->Reserve(static_cast<int>(series.size()));
  for (const auto& s : series) {
    auto* ts = req.add_timeseries();
    for (const auto& l : s.labels) {
      auto* pl = ts->add_labels();
      pl->set_name(l.name);
      pl->set_value(l.value);
    }
    ts->mutable_samples()->Reserve(static_cast<int>(s.samples.size()));
    for (const auto& x : s.samples) {
      auto* ps = ts->add_samples();
      ps->set_timestamp(x.t);
      ps->set_value(x.v);
    }
    for (const auto& x : s.histograms) HistogramToProto(x, ts->add_histograms());
  }
  return req.SerializeAsString();
}

std::string EncodeV2(absl::Span<const WriteSeries> series) {
  io::prometheus::write::v2::Request req;
  absl::flat_hash_map<std::string_view, uint32_t> index;
  auto symbol = [&](std::string_view s) -> uint32_t {
    auto [it, inserted] = index.try_emplace(s, static_cast<uint32_t>(req.symbols_size()));
    if (inserted) req.add_symbols(std::string(s));
    return it->second;
  };
  symbol("");
  for (const auto& s : series) {
    auto* ts = req.add_timeseries();
    for (const auto& l : s.labels) {
      ts->add_labels_refs(symbol(l.name));
      ts->add_labels_refs(symbol(l.value));
    }
    for (const auto& x : s.samples) {
      auto* ps = ts->add_samples();
      ps->set_timestamp(x.t);
      ps->set_value(x.v);
    }
    for (const auto& x : s.histograms) HistogramToProto(x, ts->add_histograms());
  }
  return req.SerializeAsString();
}

}  // namespace

std::string SnappyCompress(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

absl::StatusOr<std::string> SnappyUncompress(std::string_view compressed, size_t max_bytes) {
  std::string out;
  auto view = SnappyUncompressInto(compressed, max_bytes, &out);
  if (!view.ok()) return view.status();
  out.resize(view->size());
  return out;
}

absl::StatusOr<std::string_view> SnappyUncompressInto(std::string_view compressed, size_t max_bytes,
                                                      std::string* buf) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &n)) {
    return absl::InvalidArgumentError("snappy: corrupt input (bad length header)");
  }
  if (n > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("snappy: decoded size ", n, " bytes exceeds the limit of ", max_bytes));
  }
  if (buf->size() < n) buf->resize(n);
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), buf->data())) {
    return absl::InvalidArgumentError("snappy: corrupt input");
  }
  return std::string_view(buf->data(), n);
}

std::string WriteContentType(WriteProto proto) {
  return absl::StrCat(ToAbsl(kProtobufMediaType),
                      ";proto=", ToAbsl(proto == WriteProto::kV1 ? kWriteProtoV1 : kWriteProtoV2));
}

absl::StatusOr<WriteProto> ParseWriteProtoName(std::string_view name) {
  if (name == kWriteProtoV1) return WriteProto::kV1;
  if (name == kWriteProtoV2) return WriteProto::kV2;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown remote write protobuf message ", ToAbsl(name),
                   ", supported: ", ToAbsl(kWriteProtoV1), ", ", ToAbsl(kWriteProtoV2)));
}

absl::StatusOr<WriteProto> ParseWriteContentType(std::string_view content_type) {
  content_type = Trim(content_type);
  if (content_type.empty()) return WriteProto::kV1;
  std::vector<std::string_view> parts = Split(content_type, ';');
  if (Trim(parts[0]) != kProtobufMediaType) {
    return absl::InvalidArgumentError(absl::StrCat("expected ", ToAbsl(kProtobufMediaType),
                                                   " as the first (media) part, got ",
                                                   ToAbsl(content_type), " content-type"));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    std::vector<std::string_view> kv = Split(parts[i], '=');
    if (kv.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat("expected parameters to be key-values, got ",
                                                     ToAbsl(parts[i]), " in ", ToAbsl(content_type),
                                                     " content-type"));
    }
    if (Trim(kv[0]) == "proto") {
      auto p = ParseWriteProtoName(Trim(kv[1]));
      if (!p.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("got ", ToAbsl(content_type), " content type; ", p.status().message()));
      }
      return *p;
    }
  }
  return WriteProto::kV1;
}

absl::StatusOr<model::Labels> LabelsFromWire(std::vector<model::Label> pairs) {
  bool has_name = false;
  for (const auto& l : pairs) {
    if (!model::IsValidLabelName(l.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid label name \"", absl::CHexEscape(l.name), "\""));
    }
    if (!model::IsValidUtf8(l.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid UTF-8 in the value of label ", l.name));
    }
    if (l.name == model::kMetricName && !l.value.empty()) has_name = true;
  }
  if (!has_name) return absl::InvalidArgumentError("series has no metric name");
  std::sort(pairs.begin(), pairs.end(),
            [](const model::Label& a, const model::Label& b) { return a.name < b.name; });
  for (size_t i = 1; i < pairs.size(); ++i) {
    if (pairs[i].name == pairs[i - 1].name) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate label name ", pairs[i].name));
    }
  }
  pairs.erase(std::remove_if(pairs.begin(), pairs.end(),
                             [](const model::Label& l) { return l.value.empty(); }),
              pairs.end());
  return model::Labels::FromSorted(std::move(pairs));
}

absl::StatusOr<DecodedWrite> DecodeWriteRequest(WriteProto proto, std::string_view body) {
  DecodedWrite out;
  absl::Status st = proto == WriteProto::kV1 ? DecodeV1(body, &out) : DecodeV2(body, &out);
  if (!st.ok()) return st;
  return out;
}

std::string EncodeWriteRequest(WriteProto proto, absl::Span<const WriteSeries> series) {
  return proto == WriteProto::kV1 ? EncodeV1(series) : EncodeV2(series);
}

void AppendChunkedFrame(std::string_view message, std::string* out) {
  uint64_t n = message.size();
  while (n >= 0x80) {
    out->push_back(static_cast<char>(n | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
  const uint32_t crc = tsdb::Crc32c(message);
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(crc >> shift));
  out->append(message);
}

absl::StatusOr<std::string_view> NextChunkedFrame(std::string_view data, size_t* pos,
                                                  size_t max_bytes) {
  if (*pos >= data.size()) return absl::NotFoundError("no more frames");
  uint64_t n = 0;
  size_t p = *pos;
  for (int shift = 0;; shift += 7) {
    if (p >= data.size() || shift > 63) {
      return absl::InvalidArgumentError(
          absl::StrCat("chunked frame at offset ", *pos, ": truncated or overlong length varint"));
    }
    const uint8_t b = static_cast<uint8_t>(data[p++]);
    n |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  if (n > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("chunked frame at offset ", *pos, ": ", n,
                                                   " bytes exceed the limit of ", max_bytes));
  }
  if (data.size() - p < 4 || data.size() - p - 4 < n) {
    return absl::InvalidArgumentError(
        absl::StrCat("chunked frame at offset ", *pos, ": cut short (", n, " bytes announced)"));
  }
  uint32_t crc = 0;
  for (int i = 0; i < 4; ++i) crc = (crc << 8) | static_cast<uint8_t>(data[p + i]);
  std::string_view msg = data.substr(p + 4, n);
  if (tsdb::Crc32c(msg) != crc) {
    return absl::InvalidArgumentError(
        absl::StrCat("chunked frame at offset ", *pos, ": checksum mismatch"));
  }
  *pos = p + 4 + n;
  return msg;
}

}  // namespace promlet::remote
