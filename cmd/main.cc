// promlet: reads flags and the config, opens storage, starts scraping and the HTTP server, and
// shuts down cleanly on SIGTERM/SIGINT (or POST /-/quit); SIGHUP (or POST /-/reload) reloads
// the config.
//
// Signals are blocked in every thread and taken synchronously with sigwait() by main, so no
// work happens in a signal handler. Shutdown order: stop accepting HTTP and finish in-flight
// requests, stop scraping, then close the DB (WAL synced) — nothing writes to a closed DB.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cmd/flags.h"
#include "cmd/notifier_wiring.h"
#include "cmd/rules_wiring.h"
#include "cmd/version.h"
#include "cmd/web_hooks.h"
#include "common/duration.h"
#include "common/log.h"
#include "common/metric_families.h"
#include "config/config.h"
#include "net/http/server.h"
#include "net/http/web_config.h"
#include "promql/engine/engine.h"
#include "promql/parser/parser.h"
#include "push/group_store.h"
#include "rules/check.h"
#include "rules/rule_file.h"
#include "rules/unit_test_runner.h"
#include "storage/remote/remote_storage.h"
#include "scrape/manager.h"
#include "tools/tsdb_cli.h"
#include "tsdb/db.h"
#include "tsdb/metrics.h"
#include "web/api/v1/api.h"
#include "web/push_routes.h"
#include "web/remote_routes.h"
#include "web/ui_routes.h"
#include "web/api/v1/params.h"
#include "web/self_metrics.h"

namespace promlet::cmd {
namespace {

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

// The loaded configuration and its text, swapped atomically on reload.
class ConfigState {
 public:
  explicit ConfigState(const Flags& flags) : flags_(flags) {}

  // Loads (or re-loads) the config; on failure the previous one stays in force.
  absl::Status Load() {
    absl::StatusOr<config::Config> cfg;
    if (flags_.config_file.empty()) {
      cfg = config::DefaultConfig(flags_.listen_address, flags_.route_prefix);
    } else {
      cfg = config::LoadConfigFile(flags_.config_file,
                                   {.ignore_unsupported = flags_.config_ignore_unsupported});
    }
    if (!cfg.ok()) return Fail(cfg.status());
    for (const auto& w : cfg->warnings) PROMLET_LOG_WARN("Configuration warning", "warning", w);
    std::lock_guard<std::mutex> lock(mu_);
    // Secrets are already redacted in the config's yaml: it is what status/config shows.
    yaml_ = cfg->yaml;
    config_ = std::move(*cfg);
    success_ = true;
    last_ms_ = NowMs();
    return absl::OkStatus();
  }

  std::string yaml() const {
    std::lock_guard<std::mutex> lock(mu_);
    return yaml_;
  }
  config::Config config() const {
    std::lock_guard<std::mutex> lock(mu_);
    return config_;
  }
  bool success() const {
    std::lock_guard<std::mutex> lock(mu_);
    return success_;
  }
  int64_t last_ms() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_ms_;
  }

 private:
  absl::Status Fail(absl::Status st) {
    std::lock_guard<std::mutex> lock(mu_);
    success_ = false;
    return st;
  }

  const Flags& flags_;
  mutable std::mutex mu_;
  config::Config config_;
  std::string yaml_;
  bool success_ = false;
  int64_t last_ms_ = 0;
};

std::string SnapshotName() {
  std::random_device rd;
  uint64_t r = (static_cast<uint64_t>(rd()) << 32) | rd();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r));
  return absl::StrCat(absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone()), "-",
                      hex);
}

