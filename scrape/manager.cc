#include "scrape/manager.h"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <functional>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "model/relabel.h"
#include "net/http/client_config.h"
#include "scrape/file_sd.h"
#include "scrape/protocols.h"
#include "scrape/scrape_loop.h"
#include "scrape/target_labels.h"

namespace promlet::scrape {
namespace {

// True when a loop's cache (final labels per raw series) stays valid across the config change.
bool SampleShapingEqual(const config::ScrapeConfig& a, const config::ScrapeConfig& b) {
  return a.honor_labels == b.honor_labels && a.honor_timestamps == b.honor_timestamps &&
         a.track_timestamps_staleness == b.track_timestamps_staleness &&
         a.metric_relabel_configs == b.metric_relabel_configs && a.sample_limit == b.sample_limit &&
         a.label_limit == b.label_limit &&
         a.label_name_length_limit == b.label_name_length_limit &&
         a.label_value_length_limit == b.label_value_length_limit;
}

// Loops are matched across syncs by the target labels without __scrape_interval__ and
// __scrape_timeout__: changing a job's interval restarts the loop with its cache instead of
// replacing the target (which would write stale markers and start over).
model::Labels LoopKey(const model::Labels& labels) {
  model::LabelsBuilder b(labels);
  b.Del(kScrapeIntervalLabel);
  b.Del(kScrapeTimeoutLabel);
  return b.Build();
}

uint64_t HostSeed() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  uint64_t h = 14695981039346656037ULL;
  for (const char* p = host; *p; ++p) {
    h ^= static_cast<unsigned char>(*p);
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

absl::StatusOr<ScrapeLoopOptions> BuildLoopOptions(const config::ScrapeConfig& cfg,
                                                   const PopulatedTarget& t, uint64_t seed);

// A target the pool wants, by its full populated labels.
struct Manager::Pool {
  config::ScrapeConfig cfg;
  std::map<std::string, std::vector<config::TargetGroup>, std::less<>> groups;  // by provider
  // Keyed by LoopKey(target labels).
  absl::flat_hash_map<model::Labels, std::shared_ptr<ScrapeLoop>> loops;
  absl::flat_hash_map<model::Labels, TargetStatus> broken;  // targets whose loop cannot start
  std::vector<DroppedTarget> dropped;
};

struct Manager::Impl {
  explicit Impl(storage::Appendable* db, ManagerOptions o)
      : db(db), opts(o), guard(io.get_executor()) {
    if (opts.offset_seed == 0) opts.offset_seed = HostSeed();
    int n = std::max(1, opts.threads);
    for (int i = 0; i < n; ++i) threads.emplace_back([this] { io.run(); });
  }

  storage::Appendable* db;
  ManagerOptions opts;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  std::vector<std::thread> threads;

  std::mutex apply_mu;  // serialises ApplyConfig and Stop (held while discoveries start/stop)
  mutable std::mutex mu;
  std::vector<std::string> order;  // job names in config order
  std::map<std::string, std::unique_ptr<Pool>, std::less<>> pools;
  // Loops stopped for a gone target, still waiting to write end-of-run markers.
  std::map<uint64_t, std::shared_ptr<ScrapeLoop>> stopping;
  // file_sd discoverers per job, with the configs they were started from. Started and stopped
  // only without `mu` held: their callbacks take `mu`.
  struct Discovery {
    std::vector<config::FileSdConfig> configs;
    std::vector<std::unique_ptr<FileDiscovery>> running;
  };
  std::map<std::string, Discovery, std::less<>> discoveries;
  uint64_t next_stopping_id = 0;
  bool stopped = false;

  // Requires mu.
  void RetireLoop(std::shared_ptr<ScrapeLoop> loop) {
    uint64_t id = next_stopping_id++;
    stopping[id] = loop;
    loop->Stop(ScrapeLoop::StopMode::kTargetGone, [this, id] {
      std::lock_guard<std::mutex> lock(mu);
      stopping.erase(id);
    });
  }

  // Requires mu. Brings the pool's loops in line with its groups and config. `old_cfg` is the
  // config the current loops run with (same as pool.cfg when only groups changed).
  absl::Status Sync(Pool& pool, const config::ScrapeConfig& old_cfg) {
    absl::Status first_error;
    const bool cfg_changed = !(old_cfg == pool.cfg);
    const bool shaping_same = SampleShapingEqual(old_cfg, pool.cfg);
    const TargetDefaults defaults = TargetDefaultsOf(pool.cfg);
    absl::flat_hash_map<model::Labels, PopulatedTarget> want;
    std::vector<DroppedTarget> dropped;
    for (const auto& [provider, groups] : pool.groups) {
      for (const config::TargetGroup& g : groups) {
        for (const model::Labels& t : g.targets) {
          absl::StatusOr<PopulatedTarget> p = PopulateLabels(t, g.labels, defaults);
          if (!p.ok()) continue;  // Prometheus logs and skips such targets
          if (p->dropped) {
            dropped.push_back({pool.cfg.job_name, p->discovered});
            continue;
          }
          model::Labels key = LoopKey(p->labels);
          want.emplace(std::move(key), *std::move(p));
        }
      }
    }
    if (pool.cfg.keep_dropped_targets > 0 && dropped.size() > pool.cfg.keep_dropped_targets) {
      dropped.resize(pool.cfg.keep_dropped_targets);
    }
    pool.dropped = std::move(dropped);
    // Stop loops whose target is gone.
    for (auto it = pool.loops.begin(); it != pool.loops.end();) {
      if (!want.contains(it->first)) {
        RetireLoop(it->second);
        pool.loops.erase(it++);
      } else {
        ++it;
      }
    }
    pool.broken.clear();
    // Loops start only once the pool's target_limit verdict is set on them (below): started
    // at once, a loop could scrape a target the limit forbids before it learnt so.
    std::vector<std::function<void()>> starts;
    for (auto& [labels, target] : want) {
      auto it = pool.loops.find(labels);
      if (it != pool.loops.end() && !cfg_changed &&
          it->second->options().target_labels == target.labels) {
        continue;  // unchanged: keep loop and cache
      }
      absl::StatusOr<ScrapeLoopOptions> o = BuildLoopOptions(pool.cfg, target, opts.offset_seed);
      std::shared_ptr<ScrapeLoop> old = it != pool.loops.end() ? it->second : nullptr;
      std::shared_ptr<ScrapeCache> cache = (old && shaping_same) ? old->cache() : nullptr;
      absl::StatusOr<std::shared_ptr<ScrapeLoop>> loop =
          o.ok() ? ScrapeLoop::Create(io, db, *std::move(o), cache) : o.status();
      if (!loop.ok()) {
        if (old) {
          RetireLoop(old);
          pool.loops.erase(it);
        }
        TargetStatus& st = pool.broken[labels];
        st.scrape_pool = pool.cfg.job_name;
        st.scrape_url = TargetUrl(target.labels, pool.cfg.params);
        st.global_url = st.scrape_url;
        st.labels = PublicTargetLabels(target.labels);
        st.discovered_labels = target.discovered;
        st.health = TargetHealth::kDown;
        st.last_error = std::string(loop.status().message());
        st.scrape_interval = std::chrono::milliseconds(pool.cfg.scrape_interval_ms);
        st.scrape_timeout = std::chrono::milliseconds(pool.cfg.scrape_timeout_ms);
        if (first_error.ok()) {
          first_error = absl::Status(loop.status().code(),
                                     absl::StrCat("job ", pool.cfg.job_name, ": ",
                                                  loop.status().message()));
        }
        continue;
      }
      std::shared_ptr<ScrapeLoop> fresh = *loop;
      if (old) fresh->InheritStatus(old->Status());
      if (old) {
        if (cache) {
          // The successor starts once the predecessor let go of the cache.
          starts.push_back([old, fresh] {
            old->Stop(ScrapeLoop::StopMode::kHandOver, [fresh] { fresh->Start(); });
          });
        } else {
          RetireLoop(old);
          starts.push_back([fresh] { fresh->Start(); });
        }
        it->second = fresh;
      } else {
        starts.push_back([fresh] { fresh->Start(); });
        pool.loops.emplace(labels, fresh);
      }
    }
    // target_limit: every target of the pool fails its scrapes while the pool is over it.
    absl::Status forced;
    if (pool.cfg.target_limit > 0 && pool.loops.size() > pool.cfg.target_limit) {
      forced = absl::ResourceExhaustedError(
          absl::StrCat("target_limit exceeded (number of targets: ", pool.loops.size(),
                       ", limit: ", pool.cfg.target_limit, ")"));
    }
    for (auto& [key, loop] : pool.loops) loop->SetForcedError(forced);
    for (const auto& start : starts) start();
    return first_error;
  }
};

absl::StatusOr<ScrapeLoopOptions> BuildLoopOptions(const config::ScrapeConfig& cfg,
                                                   const PopulatedTarget& t, uint64_t seed) {
  ScrapeLoopOptions o;
  o.scrape_pool = cfg.job_name;
  o.target_labels = t.labels;
  o.discovered_labels = t.discovered;
  o.scrape_url = TargetUrl(t.labels, cfg.params);
  absl::StatusOr<ScrapeEndpoint> ep = ParseScrapeUrl(o.scrape_url);
  if (!ep.ok()) return ep.status();
  absl::StatusOr<int64_t> iv = common::ParseDuration(t.labels.Get(kScrapeIntervalLabel));
  absl::StatusOr<int64_t> to = common::ParseDuration(t.labels.Get(kScrapeTimeoutLabel));
  o.interval = std::chrono::milliseconds(iv.ok() && *iv > 0 ? *iv : cfg.scrape_interval_ms);
  o.timeout = std::chrono::milliseconds(to.ok() && *to > 0 ? *to : cfg.scrape_timeout_ms);
  o.http.scheme = ep->scheme;
  o.http.host = ep->host;
  o.http.port = ep->port;
  o.http.target = ep->path_and_query;
  o.http.tls = net::TlsOptionsOf(cfg.http_client.tls_config);
  o.http.body_size_limit = cfg.body_size_limit_bytes;
  o.http.accept_gzip = cfg.enable_compression;
  o.http.follow_redirects = cfg.http_client.follow_redirects;
  o.http.headers = {
      {"Accept", cfg.scrape_protocols.empty() ? DefaultAcceptHeader()
                                              : AcceptHeader(cfg.scrape_protocols)},
      {"X-Prometheus-Scrape-Timeout-Seconds", ScrapeTimeoutHeaderValue(o.timeout)},
  };
  o.http.authorization = net::AuthorizationSource(cfg.http_client);
  if (cfg.fallback_scrape_protocol) o.fallback_format = FormatOf(*cfg.fallback_scrape_protocol);
  o.samples.target_labels = PublicTargetLabels(t.labels);
  o.samples.honor_labels = cfg.honor_labels;
  o.samples.honor_timestamps = cfg.honor_timestamps;
  o.samples.track_timestamps_staleness = cfg.track_timestamps_staleness;
  o.samples.sample_limit = static_cast<int64_t>(cfg.sample_limit);
  o.samples.label_limit = static_cast<int64_t>(cfg.label_limit);
  o.samples.label_name_length_limit = static_cast<int64_t>(cfg.label_name_length_limit);
  o.samples.label_value_length_limit = static_cast<int64_t>(cfg.label_value_length_limit);
  o.samples.scrape_native_histograms = cfg.scrape_native_histograms;
  o.samples.always_scrape_classic_histograms = cfg.always_scrape_classic_histograms;
  o.samples.convert_classic_histograms_to_nhcb = cfg.convert_classic_histograms_to_nhcb;
  o.samples.native_histogram_bucket_limit =
      static_cast<int64_t>(cfg.native_histogram_bucket_limit);
  o.samples.native_histogram_max_schema =
      NativeHistogramMaxSchema(cfg.native_histogram_min_bucket_factor);
  if (!cfg.metric_relabel_configs.empty()) {
    auto rules = std::make_shared<const std::vector<model::RelabelConfig>>(cfg.metric_relabel_configs);
    o.samples.metric_relabel = [rules](model::Labels* l) {
      std::optional<model::Labels> r = model::Process(*l, *rules);
      if (!r) return false;
      *l = *std::move(r);
      return true;
    };
  }
  o.offset_seed = seed;
  return o;
}

Manager::Manager(storage::Appendable* db, ManagerOptions options)
    : impl_(std::make_unique<Impl>(db, options)) {}

Manager::~Manager() { Stop(); }

absl::Status Manager::ApplyConfig(const config::Config& config) {
  std::lock_guard<std::mutex> apply_lock(impl_->apply_mu);
  absl::Status first_error;
  std::vector<std::unique_ptr<FileDiscovery>> to_stop;
  std::vector<std::pair<std::string, std::vector<config::FileSdConfig>>> to_start;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return absl::FailedPreconditionError("scrape manager stopped");
    // Jobs that are gone.
    for (auto it = impl_->pools.begin(); it != impl_->pools.end();) {
      if (config.FindJob(it->first) == nullptr) {
        for (auto& [labels, loop] : it->second->loops) impl_->RetireLoop(loop);
        it = impl_->pools.erase(it);
      } else {
        ++it;
      }
    }
    for (auto it = impl_->discoveries.begin(); it != impl_->discoveries.end();) {
      const config::ScrapeConfig* sc = config.FindJob(it->first);
      if (sc == nullptr || !(sc->file_sd_configs == it->second.configs)) {
        for (auto& d : it->second.running) to_stop.push_back(std::move(d));
        it = impl_->discoveries.erase(it);
      } else {
        ++it;
      }
    }
    impl_->order.clear();
    for (const config::ScrapeConfig& sc : config.scrape_configs) {
      impl_->order.push_back(sc.job_name);
      if (!sc.file_sd_configs.empty() && !impl_->discoveries.contains(sc.job_name)) {
        to_start.emplace_back(sc.job_name, sc.file_sd_configs);
      }
      auto it = impl_->pools.find(sc.job_name);
      if (it != impl_->pools.end() && it->second->cfg == sc) continue;  // untouched
      if (it == impl_->pools.end()) {
        it = impl_->pools.emplace(sc.job_name, std::make_unique<Pool>()).first;
        it->second->cfg = sc;
      }
      Pool& pool = *it->second;
      config::ScrapeConfig old_cfg = pool.cfg;
      pool.cfg = sc;
      pool.groups["static"] = sc.static_configs;
      if (!sc.file_sd_configs.empty() && !(sc.file_sd_configs == old_cfg.file_sd_configs)) {
        // Restarted discovery republishes its groups below.
        for (auto g = pool.groups.begin(); g != pool.groups.end();) {
          g = g->first.rfind("file_sd/", 0) == 0 ? pool.groups.erase(g) : std::next(g);
        }
      }
      if (sc.file_sd_configs.empty()) {
        for (auto g = pool.groups.begin(); g != pool.groups.end();) {
          g = g->first.rfind("file_sd/", 0) == 0 ? pool.groups.erase(g) : std::next(g);
        }
      }
      absl::Status s = impl_->Sync(pool, old_cfg);
      if (first_error.ok() && !s.ok()) first_error = s;
    }
  }
  // Discovery threads call back into UpdateTargetGroups, so never hold `mu` while joining or
  // starting them. Old ones stop first: no stale update can arrive after the new ones start.
  to_stop.clear();
  for (auto& [job, configs] : to_start) {
    Impl::Discovery d;
    d.configs = configs;
    for (size_t i = 0; i < configs.size(); ++i) {
      auto fd = std::make_unique<FileDiscovery>(configs[i], job);
      std::string provider = absl::StrCat("file_sd/", i);
      fd->Start([this, job = job, provider](const std::vector<config::TargetGroup>& groups) {
        UpdateTargetGroups(job, provider, groups);
      });
      UpdateTargetGroups(job, provider, fd->Groups());
      d.running.push_back(std::move(fd));
    }
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->discoveries[job] = std::move(d);
  }
  return first_error;
}

void Manager::UpdateTargetGroups(std::string_view job, std::string_view provider,
                                 std::vector<config::TargetGroup> groups) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->stopped) return;
  auto it = impl_->pools.find(job);
  if (it == impl_->pools.end()) return;
  Pool& pool = *it->second;
  pool.groups[std::string(provider)] = std::move(groups);
  (void)impl_->Sync(pool, pool.cfg);
}

