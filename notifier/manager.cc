#include "notifier/manager.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "net/http/client.h"
#include "net/http/client_config.h"

namespace promlet::notifier {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr int64_t kDefaultTimeoutMs = 10 * 1000;  // Prometheus' AlertmanagerConfig default
constexpr char kStaticProvider[] = "static";

// An Alertmanager of a set and the client that posts to it.
struct Endpoint {
  std::string url;
  std::string path;  // __alerts_path__
  std::shared_ptr<net::HttpClient> client;
};

// One `alertmanagers` entry: its config, its discovered groups and Alertmanagers.
struct AmSet {
  uint64_t id = 0;
  config::AlertmanagerConfig cfg;
  std::chrono::milliseconds timeout{kDefaultTimeoutMs};
  std::map<std::string, std::vector<config::TargetGroup>> groups;  // by provider
  std::vector<Endpoint> active;
  std::vector<std::string> dropped;
};

// What Send applies, swapped as a whole by ApplyConfig.
struct RelabelState {
  model::Labels external_labels;
  std::vector<model::RelabelConfig> alert_relabel_configs;
};

prometheus::Labels AmLabel(const std::string& url) { return {{"alertmanager", url}}; }

}  // namespace

class Manager::Impl {
 public:
  explicit Impl(ManagerOptions options)
      : options_(std::move(options)),
        registry_(std::make_shared<prometheus::Registry>()),
        sent_(prometheus::BuildCounter()
                  .Name("prometheus_notifications_sent_total")
                  .Help("Total number of alerts sent.")
                  .Register(*registry_)),
        errors_(prometheus::BuildCounter()
                    .Name("prometheus_notifications_errors_total")
                    .Help("Total number of sent alerts affected by errors.")
                    .Register(*registry_)),
        latency_(prometheus::BuildSummary()
                     .Name("prometheus_notifications_latency_seconds")
                     .Help("Latency quantiles for sending alert notifications.")
                     .Register(*registry_)),
        dropped_(prometheus::BuildCounter()
                     .Name("prometheus_notifications_dropped_total")
                     .Help("Total number of alerts dropped due to errors when sending to "
                           "Alertmanager.")
                     .Register(*registry_)
                     .Add({})),
        queue_length_(prometheus::BuildGauge()
                          .Name("prometheus_notifications_queue_length")
                          .Help("The number of alert notifications in the queue.")
                          .Register(*registry_)
                          .Add({})),
        queue_capacity_(prometheus::BuildGauge()
                            .Name("prometheus_notifications_queue_capacity")
                            .Help("The capacity of the alert notifications queue.")
                            .Register(*registry_)
                            .Add({})),
        discovered_(prometheus::BuildGauge()
                        .Name("prometheus_notifications_alertmanagers_discovered")
                        .Help("The number of alertmanagers discovered and active.")
                        .Register(*registry_)
                        .Add({})),
        relabel_(std::make_shared<RelabelState>()),
        guard_(io_.get_executor()) {
    if (options_.max_batch_size == 0) options_.max_batch_size = 256;
    queue_capacity_.Set(static_cast<double>(options_.queue_capacity));
    io_thread_ = std::thread([this] { io_.run(); });
    send_thread_ = std::thread([this] { SendLoop(); });
  }

  ~Impl() { Stop(); }

