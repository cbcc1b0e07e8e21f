// The C API (promlet/promlet.h) through libpromlet.so: every call, its error paths, durability
// across a kill -9 of the host process, concurrent appenders and queries, and promlet_serve
// answering what promlet_query answers.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "promlet/promlet.h"
#include "tests/integration/test_util.h"

namespace {

using promlet::testing::HttpGet;
using promlet::testing::MakeTempDir;

constexpr int64_t kT0 = 1700000000000;  // a fixed, recent time: ms

// Takes a malloc'd C string from the library.
std::string Take(char* p) {
  std::string s = p != nullptr ? p : "";
  promlet_free(p);
  return s;
}

class CApiTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir("embed-c"); }
  void TearDown() override {
    promlet_close(db_);
    std::filesystem::remove_all(dir_);
  }
  promlet_db* Open() {
    char* err = nullptr;
    promlet_db* db = promlet_open(dir_.c_str(), &err);
    EXPECT_NE(db, nullptr) << Take(err);
    return db;
  }
  // Adds and commits; returns the first error or "".
  std::string AddAll(promlet_db* db, const std::vector<std::tuple<const char*, int64_t, double>>& xs) {
    promlet_appender* a = promlet_appender_new(db);
    for (const auto& [s, t, v] : xs) {
      char* err = nullptr;
      if (promlet_appender_add(a, s, t, v, &err) != 0) {
        promlet_appender_rollback(a);
        return Take(err);
      }
    }
    char* err = nullptr;
    if (promlet_appender_commit(a, &err) != 0) return Take(err);
    return "";
  }
  std::string Query(promlet_db* db, const char* expr, int64_t t) {
    char* err = nullptr;
    char* json = promlet_query(db, expr, t, &err);
    if (json == nullptr) return "ERROR: " + Take(err);
    return Take(json);
  }

  std::string dir_;
  promlet_db* db_ = nullptr;
};

TEST_F(CApiTest, AppendCommitQuery) {
  db_ = Open();
  ASSERT_NE(db_, nullptr);
  EXPECT_EQ(AddAll(db_, {{"http_requests_total{method=\"GET\",code=\"200\"}", kT0, 5},
                         {"http_requests_total{method=\"GET\",code=\"200\"}", kT0 + 15000, 8},
                         {"temperature", kT0, 21.5}}),
            "");
  EXPECT_EQ(Query(db_, "temperature", kT0 + 1000),
            R"({"resultType":"vector","result":[{"metric":{"__name__":"temperature"},)"
            R"("value":[1700000001,"21.5"]}]})");
  EXPECT_EQ(Query(db_, "sum(http_requests_total)", kT0 + 15000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[1700000015,"8"]}]})");
  EXPECT_EQ(Query(db_, "1+1", kT0), R"({"resultType":"scalar","result":[1700000000,"2"]})");
  EXPECT_EQ(Query(db_, "\"hi\"", kT0), R"({"resultType":"string","result":[1700000000,"hi"]})");

  char* err = nullptr;
  char* json = promlet_query_range(db_, "http_requests_total", kT0, kT0 + 30000, 15000, &err);
  ASSERT_NE(json, nullptr) << Take(err);
  EXPECT_EQ(Take(json),
            R"({"resultType":"matrix","result":[{"metric":{"__name__":"http_requests_total",)"
            R"("code":"200","method":"GET"},"values":[[1700000000,"5"],[1700000015,"8"],)"
            R"([1700000030,"8"]]}]})");
}

TEST_F(CApiTest, RollbackDiscardsTheBatch) {
  db_ = Open();
  promlet_appender* a = promlet_appender_new(db_);
  ASSERT_EQ(promlet_appender_add(a, "x", kT0, 1, nullptr), 0);
  promlet_appender_rollback(a);
  EXPECT_EQ(Query(db_, "x", kT0), R"({"resultType":"vector","result":[]})");
}

