#include "config/decoder.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/bytesize.h"
#include "common/duration.h"

namespace promlet::config {
namespace {

namespace fs = std::filesystem;

std::string JoinNames(const FieldNames& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

bool Contains(const FieldNames& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string Decoder::Join(std::string_view path, std::string_view field) {
  if (path.empty()) return std::string(field);
  return absl::StrCat(std::string(path), ".", std::string(field));
}

std::string Decoder::Index(std::string_view path, size_t i) {
  return absl::StrCat(std::string(path), "[", i, "]");
}

std::optional<YAML::Node> Decoder::Child(const YAML::Node& n, std::string_view key) {
  YAML::Node c = n[std::string(key)];
  if (!c.IsDefined() || c.IsNull()) return std::nullopt;
  return c;
}

absl::Status Decoder::Error(const YAML::Node& n, std::string_view path,
                            std::string_view msg) const {
  std::string where = file_;
  if (n.IsDefined() && n.Mark().line >= 0 && !n.Mark().is_null()) {
    absl::StrAppend(&where, ":", n.Mark().line + 1);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": ", std::string(path), path.empty() ? "" : ": ", std::string(msg)));
}

absl::Status Decoder::CheckKeys(const YAML::Node& n, std::string_view path, const FieldNames& known,
                                const std::set<std::string>& unsupported) const {
  if (!n.IsMap()) return Error(n, path, "expected a mapping");
  std::set<std::string> seen;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) return Error(it->first, path, "expected a string key");
    const std::string& k = it->first.Scalar();
    if (!Contains(known, k) && !unsupported.count(k)) {
      return Error(it->first, Join(path, k),
                   absl::StrCat("unknown field (known fields: ", JoinNames(known), ")"));
    }
    if (!seen.insert(k).second) return Error(it->first, Join(path, k), "field set twice");
  }
  return absl::OkStatus();
}

void Decoder::Unsupported(const YAML::Node& key, std::string_view path,
                          std::string_view why) const {
  unsupported_->push_back(Msg(Error(key, path, why)));
}

std::set<std::string> Decoder::RecordUnsupported(const YAML::Node& n, std::string_view path,
                                                 const FieldNames& names,
                                                 std::string_view why) const {
  std::set<std::string> found;
  if (!n.IsMap()) return found;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& k = it->first.Scalar();
    if (!Contains(names, k)) continue;
    if (found.insert(k).second) Unsupported(it->first, Join(path, k), why);
  }
  return found;
}

absl::Status Decoder::RefuseNeverIgnorable(const YAML::Node& n, std::string_view path,
                                           const FieldNames& names) const {
  if (!n.IsMap()) return absl::OkStatus();
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& k = it->first.Scalar();
    if (Contains(names, k)) {
      return Error(it->first, Join(path, k),
                   "not supported by promlet (and not ignorable: scraping without it would "
                   "send requests differently than configured)");
    }
  }
  return absl::OkStatus();
}

absl::Status Decoder::String(const YAML::Node& n, std::string_view path, std::string_view key,
                             std::string* out) const {
  auto c = Child(n, key);
  if (!c) return absl::OkStatus();
  if (!c->IsScalar()) return Error(*c, Join(path, key), "expected a string");
  *out = c->Scalar();
  return absl::OkStatus();
}

absl::Status Decoder::File(const YAML::Node& n, std::string_view path, std::string_view key,
                           std::string* out) const {
  if (auto st = String(n, path, key, out); !st.ok()) return st;
  *out = Resolve(*out);
  return absl::OkStatus();
}

std::string Decoder::Resolve(const std::string& p) const {
  if (p.empty() || p[0] == '/' || base_dir_.empty()) return p;
  return (fs::path(base_dir_) / p).lexically_normal().string();
}

absl::Status Decoder::Bool(const YAML::Node& n, std::string_view path, std::string_view key,
                           bool* out) const {
  auto c = Child(n, key);
  if (!c) return absl::OkStatus();
  std::string v = c->IsScalar() ? absl::AsciiStrToLower(c->Scalar()) : "";
  if (v == "true" || v == "yes" || v == "on") {
    *out = true;
  } else if (v == "false" || v == "no" || v == "off") {
    *out = false;
  } else {
    return Error(*c, Join(path, key), "expected true or false");
  }
  return absl::OkStatus();
}

absl::Status Decoder::Uint(const YAML::Node& n, std::string_view path, std::string_view key,
                           uint64_t* out) const {
  auto c = Child(n, key);
  if (!c) return absl::OkStatus();
  const std::string s = c->IsScalar() ? c->Scalar() : "";
  uint64_t v = 0;
  bool ok = !s.empty() && s.size() <= 19;
  for (char ch : s) {
    if (ch < '0' || ch > '9')
      ok = false;
    else
      v = v * 10 + (ch - '0');
  }
  if (!ok)
    return Error(*c, Join(path, key),
                 absl::StrCat("expected a non-negative integer, got \"", s, "\""));
  *out = v;
  return absl::OkStatus();
}