  absl::Status ApplyConfig(const config::Config& cfg) {
    std::lock_guard<std::mutex> apply(apply_mu_);
    if (stopped_) return absl::OkStatus();
    auto relabel = std::make_shared<RelabelState>();
    relabel->external_labels = cfg.global.external_labels;
    relabel->alert_relabel_configs = cfg.alerting.alert_relabel_configs;

    // Sets whose config is unchanged keep their Alertmanagers and watchers; the others start
    // over with their static groups (and file_sd files read once when there is no watcher).
    std::vector<std::shared_ptr<AmSet>> next;
    std::vector<bool> reused(sets_.size(), false);
    std::vector<std::shared_ptr<AmSet>> fresh;
    for (const config::AlertmanagerConfig& c : cfg.alerting.alertmanagers) {
      std::shared_ptr<AmSet> keep;
      for (size_t i = 0; i < sets_.size() && !keep; ++i) {
        if (!reused[i] && sets_[i]->cfg == c) {
          reused[i] = true;
          keep = sets_[i];
        }
      }
      if (!keep) {
        keep = std::make_shared<AmSet>();
        keep->id = next_id_++;
        keep->cfg = c;
        keep->timeout = std::chrono::milliseconds(c.timeout_ms.value_or(
            options_.default_timeout_ms > 0 ? options_.default_timeout_ms : kDefaultTimeoutMs));
        keep->groups[kStaticProvider] = c.static_configs;
        if (!options_.file_sd) {
          for (size_t j = 0; j < c.file_sd_configs.size(); ++j) {
            keep->groups[FileProvider(j)] = ReadFileSdOnce(c.file_sd_configs[j]);
          }
        }
        fresh.push_back(keep);
      }
      next.push_back(std::move(keep));
    }
    std::vector<std::unique_ptr<GroupWatcher>> stale_watchers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      relabel_ = relabel;
      std::vector<std::string> previous_urls = ActiveUrlsLocked();
      for (const auto& s : fresh) SyncLocked(*s);
      sets_ = std::move(next);
      PruneMetricsLocked(previous_urls);
      discovered_.Set(static_cast<double>(ActiveUrlsLocked().size()));
    }
    // Watchers of sets that went away stop outside mu_ (their callbacks take it).
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      bool alive = false;
      for (const auto& s : sets_) alive = alive || s->id == it->first;
      if (alive) {
        ++it;
        continue;
      }
      for (auto& w : it->second) stale_watchers.push_back(std::move(w));
      it = watchers_.erase(it);
    }
    stale_watchers.clear();
    if (options_.file_sd) {
      for (const auto& s : fresh) {
        for (size_t j = 0; j < s->cfg.file_sd_configs.size(); ++j) {
          const uint64_t id = s->id;
          const std::string provider = FileProvider(j);
          watchers_[id].push_back(options_.file_sd(
              s->cfg.file_sd_configs[j],
              [this, id, provider](const std::vector<config::TargetGroup>& groups) {
                OnGroups(id, provider, groups);
              }));
        }
      }
    }
    return absl::OkStatus();
  }

  void Send(std::vector<Alert> alerts) {
    std::shared_ptr<const RelabelState> relabel;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      relabel = relabel_;
    }
    alerts =
        RelabelAlerts(std::move(alerts), relabel->external_labels, relabel->alert_relabel_configs);
    if (alerts.empty()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    const size_t cap = options_.queue_capacity;
    size_t skip = 0;
    if (alerts.size() > cap) {
      skip = alerts.size() - cap;
      PROMLET_LOG_WARN("Alert batch larger than queue capacity, dropping alerts", "num_dropped",
                       skip);
      dropped_.Increment(static_cast<double>(skip));
    }
    const size_t incoming = alerts.size() - skip;
    if (queue_.size() + incoming > cap) {
      const size_t d = queue_.size() + incoming - cap;
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(d));
      PROMLET_LOG_WARN("Alert notification queue full, dropping alerts", "num_dropped", d);
      dropped_.Increment(static_cast<double>(d));
    }
    for (size_t i = skip; i < alerts.size(); ++i) queue_.push_back(std::move(alerts[i]));
    queue_length_.Set(static_cast<double>(queue_.size()));
    cv_.notify_all();
  }

  void Stop() {
    std::vector<std::unique_ptr<GroupWatcher>> watchers;
    {
      std::lock_guard<std::mutex> apply(apply_mu_);
      if (stopped_) return;
      stopped_ = true;
      for (auto& [id, ws] : watchers_) {
        for (auto& w : ws) watchers.push_back(std::move(w));
      }
      watchers_.clear();
    }
    watchers.clear();  // no discovery callback runs after this
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      cv_.notify_all();
    }
    send_thread_.join();
    {
      std::lock_guard<std::mutex> lock(mu_);
      sets_.clear();  // the clients' last references: their deletion is posted to io_
    }
    guard_.reset();
    io_thread_.join();
  }

  std::vector<std::string> ActiveAlertmanagers() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& s : sets_) {
      for (const Endpoint& e : s->active) out.push_back(e.url);
    }
    return out;
  }

  std::vector<std::string> DroppedAlertmanagers() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& s : sets_) out.insert(out.end(), s->dropped.begin(), s->dropped.end());
    return out;
  }

  size_t QueueLength() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

  std::shared_ptr<prometheus::Collectable> Metrics() const { return registry_; }

 private:
  static std::string FileProvider(size_t i) { return absl::StrCat("file_sd/", i); }

  void OnGroups(uint64_t set_id, const std::string& provider,
                const std::vector<config::TargetGroup>& groups) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& s : sets_) {
      if (s->id != set_id) continue;
      std::vector<std::string> previous_urls = ActiveUrlsLocked();
      s->groups[provider] = groups;
      SyncLocked(*s);
      PruneMetricsLocked(previous_urls);
      discovered_.Set(static_cast<double>(ActiveUrlsLocked().size()));
      return;
    }
  }

  std::vector<std::string> ActiveUrlsLocked() const {
    std::vector<std::string> out;
    for (const auto& s : sets_) {
      for (const Endpoint& e : s->active) out.push_back(e.url);
    }
    return out;
  }

  // Rebuilds `s`'s Alertmanagers from its groups, keeping the clients of those that stay.
  void SyncLocked(AmSet& s) {
    std::vector<config::TargetGroup> all;
    for (const auto& [provider, groups] : s.groups)
      all.insert(all.end(), groups.begin(), groups.end());
    DiscoveredAlertmanagers d = DiscoverAlertmanagers(all, s.cfg);
    for (const std::string& e : d.errors) {
      PROMLET_LOG_ERROR("Creating discovered Alertmanagers failed", "err", e);
    }
    std::vector<Endpoint> active;
    for (const std::string& url : d.active_urls) {
      Endpoint e;
      e.url = url;
      for (const Endpoint& old : s.active) {
        if (old.url == url) e = old;
      }
      if (!e.client) {
        absl::StatusOr<Endpoint> made = MakeEndpoint(s.cfg, url);
        if (!made.ok()) {
          PROMLET_LOG_ERROR("Cannot reach a discovered Alertmanager", "alertmanager", url, "err",
                            made.status().message());
          continue;
        }
        e = *std::move(made);
      }
      std::lock_guard<std::mutex> mlock(metrics_mu_);
      sent_.Add(AmLabel(url));  // 0 from discovery on, as Prometheus
      errors_.Add(AmLabel(url));
      active.push_back(std::move(e));
    }
    s.active = std::move(active);
    s.dropped = std::move(d.dropped_urls);
  }

  absl::StatusOr<Endpoint> MakeEndpoint(const config::AlertmanagerConfig& cfg,
                                        const std::string& url) {
    absl::StatusOr<net::HttpLocation> loc =
        net::ResolveLocation(net::HttpLocation{cfg.scheme, "localhost", "", "/"}, url);
    if (!loc.ok()) return loc.status();
    net::HttpClientOptions o;
    o.scheme = loc->scheme;
    o.host = loc->host;
    o.port = loc->port;
    o.target = loc->target;
    o.authorization = net::AuthorizationSource(cfg.http_client);
    o.tls = net::TlsOptionsOf(cfg.http_client.tls_config);
    o.follow_redirects = cfg.http_client.follow_redirects;
    o.error_on_non_2xx = false;  // "bad response status ...", as Prometheus words it
    absl::StatusOr<std::unique_ptr<net::HttpClient>> client =
        net::HttpClient::Create(io_.get_executor(), std::move(o));
    if (!client.ok()) return client.status();
    Endpoint e;
    e.url = url;
    e.path = loc->target;
    // A client is used and destroyed on the io thread only.
    asio::any_io_executor ex = io_.get_executor();
    e.client = std::shared_ptr<net::HttpClient>(
        client->release(), [ex](net::HttpClient* c) { asio::post(ex, [c] { delete c; }); });
    return e;
  }

  // Drops the per-Alertmanager series of URLs that are no longer active anywhere.
  void PruneMetricsLocked(const std::vector<std::string>& previous_urls) {
    std::vector<std::string> now = ActiveUrlsLocked();
    std::set<std::string> current(now.begin(), now.end());
    std::lock_guard<std::mutex> mlock(metrics_mu_);
    for (const std::string& url : previous_urls) {
      if (current.count(url)) continue;
      const prometheus::Labels l = AmLabel(url);
      if (sent_.Has(l)) sent_.Remove(&sent_.Add(l));
      if (errors_.Has(l)) errors_.Remove(&errors_.Add(l));
      if (latency_.Has(l)) latency_.Remove(&latency_.Add(l, LatencyQuantiles()));
    }
  }

  static prometheus::Summary::Quantiles LatencyQuantiles() {
    return {{0.5, 0.05}, {0.9, 0.01}, {0.99, 0.001}};
  }

  std::vector<Alert> NextBatchLocked() {
    const size_t n = std::min(queue_.size(), options_.max_batch_size);
    std::vector<Alert> batch(
        std::make_move_iterator(queue_.begin()),
        std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_length_.Set(static_cast<double>(queue_.size()));
    return batch;
  }

  void SendLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      std::vector<Alert> batch = NextBatchLocked();
      lock.unlock();
      if (!SendAll(batch)) dropped_.Increment(static_cast<double>(batch.size()));
      lock.lock();
    }
    if (queue_.empty()) return;
    if (!options_.drain_on_shutdown) {
      PROMLET_LOG_WARN(
          "Draining remaining notifications on shutdown is disabled, and some notifications "
          "have been dropped",
          "count", queue_.size());
      dropped_.Increment(static_cast<double>(queue_.size()));
      return;
    }
    PROMLET_LOG_INFO("Draining any remaining notifications...");
    while (!queue_.empty()) {
      std::vector<Alert> batch = NextBatchLocked();
      lock.unlock();
      const bool ok = SendAll(batch);
      lock.lock();
      if (!ok) {
        const size_t rest = batch.size() + queue_.size();
        PROMLET_LOG_WARN("No Alertmanager took the alerts, dropping the rest of the queue", "count",
                         rest);
        dropped_.Increment(static_cast<double>(rest));
        queue_.clear();
        queue_length_.Set(0);
        return;
      }
    }
    PROMLET_LOG_INFO("Remaining notifications drained");
  }

  // Posts `alerts` to every Alertmanager at once and waits for all; false if some set with
  // Alertmanagers had none accept them (Prometheus' sendAll).
  bool SendAll(const std::vector<Alert>& alerts) {
    if (alerts.empty()) return true;
    const Clock::time_point begin = Clock::now();
    struct Post {
      Endpoint endpoint;
      std::chrono::milliseconds timeout;
      std::shared_ptr<const std::string> payload;
      size_t count = 0;
      size_t set = 0;
    };
    std::vector<Post> posts;
    size_t num_sets = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::shared_ptr<const std::string> cached;
      for (const auto& s : sets_) {
        if (s->active.empty()) continue;
        std::shared_ptr<const std::string> payload;
        size_t count = alerts.size();
        if (!s->cfg.alert_relabel_configs.empty()) {
          std::vector<Alert> mine = RelabelAlerts(alerts, {}, s->cfg.alert_relabel_configs);
          if (mine.empty()) continue;
          count = mine.size();
          payload = std::make_shared<const std::string>(EncodeAlertsV2(mine));
        } else {
          if (!cached) cached = std::make_shared<const std::string>(EncodeAlertsV2(alerts));
          payload = cached;
        }
        for (const Endpoint& e : s->active) {
          posts.push_back(Post{e, s->timeout, payload, count, num_sets});
        }
        ++num_sets;
      }
    }
    if (posts.empty()) return true;

    struct Wait {
      std::mutex mu;
      std::condition_variable cv;
      size_t pending = 0;
      std::vector<bool> covered;
    };
    auto wait = std::make_shared<Wait>();
    wait->pending = posts.size();
    wait->covered.assign(num_sets, false);
    for (Post& p : posts) {
      asio::post(io_, [this, p, wait, begin] {
        net::HttpClientRequest req;
        req.method = "POST";
        req.target = p.endpoint.path;
        req.body = *p.payload;
        req.content_type = "application/json";
        p.endpoint.client->AsyncSend(
            std::move(req), p.timeout,
            [this, p, wait, begin](absl::StatusOr<net::HttpClientResponse> r) {
              std::string err;
              if (!r.ok()) {
                err = std::string(r.status().message());
              } else if (r->status / 100 != 2) {
                err = absl::StrCat("bad response status ", r->status);
              }
              const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
              {
                std::lock_guard<std::mutex> mlock(metrics_mu_);
                const prometheus::Labels l = AmLabel(p.endpoint.url);
                if (!err.empty()) errors_.Add(l).Increment(static_cast<double>(p.count));
                latency_.Add(l, LatencyQuantiles()).Observe(seconds);
                sent_.Add(l).Increment(static_cast<double>(p.count));
              }
              if (!err.empty()) {
                PROMLET_LOG_ERROR("Error sending alerts", "alertmanager", p.endpoint.url, "count",
                                  p.count, "err", err);
              }
              std::lock_guard<std::mutex> wlock(wait->mu);
              if (err.empty()) wait->covered[p.set] = true;
              if (--wait->pending == 0) wait->cv.notify_all();
            });
      });
    }
    std::unique_lock<std::mutex> wlock(wait->mu);
    wait->cv.wait(wlock, [&] { return wait->pending == 0; });
    for (bool c : wait->covered) {
      if (!c) return false;
    }
    return true;
  }

  ManagerOptions options_;
  asio::io_context io_;  // one thread runs every client (declared before guard_)
  std::shared_ptr<prometheus::Registry> registry_;
  std::mutex metrics_mu_;  // around the labelled families' Add/Remove and their use; innermost
  prometheus::Family<prometheus::Counter>& sent_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Summary>& latency_;
  prometheus::Counter& dropped_;
  prometheus::Gauge& queue_length_;
  prometheus::Gauge& queue_capacity_;
  prometheus::Gauge& discovered_;

  std::mutex apply_mu_;  // serialises ApplyConfig and Stop; guards watchers_, stopped_
  std::map<uint64_t, std::vector<std::unique_ptr<GroupWatcher>>> watchers_;  // by set id
  bool stopped_ = false;
  uint64_t next_id_ = 1;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::deque<Alert> queue_;
  std::vector<std::shared_ptr<AmSet>> sets_;
  std::shared_ptr<const RelabelState> relabel_;
  bool stopping_ = false;

  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread io_thread_;
  std::thread send_thread_;
};

Manager::Manager(ManagerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Manager::~Manager() = default;
absl::Status Manager::ApplyConfig(const config::Config& cfg) { return impl_->ApplyConfig(cfg); }
void Manager::Send(std::vector<Alert> alerts) { impl_->Send(std::move(alerts)); }
void Manager::Stop() { impl_->Stop(); }
std::vector<std::string> Manager::ActiveAlertmanagers() const {
  return impl_->ActiveAlertmanagers();
}
std::vector<std::string> Manager::DroppedAlertmanagers() const {
  return impl_->DroppedAlertmanagers();
}
size_t Manager::QueueLength() const { return impl_->QueueLength(); }
std::shared_ptr<prometheus::Collectable> Manager::Metrics() const { return impl_->Metrics(); }

}  // namespace promlet::notifier