// /api/v1/targets and metadata from the scrape manager (the API must not depend on scrape).
web::TargetSource TargetsFrom(scrape::Manager* m) {
  web::TargetSource src;
  src.active = [m] {
    std::vector<web::ActiveTargetView> out;
    for (const auto& t : m->ActiveTargets()) {
      web::ActiveTargetView v;
      v.scrape_pool = t.scrape_pool;
      v.scrape_url = t.scrape_url;
      v.global_url = t.global_url;
      v.labels = t.labels;
      v.discovered_labels = t.discovered_labels;
      v.health = std::string(scrape::TargetHealthName(t.health));
      v.last_error = t.last_error;
      v.last_scrape_unix_nanos =
          t.last_scrape.time_since_epoch().count() == 0
              ? 0
              : std::chrono::duration_cast<std::chrono::nanoseconds>(
                    t.last_scrape.time_since_epoch())
                    .count();
      v.last_scrape_duration_seconds = t.last_scrape_duration_seconds;
      v.scrape_interval_ms = t.scrape_interval.count();
      v.scrape_timeout_ms = t.scrape_timeout.count();
      out.push_back(std::move(v));
    }
    return out;
  };
  src.dropped = [m] {
    std::vector<web::DroppedTargetView> out;
    for (const auto& t : m->DroppedTargets()) {
      out.push_back(web::DroppedTargetView{t.scrape_pool, t.discovered_labels});
    }
    return out;
  };
  src.scrape_pools = [m] { return m->ScrapePools(); };
  src.metadata = [m] {
    std::vector<web::TargetMetadataView> out;
    for (const auto& t : m->TargetsMetadata()) {
      web::TargetMetadataView v;
      v.target = t.target_labels;
      for (const auto& md : t.metadata) {
        v.metadata.push_back(web::MetadataView{md.family, std::string(model::MetricTypeName(md.type)),
                                               md.help, md.unit});
      }
      out.push_back(std::move(v));
    }
    return out;
  };
  return src;
}

