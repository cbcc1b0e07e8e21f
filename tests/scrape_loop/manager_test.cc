// Manager: targets from static_configs and file_sd, target state for the API, dropped targets,
// reloads that keep unchanged loops, end-of-run staleness for removed targets, auth headers.
#include "model/value.h"
#include "scrape/manager.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "config/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/scrape_loop/mem_storage.h"
#include "tests/scrape_loop/test_server.h"

namespace promlet::scrape {
namespace {

using testing::MemStorage;
using testing::Reply;
using testing::SeenRequest;
using testing::TestServer;
using testing::WaitFor;
using ::testing::HasSubstr;
using config::Config;
using config::LoadConfigString;

Config MustLoad(const std::string& yaml) {
  absl::StatusOr<Config> c = LoadConfigString(yaml, "test.yml");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : Config{};
}

constexpr char kPage[] = "# TYPE a gauge\na 1\n";

std::string TwoJobs(const TestServer& a, const TestServer& b, const std::string& b_interval) {
  return absl::StrCat(R"(
global:
  scrape_interval: 100ms
  scrape_timeout: 80ms
scrape_configs:
  - job_name: one
    static_configs:
      - targets: [")", a.address(), R"("]
        labels: {team: x}
  - job_name: two
    scrape_interval: )", b_interval, R"(
    static_configs:
      - targets: [")", b.address(), R"(", "dropme:1"]
    relabel_configs:
      - source_labels: [__address__]
        regex: dropme.*
        action: drop
)");
}

const TargetStatus* Find(const std::vector<TargetStatus>& ts, std::string_view pool) {
  for (const auto& t : ts) {
    if (t.scrape_pool == pool) return &t;
  }
  return nullptr;
}

TEST(ManagerTest, StaticTargetsStateAndDroppedTargets) {
  TestServer a([](const SeenRequest&) { return Reply{.body = kPage}; });
  TestServer b([](const SeenRequest&) { return Reply{.status = 500, .body = "no"}; });
  MemStorage db;
  Manager m(&db);
  ASSERT_TRUE(m.ApplyConfig(MustLoad(TwoJobs(a, b, "100ms"))).ok());
  ASSERT_TRUE(WaitFor([&] {
    auto ts = m.ActiveTargets();
    return ts.size() == 2 && ts[0].health != TargetHealth::kUnknown &&
           ts[1].health != TargetHealth::kUnknown;
  }));
  auto ts = m.ActiveTargets();
  const TargetStatus* one = Find(ts, "one");
  const TargetStatus* two = Find(ts, "two");
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(one->scrape_url, "http://" + a.address() + "/metrics");
  EXPECT_EQ(one->health, TargetHealth::kUp);
  EXPECT_EQ(one->labels,
            (model::Labels{{"instance", a.address()}, {"job", "one"}, {"team", "x"}}));
  EXPECT_EQ(one->discovered_labels.Get("__address__"), a.address());
  EXPECT_EQ(one->discovered_labels.Get("__scrape_interval__"), "100ms");
  EXPECT_EQ(one->scrape_interval, std::chrono::milliseconds(100));
  EXPECT_EQ(one->scrape_timeout, std::chrono::milliseconds(80));
  EXPECT_GT(one->last_scrape.time_since_epoch().count(), 0);
  EXPECT_EQ(two->health, TargetHealth::kDown);
  EXPECT_THAT(two->last_error, HasSubstr("server returned HTTP status 500"));

  auto dropped = m.DroppedTargets();
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].scrape_pool, "two");
  EXPECT_EQ(dropped[0].discovered_labels.Get("__address__"), "dropme:1");
  EXPECT_EQ(m.ScrapePools(), (std::vector<std::string>{"one", "two"}));

  auto meta = m.TargetsMetadata();
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& tm : m.TargetsMetadata()) {
      if (tm.scrape_pool == "one" && tm.metadata.size() == 1) return true;
    }
    return false;
  }));
  m.Stop();
  auto up = db.Samples(model::Labels{
      {"__name__", "up"}, {"instance", a.address()}, {"job", "one"}, {"team", "x"}});
  ASSERT_FALSE(up.empty());
  EXPECT_EQ(up.back().v, 1);
}

