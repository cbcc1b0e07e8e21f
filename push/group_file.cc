#include "push/group_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <type_traits>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/hash.h"
#include "nlohmann/json.hpp"

namespace promlet::push {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kFormatVersion = 1;

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return ErrnoError("open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError("fsync directory", dir);
  return absl::OkStatus();
}

std::string TypeWord(model::MetricType t) { return std::string(model::MetricTypeName(t)); }

absl::StatusOr<model::MetricType> TypeFromWord(const std::string& w) {
  using model::MetricType;
  for (MetricType t : {MetricType::kCounter, MetricType::kGauge, MetricType::kHistogram,
                       MetricType::kGaugeHistogram, MetricType::kSummary, MetricType::kUntyped,
                       MetricType::kUnknown}) {
    if (model::MetricTypeName(t) == w) return t;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown metric type \"", w, "\""));
}

json SpansJson(const std::vector<model::histogram::Span>& spans) {
  json out = json::array();
  for (const auto& sp : spans) out.push_back(json::array({sp.offset, sp.length}));
  return out;
}
std::vector<model::histogram::Span> SpansFromJson(const json& j) {
  std::vector<model::histogram::Span> out;
  for (const auto& sp : j) out.push_back({sp.at(0).get<int32_t>(), sp.at(1).get<uint32_t>()});
  return out;
}
template <typename T>
json BitsJson(const std::vector<T>& v) {
  json out = json::array();
  for (T x : v) {
    if constexpr (std::is_floating_point_v<T>) {
      out.push_back(std::bit_cast<uint64_t>(x));
    } else {
      out.push_back(x);
    }
  }
  return out;
}
std::vector<double> DoublesFromBits(const json& j) {
  std::vector<double> out;
  for (const auto& x : j) out.push_back(std::bit_cast<double>(x.get<uint64_t>()));
  return out;
}

// A native histogram sample, every float as its IEEE-754 bits (custom bounds are not pushed:
// the exposition format cannot carry them).
template <typename H>
json HistogramJson(const H& h, bool is_float) {
  json j{{"float", is_float},
         {"hint", static_cast<int>(h.counter_reset_hint)},
         {"schema", h.schema},
         {"zero_threshold_bits", std::bit_cast<uint64_t>(h.zero_threshold)},
         {"sum_bits", std::bit_cast<uint64_t>(h.sum)},
         {"positive_spans", SpansJson(h.positive_spans)},
         {"negative_spans", SpansJson(h.negative_spans)},
         {"positive_buckets", BitsJson(h.positive_buckets)},
         {"negative_buckets", BitsJson(h.negative_buckets)}};
  if constexpr (std::is_same_v<H, model::histogram::FloatHistogram>) {
    j["count_bits"] = std::bit_cast<uint64_t>(h.count);
    j["zero_count_bits"] = std::bit_cast<uint64_t>(h.zero_count);
  } else {
    j["count"] = h.count;
    j["zero_count"] = h.zero_count;
  }
  return j;
}

template <typename H>
void HistogramCommonFromJson(const json& j, H* h) {
  h->counter_reset_hint = static_cast<model::histogram::CounterResetHint>(j.at("hint").get<int>());
  h->schema = j.at("schema").get<int32_t>();
  h->zero_threshold = std::bit_cast<double>(j.at("zero_threshold_bits").get<uint64_t>());
  h->sum = std::bit_cast<double>(j.at("sum_bits").get<uint64_t>());
  h->positive_spans = SpansFromJson(j.at("positive_spans"));
  h->negative_spans = SpansFromJson(j.at("negative_spans"));
}

void HistogramFromJson(const json& j, PushedSample* s) {
  if (j.at("float").get<bool>()) {
    auto fh = std::make_shared<model::histogram::FloatHistogram>();
    HistogramCommonFromJson(j, fh.get());
    fh->count = std::bit_cast<double>(j.at("count_bits").get<uint64_t>());
    fh->zero_count = std::bit_cast<double>(j.at("zero_count_bits").get<uint64_t>());
    fh->positive_buckets = DoublesFromBits(j.at("positive_buckets"));
    fh->negative_buckets = DoublesFromBits(j.at("negative_buckets"));
    s->float_histogram = std::move(fh);
    return;
  }
  auto h = std::make_shared<model::histogram::Histogram>();
  HistogramCommonFromJson(j, h.get());
  h->count = j.at("count").get<uint64_t>();
  h->zero_count = j.at("zero_count").get<uint64_t>();
  h->positive_buckets = j.at("positive_buckets").get<std::vector<int64_t>>();
  h->negative_buckets = j.at("negative_buckets").get<std::vector<int64_t>>();
  s->histogram = std::move(h);
}

}  // namespace