TEST_F(CApiTest, BadInputIsAnErrorWithAMessage) {
  db_ = Open();
  promlet_appender* a = promlet_appender_new(db_);
  char* err = nullptr;
  EXPECT_NE(promlet_appender_add(a, "bad{", kT0, 1, &err), 0);
  EXPECT_NE(Take(err).find("invalid series \"bad{\""), std::string::npos);
  err = nullptr;
  EXPECT_NE(promlet_appender_add(a, "up 5", kT0, 1, &err), 0);
  EXPECT_NE(Take(err).find("a value or timestamp follows the labels"), std::string::npos);
  err = nullptr;
  EXPECT_NE(promlet_appender_add(a, "", kT0, 1, &err), 0);
  EXPECT_NE(Take(err).find("empty"), std::string::npos);
  EXPECT_NE(promlet_appender_add(a, "two\nlines", kT0, 1, nullptr), 0);  // errmsg may be NULL
  ASSERT_EQ(promlet_appender_add(a, "ok", kT0, 1, nullptr), 0);
  // An out-of-order sample and a second value at the same timestamp are refused; the batch
  // keeps what was added before.
  err = nullptr;
  EXPECT_NE(promlet_appender_add(a, "ok", kT0 - 1000, 1, &err), 0);
  EXPECT_EQ(Take(err), "out of order sample (series ok, timestamp 1699999999000)");
  err = nullptr;
  EXPECT_NE(promlet_appender_add(a, "ok", kT0, 2, &err), 0);
  EXPECT_EQ(Take(err), "duplicate sample for timestamp (series ok, timestamp 1700000000000)");
  ASSERT_EQ(promlet_appender_commit(a, nullptr), 0);
  EXPECT_NE(Query(db_, "ok", kT0).find("\"1\"]"), std::string::npos);
  // Across batches too.
  EXPECT_EQ(AddAll(db_, {{"ok", kT0 - 5000, 3}}),
            "out of order sample (series ok, timestamp 1699999995000)");

  EXPECT_EQ(Query(db_, "sum(", kT0).rfind("ERROR: ", 0), 0u);
  EXPECT_NE(Query(db_, "sum(", kT0).find("parse error"), std::string::npos);
  err = nullptr;
  EXPECT_EQ(promlet_query_range(db_, "ok", kT0, kT0 - 1, 1000, &err), nullptr);
  EXPECT_EQ(Take(err), "end timestamp must not be before start time");
  err = nullptr;
  EXPECT_EQ(promlet_query_range(db_, "ok", kT0, kT0, 0, &err), nullptr);
  EXPECT_NE(Take(err).find("zero or negative query resolution step"), std::string::npos);
  err = nullptr;
  EXPECT_EQ(promlet_query(db_, nullptr, kT0, &err), nullptr);
  EXPECT_EQ(Take(err), "expr is NULL");
  err = nullptr;
  EXPECT_EQ(promlet_query(nullptr, "1", kT0, &err), nullptr);
  EXPECT_EQ(Take(err), "db is NULL");
  EXPECT_EQ(promlet_appender_new(nullptr), nullptr);
  EXPECT_NE(promlet_appender_commit(nullptr, nullptr), 0);
  promlet_appender_rollback(nullptr);
  promlet_close(nullptr);
  promlet_free(nullptr);
}

TEST_F(CApiTest, ADirectoryInUseIsRefusedNamingTheHolder) {
  db_ = Open();
  char* err = nullptr;
  EXPECT_EQ(promlet_open(dir_.c_str(), &err), nullptr);
  const std::string msg = Take(err);
  EXPECT_NE(msg.find("is in use"), std::string::npos) << msg;
  EXPECT_NE(msg.find("pid " + std::to_string(getpid())), std::string::npos) << msg;
  err = nullptr;
  EXPECT_EQ(promlet_open(nullptr, &err), nullptr);
  EXPECT_EQ(Take(err), "dir is NULL");
  // Closing releases the directory.
  promlet_close(db_);
  db_ = Open();
  EXPECT_NE(db_, nullptr);
}

TEST_F(CApiTest, OptionsByName) {
  promlet_options* o = promlet_options_new();
  char* err = nullptr;
  EXPECT_EQ(promlet_options_set(o, "retention.time", "30d", &err), 0);
  EXPECT_EQ(promlet_options_set(o, "query.max-samples", "3", &err), 0);
  EXPECT_EQ(promlet_options_set(o, "lockfile", "false", &err), 0);
  EXPECT_EQ(promlet_options_set(o, "query.max-steps-per-window", "0", &err), 0);
  EXPECT_NE(promlet_options_set(o, "query.max-steps-per-window", "-1", &err), 0);
  EXPECT_NE(Take(err).find("option \"query.max-steps-per-window\": invalid value \"-1\""),
            std::string::npos);
  err = nullptr;
  EXPECT_EQ(promlet_options_set(o, "block-cache.size", "auto", &err), 0);
  EXPECT_EQ(promlet_options_set(o, "block-cache.size", "4MB", &err), 0);
  EXPECT_NE(promlet_options_set(o, "block-cache.size", "lots", &err), 0);
  EXPECT_NE(Take(err).find("option \"block-cache.size\": invalid value \"lots\""),
            std::string::npos);
  err = nullptr;
  EXPECT_NE(promlet_options_set(o, "retention.time", "soon", &err), 0);
  EXPECT_NE(Take(err).find("option \"retention.time\": invalid value \"soon\""), std::string::npos);
  err = nullptr;
  EXPECT_NE(promlet_options_set(o, "colour", "blue", &err), 0);
  EXPECT_NE(Take(err).find("unknown option \"colour\""), std::string::npos);
  db_ = promlet_open_with_options(dir_.c_str(), o, &err);
  promlet_options_free(o);
  ASSERT_NE(db_, nullptr);
  EXPECT_EQ(AddAll(db_, {{"a{i=\"1\"}", kT0, 1}, {"a{i=\"2\"}", kT0, 1}, {"a{i=\"3\"}", kT0, 1},
                         {"a{i=\"4\"}", kT0, 1}}),
            "");
  // query.max-samples = 3 applies.
  const std::string r = Query(db_, "sum(a)", kT0);
  EXPECT_NE(r.find("query processing would load too many samples into memory"),
            std::string::npos)
      << r;
  // lockfile=false: no lock, so a second handle may open the directory (read-only use).
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/lock"));
}