int Run(const Flags& flags) {
  log::SetLevel(*log::ParseLevel(flags.log_level));
  log::SetFormat(*log::ParseFormat(flags.log_format));

  // Block the signals we handle before any thread starts, so every thread inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int64_t start_ms = NowMs();
  PROMLET_LOG_INFO("Starting promlet", "version", PROMLET_VERSION, "revision", PROMLET_REVISION);
  for (const std::string& feature : flags.unknown_features) {
    PROMLET_LOG_WARN("Unknown option for --enable-feature", "option", feature);
  }
  if (flags.concurrent_rule_eval) {
    PROMLET_LOG_INFO("Experimental concurrent rule evaluation enabled.");
  }

  ConfigState config(flags);
  PROMLET_LOG_INFO("Loading configuration file", "filename",
                   flags.config_file.empty() ? "(embedded default)" : flags.config_file);
  if (auto st = config.Load(); !st.ok()) {
    PROMLET_LOG_ERROR("Error loading config", "file", flags.config_file, "err", st.message());
    return 1;
  }
  // The web config is checked before storage opens: a bad one must stop promlet, never be
  // ignored (serving plaintext or unauthenticated when TLS or auth was asked for).
  net::WebConfig web_config;
  if (!flags.web_config_file.empty()) {
    auto web = net::LoadWebConfig(flags.web_config_file);
    if (!web.ok()) {
      PROMLET_LOG_ERROR("Invalid web config", "file", flags.web_config_file, "err",
                        web.status().message());
      return 1;
    }
    web_config = *std::move(web);
  }

  tsdb::DBOptions dbo;
  dbo.retention.time_ms = flags.retention_time_ms;
  dbo.retention.size_bytes = static_cast<uint64_t>(flags.retention_size_bytes);
  dbo.block_cache_bytes = static_cast<size_t>(flags.block_cache_bytes);
  dbo.no_lockfile = flags.no_lockfile;
  dbo.head.store_start_timestamps = flags.st_storage;
  dbo.log = [](const std::string& msg) { PROMLET_LOG_WARN("tsdb", "detail", msg); };
  dbo.after_compaction = [] { web::TrimHeapOnceQuiet(); };  // a merge holds whole blocks' data
  PROMLET_LOG_INFO("Opening storage", "path", flags.tsdb_path);
  auto opened = tsdb::DB::Open(flags.tsdb_path, dbo);
  if (!opened.ok()) {
    PROMLET_LOG_ERROR("Opening storage failed", "path", flags.tsdb_path, "err",
                      opened.status().message());
    return 1;
  }
  std::unique_ptr<tsdb::DB> db = std::move(*opened);
  const auto& report = db->open_report();
  for (const auto& w : report.wal.warnings) PROMLET_LOG_WARN("WAL replay", "detail", w);
  for (const auto& b : report.skipped_blocks) PROMLET_LOG_WARN("Skipped damaged block", "block", b);
  PROMLET_LOG_INFO("TSDB started", "series", db->head()->NumSeries(), "wal_segments",
                   report.wal.segments, "replay_seconds", report.replay_seconds);

  // remote_write: queues read the WAL; segments they still need survive checkpoints.
  remote::RemoteStorageOptions rso;
  rso.data_dir = flags.tsdb_path;
  rso.wal_dir = db->dir() + "/wal";
  rso.max_retention_ms = flags.remote_max_retention_ms;
  rso.highest_appended_ms = [&db] { return db->head()->MaxTime(); };
  rso.log = [](std::string_view msg) { PROMLET_LOG_WARN("remote write", "detail", std::string(msg)); };
  auto remote_storage = std::make_shared<remote::RemoteStorage>(std::move(rso));
  db->SetWalSegmentKeeper([weak = std::weak_ptr<remote::RemoteStorage>(remote_storage)] {
    auto rs = weak.lock();
    return rs ? rs->FirstNeededSegment() : std::numeric_limits<int>::max();
  });

  promql::EngineOptions eo;
  eo.lookback_delta_ms = flags.query_lookback_delta_ms;
  eo.max_samples = flags.query_max_samples;
  eo.max_steps_per_window = flags.query_max_steps_per_window;
  eo.timeout = absl::Milliseconds(flags.query_timeout_ms);
  eo.use_start_timestamps = flags.use_start_timestamps;
  promql::Engine engine(eo);
  // Alerts to Alertmanager: the rules hand theirs to the notifier, which queues them and sends
  // them once its config is applied (after the HTTP server starts).
  notifier::ManagerOptions notifier_options;
  notifier_options.queue_capacity = static_cast<size_t>(flags.alertmanager_queue_capacity);
  notifier_options.default_timeout_ms = flags.alertmanager_timeout_ms;
  notifier_options.file_sd = NotifierFileSd();
  auto notifier = std::make_unique<notifier::Manager>(std::move(notifier_options));
  // Rule groups evaluate against the DB; bad rule files stop the start.
  RulesWiring rule_manager(flags, db.get(), &engine,
                           SendAlertsTo(notifier.get(), flags.external_url));
  if (auto st = rule_manager.Apply(config.config()); !st.ok()) {
    PROMLET_LOG_ERROR("Error loading rule files", "err", st.message());
    return 1;
  }

  web::BuildInfo build;
  build.version = PROMLET_VERSION;
  build.revision = PROMLET_REVISION;
  build.build_date = __DATE__;
  build.go_version = absl::StrCat("g++ ", __VERSION__);
  web::SelfMetrics metrics(build);

  net::HttpServerOptions opts;
  opts.listen_address = flags.listen_address;
  opts.cors_origin = flags.cors_origin;
  // Queries get their own pool, as many threads as may evaluate at once: waiting queries hold
  // no thread, and the general pool stays free for cheap endpoints.
  opts.query_threads = flags.query_max_concurrency;
  opts.worker_threads = 4;
  opts.basic_auth_users = web_config.basic_auth_users;
  // A raw push body may be as large as --push.max-body-size (the server's default is 10 MiB).
  if (flags.enable_push) {
    opts.max_body_bytes = std::max(opts.max_body_bytes, static_cast<size_t>(flags.push_max_body_bytes));
  }
  if (flags.route_prefix != "/") opts.route_prefix = flags.route_prefix;
  if (web_config.has_tls) {
    opts.tls_cert_file = web_config.tls.cert_file;
    opts.tls_key_file = web_config.tls.key_file;
    opts.tls_min_version = web_config.tls.min_version;
  }
  net::HttpServer server(opts, &metrics.registry());

  auto scraper = std::make_unique<scrape::Manager>(db.get());
  // Storage and scrape figures on /metrics, read at each render; the server stops before the
  // scrape manager and the DB go away.
  tsdb::DB* dbp = db.get();
  auto scrape_totals = [m = scraper.get()] {
    web::ScrapeTotals t;
    t.pools = m->ScrapePools().size();
    for (const auto& target : m->ActiveTargets()) {
      ++t.active_targets;
      t.scrapes += target.scrapes;
      t.missed_scrapes += target.missed_scrapes;
      t.samples_out_of_order += target.samples_out_of_order;
      t.samples_duplicate += target.samples_duplicate;
      t.samples_out_of_bounds += target.samples_out_of_bounds;
    }
    return t;
  };
  // --web.enable-push: Pushgateway groups, appended every global scrape interval.
  std::unique_ptr<push::GroupStore> pushes;
  auto storage_families = [dbp, &pushes, &rule_manager, rs = remote_storage.get()] {
    std::vector<prometheus::MetricFamily> out = tsdb::CollectMetrics(dbp, nullptr);
    for (auto& f : rule_manager.Metrics()) out.push_back(std::move(f));
    for (auto& f : rs->Collect()) out.push_back(std::move(f));
    if (pushes) {
      const push::GroupStoreStats st = pushes->stats();
      common::AppendMetrics(
          out, {{common::MetricKind::kCounter, "promlet_push_pushes_total",
                 "Pushes (PUT and POST) accepted.", static_cast<double>(st.pushes)},
                {common::MetricKind::kCounter, "promlet_push_failed_pushes_total",
                 "Pushes the group store refused (inconsistent with the stored groups, over a limit, or not written); malformed requests are answered before the store and not counted here.",
                 static_cast<double>(st.failed_pushes)},
                {common::MetricKind::kCounter, "promlet_push_deletes_total",
                 "Group deletions.", static_cast<double>(st.deletes)},
                {common::MetricKind::kCounter, "promlet_push_append_errors_total",
                 "Appends of pushed samples the storage refused.",
                 static_cast<double>(st.append_errors)}});
    }
    return out;
  };
  metrics.Add(web::NewStorageCollector(storage_families, scrape_totals));
  metrics.Add(notifier->Metrics());
  std::mutex reload_mu;
  auto reload = [&]() -> absl::Status {
    std::lock_guard<std::mutex> lock(reload_mu);
    PROMLET_LOG_INFO("Loading configuration file", "filename",
                     flags.config_file.empty() ? "(embedded default)" : flags.config_file);
    auto st = config.Load();
    if (!st.ok()) {
      PROMLET_LOG_ERROR("Error reloading config", "err", st.message());
      return st;
    }
    if (auto ast = scraper->ApplyConfig(config.config()); !ast.ok()) {
      // The other jobs applied; the failing targets show as down with the error.
      PROMLET_LOG_WARN("Some scrape targets cannot run", "err", ast.message());
    }
    if (auto nst = notifier->ApplyConfig(config.config()); !nst.ok()) {
      PROMLET_LOG_WARN("Some Alertmanagers cannot be used", "err", nst.message());
    }
    if (pushes) pushes->StartTicker(config.config().global.scrape_interval_ms);
    if (auto rst = remote_storage->ApplyConfig(config.config().remote_write_configs,
                                               config.config().global.external_labels);
        !rst.ok()) {
      PROMLET_LOG_WARN("Some remote write queues cannot run", "err", rst.message());
    }
    if (auto rst = rule_manager.Apply(config.config()); !rst.ok()) {
      // The previous rules keep running.
      PROMLET_LOG_ERROR("Error reloading rule files; the previous rules stay in force", "err",
                        rst.message());
      return rst;
    }
    PROMLET_LOG_INFO("Completed loading of configuration file");
    return absl::OkStatus();
  };

  web::ApiOptions ao;
  ao.lookback_delta_ms = flags.query_lookback_delta_ms;
  ao.query_timeout_ms = flags.query_timeout_ms;
  ao.max_concurrency = flags.query_max_concurrency;
  ao.enable_admin = flags.enable_admin_api;
  ao.flags = flags.listing;
  ao.version = PROMLET_PROMETHEUS_COMPAT_VERSION;
  ao.promlet_version = PROMLET_VERSION;
  ao.revision = absl::StrCat("promlet-", PROMLET_VERSION, "-", PROMLET_REVISION);
  ao.build_date = __DATE__;
  ao.go_version = build.go_version;
  ao.storage_retention = common::FormatDuration(flags.retention_time_ms);
  if (flags.retention_size_bytes > 0) {
    ao.storage_retention += absl::StrCat(" or ", flags.retention_size_bytes, "B");
  }
  char cwd[4096];
  ao.cwd = getcwd(cwd, sizeof cwd) ? cwd : "";
  ao.start_time_unix_ms = start_ms;
  web::RuntimeStatus runtime;
  runtime.config_yaml = [&config] { return config.yaml(); };
  runtime.reload_config_success = [&config] { return config.success(); };
  runtime.last_config_time_unix_ms = [&config] { return config.last_ms(); };
  runtime.corruption_count = [&report, &db] {
    return static_cast<int64_t>(report.wal.damaged_segments) +
           static_cast<int64_t>(report.skipped_blocks.size()) +
           static_cast<int64_t>(db->metrics().blocks_damaged.load());
  };
  runtime.wal_replay = [&report] {
    return std::vector<int64_t>{0, report.wal.segments > 0 ? report.wal.segments - 1 : 0,
                                report.wal.segments > 0 ? report.wal.segments - 1 : 0};
  };
  runtime.tsdb_status = [dbp](size_t limit) { return TsdbStatusOf(*dbp->head(), limit); };
  web::AdminHooks admin;
  admin.delete_series = [dbp](const std::vector<std::vector<model::Matcher>>& sel, int64_t mint,
                              int64_t maxt) -> absl::Status {
    for (const auto& ms : sel) {
      if (auto st = dbp->Delete(ms, mint, maxt); !st.ok()) return st;
    }
    return absl::OkStatus();
  };
  admin.clean_tombstones = [dbp] { return dbp->CleanTombstones(); };
  admin.snapshot = [dbp](bool skip_head) -> absl::StatusOr<std::string> {
    std::string name = SnapshotName();
    std::string dir = dbp->dir() + "/snapshots/" + name;
    if (auto st = dbp->Snapshot(dir, !skip_head); !st.ok()) return st;
    return name;
  };
  web::TargetSource targets = TargetsFrom(scraper.get());
  targets.alertmanagers = AlertmanagersOf(notifier.get());
  web::Api api(ao, db.get(), &engine, std::move(targets), runtime, admin,
               rule_manager.Source());
  api.Register(server);
  if (flags.enable_push) {
    push::GroupStoreOptions po;
    po.dir = absl::StrCat(flags.tsdb_path, flags.tsdb_path.ends_with('/') ? "" : "/", "push");
    po.storage = db.get();
    po.max_groups = static_cast<size_t>(flags.push_max_groups);
    po.max_series_per_group = static_cast<size_t>(flags.push_max_series_per_group);
    po.log = [](std::string_view msg) { PROMLET_LOG_WARN("push", "detail", std::string(msg)); };
    auto store = push::GroupStore::Open(std::move(po));
    if (!store.ok()) {
      PROMLET_LOG_ERROR("Opening push groups failed", "err", store.status().message());
      return 1;
    }
    pushes = std::move(*store);
    web::PushRoutesOptions pro;
    pro.max_body_bytes = static_cast<size_t>(flags.push_max_body_bytes);
    pro.import_storage = db.get();
    for (const auto& [name, value] : flags.listing) pro.status.flags[name] = value;
    pro.status.start_time_unix_ms = start_ms;
    pro.status.build_information = {{"branch", ao.branch},       {"buildDate", ao.build_date},
                                    {"buildUser", ao.build_user}, {"goVersion", ao.go_version},
                                    {"revision", ao.revision},    {"version", PROMLET_VERSION}};
    web::RegisterPushRoutes(server, pushes.get(), std::move(pro));
  }
  // --web.enable-remote-write-receiver: POST /api/v1/write appends like a scrape does.
  std::unique_ptr<remote::WriteHandler> remote_writes;
  if (flags.remote_write_receiver) {
    remote::WriteHandlerOptions wo;
    wo.log = [](std::string_view msg) { PROMLET_LOG_WARN("remote write", "detail", std::string(msg)); };
    remote_writes = std::make_unique<remote::WriteHandler>(db.get(), std::move(wo));
    web::RegisterRemoteWriteRoute(server, remote_writes.get());
  }
  // POST /api/v1/read: promlet as a remote read source (always on, as in Prometheus).
  remote::ReadHandlerOptions rro;
  rro.sample_limit = flags.remote_read_sample_limit;
  rro.concurrent_limit = flags.remote_read_concurrent_limit;
  rro.max_bytes_in_frame = static_cast<size_t>(flags.remote_read_max_bytes_in_frame);
  rro.external_labels = [&remote_storage] { return remote_storage->external_labels(); };
  remote::ReadHandler remote_reads(db.get(), rro);
  web::RegisterRemoteReadRoute(server, &remote_reads);

  // Methods as Prometheus' router registers them; health and readiness run on the I/O threads,
  // so no load on the worker pools can delay them.
  net::RouteOptions probe;
  probe.methods = {"GET", "HEAD"};
  probe.pool = net::HandlerPool::kInline;
  server.Handle("/-/healthy", "/-/healthy", [](const net::HttpRequest&, net::HttpResponse& res) {
    res.body = "Promlet Server is Healthy.\n";
  }, probe);
  server.Handle("/-/ready", "/-/ready", [](const net::HttpRequest&, net::HttpResponse& res) {
    res.body = "Promlet Server is Ready.\n";
  }, probe);
  net::RouteOptions get_only;
  get_only.methods = {"GET"};
  server.Handle("/metrics", "/metrics", [&metrics](const net::HttpRequest&, net::HttpResponse& res) {
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics.Render();
  }, get_only);
  auto lifecycle = [&flags](const net::HttpRequest& req, net::HttpResponse& res) -> bool {
    if (req.method != "POST" && req.method != "PUT") {
      res.status = 405;
      res.body = "Only POST or PUT requests allowed\n";
      return false;
    }
    if (!flags.enable_lifecycle) {
      res.status = 403;
      res.body = "Lifecycle API is not enabled.\n";
      return false;
    }
    return true;
  };
  net::RouteOptions lifecycle_methods;
  lifecycle_methods.methods = {"GET", "POST", "PUT"};
  server.Handle("/-/quit", "/-/quit", [&](const net::HttpRequest& req, net::HttpResponse& res) {
    if (!lifecycle(req, res)) return;
    res.body = "Requesting termination... Goodbye!\n";
    // The main thread owns shutdown; the request reaches it as a signal through sigwait.
    kill(getpid(), SIGTERM);
  }, lifecycle_methods);
  server.Handle("/-/reload", "/-/reload", [&](const net::HttpRequest& req, net::HttpResponse& res) {
    if (!lifecycle(req, res)) return;
    if (auto st = reload(); !st.ok()) {
      res.status = 500;
      res.body = absl::StrCat("failed to reload config: ", st.message(), "\n");
    }
  }, lifecycle_methods);

  // The web UI (/, /query, /graph, the status pages, /assets/) and the 404 page for the rest.
  web::RegisterUiRoutes(server, web::UiOptions{.external_url = flags.external_url,
                                               .route_prefix = flags.route_prefix});

  if (auto st = server.Start(); !st.ok()) {
    PROMLET_LOG_ERROR("Error starting web server", "err", st.message());
    return 1;
  }
  PROMLET_LOG_INFO("Listening on", "address", flags.listen_address, "port", server.port());
  if (auto rst = remote_storage->ApplyConfig(config.config().remote_write_configs,
                                             config.config().global.external_labels);
      !rst.ok()) {
    PROMLET_LOG_WARN("Some remote write queues cannot run", "err", rst.message());
  }
  if (auto ast = scraper->ApplyConfig(config.config()); !ast.ok()) {
    PROMLET_LOG_WARN("Some scrape targets cannot run", "err", ast.message());
  }
  if (auto nst = notifier->ApplyConfig(config.config()); !nst.ok()) {
    PROMLET_LOG_WARN("Some Alertmanagers cannot be used", "err", nst.message());
  }
  if (pushes) pushes->StartTicker(config.config().global.scrape_interval_ms);
  PROMLET_LOG_INFO("Server is ready to receive web requests.");

  for (;;) {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) continue;
    if (sig == SIGHUP) {
      (void)reload();
      continue;
    }
    PROMLET_LOG_WARN("Received an OS signal, exiting gracefully...", "signal", strsignal(sig));
    break;
  }
  server.Stop(std::chrono::seconds(10));
  PROMLET_LOG_INFO("Stopping rule manager...");
  rule_manager.Stop();
  PROMLET_LOG_INFO("Stopping scrape manager...");
  scraper->Stop();
  scraper.reset();
  if (pushes) pushes->Stop();
  pushes.reset();
  PROMLET_LOG_INFO("Stopping remote storage...");
  db->SetWalSegmentKeeper(nullptr);
  remote_storage->Stop();
  // After the rules (which send to it): what is queued is sent before exiting.
  PROMLET_LOG_INFO("Stopping notification manager...");
  notifier->Stop();
  PROMLET_LOG_INFO("Stopping storage...");
  db.reset();
  PROMLET_LOG_INFO("See you next time!");
  return 0;
}

}  // namespace
}  // namespace promlet::cmd