TEST(ManagerTest, ReloadKeepsUnchangedLoopsAndHandsOverCaches) {
  TestServer a([](const SeenRequest&) { return Reply{.body = kPage}; });
  TestServer b([](const SeenRequest&) { return Reply{.body = kPage}; });
  MemStorage db;
  Manager m(&db);
  ASSERT_TRUE(m.ApplyConfig(MustLoad(TwoJobs(a, b, "100ms"))).ok());
  ASSERT_TRUE(WaitFor([&] {
    auto ts = m.ActiveTargets();
    return ts.size() == 2 && ts[0].scrapes >= 2 && ts[1].scrapes >= 2;
  }));
  uint64_t one_before = Find(m.ActiveTargets(), "one")->scrapes;
  uint64_t two_before = Find(m.ActiveTargets(), "two")->scrapes;

  // Job "two" changes its interval, job "one" is unchanged.
  ASSERT_TRUE(m.ApplyConfig(MustLoad(TwoJobs(a, b, "150ms"))).ok());
  auto ts = m.ActiveTargets();
  EXPECT_GE(Find(ts, "one")->scrapes, one_before);  // same loop: its counters continue
  EXPECT_EQ(Find(ts, "two")->scrape_interval, std::chrono::milliseconds(150));
  // The restarted loop inherits the target's state: no flip to "unknown" in the API.
  EXPECT_EQ(Find(ts, "two")->health, TargetHealth::kUp);
  EXPECT_GE(Find(ts, "two")->scrapes, two_before);
  ASSERT_TRUE(WaitFor([&] { return Find(m.ActiveTargets(), "two")->scrapes >= two_before + 2; }));
  m.Stop();

  for (const TestServer* srv : {&a, &b}) {
    std::string job = srv == &a ? "one" : "two";
    model::LabelsBuilder lb(model::Labels{{"instance", srv->address()}, {"job", job}});
    if (srv == &a) lb.Set("team", "x");
    model::Labels target = lb.Build();
    model::LabelsBuilder an(target);
    an.Set("__name__", "a");
    for (const auto& s : db.Samples(an.Build())) {
      EXPECT_FALSE(model::IsStaleNaN(s.v)) << job;  // no gap, no stale markers
    }
    model::LabelsBuilder added(target);
    added.Set("__name__", "scrape_series_added");
    auto sa = db.Samples(added.Build());
    ASSERT_GE(sa.size(), 3u);
    // Only the very first scrape added the series: the restarted loop kept the cache.
    EXPECT_EQ(sa[0].v, 1) << job;
    for (size_t i = 1; i < sa.size(); ++i) EXPECT_EQ(sa[i].v, 0) << job << " scrape " << i;
  }
}

TEST(ManagerTest, RemovedTargetGetsEndOfRunStaleMarkers) {
  TestServer a([](const SeenRequest&) { return Reply{.body = kPage}; });
  TestServer b([](const SeenRequest&) { return Reply{.body = kPage}; });
  MemStorage db;
  Manager m(&db);
  ASSERT_TRUE(m.ApplyConfig(MustLoad(TwoJobs(a, b, "100ms"))).ok());
  ASSERT_TRUE(WaitFor([&] { return Find(m.ActiveTargets(), "two") &&
                                   Find(m.ActiveTargets(), "two")->scrapes >= 2; }));
  std::string only_one = absl::StrCat(R"(
global: {scrape_interval: 100ms, scrape_timeout: 80ms}
scrape_configs:
  - job_name: one
    static_configs:
      - targets: [")", a.address(), R"("]
        labels: {team: x}
)");
  ASSERT_TRUE(m.ApplyConfig(MustLoad(only_one)).ok());
  EXPECT_EQ(m.ActiveTargets().size(), 1u);
  model::Labels up_two{{"__name__", "up"}, {"instance", b.address()}, {"job", "two"}};
  ASSERT_TRUE(WaitFor([&] {
    auto s = db.Samples(up_two);
    return !s.empty() && model::IsStaleNaN(s.back().v);
  }));
  auto a_two = db.Samples(model::Labels{{"__name__", "a"}, {"instance", b.address()},
                                       {"job", "two"}});
  ASSERT_FALSE(a_two.empty());
  EXPECT_TRUE(model::IsStaleNaN(a_two.back().v));
  m.Stop();
  // Job one was never touched.
  auto a_one = db.Samples(model::Labels{{"__name__", "a"}, {"instance", a.address()},
                                       {"job", "one"}, {"team", "x"}});
  ASSERT_FALSE(a_one.empty());
  EXPECT_FALSE(model::IsStaleNaN(a_one.back().v));
}