void Manager::Stop() {
  std::lock_guard<std::mutex> apply_lock(impl_->apply_mu);
  std::vector<std::shared_ptr<ScrapeLoop>> loops;
  std::vector<std::unique_ptr<FileDiscovery>> discoveries;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    for (auto& [job, d] : impl_->discoveries) {
      for (auto& fd : d.running) discoveries.push_back(std::move(fd));
    }
    impl_->discoveries.clear();
    for (auto& [job, pool] : impl_->pools) {
      for (auto& [labels, loop] : pool->loops) loops.push_back(loop);
    }
    for (auto& [id, loop] : impl_->stopping) loops.push_back(loop);
    impl_->pools.clear();
  }
  discoveries.clear();  // joins their threads; updates after `stopped` are ignored
  std::mutex m;
  std::condition_variable cv;
  size_t pending = loops.size();
  for (auto& loop : loops) {
    loop->Stop(ScrapeLoop::StopMode::kShutdown, [&] {
      std::lock_guard<std::mutex> l(m);
      if (--pending == 0) cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> l(m);
    cv.wait(l, [&] { return pending == 0; });
  }
  impl_->guard.reset();
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->stopping.clear();
}

std::vector<TargetStatus> Manager::ActiveTargets() const {
  std::vector<TargetStatus> out;
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const auto& [job, pool] : impl_->pools) {
    for (const auto& [labels, loop] : pool->loops) out.push_back(loop->Status());
    for (const auto& [labels, st] : pool->broken) out.push_back(st);
  }
  std::sort(out.begin(), out.end(), [](const TargetStatus& a, const TargetStatus& b) {
    return std::tie(a.scrape_pool, a.scrape_url) < std::tie(b.scrape_pool, b.scrape_url);
  });
  return out;
}

std::vector<DroppedTarget> Manager::DroppedTargets() const {
  std::vector<DroppedTarget> out;
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const auto& [job, pool] : impl_->pools) {
    out.insert(out.end(), pool->dropped.begin(), pool->dropped.end());
  }
  return out;
}

std::vector<std::string> Manager::ScrapePools() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->order;
}

std::vector<TargetMetadata> Manager::TargetsMetadata() const {
  std::vector<TargetMetadata> out;
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const auto& [job, pool] : impl_->pools) {
    for (const auto& [labels, loop] : pool->loops) {
      out.push_back({job, PublicTargetLabels(loop->options().target_labels), loop->Metadata()});
    }
  }
  return out;
}

TargetDefaults TargetDefaultsOf(const config::ScrapeConfig& c) {
  TargetDefaults d;
  d.job_name = c.job_name;
  d.scrape_interval_ms = c.scrape_interval_ms;
  d.scrape_timeout_ms = c.scrape_timeout_ms;
  d.metrics_path = c.metrics_path;
  d.scheme = c.scheme;
  d.params = c.params;
  d.relabel_configs = c.relabel_configs;
  return d;
}

}  // namespace promlet::scrape