// The server's allocator policy. glibc's defaults return memory to the OS as soon as a free
// leaves 128 KiB at the top of a heap (shrinking a thread arena with madvise) and mmap/munmap
// blocks from 128 KiB up to a threshold that only adapts later: a query that builds a few MiB
// of cells then pays page faults for all of it on every run, and on a virtual machine with
// costly faults that was half of a histogram_quantile range query's CPU. Freed memory now stays
// in the arenas; web's HeapTrimmer hands it back with malloc_trim once queries stop, so RSS
// still falls after a burst. (Not in the library: an embedding process keeps its own policy.)
// A thread arena's extra heap (64 MiB of address space each) is unmapped as soon as a free
// empties it, whatever the trim threshold, if the heap before it has room for top_pad more
// bytes: a 24 h histogram_quantile, whose 33 MiB of step rows took a heap of their own, had it
// mapped and faulted in anew at every run. With top_pad a heap's whole size, no heap has that
// room, so none is unmapped (malloc_trim still hands their free pages back).
static void KeepFreedMemoryForQueries() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);   // glibc's largest: blocks below it come from arenas
  mallopt(M_TRIM_THRESHOLD, 256 << 20);  // free memory a heap keeps before shrinking itself
  mallopt(M_TOP_PAD, 64 << 20);          // a thread arena's empty heap stays mapped
}