absl::Status Decoder::Duration(const YAML::Node& n, std::string_view path, std::string_view key,
                               int64_t* out) const {
  auto c = Child(n, key);
  if (!c) return absl::OkStatus();
  if (!c->IsScalar()) return Error(*c, Join(path, key), "expected a duration");
  absl::StatusOr<int64_t> d = common::ParseDuration(c->Scalar());
  if (!d.ok()) return Error(*c, Join(path, key), Msg(d.status()));
  *out = *d;
  return absl::OkStatus();
}

absl::Status Decoder::Size(const YAML::Node& n, std::string_view path, std::string_view key,
                           int64_t* out) const {
  auto c = Child(n, key);
  if (!c) return absl::OkStatus();
  if (!c->IsScalar()) return Error(*c, Join(path, key), "expected a size such as 10MB");
  absl::StatusOr<int64_t> d = common::ParseByteSize(c->Scalar());
  if (!d.ok()) return Error(*c, Join(path, key), Msg(d.status()));
  *out = *d;
  return absl::OkStatus();
}

absl::Status Decoder::StringList(const YAML::Node& n, std::string_view path, std::string_view key,
                                 std::vector<std::string>* out) const {
  auto c = Child(n, key);
  if (!c) return absl::OkStatus();
  if (!c->IsSequence()) return Error(*c, Join(path, key), "expected a list of strings");
  out->clear();
  for (size_t i = 0; i < c->size(); ++i) {
    const YAML::Node e = (*c)[i];
    if (!e.IsScalar()) return Error(e, Index(Join(path, key), i), "expected a string");
    out->push_back(e.Scalar());
  }
  return absl::OkStatus();
}

absl::Status Decoder::ForEach(const YAML::Node& n, std::string_view path, std::string_view key,
                              std::string_view what, const ListEntry& entry) const {
  auto list = Child(n, key);
  if (!list) return absl::OkStatus();
  const std::string lpath = Join(path, key);
  if (!list->IsSequence()) return Error(*list, lpath, absl::StrCat("expected ", std::string(what)));
  for (size_t i = 0; i < list->size(); ++i) {
    if (absl::Status st = entry((*list)[i], Index(lpath, i), i); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status Decoder::LabelMap(const YAML::Node& n, std::string_view path, std::string_view key,
                               model::Labels* out) const {
  auto c = Child(n, key);
  if (!c) return absl::OkStatus();
  if (!c->IsMap()) return Error(*c, Join(path, key), "expected a mapping of label names to values");
  std::vector<model::Label> v;
  std::set<std::string> seen;
  for (auto it = c->begin(); it != c->end(); ++it) {
    if (!it->first.IsScalar() || !it->second.IsScalar()) {
      return Error(it->first, Join(path, key), "expected label name: value");
    }
    const std::string& name = it->first.Scalar();
    std::string field = Join(Join(path, key), name);
    if (!model::IsValidLabelName(name)) return Error(it->first, field, "invalid label name");
    if (!model::IsValidUtf8(it->second.Scalar())) {
      return Error(it->second, field, "label value is not valid UTF-8");
    }
    if (!seen.insert(name).second) return Error(it->first, field, "label set twice");
    v.push_back({name, it->second.Scalar()});
  }
  *out = model::Labels::FromUnsorted(std::move(v));
  return absl::OkStatus();
}

absl::Status Decoder::Relabels(const YAML::Node& n, std::string_view path, std::string_view key,
                               std::vector<model::RelabelConfig>* out) const {
  auto entry = [&](const YAML::Node& r, const std::string& p, size_t) -> absl::Status {
    absl::Status st = CheckKeys(r, p,
                                {"source_labels", "separator", "regex", "modulus", "target_label",
                                 "replacement", "action"});
    if (!st.ok()) return st;
    model::RelabelConfig c;
    if (!(st = StringList(r, p, "source_labels", &c.source_labels)).ok()) return st;
    if (!(st = String(r, p, "separator", &c.separator)).ok()) return st;
    if (!(st = String(r, p, "target_label", &c.target_label)).ok()) return st;
    if (!(st = String(r, p, "replacement", &c.replacement)).ok()) return st;
    if (!(st = Uint(r, p, "modulus", &c.modulus)).ok()) return st;
    if (auto a = Child(r, "action")) {
      if (!a->IsScalar()) return Error(*a, Join(p, "action"), "expected a string");
      absl::StatusOr<model::RelabelAction> act = model::ParseRelabelAction(a->Scalar());
      if (!act.ok()) return Error(*a, Join(p, "action"), Msg(act.status()));
      c.action = *act;
    }
    if (auto re = Child(r, "regex")) {
      if (!re->IsScalar()) return Error(*re, Join(p, "regex"), "expected a string");
      absl::StatusOr<model::RelabelRegex> rx = model::RelabelRegex::Compile(re->Scalar());
      if (!rx.ok()) return Error(*re, Join(p, "regex"), Msg(rx.status()));
      c.regex = *rx;
    }
    if (absl::Status v = c.Validate(); !v.ok()) return Error(r, p, Msg(v));
    out->push_back(std::move(c));
    return absl::OkStatus();
  };
  return ForEach(n, path, key, "a list of relabel configs", entry);
}

}  // namespace promlet::config
