// /api/v1/status/*: build and runtime information, flags, the loaded config, the head's
// statistics and WAL replay progress, read from ApiOptions and the RuntimeStatus hooks. Also
// /api/v1/rules and /alerts, empty until rules/ exists, and /api/v1/alertmanagers (TargetSource).
#include <limits>
#include <map>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "web/api/v1/handlers.h"

namespace promlet::web {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A JSON object of string fields, in the order given.
Result StringFields(std::initializer_list<std::pair<const char*, const std::string*>> fields) {
  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  for (const auto& [key, value] : fields) {
    w.Key(key);
    w.String(*value);
  }
  w.EndObject();
  return out;
}

void WriteEntries(JsonWriter& w, const char* key,
                  const std::vector<TsdbStatusView::Entry>& entries) {
  w.Key(key);
  w.BeginArray();
  for (const auto& e : entries) {
    w.BeginObject();
    w.Key("name");
    w.String(e.name);
    w.Key("value");
    w.Uint(e.value);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

Result StatusBuildInfo(const Request& r) {
  const ApiOptions& o = r.env.options;
  return StringFields({{"version", &o.version},
                       {"revision", &o.revision},
                       {"branch", &o.branch},
                       {"buildUser", &o.build_user},
                       {"buildDate", &o.build_date},
                       {"goVersion", &o.go_version},
                       {"promletVersion", &o.promlet_version}});
}

Result StatusConfig(const Request& r) {
  std::string yaml = r.env.status.config_yaml ? r.env.status.config_yaml() : "";
  return StringFields({{"yaml", &yaml}});
}

Result StatusFlags(const Request& r) {
  std::map<std::string, std::string> sorted(r.env.options.flags.begin(), r.env.options.flags.end());
  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  for (const auto& [k, v] : sorted) {
    w.Key(k);
    w.String(v);
  }
  w.EndObject();
  return out;
}

Result StatusRuntimeInfo(const Request& r) {
  const ApiOptions& o = r.env.options;
  const RuntimeStatus& s = r.env.status;
  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  w.Key("startTime");
  w.String(Rfc3339Nano(o.start_time_unix_ms * 1000000));
  w.Key("CWD");
  w.String(o.cwd);
  w.Key("reloadConfigSuccess");
  w.Bool(s.reload_config_success ? s.reload_config_success() : true);
  w.Key("lastConfigTime");
  w.String(Rfc3339Nano(
      (s.last_config_time_unix_ms ? s.last_config_time_unix_ms() : o.start_time_unix_ms) *
      1000000));
  w.Key("corruptionCount");
  w.Int(s.corruption_count ? s.corruption_count() : 0);
  w.Key("goroutineCount");
  w.Int(0);
  w.Key("GOMAXPROCS");
  w.Int(static_cast<int64_t>(std::thread::hardware_concurrency()));
  w.Key("GOMEMLIMIT");
  w.Int(std::numeric_limits<int64_t>::max());
  w.Key("GOGC");
  w.String("");
  w.Key("GODEBUG");
  w.String("");
  w.Key("storageRetention");
  w.String(o.storage_retention);
  w.EndObject();
  return out;
}

Result StatusTsdb(const Request& r) {
  int limit = 10;
  if (!r.form.Get("limit").empty()) {
    if (!absl::SimpleAtoi(AV(r.form.Get("limit")), &limit) || limit < 1) {
      return BadData("limit must be a positive number");
    }
  }
  TsdbStatusView st;
  if (r.env.status.tsdb_status) st = r.env.status.tsdb_status(static_cast<size_t>(limit));
  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  w.Key("headStats");
  w.BeginObject();
  w.Key("numSeries");
  w.Uint(st.num_series);
  w.Key("numLabelPairs");
  w.Uint(st.num_label_pairs);
  w.Key("chunkCount");
  w.Uint(st.chunk_count);
  bool empty = st.min_time > st.max_time;
  w.Key("minTime");
  w.Int(empty ? std::numeric_limits<int64_t>::max() : st.min_time);
  w.Key("maxTime");
  w.Int(empty ? std::numeric_limits<int64_t>::min() : st.max_time);
  w.EndObject();
  WriteEntries(w, "seriesCountByMetricName", st.series_count_by_metric_name);
  WriteEntries(w, "labelValueCountByLabelName", st.label_value_count_by_label_name);
  WriteEntries(w, "memoryInBytesByLabelName", st.memory_in_bytes_by_label_name);
  WriteEntries(w, "seriesCountByLabelValuePair", st.series_count_by_label_value_pair);
  w.EndObject();
  return out;
}

Result StatusWalReplay(const Request& r) {
  std::vector<int64_t> v =
      r.env.status.wal_replay ? r.env.status.wal_replay() : std::vector<int64_t>{};
  v.resize(3, 0);
  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  w.Key("min");
  w.Int(v[0]);
  w.Key("max");
  w.Int(v[1]);
  w.Key("current");
  w.Int(v[2]);
  w.EndObject();
  return out;
}

Result AlertManagers(const Request& r) {
  AlertmanagersView ams;
  if (r.env.targets.alertmanagers) ams = r.env.targets.alertmanagers();
  Result out;
  JsonWriter& w = out.data();
  w.BeginObject();
  for (const auto& [key, urls] : {std::pair{"activeAlertmanagers", &ams.active},
                                  std::pair{"droppedAlertmanagers", &ams.dropped}}) {
    w.Key(key);
    w.BeginArray();
    for (const std::string& url : *urls) {
      w.BeginObject();
      w.Key("url");
      w.String(url);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return out;
}

}  // namespace promlet::web