int main(int argc, char** argv) {
  // Subcommands: `promlet tsdb ...` (offline storage tools), `promlet check config FILE`,
  // `promlet check rules FILE...`, `promlet test rules TEST.yml...`.
  // Any other word is an error (ParseFlags refuses stray arguments): never start a server
  // for a command promlet does not know.
  auto usage_error = [](const std::string& msg) {
    std::fprintf(stderr, "promlet: error: %s\n%s", msg.c_str(), promlet::cmd::UsageText().c_str());
    return 2;
  };
  if (argc > 1 && std::string_view(argv[1]) == "tsdb") {
    return promlet::tools::RunTsdbCommand(argc - 1, argv + 1);
  }
  if (argc > 1 && std::string_view(argv[1]) == "test") {
    if (argc < 3 || std::string_view(argv[2]) != "rules") {
      return usage_error(absl::StrCat("unknown command 'test", argc > 2 ? " " : "",
                                      argc > 2 ? argv[2] : "", "' (only 'test rules' exists)"));
    }
    if (argc < 4) return usage_error("'test rules' needs at least one test file");
    promlet::rules::UnitTestOptions uo;
    // Each test group gets a fresh in-memory head (rules/ does not depend on tsdb).
    uo.new_storage = [] { return std::make_unique<promlet::tsdb::Head>(); };
    auto ran = promlet::rules::RunTestRules(std::vector<std::string>(argv + 3, argv + argc), uo);
    for (const auto& [stream, text] : ran.chunks) {
      std::FILE* f = stream == 1 ? stdout : stderr;
      std::fputs(text.c_str(), f);
      std::fflush(f);
    }
    return ran.exit_code;
  }
  if (argc > 2 && std::string_view(argv[1]) == "check" && std::string_view(argv[2]) == "rules") {
    auto checked = promlet::rules::RunCheckRules(std::vector<std::string>(argv + 3, argv + argc));
    for (const auto& [stream, text] : checked.chunks) {
      std::FILE* f = stream == 1 ? stdout : stderr;
      std::fputs(text.c_str(), f);
      std::fflush(f);
    }
    return checked.exit_code;
  }
  if (argc > 1 && std::string_view(argv[1]) == "check") {
    if (argc < 3 || std::string_view(argv[2]) != "config") {
      return usage_error(absl::StrCat("unknown command 'check ", argc > 2 ? argv[2] : "",
                                      "' (only 'check config' and 'check rules' exist)"));
    }
    promlet::config::LoadOptions load;
    std::vector<std::string> files;
    for (int i = 3; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--config.ignore-unsupported") {
        load.ignore_unsupported = true;
      } else if (a.size() > 1 && a[0] == '-') {
        return usage_error(absl::StrCat("unknown flag '", a, "' for 'check config'"));
      } else {
        files.emplace_back(a);
      }
    }
    if (files.size() != 1) return usage_error("'check config' takes exactly one file");
    auto report = promlet::config::CheckConfig(files[0], load);
    if (!report.ok()) {
      std::fprintf(stderr, "%s\n", std::string(report.status().message()).c_str());
      return 1;
    }
    std::fputs(report->c_str(), stdout);
    // As promtool: the rule files the config names are checked too.
    auto cfg = promlet::config::LoadConfigFile(files[0], load);
    const auto rule_files = promlet::rules::ExpandRuleFiles(cfg.ok() ? cfg->rule_files
                                                                     : std::vector<std::string>{});
    if (rule_files.empty()) return 0;
    std::fputs("\n", stdout);
    auto checked = promlet::rules::CheckRuleFiles(rule_files, {});
    for (const auto& [stream, text] : checked.chunks) {
      std::FILE* f = stream == 1 ? stdout : stderr;
      std::fputs(text.c_str(), f);
      std::fflush(f);
    }
    return checked.exit_code == 1 ? 1 : 0;
  }
  KeepFreedMemoryForQueries();
  auto parsed = promlet::cmd::ParseFlags(argc, argv);
  if (parsed.exit_code >= 0) {
    std::fputs(parsed.out.c_str(), stdout);
    std::fputs(parsed.err.c_str(), stderr);
    return parsed.exit_code;
  }
  return promlet::cmd::Run(parsed.flags);
}