std::string EncodeGroup(const Group& group) {
  json j;
  j["version"] = kFormatVersion;
  j["key"] = group.key;
  json fams = json::array();
  for (const auto& [name, f] : group.families) {
    json jf;
    jf["name"] = f.name;
    jf["type"] = TypeWord(f.type);
    jf["help"] = f.help;
    jf["push_time_ms"] = f.push_time_ms;
    json samples = json::array();
    for (const auto& s : f.samples) {
      json labels = json::array();
      for (const auto& l : s.labels) labels.push_back(json::array({l.name, l.value}));
      json js{{"labels", std::move(labels)}, {"value_bits", std::bit_cast<uint64_t>(s.value)}};
      if (s.synthesized) js["synthesized"] = true;
      if (s.histogram) js["histogram"] = HistogramJson(*s.histogram, false);
      if (s.float_histogram) js["histogram"] = HistogramJson(*s.float_histogram, true);
      samples.push_back(std::move(js));
    }
    jf["samples"] = std::move(samples);
    fams.push_back(std::move(jf));
  }
  j["families"] = std::move(fams);
  return j.dump();
}

absl::StatusOr<Group> DecodeGroup(std::string_view data) {
  json j = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::DataLossError("not a JSON object");
  try {
    if (j.at("version").get<int>() != kFormatVersion) {
      return absl::DataLossError(absl::StrCat("unknown version ", j.at("version").dump()));
    }
    Group g;
    g.key = j.at("key").get<GroupingKey>();
    if (g.key.count("job") == 0) return absl::DataLossError("grouping key without job");
    for (const auto& jf : j.at("families")) {
      Family f;
      f.name = jf.at("name").get<std::string>();
      auto type = TypeFromWord(jf.at("type").get<std::string>());
      if (!type.ok()) return absl::DataLossError(type.status().message());
      f.type = *type;
      f.help = jf.at("help").get<std::string>();
      f.push_time_ms = jf.at("push_time_ms").get<int64_t>();
      for (const auto& js : jf.at("samples")) {
        std::vector<model::Label> labels;
        for (const auto& jl : js.at("labels")) {
          labels.push_back(model::Label{jl.at(0).get<std::string>(), jl.at(1).get<std::string>()});
        }
        PushedSample s{model::Labels::FromUnsorted(std::move(labels)),
                       std::bit_cast<double>(js.at("value_bits").get<uint64_t>()),
                       js.value("synthesized", false), nullptr, nullptr};
        if (js.contains("histogram")) HistogramFromJson(js.at("histogram"), &s);
        f.samples.push_back(std::move(s));
      }
      std::string name = f.name;
      g.families.emplace(std::move(name), std::move(f));
    }
    return g;
  } catch (const json::exception& e) {
    return absl::DataLossError(e.what());
  }
}

std::string GroupFileName(const GroupingKey& key, int collision) {
  std::string text = GroupingKeyString(key);
  uint64_t h1 = 0, h2 = 0;
  common::Murmur3x64_128(text.data(), text.size(), 0x70757368, 0x67726f7570, &h1, &h2);
  std::string name = absl::StrFormat("%016x%016x", h1, h2);
  if (collision > 0) absl::StrAppend(&name, "-", collision);
  return name + ".json";
}

absl::Status WriteGroupFile(const std::string& dir, const std::string& name, const Group& group) {
  std::string data = EncodeGroup(group);
  std::string tmp = absl::StrCat(dir, "/", name, ".tmp");
  std::string final_path = absl::StrCat(dir, "/", name);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("create", tmp);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto st = ErrnoError("write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return st;
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto st = ErrnoError("fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    auto st = ErrnoError("rename", tmp);
    ::unlink(tmp.c_str());
    return st;
  }
  return FsyncDir(dir);
}

absl::Status RemoveGroupFile(const std::string& dir, const std::string& name) {
  std::string path = absl::StrCat(dir, "/", name);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("remove", path);
  return FsyncDir(dir);
}

absl::StatusOr<std::vector<LoadedGroup>> LoadGroupFiles(const std::string& dir,
                                                        std::vector<std::string>* errors) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("create directory ", dir, ": ", ec.message()));
  }
  std::vector<LoadedGroup> out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (absl::EndsWith(name, ".tmp")) {
      fs::remove(entry.path(), ec);
      continue;
    }
    if (!absl::EndsWith(name, ".json")) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    auto group = DecodeGroup(buf.str());
    if (!group.ok()) {
      errors->push_back(absl::StrCat(entry.path().string(), ": ", group.status().message()));
      fs::rename(entry.path(), entry.path().string() + ".corrupt", ec);
      continue;
    }
    out.push_back(LoadedGroup{name, *std::move(group)});
  }
  if (ec) return absl::InternalError(absl::StrCat("read directory ", dir, ": ", ec.message()));
  return out;
}

}  // namespace promlet::push
