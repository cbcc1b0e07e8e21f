// promlet from C++: batch-append an exposition text, query with typed results, walk raw samples.
#include <cstdio>
#include <promlet/promlet.hpp>
#include <string>

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "promlet-data";
  auto db = promlet::Db::Open(dir);
  if (!db) {
    std::fprintf(stderr, "open: %s\n", db.status().message().c_str());
    return 1;
  }
  const int64_t t0 = 1700000000000;
  {
    promlet::Appender app = db->NewAppender();
    for (int i = 0; i < 4; ++i) {
      const std::string text = "# TYPE temperature_celsius gauge\n"
                               "temperature_celsius{room=\"kitchen\"} " + std::to_string(20 + i) +
                               "\ntemperature_celsius{room=\"hall\"} " + std::to_string(17 + i) +
                               "\n";
      if (auto st = app.AddText(text, t0 + i * 60000); !st) {
        std::fprintf(stderr, "append: %s\n", st.message().c_str());
        return 1;
      }
    }
    if (auto st = app.Commit(); !st) {
      std::fprintf(stderr, "commit: %s\n", st.message().c_str());
      return 1;
    }
  }
  auto avg = db->Query("avg_over_time(temperature_celsius[5m])", t0 + 180000);
  if (!avg) {
    std::fprintf(stderr, "query: %s\n", avg.status().message().c_str());
    return 1;
  }
  for (const auto& s : avg->vector()) {
    std::printf("%s %.2f\n", std::string(promlet::LabelValue(s.labels, "room")).c_str(),
                s.sample.value);
  }
  auto cursor = db->Select("temperature_celsius{room=\"hall\"}", t0, t0 + 180000);
  if (!cursor) return 1;
  while (cursor->Next()) {
    promlet::Sample s;
    int n = 0;
    while (cursor->NextSample(s)) ++n;
    std::printf("hall samples %d\n", n);
  }
  return 0;
}