TEST_F(CApiTest, ACommittedBatchSurvivesKillMinus9) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    promlet_db* db = promlet_open(dir_.c_str(), nullptr);
    if (db == nullptr) _exit(3);
    promlet_appender* a = promlet_appender_new(db);
    for (int i = 0; i < 1000; ++i) {
      std::string s = "durable{i=\"" + std::to_string(i % 10) + "\"}";
      if (promlet_appender_add(a, s.c_str(), kT0 + (i / 10) * 1000, i, nullptr) != 0) _exit(4);
    }
    if (promlet_appender_commit(a, nullptr) != 0) _exit(5);
    // An uncommitted batch must not appear after the crash.
    promlet_appender* b = promlet_appender_new(db);
    promlet_appender_add(b, "uncommitted", kT0, 1, nullptr);
    if (write(ready[1], "x", 1) != 1) _exit(6);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  db_ = Open();
  ASSERT_NE(db_, nullptr);
  EXPECT_EQ(Query(db_, "sum(count_over_time(durable[5m]))", kT0 + 99000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[1700000099,"1000"]}]})");
  EXPECT_EQ(Query(db_, "sum(sum_over_time(durable[5m]))", kT0 + 99000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[1700000099,"499500"]}]})");
  EXPECT_EQ(Query(db_, "uncommitted", kT0), R"({"resultType":"vector","result":[]})");
}

TEST_F(CApiTest, ConcurrentAppendersAndQueriesGiveExactTotals) {
  db_ = Open();
  constexpr int kWriters = 4, kBatches = 50, kPerBatch = 40;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        promlet_appender* a = promlet_appender_new(db_);
        for (int i = 0; i < kPerBatch; ++i) {
          std::string s = "load{writer=\"" + std::to_string(w) + "\",i=\"" +
                          std::to_string(i) + "\"}";
          if (promlet_appender_add(a, s.c_str(), kT0 + b * 1000, 1, nullptr) != 0) ++failures;
        }
        if (promlet_appender_commit(a, nullptr) != 0) ++failures;
      }
    });
  }
  std::atomic<int> queries{0};
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!done.load()) {
        char* err = nullptr;
        char* json = promlet_query(db_, "sum(count_over_time(load[10m]))", kT0 + 60000, &err);
        if (json == nullptr) ++failures;
        promlet_free(json);
        promlet_free(err);
        ++queries;
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  done = true;
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(queries.load(), 0);
  EXPECT_EQ(Query(db_, "sum(count_over_time(load[10m]))", kT0 + 60000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[1700000060,"8000"]}]})");
}

TEST_F(CApiTest, ServeAnswersWhatQueryAnswers) {
  db_ = Open();
  ASSERT_EQ(AddAll(db_, {{"up{job=\"a\"}", kT0, 1}, {"up{job=\"b\"}", kT0, 0}}), "");
  char* err = nullptr;
  ASSERT_EQ(promlet_serve(db_, "127.0.0.1:0", &err), 0) << Take(err);
  const int port = promlet_serve_port(db_);
  ASSERT_GT(port, 0);
  EXPECT_NE(promlet_serve(db_, "127.0.0.1:0", &err), 0);  // one address at a time
  EXPECT_NE(Take(err).find("already serving"), std::string::npos);

  auto r = HttpGet(port, "/api/v1/query?query=up&time=1700000000");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":" + Query(db_, "up", kT0) + "}");
  r = HttpGet(port, "/api/v1/query_range?query=up&start=1700000000&end=1700000030&step=15");
  ASSERT_EQ(r.status, 200) << r.body;
  char* range = promlet_query_range(db_, "up", kT0, kT0 + 30000, 15000, nullptr);
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":" + Take(range) + "}");
  EXPECT_EQ(HttpGet(port, "/-/ready").status, 200);
  EXPECT_EQ(HttpGet(port, "/api/v1/label/job/values").body,
            R"({"status":"success","data":["a","b"]})");
  promlet_close(db_);  // stops serving
  db_ = nullptr;
  EXPECT_NE(HttpGet(port, "/-/ready").status, 200);
}

TEST(CApiVersion, IsTheProjectVersion) {
  EXPECT_STREQ(promlet_version(), PROMLET_EXPECTED_VERSION);
}

}  // namespace
