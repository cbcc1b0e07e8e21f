// /api/v1/admin/tsdb/*: delete_series, clean_tombstones, snapshot (--web.enable-admin-api),
// carried out by the AdminHooks the binary wires to the DB.
#include "absl/strings/str_cat.h"
#include "web/api/v1/handlers.h"

namespace promlet::web {
namespace {

// Set when the admin API is off or the storage lacks the action.
std::optional<ApiError> Unsupported(const Request& r, bool hooked, const char* action) {
  if (!r.env.options.enable_admin) return UnavailableError("admin APIs disabled");
  if (!hooked) {
    return UnavailableError(absl::StrCat(action, " is not supported by this storage"));
  }
  return std::nullopt;
}

// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "true", "TRUE", "True"}) {
    if (s == t) return true;
  }
  for (std::string_view f : {"0", "f", "F", "false", "FALSE", "False"}) {
    if (s == f) return false;
  }
  return std::nullopt;
}

}  // namespace

Result DeleteSeries(const Request& r) {
  if (!r.env.options.enable_admin) return UnavailableError("admin APIs disabled");
  if (r.form.All("match[]").empty()) return BadData("no match[] parameter provided");
  auto range = StartEndParams(r.form);
  if (!range.ok()) return range.status();
  auto sets = MatchParams(r.form);
  if (!sets.ok()) return sets.status();
  const AdminHooks& admin = r.env.admin;
  if (auto e = Unsupported(r, static_cast<bool>(admin.delete_series), "delete_series")) return *e;
  if (auto st = admin.delete_series(*sets, range->start, range->end); !st.ok()) {
    return InternalError(st.message());
  }
  return Result::NoContent();
}

Result CleanTombstones(const Request& r) {
  const AdminHooks& admin = r.env.admin;
  if (auto e = Unsupported(r, static_cast<bool>(admin.clean_tombstones), "clean_tombstones")) {
    return *e;
  }
  if (auto st = admin.clean_tombstones(); !st.ok()) return InternalError(st.message());
  return Result::NoContent();
}

Result Snapshot(const Request& r) {
  if (!r.env.options.enable_admin) return UnavailableError("admin APIs disabled");
  bool skip_head = false;
  std::string_view sh = r.form.Get("skip_head");
  if (!sh.empty()) {
    std::optional<bool> b = ParseGoBool(sh);
    if (!b) {
      return InvalidParam(
          "skip_head", absl::StrCat("strconv.ParseBool: parsing \"",
                                    absl::string_view(sh.data(), sh.size()), "\": invalid syntax"));
    }
    skip_head = *b;
  }
  const AdminHooks& admin = r.env.admin;
  if (auto e = Unsupported(r, static_cast<bool>(admin.snapshot), "snapshot")) return *e;
  auto name = admin.snapshot(skip_head);
  if (!name.ok()) {
    return InternalError(absl::StrCat("create snapshot: ", name.status().message()));
  }
  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  w.Key("name");
  w.String(*name);
  w.EndObject();
  return out;
}

}  // namespace promlet::web