TEST(ManagerTest, FileSdTargetsFollowTheFile) {
  TestServer a([](const SeenRequest&) { return Reply{.body = kPage}; });
  auto dir = std::filesystem::temp_directory_path() /
             absl::StrCat("promlet_sd_", getpid(), "_", a.port());
  std::filesystem::create_directories(dir);
  auto file = dir / "targets.json";
  {
    std::ofstream(file) << absl::StrCat(R"([{"targets": [")", a.address(),
                                        R"("], "labels": {"env": "prod"}}])");
  }
  MemStorage db;
  Manager m(&db);
  ASSERT_TRUE(m.ApplyConfig(MustLoad(absl::StrCat(R"(
global: {scrape_interval: 100ms, scrape_timeout: 80ms}
scrape_configs:
  - job_name: sd
    file_sd_configs:
      - files: [")", (dir / "*.json").string(), R"("]
)"))).ok());
  ASSERT_TRUE(WaitFor([&] {
    auto ts = m.ActiveTargets();
    return ts.size() == 1 && ts[0].health == TargetHealth::kUp;
  }));
  auto t = m.ActiveTargets()[0];
  EXPECT_EQ(t.labels.Get("env"), "prod");
  EXPECT_EQ(t.discovered_labels.Get("__meta_filepath"), file.string());
  EXPECT_FALSE(t.labels.Has("__meta_filepath"));

  std::filesystem::remove(file);
  ASSERT_TRUE(WaitFor([&] { return m.ActiveTargets().empty(); }));
  m.Stop();
  std::filesystem::remove_all(dir);
}

TEST(ManagerTest, BasicAuthAndBearerHeaders) {
  TestServer a([](const SeenRequest&) { return Reply{.body = kPage}; });
  TestServer b([](const SeenRequest&) { return Reply{.body = kPage}; });
  MemStorage db;
  Manager m(&db);
  ASSERT_TRUE(m.ApplyConfig(MustLoad(absl::StrCat(R"(
global: {scrape_interval: 100ms, scrape_timeout: 80ms}
scrape_configs:
  - job_name: basic
    basic_auth: {username: user, password: pass}
    params: {module: [x y]}
    static_configs: [{targets: [")", a.address(), R"("]}]
  - job_name: bearer
    authorization: {credentials: tok}
    static_configs: [{targets: [")", b.address(), R"("]}]
)"))).ok());
  ASSERT_TRUE(WaitFor([&] { return !a.requests().empty() && !b.requests().empty(); }));
  m.Stop();
  auto ra = a.requests()[0];
  EXPECT_EQ(ra.headers["authorization"], "Basic dXNlcjpwYXNz");
  EXPECT_EQ(ra.target, "/metrics?module=x+y");
  EXPECT_EQ(b.requests()[0].headers["authorization"], "Bearer tok");
}

TEST(ManagerTest, TargetLimitFailsEveryTargetOfThePool) {
  TestServer a([](const SeenRequest&) { return Reply{.body = kPage}; });
  MemStorage db;
  Manager m(&db);
  auto yaml = [&](int limit) {
    return absl::StrCat(R"(
global: {scrape_interval: 100ms, scrape_timeout: 80ms}
scrape_configs:
  - job_name: lim
    target_limit: )", limit, R"(
    static_configs:
      - targets: [")", a.address(), R"("]
        labels: {n: "1"}
      - targets: [")", a.address(), R"("]
        labels: {n: "2"}
)");
  };
  ASSERT_TRUE(m.ApplyConfig(MustLoad(yaml(1))).ok());
  ASSERT_TRUE(WaitFor([&] {
    auto ts = m.ActiveTargets();
    return ts.size() == 2 && ts[0].scrapes > 0 && ts[1].scrapes > 0;
  }));
  for (const auto& t : m.ActiveTargets()) {
    EXPECT_EQ(t.health, TargetHealth::kDown);
    EXPECT_EQ(t.last_error, "target_limit exceeded (number of targets: 2, limit: 1)");
  }
  EXPECT_TRUE(a.requests().empty());  // the targets were never contacted
  // Raising the limit lets them scrape again.
  ASSERT_TRUE(m.ApplyConfig(MustLoad(yaml(2))).ok());
  ASSERT_TRUE(WaitFor([&] {
    auto ts = m.ActiveTargets();
    return ts.size() == 2 && ts[0].health == TargetHealth::kUp &&
           ts[1].health == TargetHealth::kUp;
  }));
  m.Stop();
}

TEST(ManagerTest, UnloadableTlsFilesReportTargetDown) {
  MemStorage db;
  Manager m(&db);
  absl::StatusOr<Config> c = LoadConfigString(R"(
scrape_configs:
  - job_name: tls
    scheme: https
    tls_config: {ca_file: /nonexistent/ca.pem}
    static_configs: [{targets: ["127.0.0.1:1"]}]
)", "test.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  absl::Status s = m.ApplyConfig(*c);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("ca_file"));
  auto ts = m.ActiveTargets();
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].health, TargetHealth::kDown);
  EXPECT_THAT(ts[0].last_error, HasSubstr("/nonexistent/ca.pem"));
}

}  // namespace
}  // namespace promlet::scrape
